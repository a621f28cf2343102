//! `fifsim run`: simulate a scenario and publish its results folder.
//!
//! The run is built in a staging folder beside the results folder ([`stage`]): `paths.csv`
//! is streamed there while paths are simulated, then `summary.json` and `quarterly.csv` are
//! written; the charts, `report.xlsx` and `report.html` are made and the folder swapped in by
//! [`Pending::publish`].

use std::path::{Path, PathBuf};

use super::AppError;
use crate::analysis::plan_vs_actual::PlanVsActual;
use super::publish::{Documents, Pending, safe_folder_name, stage};
use crate::charts::{self, ChartError};
use crate::engine::{self, RunOptions, RunResults, Stopping};
use crate::metrics::path::Schema;
use crate::output::{Command, Staging};
use crate::report::Report;
use crate::report::document::{self, Document};
use crate::report::export::{PathsCsv, SUMMARY_JSON, write_quarterly_csv, write_summary_json};
use crate::scenario::Scenario;

/// Default master seed: 20250926, the date the 2025 measures (沪府办规〔2025〕8号) took effect.
pub const DEFAULT_SEED: u64 = 20_250_926;
/// Default number of paths.
pub const DEFAULT_PATHS: u64 = 10_000;
/// `fifsim run`, as its folders' manifests name it.
pub const COMMAND: Command = Command { name: "run", marker: SUMMARY_JSON };
/// Folder under which runs go by default, one subfolder per scenario file.
pub const RESULTS_ROOT: &str = "results";

/// `results/<scenario file stem>` (`results/mine` for `mine.toml`), with characters unsafe in a
/// folder name replaced by `_`. Named after the file, not the scenario's `name`, which a copied
/// file keeps: a copy of `base.toml` never writes into base's results.
pub fn default_results_dir(scenario: &Scenario) -> PathBuf {
    Path::new(RESULTS_ROOT).join(safe_folder_name(&file_stem(scenario), "scenario"))
}

/// The scenario file's name without its extension (the scenario's `name` if the path has none),
/// which names the default output folders.
pub fn file_stem(scenario: &Scenario) -> String {
    let stem = scenario.source.file_stem().map(|stem| stem.to_string_lossy().into_owned());
    stem.filter(|stem| !stem.is_empty()).unwrap_or_else(|| scenario.name.clone())
}

/// Simulates `scenario` and writes `summary.json`, `paths.csv` and `quarterly.csv` into a
/// staging folder for `out`; `progress` is told the paths done after every chunk.
///
/// The results-folder policy is checked before anything is simulated: an `out` holding a run
/// is refused unless `force`, and one fifsim cannot prove it wrote is never replaced (see
/// [`crate::output::check_output_dir`]).
///
/// # Errors
/// [`AppError::Output`] for a refused or unwritable folder, [`AppError::Engine`],
/// [`AppError::Export`].
pub fn simulate(scenario: &Scenario, options: &RunOptions, out: &Path, force: bool, progress: &mut dyn FnMut(u64)) -> Result<Pending<Report>, AppError> {
    let staging = stage(out, force, COMMAND)?;
    let schema = Schema::new(scenario);
    let mut sink = PathsCsv::create(staging.dir(), &schema)?;
    let results = engine::run(scenario, options, progress, Some(&mut sink))
        .map_err(|source| AppError::Engine { file: scenario.source.clone(), source })?;
    let plan_vs_actual = crate::analysis::plan_vs_actual::measure(scenario, options.seed, results.paths, options.threads)
        .map_err(|source| AppError::Engine { file: scenario.source.clone(), source })?;
    summarise(scenario, &results, plan_vs_actual, staging, sink)
}

/// What a run writes once its paths are simulated, with every path's row already in `sink`:
/// `summary.json`, `paths.csv`, `quarterly.csv`, and the charts to draw. The one ending of a run,
/// whether simulated here or merged from shards ([`super::merge`]). `plan_vs_actual` is where
/// the book sits in the plan's fans, for a scenario with `[as_of]` (never sharded).
///
/// # Errors
/// [`AppError::Engine`] if the values cannot be read back, [`AppError::Export`].
pub(super) fn summarise(scenario: &Scenario, results: &RunResults, plan_vs_actual: Option<PlanVsActual>, staging: Staging, sink: PathsCsv) -> Result<Pending<Report>, AppError> {
    let mut report = Report::build(scenario, results).map_err(|source| AppError::Engine { file: scenario.source.clone(), source })?;
    report.plan_vs_actual = plan_vs_actual.map(Box::new);
    let files = vec![write_summary_json(&report, staging.dir())?, sink.finish(results.paths)?, write_quarterly_csv(&report, staging.dir())?];
    Ok(Pending::new(report, staging, files))
}

impl Documents for Report {
    fn draw_charts(&self, dir: &Path) -> Result<Vec<PathBuf>, ChartError> {
        charts::draw_all(self, dir)
    }

    fn document(&self) -> Document {
        document::run::document(self)
    }
}

/// How a run with a precision target ended (the paths used and the interval reached); `None` for
/// a run of fixed size.
pub fn precision_note(report: &Report, stopping: &Stopping) -> Option<String> {
    let tvpi = report.metric("fund_tvpi");
    let std_error = tvpi.map_or(f64::NAN, |m| m.mean_estimate.map_or(m.summary.std_error, |e| e.std_error));
    stopping.note(report.provenance.paths, std_error)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_run_that_is_never_published_leaves_the_old_results_alone() {
        let scenario = crate::testing::base();
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("base");
        let options = RunOptions { seed: 1, stopping: Stopping::Paths(20), threads: Some(1) };
        simulate(&scenario, &options, &out, false, &mut |_| {}).unwrap().publish(crate::app::publish::Outputs { charts: false, workbook: false }).unwrap();
        let listing = |dir: &Path| {
            let mut names: Vec<_> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name()).collect();
            names.sort();
            names
        };
        let (before, summary) = (listing(&out), std::fs::read(out.join("summary.json")).unwrap());
        assert!(simulate(&scenario, &options, &out, false, &mut |_| {}).is_err(), "refused without force");
        let simulated = simulate(&scenario, &RunOptions { seed: 2, ..options }, &out, true, &mut |_| {}).unwrap();
        assert_eq!(simulated.result.provenance.paths, 20);
        drop(simulated); // e.g. drawing the charts failed
        assert_eq!(listing(tmp.path()), ["base"]);
        assert_eq!(listing(&out), before);
        assert_eq!(std::fs::read(out.join("summary.json")).unwrap(), summary);
    }

    #[test]
    fn default_folder_is_named_after_the_scenario_file() {
        let s = crate::testing::base();
        assert_eq!(default_results_dir(&s), Path::new("results/base"));
        // A copy keeps `name = "base"`; its folder is its own.
        let copy = |raw: crate::scenario::raw::RawScenario, file: &str| crate::scenario::validate::validate(raw, Path::new(file)).unwrap();
        let s = copy(s.raw().clone(), "elsewhere/my copy.toml");
        assert_eq!(default_results_dir(&s), Path::new("results/my_copy"));
        let mut raw = s.raw().clone();
        raw.name = Some("../x y".into());
        let s = copy(raw, "..");
        assert_eq!(default_results_dir(&s), Path::new("results/scenario.._x_y"));
    }
}
