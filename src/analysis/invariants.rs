//! The invariants of a validated [`Scenario`] that a change made in code (a shock, a
//! re-allocation) must keep, checked again: the engine relies on them without re-checking
//! (`src/scenario/mod.rs`). Validation establishes them for a file; this module is the safety net
//! for scenarios edited after validation.

use crate::scenario::Scenario;

/// Tolerance on sums that must be 1 (outcome tables, transition rows, field weights).
const SUM_TOLERANCE: f64 = 1e-9;

fn probability(x: f64) -> bool {
    (0.0..=1.0).contains(&x)
}

fn sums_to_one(xs: impl IntoIterator<Item = f64>) -> bool {
    (xs.into_iter().sum::<f64>() - 1.0).abs() <= SUM_TOLERANCE
}

fn positive(x: f64) -> bool {
    x.is_finite() && x > 0.0
}

/// Checks `s`; the error names the first broken invariant.
///
/// # Errors
/// A description of what is wrong, e.g. `"profiles.clinical.stages[2]: outcome probabilities sum to 1.1"`.
pub fn check(s: &Scenario) -> Result<(), String> {
    for p in &s.profiles {
        for (i, stage) in p.stages.iter().enumerate() {
            let at = format!("profiles.{}.stages[{i}]", p.key);
            let probs = stage.outcome_probabilities;
            if !probs.iter().all(|&x| probability(x)) || !sums_to_one(probs) {
                return Err(format!("{at}: outcome probabilities {probs:?} must lie in [0, 1] and sum to 1"));
            }
            if probs[3] >= 1.0 {
                return Err(format!("{at}: hold probability must be < 1"));
            }
            if stage.outcome_logits.iter().zip(probs).any(|(l, p)| l.to_bits() != p.ln().to_bits()) {
                return Err(format!("{at}: outcome logits are not the logarithms of the probabilities"));
            }
            if !positive(stage.acquisition_multiple.median) || !positive(stage.step_up.median) {
                return Err(format!("{at}: multiples must be positive"));
            }
        }
        let ipo = p.ipo_multiple;
        if !positive(ipo.body.median) || ipo.threshold.is_nan() || ipo.threshold <= 0.0 || !(0.0..1.0).contains(&ipo.tail_share) {
            return Err(format!("profiles.{}.ipo_multiple: median and threshold must be positive, tail share in [0, 1)", p.key));
        }
    }
    for (i, row) in s.market.transition.iter().enumerate() {
        if row.len() != s.market.states.len() || !row.iter().all(|&x| probability(x)) || !sums_to_one(row.iter().copied()) {
            return Err(format!("exit_market.transition row {i}: {row:?} must lie in [0, 1] and sum to 1"));
        }
    }
    if !(s.skill.dispersion >= 0.0 && s.skill.dispersion.is_finite()) {
        return Err(format!("skill.dispersion must be >= 0, got {}", s.skill.dispersion));
    }
    let size = s.fund.size_cny_m;
    if !probability(s.fund.direct_share) || (s.direct.budget_cny_m - size * s.fund.direct_share).abs() > 1e-9 * size {
        return Err(format!("direct budget {} must be size × direct_share = {size} × {}", s.direct.budget_cny_m, s.fund.direct_share));
    }
    let sleeve = size * (1.0 - s.fund.direct_share);
    if (s.subfund_commitments_cny_m() - sleeve).abs() > 1e-6 * size {
        return Err(format!("sub-fund commitments sum to {}, must be size × (1 − direct_share) = {sleeve}", s.subfund_commitments_cny_m()));
    }
    let direct_weights: f64 = s.fields.iter().map(|f| f.direct_weight).sum();
    if s.fields.iter().any(|f| f.direct_weight.is_nan() || f.direct_weight < 0.0) || (s.direct.budget_cny_m > 0.0 && !positive(direct_weights)) {
        return Err("fields: direct weights must be >= 0 with a positive sum when the direct budget is > 0".to_string());
    }
    for sub in &s.subfunds {
        check_subfund(s, sub).map_err(|e| format!("subfunds.{}: {e}", sub.key))?;
    }
    Ok(())
}

fn check_subfund(s: &Scenario, sub: &crate::scenario::SubFundSpec) -> Result<(), String> {
    // Zero when the fund invests everything directly (direct_share = 1), as validation allows.
    if !(sub.commitment_cny_m.is_finite() && sub.commitment_cny_m >= 0.0) {
        return Err(format!("commitment must be >= 0, got {}", sub.commitment_cny_m));
    }
    let share_ok = sub.fund_share > 0.0 && sub.fund_share <= 1.0;
    if !share_ok {
        return Err(format!("fund_share must be in (0, 1], got {}", sub.fund_share));
    }
    if sub.fields.is_empty() || sub.fields.iter().any(|&(f, w)| f >= s.fields.len() || !positive(w)) || !sums_to_one(sub.fields.iter().map(|(_, w)| *w)) {
        return Err(format!("field weights {:?} must be positive, name known fields and sum to 1", sub.fields));
    }
    if !(0.0..1.0).contains(&sub.carry) || !probability(sub.concession.buyback.share) || !(0.0..=1.0).contains(&sub.investable_share) {
        return Err("carry must be in [0, 1), buy-back share and investable share in [0, 1]".to_string());
    }
    if !(sub.management_fee_ip_per_quarter >= 0.0 && sub.management_fee_post_per_quarter >= 0.0) {
        return Err("fees must be >= 0".to_string());
    }
    if fee_load(sub) > 1.0 - sub.investable_share + 1e-12 {
        return Err(format!("fee load {} exceeds the capital not invested, {}", fee_load(sub), 1.0 - sub.investable_share));
    }
    Ok(())
}

/// The most a sub-fund's fees can take, as a share of commitments: the validation rule
/// (`management_fee_ip × investment years + management_fee_post × investable_share × later years`).
pub fn fee_load(sub: &crate::scenario::SubFundSpec) -> f64 {
    let (ip_years, post_years) = fee_years(sub);
    4.0 * sub.management_fee_ip_per_quarter * ip_years + 4.0 * sub.management_fee_post_per_quarter * sub.investable_share * post_years
}

/// Years of the investment period and of the rest of the sub-fund's life (with its extension).
pub fn fee_years(sub: &crate::scenario::SubFundSpec) -> (f64, f64) {
    let ip = sub.investment_period_quarters as f64 / 4.0;
    let post = (sub.term_quarters + sub.extension_quarters - sub.investment_period_quarters) as f64 / 4.0;
    (ip, post)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_shipped_scenario_passes_and_broken_ones_fail() {
        for entry in std::fs::read_dir(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios")).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "toml") {
                let s = crate::scenario::load(&path).unwrap();
                check(&s).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            }
        }
        let base = crate::testing::base();
        let mut s = base.clone();
        s.profiles[0].stages[0].outcome_probabilities[0] += 0.1;
        assert!(check(&s).unwrap_err().contains("sum to 1"));
        let mut s = base.clone();
        s.market.transition[0][0] = 1.2;
        assert!(check(&s).unwrap_err().contains("transition"));
        let mut s = base.clone();
        s.subfunds[0].commitment_cny_m *= 2.0;
        assert!(check(&s).unwrap_err().contains("commitments sum"));
        let mut s = base.clone();
        s.subfunds[0].management_fee_ip_per_quarter = 0.01;
        assert!(check(&s).unwrap_err().contains("fee load"));
    }
}
