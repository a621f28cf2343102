//! `fifsim frontier`: the allocation sweep on common random numbers, published as
//! `frontier.json`, `frontier.csv` and `frontier.png` ([`crate::analysis::frontier`]).

use std::path::{Path, PathBuf};

use super::AppError;
use super::decision::{Files, default_dir, write};
use super::publish::{Documents, Pending, stage};
use crate::analysis::frontier::{self, Frontier};
use crate::charts::ChartError;
use crate::engine::RunOptions;
use crate::output::{Command, Staging};
use crate::report::document::{self, Document};
use crate::report::export::frontier_csv;
use crate::scenario::Scenario;

/// The sweep, as JSON.
pub const FRONTIER_JSON: &str = "frontier.json";
/// `fifsim frontier`, as its folders' manifests name it.
pub const COMMAND: Command = Command { name: "frontier", marker: FRONTIER_JSON };
/// One row per allocation.
pub const FRONTIER_CSV: &str = "frontier.csv";
/// Paths per allocation by default: 61 allocations of the base scenario (122,000 paths) take
/// 15–35 s on two cores. All share their random numbers, so their ranking is sharper than each point's
/// own interval.
pub const DEFAULT_PATHS: u64 = 2_000;

/// `results/frontier-<scenario file stem>`.
pub fn default_results_dir(scenario: &Scenario) -> PathBuf {
    default_dir(&format!("frontier-{}", super::run::file_stem(scenario)))
}

/// Runs the sweep and writes it into a staging folder for `out`.
///
/// # Errors
/// [`AppError::Output`] for a refused folder, [`AppError::Analysis`] (also for a grid the
/// scenario cannot take, before anything is simulated), [`AppError::Export`].
pub fn frontier(
    scenario: &Scenario,
    direct_shares: &[f64],
    divisions: usize,
    options: &RunOptions,
    out: &Path,
    force: bool,
    progress: &mut dyn FnMut(u64),
) -> Result<Pending<Frontier>, AppError> {
    let staging = stage(out, force, COMMAND)?;
    write_frontier(frontier::run(scenario, direct_shares, divisions, options, progress)?, staging)
}

/// Writes `result`'s JSON and CSV files into `staging`; the chart is drawn on publishing.
///
/// # Errors
/// [`AppError::Export`].
pub(super) fn write_frontier(result: Frontier, staging: Staging) -> Result<Pending<Frontier>, AppError> {
    let files = Files {
        json: FRONTIER_JSON,
        to_json: |f: &Frontier| f,
        csv: FRONTIER_CSV,
        to_csv: frontier_csv::to_csv,
    };
    write(result, staging, files)
}

impl Documents for Frontier {
    fn draw_charts(&self, dir: &Path) -> Result<Vec<PathBuf>, ChartError> {
        Ok(vec![crate::charts::frontier(self, dir)?])
    }

    fn document(&self) -> Document {
        document::decision::frontier(self)
    }
}

/// Allocations the sweep will run (the grid and the scenario as it is), for progress.
pub fn runs(direct_shares: &[f64], divisions: usize) -> usize {
    frontier::grid(direct_shares, divisions).len() + 1
}
