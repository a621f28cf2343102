//! `fifsim sensitivity`: one-at-a-time shocks on common random numbers, published as
//! `sensitivity.json`, `sensitivity.csv` and `tornado.png` ([`crate::analysis::sensitivity`]).

use std::path::{Path, PathBuf};

use super::AppError;
use super::decision::{Files, default_dir, write};
use super::publish::{Documents, Pending, stage};
use crate::analysis::sensitivity::{self, Sensitivity};
use crate::charts::ChartError;
use crate::engine::RunOptions;
use crate::output::{Command, Staging};
use crate::report::document::{self, Document};
use crate::report::export::sensitivity_csv;
use crate::scenario::Scenario;

/// The effects, as JSON.
pub const SENSITIVITY_JSON: &str = "sensitivity.json";
/// `fifsim sensitivity`, as its folders' manifests name it.
pub const COMMAND: Command = Command { name: "sensitivity", marker: SENSITIVITY_JSON };
/// The effects, one row per shock and direction.
pub const SENSITIVITY_CSV: &str = "sensitivity.csv";
/// Paths per run by default: 31 runs of the base scenario (124,000 paths) take seconds; every
/// effect is paired, so its interval is far narrower than 4,000 paths suggest.
pub const DEFAULT_PATHS: u64 = 4_000;

/// `results/sensitivity-<scenario file stem>`.
pub fn default_results_dir(scenario: &Scenario) -> PathBuf {
    default_dir(&format!("sensitivity-{}", super::run::file_stem(scenario)))
}

/// Runs the base and every shock, and writes the results into a staging folder for `out`.
///
/// # Errors
/// [`AppError::Output`] for a refused folder, [`AppError::Analysis`], [`AppError::Export`].
pub fn sensitivity(scenario: &Scenario, options: &RunOptions, out: &Path, force: bool, progress: &mut dyn FnMut(u64)) -> Result<Pending<Sensitivity>, AppError> {
    let staging = stage(out, force, COMMAND)?;
    write_sensitivity(sensitivity::run(scenario, options, progress)?, staging)
}

/// Writes `result`'s JSON and CSV files into `staging`; the chart is drawn on publishing.
///
/// # Errors
/// [`AppError::Export`].
pub(super) fn write_sensitivity(result: Sensitivity, staging: Staging) -> Result<Pending<Sensitivity>, AppError> {
    let files = Files {
        json: SENSITIVITY_JSON,
        to_json: |s: &Sensitivity| s,
        csv: SENSITIVITY_CSV,
        to_csv: sensitivity_csv::to_csv,
    };
    write(result, staging, files)
}

impl Documents for Sensitivity {
    fn draw_charts(&self, dir: &Path) -> Result<Vec<PathBuf>, ChartError> {
        Ok(vec![crate::charts::tornado(self, dir)?])
    }

    fn document(&self) -> Document {
        document::decision::sensitivity(self)
    }
}
