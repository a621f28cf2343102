//! Coverage of the printed intervals (docs/performance.md, "Coverage"): many independent
//! seeded runs of a small scenario ([`crate::testing::small`]), each interval checked against
//! the mean of a much larger run.

use crate::engine::{RunOptions, RunResults, Stopping, run};
use crate::scenario::Scenario;
use crate::stats::control::{self, MeanEstimate};
use crate::stats::summary::{Summary, Z95};

/// `paths` paths of `scenario` at `seed` on one thread.
fn run_paths(scenario: &Scenario, seed: u64, paths: u64) -> RunResults {
    let options = RunOptions { seed, stopping: Stopping::Paths(paths), threads: Some(1) };
    run(scenario, &options, &mut |_| {}, None).expect("the small scenario runs")
}

/// The plain and control-variate estimates of mean `key` in `results`.
fn estimates(results: &RunResults, key: &str) -> (Summary, MeanEstimate) {
    let values = results.column(key).unwrap().unwrap();
    let controls = results.control_columns().unwrap();
    let controls: Vec<&[f64]> = controls.iter().map(Vec::as_slice).collect();
    (Summary::of(&values), control::mean(&values, &controls))
}

/// Share of `runs` runs of `paths` paths whose 95% intervals (plain, control variates) of
/// the mean of each of `keys` cover the mean of one run of `reference` paths, and the two
/// estimators' mean squared errors.
fn coverage(runs: u64, paths: u64, reference: u64, keys: &[&str]) -> Vec<(f64, f64, f64, f64)> {
    let scenario = crate::testing::small();
    let big = run_paths(&scenario, 1_000_000, reference);
    let truth: Vec<f64> = keys.iter().map(|key| estimates(&big, key).1.estimate).collect();
    let mut tallies = vec![(0.0, 0.0, 0.0, 0.0); keys.len()];
    for seed in 0..runs {
        let results = run_paths(&scenario, seed, paths);
        for ((key, &truth), tally) in keys.iter().zip(&truth).zip(&mut tallies) {
            let (plain, cv) = estimates(&results, key);
            let covers = |estimate: f64, se: f64| f64::from(u8::from((estimate - truth).abs() <= Z95 * se));
            tally.0 += covers(plain.mean, plain.std_error);
            tally.1 += covers(cv.estimate, cv.std_error);
            tally.2 += (plain.mean - truth).powi(2);
            tally.3 += (cv.estimate - truth).powi(2);
        }
    }
    let n = runs as f64;
    tallies.into_iter().map(|(a, b, c, d)| (a / n, b / n, c / n, d / n)).collect()
}

/// Within four binomial standard errors of 95% over `runs` runs (plus the reference's own
/// error, a few hundredths of the runs' standard errors).
fn near_nominal(rate: f64, runs: u64) -> bool {
    (rate - 0.95).abs() <= 4.0 * (0.95 * 0.05 / runs as f64).sqrt() + 0.01
}

#[test]
fn control_variate_intervals_cover_the_mean_of_a_large_run() {
    let keys = ["fund_tvpi", "subfunds_tvpi"];
    let runs = 80;
    for (key, (plain, cv, plain_mse, cv_mse)) in keys.iter().zip(coverage(runs, 1_000, 40_000, &keys)) {
        println!("{key}: coverage plain {plain:.3}, control variates {cv:.3}; variance ratio {:.2}", plain_mse / cv_mse);
        assert!(near_nominal(cv, runs), "{key}: control-variate coverage {cv} (plain {plain})");
        assert!(cv_mse < plain_mse, "{key}: the control variates reduce the error ({cv_mse} vs {plain_mse})");
    }
}

/// The long version: more runs, every controlled metric, tighter binomial error; the IRRs,
/// which the report does not estimate by control variates, are printed for comparison.
#[test]
#[ignore = "minutes: cargo test --release -- --ignored coverage"]
fn coverage_of_every_controlled_metric_long() {
    let keys = ["fund_tvpi", "fund_dpi", "direct_tvpi", "subfunds_tvpi", "fund_irr", "subfunds_irr"];
    let runs = 400;
    for (key, (plain, cv, plain_mse, cv_mse)) in keys.iter().zip(coverage(runs, 1_000, 200_000, &keys)) {
        println!("{key}: coverage plain {plain:.3}, control variates {cv:.3}; variance ratio {:.2}", plain_mse / cv_mse);
        if crate::report::CONTROLLED_METRICS.contains(key) {
            assert!(near_nominal(cv, runs), "{key}: control-variate coverage {cv} (plain {plain})");
        }
    }
}

/// The small scenario with heavier IPO tails (every profile's tail exponent 1.2, against
/// base's 1.4–1.7): the case where a run that has not yet drawn a large exit looks more precise
/// than it is.
fn heavy_tailed() -> Scenario {
    let mut s = crate::testing::small();
    for profile in &mut s.profiles {
        profile.ipo_multiple.tail_alpha = 1.2;
    }
    s
}

/// Runs with a precision target stop with an interval that covers the mean of a large run
/// about as often as it says.
#[test]
#[ignore = "minutes: cargo test --release -- --ignored coverage"]
fn stopped_precision_runs_cover_on_heavy_tails_long() {
    let scenario = heavy_tailed();
    let big = run_paths(&scenario, 1_000_000, 200_000);
    let truth = estimates(&big, "fund_tvpi").1.estimate;
    let runs = 100;
    let (mut covered, mut paths) = (0.0, 0);
    for seed in 0..runs {
        let options = RunOptions { seed, stopping: Stopping::precision(0.03, None), threads: Some(1) };
        let results = run(&scenario, &options, &mut |_| {}, None).unwrap();
        let (_, cv) = estimates(&results, "fund_tvpi");
        covered += f64::from(u8::from((cv.estimate - truth).abs() <= Z95 * cv.std_error));
        paths += results.paths;
    }
    let coverage = covered / runs as f64;
    println!("heavy tails, target ±0.03: coverage {coverage:.3}, mean paths {}", paths / runs);
    assert!(near_nominal(coverage, runs), "coverage {coverage}");
}
