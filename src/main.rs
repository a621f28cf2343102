//! The `fifsim` command line: parses arguments, calls [`fifsim::app`], shows progress and
//! prints. Everything testable lives in the library.
//!
//! Exit status: 0 success; 1 the work failed (an I/O error, the simulation, drawing charts);
//! 2 bad input — command-line usage (clap), an invalid or missing scenario file, a results folder
//! that already holds a run (without `--force`) or holds something else, or a folder given to
//! `chart` that is not a results folder.

use std::io::{self, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Args, Parser, Subcommand};
use fifsim::app::{self, AppError};
use fifsim::engine::{RunOptions, Stopping};
use fifsim::report::table;
use fifsim::scenario;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

const EXIT_STATUS: &str = "\
Exit status: 0 success; 1 the work failed (I/O, simulation, charts); 2 bad input (usage, an
invalid or missing scenario file, a results folder that is taken, not a results folder).";

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
    /// (summary.json, paths.csv, quarterly.csv, charts).
    Run(RunArgs),
    /// Check scenario files without simulating; exits 2 if any is invalid.
    Validate {
        /// Scenario files (TOML).
        #[arg(required = true, value_name = "SCENARIO")]
        scenarios: Vec<PathBuf>,
    },
    /// Compare the company model with its calibration targets (CALIBRATION.md §2).
    Calibrate(CalibrateArgs),
    /// Redraw the charts of a results folder from its summary.json, without simulating.
    Chart {
        /// A folder written by `fifsim run`.
        results_dir: PathBuf,
    },
}

#[derive(Debug, Args)]
struct RunArgs {
    /// Scenario file (TOML).
    #[arg(default_value = "scenarios/base.toml")]
    scenario: PathBuf,
    /// Paths to simulate [default: 10000]; with --precision, the most to run [default: 1000000].
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    paths: Option<u64>,
    /// Master seed. The default, 20250926, is the date the 2025 measures (沪府办规〔2025〕8号)
    /// took effect. Same scenario and seed give byte-identical results for any thread count.
    #[arg(long, value_name = "S", default_value_t = app::run::DEFAULT_SEED)]
    seed: u64,
    /// Worker threads [default: all cores].
    #[arg(long, value_name = "T", value_parser = clap::value_parser!(u16).range(1..))]
    threads: Option<u16>,
    /// Results folder [default: results/<scenario name>].
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Run until the 95% CI of the mean fund TVPI is within ±X (at least 1000 paths, at most
    /// --paths); the paths used are reported.
    #[arg(long, value_name = "X", value_parser = positive)]
    precision: Option<f64>,
    /// Replace a results folder that holds a previous run (swapped in only once the new run is
    /// complete).
    #[arg(long)]
    force: bool,
    /// Do not draw charts.
    #[arg(long)]
    no_charts: bool,
}

#[derive(Debug, Args)]
struct CalibrateArgs {
    /// Scenario file (TOML).
    #[arg(default_value = "scenarios/base.toml")]
    scenario: PathBuf,
    /// Seed-stage companies to simulate.
    #[arg(long, value_name = "N", default_value_t = app::calibrate::DEFAULT_COMPANIES, value_parser = companies)]
    companies: usize,
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

fn companies(s: &str) -> Result<usize, String> {
    match s.parse::<usize>() {
        Ok(n) if n >= 1 => Ok(n),
        Ok(_) => Err("must be at least 1".to_string()),
        Err(e) => Err(e.to_string()),
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match dispatch(cli.command) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {err:#}");
            exit_code(&err)
        }
    }
}

fn dispatch(command: Command) -> anyhow::Result<ExitCode> {
    match command {
        Command::Run(args) => run(args),
        Command::Validate { scenarios } => Ok(validate(&scenarios)),
        Command::Calibrate(args) => calibrate(args),
        Command::Chart { results_dir } => {
            let files = app::chart::redraw(&results_dir)?;
            eprintln!("redrew {} charts in {}", files.len(), results_dir.display());
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// 2 when the user's input is at fault, 1 otherwise (see the module docs).
fn exit_code(err: &anyhow::Error) -> ExitCode {
    match err.downcast_ref::<AppError>() {
        Some(e) if e.is_input_error() => ExitCode::from(2),
        _ => ExitCode::FAILURE,
    }
}

fn run(args: RunArgs) -> anyhow::Result<ExitCode> {
    let scenario = scenario::load(&args.scenario).map_err(AppError::from)?;
    let stopping = match args.precision {
        None => Stopping::Paths(args.paths.unwrap_or(app::run::DEFAULT_PATHS)),
        Some(half_width) => {
            let max_paths = args.paths.unwrap_or(app::run::PRECISION_MAX_PATHS);
            Stopping::Precision { half_width, min_paths: app::run::PRECISION_MIN_PATHS.min(max_paths), max_paths }
        }
    };
    let options = RunOptions { seed: args.seed, stopping, threads: args.threads.map(usize::from) };
    let out = args.out.unwrap_or_else(|| app::run::default_results_dir(&scenario));

    let total = match stopping {
        Stopping::Paths(n) | Stopping::Precision { max_paths: n, .. } => n,
    };
    let bar = progress_bar(total);
    let simulated = app::run::simulate(&scenario, &options, &out, args.force, &mut |done| bar.set_position(done));
    bar.finish_and_clear();
    let simulated = simulated?;

    let mut text = table::render(simulated.report());
    if let Stopping::Precision { half_width, max_paths, .. } = stopping {
        text.push('\n');
        text.push_str(&app::run::precision_note(simulated.report(), half_width, max_paths));
        text.push('\n');
    }
    // The files are the product: a closed stdout (e.g. `| head`) must not stop them being written.
    let _ = io::stdout().lock().write_all(text.as_bytes());

    let published = simulated.publish(!args.no_charts)?;
    let names: Vec<String> = published.files.iter().filter_map(|f| f.file_name()).map(|n| n.to_string_lossy().into_owned()).collect();
    eprintln!("wrote {}: {}", published.dir.display(), names.join(", "));
    Ok(ExitCode::SUCCESS)
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
    let report = app::calibrate::calibrate(&scenario, args.seed, args.companies)?;
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
