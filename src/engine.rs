//! The Monte Carlo run: paths in parallel, results reduced in path order (docs/model.md §7).
//!
//! Paths are simulated in fixed-size chunks. Inside a chunk rayon spreads paths over threads;
//! each path draws only from its own streams ([`crate::rng`]), so its numbers do not depend on
//! which thread ran it. The chunk's rows land in path order in one flat buffer (no allocation
//! per path; two buffers take turns) and are appended to the per-metric [`Columns`] on disk (and
//! handed to a [`PathSink`], e.g. the `paths.csv` writer) one chunk at a time, while the next
//! chunk is simulated; each worker thread keeps its own fans (integer-count sketches), merged
//! once at the end in any order with the same result. Hence the same scenario and seed give
//! bit-identical results for any thread count.
//!
//! Memory does not grow with the number of paths: per-path values go to a temporary file
//! ([`columns`]) and are read back one metric per thread at a time; the quarterly series go only into
//! fixed-size sketches ([`crate::stats::sketch::Fan`]), never kept per path. A precision run
//! also keeps fund TVPI, the one value its stopping rule needs after every chunk.

use std::slice::ChunksExact;
use std::sync::{Mutex, PoisonError};

use rayon::prelude::*;

pub mod columns;
mod stopping;

pub use self::columns::Columns;
pub use self::stopping::{PRECISION_MAX_PATHS, PRECISION_MIN_PATHS, Stopping};
use crate::metrics::liquidity::{self, CASH_SERIES, LiquiditySchema};
use crate::metrics::path::{self, SERIES, Schema};
use crate::model::company::LawError;
use crate::model::fund::{PathState, Simulator};
use crate::scenario::Scenario;
use crate::scenario::workload::DealLimitReached;
use crate::stats::sketch::Fan;
use crate::stats::summary::{self, Summary};

/// Paths simulated between two reductions. Fixed (not derived from the thread count), so
/// `--precision` stops at the same path whatever the machine.
pub const CHUNK: u64 = 2048;

/// The most paths a run may have: each metric's column is read back whole to be summarised
/// (8 bytes a path, a column per worker thread at a time), so 100 million paths take 0.8 GB a
/// thread, and about three hours at 10,000 paths a second.
pub const MAX_PATHS: u64 = 100_000_000;

/// Relative accuracy of the fan sketches (1%: far finer than a chart shows, and coarse enough
/// that a path's 549 sketches, 9 series × 61 quarters in base, stay in cache) and the smallest
/// magnitude they resolve (CNY m or ×).
const FAN_ACCURACY: f64 = 0.01;
const FAN_MIN_MAGNITUDE: f64 = 1e-6;

/// Options of one run.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RunOptions {
    pub seed: u64,
    pub stopping: Stopping,
    /// Worker threads; `None` = all cores.
    pub threads: Option<usize>,
}

/// Receives each chunk's rows, in path order, while the next chunk is being simulated (so it
/// runs on a worker thread: hence `Send`).
pub trait PathSink: Send {
    /// The `k`-th row of `rows` (one value per metric of the [`Schema`]) belongs to path
    /// `first_path + k`.
    ///
    /// # Errors
    /// Whatever the sink's storage reports.
    fn write_rows(&mut self, first_path: u64, rows: ChunksExact<'_, f64>) -> std::io::Result<()>;
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
    #[error("writing per-path values to a temporary file in {}: {source}", .dir.display())]
    Columns { dir: std::path::PathBuf, source: std::io::Error },
    #[error("reading per-path values back from a temporary file in {}: {source}", .dir.display())]
    ReadColumns { dir: std::path::PathBuf, source: std::io::Error },
    #[error("a run needs at least one path")]
    NoPaths,
    #[error("a run may have at most {MAX_PATHS} paths, got {0}")]
    TooManyPaths(u64),
    /// Checked before simulating: the per-path values would not fit in the temporary folder.
    #[error(
        "{paths} paths need {} for their per-path values in the temporary folder {}, which has {} free; \
         run fewer paths, or set TMPDIR to a folder on a larger disk",
        bytes(*.needed), .dir.display(), bytes(*.free)
    )]
    NoSpace { dir: std::path::PathBuf, paths: u64, needed: u64, free: u64 },
    /// A path would have run away: the scenario's cheques are tiny against a budget.
    #[error("path {path}: {source}")]
    DealLimit { path: u64, source: DealLimitReached },
}

impl EngineError {
    fn columns(source: std::io::Error) -> EngineError {
        EngineError::Columns { dir: std::env::temp_dir(), source }
    }

    fn read_columns(source: std::io::Error) -> EngineError {
        EngineError::ReadColumns { dir: std::env::temp_dir(), source }
    }

    /// Whether reading or writing the run's values failed, rather than the simulation.
    pub fn is_io(&self) -> bool {
        matches!(self, EngineError::Sink(_) | EngineError::Columns { .. } | EngineError::ReadColumns { .. })
    }

    /// Whether the model failed on a path (rather than the run being refused or its values not
    /// written or read).
    pub fn is_model_failure(&self) -> bool {
        matches!(self, EngineError::Law(_) | EngineError::DealLimit { .. })
    }
}

/// Everything a run produced.
#[derive(Debug)]
pub struct RunResults {
    pub schema: Schema,
    /// Every metric's value on every path (read one metric at a time: [`RunResults::column`]).
    columns: Columns,
    /// One fan per entry of [`SERIES`].
    pub fans: Vec<Fan>,
    pub paths: u64,
    pub seed: u64,
    /// Worker threads of the run (`None` = all cores), which its summaries use too.
    threads: Option<usize>,
    /// The fund's cash account on every path, for a scenario with a funding plan.
    pub liquidity: Option<Liquidity>,
}

/// What the cash accounts of a run's paths say: a second per-path row ([`LiquiditySchema`])
/// and the fans of [`CASH_SERIES`].
#[derive(Debug)]
pub struct Liquidity {
    pub schema: LiquiditySchema,
    columns: Columns,
    pub fans: Vec<Fan>,
}

impl Liquidity {
    /// Column `index` of the liquidity rows across paths, in path order.
    ///
    /// # Errors
    /// If the values cannot be read back from their temporary file.
    pub fn column_at(&self, index: usize) -> Result<Vec<f64>, EngineError> {
        self.columns.read(index).map_err(EngineError::read_columns)
    }
}

impl RunResults {
    /// The values of metric `key` across paths, in path order; `None` if the run has no such
    /// metric.
    ///
    /// # Errors
    /// If the values cannot be read back from their temporary file.
    pub fn column(&self, key: &str) -> Result<Option<Vec<f64>>, EngineError> {
        self.schema.index(key).map(|i| self.column_at(i)).transpose()
    }

    /// The values of the `index`-th metric of the [`Schema`] across paths, in path order.
    ///
    /// # Errors
    /// If the values cannot be read back from their temporary file.
    pub fn column_at(&self, index: usize) -> Result<Vec<f64>, EngineError> {
        self.columns.read(index).map_err(EngineError::read_columns)
    }

    /// `f` of every metric's index and values, in [`Schema`] order, computed on as many threads
    /// as the run had (a metric's summary sorts its million values at a million paths, and the
    /// report summarises ~100 of them). Each thread reads one column at a time.
    ///
    /// # Errors
    /// As [`RunResults::column_at`], or if the threads cannot be started.
    pub fn map_columns<T: Send>(&self, f: impl Fn(usize, Vec<f64>) -> T + Sync) -> Result<Vec<T>, EngineError> {
        thread_pool(self.threads)?.install(|| (0..self.schema.len()).into_par_iter().map(|index| Ok(f(index, self.column_at(index)?))).collect())
    }

    /// Summary statistics of metric `key`; `None` if the run has no such metric.
    ///
    /// # Errors
    /// As [`RunResults::column`].
    pub fn summary(&self, key: &str) -> Result<Option<Summary>, EngineError> {
        Ok(self.column(key)?.map(|values| Summary::of(&values)))
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
    let cash_schema = LiquiditySchema::new(scenario);
    let liquidity = match cash_schema.clone() {
        Some(schema) => Some(Liquidity { columns: Columns::new(schema.len()).map_err(EngineError::columns)?, schema, fans: new_fans(quarters, CASH_SERIES.len()) }),
        None => None,
    };
    let mut results = RunResults {
        columns: Columns::new(schema.len()).map_err(EngineError::columns)?,
        schema,
        fans: new_fans(quarters, SERIES.len()),
        paths: 0,
        seed: options.seed,
        threads: options.threads,
        liquidity,
    };
    let pool = thread_pool(options.threads)?;
    // One set of buffers and fans per worker thread, kept for the whole run: a path reuses its
    // thread's allocations, and fans are merged once at the end (integer counts: order-free).
    let workers: Vec<Mutex<Worker>> = (0..pool.current_num_threads()).map(|_| Mutex::new(Worker::new(quarters))).collect();
    let cash_schema = cash_schema.as_ref();
    let tvpi = results.schema.index("fund_tvpi").unwrap_or(0);
    // Fund TVPI of every path so far, for the precision rule (a fixed-size run keeps nothing).
    let mut tvpi_values = Vec::new();
    let target = options.stopping.most_paths();
    if target == 0 {
        return Err(EngineError::NoPaths);
    }
    if target > MAX_PATHS {
        return Err(EngineError::TooManyPaths(target));
    }
    let cash_width = cash_schema.map_or(0, LiquiditySchema::len);
    check_space(&std::env::temp_dir(), options.stopping.least_paths(), results.schema.len() + cash_width)?;
    // Chunk k's rows are written (to the sink and the columns) while chunk k + 1 is simulated:
    // writing is the one serial step per chunk, and the workers would otherwise wait for it.
    // The two row buffers swap roles.
    let width = results.schema.len();
    let mut unwritten: Option<(u64, Rows)> = None;
    let mut spare = Rows::default();
    let mut cash_columns = results.liquidity.as_mut().map(|l| &mut l.columns);
    while results.paths < target {
        let first = results.paths;
        let last = (first + CHUNK).min(target);
        let mut rows = std::mem::take(&mut spare);
        let (simulated, written) = pool.install(|| {
            rayon::join(
                || simulate_chunk(&simulator, &workers, first..last, (width, cash_schema), &mut rows),
                || write(sink.as_deref_mut(), &mut results.columns, cash_columns.as_deref_mut(), unwritten.as_ref(), width),
            )
        });
        simulated?;
        written?;
        if options.stopping.watches_tvpi() {
            tvpi_values.extend(rows.metrics.chunks_exact(width).map(|row| row[tvpi]));
        }
        if let Some((_, written_rows)) = unwritten.replace((first, rows)) {
            spare = written_rows;
        }
        results.paths = last;
        progress(last);
        if options.stopping.watches_tvpi() && options.stopping.is_met(results.paths, summary::standard_error(&tvpi_values)) {
            break;
        }
    }
    write(sink, &mut results.columns, cash_columns, unwritten.as_ref(), width)?;
    for worker in workers {
        let worker = worker.into_inner().unwrap_or_else(PoisonError::into_inner);
        for (fan, part) in results.fans.iter_mut().zip(&worker.fans) {
            fan.merge(part);
        }
        if let Some(liquidity) = &mut results.liquidity {
            for (fan, part) in liquidity.fans.iter_mut().zip(&worker.cash_fans) {
                fan.merge(part);
            }
        }
    }
    Ok(results)
}

/// A chunk's rows, in path order: the metrics of the [`Schema`], and the liquidity values of
/// the [`LiquiditySchema`] (empty without a funding plan).
#[derive(Debug, Default)]
struct Rows {
    metrics: Vec<f64>,
    cash: Vec<f64>,
}

/// Appends `rows` (first path, rows of `width` values), if any, to `columns` and to `sink`, if
/// there is one; their liquidity values to `cash_columns`.
fn write<'s>(
    sink: Option<&mut (dyn PathSink + 's)>,
    columns: &mut Columns,
    cash_columns: Option<&mut Columns>,
    rows: Option<&(u64, Rows)>,
    width: usize,
) -> Result<(), EngineError> {
    let Some((first, rows)) = rows else { return Ok(()) };
    columns.append(&rows.metrics).map_err(EngineError::columns)?;
    if let Some(cash_columns) = cash_columns {
        cash_columns.append(&rows.cash).map_err(EngineError::columns)?;
    }
    if let Some(sink) = sink {
        sink.write_rows(*first, rows.metrics.chunks_exact(width))?;
    }
    Ok(())
}

/// A worker thread's buffers and fans.
struct Worker {
    state: PathState,
    series: [Vec<f64>; SERIES.len()],
    row: Vec<f64>,
    fans: Vec<Fan>,
    cash_series: [Vec<f64>; CASH_SERIES.len()],
    cash_row: Vec<f64>,
    cash_fans: Vec<Fan>,
}

impl Worker {
    fn new(quarters: usize) -> Worker {
        Worker {
            state: PathState::default(),
            series: Default::default(),
            row: Vec::new(),
            fans: new_fans(quarters, SERIES.len()),
            cash_series: Default::default(),
            cash_row: Vec::new(),
            cash_fans: new_fans(quarters, CASH_SERIES.len()),
        }
    }
}

fn new_fans(quarters: usize, count: usize) -> Vec<Fan> {
    (0..count).map(|_| Fan::new(quarters, FAN_ACCURACY, FAN_MIN_MAGNITUDE)).collect()
}

/// Simulates `paths` on the pool's threads into `rows`, `width` values per path, in path order.
///
/// # Errors
/// [`EngineError::DealLimit`] of the first path (in path order, whatever the threads) that
/// reached a deal limit.
fn simulate_chunk(
    simulator: &Simulator<'_>,
    workers: &[Mutex<Worker>],
    paths: std::ops::Range<u64>,
    (width, cash_schema): (usize, Option<&LiquiditySchema>),
    rows: &mut Rows,
) -> Result<(), EngineError> {
    let scenario = simulator.scenario();
    // Every value is overwritten, so a buffer of the right size needs no clearing. Indexed
    // chunks keep path order whatever thread ran each path. Without a funding plan the cash rows
    // are one unused value a path (a chunk size of zero is not allowed).
    let count = (paths.end - paths.start) as usize;
    let cash_width = cash_schema.map_or(1, LiquiditySchema::len);
    rows.metrics.resize(count * width, 0.0);
    rows.cash.resize(count * cash_width, 0.0);
    // Touched only when a path fails; the lowest path's error is kept, for the same message
    // whatever thread ran which path.
    let failed: Mutex<Option<(u64, DealLimitReached)>> = Mutex::new(None);
    rows.metrics.par_chunks_mut(width).zip(rows.cash.par_chunks_mut(cash_width)).enumerate().for_each(|(k, (row, cash_row))| {
        let slot = rayon::current_thread_index().unwrap_or(0) % workers.len();
        // No path runs inside another on one thread (nothing here yields to rayon), so a
        // thread's lock is never contended; a poisoned lock only follows a panic elsewhere.
        let mut guard = workers[slot].lock().unwrap_or_else(PoisonError::into_inner);
        let worker = &mut *guard;
        let path = paths.start + k as u64;
        if let Err(error) = simulator.simulate_path(path, &mut worker.state) {
            let mut failed = failed.lock().unwrap_or_else(PoisonError::into_inner);
            if failed.as_ref().is_none_or(|(first, _)| path < *first) {
                *failed = Some((path, error));
            }
            return;
        }
        path::compute(scenario, &worker.state, &mut worker.row);
        path::series(&worker.state, &mut worker.series);
        for (fan, series) in worker.fans.iter_mut().zip(&worker.series) {
            fan.insert_series(series);
        }
        row.copy_from_slice(&worker.row);
        if let Some(cash_schema) = cash_schema {
            cash_schema.compute(&worker.state.cash, &mut worker.cash_row);
            liquidity::series(&worker.state.cash, &mut worker.cash_series);
            for (fan, series) in worker.cash_fans.iter_mut().zip(&worker.cash_series) {
                fan.insert_series(series);
            }
            cash_row.copy_from_slice(&worker.cash_row);
        }
    });
    match failed.into_inner().unwrap_or_else(PoisonError::into_inner) {
        Some((path, source)) => Err(EngineError::DealLimit { path, source }),
        None => Ok(()),
    }
}

/// Fails before anything is simulated unless `dir` has room for the values of `paths` paths of
/// `metrics` metrics. A file system that cannot tell its free space is not checked (a full disk
/// is then reported when writing).
fn check_space(dir: &std::path::Path, paths: u64, metrics: usize) -> Result<(), EngineError> {
    let needed = columns::bytes_needed(paths, metrics);
    match fs4::available_space(dir) {
        Ok(free) if free < needed => Err(EngineError::NoSpace { dir: dir.to_path_buf(), paths, needed, free }),
        _ => Ok(()),
    }
}

/// A number of bytes for people: `12.3 GB`, `45.6 MB`.
fn bytes(n: u64) -> String {
    let n = n as f64;
    if n >= 1e9 { format!("{:.1} GB", n / 1e9) } else { format!("{:.1} MB", n / 1e6) }
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
