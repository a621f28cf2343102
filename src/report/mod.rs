//! The results of a run as analysts read them: one [`Report`] built from the engine's
//! [`RunResults`], written as `summary.json` and read back by `fifsim chart`.
//!
//! Everything an output shows comes from here — the terminal table ([`table`]), the JSON and
//! CSV files ([`export`]) and the charts (`crate::charts`) — so they never disagree. The report
//! carries its provenance (scenario, seed, paths, crate version) and no wall-clock time, so the
//! same scenario and seed give byte-identical files.

pub mod document;
pub mod export;
pub mod table;
pub mod text;

use serde::{Deserialize, Serialize};

use crate::analysis::liquidity::LiquidityReport;
use crate::analysis::scorecard::ScorecardReport;
use crate::engine::{EngineError, FanReport, RunResults};
use crate::metrics::path::{Group, NO_RATE_FOUND, NO_SIGN_CHANGE, NOT_FINITE, SERIES, Undefined, Unit};
use crate::scenario::Scenario;
use crate::stats::control::{self, MeanEstimate};
use crate::stats::summary::{Proportion, Summary, probability_below, sorted_finite};

/// Bins of the histograms kept for distribution charts.
pub const HISTOGRAM_BINS: usize = 60;

/// Metrics whose full distribution is kept as a histogram.
pub const HISTOGRAM_METRICS: [&str; 4] = ["fund_tvpi", "fund_irr", "direct_tvpi", "subfunds_tvpi"];

/// Metrics whose mean and probability below 1 are also estimated by control variates
/// ([`MetricReport::mean_estimate`]). Not the IRRs: on a small scenario at 1,000 paths their
/// control-variate intervals covered less often than the plain ones (docs/performance.md).
pub const CONTROLLED_METRICS: [&str; 4] = ["fund_tvpi", "fund_dpi", "direct_tvpi", "subfunds_tvpi"];

/// Where the numbers came from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Provenance {
    pub tool: String,
    pub version: String,
    pub scenario: String,
    pub scenario_file: String,
    pub description: String,
    pub seed: u64,
    pub paths: u64,
    /// Calendar quarter of quarter 0 (the first close), e.g. "2024Q3".
    pub start_quarter: String,
    pub horizon_quarters: usize,
}

/// One metric across paths.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MetricReport {
    pub key: String,
    pub label: String,
    pub group: Group,
    pub unit: Unit,
    pub summary: Summary,
    /// For multiples: the probability of a value below 1 (a loss).
    pub probability_below_one: Option<Proportion>,
    /// The paths without a value (`summary.missing` of them), left out of every figure above,
    /// by reason, most paths first.
    #[serde(default)]
    pub excluded: Vec<Excluded>,
    /// For an IRR: how the root search ended on the paths.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub irr_outcomes: Option<IrrOutcomes>,
    /// For the [`CONTROLLED_METRICS`]: the mean by control variates, with an interval that
    /// keeps its coverage and is several times narrower than `summary`'s
    /// (docs/performance.md).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mean_estimate: Option<MeanEstimate>,
    /// For the controlled multiples: the probability of a value below 1, by control variates.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub probability_below_one_estimate: Option<MeanEstimate>,
}

impl MetricReport {
    /// The summary with its mean, SE and interval by control variates where it has them
    /// ([`MetricReport::mean_estimate`]): the figures every rendering of a run (tables, workbook,
    /// charts) prints.
    pub fn summary_as_printed(&self) -> Summary {
        let mut s = self.summary.clone();
        if let Some(e) = self.mean_estimate.filter(|e| e.method == control::Method::ControlVariates) {
            (s.mean, s.std_error, s.mean_ci95) = (e.estimate, e.std_error, e.ci95);
        }
        s
    }
}

/// Paths left out of a metric's figures for one reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Excluded {
    pub paths: usize,
    /// Reads after the count of paths: "30 paid nothing in".
    pub reason: String,
}

/// How the IRR's root search ended, in paths (they add up to the paths run).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct IrrOutcomes {
    /// One rate, proven the only one.
    pub unique: usize,
    /// Several rates solve the flows; the one nearest the fund's multiple and timing is used.
    pub several_roots: usize,
    /// No IRR: the cash flows never change sign.
    pub no_sign_change: usize,
    /// No IRR: the flows change sign but no rate was found.
    pub not_found: usize,
}

impl IrrOutcomes {
    /// Counts the per-path IRR flags (0 unique, 1 several roots, 2 no sign change, 3 not
    /// found; `crate::metrics::path`).
    pub fn of(flags: &[f64]) -> IrrOutcomes {
        let mut outcomes = IrrOutcomes::default();
        for &flag in flags {
            let slot = match flag {
                0.0 => &mut outcomes.unique,
                1.0 => &mut outcomes.several_roots,
                2.0 => &mut outcomes.no_sign_change,
                3.0 => &mut outcomes.not_found,
                _ => continue,
            };
            *slot += 1;
        }
        outcomes
    }
}

/// Counts of a metric's values in equal-width bins from `edges[0]` to `edges[bins]`; values
/// outside are counted in `below` and `above` (never silently dropped).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Histogram {
    pub key: String,
    pub edges: Vec<f64>,
    pub counts: Vec<u64>,
    pub below: u64,
    pub above: u64,
    /// Values that were undefined on their path (NaN), e.g. IRRs without a sign change.
    pub missing: u64,
}

/// A field, for labelling charts and tables.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FieldInfo {
    pub key: String,
    pub label: String,
    pub label_zh: String,
    pub tier: String,
}

/// A sub-fund's fixed terms, for labelling and the policy chart.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SubFundInfo {
    pub key: String,
    pub label: String,
    pub commitment_cny_m: f64,
    pub fund_share: f64,
    pub vintage: String,
    pub local_requirement: f64,
}

/// Fixed facts of the scenario the charts and tables need.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FundInfo {
    pub size_cny_m: f64,
    pub direct_budget_cny_m: f64,
    pub subfund_commitments_cny_m: f64,
    pub fields: Vec<FieldInfo>,
    pub subfunds: Vec<SubFundInfo>,
}

/// Everything a run reports.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    pub provenance: Provenance,
    pub fund: FundInfo,
    pub metrics: Vec<MetricReport>,
    pub histograms: Vec<Histogram>,
    pub fans: Vec<FanReport>,
    /// The evaluators' indicators, score and grade by year (`None` in a summary written before
    /// they were kept, or when the calendar holds no whole year).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scorecard: Option<ScorecardReport>,
    /// The fund's cash account under the scenario's funding plan; absent without a plan.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub liquidity: Option<LiquidityReport>,
    /// Where the book at the as-of quarter sits in the construction plan's fans: only for a
    /// scenario with `[as_of]` (docs/portfolio.md).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plan_vs_actual: Option<Box<crate::analysis::plan_vs_actual::PlanVsActual>>,
}

impl Report {
    /// Summarises `results` of a run of `scenario`, reading one metric's values at a time.
    ///
    /// # Errors
    /// If the per-path values cannot be read back ([`RunResults::column`]).
    pub fn build(scenario: &Scenario, results: &RunResults) -> Result<Report, EngineError> {
        // Each metric's values are read once: its summary, and its histogram if it has one. The
        // column that explains missing values (paid-in, IRR flags) is read only when needed.
        let controls = results.control_columns()?;
        let controls: Vec<&[f64]> = controls.iter().map(Vec::as_slice).collect();
        let summarised = results.map_columns(|index, values| {
            let def = &results.schema.metrics[index];
            let histogram = HISTOGRAM_METRICS.iter().position(|&key| key == def.key).map(|slot| (slot, histogram(&def.key, &values)));
            let mut summary = Summary::of(&values);
            if matches!(def.undefined, Undefined::Irr { .. }) {
                // An IRR's mean gets no standard error: a path that calls little capital briefly
                // can have an IRR of thousands of percent a year, a tail no run of a practical size
                // samples, so mean ± 1.96 SE under-covers (docs/performance.md, "Coverage"). Its
                // median's interval, by order statistics, holds at any size and is what is printed.
                (summary.std_error, summary.mean_ci95) = (f64::NAN, (f64::NAN, f64::NAN));
            }
            let companion = match &def.undefined {
                Undefined::Irr { flag } => Some(flag),
                Undefined::WhereZero { column, .. } if summary.missing > 0 => Some(column),
                _ => None,
            };
            let companion = companion.map(|key| results.column(key)).transpose()?.flatten().unwrap_or_default();
            let controlled = CONTROLLED_METRICS.contains(&def.key.as_str());
            let below_one = || {
                let indicator: Vec<f64> = values.iter().map(|&x| if x.is_finite() { f64::from(u8::from(x < 1.0)) } else { f64::NAN }).collect();
                control::mean(&indicator, &controls)
            };
            let metric = MetricReport {
                key: def.key.clone(),
                label: def.label.clone(),
                group: def.group,
                unit: def.unit,
                excluded: if summary.missing > 0 { excluded(&values, &def.undefined, &companion) } else { Vec::new() },
                irr_outcomes: matches!(def.undefined, Undefined::Irr { .. }).then(|| IrrOutcomes::of(&companion)),
                mean_estimate: controlled.then(|| control::mean(&values, &controls)),
                probability_below_one_estimate: (controlled && def.unit == Unit::Multiple).then(below_one),
                summary,
                probability_below_one: (def.unit == Unit::Multiple).then(|| probability_below(&values, 1.0)),
            };
            Ok::<_, EngineError>((metric, histogram))
        })?;
        let mut histograms: [Option<Histogram>; HISTOGRAM_METRICS.len()] = Default::default();
        let mut metrics = Vec::with_capacity(summarised.len());
        for summarised in summarised {
            let (metric, histogram) = summarised?;
            if let Some((slot, histogram)) = histogram {
                histograms[slot] = Some(histogram);
            }
            metrics.push(metric);
        }
        let histograms = histograms.into_iter().flatten().collect();
        let quarters: Vec<String> = (0..=scenario.horizon()).map(|t| scenario.calendar.quarter(t).to_string()).collect();
        let fans = SERIES
            .iter()
            .zip(&results.fans)
            .map(|(&(key, label, unit), fan)| FanReport::of(key, label, unit, &quarters, fan))
            .collect();
        let scorecard = crate::analysis::scorecard::build(scenario, results)?;
        let liquidity = match &results.liquidity {
            Some(cash) => LiquidityReport::build(scenario, cash, &quarters)?,
            None => None,
        };
        Ok(Report {
            provenance: Provenance {
                tool: env!("CARGO_PKG_NAME").to_string(),
                version: env!("CARGO_PKG_VERSION").to_string(),
                scenario: scenario.name.clone(),
                scenario_file: scenario.source.display().to_string(),
                description: scenario.description.clone(),
                seed: results.seed,
                paths: results.paths,
                start_quarter: scenario.calendar.start.to_string(),
                horizon_quarters: scenario.horizon(),
            },
            fund: fund_info(scenario),
            metrics,
            histograms,
            fans,
            scorecard,
            liquidity,
            plan_vs_actual: None,
        })
    }

    /// The report of metric `key`.
    pub fn metric(&self, key: &str) -> Option<&MetricReport> {
        self.metrics.iter().find(|m| m.key == key)
    }

    /// The fan of series `key`.
    pub fn fan(&self, key: &str) -> Option<&FanReport> {
        self.fans.iter().find(|f| f.key == key)
    }

    /// The histogram of metric `key`.
    pub fn histogram(&self, key: &str) -> Option<&Histogram> {
        self.histograms.iter().find(|h| h.key == key)
    }
}

fn fund_info(scenario: &Scenario) -> FundInfo {
    FundInfo {
        size_cny_m: scenario.fund.size_cny_m,
        direct_budget_cny_m: scenario.direct.budget_cny_m,
        subfund_commitments_cny_m: scenario.subfund_commitments_cny_m(),
        fields: scenario
            .fields
            .iter()
            .map(|f| FieldInfo { key: f.key.clone(), label: f.label.clone(), label_zh: f.label_zh.clone(), tier: f.tier.key().to_string() })
            .collect(),
        subfunds: scenario
            .subfunds
            .iter()
            .map(|s| SubFundInfo {
                key: s.key.clone(),
                label: s.label.clone(),
                commitment_cny_m: s.commitment_cny_m,
                fund_share: s.fund_share,
                vintage: scenario.calendar.quarter(s.vintage).to_string(),
                local_requirement: s.local_requirement,
            })
            .collect(),
    }
}

/// The paths where `values` has no finite value, by the reason `undefined` gives, most paths
/// first (ties in the order first met); `companion` is the column `undefined` names (empty if
/// none).
pub fn excluded(values: &[f64], undefined: &Undefined, companion: &[f64]) -> Vec<Excluded> {
    let mut tally: Vec<Excluded> = Vec::new();
    for (path, value) in values.iter().enumerate() {
        if value.is_finite() {
            continue;
        }
        let other = companion.get(path).copied();
        let reason = match undefined {
            Undefined::Never => NOT_FINITE,
            Undefined::WhereZero { reason, otherwise, .. } => {
                if other == Some(0.0) {
                    reason
                } else {
                    otherwise
                }
            }
            Undefined::Irr { .. } => match other {
                Some(2.0) => NO_SIGN_CHANGE,
                Some(3.0) => NO_RATE_FOUND,
                _ => NOT_FINITE,
            },
            Undefined::Because(reason) => reason,
        };
        match tally.iter_mut().find(|e| e.reason == reason) {
            Some(entry) => entry.paths += 1,
            None => tally.push(Excluded { paths: 1, reason: reason.to_string() }),
        }
    }
    tally.sort_by_key(|e| std::cmp::Reverse(e.paths));
    tally
}

/// A histogram over the range P0.5–P99.5 of the finite values (so one extreme path does not
/// squash the picture), with what falls outside counted in `below`/`above`.
pub fn histogram(key: &str, values: &[f64]) -> Histogram {
    let finite = sorted_finite(values);
    let missing = (values.len() - finite.len()) as u64;
    let (lo, hi) = match (finite.first(), finite.last()) {
        (Some(_), Some(_)) => {
            let lo = crate::stats::summary::quantile_sorted(&finite, 0.005);
            let hi = crate::stats::summary::quantile_sorted(&finite, 0.995);
            if hi > lo { (lo, hi) } else { (lo - 0.5, lo + 0.5) }
        }
        _ => (0.0, 1.0),
    };
    let width = (hi - lo) / HISTOGRAM_BINS as f64;
    let edges = (0..=HISTOGRAM_BINS).map(|i| lo + width * i as f64).collect();
    let mut counts = vec![0u64; HISTOGRAM_BINS];
    let (mut below, mut above) = (0, 0);
    for &x in &finite {
        if x < lo {
            below += 1;
        } else if x > hi {
            above += 1;
        } else {
            let bin = (((x - lo) / width) as usize).min(HISTOGRAM_BINS - 1);
            counts[bin] += 1;
        }
    }
    Histogram { key: key.to_string(), edges, counts, below, above, missing }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{RunOptions, Stopping, run};

    fn excluded_by(paths: usize, reason: &str) -> Excluded {
        Excluded { paths, reason: reason.to_string() }
    }

    /// A fund that pays nothing in on some paths: its multiples and IRR are left out there,
    /// and the report says on how many paths and why, never silently.
    #[test]
    fn paths_without_a_value_are_counted_with_their_reason() {
        let scenario = crate::testing::idle_on_some_paths();
        let paths = 200;
        let options = RunOptions { seed: 2, stopping: Stopping::Paths(paths), threads: Some(1) };
        let results = run(&scenario, &options, &mut |_| {}, None).unwrap();
        let report = Report::build(&scenario, &results).unwrap();
        let paid_in = results.column("fund_paid_in_cny_m").unwrap().unwrap();
        let idle = paid_in.iter().filter(|&&x| x == 0.0).count();
        assert!(idle > 20 && idle < 180, "{idle} of {paths} paths pay nothing in");
        for key in ["fund_tvpi", "fund_dpi", "fund_rvpi", "direct_tvpi"] {
            let m = report.metric(key).unwrap();
            assert_eq!((m.summary.n, m.summary.missing), (200 - idle, idle), "{key}");
            assert_eq!(m.excluded, [excluded_by(idle, "paid nothing in")], "{key}");
            assert_eq!(m.irr_outcomes, None, "{key}");
        }
        let tvpi = report.metric("fund_tvpi").unwrap();
        assert_eq!(tvpi.probability_below_one.map(|p| p.n), Some(200 - idle), "P(TVPI < 1) over the paths with a TVPI");
        let subfunds = report.metric("subfunds_tvpi").unwrap();
        assert_eq!(subfunds.excluded, [excluded_by(200, "paid nothing in")], "no sub-funds: every path");

        let irr = report.metric("fund_irr").unwrap();
        let outcomes = irr.irr_outcomes.unwrap();
        let flags = results.column("fund_irr_flag").unwrap().unwrap();
        assert_eq!(outcomes, IrrOutcomes::of(&flags));
        assert_eq!(outcomes.unique + outcomes.several_roots + outcomes.no_sign_change + outcomes.not_found, 200);
        assert!(outcomes.no_sign_change >= idle, "{outcomes:?}");
        assert_eq!(irr.summary.missing, outcomes.no_sign_change + outcomes.not_found);
        let mut reasons = vec![excluded_by(outcomes.no_sign_change, NO_SIGN_CHANGE), excluded_by(outcomes.not_found, NO_RATE_FOUND)];
        reasons.retain(|e| e.paths > 0);
        assert_eq!(irr.excluded, reasons);
        let leverage = report.metric("leverage").unwrap();
        assert_eq!(leverage.excluded, [excluded_by(200, "had no sub-fund commitments")]);

        let json = serde_json::to_value(&report).unwrap();
        let fund_tvpi = json["metrics"].as_array().unwrap().iter().find(|m| m["key"] == "fund_tvpi").unwrap();
        assert_eq!(fund_tvpi["excluded"], serde_json::json!([{ "paths": idle, "reason": "paid nothing in" }]));
        assert_eq!(fund_tvpi["summary"]["n"], 200 - idle);
    }

    #[test]
    fn every_reason_is_tallied_most_paths_first() {
        let nan = f64::NAN;
        let zero_paid_in = Undefined::WhereZero { column: "paid_in".into(), reason: "paid nothing in", otherwise: NOT_FINITE };
        let values = [1.0, nan, nan, f64::INFINITY, nan, 2.0];
        let paid_in = [5.0, 0.0, 3.0, 4.0, 0.0, 1.0];
        assert_eq!(excluded(&values, &zero_paid_in, &paid_in), [excluded_by(2, "paid nothing in"), excluded_by(2, NOT_FINITE)]);
        let flags = [0.0, 2.0, 3.0, 3.0, 1.0, 0.0];
        let irr = Undefined::Irr { flag: "flag".into() };
        assert_eq!(excluded(&values, &irr, &flags), [excluded_by(2, NO_RATE_FOUND), excluded_by(1, NO_SIGN_CHANGE), excluded_by(1, NOT_FINITE)]);
        assert_eq!(excluded(&values, &Undefined::Because("had no sub-funds"), &[]), [excluded_by(4, "had no sub-funds")]);
        assert_eq!(excluded(&values, &Undefined::Never, &[]), [excluded_by(4, NOT_FINITE)]);
        assert!(excluded(&[1.0, 2.0], &Undefined::Never, &[]).is_empty());
        assert_eq!(IrrOutcomes::of(&flags), IrrOutcomes { unique: 2, several_roots: 1, no_sign_change: 1, not_found: 2 });
    }

    /// A summary written before the reasons were kept still reads.
    #[test]
    fn a_summary_without_reasons_reads_back() {
        let scenario = crate::testing::base();
        let options = RunOptions { seed: 1, stopping: Stopping::Paths(20), threads: Some(1) };
        let report = Report::build(&scenario, &run(&scenario, &options, &mut |_| {}, None).unwrap()).unwrap();
        let mut json = serde_json::to_value(&report).unwrap();
        for metric in json["metrics"].as_array_mut().unwrap() {
            let metric = metric.as_object_mut().unwrap();
            metric.remove("excluded");
            metric.remove("irr_outcomes");
        }
        let back: Report = serde_json::from_value(json).unwrap();
        assert_eq!(back.metric("fund_irr").unwrap().irr_outcomes, None);
        assert!(back.metrics.iter().all(|m| m.excluded.is_empty()));
    }

    /// Every rendering prints the control-variate mean where a metric has one, the plain
    /// summary otherwise, and an IRR's mean without an interval.
    #[test]
    fn the_printed_summary_takes_the_control_variate_mean() {
        let scenario = crate::testing::base();
        let options = RunOptions { seed: 3, stopping: Stopping::Paths(400), threads: Some(1) };
        let report = Report::build(&scenario, &run(&scenario, &options, &mut |_| {}, None).unwrap()).unwrap();
        let tvpi = report.metric("fund_tvpi").unwrap();
        let estimate = tvpi.mean_estimate.unwrap();
        assert_eq!(estimate.method, control::Method::ControlVariates);
        let printed = tvpi.summary_as_printed();
        assert_eq!((printed.mean, printed.std_error, printed.mean_ci95), (estimate.estimate, estimate.std_error, estimate.ci95));
        assert_ne!(printed.mean, tvpi.summary.mean);
        assert_eq!(printed.quantiles, tvpi.summary.quantiles);
        let irr = report.metric("fund_irr").unwrap();
        let printed = irr.summary_as_printed();
        assert_eq!((printed.mean, &printed.quantiles), (irr.summary.mean, &irr.summary.quantiles));
        assert!(irr.summary.std_error.is_nan() && irr.summary.mean_ci95.0.is_nan() && irr.summary.mean.is_finite());
        let median = irr.summary.quantile(0.5).unwrap();
        assert!(median.lower < median.value && median.value < median.upper);
    }

    #[test]
    fn the_forecast_is_the_same_on_any_thread_count() {
        let s = crate::scenario::load(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/as_of_2025q4.toml")).unwrap();
        let report = |threads| {
            let options = RunOptions { seed: 4, stopping: Stopping::Paths(300), threads: Some(threads) };
            let results = run(&s, &options, &mut |_| {}, None).unwrap();
            serde_json::to_string(&Report::build(&s, &results).unwrap()).unwrap()
        };
        assert_eq!(report(1), report(2));
    }

    /// An as-of quarter before anything was invested, with an empty book, reports what the plan
    /// reports, byte for byte.
    #[test]
    fn an_empty_book_at_the_first_quarter_reports_the_plan() {
        let plan = crate::testing::base();
        let s = crate::testing::empty_book_at_first_quarter(&plan);
        let report = |scenario: &Scenario| {
            let options = RunOptions { seed: 8, stopping: Stopping::Paths(200), threads: Some(2) };
            let results = run(scenario, &options, &mut |_| {}, None).unwrap();
            serde_json::to_string(&Report::build(scenario, &results).unwrap()).unwrap()
        };
        assert_eq!(report(&plan), report(&s));
    }
}
