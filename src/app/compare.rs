//! `fifsim compare`: run scenarios on common random numbers and publish `compare.json`,
//! `compare.csv`, `compare_curves.json` (what the overlay charts draw, so `fifsim chart` redraws
//! them) and the overlay charts ([`crate::analysis::compare`]).

use std::path::{Path, PathBuf};

use super::AppError;
use super::decision::{Files, default_dir, write, write_json};
use super::publish::{Documents, Pending, stage};
use crate::analysis::compare::{self, Compared};
use crate::charts::ChartError;
use crate::engine::RunOptions;
use crate::output::{Command, Staging};
use crate::report::document::{self, Document};
use crate::report::export::compare_csv;
use crate::scenario::Scenario;

/// The comparison, as JSON.
pub const COMPARE_JSON: &str = "compare.json";
/// `fifsim compare`, as its folders' manifests name it.
pub const COMMAND: Command = Command { name: "compare", marker: COMPARE_JSON };
/// The comparison in long format.
pub const COMPARE_CSV: &str = "compare.csv";
/// What the overlay charts draw of each scenario: its TVPI quantiles and J-curve.
pub const COMPARE_CURVES_JSON: &str = "compare_curves.json";
/// Paths per scenario by default: as `fifsim run`, so the first scenario's levels are the numbers
/// `run` prints for it; two scenarios take a few seconds.
pub const DEFAULT_PATHS: u64 = 10_000;

/// `results/compare-<a>-vs-<b>[-vs-<c>…]`.
pub fn default_results_dir(scenarios: &[Scenario]) -> PathBuf {
    let names: Vec<&str> = scenarios.iter().map(|s| s.name.as_str()).collect();
    default_dir(&format!("compare-{}", names.join("-vs-")))
}

/// Runs `scenarios` and writes the comparison into a staging folder for `out` (checked before
/// anything is simulated).
///
/// # Errors
/// [`AppError::Output`] for a refused folder, [`AppError::Analysis`], [`AppError::Export`].
pub fn compare(scenarios: &[Scenario], options: &RunOptions, out: &Path, force: bool, progress: &mut dyn FnMut(u64)) -> Result<Pending<Compared>, AppError> {
    let staging = stage(out, force, COMMAND)?;
    let compared = compare::run(scenarios, options, progress)?;
    write_compared(compared, staging)
}

/// Writes `compared`'s JSON and CSV files into `staging`; the charts are drawn on publishing.
///
/// # Errors
/// [`AppError::Export`].
pub(super) fn write_compared(compared: Compared, staging: Staging) -> Result<Pending<Compared>, AppError> {
    let files = Files {
        json: COMPARE_JSON,
        to_json: |c: &Compared| &c.comparison,
        csv: COMPARE_CSV,
        to_csv: |c| compare_csv::to_csv(&c.comparison),
    };
    let curves = write_json(staging.dir(), COMPARE_CURVES_JSON, &compared.curves)?;
    Ok(write(compared, staging, files)?.with_file(curves))
}

impl Documents for Compared {
    fn draw_charts(&self, dir: &Path) -> Result<Vec<PathBuf>, ChartError> {
        crate::charts::compare_charts(&self.comparison, &self.curves, dir)
    }

    fn document(&self) -> Document {
        document::decision::compare(&self.comparison, &self.curves)
    }
}
