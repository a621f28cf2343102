//! Re-allocating a scenario's capital in code: the direct share, and how the capital is split
//! across the three maturity tiers. Used by the direct-share shock of `fifsim sensitivity` and by
//! `fifsim frontier`.
//!
//! Both change the raw scenario, which is then validated again (`src/scenario/validate.rs`), so
//! the result is what validation makes of the edited file:
//!
//! * **Direct share** `d`: the direct budget is `size × d` and the sub-fund commitments are
//!   `size × (1 − d)` shared in proportion to the current commitments (each sub-fund's
//!   `commitment_weight` becomes its current commitment).
//!   The fund's size is unchanged. A direct share of 0 also sets every field's `direct_weight`
//!   to 0: there is no direct deal flow left to weight.
//! * **Tier split** `t = (industrialising, prototype, exploration)`, summing to 1: both sleeves are
//!   moved so that each invests the share `t_k` of its capital in tier `k`. A sleeve's current tier
//!   shares `s_k` are read from its field weights (the direct sleeve's `direct_weight`s; each
//!   sub-fund's field weights times its commitment), and every tier's part is scaled by
//!   `λ_k = t_k / s_k`. In the direct sleeve that scales the `direct_weight` of the tier's fields.
//!   A sub-fund's commitment weight becomes `c · Σ_k e_k λ_k` (with `c` its commitment and `e_k` its
//!   exposure to tier `k`) and its field weights are re-weighted by the same `λ`, so the sleeve's
//!   tier shares become `t` while its total is unchanged; a sub-fund left with nothing (all its tiers at 0) is dropped,
//!   which leaves every other sub-fund's random streams untouched (they are keyed by name).
//!   A tier the sleeve holds nothing of cannot be scaled up: that is an
//!   [`AllocationError::TierAbsent`].

use serde::Serialize;

use crate::scenario::raw::RawScenario;
use crate::scenario::{Scenario, Tier};

/// Shares of capital by tier, in [`Tier::ALL`] order.
pub type TierShares = [f64; 3];

/// Why an allocation cannot be made.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum AllocationError {
    #[error("direct share must be in [0, 1], got {0}")]
    DirectShareOutOfRange(f64),
    #[error("cannot put {share} of the fund into sub-funds: the scenario has no sub-fund commitments to scale")]
    NoSubFunds { share: f64 },
    #[error("cannot put {share} of the fund into the direct sleeve: no field has a direct_weight > 0")]
    NoDirectFields { share: f64 },
    #[error("tier shares must be >= 0 and sum to 1, got {0:?}")]
    InvalidTierShares(TierShares),
    #[error("the {sleeve} has nothing in the {tier} tier to scale up to a share of {target}")]
    TierAbsent { sleeve: &'static str, tier: &'static str, target: f64 },
}

/// Current tier shares of each sleeve and of the whole fund.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct TierSplit {
    pub direct: TierShares,
    pub subfunds: TierShares,
    pub fund: TierShares,
}

/// Sets the direct share of `raw`, the raw scenario of `s`, to `share`, keeping the fund's size;
/// see the module docs.
///
/// # Errors
/// [`AllocationError::DirectShareOutOfRange`], [`AllocationError::NoSubFunds`] or
/// [`AllocationError::NoDirectFields`] when the new split needs a sleeve the scenario cannot fill.
pub fn set_direct_share(s: &Scenario, raw: &mut RawScenario, share: f64) -> Result<(), AllocationError> {
    if !(0.0..=1.0).contains(&share) {
        return Err(AllocationError::DirectShareOutOfRange(share));
    }
    let size = s.fund.size_cny_m;
    let sleeve = size * (1.0 - share);
    let total = s.subfund_commitments_cny_m();
    // Written so that a NaN total also fails.
    if sleeve > 0.0 && total.partial_cmp(&0.0) != Some(std::cmp::Ordering::Greater) {
        return Err(AllocationError::NoSubFunds { share: 1.0 - share });
    }
    let budget = size * share;
    let weights: f64 = s.fields.iter().map(|f| f.direct_weight).sum();
    if budget > 0.0 && weights.partial_cmp(&0.0) != Some(std::cmp::Ordering::Greater) {
        return Err(AllocationError::NoDirectFields { share });
    }
    raw.fund.direct_share = share;
    if sleeve > 0.0 {
        // Weighted by the current commitments, validation shares the new sleeve in their proportion.
        for sub in &s.subfunds {
            if let Some(raw_sub) = raw.subfunds.get_mut(&sub.key) {
                raw_sub.commitment_weight = sub.commitment_cny_m;
            }
        }
    } else {
        raw.subfunds.clear();
    }
    if budget == 0.0 {
        // No direct sleeve: no field draws direct deals. (The direct model keeps drawing deals
        // of zero size from a zero budget when fields still have direct weights.)
        for f in raw.fields.values_mut() {
            f.direct_weight = 0.0;
        }
    }
    Ok(())
}

/// The scenario's tier shares: of the direct sleeve (by direct weights), the sub-fund sleeve (by
/// commitments and field weights) and the fund (the two by their capital). A sleeve with no
/// capital has shares of 0.
pub fn tier_split(s: &Scenario) -> TierSplit {
    let direct = direct_shares(s);
    let subfunds = subfund_shares(s);
    let (d, c) = (s.direct.budget_cny_m, s.subfund_commitments_cny_m());
    let mut fund = [0.0; 3];
    if d + c > 0.0 {
        for k in 0..3 {
            fund[k] = (d * direct[k] + c * subfunds[k]) / (d + c);
        }
    }
    TierSplit { direct, subfunds, fund }
}

fn direct_shares(s: &Scenario) -> TierShares {
    let mut shares = [0.0; 3];
    for f in &s.fields {
        shares[f.tier.index()] += f.direct_weight;
    }
    normalised(shares)
}

fn subfund_shares(s: &Scenario) -> TierShares {
    let mut shares = [0.0; 3];
    for sub in &s.subfunds {
        for &(field, weight) in &sub.fields {
            shares[s.fields[field].tier.index()] += sub.commitment_cny_m * weight;
        }
    }
    normalised(shares)
}

fn normalised(x: TierShares) -> TierShares {
    let total: f64 = x.iter().sum();
    if total > 0.0 { x.map(|v| v / total) } else { [0.0; 3] }
}

/// Scale factors `λ_k = target_k / current_k` for one sleeve.
fn scales(current: TierShares, target: TierShares, sleeve: &'static str) -> Result<TierShares, AllocationError> {
    let mut lambda = [0.0; 3];
    for tier in Tier::ALL {
        let k = tier.index();
        if target[k] > 0.0 {
            if current[k] <= 0.0 {
                return Err(AllocationError::TierAbsent { sleeve, tier: tier.key(), target: target[k] });
            }
            lambda[k] = target[k] / current[k];
        }
    }
    Ok(lambda)
}

/// Moves both sleeves of `raw`, the raw scenario of `s`, to the tier shares `target`; see the
/// module docs.
///
/// # Errors
/// [`AllocationError::InvalidTierShares`] unless `target` is non-negative and sums to 1;
/// [`AllocationError::TierAbsent`] when a sleeve holds nothing of a tier given a positive share.
pub fn set_tier_shares(s: &Scenario, raw: &mut RawScenario, target: TierShares) -> Result<(), AllocationError> {
    let sum: f64 = target.iter().sum();
    if target.iter().any(|t| !(t.is_finite() && *t >= 0.0)) || (sum - 1.0).abs() > 1e-9 {
        return Err(AllocationError::InvalidTierShares(target));
    }
    let direct = if s.direct.budget_cny_m > 0.0 { Some(scales(direct_shares(s), target, "direct sleeve")?) } else { None };
    let subfunds = if s.subfund_commitments_cny_m() > 0.0 { Some(scales(subfund_shares(s), target, "sub-fund sleeve")?) } else { None };
    if let Some(lambda) = direct {
        for f in &s.fields {
            if let Some(raw_field) = raw.fields.get_mut(&f.key) {
                raw_field.direct_weight = f.direct_weight * lambda[f.tier.index()];
            }
        }
    }
    if let Some(lambda) = subfunds {
        for sub in &s.subfunds {
            let weights: Vec<(usize, f64)> = sub.fields.iter().map(|&(f, w)| (f, w * lambda[s.fields[f].tier.index()])).collect();
            let exposure: f64 = weights.iter().map(|(_, w)| w).sum();
            let commitment = sub.commitment_cny_m * exposure;
            if commitment > 0.0 {
                if let Some(raw_sub) = raw.subfunds.get_mut(&sub.key) {
                    raw_sub.commitment_weight = commitment;
                    raw_sub.fields = weights.into_iter().filter(|(_, w)| *w > 0.0).map(|(f, w)| (s.fields[f].key.clone(), w / exposure)).collect();
                }
            } else {
                raw.subfunds.remove(&sub.key);
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::{AnalysisError, changed};

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9 * a.abs().max(1.0)
    }

    /// `s` at direct share `share`, validated again.
    fn at_direct_share(s: &Scenario, share: f64) -> Result<Scenario, AnalysisError> {
        changed(s, String::new(), |raw| set_direct_share(s, raw, share))
    }

    /// `s` at tier shares `target`, validated again.
    fn at_tier_shares(s: &Scenario, target: TierShares) -> Result<Scenario, AnalysisError> {
        changed(s, String::new(), |raw| set_tier_shares(s, raw, target))
    }

    #[test]
    fn direct_share_keeps_the_total_and_matches_validation() {
        let base = crate::testing::base();
        let s = at_direct_share(&base, 0.5).unwrap();
        assert_eq!(s.direct.budget_cny_m, 7500.0);
        assert!(close(s.subfund_commitments_cny_m(), 7500.0));
        // The same as the shipped direct_heavy.toml, which validation built from the file.
        let file = crate::scenario::load(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/direct_heavy.toml")).unwrap();
        for (a, b) in s.subfunds.iter().zip(&file.subfunds) {
            assert!(close(a.commitment_cny_m, b.commitment_cny_m), "{} {} {}", a.key, a.commitment_cny_m, b.commitment_cny_m);
        }
        assert_eq!(s.direct.budget_cny_m, file.direct.budget_cny_m);
        assert!(at_direct_share(&s, 1.2).is_err());
        let none = at_direct_share(&base, 0.0).unwrap();
        assert!(none.direct.budget_cny_m == 0.0 && none.fields.iter().all(|f| f.direct_weight == 0.0));
        assert!(close(none.subfund_commitments_cny_m(), 15_000.0));
        let all = at_direct_share(&s, 1.0).unwrap();
        assert!(all.subfunds.is_empty());
        assert!(matches!(at_direct_share(&all, 0.5), Err(AnalysisError::Allocation { source: AllocationError::NoSubFunds { share: 0.5 }, .. })));
    }

    #[test]
    fn tier_shares_follow_the_target_in_both_sleeves() {
        let base = crate::testing::base();
        for target in [[0.5, 0.25, 0.25], [1.0, 0.0, 0.0], [0.0, 0.0, 1.0], [0.2, 0.4, 0.4]] {
            let s = at_tier_shares(&base, target).unwrap();
            let split = tier_split(&s);
            for k in 0..3 {
                assert!(close(split.direct[k], target[k]) && close(split.subfunds[k], target[k]) && close(split.fund[k], target[k]), "{target:?}: {split:?}");
            }
            assert!(close(s.subfund_commitments_cny_m(), base.subfund_commitments_cny_m()));
            assert_eq!(s.direct.budget_cny_m, base.direct.budget_cny_m);
        }
        // All in the exploration tier: only sub-funds with exploration fields are left.
        let s = at_tier_shares(&base, [0.0, 0.0, 1.0]).unwrap();
        assert!(s.subfunds.iter().any(|sub| sub.key == "sf03_quantum") && !s.subfunds.iter().any(|sub| sub.key == "sf01_embodied_ai"));
        assert!(matches!(at_tier_shares(&s, [0.5, 0.5, 0.0]), Err(AnalysisError::Allocation { source: AllocationError::TierAbsent { .. }, .. })));
        assert!(matches!(at_tier_shares(&s, [0.5, 0.4, 0.0]), Err(AnalysisError::Allocation { source: AllocationError::InvalidTierShares(_), .. })));
    }
}
