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
//! fixed-size sketches ([`crate::stats::sketch::Fan`]), never kept per path. Each path's row
//! also carries its control variates ([`Controls`]), stored beside the metrics. A precision run
//! also keeps fund TVPI and the controls, what its stopping rule needs at every check.

use std::slice::ChunksExact;
use std::sync::{Mutex, PoisonError};

use rayon::prelude::*;

pub mod columns;
mod fan;
mod stopping;

pub use self::columns::Columns;
pub use self::fan::FanReport;
pub use self::stopping::{Checks, PRECISION_MAX_PATHS, PRECISION_MIN_PATHS, Stopping};
use crate::metrics::controls::Controls;
use crate::metrics::indicators;
use crate::metrics::liquidity::{self, CASH_SERIES, LiquiditySchema};
use crate::metrics::path::{self, SERIES, Schema};
use crate::model::company::LawError;
use crate::model::fund::{PathState, Simulator};
use crate::scenario::Scenario;
use crate::scenario::workload::DealLimitReached;
use crate::stats::sketch::Fan;
use crate::stats::control::{self, MeanEstimate};
use crate::stats::summary::Summary;

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
    /// The control variates kept beside the metrics ([`RunResults::control_columns`]).
    pub controls: Controls,
    /// Every metric's value on every path, then every control's (read one at a time:
    /// [`RunResults::column`]).
    columns: Columns,
    /// Every evaluation year's indicators on every path ([`indicators`]), read one at a time:
    /// [`RunResults::indicator_column`].
    indicators: Columns,
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
    /// Writes every path's cash values as one block, column-major (see [`Columns::write_block`]).
    ///
    /// # Errors
    /// If the values cannot be read back, or `out` written.
    pub fn write_columns(&self, out: &mut impl std::io::Write) -> std::io::Result<()> {
        self.columns.write_block(out)
    }

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

    /// The centred control variates of every path ([`Controls`]), one column each, in path order.
    ///
    /// # Errors
    /// As [`RunResults::column_at`].
    pub fn control_columns(&self) -> Result<Vec<Vec<f64>>, EngineError> {
        (0..self.controls.len()).map(|k| self.column_at(self.schema.len() + k)).collect()
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

    /// The values across paths, in path order, of indicator `indicator` of the `year`-th
    /// evaluation year ([`indicators::slot`]).
    ///
    /// # Errors
    /// If the values cannot be read back from their temporary file.
    pub fn indicator_column(&self, year: usize, indicator: usize) -> Result<Vec<f64>, EngineError> {
        self.indicators.read(indicators::slot(year, indicator)).map_err(EngineError::read_columns)
    }

    /// Summary statistics of metric `key`; `None` if the run has no such metric.
    ///
    /// # Errors
    /// As [`RunResults::column`].
    pub fn summary(&self, key: &str) -> Result<Option<Summary>, EngineError> {
        Ok(self.column(key)?.map(|values| Summary::of(&values)))
    }
}

impl RunResults {
    /// The results of a run whose paths were simulated elsewhere (the shards of a run, read back
    /// in path order): `columns` hold every path's values of `schema`'s metrics, `fans` every
    /// path's series; summarised on `threads` threads.
    pub fn assemble(
        scenario: &Scenario,
        (columns, indicators): (Columns, Columns),
        cash: Option<(Columns, Vec<Fan>)>,
        fans: Vec<Fan>,
        seed: u64,
        threads: Option<usize>,
    ) -> RunResults {
        let (schema, controls) = (Schema::new(scenario), Controls::new(scenario));
        let liquidity = LiquiditySchema::new(scenario).zip(cash).map(|(schema, (columns, fans))| Liquidity { schema, columns, fans });
        RunResults { schema, controls, paths: columns.paths() as u64, columns, indicators, liquidity, fans, seed, threads }
    }

    /// Values a path holds in the metrics' columns (every metric, then every control) and in
    /// the indicators' columns.
    pub fn widths(&self) -> (usize, usize) {
        (self.columns.width(), self.indicators.width())
    }

    /// Writes every path's values as one block, column-major (see [`Columns::write_block`]):
    /// the metrics' and controls' columns to `out`.
    ///
    /// # Errors
    /// If the values cannot be read back, or `out` written.
    pub fn write_columns(&self, out: &mut impl std::io::Write) -> std::io::Result<()> {
        self.columns.write_block(out)
    }

    /// The same for the indicators' columns.
    ///
    /// # Errors
    /// If the values cannot be read back, or `out` written.
    pub fn write_indicators(&self, out: &mut impl std::io::Write) -> std::io::Result<()> {
        self.indicators.write_block(out)
    }

    /// Hands every path's row to `sink`, in path order, [`CHUNK`] paths at a time (as a run
    /// hands them while simulating).
    ///
    /// # Errors
    /// If the values cannot be read back, or the sink fails.
    pub fn write_rows(&self, sink: &mut dyn PathSink) -> Result<(), EngineError> {
        let (width, paths) = (self.schema.len(), self.columns.paths());
        let mut column = Vec::new();
        let mut rows = Vec::new();
        for first in (0..paths).step_by(CHUNK as usize) {
            let last = (first + CHUNK as usize).min(paths);
            rows.resize((last - first) * width, 0.0);
            for metric in 0..width {
                column.clear();
                self.columns.read_range(metric, first..last, &mut column).map_err(EngineError::read_columns)?;
                for (row, &value) in rows.chunks_exact_mut(width).zip(&column) {
                    row[metric] = value;
                }
            }
            sink.write_rows(first as u64, rows.chunks_exact(width))?;
        }
        Ok(())
    }
}

/// The fans a run starts from, one per entry of [`SERIES`], for `scenario`'s quarters: merging
/// into them the fans of a run's parts gives the run's fans.
pub fn empty_fans(scenario: &Scenario) -> Vec<Fan> {
    new_fans(scenario.horizon() + 1, SERIES.len())
}

/// The same for the cash account's fans ([`CASH_SERIES`]) of a scenario with a funding plan.
pub fn empty_cash_fans(scenario: &Scenario) -> Vec<Fan> {
    new_fans(scenario.horizon() + 1, CASH_SERIES.len())
}

/// Runs `scenario`; `progress` is told the number of paths done after every chunk.
///
/// # Errors
/// See [`EngineError`].
pub fn run(scenario: &Scenario, options: &RunOptions, progress: &mut dyn FnMut(u64), sink: Option<&mut dyn PathSink>) -> Result<RunResults, EngineError> {
    run_from(scenario, options, 0, progress, sink)
}

/// Runs paths `range` of `scenario` and no others: each path's numbers are those it has in a
/// run of every path (a path is keyed by its index), so runs of ranges that tile `0..N` hold,
/// together, exactly the values of a run of `N` paths. The results' columns and `paths` count
/// only the paths of `range`; `progress` is told the number done after every chunk.
///
/// # Errors
/// See [`EngineError`]; [`EngineError::NoPaths`] for an empty range.
pub fn run_range(scenario: &Scenario, seed: u64, threads: Option<usize>, range: std::ops::Range<u64>, progress: &mut dyn FnMut(u64), sink: Option<&mut dyn PathSink>) -> Result<RunResults, EngineError> {
    let options = RunOptions { seed, stopping: Stopping::Paths(range.end.saturating_sub(range.start)), threads };
    run_from(scenario, &options, range.start, progress, sink)
}

/// [`run`] of the paths from `first_path` on.
fn run_from(scenario: &Scenario, options: &RunOptions, first_path: u64, progress: &mut dyn FnMut(u64), mut sink: Option<&mut dyn PathSink>) -> Result<RunResults, EngineError> {
    let simulator = Simulator::new(scenario, options.seed)?;
    let schema = Schema::new(scenario);
    let controls = Controls::new(scenario);
    let quarters = scenario.horizon() + 1;
    let cash_schema = LiquiditySchema::new(scenario);
    let liquidity = match cash_schema.clone() {
        Some(schema) => Some(Liquidity { columns: Columns::new(schema.len()).map_err(EngineError::columns)?, schema, fans: new_fans(quarters, CASH_SERIES.len()) }),
        None => None,
    };
    // A calendar too short for a whole evaluation year still stores one (missing) value a path.
    let indicator_width = indicators::width(scenario).max(1);
    let mut results = RunResults {
        columns: Columns::new(schema.len() + controls.len()).map_err(EngineError::columns)?,
        indicators: Columns::new(indicator_width).map_err(EngineError::columns)?,
        schema,
        controls,
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
    // Fund TVPI and the controls of every path so far, for the precision rule (a fixed-size
    // run keeps nothing).
    let mut watched = Watched::new(results.controls.len());
    let mut checks = Checks::default();
    let target = options.stopping.most_paths();
    if target == 0 {
        return Err(EngineError::NoPaths);
    }
    if target > MAX_PATHS {
        return Err(EngineError::TooManyPaths(target));
    }
    let metrics = results.schema.len();
    let width = metrics + results.controls.len();
    let cash_width = cash_schema.map_or(0, LiquiditySchema::len);
    check_space(&std::env::temp_dir(), options.stopping.least_paths(), width + indicator_width + cash_width)?;
    // Chunk k's rows are written (to the sink and the columns) while chunk k + 1 is simulated:
    // writing is the one serial step per chunk, and the workers would otherwise wait for it.
    // The two row buffers swap roles.
    let mut unwritten: Option<Chunk> = None;
    let mut spare = Chunk::default();
    let mut cash_columns = results.liquidity.as_mut().map(|l| &mut l.columns);
    while results.paths < target {
        let first = results.paths;
        // A precision run's chunks end at its checks, so it stops at the same path whatever
        // the chunk size.
        let last = (first + CHUNK).min(target).min(options.stopping.next_check(&checks).filter(|&next| next > first).unwrap_or(u64::MAX));
        let mut rows = std::mem::take(&mut spare);
        rows.first = first_path + first;
        let (simulated, written) = pool.install(|| {
            rayon::join(
                || simulate_chunk(&simulator, &results.controls, &workers, first_path + first..first_path + last, (width, indicator_width, cash_schema), &mut rows),
                || write(sink.as_deref_mut(), (&mut results.columns, &mut results.indicators, cash_columns.as_deref_mut()), unwritten.as_ref(), width, metrics),
            )
        });
        simulated?;
        written?;
        if options.stopping.watches_tvpi() {
            watched.extend(&rows.metrics, width, tvpi, metrics);
        }
        if let Some(written_rows) = unwritten.replace(rows) {
            spare = written_rows;
        }
        results.paths = last;
        progress(last);
        if options.stopping.watches_tvpi() && options.stopping.is_due(results.paths, &checks) {
            let estimate = watched.estimate();
            if options.stopping.is_met(results.paths, checks.record(results.paths, estimate)) {
                break;
            }
        }
    }
    write(sink, (&mut results.columns, &mut results.indicators, cash_columns), unwritten.as_ref(), width, metrics)?;
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

/// One chunk's rows: its first path, the metrics' rows (each metric, then each control), the
/// indicators' rows and the liquidity values of the [`LiquiditySchema`] (one unused value a path
/// without a funding plan).
#[derive(Debug, Default)]
struct Chunk {
    first: u64,
    metrics: Vec<f64>,
    indicators: Vec<f64>,
    cash: Vec<f64>,
}

/// Appends `rows` (metrics' rows of `width` values), if any, to the metrics', the indicators'
/// and (with a funding plan) the liquidity columns, and the first `metrics` values of each
/// metrics' row (the [`Schema`]'s, without the controls) to `sink`, if there is one.
fn write<'s>(
    sink: Option<&mut (dyn PathSink + 's)>,
    columns: (&mut Columns, &mut Columns, Option<&mut Columns>),
    rows: Option<&Chunk>,
    width: usize,
    metrics: usize,
) -> Result<(), EngineError> {
    let Some(rows) = rows else { return Ok(()) };
    columns.0.append(&rows.metrics).map_err(EngineError::columns)?;
    columns.1.append(&rows.indicators).map_err(EngineError::columns)?;
    if let Some(cash_columns) = columns.2 {
        cash_columns.append(&rows.cash).map_err(EngineError::columns)?;
    }
    if let Some(sink) = sink {
        let metric_rows: Vec<f64> = rows.metrics.chunks_exact(width).flat_map(|row| &row[..metrics]).copied().collect();
        sink.write_rows(rows.first, metric_rows.chunks_exact(metrics))?;
    }
    Ok(())
}

/// A precision run's fund TVPI and controls of every path so far, column by column.
struct Watched {
    tvpi: Vec<f64>,
    controls: Vec<Vec<f64>>,
}

impl Watched {
    fn new(controls: usize) -> Watched {
        Watched { tvpi: Vec::new(), controls: vec![Vec::new(); controls] }
    }

    fn extend(&mut self, rows: &[f64], width: usize, tvpi: usize, metrics: usize) {
        for row in rows.chunks_exact(width) {
            self.tvpi.push(row[tvpi]);
            for (column, &x) in self.controls.iter_mut().zip(&row[metrics..]) {
                column.push(x);
            }
        }
    }

    /// Mean fund TVPI by control variates ([`control::mean`]).
    fn estimate(&self) -> MeanEstimate {
        let controls: Vec<&[f64]> = self.controls.iter().map(Vec::as_slice).collect();
        control::mean(&self.tvpi, &controls)
    }
}

/// A worker thread's buffers and fans.
struct Worker {
    state: PathState,
    series: [Vec<f64>; SERIES.len()],
    row: Vec<f64>,
    indicators: Vec<f64>,
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
            indicators: Vec::new(),
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
    controls: &Controls,
    workers: &[Mutex<Worker>],
    paths: std::ops::Range<u64>,
    (width, indicator_width, cash_schema): (usize, usize, Option<&LiquiditySchema>),
    rows: &mut Chunk,
) -> Result<(), EngineError> {
    let scenario = simulator.scenario();
    // Every value is overwritten, so a buffer of the right size needs no clearing. Indexed
    // chunks keep path order whatever thread ran each path. Without a funding plan the cash rows
    // are one unused value a path (a chunk size of zero is not allowed).
    let count = (paths.end - paths.start) as usize;
    let cash_width = cash_schema.map_or(1, LiquiditySchema::len);
    rows.metrics.resize(count * width, 0.0);
    rows.indicators.resize(count * indicator_width, 0.0);
    rows.cash.resize(count * cash_width, 0.0);
    // Touched only when a path fails; the lowest path's error is kept, for the same message
    // whatever thread ran which path.
    let failed: Mutex<Option<(u64, DealLimitReached)>> = Mutex::new(None);
    let cash = rows.cash.par_chunks_mut(cash_width);
    rows.metrics.par_chunks_mut(width).zip(rows.indicators.par_chunks_mut(indicator_width)).zip(cash).enumerate().for_each(|(k, ((row, indicator_row), cash_row))| {
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
        controls.compute(scenario, &worker.state, &mut worker.row);
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
        indicators::compute(scenario, &worker.state, &mut worker.indicators);
        worker.indicators.resize(indicator_width, f64::NAN);
        indicator_row.copy_from_slice(&worker.indicators);
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
