//! The Monte Carlo run: paths in parallel, results reduced in path order (DESIGN.md §7).
//!
//! Paths are simulated in fixed-size chunks. Inside a chunk rayon spreads paths over threads;
//! each path draws only from its own streams ([`crate::rng`]), so its numbers do not depend on
//! which thread ran it. The chunk's rows come back in path order and are appended to the
//! per-metric columns (and handed to a [`PathSink`], e.g. the `paths.csv` writer) one chunk at a
//! time; fans are integer-count sketches, so their merge order does not matter. Hence the same
//! scenario and seed give bit-identical results for any thread count.
//!
//! Memory: the columns hold one `f64` per path and metric; the quarterly series go only into
//! fixed-size sketches ([`crate::stats::sketch::Fan`]), never kept per path.

use rayon::prelude::*;

use crate::metrics::path::{self, SERIES, Schema};
use crate::model::company::LawError;
use crate::model::fund::{PathState, Simulator};
use crate::scenario::Scenario;
use crate::stats::sketch::Fan;
use crate::stats::summary::Summary;

/// Paths simulated between two reductions. Fixed (not derived from the thread count), so
/// `--precision` stops at the same path whatever the machine.
pub const CHUNK: u64 = 2048;

/// Relative accuracy of the fan sketches and the smallest magnitude they resolve (CNY m or ×).
const FAN_ACCURACY: f64 = 0.002;
const FAN_MIN_MAGNITUDE: f64 = 1e-6;

/// How many paths to run.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Stopping {
    /// Exactly this many paths.
    Paths(u64),
    /// Add chunks until the 95% interval of mean fund TVPI is narrower than ±`half_width`,
    /// with at least `min_paths` and at most `max_paths` paths.
    Precision { half_width: f64, min_paths: u64, max_paths: u64 },
}

/// Options of one run.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RunOptions {
    pub seed: u64,
    pub stopping: Stopping,
    /// Worker threads; `None` = all cores.
    pub threads: Option<usize>,
}

/// Receives each chunk's rows, in path order, as soon as the chunk is done.
pub trait PathSink {
    /// `rows[k]` belongs to path `first_path + k`.
    ///
    /// # Errors
    /// Whatever the sink's storage reports.
    fn write_rows(&mut self, first_path: u64, rows: &[Vec<f64>]) -> std::io::Result<()>;
}

/// Why a run failed.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error(transparent)]
    Law(#[from] LawError),
    #[error("could not start {threads} worker threads: {source}")]
    Threads { threads: usize, source: rayon::ThreadPoolBuildError },
    #[error("writing per-path rows: {0}")]
    Sink(#[from] std::io::Error),
    #[error("a run needs at least one path")]
    NoPaths,
}

/// Everything a run produced.
#[derive(Debug, Clone)]
pub struct RunResults {
    pub schema: Schema,
    /// `columns[m][i]` = metric `m` on path `i`.
    pub columns: Vec<Vec<f64>>,
    /// One fan per entry of [`SERIES`].
    pub fans: Vec<Fan>,
    pub paths: u64,
    pub seed: u64,
}

impl RunResults {
    /// The values of metric `key` across paths, in path order.
    pub fn column(&self, key: &str) -> Option<&[f64]> {
        self.schema.index(key).map(|i| self.columns[i].as_slice())
    }

    /// Summary statistics of metric `key`.
    pub fn summary(&self, key: &str) -> Option<Summary> {
        self.column(key).map(Summary::of)
    }
}

/// Runs `scenario`; `progress` is told the number of paths done after every chunk.
///
/// # Errors
/// See [`EngineError`].
pub fn run(scenario: &Scenario, options: &RunOptions, progress: &mut dyn FnMut(u64), mut sink: Option<&mut dyn PathSink>) -> Result<RunResults, EngineError> {
    let simulator = Simulator::new(scenario, options.seed)?;
    let schema = Schema::new(scenario);
    let quarters = scenario.horizon() + 1;
    let mut results = RunResults {
        columns: vec![Vec::new(); schema.len()],
        schema,
        fans: SERIES.iter().map(|_| Fan::new(quarters, FAN_ACCURACY, FAN_MIN_MAGNITUDE)).collect(),
        paths: 0,
        seed: options.seed,
    };
    let pool = thread_pool(options.threads)?;
    let tvpi = results.schema.index("fund_tvpi").unwrap_or(0);
    let target = match options.stopping {
        Stopping::Paths(n) => n,
        Stopping::Precision { max_paths, .. } => max_paths,
    };
    if target == 0 {
        return Err(EngineError::NoPaths);
    }
    while results.paths < target {
        let first = results.paths;
        let last = (first + CHUNK).min(target);
        let chunk = pool.install(|| simulate_chunk(&simulator, first..last, quarters));
        for (fan, chunk_fan) in results.fans.iter_mut().zip(&chunk.fans) {
            fan.merge(chunk_fan);
        }
        for row in &chunk.rows {
            for (column, value) in results.columns.iter_mut().zip(row) {
                column.push(*value);
            }
        }
        if let Some(sink) = sink.as_deref_mut() {
            sink.write_rows(first, &chunk.rows)?;
        }
        results.paths = last;
        progress(last);
        if let Stopping::Precision { half_width, min_paths, .. } = options.stopping {
            let summary = Summary::of(&results.columns[tvpi]);
            if results.paths >= min_paths && 1.96 * summary.std_error < half_width {
                break;
            }
        }
    }
    Ok(results)
}

/// Rows (in path order) and fans of one chunk.
struct Chunk {
    rows: Vec<Vec<f64>>,
    fans: Vec<Fan>,
}

/// Per-thread buffers.
struct Worker {
    state: PathState,
    series: [Vec<f64>; SERIES.len()],
    fans: Vec<Fan>,
}

fn simulate_chunk(simulator: &Simulator<'_>, paths: std::ops::Range<u64>, quarters: usize) -> Chunk {
    let new_fans = || -> Vec<Fan> { SERIES.iter().map(|_| Fan::new(quarters, FAN_ACCURACY, FAN_MIN_MAGNITUDE)).collect() };
    let scenario = simulator.scenario();
    // Each rayon job folds its paths into its own fans and rows; rows carry their path index and
    // are put back in order afterwards, fans are merged (integer counts: order-free).
    let parts: Vec<(Vec<(u64, Vec<f64>)>, Vec<Fan>)> = paths
        .clone()
        .into_par_iter()
        .fold(
            || (Vec::new(), None::<Worker>),
            |(mut rows, worker), i| {
                let mut worker = worker.unwrap_or_else(|| Worker { state: PathState::default(), series: Default::default(), fans: new_fans() });
                simulator.simulate_path(i, &mut worker.state);
                let mut row = Vec::new();
                path::compute(scenario, &worker.state, &mut row);
                path::series(&worker.state, &mut worker.series);
                for (fan, series) in worker.fans.iter_mut().zip(&worker.series) {
                    fan.insert_series(series);
                }
                rows.push((i, row));
                (rows, Some(worker))
            },
        )
        .map(|(rows, worker)| (rows, worker.map(|w| w.fans).unwrap_or_else(new_fans)))
        .collect();
    let mut fans = new_fans();
    let mut rows: Vec<(u64, Vec<f64>)> = Vec::with_capacity((paths.end - paths.start) as usize);
    for (part_rows, part_fans) in parts {
        rows.extend(part_rows);
        for (fan, part) in fans.iter_mut().zip(&part_fans) {
            fan.merge(part);
        }
    }
    rows.sort_unstable_by_key(|(i, _)| *i);
    Chunk { rows: rows.into_iter().map(|(_, row)| row).collect(), fans }
}

fn thread_pool(threads: Option<usize>) -> Result<rayon::ThreadPool, EngineError> {
    let mut builder = rayon::ThreadPoolBuilder::new();
    if let Some(n) = threads {
        builder = builder.num_threads(n);
    }
    builder.build().map_err(|source| EngineError::Threads { threads: threads.unwrap_or(0), source })
}

#[cfg(test)]
mod tests;
