//! How much work one path of a scenario may do, derived from the scenario's own numbers.
//!
//! **Deals.** A sleeve — a sub-fund, or the direct sleeve — makes deals until its budget is
//! spent, so its deals on a path are its budget over its cheques: cheques that are tiny against
//! the budget would add companies without end. Each sleeve's deals are bounded by its budget
//! over its *smallest plausible cheque*: `round_participation × equity_sold × entry post-money`
//! with the post-money [`TAIL_SD`] standard deviations below its median on the log scale, where
//! the deviation combines the entry law's sigma with how far the field's valuation level can
//! move by the sleeve's last deal (its factor's volatility and jumps, times
//! `factors.valuation_log_per_unit`), at the lowest market `valuation_log_shift` and the field's
//! expected decline (drift and winters) by then. The direct sleeve's budget is
//! counted as often as lapsed tranches can recycle it: a deal uses up at least its first
//! tranche, so its commitments add up to at most the budget over the first tranche's share.
//!
//! Validation refuses a scenario in which a sleeve's limit exceeds [`MAX_DEALS_PER_SLEEVE`],
//! naming the sleeve and the cheque that sets its limit; the engine stops a path that reaches a
//! limit with an error rather than running on (a backstop: a path reaches it only if its cheques
//! average some six standard deviations below their median).
//!
//! **Events.** A company's events need no counter: every wait has a mean of at least a month
//! (`ranges::WAIT_MEAN_MONTHS`) and a shape of at least 0.05, so a company has on average at
//! most the horizon over its shortest mean wait, plus `(1 / shape − 1) / 2` from the renewal
//! correction: at most ~1,210 at the longest horizon, and each event allocates nothing but the
//! round it may raise (at most four).

use std::fmt;

use super::{Field, Profile, Scenario, Stage, StageMix};

/// Standard deviations below its median at which a sleeve's smallest plausible cheque is put. A
/// normal deviate is below -6 with probability 1e-9, and a path reaches its limit only if its
/// cheques *average* that far down.
pub const TAIL_SD: f64 = 6.0;

/// Most deals a sleeve may be allowed on one path. A sub-fund keeps its companies until its
/// path ends (~250 bytes each with their rounds) and a company costs about half a microsecond,
/// so this bounds a worker thread's memory to about 250 MB and a sleeve's time on a path to
/// about half a second. The shipped scenarios' largest limit is under 120,000 (the direct
/// sleeves of `direct_heavy` and `exploration_winter`), while their paths make 20 to 200 deals
/// a sleeve.
pub const MAX_DEALS_PER_SLEEVE: u64 = 1_000_000;

/// The most deals each sleeve may make on one path.
#[derive(Debug, Clone, PartialEq)]
pub struct DealLimits {
    /// By sub-fund, in [`ScenarioSpec::subfunds`](super::ScenarioSpec::subfunds) order.
    pub subfunds: Vec<usize>,
    pub direct: usize,
}

impl DealLimits {
    /// The limits of `scenario`'s sleeves.
    pub fn of(scenario: &Scenario) -> DealLimits {
        DealLimits {
            subfunds: subfund_limits(scenario).map(|l| l.deals()).collect(),
            direct: direct_limit(scenario).deals(),
        }
    }
}

/// A sleeve's deal limit and what sets it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct SleeveLimit {
    /// The sleeve's field path: `subfunds.KEY` or `direct`.
    pub sleeve: String,
    /// What its deals can spend on a path, CNY m.
    pub budget: f64,
    /// Its smallest plausible cheque (CNY m) and the field and stage that give it; `None` when it
    /// makes no deals.
    pub smallest: Option<Cheque>,
}

/// A smallest plausible cheque.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Cheque {
    pub cny_m: f64,
    pub field: String,
    pub profile: String,
    pub stage: Stage,
}

impl SleeveLimit {
    /// Deals the budget pays for at the smallest plausible cheque, plus the last, partial one;
    /// `usize::MAX` when that is beyond counting.
    pub fn deals(&self) -> usize {
        match &self.smallest {
            None => 1,
            Some(cheque) => {
                let deals = (self.budget / cheque.cny_m).ceil() + 1.0;
                // `as` saturates (and takes NaN to 0, which a positive budget and cheque never give).
                if deals.is_finite() { deals as usize } else { usize::MAX }
            }
        }
    }
}

impl fmt::Display for SleeveLimit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "a budget of {:.1} CNY m", self.budget)?;
        if let Some(c) = &self.smallest {
            write!(
                f,
                " over a smallest plausible cheque of {:.3e} CNY m (field {}, profiles.{}.stages.{})",
                c.cny_m,
                c.field,
                c.profile,
                c.stage.key()
            )?;
        }
        Ok(())
    }
}

/// Each sub-fund's limit, in [`ScenarioSpec::subfunds`](super::ScenarioSpec::subfunds) order.
pub(crate) fn subfund_limits(s: &Scenario) -> impl Iterator<Item = SleeveLimit> + '_ {
    s.subfunds.iter().map(|sub| {
        let budget =
            sub.commitment_cny_m / sub.fund_share * sub.investable_share * (1.0 - sub.reserve_share);
        let fields = sub.fields.iter().filter(|(_, w)| *w > 0.0).map(|&(f, _)| f);
        let last_deal = sub.vintage + sub.investment_period_quarters;
        SleeveLimit {
            sleeve: format!("subfunds.{}", sub.key),
            budget,
            smallest: smallest_cheque(s, fields, last_deal, &sub.stage_mix, sub.round_participation),
        }
    })
}

/// The direct sleeve's limit.
pub(crate) fn direct_limit(s: &Scenario) -> SleeveLimit {
    let d = &s.direct;
    let first_tranche = d.tranches.shares.first().copied().unwrap_or(1.0);
    let fields = s.fields.iter().enumerate().filter(|(_, f)| f.direct_weight > 0.0).map(|(i, _)| i);
    let smallest = if d.budget_cny_m > 0.0 {
        smallest_cheque(s, fields, d.deploy_quarters, &d.stage_mix, d.round_participation)
    } else {
        None
    };
    SleeveLimit { sleeve: "direct".into(), budget: d.budget_cny_m / first_tranche, smallest }
}

/// The smallest plausible cheque over `fields` and the stages `mix` deals in, for deals made by
/// quarter `last_deal`.
fn smallest_cheque(
    s: &Scenario,
    fields: impl Iterator<Item = usize>,
    last_deal: usize,
    mix: &StageMix,
    round_participation: f64,
) -> Option<Cheque> {
    let lowest_shift = s.market.states.iter().map(|m| m.valuation_log_shift).fold(0.0, f64::min);
    let quarters = last_deal.min(s.horizon()) as f64;
    let per_unit = s.factors.valuation_log_per_unit;
    let mut smallest: Option<Cheque> = None;
    for f in fields {
        let field = &s.fields[f];
        let profile = &s.profiles[field.profile];
        let (mean, variance) = factor_step(field);
        let level = lowest_shift + per_unit * quarters * mean.min(0.0);
        let level_variance = per_unit * per_unit * quarters * variance;
        for (stage, _) in Stage::ALL.into_iter().zip(mix).filter(|(_, share)| **share > 0.0) {
            let cny_m = cheque(profile, stage, round_participation, level, level_variance);
            if smallest.as_ref().is_none_or(|c| cny_m < c.cny_m) {
                smallest =
                    Some(Cheque { cny_m, field: field.key.clone(), profile: profile.key.clone(), stage });
            }
        }
    }
    smallest
}

/// A field factor's mean and variance of one quarter's move (jumps counted as their mean and
/// second moment, an upper bound of their variance).
fn factor_step(field: &Field) -> (f64, f64) {
    let (up, down) = (&field.breakthrough, &field.winter);
    let mean = field.drift_per_quarter + up.quarterly_probability * up.size - down.quarterly_probability * down.size;
    let variance = field.volatility_per_quarter.powi(2)
        + up.quarterly_probability * up.size.powi(2)
        + down.quarterly_probability * down.size.powi(2);
    (mean, variance)
}

/// The cheque for `stage` of `profile` at log valuation level `level`, [`TAIL_SD`] deviations
/// (of the entry law and a level of variance `level_variance` together) below its median.
fn cheque(profile: &Profile, stage: Stage, round_participation: f64, level: f64, level_variance: f64) -> f64 {
    let spec = &profile.stages[stage.index()];
    let entry = spec.entry_post_money_cny_m;
    let spread = (entry.sigma * entry.sigma + level_variance).sqrt();
    round_participation * spec.equity_sold * entry.median * (level - TAIL_SD * spread).exp()
}

/// Why a path stopped: a sleeve reached its deal limit ([`DealLimits`]).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error(
    "{sleeve}: a path reached the {limit} deals its budget pays for at its smallest plausible cheque; \
     its cheques are far smaller than the scenario's own numbers make plausible"
)]
pub struct DealLimitReached {
    /// The sleeve's field path: `subfunds.KEY` or `direct`.
    pub sleeve: String,
    pub limit: usize,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing;

    fn all_limits(s: &Scenario) -> Vec<SleeveLimit> {
        subfund_limits(s).chain(std::iter::once(direct_limit(s))).collect()
    }

    #[test]
    fn shipped_scenarios_stay_well_inside_the_limit() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
        let files = [dir.clone(), dir.join("structure")].into_iter().flat_map(|d| std::fs::read_dir(d).expect("scenarios/"));
        for entry in files {
            let path = entry.expect("entry").path();
            if path.extension().is_none_or(|e| e != "toml") {
                continue;
            }
            let s = crate::scenario::load(&path).unwrap_or_else(|e| panic!("{e}"));
            for limit in all_limits(&s) {
                let deals = limit.deals() as u64;
                assert!(deals < MAX_DEALS_PER_SLEEVE / 5, "{}: {} {deals} ({limit})", s.name, limit.sleeve);
            }
        }
    }

    #[test]
    fn limits_follow_budget_and_cheque() {
        let s = testing::base();
        let before = DealLimits::of(&s);
        let s = testing::edited(&s, |raw| {
            raw.subfunds.values_mut().next().unwrap().fund_share /= 2.0;
            raw.direct.round_participation /= 4.0;
        });
        let after = DealLimits::of(&s);
        // Twice the budget, a quarter of the cheque (each up to the last, partial deal's rounding).
        assert!(after.subfunds[0].abs_diff(2 * before.subfunds[0]) <= 2, "{after:?} {before:?}");
        assert!(after.direct.abs_diff(4 * before.direct) <= 4, "{after:?} {before:?}");
        assert_eq!(after.subfunds[1], before.subfunds[1]);
        let s = testing::edited(&s, |raw| raw.fund.direct_share = 0.0);
        assert_eq!(DealLimits::of(&s).direct, 1, "no budget, no cheque");
    }
}
