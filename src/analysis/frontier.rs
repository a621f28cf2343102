//! `fifsim frontier`: a sweep over how the fund's capital is allocated — the direct share and the
//! split across the three maturity tiers ([`super::allocation`]) — every allocation run on the same
//! seed (common random numbers), with the efficient set marked.
//!
//! The grid: each direct share given × every tier split on the simplex in steps of `1 / divisions`
//! (industrialising, prototype, exploration; both sleeves follow the same split), plus the scenario
//! as it is, for reference. Each point reports mean fund TVPI (by control variates, with its HC3
//! standard error: [`crate::stats::control`]), P(fund TVPI < 1), the expected
//! shortfall of the worst 5 % of paths (ES5) and the mean peak capital need.
//!
//! **Primary risk measure: P(fund TVPI < 1)**, the probability of not getting the money back —
//! what a policy fund "not mainly for profit" but accountable for its capital is asked first. A
//! point is *efficient* when no other point has a mean TVPI at least as high and a P(TVPI < 1) at
//! least as low, one of them strictly. The same test with ES5 (higher is better) is reported as a
//! second flag. Points are compared on their estimates; since all share their random numbers,
//! their ranking is far more precise than each estimate's own interval suggests.

use serde::{Deserialize, Serialize};

use super::allocation::{self, TierShares, tier_split};
use super::headline::{FUND_TVPI, PEAK_NEED};
use super::{AnalysisError, Provenance, changed, simulating, values};
use crate::engine::{RunOptions, RunResults};
use crate::scenario::Scenario;
use crate::stats::control;
use crate::stats::summary::{Summary, probability_below};

/// Direct shares swept by default.
pub const DEFAULT_DIRECT_SHARES: [f64; 4] = [0.05, 0.2, 0.4, 0.6];
/// Default steps of the tier simplex: shares move in quarters (15 splits).
pub const DEFAULT_DIVISIONS: usize = 4;
/// The primary risk measure, named in outputs.
pub const PRIMARY_RISK: &str = "P(fund TVPI < 1)";

/// One allocation of the grid.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Allocation {
    pub direct_share: f64,
    /// Shares of capital by tier (industrialising, prototype, exploration), both sleeves.
    pub tiers: TierShares,
}

/// Every direct share × every tier split in steps of `1 / divisions` (`divisions` ≥ 1), in a
/// fixed order: by direct share as given, then industrialising share descending, then prototype.
pub fn grid(direct_shares: &[f64], divisions: usize) -> Vec<Allocation> {
    let n = divisions.max(1);
    let mut out = Vec::new();
    for &direct_share in direct_shares {
        for i in (0..=n).rev() {
            for j in (0..=n - i).rev() {
                let share = |k: usize| k as f64 / n as f64;
                out.push(Allocation { direct_share, tiers: [share(i), share(j), share(n - i - j)] });
            }
        }
    }
    out
}

/// One evaluated allocation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Point {
    /// e.g. "d20% 50/25/25", or "as is".
    pub label: String,
    /// The scenario as it is (not a grid point).
    pub reference: bool,
    #[serde(deserialize_with = "crate::stats::nan::deserialize")]
    pub direct_share: f64,
    /// The fund's capital by tier (for the reference: the two sleeves' splits combined).
    pub tiers: TierShares,
    #[serde(deserialize_with = "crate::stats::nan::deserialize")]
    pub mean_tvpi: f64,
    #[serde(deserialize_with = "crate::stats::nan::deserialize")]
    pub tvpi_std_error: f64,
    #[serde(deserialize_with = "crate::stats::nan::deserialize")]
    pub loss_probability: f64,
    /// Wilson 95 % interval of P(TVPI < 1).
    #[serde(deserialize_with = "crate::stats::nan::deserialize")]
    pub loss_ci95: (f64, f64),
    /// Mean fund TVPI of the worst 5 % of paths.
    #[serde(deserialize_with = "crate::stats::nan::deserialize")]
    pub es5: f64,
    /// Mean peak capital need, CNY m.
    #[serde(deserialize_with = "crate::stats::nan::deserialize")]
    pub peak_need_cny_m: f64,
    /// Efficient on mean TVPI against P(TVPI < 1) (the primary risk).
    pub efficient: bool,
    /// Efficient on mean TVPI against ES5.
    pub efficient_es5: bool,
    /// Efficient (primary risk) among the points with the same direct share: the best tier
    /// splits for that direct share.
    pub efficient_at_share: bool,
}

/// The sweep.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Frontier {
    pub provenance: Provenance,
    pub primary_risk: String,
    pub direct_shares: Vec<f64>,
    pub divisions: usize,
    /// The reference first, then the grid in [`grid`] order.
    pub points: Vec<Point>,
}

/// The runs the sweep makes, in order: the scenario as it is, then every allocation of
/// `grid(direct_shares, divisions)`. Every allocation is made before any run, so a grid the
/// scenario cannot take fails at once.
///
/// # Errors
/// [`AnalysisError::Allocation`] if an allocation cannot be made (e.g. the scenario holds no
/// field of a tier), [`AnalysisError::InvalidChange`].
pub fn variants(scenario: &Scenario, direct_shares: &[f64], divisions: usize) -> Result<Vec<Scenario>, AnalysisError> {
    std::iter::once(Ok(scenario.clone())).chain(grid(direct_shares, divisions).iter().map(|a| allocate(scenario, a))).collect()
}

/// Runs the scenario as it is and every allocation of `grid(direct_shares, divisions)`;
/// `progress` is told the paths done across all runs.
///
/// # Errors
/// [`AnalysisError::Allocation`] if an allocation cannot be made (e.g. the scenario holds no
/// field of a tier), [`AnalysisError::Engine`] if a run fails.
pub fn run(scenario: &Scenario, direct_shares: &[f64], divisions: usize, options: &RunOptions, progress: &mut dyn FnMut(u64)) -> Result<Frontier, AnalysisError> {
    let variants = variants(scenario, direct_shares, divisions)?;
    of_runs(scenario, direct_shares, divisions, &variants, options.seed, &mut simulating(options, progress))
}

/// The sweep of `scenario` from the runs of its [`variants`] for `direct_shares` and
/// `divisions`, all made with `seed` and one number of paths, wherever they were simulated:
/// `results(i, variant)` gives the run of the `i`-th; each is read in turn and dropped.
///
/// # Errors
/// What `results` returns, [`AnalysisError::Engine`] if a run's values cannot be read back.
pub fn of_runs<E: From<AnalysisError>>(
    scenario: &Scenario,
    direct_shares: &[f64],
    divisions: usize,
    variants: &[Scenario],
    seed: u64,
    results: &mut dyn FnMut(usize, &Scenario) -> Result<RunResults, E>,
) -> Result<Frontier, E> {
    let allocations = grid(direct_shares, divisions);
    let mut points = Vec::with_capacity(allocations.len() + 1);
    let mut paths = 0;
    let reference = Allocation { direct_share: scenario.fund.direct_share, tiers: tier_split(scenario).fund };
    for (i, (s, allocation)) in variants.iter().zip(std::iter::once(&reference).chain(&allocations)).enumerate() {
        let is_reference = i == 0;
        let results = results(i, s)?;
        paths = results.paths;
        let tvpi = values(&FUND_TVPI, s, &results)?;
        let summary = Summary::of(&tvpi);
        let controls = results.control_columns().map_err(|source| super::engine_error(s, source))?;
        let level = control::mean(&tvpi, &controls.iter().map(Vec::as_slice).collect::<Vec<_>>());
        let loss = probability_below(&tvpi, 1.0);
        points.push(Point {
            label: if is_reference { "as is".to_string() } else { label(allocation) },
            reference: is_reference,
            direct_share: allocation.direct_share,
            tiers: allocation.tiers,
            mean_tvpi: level.estimate,
            tvpi_std_error: level.std_error,
            loss_probability: loss.estimate,
            loss_ci95: loss.ci95,
            es5: summary.expected_shortfall_5,
            peak_need_cny_m: Summary::of(&values(&PEAK_NEED, s, &results)?).mean,
            efficient: false,
            efficient_es5: false,
            efficient_at_share: false,
        });
    }
    mark_efficient(&mut points);
    Ok(Frontier {
        provenance: Provenance::new(&[scenario], seed, paths, points.len(), METHOD),
        primary_risk: PRIMARY_RISK.to_string(),
        direct_shares: direct_shares.to_vec(),
        divisions,
        points,
    })
}

/// How the sweep is made, for the provenance of the outputs.
pub const METHOD: &str = "every allocation run with the same seed (common random numbers); allocations change the direct \
     share (same total) and scale both sleeves' field weights and sub-fund commitments by tier; efficient = no other point \
     with a mean fund TVPI at least as high and a P(fund TVPI < 1) at least as low (one strictly); mean fund TVPI and \
     its standard error by control variates (HC3)";

/// `scenario` re-allocated to `a`: its raw scenario changed and validated again, first for the
/// direct share, then for the tier split.
///
/// # Errors
/// [`AnalysisError::Allocation`] or [`AnalysisError::InvalidChange`].
pub fn allocate(scenario: &Scenario, a: &Allocation) -> Result<Scenario, AnalysisError> {
    let what = || format!("allocation {}", label(a));
    let shared = changed(scenario, what(), |raw| allocation::set_direct_share(scenario, raw, a.direct_share))?;
    changed(&shared, what(), |raw| {
        raw.name = Some(format!("{} [{}]", scenario.name, label(a)));
        allocation::set_tier_shares(&shared, raw, a.tiers)
    })
}

/// e.g. "d20% 50/25/25": direct share, then industrialising/prototype/exploration shares in %.
pub fn label(a: &Allocation) -> String {
    let pct = |x: f64| format!("{:.0}", 100.0 * x);
    format!("d{}% {}/{}/{}", pct(a.direct_share), pct(a.tiers[0]), pct(a.tiers[1]), pct(a.tiers[2]))
}

/// Sets `efficient`, `efficient_es5` and `efficient_at_share` on every point.
pub fn mark_efficient(points: &mut [Point]) {
    let values: Vec<(f64, f64, f64, f64)> = points.iter().map(|p| (p.mean_tvpi, p.loss_probability, p.es5, p.direct_share)).collect();
    for (i, p) in points.iter_mut().enumerate() {
        let (tvpi, loss, es5, share) = values[i];
        let defined = tvpi.is_finite() && loss.is_finite();
        let beats = |&&(t, l, _, _): &&(f64, f64, f64, f64)| t >= tvpi && l <= loss && (t > tvpi || l < loss);
        p.efficient = defined && !values.iter().any(|v| beats(&v));
        p.efficient_at_share = defined && !values.iter().filter(|v| v.3 == share).any(|v| beats(&v));
        p.efficient_es5 = defined && es5.is_finite() && !values.iter().any(|&(t, _, e, _)| t >= tvpi && e >= es5 && (t > tvpi || e > es5));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn point(mean_tvpi: f64, loss_probability: f64, es5: f64) -> Point {
        Point {
            label: String::new(),
            reference: false,
            direct_share: 0.2,
            tiers: [1.0, 0.0, 0.0],
            mean_tvpi,
            tvpi_std_error: 0.0,
            loss_probability,
            loss_ci95: (0.0, 0.0),
            es5,
            peak_need_cny_m: 0.0,
            efficient: false,
            efficient_es5: false,
            efficient_at_share: false,
        }
    }

    #[test]
    fn grid_covers_the_simplex() {
        let g = grid(&[0.1, 0.5], 4);
        assert_eq!(g.len(), 2 * 15);
        assert!(g.iter().all(|a| (a.tiers.iter().sum::<f64>() - 1.0).abs() < 1e-12 && a.tiers.iter().all(|&t| t >= 0.0)));
        assert_eq!(g[0].tiers, [1.0, 0.0, 0.0]);
        assert_eq!(label(&g[1]), "d10% 75/25/0");
        assert_eq!(grid(&[0.2], 5).len(), 21);
    }

    #[test]
    fn efficiency_is_pareto_dominance() {
        let mut points = vec![point(1.5, 0.2, 0.7), point(1.4, 0.1, 0.8), point(1.3, 0.2, 0.6), point(1.5, 0.2, 0.7), point(1.6, 0.3, 0.5)];
        mark_efficient(&mut points);
        let flags: Vec<bool> = points.iter().map(|p| p.efficient).collect();
        // The third is beaten by the first; equal points do not dominate each other.
        assert_eq!(flags, [true, true, false, true, true]);
        let es5: Vec<bool> = points.iter().map(|p| p.efficient_es5).collect();
        assert_eq!(es5, [true, true, false, true, true]);
        let mut points = vec![point(1.5, 0.2, 0.9), point(1.4, 0.1, 0.8)];
        mark_efficient(&mut points);
        assert_eq!((points[1].efficient, points[1].efficient_es5), (true, false));
    }


}
