//! The `fifsim` binary end to end: tiny runs (a few hundred paths, release build), the files
//! they write, the results-folder policy, validation messages and exit codes.
//!
//! Exit codes under test: 0 success, 1 the work failed, 2 bad input (usage, scenario file,
//! results folder taken, not a results folder).

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use tempfile::TempDir;

fn fifsim() -> Command {
    let mut cmd = Command::cargo_bin("fifsim").expect("the fifsim binary is built");
    // A user's RUST_BACKTRACE must never turn an input error into a backtrace.
    cmd.env("RUST_BACKTRACE", "1");
    cmd
}

fn scenarios_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios")
}

fn base() -> PathBuf {
    scenarios_dir().join("base.toml")
}

/// Runs `fifsim run base.toml --out <out> --no-charts --paths <paths>` plus `extra`.
fn tiny_run(out: &Path, paths: u64, extra: &[&str]) -> assert_cmd::assert::Assert {
    fifsim()
        .arg("run")
        .arg(base())
        .arg("--out")
        .arg(out)
        .args(["--no-charts", "--paths", &paths.to_string()])
        .args(extra)
        .assert()
}

/// Every file under `dir` (relative name → bytes).
fn snapshot(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut files = BTreeMap::new();
    for entry in fs::read_dir(dir).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name().to_string_lossy().into_owned();
        if entry.file_type().unwrap().is_dir() {
            for (inner, bytes) in snapshot(&entry.path()) {
                files.insert(format!("{name}/{inner}"), bytes);
            }
        } else {
            files.insert(name, fs::read(entry.path()).unwrap());
        }
    }
    files
}

fn names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    names.sort();
    names
}

fn stderr(assert: &assert_cmd::assert::Assert) -> String {
    String::from_utf8_lossy(&assert.get_output().stderr).into_owned()
}

fn stdout(assert: &assert_cmd::assert::Assert) -> String {
    String::from_utf8_lossy(&assert.get_output().stdout).into_owned()
}

#[test]
fn help_lists_every_command() {
    let assert = fifsim().arg("--help").assert().success();
    let text = stdout(&assert);
    for command in ["run", "validate", "calibrate", "chart", "Exit status"] {
        assert!(text.contains(command), "{command} missing from --help:\n{text}");
    }
    let run_help = stdout(&fifsim().args(["run", "--help"]).assert().success());
    assert!(run_help.contains("20250926") && run_help.contains("took effect"), "{run_help}");
}

#[test]
fn tiny_run_writes_summary_paths_and_quarterly_with_provenance() {
    let tmp = TempDir::new().unwrap();
    let out = tmp.path().join("run");
    let assert = tiny_run(&out, 300, &["--seed", "7"]).success();
    let table = stdout(&assert);
    for block in ["FUND", "TVPI", "P(TVPI < 1)", "SLEEVES", "POLICY OUTCOMES", "SUB-FUND DISPERSION", "300 paths"] {
        assert!(table.contains(block), "{block} missing from the table:\n{table}");
    }
    assert!(table.lines().all(|l| l.chars().count() <= 100), "table wider than 100 columns:\n{table}");
    // stderr is not a terminal here, so indicatif hides the progress bar: only the final note.
    let err = stderr(&assert);
    assert!(!err.contains("eta") && !err.contains('\r'), "progress bar drawn on a pipe: {err:?}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.starts_with(&format!("wrote {}", out.display())), "{err}");

    assert_eq!(names(&out), ["paths.csv", "quarterly.csv", "summary.json"]);
    assert_eq!(names(tmp.path()), ["run"], "no staging folder left behind");
    let provenance = format!("# fifsim {} scenario=base seed=7 paths=300", env!("CARGO_PKG_VERSION"));

    let summary: serde_json::Value = serde_json::from_slice(&fs::read(out.join("summary.json")).unwrap()).unwrap();
    assert_eq!(summary["provenance"]["paths"], 300);
    assert_eq!(summary["provenance"]["seed"], 7);
    assert_eq!(summary["provenance"]["scenario"], "base");
    assert!(summary["metrics"].as_array().is_some_and(|m| !m.is_empty()));

    let paths = fs::read_to_string(out.join("paths.csv")).unwrap();
    let lines: Vec<&str> = paths.lines().collect();
    assert_eq!(lines.len(), 302, "provenance, header, one row per path");
    assert_eq!(lines[0], provenance);
    assert!(lines[1].starts_with("path,fund_tvpi,"));
    let columns = lines[1].split(',').count();
    assert!(lines[2..].iter().all(|l| l.split(',').count() == columns));
    assert!(lines[2].starts_with("0,") && lines[301].starts_with("299,"));

    let quarterly = fs::read_to_string(out.join("quarterly.csv")).unwrap();
    let lines: Vec<&str> = quarterly.lines().collect();
    assert_eq!(lines[0], provenance);
    assert_eq!(lines[1], "series,quarter_index,quarter,p5,p25,p50,p75,p95");
    let horizon = summary["provenance"]["horizon_quarters"].as_u64().unwrap() as usize;
    let series = summary["fans"].as_array().unwrap().len();
    assert_eq!(lines.len(), 2 + series * (horizon + 1));
    assert!(lines[2].starts_with("fund_cumulative_net_cny_m,0,2024Q3,"), "{}", lines[2]);
}

#[test]
fn outputs_are_byte_identical_for_one_and_two_threads() {
    let tmp = TempDir::new().unwrap();
    let (one, two) = (tmp.path().join("one"), tmp.path().join("two"));
    let table_one = stdout(&tiny_run(&one, 300, &["--threads", "1"]).success());
    let table_two = stdout(&tiny_run(&two, 300, &["--threads", "2"]).success());
    assert_eq!(table_one, table_two);
    let (a, b) = (snapshot(&one), snapshot(&two));
    assert_eq!(a.keys().collect::<Vec<_>>(), b.keys().collect::<Vec<_>>());
    for (name, bytes) in &a {
        assert!(bytes == &b[name], "{name} differs between 1 and 2 threads");
    }
}

#[test]
fn default_results_folder_is_named_after_the_scenario() {
    let tmp = TempDir::new().unwrap();
    fifsim().current_dir(tmp.path()).arg("run").arg(base()).args(["--paths", "50", "--no-charts"]).assert().success();
    assert_eq!(names(&tmp.path().join("results/base")), ["paths.csv", "quarterly.csv", "summary.json"]);
}

#[test]
fn precision_run_reports_the_paths_it_used() {
    let tmp = TempDir::new().unwrap();
    let out = tmp.path().join("p");
    // A loose target is met by the first chunk, capped here at 1200 paths.
    let assert = tiny_run(&out, 1200, &["--precision", "5"]).success();
    assert!(stdout(&assert).contains("precision reached after 1200 paths"), "{}", stdout(&assert));
    let paths = fs::read_to_string(out.join("paths.csv")).unwrap();
    assert_eq!(paths.lines().count(), 1202);
    assert!(paths.starts_with(&format!("# fifsim {} scenario=base seed=20250926 paths=1200\n", env!("CARGO_PKG_VERSION"))));
    fifsim().args(["run", "--precision=-1"]).assert().code(2);
}

#[test]
fn validate_accepts_every_shipped_scenario() {
    let mut files: Vec<PathBuf> =
        fs::read_dir(scenarios_dir()).unwrap().map(|e| e.unwrap().path()).filter(|p| p.extension().is_some_and(|e| e == "toml")).collect();
    files.sort();
    assert!(!files.is_empty());
    let assert = fifsim().arg("validate").args(&files).assert().success();
    let text = stdout(&assert);
    assert_eq!(text.lines().count(), files.len(), "{text}");
    for (line, file) in text.lines().zip(&files) {
        assert!(line.starts_with(&format!("ok: {} (", file.display())), "{line}");
        assert!(line.contains("sub-funds, horizon"), "{line}");
    }
}

/// Writes a scenario that extends the shipped base with `body`.
fn scenario_file(dir: &Path, name: &str, body: &str) -> PathBuf {
    let path = dir.join(name);
    let extends = base().display().to_string().replace('\\', "/");
    fs::write(&path, format!("extends = {extends:?}\n{body}")).unwrap();
    path
}

#[test]
fn malformed_scenarios_fail_with_one_clear_message() {
    let tmp = TempDir::new().unwrap();
    let cases = [
        (scenario_file(tmp.path(), "unknown.toml", "[fund]\nsize_cny_mm = 1.0\n"), "fund.size_cny_mm"),
        (
            scenario_file(
                tmp.path(),
                "range.toml",
                "[profiles.prototype.stages.seed]\noutcome = { advance = 1.37, acquired = 0.15, failed = 0.33, hold = 0.15 }\n",
            ),
            "profiles.prototype.stages.seed.outcome.advance",
        ),
        (scenario_file(tmp.path(), "syntax.toml", "[fund\nsize_cny_m = 1\n"), "line 2"),
        (tmp.path().join("missing.toml"), "cannot read"),
    ];
    for (file, field) in &cases {
        for command in ["validate", "run"] {
            let mut cmd = fifsim();
            cmd.arg(command).arg(file);
            if command == "run" {
                cmd.arg("--out").arg(tmp.path().join("never"));
            }
            let assert = cmd.assert().code(2);
            let err = stderr(&assert);
            let first = err.lines().next().unwrap_or_default();
            assert!(first.starts_with(&format!("error: {}", file.display())), "{command} {}: {err}", file.display());
            assert!(first.contains(field), "{command}: {field} not named: {err}");
            assert!(!err.contains("panicked") && !err.contains("backtrace"), "{err}");
            assert!(stdout(&assert).is_empty(), "{command}: {}", stdout(&assert));
        }
    }
    let range = stderr(&fifsim().arg("validate").arg(&cases[1].0).assert().code(2));
    assert!(range.contains("must be in [0, 1], got 1.37"), "{range}");
    // One bad file among good ones still fails, and the good ones are reported.
    let assert = fifsim().arg("validate").arg(base()).arg(&cases[0].0).assert().code(2);
    assert!(stdout(&assert).starts_with("ok: "));
    assert!(!tmp.path().join("never").exists());
}

#[test]
fn existing_results_are_refused_untouched_without_force_and_replaced_with_it() {
    let tmp = TempDir::new().unwrap();
    let out = tmp.path().join("base");
    fs::create_dir(&out).unwrap();
    fs::write(out.join("summary.json"), "previous run").unwrap();
    fs::write(out.join("notes.txt"), "kept?").unwrap();
    let before = snapshot(tmp.path());

    let assert = tiny_run(&out, 50, &[]).code(2);
    let err = stderr(&assert);
    assert_eq!(
        err.trim_end(),
        format!("error: {} already holds a run (summary.json); use --force to replace it or --out to choose another folder", out.display())
    );
    assert!(stdout(&assert).is_empty(), "refused before simulating");
    assert_eq!(snapshot(tmp.path()), before, "left untouched");

    tiny_run(&out, 50, &["--force"]).success();
    assert_eq!(names(&out), ["paths.csv", "quarterly.csv", "summary.json"], "the old run is replaced as a whole");
    assert_eq!(names(tmp.path()), ["base"], "no staging or replaced folder left behind");
    let summary: serde_json::Value = serde_json::from_slice(&fs::read(out.join("summary.json")).unwrap()).unwrap();
    assert_eq!(summary["provenance"]["paths"], 50);
}

#[test]
fn force_never_replaces_a_folder_that_is_not_a_run() {
    let tmp = TempDir::new().unwrap();
    fs::write(tmp.path().join("thesis.tex"), "precious").unwrap();
    let assert = tiny_run(tmp.path(), 50, &["--force"]).code(2);
    assert!(stderr(&assert).contains("holds no fifsim run"), "{}", stderr(&assert));
    assert_eq!(names(tmp.path()), ["thesis.tex"]);
}

#[test]
fn chart_redraws_a_run_and_rejects_other_folders() {
    let tmp = TempDir::new().unwrap();
    let out = tmp.path().join("run");
    fifsim().arg("run").arg(base()).arg("--out").arg(&out).args(["--paths", "200"]).assert().success();
    let charts: Vec<String> = names(&out).into_iter().filter(|n| n.ends_with(".png")).collect();
    assert!(!charts.is_empty(), "a run draws charts");
    for chart in &charts {
        fs::remove_file(out.join(chart)).unwrap();
    }
    fifsim().arg("chart").arg(&out).assert().success();
    let redrawn: Vec<String> = names(&out).into_iter().filter(|n| n.ends_with(".png")).collect();
    assert_eq!(redrawn, charts);

    let missing = tmp.path().join("nothing-here");
    let assert = fifsim().arg("chart").arg(&missing).assert().code(2);
    let err = stderr(&assert);
    assert!(err.starts_with(&format!("error: {}: no such folder", missing.display())), "{err}");
    let empty = tmp.path().join("empty");
    fs::create_dir(&empty).unwrap();
    assert!(stderr(&fifsim().arg("chart").arg(&empty).assert().code(2)).contains("holds no summary.json"));
}

#[test]
fn calibrate_prints_model_against_targets() {
    let assert = fifsim().arg("calibrate").arg(base()).args(["--companies", "400"]).assert().success();
    let text = stdout(&assert);
    for word in ["< 1×", "1–5×", "5–10×", "≥ 10×", "65.0%", "51.0%", "IPO", "Median years"] {
        assert!(text.contains(word), "{word} missing:\n{text}");
    }
    let json = stdout(&fifsim().arg("calibrate").arg(base()).args(["--companies", "400", "--json"]).assert().success());
    let value: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(value["model"]["companies"], 400);
}

#[test]
fn usage_errors_are_clap_messages_with_exit_2() {
    let err = stderr(&fifsim().args(["run", "--bogus"]).assert().code(2));
    assert!(err.contains("unexpected argument '--bogus'"), "{err}");
    fifsim().args(["run", "--paths", "0"]).assert().code(2);
    fifsim().arg("validate").assert().code(2);
    fifsim().assert().code(2);
}
