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

/// How one metric's intervals fared over the runs of [`coverage`].
struct Tally {
    /// Share of runs whose plain and control-variate intervals of the mean covered the large
    /// run's mean.
    plain: f64,
    cv: f64,
    /// The two estimators' mean squared errors.
    plain_mse: f64,
    cv_mse: f64,
    /// Share of runs whose median's order-statistic interval covered the large run's median (the
    /// interval printed for an IRR, whose mean gets no SE).
    median: f64,
}

/// How the intervals of each of `keys` fared over `runs` runs of `paths` paths, against one run
/// of `reference` paths; each run is simulated once for every interval.
fn coverage(runs: u64, paths: u64, reference: u64, keys: &[&str]) -> Vec<Tally> {
    let scenario = crate::testing::small();
    let median = |summary: &Summary| summary.quantile(0.5).cloned().unwrap();
    let big = run_paths(&scenario, 1_000_000, reference);
    let truth: Vec<(f64, f64)> = keys
        .iter()
        .map(|key| {
            let (plain, cv) = estimates(&big, key);
            (cv.estimate, median(&plain).value)
        })
        .collect();
    let mut tallies: Vec<Tally> = keys.iter().map(|_| Tally { plain: 0.0, cv: 0.0, plain_mse: 0.0, cv_mse: 0.0, median: 0.0 }).collect();
    for seed in 0..runs {
        let results = run_paths(&scenario, seed, paths);
        for ((key, &(mean, middle)), tally) in keys.iter().zip(&truth).zip(&mut tallies) {
            let (plain, cv) = estimates(&results, key);
            let covers = |estimate: f64, se: f64| f64::from(u8::from((estimate - mean).abs() <= Z95 * se));
            tally.plain += covers(plain.mean, plain.std_error);
            tally.cv += covers(cv.estimate, cv.std_error);
            tally.plain_mse += (plain.mean - mean).powi(2);
            tally.cv_mse += (cv.estimate - mean).powi(2);
            let q = median(&plain);
            tally.median += f64::from(u8::from(q.lower <= middle && middle <= q.upper));
        }
    }
    let n = runs as f64;
    tallies
        .into_iter()
        .map(|t| Tally { plain: t.plain / n, cv: t.cv / n, plain_mse: t.plain_mse / n, cv_mse: t.cv_mse / n, median: t.median / n })
        .collect()
}

/// Within four binomial standard errors of 95% over `runs` runs (plus the reference's own
/// error, a few hundredths of the runs' standard errors).
fn near_nominal(rate: f64, runs: u64) -> bool {
    (rate - 0.95).abs() <= 4.0 * (0.95 * 0.05 / runs as f64).sqrt() + 0.01
}

/// The multiples' control-variate intervals cover about 95% and beat the plain mean; the IRRs'
/// median intervals, exact but for their discreteness (at least 95%) whatever the tail, may not
/// fall short of nominal by more than the binomial error allows.
#[test]
fn printed_intervals_cover_the_figures_of_a_large_run() {
    let keys = ["fund_tvpi", "subfunds_tvpi", "fund_irr", "subfunds_irr"];
    let runs = 80;
    for (key, t) in keys.iter().zip(coverage(runs, 1_000, 40_000, &keys)) {
        if key.ends_with("_irr") {
            println!("{key}: median interval coverage {:.3}", t.median);
            assert!(t.median >= 0.95 - 4.0 * (0.95 * 0.05 / runs as f64).sqrt() - 0.01, "{key}: coverage {}", t.median);
        } else {
            println!("{key}: coverage plain {:.3}, control variates {:.3}; variance ratio {:.2}", t.plain, t.cv, t.plain_mse / t.cv_mse);
            assert!(near_nominal(t.cv, runs), "{key}: control-variate coverage {} (plain {})", t.cv, t.plain);
            assert!(t.cv_mse < t.plain_mse, "{key}: the control variates reduce the error ({} vs {})", t.cv_mse, t.plain_mse);
        }
    }
}

/// The long version: more runs, every controlled metric, tighter binomial error; the IRRs'
/// means, which the report gives no interval, are printed for comparison, with their medians'
/// intervals.
#[test]
#[ignore = "minutes: cargo test --release -- --ignored coverage"]
fn coverage_of_every_controlled_metric_long() {
    let keys = ["fund_tvpi", "fund_dpi", "direct_tvpi", "subfunds_tvpi", "fund_irr", "subfunds_irr"];
    let runs = 400;
    for (key, t) in keys.iter().zip(coverage(runs, 1_000, 200_000, &keys)) {
        println!(
            "{key}: coverage plain {:.3}, control variates {:.3}, median {:.3}; variance ratio {:.2}",
            t.plain,
            t.cv,
            t.median,
            t.plain_mse / t.cv_mse
        );
        if crate::report::CONTROLLED_METRICS.contains(key) {
            assert!(near_nominal(t.cv, runs), "{key}: control-variate coverage {} (plain {})", t.cv, t.plain);
        }
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

