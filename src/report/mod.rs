//! The results of a run as analysts read them: one [`Report`] built from the engine's
//! [`RunResults`], written as `summary.json` and read back by `fifsim chart`.
//!
//! Everything an output shows comes from here — the terminal table ([`table`]), the JSON and
//! CSV files ([`export`]) and the charts (`crate::charts`) — so they never disagree. The report
//! carries its provenance (scenario, seed, paths, crate version) and no wall-clock time, so the
//! same scenario and seed give byte-identical files.

pub mod export;
pub mod table;

use serde::{Deserialize, Serialize};

use crate::engine::{EngineError, RunResults};
use crate::metrics::path::{Group, SERIES, Unit};
use crate::scenario::Scenario;
use crate::stats::summary::{Proportion, STANDARD_PROBABILITIES, Summary, probability_below, sorted_finite};

/// Bins of the histograms kept for distribution charts.
pub const HISTOGRAM_BINS: usize = 60;

/// Metrics whose full distribution is kept as a histogram.
pub const HISTOGRAM_METRICS: [&str; 4] = ["fund_tvpi", "fund_irr", "direct_tvpi", "subfunds_tvpi"];

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

/// A quarterly fan: quantiles of a series at each quarter, across paths.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FanReport {
    pub key: String,
    pub label: String,
    pub unit: Unit,
    /// Calendar label of each quarter, "2024Q3"...
    pub quarters: Vec<String>,
    /// Probabilities of the rows of `values` (P5, P25, P50, P75, P95).
    pub probabilities: Vec<f64>,
    /// `values[k][t]`: the `probabilities[k]` quantile at quarter `t`.
    #[serde(deserialize_with = "crate::stats::nan::deserialize")]
    pub values: Vec<Vec<f64>>,
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
}

impl Report {
    /// Summarises `results` of a run of `scenario`, reading one metric's values at a time.
    ///
    /// # Errors
    /// If the per-path values cannot be read back ([`RunResults::column`]).
    pub fn build(scenario: &Scenario, results: &RunResults) -> Result<Report, EngineError> {
        // Each metric's values are read once: its summary, and its histogram if it has one.
        let summarised = results.map_columns(|index, values| {
            let def = &results.schema.metrics[index];
            let histogram = HISTOGRAM_METRICS.iter().position(|&key| key == def.key).map(|slot| (slot, histogram(&def.key, &values)));
            let metric = MetricReport {
                key: def.key.clone(),
                label: def.label.clone(),
                group: def.group,
                unit: def.unit,
                summary: Summary::of(&values),
                probability_below_one: (def.unit == Unit::Multiple).then(|| probability_below(&values, 1.0)),
            };
            (metric, histogram)
        })?;
        let mut histograms: [Option<Histogram>; HISTOGRAM_METRICS.len()] = Default::default();
        let mut metrics = Vec::with_capacity(summarised.len());
        for (metric, histogram) in summarised {
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
            .map(|(&(key, label, unit), fan)| FanReport {
                key: key.to_string(),
                label: label.to_string(),
                unit,
                quarters: quarters.clone(),
                probabilities: STANDARD_PROBABILITIES.to_vec(),
                values: STANDARD_PROBABILITIES.iter().map(|&p| fan.quantiles(p)).collect(),
            })
            .collect();
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
