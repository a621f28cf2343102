//! The library of one-at-a-time shocks `fifsim sensitivity` applies to a validated scenario, each
//! a function of the scenario and a [`Direction`], with its range stated here:
//!
//! | shock | down | up |
//! |---|---|---|
//! | exit multiples: every profile's IPO median (and its Pareto threshold) and acquisition medians | ÷ 1.25 | × 1.25 |
//! | graduation odds, one line per company profile in use (a profile used by fields of one tier is that tier's line; `clinical`, used by fields of two tiers, is its own): every stage's advance probability, with failure moving the other way | − 0.05 | + 0.05 |
//! | exit-market persistence: the self-transition of every state worse than the best (base: tight, closed), the rest of the row rescaled | − 0.1 | + 0.1 |
//! | manager skill dispersion | × 0 | × 2 |
//! | leverage: every sub-fund's `fund_share` (commitments fixed, so sub-fund size = commitment / fund_share) | − 0.05 | + 0.05 |
//! | management fees, in the investment period and after (annual) | − 0.5 pp | + 0.5 pp |
//! | carried interest | − 5 pp | + 5 pp |
//! | concession: the managers' buy-back share | × 0 | × 2 |
//! | sub-funds' continuation: the years a sub-fund holding companies goes on after its term (within the fund's life) | × 0 | × 2 |
//! | the direct team's skill on the advance log-odds | − 0.3 | + 0.3 |
//! | the direct team's cost, both rates | × 0 | × 2 |
//! | direct share (same total: sub-fund commitments rescaled, [`super::allocation`]) | − 0.1 | + 0.1 |
//!
//! Ranges are chosen to be plausible one-step moves, not extremes: ±25 % on exit values is about
//! the gap between the tight and open market states; ±5 points of graduation odds is a quarter of
//! the gap between the tiers' profiles; ±0.1 of persistence moves a closed spell from 4 to about
//! 2.9 or 6.7 quarters; the fee and carry steps span the usual 1.5–2.5 % and 15–25 % of
//! guidance-fund terms (docs/calibration.md §1).
//!
//! A shock changes the raw scenario (the file's values, in its units) and the result is validated
//! again ([`Scenario::revalidated`]), so a shocked scenario is what the edited file would give:
//! the same checks, and derived values (log-odds, the IPO tail's threshold, per-quarter rates,
//! commitments) computed by validation alone. Moves are clipped so that validation accepts them:
//! where a probability would leave [0, 1] (graduation moves at most what failure has to give; a
//! self-transition stops at 0 or 1), `fund_share` stays in [0.01, 1] and under the fund's cap,
//! carry in [0, 0.95], the buy-back share at most 1, fees at least 0, skill dispersion within its
//! range. A higher fee that would no longer fit the capital not invested (the validation rule)
//! lowers the sub-fund's investable share to make room, as its agreement would have to.

use serde::{Deserialize, Serialize};

use super::allocation::{self, AllocationError};
use crate::scenario::raw::{RawOutcome, RawScenario, RawSubFund};
use crate::scenario::{Outcome, Scenario, SubFundSpec, Tier, ranges, validate};

/// Factor on exit multiples.
pub const EXIT_MULTIPLE_FACTOR: f64 = 1.25;
/// Step in the advance probability of every stage.
pub const GRADUATION_STEP: f64 = 0.05;
/// Step in the self-transition of stressed market states.
pub const PERSISTENCE_STEP: f64 = 0.1;
/// Factors on manager skill dispersion, down and up.
pub const SKILL_FACTORS: (f64, f64) = (0.0, 2.0);
/// Step in every sub-fund's fund share.
pub const FUND_SHARE_STEP: f64 = 0.05;
/// Step in annual management fees.
pub const FEE_STEP: f64 = 0.005;
/// Step in carried interest.
pub const CARRY_STEP: f64 = 0.05;
/// Factors on the buy-back share, down and up.
pub const BUYBACK_FACTORS: (f64, f64) = (0.0, 2.0);
/// Step in the direct share.
pub const DIRECT_SHARE_STEP: f64 = 0.1;
/// Factors on the sub-funds' continuation, down and up.
pub const CONTINUATION_FACTORS: (f64, f64) = (0.0, 2.0);
/// Step in the direct team's skill (base sets it 0.3 below the average manager).
pub const DIRECT_SKILL_STEP: f64 = 0.3;
/// Factors on the direct team's cost, down and up.
pub const TEAM_COST_FACTORS: (f64, f64) = (0.0, 2.0);

/// Which way a shock moves its parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    Down,
    Up,
}

impl Direction {
    pub const BOTH: [Direction; 2] = [Direction::Down, Direction::Up];

    fn sign(self) -> f64 {
        match self {
            Direction::Down => -1.0,
            Direction::Up => 1.0,
        }
    }

    fn pick<T>(self, down: T, up: T) -> T {
        match self {
            Direction::Down => down,
            Direction::Up => up,
        }
    }
}

/// What a shock changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShockKind {
    ExitMultiples,
    /// Graduation odds of the profile at this index of [`ScenarioSpec::profiles`](crate::scenario::ScenarioSpec::profiles).
    Graduation { profile: usize },
    MarketPersistence,
    SkillDispersion,
    FundShare,
    Fees,
    Carry,
    Buyback,
    Continuation,
    DirectSkill,
    TeamCost,
    DirectShare,
}

/// A named shock with its stated range.
#[derive(Debug, Clone, PartialEq)]
pub struct Shock {
    pub key: String,
    pub label: String,
    /// What the down and up moves are, e.g. "÷1.25" and "×1.25".
    pub down: String,
    pub up: String,
    pub kind: ShockKind,
}

impl Shock {
    /// The setting of a direction, e.g. "×1.25".
    pub fn setting(&self, direction: Direction) -> &str {
        direction.pick(&self.down, &self.up)
    }

    /// Applies the shock to `raw`, the raw scenario of `s` (validate it again to use it:
    /// [`super::changed`]).
    ///
    /// # Errors
    /// Only the direct-share shock can fail, when the scenario has no sleeve to move money into.
    pub fn apply(&self, s: &Scenario, raw: &mut RawScenario, direction: Direction) -> Result<(), AllocationError> {
        match self.kind {
            ShockKind::ExitMultiples => exit_multiples(raw, direction),
            ShockKind::Graduation { profile } => graduation(s, raw, profile, direction),
            ShockKind::MarketPersistence => market_persistence(s, raw, direction),
            ShockKind::SkillDispersion => skill_dispersion(raw, direction),
            ShockKind::FundShare => fund_share(s, raw, direction),
            ShockKind::Fees => fees(s, raw, direction),
            ShockKind::Carry => carry(s, raw, direction),
            ShockKind::Buyback => buyback(s, raw, direction),
            ShockKind::Continuation => continuation(s, raw, direction),
            ShockKind::DirectSkill => direct_skill(raw, direction),
            ShockKind::TeamCost => team_cost(s, raw, direction),
            ShockKind::DirectShare => return direct_share(s, raw, direction),
        }
        Ok(())
    }
}

/// The shocks that apply to `s`, in a fixed order (graduation lines per profile in use; no
/// persistence line for a market with one state).
pub fn library(s: &Scenario) -> Vec<Shock> {
    let shock = |key: &str, label: String, down: &str, up: &str, kind| Shock { key: key.to_string(), label, down: down.to_string(), up: up.to_string(), kind };
    let mut out = vec![shock("exit_multiples", "Exit multiples (IPO, trade sale)".into(), "÷1.25", "×1.25", ShockKind::ExitMultiples)];
    for (index, p) in s.profiles.iter().enumerate() {
        let tiers: Vec<Tier> = Tier::ALL.into_iter().filter(|t| s.fields.iter().any(|f| f.profile == index && f.tier == *t)).collect();
        let label = match tiers.as_slice() {
            [] => continue,
            [t] if t.key() == p.key => format!("Graduation odds, {} tier", p.key),
            // A profile shared by fields of several tiers (base: clinical) is its own line.
            _ => format!("Graduation odds, {} profile", p.key),
        };
        out.push(shock(&format!("graduation_{}", p.key), label, "-0.05", "+0.05", ShockKind::Graduation { profile: index }));
    }
    let stressed = stressed_states(s);
    if !stressed.is_empty() {
        let names: Vec<&str> = stressed.iter().map(|&i| s.market.states[i].key.as_str()).collect();
        out.push(shock("market_persistence", format!("Exit persistence ({})", names.join(", ")), "-0.1", "+0.1", ShockKind::MarketPersistence));
    }
    // The sub-fund terms only matter when the fund commits money to sub-funds.
    if s.subfund_commitments_cny_m() > 0.0 {
        out.extend([
            shock("skill_dispersion", "Manager skill dispersion".into(), "×0", "×2", ShockKind::SkillDispersion),
            shock("fund_share", "Fund share in each sub-fund".into(), "-0.05", "+0.05", ShockKind::FundShare),
            shock("fees", "Management fees".into(), "-0.5pp", "+0.5pp", ShockKind::Fees),
            shock("carry", "Carried interest".into(), "-5pp", "+5pp", ShockKind::Carry),
            shock("buyback", "Buy-back concession share".into(), "×0", "×2", ShockKind::Buyback),
            shock("continuation", "Sub-funds' continuation years".into(), "×0", "×2", ShockKind::Continuation),
        ]);
    }
    // The direct team's terms only matter when the fund invests directly.
    if s.direct.budget_cny_m > 0.0 {
        out.extend([
            shock("direct_skill", "Direct team skill".into(), "-0.3", "+0.3", ShockKind::DirectSkill),
            shock("team_cost", "Direct team cost".into(), "×0", "×2", ShockKind::TeamCost),
        ]);
    }
    // Moving the split needs both sleeves to exist (a direct-only fund has no sub-fund
    // commitments to scale up; a fund without direct weights has no deal flow to grow).
    let direct_share = shock("direct_share", "Direct share (same total)".into(), "-0.1", "+0.1", ShockKind::DirectShare);
    if Direction::BOTH.into_iter().all(|d| direct_share.apply(s, &mut s.raw().clone(), d).is_ok()) {
        out.push(direct_share);
    }
    out
}

/// IPO and acquisition medians × or ÷ [`EXIT_MULTIPLE_FACTOR`] (the IPO tail's threshold, a
/// quantile of the body, follows at validation).
pub fn exit_multiples(raw: &mut RawScenario, direction: Direction) {
    let factor = direction.pick(1.0 / EXIT_MULTIPLE_FACTOR, EXIT_MULTIPLE_FACTOR);
    for p in raw.profiles.values_mut() {
        p.ipo_multiple.median *= factor;
        for stage in p.stages.all_mut() {
            stage.acquisition_multiple.median *= factor;
        }
    }
}

/// Every stage of profile `profile`: advance ± [`GRADUATION_STEP`], failure ∓ the same, clipped so
/// both stay in [0, 1]; validation normalises the table to sum to 1 again.
pub fn graduation(s: &Scenario, raw: &mut RawScenario, profile: usize, direction: Direction) {
    let Some(p) = s.profiles.get(profile) else { return };
    let Some(raw_profile) = raw.profiles.get_mut(&p.key) else { return };
    let (advance, failed) = (Outcome::Advance.index(), Outcome::Failed.index());
    for (stage, raw_stage) in p.stages.iter().zip(raw_profile.stages.all_mut()) {
        let mut probs = stage.outcome_probabilities;
        let pool = probs[advance] + probs[failed];
        probs[advance] = (probs[advance] + direction.sign() * GRADUATION_STEP).clamp(0.0, pool);
        probs[failed] = (pool - probs[advance]).max(0.0);
        let [advance, acquired, failed, hold] = probs;
        raw_stage.outcome = RawOutcome { advance, acquired, failed, hold };
    }
}

/// Market states whose IPO log-odds shift is below the best state's (base: tight and closed).
fn stressed_states(s: &Scenario) -> Vec<usize> {
    let best = s.market.states.iter().map(|m| m.ipo_logit_shift).fold(f64::NEG_INFINITY, f64::max);
    (0..s.market.states.len()).filter(|&i| s.market.states[i].ipo_logit_shift < best).collect()
}

/// Self-transition of every stressed state ± [`PERSISTENCE_STEP`] (clipped to [0, 1]); the rest
/// of its row is rescaled to fill the remainder (spread evenly if it was empty), and validation
/// normalises the row to sum to 1 again.
pub fn market_persistence(s: &Scenario, raw: &mut RawScenario, direction: Direction) {
    let states = &s.market.states;
    for i in stressed_states(s) {
        let mut row = s.market.transition[i].clone();
        let old = row[i];
        let new = (old + direction.sign() * PERSISTENCE_STEP).clamp(0.0, 1.0);
        let rest = 1.0 - old;
        let others = row.len() - 1;
        for (j, x) in row.iter_mut().enumerate() {
            if j == i {
                *x = new;
            } else if rest > 0.0 {
                *x *= (1.0 - new) / rest;
            } else {
                *x = (1.0 - new) / others as f64;
            }
        }
        if let Some(state) = raw.exit_market.states.get_mut(&states[i].key) {
            state.transition = states.iter().map(|m| m.key.clone()).zip(row).collect();
        }
    }
}

/// Skill dispersion × 0 or × 2 (at most the largest validation allows).
pub fn skill_dispersion(raw: &mut RawScenario, direction: Direction) {
    let factor = direction.pick(SKILL_FACTORS.0, SKILL_FACTORS.1);
    raw.skill.dispersion = ranges::SKILL_DISPERSION.clamp(raw.skill.dispersion * factor);
}

/// Applies `change` to every sub-fund of `s` and its raw counterpart.
fn each_subfund(s: &Scenario, raw: &mut RawScenario, mut change: impl FnMut(&SubFundSpec, &mut RawSubFund)) {
    for sub in &s.subfunds {
        if let Some(raw_sub) = raw.subfunds.get_mut(&sub.key) {
            change(sub, raw_sub);
        }
    }
}

/// Every sub-fund's fund share ± [`FUND_SHARE_STEP`], within [0.01, 1] and the fund's cap on its
/// share of a sub-fund; commitments unchanged.
pub fn fund_share(s: &Scenario, raw: &mut RawScenario, direction: Direction) {
    each_subfund(s, raw, |sub, raw_sub| {
        let cap = if sub.registered_in_shanghai { s.fund.max_subfund_share } else { s.fund.max_subfund_share_outside_shanghai };
        raw_sub.fund_share = (sub.fund_share + direction.sign() * FUND_SHARE_STEP).clamp(0.01, 1.0).min(cap.max(sub.fund_share));
    });
}

/// Both management fees ± [`FEE_STEP`] a year (at least 0); see the module docs for the
/// investable share.
pub fn fees(s: &Scenario, raw: &mut RawScenario, direction: Direction) {
    let step = direction.sign() * FEE_STEP / 4.0;
    each_subfund(s, raw, |sub, raw_sub| {
        // Stepped per quarter, as the scenario holds them: a quarter of an annual rate is exact.
        raw_sub.management_fee_ip = 4.0 * (sub.management_fee_ip_per_quarter + step).max(0.0);
        raw_sub.management_fee_post = 4.0 * (sub.management_fee_post_per_quarter + step).max(0.0);
        let fitting = validate::max_investable_share(raw_sub.management_fee_ip, raw_sub.management_fee_post, sub.fee_years());
        raw_sub.investable_share = sub.investable_share.min(fitting);
    });
}

/// Carry ± [`CARRY_STEP`], within [0, 0.95].
pub fn carry(s: &Scenario, raw: &mut RawScenario, direction: Direction) {
    each_subfund(s, raw, |sub, raw_sub| raw_sub.carry = (sub.carry + direction.sign() * CARRY_STEP).clamp(0.0, 0.95));
}

/// Buy-back share × 0 or × 2 (at most 1).
pub fn buyback(s: &Scenario, raw: &mut RawScenario, direction: Direction) {
    let factor = direction.pick(BUYBACK_FACTORS.0, BUYBACK_FACTORS.1);
    each_subfund(s, raw, |sub, raw_sub| raw_sub.buyback.share = (sub.concession.buyback.share * factor).min(1.0));
}

/// Every sub-fund's continuation × 0 or × 2 (whole quarters, rounded down); validation clips it
/// to what the fund's life and the horizon leave after the term and extension.
pub fn continuation(s: &Scenario, raw: &mut RawScenario, direction: Direction) {
    let factor = direction.pick(CONTINUATION_FACTORS.0, CONTINUATION_FACTORS.1);
    each_subfund(s, raw, |sub, raw_sub| {
        let quarters = (sub.continuation_quarters as f64 * factor) as usize;
        raw_sub.continuation_years = quarters as f64 / 4.0;
    });
}

/// The direct team's skill ± [`DIRECT_SKILL_STEP`].
pub fn direct_skill(raw: &mut RawScenario, direction: Direction) {
    raw.direct.skill += direction.sign() * DIRECT_SKILL_STEP;
}

/// Both of the direct team's cost rates × 0 or × 2 (at most all of the budget a year).
pub fn team_cost(s: &Scenario, raw: &mut RawScenario, direction: Direction) {
    let factor = direction.pick(TEAM_COST_FACTORS.0, TEAM_COST_FACTORS.1);
    raw.direct.team_cost_per_year = 4.0 * (s.direct.team_cost_per_quarter * factor).min(0.25);
    raw.direct.team_cost_after_per_year = 4.0 * (s.direct.team_cost_after_per_quarter * factor).min(0.25);
}

/// Direct share ± [`DIRECT_SHARE_STEP`] (within [0, 1]), same total.
///
/// # Errors
/// See [`allocation::set_direct_share`].
pub fn direct_share(s: &Scenario, raw: &mut RawScenario, direction: Direction) -> Result<(), AllocationError> {
    let share = (s.fund.direct_share + direction.sign() * DIRECT_SHARE_STEP).clamp(0.0, 1.0);
    allocation::set_direct_share(s, raw, share)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `s` with `shock` applied in `direction`, validated again.
    fn shocked(s: &Scenario, shock: &Shock, direction: Direction) -> Scenario {
        crate::analysis::changed(s, shock.key.clone(), |raw| shock.apply(s, raw, direction)).unwrap_or_else(|e| panic!("{direction:?}: {e}"))
    }

    /// `s` with `change` made to its raw scenario, validated again.
    fn changed(s: &Scenario, change: impl FnOnce(&Scenario, &mut RawScenario)) -> Scenario {
        crate::testing::edited(s, |raw| change(s, raw))
    }

    #[test]
    fn the_base_library_has_every_shock_with_clinical_on_its_own_line() {
        let keys: Vec<String> = library(&crate::testing::base()).into_iter().map(|s| s.key).collect();
        assert_eq!(
            keys,
            [
                "exit_multiples",
                "graduation_clinical",
                "graduation_exploration",
                "graduation_industrialising",
                "graduation_prototype",
                "market_persistence",
                "skill_dispersion",
                "fund_share",
                "fees",
                "carry",
                "buyback",
                "continuation",
                "direct_skill",
                "team_cost",
                "direct_share"
            ]
        );
        let base = crate::testing::base();
        let lib = library(&base);
        assert_eq!(lib[1].label, "Graduation odds, clinical profile");
        assert_eq!(lib[2].label, "Graduation odds, exploration tier");
        assert_eq!(lib[5].label, "Exit persistence (closed, tight)");
    }

    /// A fund that invests everything directly, as validation loads it (its sub-funds kept, with
    /// no commitment): the shocks that need sub-funds are left out, the others apply.
    #[test]
    fn a_direct_only_fund_is_shocked_where_it_can_be() {
        let base = crate::testing::base().edited(|raw| raw.fund.direct_share = 1.0).unwrap();
        assert!(!base.subfunds.is_empty() && base.subfund_commitments_cny_m() == 0.0);
        let keys: Vec<String> = library(&base).into_iter().map(|s| s.key).collect();
        for absent in ["fund_share", "fees", "carry", "buyback", "skill_dispersion", "continuation", "direct_share"] {
            assert!(!keys.iter().any(|k| k == absent), "{absent} in {keys:?}");
        }
        for shock in library(&base) {
            for direction in Direction::BOTH {
                shocked(&base, &shock, direction);
            }
        }
    }

    #[test]
    fn shocked_scenarios_stay_valid() {
        let base = crate::testing::base();
        for shock in library(&base) {
            for direction in Direction::BOTH {
                // Three times, so the clipping is exercised too.
                let mut s = base.clone();
                for _ in 0..3 {
                    s = shocked(&s, &shock, direction);
                }
                assert_ne!(s, base, "{} {direction:?} changed nothing", shock.key);
            }
        }
        // Extremes: a certain failure, an absorbing closed market.
        let s = changed(&base, |_, raw| {
            for p in raw.profiles.values_mut() {
                for stage in p.stages.all_mut() {
                    let hold = stage.outcome.hold;
                    stage.outcome = RawOutcome { advance: 0.0, acquired: 0.0, failed: 1.0 - hold, hold };
                }
            }
            let closed = raw.exit_market.states.get_mut("closed").unwrap();
            closed.transition = [("closed".to_string(), 1.0)].into_iter().collect();
        });
        for direction in Direction::BOTH {
            changed(&s, |s, raw| {
                for p in 0..s.profiles.len() {
                    graduation(s, raw, p, direction);
                }
                market_persistence(s, raw, direction);
            });
        }
    }

    #[test]
    fn shocks_move_what_they_say() {
        let base = crate::testing::base();
        let shock = |kind: ShockKind, direction: Direction| {
            let shock = library(&base).into_iter().find(|s| s.kind == kind).unwrap();
            shocked(&base, &shock, direction)
        };
        let s = shock(ShockKind::ExitMultiples, Direction::Up);
        assert!((s.profiles[0].ipo_multiple.body.median / base.profiles[0].ipo_multiple.body.median - 1.25).abs() < 1e-12);
        assert!((s.profiles[0].ipo_multiple.threshold / base.profiles[0].ipo_multiple.threshold - 1.25).abs() < 1e-12, "the threshold follows");
        let s = shock(ShockKind::Graduation { profile: 1 }, Direction::Up);
        let (new, old) = (&s.profiles[1].stages[0].outcome_probabilities, &base.profiles[1].stages[0].outcome_probabilities);
        assert!((new[0] - old[0] - 0.05).abs() < 1e-12 && (old[2] - new[2] - 0.05).abs() < 1e-12 && new[1] == old[1]);
        assert_eq!(s.profiles[1].stages[0].outcome_logits, new.map(f64::ln));
        assert_eq!(s.profiles[0], base.profiles[0], "other profiles untouched");
        let s = shock(ShockKind::MarketPersistence, Direction::Up);
        let closed = s.market.states.iter().position(|m| m.key == "closed").unwrap();
        assert!((s.market.transition[closed][closed] - base.market.transition[closed][closed] - 0.1).abs() < 1e-12);
        let open = s.market.states.iter().position(|m| m.key == "open").unwrap();
        assert_eq!(s.market.transition[open], base.market.transition[open], "the open state's row is untouched");
        let s = shock(ShockKind::Fees, Direction::Up);
        let sub = &s.subfunds[0];
        assert!((sub.management_fee_ip_per_quarter * 4.0 - 0.025).abs() < 1e-12);
        assert!(sub.investable_share < 0.8, "the higher fee no longer fits 80% invested: {}", sub.investable_share);
        let s = shock(ShockKind::Fees, Direction::Down);
        assert_eq!(s.subfunds[0].investable_share, 0.8);
        let s = shock(ShockKind::DirectShare, Direction::Up);
        assert!((s.fund.direct_share - 0.3).abs() < 1e-12);
        let s = shock(ShockKind::Buyback, Direction::Up);
        assert!((s.subfunds[0].concession.buyback.share - 0.6).abs() < 1e-12);
        let s = shock(ShockKind::Continuation, Direction::Up);
        let (sub, was) = (&s.subfunds[0], &base.subfunds[0]);
        let room = s.fund.life_quarters - sub.vintage - sub.term_quarters - sub.extension_quarters;
        assert_eq!(sub.continuation_quarters, (2 * was.continuation_quarters).min(room));
        assert!(sub.continuation_quarters > was.continuation_quarters);
        let s = changed(&s, |s, raw| continuation(s, raw, Direction::Down));
        assert!(s.subfunds.iter().all(|sub| sub.continuation_quarters == 0));
        let s = shock(ShockKind::DirectSkill, Direction::Up);
        assert!((s.direct.skill - base.direct.skill - 0.3).abs() < 1e-12);
        let s = shock(ShockKind::TeamCost, Direction::Up);
        assert_eq!(s.direct.team_cost_per_quarter, 2.0 * base.direct.team_cost_per_quarter);
        let s = shock(ShockKind::SkillDispersion, Direction::Up);
        assert_eq!(s.skill.dispersion, 2.0 * base.skill.dispersion);
    }
}
