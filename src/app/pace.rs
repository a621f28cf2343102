//! `fifsim pace`: commitment schedules for the capacity not yet committed, searched on common
//! random numbers against the city's funding plan ([`crate::analysis::pace`]), published as
//! `pace.json`, `pace.csv` and `pace.png`.

use std::path::{Path, PathBuf};

use super::AppError;
use super::decision::{Files, default_dir, write};
use super::publish::{Documents, Pending, stage};
use crate::analysis::pace::{self, Pace, Target};
use crate::engine::RunOptions;
use crate::charts::ChartError;
use crate::output::Command;
use crate::report::document::{self, Document};
use crate::report::export::pace_csv;
use crate::scenario::Scenario;

/// The search, as JSON.
pub const PACE_JSON: &str = "pace.json";
/// `fifsim pace`, as its folders' manifests name it.
pub const COMMAND: Command = Command { name: "pace", marker: PACE_JSON };
/// One row per candidate schedule.
pub const PACE_CSV: &str = "pace.csv";
/// Paths per candidate by default: six candidates of the base scenario take a few seconds.
pub const DEFAULT_PATHS: u64 = 2_000;

/// `results/pace-<scenario file stem>`.
pub fn default_results_dir(scenario: &Scenario) -> PathBuf {
    default_dir(&format!("pace-{}", super::run::file_stem(scenario)))
}

/// Runs the search and writes it into a staging folder for `out`.
///
/// # Errors
/// [`AppError::Output`] for a refused folder, [`AppError::Analysis`] (also for a scenario without
/// a funding plan or a target outside the fund's life, before anything is simulated),
/// [`AppError::Export`].
pub fn pace(
    scenario: &Scenario,
    target: Target,
    options: &RunOptions,
    out: &Path,
    force: bool,
    progress: &mut dyn FnMut(u64),
) -> Result<Pending<Pace>, AppError> {
    let staging = stage(out, force, COMMAND)?;
    let result = pace::run(scenario, target, options, progress)?;
    let files = Files { json: PACE_JSON, to_json: |p: &Pace| p, csv: PACE_CSV, to_csv: pace_csv::to_csv };
    write(result, staging, files)
}

impl Documents for Pace {
    fn draw_charts(&self, dir: &Path) -> Result<Vec<PathBuf>, ChartError> {
        Ok(vec![crate::charts::pace(self, dir)?])
    }

    fn document(&self) -> Document {
        document::decision::pace(self)
    }
}
