//! What the charts read from a [`Report`]: metrics as a [`Spread`], fans as P5…P95 rows, and the
//! calendar of the x axis. A report lacking something is a [`Failure::Missing`].

use crate::calendar::Quarter;
use crate::engine::FanReport;
use crate::report::{Histogram, MetricReport, Report};
use crate::stats::summary::Summary;

use super::render::{Drawn, Failure};

/// The report of metric `key`.
pub(crate) fn metric<'a>(report: &'a Report, key: &str) -> Drawn<&'a MetricReport> {
    report.metric(key).ok_or_else(|| Failure::Missing(format!("metric `{key}`")))
}

/// The histogram of metric `key`.
pub(crate) fn histogram<'a>(report: &'a Report, key: &str) -> Drawn<&'a Histogram> {
    let histogram = report.histogram(key).ok_or_else(|| Failure::Missing(format!("histogram `{key}`")))?;
    let ordered = histogram.edges.windows(2).all(|w| w[0] < w[1]) && histogram.edges.iter().all(|e| e.is_finite());
    if histogram.counts.is_empty() || histogram.edges.len() != histogram.counts.len() + 1 || !ordered {
        return Err(Failure::Missing(format!("well-formed histogram `{key}` (finite, increasing edges, one more than counts)")));
    }
    Ok(histogram)
}

/// How a metric is spread across paths: mean (with its Monte Carlo 95 % CI) and quantiles.
/// Undefined statistics (no finite value) are `NaN`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Spread {
    pub mean: f64,
    pub mean_ci95: (f64, f64),
    /// The median's order-statistic 95% interval.
    pub p50_ci95: (f64, f64),
    pub p5: f64,
    pub p25: f64,
    pub p50: f64,
    pub p75: f64,
    pub p95: f64,
    /// Paths with a value, and without one.
    pub n: usize,
    pub missing: usize,
}

impl Spread {
    pub(crate) fn of(summary: &Summary) -> Spread {
        let q = |p: f64| summary.quantile(p).map_or(f64::NAN, |q| q.value);
        Spread {
            mean: summary.mean,
            mean_ci95: summary.mean_ci95,
            p50_ci95: summary.quantile(0.5).map_or((f64::NAN, f64::NAN), |q| (q.lower, q.upper)),
            p5: q(0.05),
            p25: q(0.25),
            p50: q(0.50),
            p75: q(0.75),
            p95: q(0.95),
            n: summary.n,
            missing: summary.missing,
        }
    }

    /// Every value multiplied by `factor` (e.g. 1/1000 for CNY m → bn).
    pub(crate) fn scaled(self, factor: f64) -> Spread {
        Spread {
            mean: self.mean * factor,
            mean_ci95: (self.mean_ci95.0 * factor, self.mean_ci95.1 * factor),
            p50_ci95: (self.p50_ci95.0 * factor, self.p50_ci95.1 * factor),
            p5: self.p5 * factor,
            p25: self.p25 * factor,
            p50: self.p50 * factor,
            p75: self.p75 * factor,
            p95: self.p95 * factor,
            ..self
        }
    }

    /// Smallest and largest value drawn (P5, P95 and the mean), ignoring undefined ones.
    pub(crate) fn extent(&self) -> Option<(f64, f64)> {
        finite_extent([self.p5, self.p95, self.mean, self.p50])
    }
}

/// The spread of metric `key`.
pub(crate) fn spread(report: &Report, key: &str) -> Drawn<Spread> {
    metric(report, key).map(|m| Spread::of(&m.summary_as_printed()))
}

/// Smallest and largest finite value, if any.
pub(crate) fn finite_extent(values: impl IntoIterator<Item = f64>) -> Option<(f64, f64)> {
    values.into_iter().filter(|v| v.is_finite()).fold(None, |acc, v| match acc {
        None => Some((v, v)),
        Some((lo, hi)) => Some((f64::min(lo, v), f64::max(hi, v))),
    })
}

/// A fan's five quantile rows P5, P25, P50, P75, P95, each one value per quarter.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct FanView {
    pub rows: [Vec<f64>; 5],
}

impl FanView {
    pub(crate) fn p5(&self) -> &[f64] {
        &self.rows[0]
    }
    pub(crate) fn p25(&self) -> &[f64] {
        &self.rows[1]
    }
    pub(crate) fn p50(&self) -> &[f64] {
        &self.rows[2]
    }
    pub(crate) fn p75(&self) -> &[f64] {
        &self.rows[3]
    }
    pub(crate) fn p95(&self) -> &[f64] {
        &self.rows[4]
    }
    pub(crate) fn quarters(&self) -> usize {
        self.rows[2].len()
    }
}

/// Fan `key` with every value multiplied by `factor`.
pub(crate) fn fan(report: &Report, key: &str, factor: f64) -> Drawn<FanView> {
    let fan: &FanReport = report.fan(key).ok_or_else(|| Failure::Missing(format!("fan `{key}`")))?;
    fan_view(fan, factor)
}

/// `fan` with every value multiplied by `factor`.
pub(crate) fn fan_view(fan: &FanReport, factor: f64) -> Drawn<FanView> {
    let key = &fan.key;
    let row = |p: f64| -> Drawn<Vec<f64>> {
        let k =
            fan.probabilities.iter().position(|&q| (q - p).abs() < 1e-9).ok_or_else(|| Failure::Missing(format!("P{:.0} row in fan `{key}`", p * 100.0)))?;
        let values = fan.values.get(k).ok_or_else(|| Failure::Missing(format!("values of P{:.0} in fan `{key}`", p * 100.0)))?;
        Ok(values.iter().map(|v| v * factor).collect())
    };
    let rows = [row(0.05)?, row(0.25)?, row(0.50)?, row(0.75)?, row(0.95)?];
    if rows[2].len() < 2 || rows.iter().any(|r| r.len() != rows[2].len()) {
        return Err(Failure::Missing(format!("fan `{key}` with at least two quarters in every row")));
    }
    Ok(FanView { rows })
}

/// The calendar of a run: quarter 0 is the first close.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct TimeAxis {
    pub start: Quarter,
}

impl TimeAxis {
    pub(crate) fn of(report: &Report) -> Drawn<TimeAxis> {
        let start = report
            .provenance
            .start_quarter
            .parse()
            .map_err(|_| Failure::Missing(format!("valid start quarter (got {:?})", report.provenance.start_quarter)))?;
        Ok(TimeAxis { start })
    }

    /// Position of quarter `t` on a calendar-year axis: 2024Q3 is 2024.5.
    pub(crate) fn x(&self, t: f64) -> f64 {
        f64::from(self.start.year) + f64::from(self.start.quarter - 1) / 4.0 + t / 4.0
    }

    /// Calendar label of quarter `t`, e.g. "2030Q1".
    pub(crate) fn label(&self, t: f64) -> String {
        if t.is_finite() && t >= 0.0 { self.start.plus(t.round() as usize).to_string() } else { "n/a".to_string() }
    }
}
