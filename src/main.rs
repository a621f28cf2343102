//! The `fifsim` command line: parses arguments, calls [`fifsim::app`], shows progress and
//! prints. Everything testable lives in the library.
//!
//! Exit status: 0 success; 1 the work failed (an I/O error, the simulation, drawing charts);
//! 2 bad input — command-line usage (clap), an invalid or missing scenario file, a results folder
//! that already holds a run (without `--force`) or holds something else, or a folder given to
//! `chart` that is not a results folder; 130 interrupted (Ctrl-C, SIGTERM, SIGHUP), after removing
//! what was half-written.

use std::io::{self, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Args, Parser, Subcommand};
use fifsim::app::publish::{Documents, Outputs, Pending};
use fifsim::app::{self, AppError};
use fifsim::engine::{self, RunOptions, Stopping};
use fifsim::report::{Report, table, text};
use fifsim::scenario;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

const EXIT_STATUS: &str = "\
Exit status: 0 success; 1 the work failed (I/O, simulation, charts); 2 bad input (usage, an
invalid or missing scenario file, a results folder that is taken, not a results folder); 130
interrupted (Ctrl-C, SIGTERM), the results folder left as it was.";

/// Monte Carlo simulator of the Shanghai Future Industry Fund (上海未来产业基金): a CNY 15 bn
/// fund of funds with a direct sleeve and 18 sub-funds.
#[derive(Debug, Parser)]
#[command(name = "fifsim", version, after_help = EXIT_STATUS)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Simulate a scenario: print the summary table and write a results folder
    /// (summary.json, paths.csv, quarterly.csv, charts, report.xlsx, report.html).
    Run(RunArgs),
    /// Check scenario files without simulating; exits 2 if any is invalid.
    Validate {
        /// Scenario files (TOML).
        #[arg(required = true, value_name = "SCENARIO")]
        scenarios: Vec<PathBuf>,
    },
    /// The model's report card: each level (financings, positions by sleeve, the company funnel,
    /// concentration, sub-funds net to their LPs, sleeves, the fund) against published targets.
    #[command(after_help = CALIBRATE_HELP)]
    Calibrate(CalibrateArgs),
    /// Redraw the charts, report.xlsx and report.html of a results folder from its saved results
    /// (summary.json, compare.json, sensitivity.json or frontier.json), without simulating.
    Chart {
        /// A folder written by `fifsim run`, `compare`, `sensitivity` or `frontier`.
        results_dir: PathBuf,
        /// Do not write report.xlsx.
        #[arg(long)]
        no_xlsx: bool,
    },
    /// Compare scenarios on common random numbers: headline measures side by side and each
    /// difference from the first with its paired 95% CI (writes compare.json, compare.csv,
    /// compare_curves.json, charts, report.xlsx, report.html).
    #[command(after_help = COMPARE_HELP)]
    Compare(CompareArgs),
    /// One-at-a-time shocks to a scenario, ranked by their effect on mean fund TVPI, with paired
    /// 95% CIs (writes sensitivity.json, sensitivity.csv, tornado.png, report.xlsx, report.html).
    #[command(after_help = SENSITIVITY_HELP)]
    Sensitivity(SensitivityArgs),
    /// Sweep the direct share and the tier split of the fund's capital; mark the efficient set
    /// (writes frontier.json, frontier.csv, frontier.png, report.xlsx, report.html).
    #[command(after_help = FRONTIER_HELP)]
    Frontier(FrontierArgs),
    /// Schedules for the capacity not yet committed (front-loaded, even, back-loaded) against the
    /// scenario's funding plan: the one that commits everything by the window's end within the plan
    /// with the least idle cash, or "infeasible" and why (writes pace.json, pace.csv, pace.png).
    #[command(after_help = PACE_HELP)]
    Pace(PaceArgs),
    /// Merge the shard folders of a run (`run --shard k/K`, or of compare, sensitivity or
    /// frontier) into the results folder the command writes run whole with the same scenario,
    /// options, seed and paths, byte for byte; refuses a missing, repeated, damaged or foreign
    /// shard, naming the shards to rerun.
    #[command(after_help = MERGE_HELP)]
    Merge(MergeArgs),
}

const MERGE_HELP: &str = "\
The scenario is loaded from the file the shards name, as they typed it (run the merge from the same
folder), and must hold what they simulated. The merge runs on the fifsim build that simulated the
shards. See docs/cluster.md for Slurm, Kubernetes and AWS Batch.";

#[derive(Debug, Args)]
struct MergeArgs {
    /// Shard folders written by `fifsim run --shard k/K` (or compare, sensitivity, frontier), all
    /// K of them, in any order.
    #[arg(required = true, value_name = "DIR")]
    shards: Vec<PathBuf>,
    #[command(flatten)]
    folder: FolderArgs,
    /// Worker threads for the summaries [default: all cores].
    #[arg(long, value_name = "T", value_parser = clap::value_parser!(u16).range(1..))]
    threads: Option<u16>,
}

const PACE_HELP: &str = "\
Capacity not yet committed: the sub-funds whose vintage is at or after --from, and the direct
budget. Each schedule shares that capacity over the calendar years --from to --by (front-steep,
front, even, back, back-steep, plus the scenario as stated); a sub-fund's vintage is where the
schedule's running total passes the middle of its commitment, and the direct sleeve deploys evenly
over a window centred on the schedule's mean date. The direct share is kept. A schedule meets the
target if it commits everything by --by and at most 1 - LEVEL of paths ever fall short of the
plan's cash; the one with the least mean idle cash is chosen. All run on one seed.";

const CALIBRATE_HELP: &str = "\
Each row: the model's value with its Monte Carlo standard error, the target and its source, the
tolerance (the target's own plus 2 standard errors) and pass/fail; * marks the targets the base
scenario claims. The defaults simulate 4,000 fund paths and 2 × 40,000 companies.

--json keys (stable): financing_multiples and position_multiples.direct / .subfund, each
{edges: [0, 1, 5, 10, 20, 50], share: [...], count} (the last bucket open; financing_multiples
also dollar_weighted_multiple, dollar_share_below_1); funnel: seed_to_a, a_to_b, b_to_c,
c_to_growth, and outcomes_6_5y / outcomes_15y with failed, trade_sale, ipo, alive,
valuation_1bn_usd (shares of the seed cohort); concentration.direct / .subfund / .financing:
share_positions_ge_10x, share_value_from_ge_10x; subfund_net: count, mean, median, p25, p75,
p_below_1, median_irr, median_dpi_7_5y; direct_sleeve, subfund_sleeve, fund: mean_tvpi,
median_tvpi, p_below_1, median_irr, median_dpi_7_5y; checks: every row with table, key (its
value's path above), label, unit, model, std_error, target (kind, value or range, and its own
tolerance), source, tolerance (the whole allowance), pass, claimed.";

const COMPARE_HELP: &str = "\
Every scenario runs with the same seed, so paths share their shocks wherever the scenarios share
structure (common random numbers): differences are computed path by path, and the table shows the
paired 95% CI next to the width two independent runs would give.";

const SENSITIVITY_HELP: &str = "\
Shocks (down / up): exit multiples ÷/× 1.25; graduation odds per company profile -/+ 0.05 (failure
moves the other way); exit-market persistence of the stressed states -/+ 0.1; manager skill
dispersion × 0 / × 2; every sub-fund's fund share -/+ 0.05; management fees -/+ 0.5 pp; carry
-/+ 5 pp; buy-back concession share × 0 / × 2; sub-funds' continuation years × 0 / × 2; direct
team skill -/+ 0.3 and cost × 0 / × 2; direct share -/+ 0.1 (same total). All runs share the base
run's seed; the defaults make 31 runs × 4,000 paths.";

const FRONTIER_HELP: &str = "\
Each direct share × every split of capital across the industrialising / prototype / exploration
tiers in steps of 1/GRID (both sleeves: direct weights of fields and sub-fund commitments scaled by
tier), plus the scenario as it is; all on one seed. Primary risk: P(fund TVPI < 1); efficient = no
other allocation with a higher mean TVPI and a lower risk (ES5-efficiency is flagged too). The
defaults make 61 allocations × 2,000 paths.";

/// Options every simulating command (`run` and the decision commands) takes.
#[derive(Debug, Args)]
struct CommonArgs {
    /// Master seed, shared by every run of a decision command (common random numbers). The
    /// default, 20250926, is the date the 2025 measures (沪府办规〔2025〕8号) took effect. Same
    /// scenario and seed give byte-identical results for any thread count.
    #[arg(long, value_name = "S", default_value_t = app::run::DEFAULT_SEED)]
    seed: u64,
    /// Worker threads [default: all cores]; more than the machine runs at once are not started
    /// (results are the same for any count).
    #[arg(long, value_name = "T", value_parser = clap::value_parser!(u16).range(1..))]
    threads: Option<u16>,
    #[command(flatten)]
    folder: FolderArgs,
}

/// Where and how a command publishes its results folder (the simulating commands and `merge`).
#[derive(Debug, Args)]
struct FolderArgs {
    /// Output folder [default: results/<scenario file name without .toml> for run (a copy of
    /// base.toml as mine.toml writes results/mine, whatever its `name`),
    /// results/<command>-<file name> for sensitivity and frontier, results/compare-<a>-vs-<b>
    /// for compare, run's for merge; a default name of sensitivity, frontier or compare over 80
    /// characters is cut to 64 and ends in 8 hex digits of a hash of the whole name].
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Replace an output folder written before by the same command (swapped in only once the
    /// new one is complete). Only a folder whose fifsim-manifest.json accounts for everything in
    /// it is replaced: anything added to it, or changed, keeps it from being replaced.
    #[arg(long)]
    force: bool,
    /// Do not draw the chart PNGs (report.html then names them as not drawn).
    #[arg(long)]
    no_charts: bool,
    /// Do not write report.xlsx.
    #[arg(long)]
    no_xlsx: bool,
}

impl CommonArgs {
    fn options(&self, stopping: Stopping) -> RunOptions {
        RunOptions { seed: self.seed, stopping, threads: worker_threads(self.threads) }
    }
}

impl FolderArgs {
    fn outputs(&self) -> Outputs {
        Outputs { charts: !self.no_charts, workbook: !self.no_xlsx }
    }
}

/// `--threads`, capped at the threads the machine runs at once (with a note): more only add
/// start-up and switching (2,000 threads took 14 s for 200 paths), never a different result.
fn worker_threads(requested: Option<u16>) -> Option<usize> {
    let requested = usize::from(requested?);
    let available = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    if requested > available {
        eprintln!("note: --threads {requested} is more than the {available} this machine runs at once; using {available}");
        return Some(available);
    }
    Some(requested)
}

/// A `--paths` value: a whole number from `min` to [`engine::MAX_PATHS`].
fn path_count(s: &str, min: u64) -> Result<u64, String> {
    match s.trim().parse::<u64>() {
        Ok(n) if (min..=engine::MAX_PATHS).contains(&n) => Ok(n),
        _ => Err(format!("must be a whole number from {min} to {} (the most a run may have), got {s}", engine::MAX_PATHS)),
    }
}

#[derive(Debug, Args)]
struct CompareArgs {
    /// Scenario files (TOML), at least two; differences are taken from the first.
    #[arg(required = true, num_args = 2.., value_name = "SCENARIO")]
    scenarios: Vec<PathBuf>,
    /// Paths per scenario.
    #[arg(long, value_name = "N", default_value_t = app::compare::DEFAULT_PATHS, allow_negative_numbers = true, value_parser = |s: &str| path_count(s, 2))]
    paths: u64,
    /// Simulate only shard k of K (from 0): paths [k·N/K, (k+1)·N/K) of every scenario, written as
    /// a shard folder at --out (required) for `fifsim merge`. See docs/cluster.md.
    #[arg(long, value_name = "k/K", requires = "out")]
    shard: Option<fifsim::shard::ShardSpec>,
    #[command(flatten)]
    common: CommonArgs,
}

#[derive(Debug, Args)]
struct SensitivityArgs {
    /// Scenario file (TOML).
    #[arg(default_value = "scenarios/base.toml")]
    scenario: PathBuf,
    /// Paths per run.
    #[arg(long, value_name = "N", default_value_t = app::sensitivity::DEFAULT_PATHS, allow_negative_numbers = true, value_parser = |s: &str| path_count(s, 2))]
    paths: u64,
    /// Simulate only shard k of K (from 0): paths [k·N/K, (k+1)·N/K) of every run, written as a
    /// shard folder at --out (required) for `fifsim merge`. See docs/cluster.md.
    #[arg(long, value_name = "k/K", requires = "out")]
    shard: Option<fifsim::shard::ShardSpec>,
    #[command(flatten)]
    common: CommonArgs,
}

#[derive(Debug, Args)]
struct PaceArgs {
    /// Scenario file (TOML) with a [funding] plan.
    #[arg(default_value = "scenarios/base.toml")]
    scenario: PathBuf,
    /// First quarter of the capacity not yet committed: sub-funds with a vintage from here on are
    /// re-dated [default: the earliest sub-fund vintage, i.e. every sub-fund].
    #[arg(long, value_name = "QUARTER")]
    from: Option<fifsim::calendar::Quarter>,
    /// Everything committed by this quarter (the end of the measures' window, 2030-09).
    #[arg(long, value_name = "QUARTER", default_value = "2030Q3")]
    by: fifsim::calendar::Quarter,
    /// Share of paths whose cash must never fall short of the plan (0.95: the P95 path is covered).
    #[arg(long, value_name = "LEVEL", default_value_t = fifsim::analysis::pace::DEFAULT_LEVEL)]
    level: f64,
    /// Paths per schedule.
    #[arg(long, value_name = "N", default_value_t = app::pace::DEFAULT_PATHS, allow_negative_numbers = true, value_parser = |s: &str| path_count(s, 2))]
    paths: u64,
    #[command(flatten)]
    common: CommonArgs,
}

#[derive(Debug, Args)]
struct FrontierArgs {
    /// Scenario file (TOML).
    #[arg(default_value = "scenarios/base.toml")]
    scenario: PathBuf,
    /// Steps of the tier split: shares move in steps of 1/N ((N+1)(N+2)/2 splits).
    #[arg(long, value_name = "N", default_value_t = fifsim::analysis::frontier::DEFAULT_DIVISIONS as u16, value_parser = clap::value_parser!(u16).range(1..=20))]
    grid: u16,
    /// Direct shares to sweep, comma-separated, each in [0, 1].
    #[arg(long, value_name = "LIST", value_delimiter = ',', default_value = "0.05,0.2,0.4,0.6", value_parser = share)]
    direct_shares: Vec<f64>,
    /// Paths per allocation.
    #[arg(long, value_name = "N", default_value_t = app::frontier::DEFAULT_PATHS, allow_negative_numbers = true, value_parser = |s: &str| path_count(s, 2))]
    paths: u64,
    /// Simulate only shard k of K (from 0): paths [k·N/K, (k+1)·N/K) of every run, written as a
    /// shard folder at --out (required) for `fifsim merge`. See docs/cluster.md.
    #[arg(long, value_name = "k/K", requires = "out")]
    shard: Option<fifsim::shard::ShardSpec>,
    #[command(flatten)]
    common: CommonArgs,
}

#[derive(Debug, Args)]
struct RunArgs {
    /// Scenario file (TOML).
    #[arg(default_value = "scenarios/base.toml")]
    scenario: PathBuf,
    /// Paths to simulate [default: 10000]; with --precision, the most to run [default: 1000000].
    #[arg(long, value_name = "N", allow_negative_numbers = true, value_parser = |s: &str| path_count(s, 1))]
    paths: Option<u64>,
    /// Run until the 95% CI of the mean fund TVPI, by control variates, is within ±X at three
    /// successive checks 10% more paths apart, with estimates within X of each other (at least
    /// 1000 paths, at most --paths); the paths used are reported.
    #[arg(long, value_name = "X", value_parser = positive)]
    precision: Option<f64>,
    /// Simulate only shard k of K (from 0) of the run of --paths paths: paths [k·N/K, (k+1)·N/K),
    /// written with what `fifsim merge` needs as a shard folder at --out (required), not a results
    /// folder. See docs/cluster.md.
    #[arg(long, value_name = "k/K", conflicts_with = "precision", requires = "out")]
    shard: Option<fifsim::shard::ShardSpec>,
    #[command(flatten)]
    common: CommonArgs,
}

#[derive(Debug, Args)]
struct CalibrateArgs {
    /// Scenario file (TOML).
    #[arg(default_value = "scenarios/base.toml")]
    scenario: PathBuf,
    /// Companies to simulate for each of the financing sample and the seed cohort.
    #[arg(long, value_name = "N", default_value_t = app::calibrate::DEFAULT_COMPANIES, value_parser = companies)]
    companies: usize,
    /// Fund paths to simulate.
    #[arg(long, value_name = "N", default_value_t = app::calibrate::DEFAULT_PATHS, value_parser = clap::value_parser!(u64).range(2..))]
    paths: u64,
    /// Master seed.
    #[arg(long, value_name = "S", default_value_t = app::run::DEFAULT_SEED)]
    seed: u64,
    /// Print JSON instead of a table.
    #[arg(long)]
    json: bool,
}

fn positive(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(x) if x.is_finite() && x > 0.0 => Ok(x),
        Ok(x) => Err(format!("must be a positive number, got {x}")),
        Err(e) => Err(e.to_string()),
    }
}

fn share(s: &str) -> Result<f64, String> {
    match s.trim().parse::<f64>() {
        Ok(x) if (0.0..=1.0).contains(&x) => Ok(x),
        Ok(x) => Err(format!("must be a share in [0, 1], got {x}")),
        Err(e) => Err(e.to_string()),
    }
}

fn companies(s: &str) -> Result<usize, String> {
    match s.parse::<usize>() {
        Ok(n) if n >= 1 => Ok(n),
        Ok(_) => Err("must be at least 1".to_string()),
        Err(e) => Err(e.to_string()),
    }
}

/// Exit status of a command stopped by a signal (128 + SIGINT, as shells report Ctrl-C).
const INTERRUPTED: i32 = 130;

fn main() -> ExitCode {
    // Should no handler be set, the next run into the same parent folder clears what an
    // interrupted one leaves.
    let _ = ctrlc::set_handler(interrupted);
    let cli = Cli::parse();
    match dispatch(cli.command) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {}", message(&err));
            exit_code(&err)
        }
    }
}

/// Removes what the command was writing, says so, and exits.
fn interrupted() {
    let targets: Vec<String> = fifsim::output::abandon_unfinished().iter().map(|t| t.display().to_string()).collect();
    let left = if targets.is_empty() { String::new() } else { format!("; {} left as it was", targets.join(", ")) };
    let newline = if io::stderr().is_terminal() { "\n" } else { "" };
    eprintln!("{newline}error: interrupted{left}");
    std::process::exit(INTERRUPTED);
}

/// `err` and its causes, each cause once: most of our errors already quote their source in
/// their own message, which `{:#}` would print again after it.
fn message(err: &anyhow::Error) -> String {
    let mut text = err.to_string();
    for cause in err.chain().skip(1).map(ToString::to_string) {
        if !text.contains(&cause) {
            text = format!("{text}: {cause}");
        }
    }
    text
}

fn dispatch(command: Command) -> anyhow::Result<ExitCode> {
    match command {
        Command::Run(args) => run(args),
        Command::Validate { scenarios } => Ok(validate(&scenarios)),
        Command::Calibrate(args) => calibrate(args),
        Command::Chart { results_dir, no_xlsx } => {
            let files = app::chart::redraw(&results_dir, Outputs { charts: true, workbook: !no_xlsx })?;
            let names: Vec<String> = files.iter().filter_map(|f| f.file_name()).map(|n| n.to_string_lossy().into_owned()).collect();
            eprintln!("redrew {} files in {}: {}", files.len(), results_dir.display(), names.join(", "));
            Ok(ExitCode::SUCCESS)
        }
        Command::Compare(args) => compare(args),
        Command::Sensitivity(args) => sensitivity(args),
        Command::Frontier(args) => frontier(args),
        Command::Pace(args) => pace(args),
        Command::Merge(args) => merge(args),
    }
}

fn run(args: RunArgs) -> anyhow::Result<ExitCode> {
    let scenario = scenario::load(&args.scenario).map_err(AppError::from)?;
    if let (Some(spec), Some(out)) = (args.shard, &args.common.folder.out) {
        return shard(app::shard::Sharded::Run, std::slice::from_ref(&scenario), 1, &args.common, args.paths.unwrap_or(app::run::DEFAULT_PATHS), spec, out);
    }
    let out = args.common.folder.out.clone().unwrap_or_else(|| app::run::default_results_dir(&scenario));
    let stopping = match args.precision {
        None => Stopping::Paths(args.paths.unwrap_or(app::run::DEFAULT_PATHS)),
        Some(half_width) => Stopping::precision(half_width, args.paths),
    };
    let options = args.common.options(stopping);
    let render = |report: &Report| match app::run::precision_note(report, &stopping) {
        Some(note) => format!("{}\n{note}\n", table::render(report)),
        None => table::render(report),
    };
    publish(&args.common, stopping.most_paths(), |progress| app::run::simulate(&scenario, &options, &out, args.common.folder.force, progress), render)
}

fn compare(args: CompareArgs) -> anyhow::Result<ExitCode> {
    let scenarios = args.scenarios.iter().map(|f| scenario::load(f).map_err(AppError::from)).collect::<Result<Vec<_>, _>>()?;
    if let (Some(spec), Some(out)) = (args.shard, &args.common.folder.out) {
        return shard(app::shard::Sharded::Compare, &scenarios, scenarios.len(), &args.common, args.paths, spec, out);
    }
    let out = args.common.folder.out.clone().unwrap_or_else(|| app::compare::default_results_dir(&scenarios));
    let options = args.common.options(Stopping::Paths(args.paths));
    let total = args.paths * scenarios.len() as u64;
    publish(&args.common, total, |progress| app::compare::compare(&scenarios, &options, &out, args.common.folder.force, progress), |c| {
        text::compare::render(&c.comparison)
    })
}

fn sensitivity(args: SensitivityArgs) -> anyhow::Result<ExitCode> {
    let scenario = scenario::load(&args.scenario).map_err(AppError::from)?;
    if let (Some(spec), Some(out)) = (args.shard, &args.common.folder.out) {
        let runs = fifsim::analysis::sensitivity::runs(&scenario);
        return shard(app::shard::Sharded::Sensitivity, std::slice::from_ref(&scenario), runs, &args.common, args.paths, spec, out);
    }
    let out = args.common.folder.out.clone().unwrap_or_else(|| app::sensitivity::default_results_dir(&scenario));
    let options = args.common.options(Stopping::Paths(args.paths));
    let total = args.paths * fifsim::analysis::sensitivity::runs(&scenario) as u64;
    publish(&args.common, total, |progress| app::sensitivity::sensitivity(&scenario, &options, &out, args.common.folder.force, progress), text::sensitivity::render)
}

fn pace(args: PaceArgs) -> anyhow::Result<ExitCode> {
    let scenario = scenario::load(&args.scenario).map_err(AppError::from)?;
    let out = args.common.folder.out.clone().unwrap_or_else(|| app::pace::default_results_dir(&scenario));
    let options = args.common.options(Stopping::Paths(args.paths));
    let from = match args.from {
        Some(q) => q,
        None => scenario.subfunds.iter().map(|s| s.vintage).min().map_or(scenario.calendar.start, |t| scenario.calendar.quarter(t)),
    };
    let target = fifsim::analysis::pace::Target { from, by: args.by, level: args.level };
    let total = args.paths * fifsim::analysis::pace::runs() as u64;
    publish(&args.common, total, |progress| app::pace::pace(&scenario, target, &options, &out, args.common.folder.force, progress), text::pace::render)
}

fn frontier(args: FrontierArgs) -> anyhow::Result<ExitCode> {
    let scenario = scenario::load(&args.scenario).map_err(AppError::from)?;
    let divisions = usize::from(args.grid);
    if let (Some(spec), Some(out)) = (args.shard, &args.common.folder.out) {
        let (runs, grid) = (app::frontier::runs(&args.direct_shares, divisions), fifsim::shard::Grid { direct_shares: args.direct_shares, divisions });
        return shard(app::shard::Sharded::Frontier(grid), std::slice::from_ref(&scenario), runs, &args.common, args.paths, spec, out);
    }
    let out = args.common.folder.out.clone().unwrap_or_else(|| app::frontier::default_results_dir(&scenario));
    let options = args.common.options(Stopping::Paths(args.paths));
    let total = args.paths * app::frontier::runs(&args.direct_shares, divisions) as u64;
    publish(&args.common, total, |progress| app::frontier::frontier(&scenario, &args.direct_shares, divisions, &options, &out, args.common.folder.force, progress), text::frontier::render)
}

/// `--shard k/K` of `run`, `compare`, `sensitivity` or `frontier`: simulates that shard of the
/// command's `runs` runs of `paths` paths into the shard folder `out`.
fn shard(
    command: app::shard::Sharded,
    scenarios: &[scenario::Scenario],
    runs: usize,
    common: &CommonArgs,
    paths: u64,
    spec: fifsim::shard::ShardSpec,
    out: &std::path::Path,
) -> anyhow::Result<ExitCode> {
    let range = fifsim::shard::range(spec.index, spec.count, paths);
    let bar = progress_bar((range.end - range.start) * runs as u64);
    let job = app::shard::ShardJob { command, seed: common.seed, threads: worker_threads(common.threads), paths, spec };
    let published = app::shard::simulate(&job, scenarios, out, common.folder.force, &mut |done| bar.set_position(done));
    bar.finish_and_clear();
    let published = published?;
    eprintln!("wrote shard {}/{} (paths [{}, {})) to {}", spec.index, spec.count, range.start, range.end, published.dir.display());
    Ok(ExitCode::SUCCESS)
}

fn merge(args: MergeArgs) -> anyhow::Result<ExitCode> {
    let threads = worker_threads(args.threads);
    let pending = app::shard::merge(&args.shards, args.folder.out.as_deref(), args.folder.force, threads)?;
    match pending {
        app::shard::Merged::Run(pending) => show_and_publish(*pending, args.folder.outputs(), table::render),
        app::shard::Merged::Compare(pending) => show_and_publish(*pending, args.folder.outputs(), |c| text::compare::render(&c.comparison)),
        app::shard::Merged::Sensitivity(pending) => show_and_publish(*pending, args.folder.outputs(), text::sensitivity::render),
        app::shard::Merged::Frontier(pending) => show_and_publish(*pending, args.folder.outputs(), text::frontier::render),
    }
}

/// What every simulating command does once its inputs are loaded: runs `work` under a progress bar
/// of `total` paths, prints its result as `render` makes it, then publishes its results folder
/// (with charts unless `--no-charts`, the workbook unless `--no-xlsx`) and says what it wrote.
/// The table is printed before the charts are drawn, so the figures show while they are.
fn publish<T: Documents>(
    common: &CommonArgs,
    total: u64,
    work: impl FnOnce(&mut dyn FnMut(u64)) -> Result<Pending<T>, AppError>,
    render: impl FnOnce(&T) -> String,
) -> anyhow::Result<ExitCode> {
    let bar = progress_bar(total);
    let pending = work(&mut |done| bar.set_position(done));
    bar.finish_and_clear();
    show_and_publish(pending?, common.folder.outputs(), render)
}

/// Prints a finished command's result as `render` makes it, then publishes its results folder
/// (with the `outputs` asked for) and says what it wrote.
fn show_and_publish<T: Documents>(pending: Pending<T>, outputs: Outputs, render: impl FnOnce(&T) -> String) -> anyhow::Result<ExitCode> {
    // The files are the product: a closed stdout (e.g. `| head`) must not stop them being written.
    print_out(&render(&pending.result));
    let published = pending.publish(outputs)?;
    let names: Vec<String> = published.files.iter().filter_map(|f| f.file_name()).map(|n| n.to_string_lossy().into_owned()).collect();
    eprintln!("wrote {}: {}", published.dir.display(), names.join(", "));
    Ok(ExitCode::SUCCESS)
}

/// 2 when the user's input is at fault, 1 otherwise (see the module docs).
fn exit_code(err: &anyhow::Error) -> ExitCode {
    match err.downcast_ref::<AppError>() {
        Some(e) if e.is_input_error() => ExitCode::from(2),
        _ => ExitCode::FAILURE,
    }
}

/// A progress bar on stderr; indicatif hides it when stderr is not a terminal.
fn progress_bar(total: u64) -> ProgressBar {
    let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
    let style = ProgressStyle::with_template("{elapsed_precise} [{bar:40}] {human_pos}/{human_len} paths, eta {eta}")
        .map(|s| s.progress_chars("=> "))
        .unwrap_or_else(|_| ProgressStyle::default_bar());
    bar.set_style(style);
    bar
}

fn validate(files: &[PathBuf]) -> ExitCode {
    let mut failed = 0;
    for file in files {
        match app::validate::validate(file) {
            Ok(description) => print_out(&format!("ok: {} ({description})\n", file.display())),
            Err(e) => {
                failed += 1;
                eprintln!("error: {e}");
            }
        }
    }
    if failed > 0 {
        eprintln!("{failed} of {} scenario files invalid", files.len());
        ExitCode::from(2)
    } else {
        ExitCode::SUCCESS
    }
}

fn calibrate(args: CalibrateArgs) -> anyhow::Result<ExitCode> {
    let scenario = scenario::load(&args.scenario).map_err(AppError::from)?;
    let report = app::calibrate::calibrate(&scenario, args.seed, args.paths, args.companies)?;
    let text = if args.json {
        serde_json::to_string_pretty(&report).context("serialising the calibration")? + "\n"
    } else {
        app::calibrate::render(&report, &args.scenario)
    };
    print_out(&text);
    Ok(ExitCode::SUCCESS)
}

/// Prints to stdout; a reader that went away (`| head`) is not an error.
fn print_out(text: &str) {
    let _ = io::stdout().lock().write_all(text.as_bytes());
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    #[test]
    fn cli_is_well_formed() {
        super::Cli::command().debug_assert();
    }
}
