//! `fifsim compare`: scenarios side by side on common random numbers.
//!
//! Each scenario is run with the same seed and number of paths. For every headline measure
//! ([`HEADLINES`]) the comparison gives each scenario's level and, for every scenario after the
//! first, its difference from the first with the paired 95 % interval and the half-width an
//! independent-samples interval would have ([`super::paired`]). The ratio of the two widths is
//! what common random numbers buy.

use serde::{Deserialize, Serialize};

use super::headline::{HEADLINES, Headline, Statistic, Unit};
use super::paired::{self, Difference};
use super::scorecard::{self, ScoreDifference};
use super::{AnalysisError, Provenance, simulate, values};
use crate::calendar::Quarter;
use crate::engine::{RunOptions, RunResults};
use crate::scenario::Scenario;
use crate::stats::summary::Summary;

/// How the differences are computed, for the provenance of the outputs.
pub const METHOD: &str = "every scenario run with the same seed (common random numbers); differences vs the first scenario \
     from per-path differences: mean ± 1.96 SE, by control variates (the differences regressed on both runs' controls, \
     HC3 SE) where every path has the value, else the plain mean of the paths where both values exist; expected \
     shortfall by a paired bootstrap of 400 resamples; independent half-width = 1.96 √(SE_a² + SE_b²), each SE by the \
     same method";

/// Levels of every headline measure and differences from the first scenario.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Comparison {
    pub provenance: Provenance,
    pub metrics: Vec<MetricComparison>,
    /// The scorecard's mean score of each scenario after the first minus the first's, by year.
    pub scores: Vec<ScoreDifference>,
}

/// One measure across the scenarios.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MetricComparison {
    pub key: String,
    pub label: String,
    pub unit: Unit,
    pub statistic: Statistic,
    /// One per scenario, in the order given.
    pub levels: Vec<Level>,
    /// One per scenario after the first: that scenario minus the first.
    pub differences: Vec<DifferenceFromFirst>,
}

/// A measure's value in one scenario.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Level {
    pub scenario: String,
    #[serde(deserialize_with = "crate::stats::nan::deserialize")]
    pub estimate: f64,
    /// Monte Carlo standard error (bootstrap for expected shortfall).
    #[serde(deserialize_with = "crate::stats::nan::deserialize")]
    pub std_error: f64,
    /// Paths with a value.
    pub n: usize,
}

/// A scenario's difference from the first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DifferenceFromFirst {
    pub scenario: String,
    pub baseline: String,
    #[serde(flatten)]
    pub difference: Difference,
}

/// What the overlay charts need of one scenario's run (saved as `compare_curves.json`, so that
/// `fifsim chart` redraws them).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScenarioCurves {
    pub name: String,
    /// Calendar quarter of quarter 0.
    pub start: Quarter,
    /// Fund TVPI quantiles at probabilities `k / CDF_POINTS`, `k = 0..=CDF_POINTS`.
    #[serde(deserialize_with = "crate::stats::nan::deserialize")]
    pub tvpi_quantiles: Vec<f64>,
    #[serde(deserialize_with = "crate::stats::nan::deserialize")]
    pub loss_probability: f64,
    /// Cumulative net cash flow of the fund (CNY m) by quarter: P25, P50, P75 across paths.
    #[serde(deserialize_with = "crate::stats::nan::deserialize")]
    pub jcurve: [Vec<f64>; 3],
}

/// Points of the TVPI distribution kept for the overlay chart.
pub const CDF_POINTS: usize = 200;

/// A finished comparison and its chart data.
#[derive(Debug, Clone)]
pub struct Compared {
    pub comparison: Comparison,
    pub curves: Vec<ScenarioCurves>,
}

/// Runs every scenario with `options` (same seed: common random numbers) and compares them.
/// `progress` is told the paths done across all runs.
///
/// # Errors
/// [`AnalysisError::Engine`] if a run fails.
pub fn run(scenarios: &[Scenario], options: &RunOptions, progress: &mut dyn FnMut(u64)) -> Result<Compared, AnalysisError> {
    let mut results = Vec::with_capacity(scenarios.len());
    let mut done = 0;
    for scenario in scenarios {
        let r = simulate(scenario, options, done, progress)?;
        done += r.paths;
        results.push(r);
    }
    of_results(scenarios, &results)
}

/// The comparison of runs `results` of `scenarios` made with one seed and number of paths, and
/// its chart data (what [`run`] gives once the runs are done, wherever they were simulated).
///
/// # Errors
/// [`AnalysisError::Engine`] if a run's values cannot be read back.
pub fn of_results(scenarios: &[Scenario], results: &[RunResults]) -> Result<Compared, AnalysisError> {
    let refs: Vec<&Scenario> = scenarios.iter().collect();
    let curves = scenarios.iter().zip(results).map(|(s, r)| curves(s, r)).collect::<Result<_, _>>()?;
    let results: Vec<&RunResults> = results.iter().collect();
    Ok(Compared { comparison: compare(&refs, &results)?, curves })
}

/// Compares runs of `scenarios` (`results[k]` of `scenarios[k]`, all with one seed and one
/// number of paths).
///
/// # Errors
/// [`AnalysisError::Engine`] if a run's values cannot be read back.
pub fn compare(scenarios: &[&Scenario], results: &[&RunResults]) -> Result<Comparison, AnalysisError> {
    let seed = results.first().map_or(0, |r| r.seed);
    let paths = results.first().map_or(0, |r| r.paths);
    let controls: Vec<Vec<Vec<f64>>> =
        scenarios.iter().zip(results).map(|(s, r)| r.control_columns().map_err(|source| super::engine_error(s, source))).collect::<Result<_, _>>()?;
    let controls: Vec<Vec<&[f64]>> = controls.iter().map(|c| c.iter().map(Vec::as_slice).collect()).collect();
    let metrics = HEADLINES.iter().map(|h| measure(h, scenarios, results, &controls, seed)).collect::<Result<_, _>>()?;
    let scores = scorecard::compare(scenarios, results).map_err(|(k, source)| super::engine_error(scenarios[k], source))?;
    Ok(Comparison { provenance: Provenance::new(scenarios, seed, paths, results.len(), METHOD), metrics, scores })
}

fn measure(h: &Headline, scenarios: &[&Scenario], results: &[&RunResults], controls: &[Vec<&[f64]>], seed: u64) -> Result<MetricComparison, AnalysisError> {
    let values: Vec<Vec<f64>> = scenarios.iter().zip(results).map(|(s, r)| values(h, s, r)).collect::<Result<_, _>>()?;
    let levels = scenarios
        .iter()
        .zip(&values)
        .map(|(s, v)| {
            let summary = Summary::of(v);
            let (estimate, std_error) = match h.statistic {
                Statistic::Mean => (summary.mean, summary.std_error),
                Statistic::ExpectedShortfall5 => paired::shortfall_level(v, 0.05, seed),
            };
            Level { scenario: s.name.clone(), estimate, std_error, n: summary.n }
        })
        .collect();
    let differences = scenarios
        .iter()
        .zip(values.iter().zip(controls))
        .skip(1)
        .map(|(s, (v, c))| DifferenceFromFirst {
            scenario: s.name.clone(),
            baseline: scenarios[0].name.clone(),
            difference: difference(h, (&values[0], &controls[0]), (v, c), seed),
        })
        .collect();
    Ok(MetricComparison { key: h.key.to_string(), label: h.label.to_string(), unit: h.unit, statistic: h.statistic, levels, differences })
}

/// The difference B − A of measure `h` from per-path values `a.0` and `b.0` and each run's
/// control variates (`a.1`, `b.1`).
pub fn difference(h: &Headline, a: (&[f64], &[&[f64]]), b: (&[f64], &[&[f64]]), seed: u64) -> Difference {
    match h.statistic {
        Statistic::Mean => paired::controlled_difference(a.0, b.0, a.1, b.1),
        Statistic::ExpectedShortfall5 => paired::shortfall_difference(a.0, b.0, 0.05, seed),
    }
}

fn curves(scenario: &Scenario, results: &RunResults) -> Result<ScenarioCurves, AnalysisError> {
    let tvpi = results.column("fund_tvpi").map_err(|source| super::engine_error(scenario, source))?.unwrap_or_default();
    let sorted = crate::stats::summary::sorted_finite(&tvpi);
    let tvpi_quantiles = (0..=CDF_POINTS).map(|k| crate::stats::summary::quantile_sorted(&sorted, k as f64 / CDF_POINTS as f64)).collect();
    let loss = crate::stats::summary::probability_below(&tvpi, 1.0).estimate;
    // The first fan is the fund's cumulative net cash flow (metrics::path::SERIES[0]).
    let fan = results.fans.first();
    let row = |p: f64| fan.map_or_else(Vec::new, |f| f.quantiles(p));
    Ok(ScenarioCurves {
        name: scenario.name.clone(),
        start: scenario.calendar.start,
        tvpi_quantiles,
        loss_probability: loss,
        jcurve: [row(0.25), row(0.5), row(0.75)],
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::run as results;

    #[test]
    fn a_scenario_compared_with_itself_differs_by_exactly_zero() {
        let base = crate::testing::base();
        let r = results(&base, 200);
        let c = compare(&[&base, &base], &[&r, &r]).unwrap();
        for m in &c.metrics {
            let d = &m.differences[0].difference;
            if m.levels[0].n == 0 {
                continue;
            }
            assert_eq!(d.estimate.to_bits(), 0, "{}: {d:?}", m.key);
            assert_eq!((d.paired_ci95.0.to_bits(), d.paired_ci95.1.to_bits()), (0, 0), "{}: {d:?}", m.key);
        }
    }

    #[test]
    fn common_random_numbers_narrow_the_interval_of_a_real_difference() {
        // base vs base with a higher direct share, a few hundred paths: the paired interval of each
        // difference is narrower than an independent one. The direct sleeve pairs only loosely
        // (a bigger budget backs companies the smaller one never does), the sub-fund sleeve closely.
        let base = crate::testing::base();
        let heavy = crate::testing::edited(&base, |raw| {
            raw.fund.direct_share = 0.35;
            raw.name = Some("direct_0.35".into());
        });
        let ra = results(&base, 400);
        let c = compare(&[&base, &heavy], &[&ra, &results(&heavy, 400)]).unwrap();
        let diff = |key: &str| c.metrics.iter().find(|m| m.key == key).unwrap().differences[0].difference;
        let tvpi = diff("fund_tvpi");
        assert!(tvpi.paired_half_width > 0.0 && tvpi.paired_half_width < tvpi.independent_half_width, "{tvpi:?}");
        // The direct sleeve outperforms in the base calibration: more of it raises mean TVPI.
        assert!(tvpi.is_significant() && tvpi.estimate > 0.0, "{tvpi:?}");
        for (key, gain) in [("subfunds_tvpi", 2.0), ("p_fund_tvpi_below_1", 1.2), ("peak_capital_need", 1.3), ("fund_tvpi_es5", 1.2)] {
            let d = diff(key);
            assert!(d.crn_gain() > gain, "{key}: pairing should narrow the interval {gain}-fold: {d:?}");
        }
        // A change that leaves the deal flow alone pairs almost perfectly: fees up 0.5 pp.
        let fees = crate::testing::edited(&base, |raw| crate::analysis::shocks::fees(&base, raw, crate::analysis::shocks::Direction::Up));
        let c = compare(&[&base, &fees], &[&ra, &results(&fees, 400)]).unwrap();
        let d = c.metrics[0].differences[0].difference;
        assert!(d.estimate < 0.0 && d.crn_gain() > 5.0, "{d:?}");
    }
}
