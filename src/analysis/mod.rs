//! Decision analysis: what changes when the fund is set up differently, measured on common random
//! numbers (docs/model.md §7).
//!
//! Every scenario here is run with the same master seed. Path *i* of one scenario and path *i* of
//! another then draw from the same streams wherever their structure is shared (the exit market,
//! the field factors, each sub-fund by its key, the direct sleeve, each company by its place in
//! its sleeve — [`crate::rng`]), so their outcomes move together and a difference is measured
//! from per-path differences ([`paired`]), far more precisely than two independent runs would.
//!
//! * [`compare`]: scenarios side by side, with the paired interval of each difference next to the
//!   width an independent-samples interval would have;
//! * [`shocks`] and [`sensitivity`]: one-at-a-time shocks to a scenario, ranked by their effect
//!   on mean fund TVPI (a tornado);
//! * [`allocation`] and [`frontier`]: a sweep over the direct share and the tier split of the
//!   fund's capital, with the efficient set marked;
//! * [`pace`]: schedules for the capacity not yet committed, against the city's funding plan;
//! * [`liquidity`]: the liquidity answers of one run (calls at risk, shortfalls, idle cash), which
//!   `pace` weighs for each schedule and the report shows;
//!
//! Results only: this layer computes them and does not render them; their tables and CSV files
//! are written by the report layer, one exporter per format.

pub mod allocation;
pub mod compare;
pub mod frontier;
pub mod headline;
pub mod liquidity;
pub mod pace;
pub mod paired;
pub mod plan_vs_actual;
pub mod scorecard;
pub mod sensitivity;
pub mod shocks;

use std::path::PathBuf;

use crate::engine::{self, EngineError, RunOptions, RunResults};
use crate::scenario::Scenario;
use crate::scenario::raw::RawScenario;
use headline::Headline;

pub use allocation::AllocationError;

/// Why an analysis failed.
#[derive(Debug, thiserror::Error)]
pub enum AnalysisError {
    /// A run failed (invalid laws in the scenario, threads, …).
    #[error("{}", engine_failure(.scenario, .file, .source))]
    Engine { scenario: String, file: PathBuf, source: EngineError },
    /// A re-allocation asked of the scenario cannot be made.
    #[error("{}: {source}", .file.display())]
    Allocation { file: PathBuf, source: AllocationError },
    /// A shock or re-allocation left a value out of what validation allows; `source` names the
    /// scenario's file and the field.
    #[error("{change}: {source}")]
    InvalidChange { change: String, source: crate::scenario::ScenarioError },
    /// A pacing request pace cannot take (no funding plan, a target outside the fund's life).
    #[error(transparent)]
    Pace(Box<pace::PaceError>),
}

impl AnalysisError {
    /// Whether the user's input is at fault (a scenario or grid the analysis cannot use, or a
    /// change of it that validation refuses).
    pub fn is_input_error(&self) -> bool {
        matches!(self, AnalysisError::Allocation { .. } | AnalysisError::InvalidChange { .. } | AnalysisError::Pace(_))
    }
}

/// `scenario` with `change` made to its raw scenario, validated again: how shocks and
/// re-allocations change a scenario. `what` names the change in errors.
///
/// # Errors
/// [`AnalysisError::Allocation`] when `change` cannot be made, [`AnalysisError::InvalidChange`]
/// when it leaves a value validation refuses.
pub fn changed(scenario: &Scenario, what: String, change: impl FnOnce(&mut RawScenario) -> Result<(), AllocationError>) -> Result<Scenario, AnalysisError> {
    let mut raw = scenario.raw().clone();
    change(&mut raw).map_err(|source| AnalysisError::Allocation { file: scenario.source.clone(), source })?;
    scenario.revalidated(raw).map_err(|source| AnalysisError::InvalidChange { change: what, source })
}

/// Runs `scenario` with `options`; `done` is the number of paths of earlier runs, added to what
/// `progress` is told, so several runs share one progress count.
///
/// # Errors
/// [`AnalysisError::Engine`].
pub(crate) fn simulate(scenario: &Scenario, options: &RunOptions, done: u64, progress: &mut dyn FnMut(u64)) -> Result<RunResults, AnalysisError> {
    engine::run(scenario, options, &mut |paths| progress(done + paths), None).map_err(|source| engine_error(scenario, source))
}

/// Each scenario it is given run with `options`, `progress` told the paths done across all of
/// them: the runs of an analysis made here, not read from elsewhere (e.g. from shards).
pub(crate) fn simulating<'a>(options: &'a RunOptions, progress: &'a mut dyn FnMut(u64)) -> impl FnMut(usize, &Scenario) -> Result<RunResults, AnalysisError> + 'a {
    let mut done = 0;
    move |_, scenario| {
        let results = simulate(scenario, options, done, progress)?;
        done += results.paths;
        Ok(results)
    }
}

/// The per-path values of `measure` in `results`, a run of `scenario`.
///
/// # Errors
/// [`AnalysisError::Engine`] if they cannot be read back.
pub(crate) fn values(measure: &Headline, scenario: &Scenario, results: &RunResults) -> Result<Vec<f64>, AnalysisError> {
    measure.values(results).map_err(|source| engine_error(scenario, source))
}

/// `file: simulating scenario failed: …` for a failure of the model; for a failure to read or
/// write the run's values, the engine's own message, which says what and where.
fn engine_failure(scenario: &str, file: &std::path::Path, source: &EngineError) -> String {
    if source.is_io() { source.to_string() } else { format!("{}: simulating {scenario} failed: {source}", file.display()) }
}

pub(crate) fn engine_error(scenario: &Scenario, source: EngineError) -> AnalysisError {
    AnalysisError::Engine { scenario: scenario.name.clone(), file: scenario.source.clone(), source }
}

/// Where the numbers came from, for every machine-readable output of this module.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Provenance {
    pub tool: String,
    pub version: String,
    pub seed: u64,
    /// Paths of every run.
    pub paths: u64,
    /// Runs made, all on the same seed.
    pub runs: usize,
    pub scenarios: Vec<ScenarioRef>,
    pub method: String,
}

/// A scenario, by name, file and description.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ScenarioRef {
    pub name: String,
    pub file: String,
    pub description: String,
}

impl ScenarioRef {
    pub fn of(scenario: &Scenario) -> ScenarioRef {
        ScenarioRef { name: scenario.name.clone(), file: scenario.source.display().to_string(), description: scenario.description.clone() }
    }
}

impl Provenance {
    pub(crate) fn new(scenarios: &[&Scenario], seed: u64, paths: u64, runs: usize, method: &str) -> Provenance {
        Provenance {
            tool: env!("CARGO_PKG_NAME").to_string(),
            version: env!("CARGO_PKG_VERSION").to_string(),
            seed,
            paths,
            runs,
            scenarios: scenarios.iter().map(|s| ScenarioRef::of(s)).collect(),
            method: method.to_string(),
        }
    }
}
