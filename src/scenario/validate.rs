//! From a [`RawScenario`] to a [`Scenario`]: every range, reference and consistency check, and
//! every unit conversion, happens here once.
//!
//! Conversions (docs/model.md §2): compounding rates (hurdle, buy-back interest, profit-cession
//! hurdle) become `(1 + r)^(1/4) - 1`; fees and running costs charged on a balance become
//! `r / 4`; a factor's annual volatility becomes `v / 2` (`v · √¼`) and its drift `d / 4`; an
//! annual hazard `h` becomes a quarterly event probability `1 - exp(-h / 4)`; months become
//! quarters (`months / 3`, or rounded up for a deadline); years become `4 × years` quarters.
//!
//! Choices the file format leaves to validation, documented here because the engine relies on
//! them: fields are ordered by (tier, key); profiles, market states and sub-funds by key; a
//! sub-fund's extension, then its continuation, is clipped so that it ends by the fund's life and
//! the horizon (a base term that does not fit is an error); the fee-feasibility check uses the
//! clipped extension, since no fee is charged after the extension (in the continuation) or after
//! a sub-fund ends.

use std::collections::BTreeMap;
use std::path::Path;

use ndarray::Array2;
use statrs::distribution::{ContinuousCDF, Normal};

pub use super::error::ScenarioError;
use super::error::{Allowed, Bound, Checker};
use super::{ranges, workload};
use super::raw::{
    RawCalendar, RawDirect, RawExitMarket, RawFactors, RawField, RawFund, RawJump, RawLogNormal, RawProfile, RawReallocation,
    RawScenario, RawSplicedTail, RawStage, RawSubFund,
};
use super::{
    BuybackSpec, ConcessionSpec, DirectSpec, ExitMarket, FactorModel, Field, FundSpec, JumpSpec, LogNormalSpec,
    MarketState, Profile, ReallocationSpec, STAGE_COUNT, Scenario, ScenarioSpec, Scorecard, Shortfall, SkillModel, SplicedTailSpec, Stage, StageMix,
    StageSpec, SubFundSpec, Tier, TrancheSpec,
};
use crate::calendar::{Calendar, Quarter, quarterly_rate};
use crate::numeric::LowerTriangular;

/// Tolerance on probability tables that are then normalised (outcomes, stage mixes, tranches).
const SUM_TOLERANCE: f64 = 1e-6;
/// Tolerance on a market transition row (stated to more digits than an outcome table).
const TRANSITION_TOLERANCE: f64 = 1e-9;
/// Sub-funds live at least this many years (申报指南 §2(3)).
const MIN_SUBFUND_TERM_YEARS: f64 = 7.0;
/// Longest horizon a scenario may ask for; keeps per-quarter arrays small.
const MAX_HORIZON_YEARS: u32 = 100;

type Result<T> = std::result::Result<T, ScenarioError>;

/// Checks a raw scenario and converts it into the engine's types.
///
/// `file` is used in error messages and, when the scenario has no `name`, for its stem.
///
/// # Errors
/// [`ScenarioError::Invalid`] for the first value out of range, dangling reference or
/// inconsistency found; the error names `file`, the field path and what is allowed.
pub fn validate(raw: RawScenario, file: &Path) -> Result<Scenario> {
    let c = Checker { file };
    let kept = raw.clone();
    let calendar = calendar(&c, &raw.calendar)?;
    let fund = fund(&c, &raw.fund, &calendar)?;
    let market = exit_market(&c, &raw.exit_market, &calendar)?;
    let profile_keys: Vec<&String> = raw.profiles.keys().collect();
    let profiles = raw.profiles.iter().map(|(key, p)| profile(&c, key, p)).collect::<Result<Vec<_>>>()?;
    if profiles.is_empty() {
        return Err(c.invalid("profiles", "at least one [profiles.X] is required"));
    }
    let (fields, families) = fields(&c, &raw.fields, &profile_keys)?;
    let factors = factors(&c, &raw.factors, &fields, &families)?;
    let skill = SkillModel {
        dispersion: c.number("skill.dispersion", raw.skill.dispersion, ranges::SKILL_DISPERSION)?,
        valuation_log_per_unit: c.number(
            "skill.valuation_log_per_unit",
            raw.skill.valuation_log_per_unit,
            ranges::VALUATION_LOG_PER_UNIT,
        )?,
    };
    let subfunds = subfunds(&c, &raw.subfunds, &fund, &calendar, &fields)?;
    let direct = direct(&c, &raw.direct, &fund, &calendar, &fields)?;
    let indicators = super::scorecard::indicators(&c, raw.indicators.as_ref())?;
    let scorecard = match &raw.scorecard {
        Some(card) => super::scorecard::scorecard(&c, card)?,
        None => Scorecard::default_card(),
    };
    let name =
        raw.name.unwrap_or_else(|| file.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default());
    let spec = ScenarioSpec {
        name,
        description: raw.description.unwrap_or_default(),
        source: file.to_path_buf(),
        calendar,
        fund,
        market,
        factors,
        skill,
        profiles,
        fields,
        subfunds,
        direct,
        funding: None,
        indicators,
        scorecard,
        as_of: None,
    };
    let mut scenario = Scenario::sealed(spec, kept);
    deal_limits(&c, &scenario)?;
    // After the sleeves' checks: a fund too large for its plan is first a fund too large.
    scenario.spec.funding = raw.funding.as_ref().map(|f| super::funding::validate(&c, f, &scenario.fund, &scenario.calendar)).transpose()?;
    Ok(scenario)
}

/// Refuses a scenario in which a sleeve could make more than [`workload::MAX_DEALS_PER_SLEEVE`]
/// deals on a path: its cheques are tiny against its budget.
fn deal_limits(c: &Checker, s: &Scenario) -> Result<()> {
    let budget_fields = |sleeve: &str| {
        if sleeve == "direct" {
            "fund.size_cny_m, fund.direct_share or raise direct.tranches[0]".to_string()
        } else {
            format!("fund.size_cny_m or raise {sleeve}.fund_share")
        }
    };
    for limit in workload::subfund_limits(s).chain(std::iter::once(workload::direct_limit(s))) {
        let deals = limit.deals();
        if deals as u64 > workload::MAX_DEALS_PER_SLEEVE {
            return Err(c.invalid(
                &limit.sleeve,
                format!(
                    "could make up to {deals} deals on a path ({limit}), more than the {} a sleeve may make; \
                     raise the cheque ({}.round_participation, the stage's equity_sold and \
                     entry_post_money_cny_m.median, or lower its sigma, the field's volatility_per_year, \
                     drift and winter jumps, factors.valuation_log_per_unit or the lowest \
                     exit_market valuation_log_shift) or lower the budget ({})",
                    workload::MAX_DEALS_PER_SLEEVE,
                    limit.sleeve,
                    budget_fields(&limit.sleeve)
                ),
            ));
        }
    }
    Ok(())
}

fn quarter(c: &Checker, field: &str, label: &str) -> Result<Quarter> {
    label.parse().map_err(|e: crate::calendar::QuarterParseError| c.invalid(field, e.to_string()))
}

/// A quarter label as an index into the calendar, which it must lie in.
fn quarter_index(c: &Checker, field: &str, label: &str, calendar: &Calendar) -> Result<usize> {
    let q = quarter(c, field, label)?;
    calendar.index_of(q).ok_or_else(|| {
        c.invalid(
            field,
            format!(
                "must lie within the calendar, {} to {} (quarters 0 to {}), got {q}",
                calendar.start,
                calendar.quarter(calendar.horizon_quarters),
                calendar.horizon_quarters
            ),
        )
    })
}

fn calendar(c: &Checker, raw: &RawCalendar) -> Result<Calendar> {
    let start = quarter(c, "calendar.start", &raw.start)?;
    if !(1..=MAX_HORIZON_YEARS).contains(&raw.horizon_years) {
        return Err(c.invalid(
            "calendar.horizon_years",
            format!("must be a whole number of years from 1 to {MAX_HORIZON_YEARS}, got {}", raw.horizon_years),
        ));
    }
    Ok(Calendar { start, horizon_quarters: 4 * raw.horizon_years as usize })
}

fn fund(c: &Checker, raw: &RawFund, calendar: &Calendar) -> Result<FundSpec> {
    let life_quarters = 4 * raw.life_years as usize;
    if raw.life_years == 0 || life_quarters > calendar.horizon_quarters {
        return Err(c.invalid(
            "fund.life_years",
            format!(
                "must be from 1 to calendar.horizon_years = {}, got {}",
                calendar.horizon_quarters / 4,
                raw.life_years
            ),
        ));
    }
    let running_cost = c.number("fund.running_cost_per_year", raw.running_cost_per_year, ranges::RUNNING_COST_PER_YEAR)?;
    let lifetime_cost = running_cost * f64::from(raw.life_years);
    if lifetime_cost > ranges::MAX_LIFETIME_RUNNING_COST {
        return Err(c.invalid(
            "fund.running_cost_per_year",
            format!(
                "running costs over the fund's life ({running_cost} x life_years {} = {lifetime_cost:.3} of its size) \
                 must be at most {}, got {running_cost}",
                raw.life_years,
                ranges::MAX_LIFETIME_RUNNING_COST
            ),
        ));
    }
    Ok(FundSpec {
        size_cny_m: c.number("fund.size_cny_m", raw.size_cny_m, ranges::FUND_SIZE_CNY_M)?,
        direct_share: c.number("fund.direct_share", raw.direct_share, Allowed::UNIT)?,
        running_cost_per_quarter: running_cost / 4.0,
        life_quarters,
        horizon_haircut: c.number("fund.horizon_haircut", raw.horizon_haircut, Allowed::UNIT_OPEN_HI)?,
        unicorn_cny_m: c.number("fund.unicorn_cny_m", raw.unicorn_cny_m, Allowed::POSITIVE)?,
        max_subfund_share: raw
            .max_subfund_share
            .map_or(Ok(1.0), |x| c.number("fund.max_subfund_share", x, Allowed::UNIT_OPEN_LO))?,
        max_subfund_share_outside_shanghai: raw.max_subfund_share_outside_shanghai.map_or(Ok(1.0), |x| {
            c.number("fund.max_subfund_share_outside_shanghai", x, Allowed::UNIT_OPEN_LO)
        })?,
    })
}

fn exit_market(c: &Checker, raw: &RawExitMarket, calendar: &Calendar) -> Result<ExitMarket> {
    if raw.states.is_empty() {
        return Err(c.invalid("exit_market.states", "at least one [exit_market.states.X] is required"));
    }
    let keys: Vec<&String> = raw.states.keys().collect();
    let allowed_states = || keys.iter().map(|k| k.as_str()).collect::<Vec<_>>().join(", ");
    let state_index = |field: &str, name: &str| {
        keys.iter()
            .position(|k| *k == name)
            .ok_or_else(|| c.invalid(field, format!("unknown market state {name:?}; allowed: {}", allowed_states())))
    };
    let mut states = Vec::with_capacity(keys.len());
    let mut transition = Vec::with_capacity(keys.len());
    for (key, s) in &raw.states {
        let p = format!("exit_market.states.{key}");
        let shift = |name: &str, x: f64| c.number(format!("{p}.{name}"), x, ranges::LOGIT_SHIFT);
        states.push(MarketState {
            key: key.clone(),
            ipo_logit_shift: shift("ipo_logit_shift", s.ipo_logit_shift)?,
            round_logit_shift: shift("round_logit_shift", s.round_logit_shift)?,
            acquisition_logit_shift: shift("acquisition_logit_shift", s.acquisition_logit_shift)?,
            hold_logit_shift: shift("hold_logit_shift", s.hold_logit_shift)?,
            valuation_log_shift: c.number(format!("{p}.valuation_log_shift"), s.valuation_log_shift, ranges::VALUATION_LOG_SHIFT)?,
        });
        let mut row = vec![0.0; keys.len()];
        for (to, &prob) in &s.transition {
            let field = format!("{p}.transition.{to}");
            let index = state_index(&field, to)?;
            row[index] = c.number(field, prob, Allowed::UNIT)?;
        }
        let sum: f64 = row.iter().sum();
        if (sum - 1.0).abs() > TRANSITION_TOLERANCE {
            return Err(c.invalid(
                format!("{p}.transition"),
                format!("probabilities must sum to 1 (within {TRANSITION_TOLERANCE:e}), got {sum}"),
            ));
        }
        transition.push(row.into_iter().map(|x| x / sum).collect());
    }
    let initial = state_index("exit_market.initial", &raw.initial)?;
    let mut pinned = vec![None; calendar.horizon_quarters + 1];
    for (i, pin) in raw.pinned.iter().enumerate() {
        let p = format!("exit_market.pinned[{i}]");
        let from = quarter_index(c, &format!("{p}.from"), &pin.from, calendar)?;
        let to = quarter_index(c, &format!("{p}.to"), &pin.to, calendar)?;
        if from > to {
            return Err(c.invalid(format!("{p}.to"), format!("must not be before from = {}, got {}", pin.from, pin.to)));
        }
        let state = state_index(&format!("{p}.state"), &pin.state)?;
        for (t, slot) in pinned.iter_mut().enumerate().take(to + 1).skip(from) {
            if slot.is_some() {
                return Err(c.invalid(
                    p,
                    format!("overlaps an earlier pin in {}; pinned periods must not overlap", calendar.quarter(t)),
                ));
            }
            *slot = Some(state);
        }
    }
    Ok(ExitMarket { states, transition, initial, pinned })
}

/// A lognormal whose median must lie in `median_range`.
fn lognormal(c: &Checker, p: &str, raw: &RawLogNormal, median_range: Allowed) -> Result<LogNormalSpec> {
    Ok(LogNormalSpec {
        median: c.number(format!("{p}.median"), raw.median, median_range)?,
        sigma: c.number(format!("{p}.sigma"), raw.sigma, ranges::LOGNORMAL_SIGMA)?,
    })
}

fn spliced_tail(c: &Checker, p: &str, raw: &RawSplicedTail) -> Result<SplicedTailSpec> {
    let body = lognormal(c, p, &RawLogNormal { median: raw.median, sigma: raw.sigma }, ranges::MULTIPLE_MEDIAN)?;
    let tail_share = c.number(format!("{p}.tail_share"), raw.tail_share, Allowed::UNIT_OPEN_HI)?;
    // alpha > 1 keeps the tail's mean finite, so expected values are defined.
    let tail_alpha = c.number(format!("{p}.tail_alpha"), raw.tail_alpha, Allowed::above(1.0))?;
    Ok(SplicedTailSpec { body, tail_share, tail_alpha, threshold: tail_threshold(body, tail_share) })
}

/// The `1 - tail_share` quantile of the lognormal body, where the Pareto tail takes over.
fn tail_threshold(body: LogNormalSpec, tail_share: f64) -> f64 {
    if tail_share == 0.0 {
        f64::INFINITY
    } else if body.sigma == 0.0 {
        body.median
    } else {
        let z = Normal::standard().inverse_cdf(1.0 - tail_share);
        (body.median.ln() + body.sigma * z).exp()
    }
}

fn profile(c: &Checker, key: &str, raw: &RawProfile) -> Result<Profile> {
    let p = format!("profiles.{key}");
    let mut stages = Vec::with_capacity(STAGE_COUNT);
    for (stage, raw_stage) in Stage::ALL.into_iter().zip(raw.stages.all()) {
        stages.push(stage_spec(c, &format!("{p}.stages.{}", stage.key()), stage, raw_stage)?);
    }
    let stages: [StageSpec; STAGE_COUNT] =
        stages.try_into().map_err(|_| c.invalid(format!("{p}.stages"), "all five stages are required"))?;
    Ok(Profile {
        key: key.to_string(),
        stages,
        ipo_multiple: spliced_tail(c, &format!("{p}.ipo_multiple"), &raw.ipo_multiple)?,
        max_exit_cny_m: c.number(format!("{p}.max_exit_cny_m"), raw.max_exit_cny_m, ranges::MAX_EXIT_CNY_M)?,
    })
}

fn stage_spec(c: &Checker, p: &str, stage: Stage, raw: &RawStage) -> Result<StageSpec> {
    let mean_months = c.number(format!("{p}.months_to_event.mean"), raw.months_to_event.mean, ranges::WAIT_MEAN_MONTHS)?;
    // `shape = inf` is a fixed wait of exactly `mean` months: scenarios with hand-computed answers.
    let wait_shape = match raw.months_to_event.shape {
        f64::INFINITY => f64::INFINITY,
        shape if ranges::WAIT_SHAPE.contains(shape) => shape,
        shape => {
            return Err(c.invalid(
                format!("{p}.months_to_event.shape"),
                format!("must be {} (a gamma shape), or inf for a fixed wait; got {shape}", ranges::WAIT_SHAPE),
            ));
        }
    };
    let o = &raw.outcome;
    let mut probabilities = [0.0; 4];
    for (slot, (name, x)) in probabilities.iter_mut().zip([
        ("advance", o.advance),
        ("acquired", o.acquired),
        ("failed", o.failed),
        ("hold", o.hold),
    ]) {
        *slot = c.number(format!("{p}.outcome.{name}"), x, Allowed::UNIT)?;
    }
    let sum: f64 = probabilities.iter().sum();
    if (sum - 1.0).abs() > SUM_TOLERANCE {
        return Err(c.invalid(
            format!("{p}.outcome"),
            format!("advance + acquired + failed + hold must sum to 1 (within {SUM_TOLERANCE:e}), got {sum}"),
        ));
    }
    let probabilities = probabilities.map(|x| x / sum);
    if probabilities[3] >= 1.0 {
        return Err(
            c.invalid(format!("{p}.outcome.hold"), "must be < 1 (a company must be able to leave the stage), got 1")
        );
    }
    let step_up = match (&raw.step_up, stage) {
        (Some(s), _) => lognormal(c, &format!("{p}.step_up"), s, ranges::MULTIPLE_MEDIAN)?,
        (None, Stage::Seed) => LogNormalSpec { median: 1.0, sigma: 0.0 },
        (None, _) => {
            return Err(c.invalid(
                format!("{p}.step_up"),
                format!(
                    "is required for stages a, b, c and growth: {{ median {}, sigma {} }}",
                    ranges::MULTIPLE_MEDIAN,
                    ranges::LOGNORMAL_SIGMA
                ),
            ));
        }
    };
    Ok(StageSpec {
        wait_mean_quarters: mean_months / 3.0,
        wait_shape,
        outcome_probabilities: probabilities,
        outcome_logits: probabilities.map(f64::ln),
        entry_post_money_cny_m: lognormal(
            c,
            &format!("{p}.entry_post_money_cny_m"),
            &raw.entry_post_money_cny_m,
            ranges::ENTRY_POST_MONEY_CNY_M,
        )?,
        equity_sold: c.number(format!("{p}.equity_sold"), raw.equity_sold, ranges::EQUITY_SOLD)?,
        step_up,
        acquisition_multiple: lognormal(
            c,
            &format!("{p}.acquisition_multiple"),
            &raw.acquisition_multiple,
            ranges::MULTIPLE_MEDIAN,
        )?,
    })
}

fn tier(c: &Checker, field: &str, key: &str) -> Result<Tier> {
    Tier::ALL.into_iter().find(|t| t.key() == key).ok_or_else(|| {
        c.invalid(field, format!("unknown tier {key:?}; allowed: industrialising, prototype, exploration"))
    })
}

fn jump(c: &Checker, p: &str, raw: &RawJump) -> Result<JumpSpec> {
    let hazard = c.number(format!("{p}.hazard_per_year"), raw.hazard_per_year, Allowed::NON_NEGATIVE)?;
    Ok(JumpSpec {
        quarterly_probability: 1.0 - (-hazard / 4.0).exp(),
        size: c.number(format!("{p}.jump"), raw.jump, ranges::JUMP)?,
    })
}

/// Fields in (tier, key) order, with each one's family (`""` = none) alongside.
fn fields(
    c: &Checker,
    raw: &BTreeMap<String, RawField>,
    profile_keys: &[&String],
) -> Result<(Vec<Field>, Vec<String>)> {
    if raw.is_empty() {
        return Err(c.invalid("fields", "at least one [fields.X] is required"));
    }
    let mut out = Vec::with_capacity(raw.len());
    for (key, f) in raw {
        let p = format!("fields.{key}");
        let profile = profile_keys.iter().position(|k| **k == f.profile).ok_or_else(|| {
            let allowed = profile_keys.iter().map(|k| k.as_str()).collect::<Vec<_>>().join(", ");
            c.invalid(format!("{p}.profile"), format!("unknown profile {:?}; allowed: {allowed}", f.profile))
        })?;
        let field = Field {
            key: key.clone(),
            label: f.label.clone(),
            label_zh: f.label_zh.clone(),
            tier: tier(c, &format!("{p}.tier"), &f.tier)?,
            profile,
            drift_per_quarter: c.number(format!("{p}.drift_per_year"), f.drift_per_year, ranges::DRIFT_PER_YEAR)? / 4.0,
            volatility_per_quarter: c.number(
                format!("{p}.volatility_per_year"),
                f.volatility_per_year,
                ranges::VOLATILITY_PER_YEAR,
            )? / 2.0,
            breakthrough: jump(c, &format!("{p}.breakthrough"), &f.breakthrough)?,
            winter: jump(c, &format!("{p}.winter"), &f.winter)?,
            direct_weight: c.number(format!("{p}.direct_weight"), f.direct_weight, Allowed::NON_NEGATIVE)?,
        };
        // One uniform decides both jumps of a quarter (model::factors), so they must fit in it.
        let both = field.breakthrough.quarterly_probability + field.winter.quarterly_probability;
        if both > 1.0 {
            return Err(c.invalid(
                format!("{p}.winter.hazard_per_year"),
                format!("breakthrough and winter hazards are too high together: their quarterly probabilities must sum to at most 1, got {both:.3}"),
            ));
        }
        out.push((field, f.family.clone()));
    }
    out.sort_by(|(a, _), (b, _)| (a.tier, &a.key).cmp(&(b.tier, &b.key)));
    Ok(out.into_iter().unzip())
}

fn factors(c: &Checker, raw: &RawFactors, fields: &[Field], families: &[String]) -> Result<FactorModel> {
    let family = c.number("factors.within_family_correlation", raw.within_family_correlation, Allowed::CORRELATION)?;
    let tier = c.number("factors.within_tier_correlation", raw.within_tier_correlation, Allowed::CORRELATION)?;
    let cross = c.number("factors.cross_tier_correlation", raw.cross_tier_correlation, Allowed::CORRELATION)?;
    let n = fields.len();
    let correlation = Array2::from_shape_fn((n, n), |(i, j)| {
        if i == j {
            1.0
        } else if !families[i].is_empty() && families[i] == families[j] {
            family
        } else if fields[i].tier == fields[j].tier {
            tier
        } else {
            cross
        }
    });
    let cholesky = cholesky(&correlation).ok_or_else(|| {
        c.invalid(
            "factors",
            format!(
                "the fields' correlation matrix (within family {family}, within tier {tier}, cross tier {cross}) \
                 is not positive definite; it must be: reduce cross_tier_correlation or make the correlations \
                 less negative (e.g. all in [0, 1) with family >= tier >= cross)"
            ),
        )
    })?;
    Ok(FactorModel {
        cholesky: LowerTriangular::from_square(&cholesky),
        advance_logit_per_unit: c.number(
            "factors.advance_logit_per_unit",
            raw.advance_logit_per_unit,
            ranges::ADVANCE_LOGIT_PER_UNIT,
        )?,
        valuation_log_per_unit: c.number(
            "factors.valuation_log_per_unit",
            raw.valuation_log_per_unit,
            ranges::VALUATION_LOG_PER_UNIT,
        )?,
    })
}

/// Lower-triangular `L` with `L Lᵀ = a`, or `None` if `a` is not (numerically) positive definite.
pub(crate) fn cholesky(a: &Array2<f64>) -> Option<Array2<f64>> {
    let n = a.nrows();
    let mut l = Array2::<f64>::zeros((n, n));
    for i in 0..n {
        for j in 0..=i {
            let dot: f64 = (0..j).map(|k| l[[i, k]] * l[[j, k]]).sum();
            if i == j {
                let pivot = a[[i, i]] - dot;
                if pivot.is_nan() || pivot <= 1e-12 {
                    return None;
                }
                l[[i, i]] = pivot.sqrt();
            } else {
                l[[i, j]] = (a[[i, j]] - dot) / l[[j, j]];
            }
        }
    }
    Some(l)
}

/// A `{ seed = .., a = .., ... }` table as shares by stage, normalised to sum to 1.
fn stage_mix(c: &Checker, p: &str, raw: &BTreeMap<String, f64>) -> Result<StageMix> {
    let mut mix = [0.0; STAGE_COUNT];
    for (key, &x) in raw {
        let stage = Stage::ALL
            .into_iter()
            .find(|s| s.key() == key)
            .ok_or_else(|| c.invalid(format!("{p}.{key}"), "unknown stage; allowed: seed, a, b, c, growth"))?;
        mix[stage.index()] = c.number(format!("{p}.{key}"), x, Allowed::UNIT)?;
    }
    let sum: f64 = mix.iter().sum();
    if (sum - 1.0).abs() > SUM_TOLERANCE {
        return Err(c.invalid(p, format!("shares must sum to 1 (within {SUM_TOLERANCE:e}), got {sum}")));
    }
    Ok(mix.map(|x| x / sum))
}

fn subfunds(
    c: &Checker,
    raw: &BTreeMap<String, RawSubFund>,
    fund: &FundSpec,
    calendar: &Calendar,
    fields: &[Field],
) -> Result<Vec<SubFundSpec>> {
    let sleeve = fund.size_cny_m * (1.0 - fund.direct_share);
    if raw.is_empty() && sleeve > 0.0 {
        return Err(c.invalid("subfunds", "at least one [subfunds.X] is required unless fund.direct_share = 1"));
    }
    let mut weights = Vec::with_capacity(raw.len());
    for (key, s) in raw {
        weights.push(c.number(format!("subfunds.{key}.commitment_weight"), s.commitment_weight, Allowed::POSITIVE)?);
    }
    let total: f64 = weights.iter().sum();
    if !total.is_finite() {
        return Err(c.invalid("subfunds", format!("commitment weights must have a finite sum, got {total}")));
    }
    raw.iter()
        .zip(weights)
        .map(|((key, s), w)| subfund(c, key, s, sleeve * w / total, fund, calendar, fields))
        .collect()
}

fn subfund(
    c: &Checker,
    key: &str,
    s: &RawSubFund,
    commitment_cny_m: f64,
    fund: &FundSpec,
    calendar: &Calendar,
    fields: &[Field],
) -> Result<SubFundSpec> {
    let p = format!("subfunds.{key}");
    let f = |name: &str| format!("{p}.{name}");
    let vintage = quarter_index(c, &f("vintage"), &s.vintage, calendar)?;
    let ip = c.whole_quarters(f("investment_period_years"), s.investment_period_years, Allowed::POSITIVE)?;
    let term = c.whole_quarters(f("term_years"), s.term_years, Allowed::at_least(MIN_SUBFUND_TERM_YEARS))?;
    if ip > term {
        return Err(c.invalid(
            f("investment_period_years"),
            format!("must not exceed term_years = {}, got {}", s.term_years, s.investment_period_years),
        ));
    }
    let end_limit = fund.life_quarters.min(calendar.horizon_quarters);
    if vintage + term > end_limit {
        return Err(c.invalid(
            f("term_years"),
            format!(
                "sub-fund {key} would end in quarter {} ({}: vintage quarter {vintage} + term {term} quarters), \
                 after quarter {end_limit} ({}), the end of the fund's life / horizon; it must end by then",
                vintage + term,
                calendar.quarter(vintage + term),
                calendar.quarter(end_limit)
            ),
        ));
    }
    let extension = c
        .whole_quarters(f("extension_years"), s.extension_years, Allowed::NON_NEGATIVE)?
        .min(end_limit - vintage - term);
    let continuation = c
        .whole_quarters(f("continuation_years"), s.continuation_years, Allowed::NON_NEGATIVE)?
        .min(end_limit - vintage - term - extension);
    let investable_share = c.number(f("investable_share"), s.investable_share, Allowed::UNIT_OPEN_LO)?;
    let fee_ip = c.number(f("management_fee_ip"), s.management_fee_ip, Allowed::UNIT_OPEN_HI)?;
    let fee_post = c.number(f("management_fee_post"), s.management_fee_post, Allowed::UNIT_OPEN_HI)?;
    let (ip_years, post_years) = fee_years(ip, term + extension);
    let fee_load = fee_ip * ip_years + fee_post * investable_share * post_years;
    if fee_load > 1.0 - investable_share + 1e-12 {
        return Err(c.invalid(
            f("investable_share"),
            format!(
                "fees could exceed the capital not invested: management_fee_ip {fee_ip} x {ip_years} y + \
                 management_fee_post {fee_post} x investable_share {investable_share} x {post_years} y = {fee_load:.4} \
                 of commitments, which must be <= 1 - investable_share = {:.4}; lower investable_share or the fees",
                1.0 - investable_share
            ),
        ));
    }
    if s.fields.is_empty() {
        return Err(c.invalid(f("fields"), "must name at least one field, e.g. { embodied_ai = 1.0 }"));
    }
    let mut field_weights = Vec::with_capacity(s.fields.len());
    for (name, &w) in &s.fields {
        let field = f(&format!("fields.{name}"));
        let index = fields.iter().position(|x| &x.key == name).ok_or_else(|| {
            let allowed = fields.iter().map(|x| x.key.as_str()).collect::<Vec<_>>().join(", ");
            c.invalid(&field, format!("unknown field {name:?}; allowed: {allowed}"))
        })?;
        field_weights.push((index, c.number(field, w, Allowed::POSITIVE)?));
    }
    let total: f64 = field_weights.iter().map(|(_, w)| w).sum();
    if !total.is_finite() {
        return Err(c.invalid(f("fields"), format!("weights must have a finite sum, got {total}")));
    }
    field_weights.sort_by_key(|(i, _)| *i);
    let fund_share = c.number(f("fund_share"), s.fund_share, ranges::FUND_SHARE)?;
    let (cap, rule) = if s.registered_in_shanghai {
        (fund.max_subfund_share, "fund.max_subfund_share")
    } else {
        (fund.max_subfund_share_outside_shanghai, "fund.max_subfund_share_outside_shanghai (the sub-fund is registered outside Shanghai)")
    };
    if fund_share > cap {
        return Err(c.invalid(f("fund_share"), format!("must be at most {cap} by {rule}, got {fund_share}")));
    }
    let b = &s.buyback;
    Ok(SubFundSpec {
        key: key.to_string(),
        label: s.label.clone(),
        commitment_cny_m,
        fund_share,
        registered_in_shanghai: s.registered_in_shanghai,
        vintage,
        investment_period_quarters: ip,
        term_quarters: term,
        extension_quarters: extension,
        extension_probability: c.number(f("extension_probability"), s.extension_probability, Allowed::UNIT)?,
        continuation_quarters: continuation,
        fields: field_weights.into_iter().map(|(i, w)| (i, w / total)).collect(),
        stage_mix: stage_mix(c, &f("stage_mix"), &s.stage_mix)?,
        management_fee_ip_per_quarter: fee_ip / 4.0,
        management_fee_post_per_quarter: fee_post / 4.0,
        hurdle_per_quarter: quarterly_rate(c.number(f("hurdle"), s.hurdle, Allowed::UNIT)?),
        carry: c.number(f("carry"), s.carry, Allowed::UNIT_OPEN_HI)?,
        catch_up: c.number(f("catch_up"), s.catch_up, Allowed::UNIT)?,
        investable_share,
        reserve_share: c.number(f("reserve_share"), s.reserve_share, Allowed::UNIT_OPEN_HI)?,
        round_participation: c.number(f("round_participation"), s.round_participation, ranges::ROUND_PARTICIPATION)?,
        deployment_pace: lognormal(c, &f("deployment_pace"), &s.deployment_pace, ranges::PACE_MEDIAN)?,
        local_share: c.number(f("local_share"), s.local_share, Allowed::UNIT)?,
        local_requirement: c.number(f("local_requirement"), s.local_requirement, ranges::LOCAL_REQUIREMENT)?,
        loss_tolerance: c.number(f("loss_tolerance"), s.loss_tolerance, Allowed::UNIT)?,
        end_of_life_discount: c.number(f("end_of_life_discount"), s.end_of_life_discount, Allowed::UNIT_OPEN_HI)?,
        fundraising_shortfall: match s.fundraising_shortfall {
            Some(x) => Shortfall {
                probability: c.number(f("fundraising_shortfall.probability"), x.probability, Allowed::UNIT)?,
                max_share: c.number(f("fundraising_shortfall.max_share"), x.max_share, Allowed::UNIT_OPEN_HI)?,
            },
            None => Shortfall::default(),
        },
        concession: ConcessionSpec {
            buyback: BuybackSpec {
                share: c.number(f("buyback.share"), b.share, Allowed::UNIT)?,
                interest_per_quarter: quarterly_rate(c.number(f("buyback.interest"), b.interest, Allowed::UNIT)?),
                earliest_quarter: c.whole_quarters(
                    f("buyback.earliest_year"),
                    b.earliest_year,
                    Allowed::NON_NEGATIVE,
                )?,
                trigger: c.number(f("buyback.trigger"), b.trigger, ranges::BUYBACK_TRIGGER)?,
            },
            profit_cession_share: c.number(f("profit_cession.share"), s.profit_cession.share, Allowed::UNIT)?,
            profit_cession_hurdle_per_quarter: quarterly_rate(c.number(
                f("profit_cession.hurdle"),
                s.profit_cession.hurdle,
                Allowed::UNIT,
            )?),
            loss_first_cap: c.number(f("loss_first.cap"), s.loss_first.cap, ranges::LOSS_FIRST_CAP)?,
        },
    })
}

/// Years of a sub-fund's investment period and of the rest of its fee-paying life, from its
/// quarters: the investment period `ip` and the term with its extension. The fee rule is
/// `management_fee_ip × ip years + management_fee_post × investable_share × later years <= 1 -
/// investable_share`: fees never take more than the capital not invested.
pub(crate) fn fee_years(ip: usize, term_and_extension: usize) -> (f64, f64) {
    (ip as f64 / 4.0, (term_and_extension - ip) as f64 / 4.0)
}

/// The largest investable share the fee rule ([`fee_years`]) leaves room for, with annual fees
/// `fee_ip` and `fee_post`.
pub(crate) fn max_investable_share(fee_ip: f64, fee_post: f64, (ip_years, post_years): (f64, f64)) -> f64 {
    (1.0 - fee_ip * ip_years) / (1.0 + fee_post * post_years)
}

fn direct(c: &Checker, raw: &RawDirect, fund: &FundSpec, calendar: &Calendar, fields: &[Field]) -> Result<DirectSpec> {
    let budget_cny_m = fund.size_cny_m * fund.direct_share;
    let first_quarter = match &raw.start {
        Some(label) => quarter_index(c, "direct.start", label, calendar)?,
        None => 0,
    };
    let deploy_years = c.number("direct.deploy_years", raw.deploy_years, Allowed::POSITIVE)?;
    let deploy_quarters = (4.0 * deploy_years).round();
    let room = calendar.horizon_quarters - first_quarter;
    if deploy_quarters < 1.0 || deploy_quarters > room as f64 {
        return Err(c.invalid(
            "direct.deploy_years",
            format!(
                "must round to between 1 quarter and the quarters left from direct.start to the horizon ({room}), \
                 got {deploy_years} years"
            ),
        ));
    }
    let direct_weights: f64 = fields.iter().map(|f| f.direct_weight).sum();
    if !direct_weights.is_finite() {
        return Err(
            c.invalid("fields", format!("direct_weight must have a finite sum over fields, got {direct_weights}"))
        );
    }
    if budget_cny_m > 0.0 && direct_weights == 0.0 {
        return Err(c.invalid(
            "fields",
            "direct_weight must be > 0 for at least one field when the direct budget (size x direct_share) is > 0",
        ));
    }
    if raw.tranches.is_empty() || raw.tranches.len() > STAGE_COUNT {
        return Err(c.invalid(
            "direct.tranches",
            format!("must have 1 to {STAGE_COUNT} entries (one per stage), got {}", raw.tranches.len()),
        ));
    }
    let mut shares = Vec::with_capacity(raw.tranches.len());
    for (i, &x) in raw.tranches.iter().enumerate() {
        shares.push(c.number(format!("direct.tranches[{i}]"), x, Allowed::UNIT_OPEN_LO)?);
    }
    let sum: f64 = shares.iter().sum();
    if (sum - 1.0).abs() > SUM_TOLERANCE {
        return Err(c.invalid("direct.tranches", format!("must sum to 1 (within {SUM_TOLERANCE:e}), got {sum}")));
    }
    let deadline_months = c.number(
        "direct.tranche_deadline_months",
        raw.tranche_deadline_months,
        Allowed { lo: Bound::Open(0.0), hi: Bound::Closed(1200.0) },
    )?;
    Ok(DirectSpec {
        budget_cny_m,
        first_quarter,
        deploy_quarters: deploy_quarters as usize,
        recycle_quarters: c
            .whole_quarters("direct.recycle_years", raw.recycle_years, Allowed::NON_NEGATIVE)?
            .min(room - deploy_quarters as usize),
        stage_mix: stage_mix(c, "direct.stage_mix", &raw.stage_mix)?,
        round_participation: c.number("direct.round_participation", raw.round_participation, ranges::ROUND_PARTICIPATION)?,
        tranches: TrancheSpec {
            shares: shares.into_iter().map(|x| x / sum).collect(),
            deadline_quarters: (deadline_months / 3.0).ceil() as usize,
            pricing: raw.tranche_pricing,
        },
        skill: c.number("direct.skill", raw.skill, ranges::DIRECT_SKILL)?,
        reallocation: raw.reallocation.as_ref().map(|r| reallocation(c, r)).transpose()?,
        local_share: c.number("direct.local_share", raw.local_share, Allowed::UNIT)?,
        loss_tolerance: c.number("direct.loss_tolerance", raw.loss_tolerance, Allowed::UNIT)?,
        team_cost_per_quarter: c.number("direct.team_cost_per_year", raw.team_cost_per_year, Allowed::UNIT_OPEN_HI)? / 4.0,
        team_cost_after_per_quarter: c.number("direct.team_cost_after_per_year", raw.team_cost_after_per_year, Allowed::UNIT_OPEN_HI)?
            / 4.0,
    })
}

fn reallocation(c: &Checker, raw: &RawReallocation) -> Result<ReallocationSpec> {
    let p = "direct.reallocation";
    let months = c.number(format!("{p}.review_every_months"), raw.review_every_months, Allowed { lo: Bound::Closed(3.0), hi: Bound::Closed(1200.0) })?;
    Ok(ReallocationSpec {
        review_quarters: (months / 3.0).round() as usize,
        progress_threshold: c.number(format!("{p}.progress_threshold"), raw.progress_threshold, Allowed::NON_NEGATIVE)?,
        favour: c.number(format!("{p}.favour"), raw.favour, ranges::REALLOCATION_MULTIPLIER)?,
        stalled: c.number(format!("{p}.stalled"), raw.stalled, ranges::REALLOCATION_MULTIPLIER)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cholesky_reproduces_the_matrix_and_rejects_non_pd() {
        let a = ndarray::array![[1.0, 0.6, 0.15], [0.6, 1.0, 0.4], [0.15, 0.4, 1.0]];
        let l = cholesky(&a).expect("positive definite");
        let back = l.dot(&l.t());
        assert!((back - &a).iter().all(|d| d.abs() < 1e-14));
        assert_eq!(l[[0, 1]], 0.0);
        let bad = ndarray::array![[1.0, -0.9, -0.9], [-0.9, 1.0, -0.9], [-0.9, -0.9, 1.0]];
        assert!(cholesky(&bad).is_none());
    }

    #[test]
    fn tail_threshold_is_the_body_quantile() {
        let body = LogNormalSpec { median: 2.0, sigma: 0.7 };
        // z_{0.9} = 1.2815515655446004
        let expected = (2.0f64.ln() + 0.7 * 1.281_551_565_544_600_4).exp();
        assert!((tail_threshold(body, 0.10) - expected).abs() < 1e-9);
        assert_eq!(tail_threshold(body, 0.0), f64::INFINITY);
        assert_eq!(tail_threshold(LogNormalSpec { median: 2.0, sigma: 0.0 }, 0.1), 2.0);
    }
}
