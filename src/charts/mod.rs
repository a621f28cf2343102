//! PNG charts of a [`Report`], the pictures analysts and the investment committee see first.
//!
//! Every chart is drawn from the report alone (it is what `summary.json` holds, so
//! `fifsim chart RESULTS_DIR` redraws the same pictures without re-running anything):
//!
//! | file | question it answers |
//! |---|---|
//! | `jcurve.png` | How deep is the fund's cash need, when is it deepest, when is it paid back? |
//! | `nav_dpi.png` | How does value build up (NAV) and when does cash come back (DPI)? |
//! | `distribution.png` | How likely is a loss, and how wide is the range of TVPI and IRR? |
//! | `value_by_field.png` | Which fields and tiers create the value; direct vs sub-fund sleeve? |
//! | `subfund_dispersion.png` | How much do outcomes differ between the 18 sub-funds (manager risk)? |
//! | `policy.png` | Companies backed, capital mobilised, local reinvestment, cost of concessions. |
//! | `liquidity.png` | With a funding plan: what the fund calls each year against the plan, how likely a shortfall is, the idle cash. |
//! | `scorecard.png` | What grade will the evaluators likely give each year (绩效评价)? |
//!
//! Every interval drawn is labelled: fans and whiskers are P5–P95 (and boxes P25–P75) of the
//! simulated paths, i.e. the spread of outcomes, not the Monte Carlo error of an estimate;
//! where the Monte Carlo error of a mean or probability matters it is quoted as a 95 % CI.
//!
//! Text is drawn with DejaVu Sans, embedded in the binary (`assets/fonts/`), so charts render
//! on machines without any font installed. Each file is drawn in memory and written atomically
//! ([`crate::output::write_atomic`]), so a failure never leaves a half-written PNG; every error
//! names the chart file.

mod banner;
mod compare;
mod data;
mod distribution;
mod fan;
mod font;
mod frontier;
mod jcurve;
mod liquidity;
mod nav_dpi;
mod pace;
mod plan_vs_actual;
mod policy;
mod render;
mod rows;
mod scorecard;
mod style;
mod subfund_dispersion;
mod tornado;
mod value_by_field;

#[cfg(test)]
mod tests;

use std::path::{Path, PathBuf};

use crate::report::Report;

pub use compare::{COMPARE_FILES, compare_charts};
pub use distribution::distribution;
pub use frontier::{FRONTIER_FILE, frontier};
pub use jcurve::jcurve;
pub use liquidity::{LIQUIDITY_FILE, liquidity};
pub use nav_dpi::nav_dpi;
pub use pace::{PACE_FILE, pace};
pub use plan_vs_actual::plan_vs_actual;
pub use policy::policy;
pub use scorecard::scorecard;
pub use subfund_dispersion::subfund_dispersion;
pub use tornado::{TORNADO_FILE, tornado};
pub use value_by_field::value_by_field;

/// Width and height of every chart, in pixels.
pub const CHART_SIZE: (u32, u32) = (render::WIDTH, render::HEIGHT);

/// File names of the charts [`draw_all`] writes, in the order it writes them.
pub const CHART_FILES: [&str; 7] = ["jcurve.png", "nav_dpi.png", "distribution.png", "value_by_field.png", "subfund_dispersion.png", "policy.png", scorecard::FILE];

/// Why a chart could not be drawn or saved. Every variant names the chart file.
#[derive(Debug, thiserror::Error)]
pub enum ChartError {
    /// The report lacks something the chart needs (e.g. a `summary.json` from another version).
    #[error("{}: the report has no {what}", file.display())]
    MissingData { file: PathBuf, what: String },
    /// Drawing failed (a plotting-library error).
    #[error("{}: drawing failed: {message}", file.display())]
    Draw { file: PathBuf, message: String },
    /// The image could not be written (e.g. the folder does not exist or is not writable, or
    /// the disk is full); the message names the file.
    #[error("{source}")]
    Save { file: PathBuf, source: crate::output::OutputError },
    /// The embedded font could not be loaded (a build defect, not a user error).
    #[error("{}: the embedded chart font could not be loaded", file.display())]
    Font { file: PathBuf },
}

impl ChartError {
    /// The chart file the error concerns.
    pub fn file(&self) -> &Path {
        match self {
            ChartError::MissingData { file, .. }
            | ChartError::Draw { file, .. }
            | ChartError::Save { file, .. }
            | ChartError::Font { file } => file,
        }
    }
}

/// A function drawing one chart of a report into a folder.
type Chart = fn(&Report, &Path) -> Result<PathBuf, ChartError>;

/// Draws every chart of `report` into the existing directory `dir` and returns the files
/// written, in the order of [`CHART_FILES`] (`scorecard.png` only when the report has a
/// scorecard: a summary from an earlier version has none), then [`LIQUIDITY_FILE`] for a report
/// with a funding plan and `plan_vs_actual.png` for a run with actuals. Existing files of the
/// same names are replaced.
///
/// # Errors
/// The first chart that fails stops the run (charts already written stay); see
/// [`ChartError`].
pub fn draw_all(report: &Report, dir: &Path) -> Result<Vec<PathBuf>, ChartError> {
    let charts: [Chart; 7] = [jcurve, nav_dpi, distribution, value_by_field, subfund_dispersion, policy, scorecard];
    let with_plan: Option<Chart> = report.liquidity.is_some().then_some(liquidity);
    let drawn = if report.scorecard.is_some() { 7 } else { 6 };
    let mut files = charts.iter().take(drawn).chain(&with_plan).map(|chart| chart(report, dir)).collect::<Result<Vec<_>, _>>()?;
    // A run with actuals adds where they sit in the plan's fans.
    if report.plan_vs_actual.is_some() {
        files.push(plan_vs_actual(report, dir)?);
    }
    Ok(files)
}
