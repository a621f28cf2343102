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

/// The IRRs' printed interval is their median's, by order statistics (their means get no SE):
/// over `runs` runs of `paths` paths, the share whose interval covers the median of one run of
/// `reference` paths, for each of `keys`.
fn median_coverage(runs: u64, paths: u64, reference: u64, keys: &[&str]) -> Vec<f64> {
    let scenario = crate::testing::small();
    let median = |results: &RunResults, key: &str| Summary::of(&results.column(key).unwrap().unwrap()).quantile(0.5).cloned().unwrap();
    let big = run_paths(&scenario, 1_000_000, reference);
    let truth: Vec<f64> = keys.iter().map(|key| median(&big, key).value).collect();
    let mut covered = vec![0.0; keys.len()];
    for seed in 0..runs {
        let results = run_paths(&scenario, seed, paths);
        for ((key, truth), slot) in keys.iter().zip(&truth).zip(&mut covered) {
            let q = median(&results, key);
            *slot += f64::from(u8::from(q.lower <= *truth && *truth <= q.upper));
        }
    }
    covered.into_iter().map(|c| c / runs as f64).collect()
}

/// The order-statistic interval is exact but for its discreteness (at least 95%), whatever the
/// tail: the rate may not fall short of nominal by more than the binomial error allows.
#[test]
fn irr_median_intervals_cover_the_median_of_a_large_run() {
    let keys = ["fund_irr", "subfunds_irr"];
    let runs = 80;
    for (key, rate) in keys.iter().zip(median_coverage(runs, 1_000, 40_000, &keys)) {
        println!("{key}: median interval coverage {rate:.3}");
        assert!(rate >= 0.95 - 4.0 * (0.95 * 0.05 / runs as f64).sqrt() - 0.01, "{key}: coverage {rate}");
    }
}

/// The long version: more runs, every controlled metric, tighter binomial error; the IRRs'
/// means, which the report gives no interval, are printed for comparison, then their medians'
/// intervals.
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
    for (key, rate) in ["fund_irr", "subfunds_irr"].iter().zip(median_coverage(runs, 1_000, 200_000, &["fund_irr", "subfunds_irr"])) {
        println!("{key}: median interval coverage {rate:.3}");
    }
}

/// The small scenario with heavier IPO tails (every profile's tail exponent 1.2, against
/// base's 1.4–1.7): the case where a run that has not yet drawn a large exit looks more precise
/// than it is.
fn heavy_tailed() -> Scenario {
    crate::testing::edited(&crate::testing::small(), |raw| {
        for profile in raw.profiles.values_mut() {
            profile.ipo_multiple.tail_alpha = 1.2;
        }
    })
}

/// Share of `runs` precision runs (target ±`half_width`) of the heavy-tailed variant whose
/// stopped interval of mean fund TVPI covers the mean of one run of `reference` paths, and
/// their mean paths.
fn stopped_coverage(runs: u64, half_width: f64, reference: u64) -> (f64, u64) {
    let scenario = heavy_tailed();
    let big = run_paths(&scenario, 1_000_000, reference);
    let truth = estimates(&big, "fund_tvpi").1.estimate;
    let (mut covered, mut paths) = (0.0, 0);
    for seed in 0..runs {
        let options = RunOptions { seed, stopping: Stopping::precision(half_width, None), threads: Some(1) };
        let results = run(&scenario, &options, &mut |_| {}, None).unwrap();
        let (_, cv) = estimates(&results, "fund_tvpi");
        covered += f64::from(u8::from((cv.estimate - truth).abs() <= Z95 * cv.std_error));
        paths += results.paths;
    }
    (covered / runs as f64, paths / runs)
}

/// A modest version of the next test, in the default suite: 30 runs with a target of ±0.05.
#[test]
fn stopped_precision_runs_cover_on_heavy_tails() {
    let runs = 30;
    let (coverage, paths) = stopped_coverage(runs, 0.05, 40_000);
    println!("heavy tails, target ±0.05: coverage {coverage:.3}, mean paths {paths}");
    assert!(within_three_sd(coverage, runs), "coverage {coverage}");
}

/// Runs with a precision target stop with an interval that covers the mean of a large run
/// about as often as it says.
#[test]
#[ignore = "minutes: cargo test --release -- --ignored coverage"]
fn stopped_precision_runs_cover_on_heavy_tails_long() {
    let runs = 100;
    let (coverage, paths) = stopped_coverage(runs, 0.03, 200_000);
    println!("heavy tails, target ±0.03: coverage {coverage:.3}, mean paths {paths}");
    assert!(near_nominal(coverage, runs), "coverage {coverage}");
}

/// The small scenario with twice its direct budget (the fund grown to fit): a change of the
/// deal flow, so that the two runs pair only partly on common random numbers.
fn more_direct() -> Scenario {
    let s = crate::testing::small();
    crate::testing::with_direct_budget(&s, s.subfunds.len(), s.subfund_commitments_cny_m(), 2.0 * s.direct.budget_cny_m)
}

/// Coverage of the intervals `fifsim compare`, `sensitivity` and `frontier` print, over `runs`
/// pairs of runs of `paths` paths (the small scenario and [`more_direct`], one seed a pair),
/// against one pair of runs of `reference` paths. By key: the share of runs whose interval
/// covered the large run's figure. `compare.level.K` is the first scenario's level of headline
/// K (mean ± 1.96 SE; expected shortfall by bootstrap), `compare.diff.K` its paired difference;
/// `sensitivity.*` the effects on mean fund TVPI and P(fund TVPI < 1) and the base run's
/// interval and Wilson interval; `frontier.*` a point's mean fund TVPI ± 1.96 SE and Wilson
/// interval of P(fund TVPI < 1).
fn decision_coverage(runs: u64, paths: u64, reference: u64) -> Vec<(String, f64)> {
    use crate::analysis::compare::compare;
    use crate::analysis::headline::{FUND_TVPI, LOSS_PROBABILITY, Statistic};
    use crate::analysis::paired::controlled_difference;
    use crate::stats::summary::probability_below;
    let (a, b) = (crate::testing::small(), more_direct());
    // (key, estimate, lower, upper) of every interval of one pair of runs.
    let intervals = |seed: u64, paths: u64| -> Vec<(String, f64, f64, f64)> {
        let (ra, rb) = (run_paths(&a, seed, paths), run_paths(&b, seed, paths));
        let c = compare(&[&a, &b], &[&ra, &rb]).expect("the runs compare");
        let mut out = Vec::new();
        for m in &c.metrics {
            let level = &m.levels[0];
            let half = Z95 * level.std_error;
            out.push((format!("compare.level.{}", m.key), level.estimate, level.estimate - half, level.estimate + half));
            let d = &m.differences[0].difference;
            out.push((format!("compare.diff.{}{}", m.key, if m.statistic == Statistic::Mean { "" } else { " (bootstrap)" }), d.estimate, d.paired_ci95.0, d.paired_ci95.1));
        }
        let (ta, tb) = (FUND_TVPI.values(&ra).unwrap(), FUND_TVPI.values(&rb).unwrap());
        let (la, lb) = (LOSS_PROBABILITY.values(&ra).unwrap(), LOSS_PROBABILITY.values(&rb).unwrap());
        let (ca, cb) = (ra.control_columns().unwrap(), rb.control_columns().unwrap());
        let (ca, cb): (Vec<&[f64]>, Vec<&[f64]>) = (ca.iter().map(Vec::as_slice).collect(), cb.iter().map(Vec::as_slice).collect());
        for (key, d) in [("sensitivity.effect.mean_tvpi", controlled_difference(&ta, &tb, &ca, &cb)), ("sensitivity.effect.loss", controlled_difference(&la, &lb, &ca, &cb))] {
            out.push((key.to_string(), d.estimate, d.paired_ci95.0, d.paired_ci95.1));
        }
        let base = control::mean(&ta, &ca);
        out.push(("sensitivity.base.mean_tvpi".to_string(), base.estimate, base.ci95.0, base.ci95.1));
        let loss = probability_below(&ta, 1.0);
        out.push(("sensitivity.base.loss (Wilson)".to_string(), loss.estimate, loss.ci95.0, loss.ci95.1));
        let point = control::mean(&tb, &cb);
        out.push(("frontier.point.mean_tvpi".to_string(), point.estimate, point.ci95.0, point.ci95.1));
        let loss = probability_below(&tb, 1.0);
        out.push(("frontier.point.loss (Wilson)".to_string(), loss.estimate, loss.ci95.0, loss.ci95.1));
        out
    };
    let truth = intervals(1_000_000, reference);
    let mut covered = vec![0.0; truth.len()];
    for seed in 0..runs {
        for ((slot, (key, _, lower, upper)), (truth_key, truth, _, _)) in covered.iter_mut().zip(intervals(seed, paths)).zip(&truth) {
            assert_eq!(&key, truth_key);
            *slot += f64::from(u8::from(lower <= *truth && *truth <= upper));
        }
    }
    truth.into_iter().zip(covered).map(|((key, ..), c)| (key, c / runs as f64)).collect()
}

/// Within three binomial standard errors of 95% over `runs` runs, plus the reference's own error.
fn within_three_sd(rate: f64, runs: u64) -> bool {
    (rate - 0.95).abs() <= 3.0 * (0.95 * 0.05 / runs as f64).sqrt() + 0.01
}

/// The printed intervals of `compare`, `sensitivity` and `frontier` cover the figures of a large
/// run about 95% of the time. Means and shares are asserted; the bootstrap intervals of the
/// expected shortfall are printed only (at a few hundred paths the worst 5% are a few dozen
/// paths, and their bootstrap is known to be too narrow there). 500 paths a run: enough paths
/// per control for the differences' regression on both runs' controls (checked below).
#[test]
fn decision_intervals_cover_the_figures_of_a_large_run() {
    let runs = 50;
    for (key, rate) in decision_coverage(runs, 500, 20_000) {
        println!("{key}: coverage {rate:.3}");
        if !key.contains("bootstrap") && !key.contains("es5") {
            assert!(within_three_sd(rate, runs), "{key}: coverage {rate}");
        }
    }
    let (a, b) = (crate::testing::small(), more_direct());
    let c = crate::analysis::compare::compare(&[&a, &b], &[&run_paths(&a, 0, 500), &run_paths(&b, 0, 500)]).unwrap();
    for m in c.metrics.iter().filter(|m| ["fund_tvpi", "fund_dpi", "p_fund_tvpi_below_1"].contains(&m.key.as_str())) {
        assert_eq!(m.differences[0].difference.method, control::Method::ControlVariates, "{}", m.key);
    }
}

/// The long version: 400 pairs of runs of 1,000 paths against 200,000 paths.
#[test]
#[ignore = "minutes: cargo test --release -- --ignored coverage"]
fn decision_intervals_cover_long() {
    let runs = 400;
    for (key, rate) in decision_coverage(runs, 1_000, 200_000) {
        println!("{key}: coverage {rate:.3}");
    }
}

/// Coverage of the report card's intervals (`fifsim calibrate`: model ± 1.96 standard errors,
/// clustered by path or by batch of companies; medians and quartiles by Woodruff's interval)
/// over `runs` cards of `paths` fund paths and `companies` companies of the small scenario,
/// against one card of `reference` paths and ten times as many companies per path as asked
/// of the runs. By row key: the share of cards whose interval covered the large card's figure,
/// for the rows with a standard error.
fn calibration_coverage(runs: u64, paths: u64, companies: usize, reference: u64) -> Vec<(String, f64)> {
    let scenario = crate::testing::small();
    let scale = (reference / paths.max(1)) as usize;
    let truth = crate::calibration::report_card(&scenario, 1_000_000, reference, companies * scale).expect("the card is made");
    let mut covered = vec![(0.0, 0.0); truth.checks.len()];
    for seed in 0..runs {
        let card = crate::calibration::report_card(&scenario, seed, paths, companies).expect("the card is made");
        for ((slot, check), truth) in covered.iter_mut().zip(&card.checks).zip(&truth.checks) {
            assert_eq!(check.key, truth.key);
            if check.std_error.is_finite() && check.std_error > 0.0 && truth.model.is_finite() {
                slot.0 += f64::from(u8::from((check.model - truth.model).abs() <= Z95 * check.std_error));
                slot.1 += 1.0;
            }
        }
    }
    truth.checks.iter().zip(covered).filter(|(_, (_, n))| *n > 0.0).map(|(c, (hits, n))| (c.key.clone(), hits / n)).collect()
}

/// Averaged over the card's rows, its intervals cover the figures of a much larger card about
/// 95% of the time (rows share their runs, so the band is that of one row over the runs).
#[test]
fn calibration_intervals_cover_on_average() {
    let runs = 150;
    let rates = calibration_coverage(runs, 150, 2_000, 3_000);
    for (key, rate) in &rates {
        println!("{key}: coverage {rate:.3}");
    }
    let average = rates.iter().map(|(_, r)| r).sum::<f64>() / rates.len() as f64;
    println!("average over {} rows: {average:.3}", rates.len());
    assert!(within_three_sd(average, runs), "average coverage {average}");
}

/// The long version: 200 cards of 600 paths and 10,000 companies against 30,000 paths.
#[test]
#[ignore = "minutes: cargo test --release -- --ignored coverage"]
fn calibration_intervals_cover_long() {
    let rates = calibration_coverage(200, 600, 10_000, 30_000);
    for (key, rate) in &rates {
        println!("{key}: coverage {rate:.3}");
    }
    println!("average over {} rows: {:.3}", rates.len(), rates.iter().map(|(_, r)| r).sum::<f64>() / rates.len() as f64);
}

