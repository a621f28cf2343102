//! What each `fifsim` command does, as library functions: the binary (`src/main.rs`) only
//! parses the command line, shows progress, prints, and turns errors into exit codes.
//!
//! * [`run`]: simulate a scenario and publish a results folder (`summary.json`, `paths.csv`,
//!   `quarterly.csv`, charts, `report.xlsx`, `report.html`) safely ([`crate::output::Staging`]).
//! * [`validate`]: check scenario files without simulating.
//! * [`calibrate`]: the model's report card against published targets ([`crate::calibration`]).
//! * [`chart`]: remake the charts, `report.xlsx` and `report.html` of an existing results folder
//!   from its saved results.
//! * [`pace`]: commitment schedules against the city's funding plan ([`crate::analysis::pace`]).
//! * [`compare`], [`sensitivity`], [`frontier`]: decision analysis on common random numbers
//!   ([`crate::analysis`]), each writing its JSON and CSV files ([`decision`]).
//! * [`shard`]: `run --shard k/K` writes one shard of a run; `merge` makes the shards the
//!   results folder of one run ([`crate::shard`]).
//! * [`publish`]: how every command's results folder is staged, given its documents and swapped in.

pub mod calibrate;
pub mod chart;
pub mod compare;
pub mod decision;
pub mod frontier;
pub mod pace;
pub mod publish;
pub mod run;
pub mod sensitivity;
pub mod shard;
pub mod validate;

use std::path::{Path, PathBuf};

use crate::analysis::AnalysisError;
use crate::charts::ChartError;
use crate::engine::EngineError;
use crate::calibration::CalibrationError;
use crate::output::OutputError;
use crate::report::export::ExportError;
use crate::scenario::ScenarioError;
use crate::shard::ShardError;
use crate::shard::set::IncompleteSet;

/// Why a command failed.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error(transparent)]
    Scenario(#[from] ScenarioError),
    #[error(transparent)]
    Output(#[from] OutputError),
    #[error(transparent)]
    Export(#[from] ExportError),
    #[error(transparent)]
    Chart(#[from] ChartError),
    #[error(transparent)]
    Analysis(#[from] AnalysisError),
    #[error(transparent)]
    Shard(#[from] ShardError),
    /// Shard folders given to `fifsim merge` that do not make up one run.
    #[error(transparent)]
    ShardSet(#[from] IncompleteSet),
    /// A run failed: the simulation itself, or the reading or writing of its values (the
    /// message then says which, and where, rather than blaming the scenario file).
    #[error("{}", engine_failure(.file, .source))]
    Engine { file: PathBuf, source: EngineError },
    #[error("{}: calibration failed: {source}", .file.display())]
    Calibration { file: PathBuf, source: CalibrationError },
    /// `fifsim chart` was pointed at something that is not a results folder.
    #[error("{}: {problem}; expected a folder written by `fifsim run`, `compare`, `sensitivity` or `frontier`", .dir.display())]
    NoResults { dir: PathBuf, problem: String },
}

impl AppError {
    /// Whether the user's input is at fault — a scenario file, a results folder that is taken
    /// or missing — rather than the work failing (I/O, simulation, drawing). The binary exits
    /// with 2 for the first, 1 for the second.
    pub fn is_input_error(&self) -> bool {
        match self {
            AppError::Scenario(_) | AppError::NoResults { .. } | AppError::ShardSet(_) => true,
            AppError::Shard(e) => matches!(e, ShardError::Invalid { .. }),
            AppError::Analysis(e) => e.is_input_error(),
            AppError::Output(e) | AppError::Export(ExportError::Output(e)) => e.is_refusal(),
            AppError::Export(ExportError::ReadJson { .. }) => true,
            // The scenario's cheques are far below its budget: validation's limit, met on a path.
            AppError::Engine { source: EngineError::DealLimit { .. }, .. }
            | AppError::Calibration { source: CalibrationError::DealLimit { .. }, .. } => true,
            _ => false,
        }
    }
}

/// `file: simulation failed: …` for a failure of the model on a path; for a failure to read or
/// write the run's values, the engine's own message, which says what and where; for a run
/// refused before it starts (its size, the space or threads it needs), `file: …`.
fn engine_failure(file: &Path, source: &EngineError) -> String {
    if source.is_io() {
        source.to_string()
    } else if source.is_model_failure() {
        format!("{}: simulation failed: {source}", file.display())
    } else {
        format!("{}: {source}", file.display())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::scenario::workload::DealLimitReached;

    #[test]
    fn io_failures_of_a_run_are_not_called_simulation_failures() {
        let file = PathBuf::from("scenarios/base.toml");
        let full = std::io::Error::new(std::io::ErrorKind::StorageFull, "No space left on device");
        let sink = AppError::Engine { file: file.clone(), source: EngineError::Sink(full) }.to_string();
        assert_eq!(sink, "writing per-path rows: No space left on device");
        let refused = AppError::Engine { file: file.clone(), source: EngineError::NoPaths }.to_string();
        assert_eq!(refused, "scenarios/base.toml: a run needs at least one path");
        let limit = DealLimitReached { sleeve: "direct".into(), limit: 7 };
        let model = AppError::Engine { file, source: EngineError::DealLimit { path: 3, source: limit } }.to_string();
        assert!(model.starts_with("scenarios/base.toml: simulation failed: path 3: direct: "), "{model}");
    }
}
