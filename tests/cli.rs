//! The `fifsim` binary end to end: tiny runs (a few hundred paths, release build), the files
//! they write, the results-folder policy, validation messages and exit codes.
//!
//! Exit codes under test: 0 success, 1 the work failed, 2 bad input (usage, scenario file,
//! results folder taken, not a results folder).

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use calamine::DataType as _;
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
    for command in ["run", "validate", "calibrate", "chart", "pace", "Exit status"] {
        assert!(text.contains(command), "{command} missing from --help:\n{text}");
    }
    let run_help = stdout(&fifsim().args(["run", "--help"]).assert().success());
    assert!(run_help.contains("20250926") && run_help.contains("took effect"), "{run_help}");
}

#[test]
fn tiny_run_writes_summary_paths_and_quarterly() {
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

    assert_eq!(names(&out), ["fifsim-manifest.json", "paths.csv", "quarterly.csv", "report.html", "report.xlsx", "summary.json"]);
    assert_eq!(names(tmp.path()), ["run"], "no staging folder left behind");

    let summary: serde_json::Value = serde_json::from_slice(&fs::read(out.join("summary.json")).unwrap()).unwrap();
    assert_eq!(summary["provenance"]["paths"], 300);
    assert_eq!(summary["provenance"]["seed"], 7);
    assert_eq!(summary["provenance"]["scenario"], "base");
    assert!(summary["metrics"].as_array().is_some_and(|m| !m.is_empty()));

    let paths = fs::read_to_string(out.join("paths.csv")).unwrap();
    let lines: Vec<&str> = paths.lines().collect();
    assert_eq!(lines.len(), 301, "header, one row per path");
    assert!(lines[0].starts_with("path,fund_tvpi,"));
    let columns = lines[0].split(',').count();
    assert!(lines[1..].iter().all(|l| l.split(',').count() == columns));
    assert!(lines[1].starts_with("0,") && lines[300].starts_with("299,"));

    let quarterly = fs::read_to_string(out.join("quarterly.csv")).unwrap();
    let lines: Vec<&str> = quarterly.lines().collect();
    assert_eq!(lines[0], "series,quarter_index,quarter,p5,p25,p50,p75,p95");
    let horizon = summary["provenance"]["horizon_quarters"].as_u64().unwrap() as usize;
    let series = summary["fans"].as_array().unwrap().len();
    // The cash account's fans (base has a funding plan) follow the others.
    let cash_series = summary["liquidity"]["fans"].as_array().unwrap().len();
    assert_eq!(cash_series, 2);
    assert_eq!(lines.len(), 1 + (series + cash_series) * (horizon + 1));
    assert!(lines[1].starts_with("fund_cumulative_net_cny_m,0,2024Q3,"), "{}", lines[1]);
    assert!(lines[1 + series * (horizon + 1)].starts_with("cash_balance_cny_m,0,2024Q3,"), "{}", lines[1 + series * (horizon + 1)]);
    assert!(table.contains("LIQUIDITY"), "{table}");
}

/// The base plan and the tight budget side by side: each run writes `liquidity.png` and the
/// `liquidity` answers; the tight budget falls short on some paths, the base plan on none, and
/// `fifsim chart` redraws the liquidity chart from `summary.json`.
#[test]
fn runs_with_a_funding_plan_write_the_liquidity_answers_and_chart() {
    let tmp = TempDir::new().unwrap();
    let mut shortfall = Vec::new();
    for name in ["base", "tight_budget"] {
        let out = tmp.path().join(name);
        let scenario = scenarios_dir().join(format!("{name}.toml"));
        let assert = fifsim().arg("run").arg(&scenario).arg("--out").arg(&out).args(["--paths", "300", "--seed", "5"]).assert().success();
        let table = stdout(&assert);
        assert!(table.contains("LIQUIDITY") && table.contains("P(any year's calls exceed"), "{table}");
        let png = fs::read(out.join("liquidity.png")).unwrap();
        assert!(png.starts_with(b"\x89PNG"), "liquidity.png is a PNG");
        let summary: serde_json::Value = serde_json::from_slice(&fs::read(out.join("summary.json")).unwrap()).unwrap();
        let liquidity = &summary["liquidity"];
        assert_eq!(liquidity["years"].as_array().unwrap().len(), 19, "2024 to 2042");
        assert!(liquidity["years"][2]["calls_cny_m"]["p99"].as_f64().unwrap() >= liquidity["years"][2]["calls_cny_m"]["p95"].as_f64().unwrap());
        shortfall.push(liquidity["life"]["p_any_shortfall"]["estimate"].as_f64().unwrap());
        fs::remove_file(out.join("liquidity.png")).unwrap();
        fifsim().arg("chart").arg(&out).assert().success();
        assert!(out.join("liquidity.png").is_file(), "chart redraws liquidity.png");
    }
    assert_eq!(shortfall[0], 0.0, "the base plan covers every path");
    assert!(shortfall[1] > 0.05 && shortfall[1] < 0.95, "the tight budget falls short on some paths: {}", shortfall[1]);
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
    assert_eq!(names(&tmp.path().join("results/base")), ["fifsim-manifest.json", "paths.csv", "quarterly.csv", "report.html", "report.xlsx", "summary.json"]);
}

#[test]
fn precision_run_reports_the_paths_it_used() {
    let tmp = TempDir::new().unwrap();
    let out = tmp.path().join("p");
    // A loose target is met by the first chunk, capped here at 1200 paths.
    let assert = tiny_run(&out, 1200, &["--precision", "5"]).success();
    assert!(stdout(&assert).contains("precision reached after 1200 paths"), "{}", stdout(&assert));
    let paths = fs::read_to_string(out.join("paths.csv")).unwrap();
    assert_eq!(paths.lines().count(), 1201);
    assert!(paths.starts_with("path,fund_tvpi,"));
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
    tiny_run(&out, 60, &[]).success();
    let before = snapshot(tmp.path());

    let assert = tiny_run(&out, 50, &[]).code(2);
    let err = stderr(&assert);
    assert_eq!(
        err.trim_end(),
        format!("error: {} already holds a run of `fifsim run`; use --force to replace it or --out to choose another folder", out.display())
    );
    assert!(stdout(&assert).is_empty(), "refused before simulating");
    assert_eq!(snapshot(tmp.path()), before, "left untouched");

    tiny_run(&out, 50, &["--force"]).success();
    assert_eq!(names(&out), ["fifsim-manifest.json", "paths.csv", "quarterly.csv", "report.html", "report.xlsx", "summary.json"], "the old run is replaced as a whole");
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
fn usage_errors_are_clap_messages_with_exit_2() {
    let err = stderr(&fifsim().args(["run", "--bogus"]).assert().code(2));
    assert!(err.contains("unexpected argument '--bogus'"), "{err}");
    fifsim().args(["run", "--paths", "0"]).assert().code(2);
    fifsim().arg("validate").assert().code(2);
    fifsim().assert().code(2);
}

// ---------------------------------------------------------------------------------------------
// Decision commands: compare, sensitivity, frontier.

fn scenario(name: &str) -> PathBuf {
    scenarios_dir().join(name)
}

/// The CSV's rows as maps from header (its first line) to field.
fn csv_rows(text: &str) -> Vec<BTreeMap<String, String>> {
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let header: Vec<String> = reader.headers().unwrap().iter().map(str::to_string).collect();
    reader.records().map(|r| header.iter().cloned().zip(r.unwrap().iter().map(str::to_string)).collect()).collect()
}

#[test]
fn decision_commands_are_listed_with_their_help() {
    let text = stdout(&fifsim().arg("--help").assert().success());
    for command in ["compare", "sensitivity", "frontier"] {
        assert!(text.contains(command), "{command} missing from --help:\n{text}");
    }
    for (command, words) in [("compare", &["common random numbers"][..]), ("sensitivity", &["÷/× 1.25", "31 runs"][..]), ("frontier", &["P(fund TVPI < 1)", "allocations"][..])] {
        let help = stdout(&fifsim().args([command, "--help"]).assert().success());
        for word in words {
            assert!(help.contains(word), "{command} --help lacks {word:?}:\n{help}");
        }
    }
}

#[test]
fn compare_writes_table_json_csv_and_charts_and_itself_differs_by_zero() {
    let tmp = TempDir::new().unwrap();
    let out = tmp.path().join("cmp");
    let assert = fifsim().arg("compare").arg(base()).arg(base()).arg(scenario("direct_heavy.toml")).arg("--out").arg(&out).args(["--paths", "200", "--seed", "9"]).assert().success();
    let table = stdout(&assert);
    for block in ["COMPARISON", "LEVELS", "B − A (base − base)", "C − A (direct_heavy − base)", "paired 95% CI", "±indep.", "exact"] {
        assert!(table.contains(block), "{block} missing:\n{table}");
    }
    assert!(table.lines().all(|l| l.chars().count() <= 100), "table wider than 100 columns:\n{table}");
    assert_eq!(names(&out), ["compare.csv", "compare.json", "compare_curves.json", "compare_jcurve.png", "compare_tvpi.png", "fifsim-manifest.json", "report.html", "report.xlsx"]);
    assert!(stderr(&assert).starts_with(&format!("wrote {}", out.display())));

    let json: serde_json::Value = serde_json::from_slice(&fs::read(out.join("compare.json")).unwrap()).unwrap();
    let p = &json["provenance"];
    assert_eq!((p["seed"].as_u64(), p["paths"].as_u64(), p["runs"].as_u64()), (Some(9), Some(200), Some(3)));
    assert_eq!(p["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(p["scenarios"][2]["name"], "direct_heavy");

    let csv = fs::read_to_string(out.join("compare.csv")).unwrap();
    assert!(csv.starts_with("measure,label,statistic,scenario,"), "{csv}");
    let rows = csv_rows(&csv);
    let row = |measure: &str, k: usize| rows.iter().filter(|r| r["measure"] == measure).nth(k).cloned().unwrap();
    // The same scenario on the same seed: every difference exactly 0, with a zero-width interval.
    for measure in ["fund_tvpi", "p_fund_tvpi_below_1", "fund_tvpi_es5", "peak_capital_need"] {
        let same = row(measure, 1);
        for column in ["difference_vs_first", "paired_ci95_low", "paired_ci95_high", "paired_half_width"] {
            assert_eq!(same[column], "0", "{measure} {column}: {same:?}");
        }
        assert_ne!(same["independent_half_width"], "0", "{measure}: {same:?}");
    }
    // A real difference is paired: narrower than two independent runs would give.
    let heavy = row("fund_tvpi", 2);
    let (paired, independent): (f64, f64) = (heavy["paired_half_width"].parse().unwrap(), heavy["independent_half_width"].parse().unwrap());
    assert!(paired > 0.0 && paired < independent, "{heavy:?}");
}

#[test]
fn decision_folders_follow_the_results_folder_policy() {
    let tmp = TempDir::new().unwrap();
    let out = tmp.path().join("cmp");
    let compare = |extra: &[&str]| fifsim().arg("compare").arg(base()).arg(scenario("no_buyback.toml")).arg("--out").arg(&out).args(["--paths", "50", "--no-charts"]).args(extra).assert();
    compare(&[]).success();
    let before = snapshot(&out);
    let err = stderr(&compare(&[]).code(2));
    assert!(err.contains("already holds a run of `fifsim compare`; use --force"), "{err}");
    assert_eq!(snapshot(&out), before);
    compare(&["--force", "--seed", "3"]).success();
    assert_eq!(names(&out), ["compare.csv", "compare.json", "compare_curves.json", "fifsim-manifest.json", "report.html", "report.xlsx"]);
    assert_eq!(names(tmp.path()), ["cmp"], "no staging folder left behind");
    // A folder of another command (or anything else) is never replaced, even with --force.
    let err = stderr(&fifsim().arg("sensitivity").arg(base()).arg("--out").arg(&out).args(["--paths", "10", "--force"]).assert().code(2));
    assert!(err.contains("holds a run of `fifsim compare`, which `fifsim sensitivity` never replaces"), "{err}");
    let run = tmp.path().join("run");
    tiny_run(&run, 20, &[]).success();
    let err = stderr(&fifsim().arg("compare").arg(base()).arg(base()).arg("--out").arg(&run).args(["--paths", "10", "--force"]).assert().code(2));
    assert!(err.contains("holds a run of `fifsim run`, which `fifsim compare` never replaces"), "{err}");
    assert_eq!(names(&run), ["fifsim-manifest.json", "paths.csv", "quarterly.csv", "report.html", "report.xlsx", "summary.json"], "the run is left alone");
    let err = stderr(&fifsim().arg("frontier").arg(base()).arg("--out").arg(&run).args(["--paths", "10", "--force"]).assert().code(2));
    assert!(err.contains("never replaces"), "{err}");
}

#[test]
fn decision_usage_errors_exit_2() {
    fifsim().arg("compare").arg(base()).assert().code(2);
    let err = stderr(&fifsim().args(["frontier", "--direct-shares", "0.1,1.5"]).assert().code(2));
    assert!(err.contains("must be a share in [0, 1], got 1.5"), "{err}");
    fifsim().args(["frontier", "--grid", "0"]).assert().code(2);
    fifsim().args(["sensitivity", "--paths", "1"]).assert().code(2);
    let tmp = TempDir::new().unwrap();
    // A grid the scenario cannot take (no direct deals in the exploration tier to scale up) fails
    // before anything is simulated, naming the tier.
    let body = "[fields.quantum_technology]\ndirect_weight = 0.0\n[fields.controlled_fusion]\ndirect_weight = 0.0\n[fields.regenerative_medicine]\ndirect_weight = 0.0\n";
    let no_exploration = scenario_file(tmp.path(), "no_exploration.toml", body);
    let out = tmp.path().join("f");
    let assert = fifsim().arg("frontier").arg(&no_exploration).arg("--out").arg(&out).args(["--grid", "1"]).assert().code(2);
    assert!(stderr(&assert).contains("the direct sleeve has nothing in the exploration tier"), "{}", stderr(&assert));
    assert!(stdout(&assert).is_empty() && !out.exists());
    let err = stderr(&fifsim().arg("compare").arg(base()).arg(tmp.path().join("missing.toml")).arg("--out").arg(tmp.path().join("x")).assert().code(2));
    assert!(err.starts_with("error: ") && err.contains("missing.toml"), "{err}");
}

#[test]
fn sensitivity_ranks_every_shock_with_paired_intervals() {
    let tmp = TempDir::new().unwrap();
    let out = tmp.path().join("sens");
    let assert = fifsim().arg("sensitivity").arg(base()).arg("--out").arg(&out).args(["--paths", "100"]).assert().success();
    let table = stdout(&assert);
    assert!(table.contains("SENSITIVITY") && table.contains("Exit multiples") && table.contains("×1.25"), "{table}");
    assert!(table.lines().all(|l| l.chars().count() <= 100), "{table}");
    let by_loss: Vec<f64> = table
        .lines()
        .skip_while(|l| !l.starts_with("Ranked by the larger |Δ P(TVPI < 1)|"))
        .skip(1)
        .map(|l| l.split_whitespace().rev().take(3).filter_map(|x| x.trim_end_matches("pp").parse::<f64>().ok()).map(f64::abs).fold(0.0, f64::max))
        .collect();
    assert_eq!(by_loss.len(), 15, "{table}");
    assert!(by_loss.windows(2).all(|w| w[0] >= w[1]), "ranked by |Δ P|: {by_loss:?}");
    assert_eq!(names(&out), ["fifsim-manifest.json", "report.html", "report.xlsx", "sensitivity.csv", "sensitivity.json", "tornado.png"]);
    let rows = csv_rows(&fs::read_to_string(out.join("sensitivity.csv")).unwrap());
    assert_eq!(rows.len(), 1 + 2 * 15, "base and 15 shocks down and up");
    assert_eq!(rows[0]["shock"], "base");
    let sizes: Vec<f64> = rows[1..]
        .chunks(2)
        .map(|pair| pair.iter().map(|r| r["d_mean_tvpi"].parse::<f64>().unwrap().abs()).fold(0.0, f64::max))
        .collect();
    assert!(sizes.windows(2).all(|w| w[0] >= w[1]), "ranked by |effect|: {sizes:?}");
    let exit_up = rows.iter().find(|r| r["shock"] == "exit_multiples" && r["direction"] == "up").unwrap();
    assert!(exit_up["d_mean_tvpi_ci95_low"].parse::<f64>().unwrap() > 0.0, "{exit_up:?}");
    let json: serde_json::Value = serde_json::from_slice(&fs::read(out.join("sensitivity.json")).unwrap()).unwrap();
    assert_eq!(json["provenance"]["runs"], 31);
}

#[test]
fn frontier_is_reproducible_and_marks_an_efficient_set() {
    let tmp = TempDir::new().unwrap();
    let frontier = |dir: &str, threads: &str| {
        fifsim()
            .arg("frontier")
            .arg(base())
            .arg("--out")
            .arg(tmp.path().join(dir))
            .args(["--grid", "2", "--direct-shares", "0.1,0.5", "--paths", "60", "--threads", threads])
            .assert()
            .success()
    };
    let table = stdout(&frontier("one", "1"));
    assert!(table.contains("Primary risk: P(fund TVPI < 1)") && table.contains("as is"), "{table}");
    assert!(table.lines().all(|l| l.chars().count() <= 100), "{table}");
    frontier("two", "2");
    let (one, two) = (tmp.path().join("one"), tmp.path().join("two"));
    assert_eq!(names(&one), ["fifsim-manifest.json", "frontier.csv", "frontier.json", "frontier.png", "report.html", "report.xlsx"]);
    for file in ["frontier.csv", "frontier.json"] {
        assert!(fs::read(one.join(file)).unwrap() == fs::read(two.join(file)).unwrap(), "{file} differs between runs with the same seed");
    }
    let rows = csv_rows(&fs::read_to_string(one.join("frontier.csv")).unwrap());
    assert_eq!(rows.len(), 1 + 2 * 6, "as is, then 2 direct shares × 6 tier splits");
    assert!(rows.iter().any(|r| r["efficient"] == "true"));
    assert!(rows.iter().all(|r| ["true", "false"].contains(&r["efficient_at_direct_share"].as_str())));
}

/// A scenario a user writes with a hand-computed answer: a direct-only fund whose companies all
/// enter at growth, wait exactly 12 months (`shape = inf`) and list at 3× their entry price,
/// with no valuation shocks and no running or team costs. Every path: TVPI = DPI = 3 and IRR = 3 − 1 =
/// 200% a year, whatever the market and field draws.
#[test]
fn a_hand_computed_scenario_gives_its_answer_end_to_end() {
    let tmp = TempDir::new().unwrap();
    let mut body = String::from(
        "name = \"closed_form\"\n[fund]\ndirect_share = 1.0\nrunning_cost_per_year = 0.0\n\
         [factors]\nvaluation_log_per_unit = 0.0\n\
         [direct]\nstage_mix = { seed = 0.0, a = 0.0, b = 0.0, c = 0.0, growth = 1.0 }\ntranches = [1.0]\n\
         team_cost_per_year = 0.0\nteam_cost_after_per_year = 0.0\n",
    );
    for state in ["open", "tight", "closed"] {
        body += &format!("[exit_market.states.{state}]\nvaluation_log_shift = 0.0\n");
    }
    for profile in ["prototype", "industrialising", "exploration", "clinical"] {
        body += &format!(
            "[profiles.{profile}]\nipo_multiple = {{ median = 3.0, sigma = 0.0, tail_share = 0.0, tail_alpha = 2.0 }}\n\
             [profiles.{profile}.stages.growth]\nmonths_to_event = {{ mean = 12.0, shape = inf }}\n\
             outcome = {{ advance = 1.0, acquired = 0.0, failed = 0.0, hold = 0.0 }}\n"
        );
    }
    let file = scenario_file(tmp.path(), "closed_form.toml", &body);
    let out = tmp.path().join("out");
    fifsim().arg("run").arg(&file).arg("--out").arg(&out).args(["--no-charts", "--paths", "40"]).assert().success();
    let rows = csv_rows(&fs::read_to_string(out.join("paths.csv")).unwrap());
    assert_eq!(rows.len(), 40);
    for row in &rows {
        let value = |key: &str| row[key].parse::<f64>().unwrap();
        assert!((value("fund_tvpi") - 3.0).abs() < 1e-12, "TVPI {}", row["fund_tvpi"]);
        assert!((value("fund_dpi") - 3.0).abs() < 1e-12, "DPI {}", row["fund_dpi"]);
        assert!((value("fund_irr") - 2.0).abs() < 1e-9, "IRR {}", row["fund_irr"]);
        assert_eq!(value("subfunds_paid_in_cny_m"), 0.0);
    }
    // Any other non-positive or infinite shape is refused, naming the field.
    let bad = scenario_file(tmp.path(), "bad_shape.toml", "[profiles.prototype.stages.a]\nmonths_to_event = { mean = 24.0, shape = -inf }\n");
    let err = stderr(&fifsim().arg("validate").arg(&bad).assert().code(2));
    assert!(err.contains("profiles.prototype.stages.a.months_to_event.shape") && err.contains("or inf for a fixed wait"), "{err}");
}

/// Per-path values wait in a temporary file: when none can be made, the run fails (exit 1) with
/// the folder named once, and leaves no results folder behind. (`TMPDIR` is where Unix looks.)
#[cfg(unix)]
#[test]
fn a_run_that_cannot_keep_its_values_says_where_and_leaves_nothing() {
    let tmp = TempDir::new().unwrap();
    let out = tmp.path().join("base");
    let missing = tmp.path().join("no-such-temp");
    let assert = fifsim()
        .env("TMPDIR", &missing)
        .arg("run")
        .arg(base())
        .arg("--out")
        .arg(&out)
        .args(["--no-charts", "--paths", "50"])
        .assert()
        .code(1);
    let err = stderr(&assert);
    let place = format!("writing per-path values to a temporary file in {}", missing.display());
    assert_eq!(err.matches(&place).count(), 1, "{err}");
    assert!(!err.contains("panicked"), "{err}");
    assert_eq!(names(tmp.path()), Vec::<String>::new(), "no results or staging folder left behind");
}

// ---------------------------------------------------------------------------------------------
// Output folders: ownership, replacement, leftovers.

/// The files a folder's manifest lists, with their sizes.
fn manifest_files(dir: &Path) -> BTreeMap<String, u64> {
    let manifest: serde_json::Value = serde_json::from_slice(&fs::read(dir.join("fifsim-manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["format"], "fifsim results folder");
    manifest["files"].as_array().unwrap().iter().map(|f| (f["name"].as_str().unwrap().to_string(), f["bytes"].as_u64().unwrap())).collect()
}

#[test]
fn force_never_deletes_a_folder_fifsim_cannot_prove_it_wrote() {
    let tmp = TempDir::new().unwrap();
    let p = tmp.path().join("p");
    fs::create_dir_all(p.join("src")).unwrap();
    fs::write(p.join("summary.json"), "{}\n").unwrap();
    fs::write(p.join("src/a.py"), "x\n").unwrap();
    let before = snapshot(tmp.path());
    let assert = fifsim().arg("run").arg(base()).arg("--out").arg(&p).args(["--paths", "200", "--force"]).assert().code(2);
    let err = stderr(&assert);
    assert!(err.contains("(it holds: src/, summary.json)") && err.contains("no fifsim-manifest.json"), "{err}");
    assert!(!err.contains("use --force"), "--force is suggested for a folder it cannot replace: {err}");
    assert!(stdout(&assert).is_empty(), "refused before simulating");
    assert_eq!(snapshot(tmp.path()), before, "p/src and p/summary.json are kept");
}

#[test]
fn force_never_deletes_a_file_added_to_a_run() {
    let tmp = TempDir::new().unwrap();
    let out = tmp.path().join("base");
    tiny_run(&out, 50, &[]).success();
    fs::write(out.join("notes.txt"), "my notes on this run").unwrap();
    let before = snapshot(tmp.path());
    for extra in [&[][..], &["--force"]] {
        let err = stderr(&tiny_run(&out, 60, extra).code(2));
        assert!(err.contains("also what fifsim did not write: notes.txt") && !err.contains("use --force"), "{err}");
    }
    assert_eq!(snapshot(tmp.path()), before, "the run and the notes are kept as they were");
}

#[test]
fn force_replaces_a_run_fifsim_wrote_with_a_complete_new_one() {
    let tmp = TempDir::new().unwrap();
    let out = tmp.path().join("base");
    fifsim().arg("run").arg(base()).arg("--out").arg(&out).args(["--paths", "100"]).assert().success();
    assert!(names(&out).iter().any(|n| n.ends_with(".png")));
    let listed = manifest_files(&out);
    let on_disk: BTreeMap<String, u64> =
        names(&out).into_iter().filter(|n| n != "fifsim-manifest.json").map(|n| (n.clone(), fs::metadata(out.join(n)).unwrap().len())).collect();
    assert_eq!(listed, on_disk, "the manifest lists every file with its size");

    tiny_run(&out, 40, &["--force"]).success();
    assert_eq!(names(&out), ["fifsim-manifest.json", "paths.csv", "quarterly.csv", "report.html", "report.xlsx", "summary.json"], "the old charts are gone");
    assert_eq!(manifest_files(&out).keys().collect::<Vec<_>>(), ["paths.csv", "quarterly.csv", "report.html", "report.xlsx", "summary.json"]);
    let summary: serde_json::Value = serde_json::from_slice(&fs::read(out.join("summary.json")).unwrap()).unwrap();
    assert_eq!(summary["provenance"]["paths"], 40);
    assert_eq!(fs::read_to_string(out.join("paths.csv")).unwrap().lines().count(), 41, "the header row and one row a path");
    // Charts redrawn into it are recorded, so the folder stays replaceable.
    fifsim().arg("chart").arg(&out).assert().success();
    assert!(manifest_files(&out).contains_key("jcurve.png"));
    tiny_run(&out, 30, &["--force"]).success();
    assert_eq!(names(tmp.path()), ["base"], "no staging or replaced folder left behind");
}

/// The PID of a `fifsim` process that has exited.
#[cfg(target_os = "linux")]
fn dead_pid() -> u32 {
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("fifsim")).arg("--version").stdout(std::process::Stdio::null()).spawn().unwrap();
    let pid = child.id();
    child.wait().unwrap();
    pid
}

#[cfg(target_os = "linux")]
#[test]
fn leftovers_of_dead_processes_are_cleared_by_the_next_run_and_others_kept() {
    let tmp = TempDir::new().unwrap();
    let leftover = |name: String| {
        let dir = tmp.path().join(&name);
        fs::create_dir(&dir).unwrap();
        fs::write(dir.join("paths.csv"), "path,fund_tvpi\n0,1.2\n").unwrap();
        name
    };
    let dead = leftover(format!(".old.fifsim-staging-{}-0", dead_pid()));
    let live = leftover(format!(".old.fifsim-staging-{}-0", std::process::id()));
    let unlike = leftover(format!(".old.fifsim-staging-{}-x", dead_pid()));
    tiny_run(&tmp.path().join("base"), 20, &[]).success();
    let left = names(tmp.path());
    assert!(!left.contains(&dead), "{left:?}");
    let mut kept = vec![live, unlike, "base".to_string()];
    kept.sort();
    assert_eq!(left, kept, "a live process's folder and a name not quite fifsim's are kept");
}

/// Sends `signal` to a long `fifsim run` once its staging folder exists: it exits 130 and leaves
/// nothing behind.
#[cfg(unix)]
fn interrupt_a_run(signal: &str) {
    use std::time::{Duration, Instant};
    let tmp = TempDir::new().unwrap();
    // Direct only: no sub-fund waterfall, whose debug assertions a very long base run can trip
    // on rounding in a dev build.
    let scenario = scenario_file(tmp.path(), "direct.toml", "[fund]\ndirect_share = 1.0\n");
    let runs = tmp.path().join("runs");
    fs::create_dir(&runs).unwrap();
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("fifsim"))
        .arg("run")
        .arg(&scenario)
        .arg("--out")
        .arg(runs.join("base"))
        .args(["--paths", "2000000", "--no-charts"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let start = Instant::now();
    while !names(&runs).iter().any(|n| n.contains(".fifsim-staging-")) {
        assert!(start.elapsed() < Duration::from_secs(60), "no staging folder appeared");
        std::thread::sleep(Duration::from_millis(10));
    }
    let sent = std::process::Command::new("kill").args(["-s", signal, &child.id().to_string()]).status().unwrap();
    assert!(sent.success());
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if start.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            panic!("SIG{signal} did not stop the run");
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let mut err = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut err).unwrap();
    assert_eq!(status.code(), Some(130), "SIG{signal}: {err}");
    assert!(err.contains("error: interrupted;") && err.contains("left as it was"), "{err}");
    assert_eq!(names(&runs), Vec::<String>::new(), "SIG{signal} left the staging folder behind");
}

#[cfg(unix)]
#[test]
fn ctrl_c_removes_the_unfinished_run() {
    interrupt_a_run("INT");
}

#[cfg(unix)]
#[test]
fn sigterm_removes_the_unfinished_run() {
    interrupt_a_run("TERM");
}

#[cfg(unix)]
#[test]
fn io_failures_say_what_failed_rather_than_simulation_failed() {
    let tmp = TempDir::new().unwrap();
    let missing = tmp.path().join("no-such-temp");
    let out = tmp.path().join("base");
    let err = stderr(&fifsim().env("TMPDIR", &missing).arg("run").arg(base()).arg("--out").arg(&out).args(["--no-charts", "--paths", "50"]).assert().code(1));
    assert!(err.starts_with(&format!("error: writing per-path values to a temporary file in {}", missing.display())), "{err}");
    assert!(!err.contains("simulation failed"), "{err}");
}

#[test]
fn compare_of_many_long_named_scenarios_gets_a_short_default_folder() {
    let tmp = TempDir::new().unwrap();
    let files: Vec<PathBuf> = (0..6)
        .map(|i| scenario_file(tmp.path(), &format!("s{i}.toml"), &format!("name = \"scenario_{i}_{}\"\n", "with_a_long_descriptive_name_".repeat(2))))
        .collect();
    let assert = fifsim().current_dir(tmp.path()).arg("compare").args(&files).args(["--paths", "2", "--no-charts"]).assert().success();
    let folders = names(&tmp.path().join("results"));
    assert_eq!(folders.len(), 1, "{folders:?}");
    let folder = &folders[0];
    assert!(folder.len() <= 73 && folder.starts_with("compare-scenario_0_with_a_long"), "{folder}");
    assert!(folder.rsplit('-').next().is_some_and(|hash| hash.len() == 8 && hash.chars().all(|c| c.is_ascii_hexdigit())), "{folder}");
    assert!(stderr(&assert).contains(folder.as_str()));
    assert!(names(&tmp.path().join("results").join(folder)).contains(&"compare.json".to_string()));
    let help = stdout(&fifsim().args(["compare", "--help"]).assert().success());
    assert!(help.contains("hash of the whole name"), "{help}");
}

// ---------------------------------------------------------------------------------------------
// Bad input: limits, runaway scenarios, validate agrees with run.

/// `validate` and `run` of `file` both refuse it, quickly (a runaway is killed after 20 s), with
/// exit 2 and the first line of stderr naming the file and each of `needles`; `run` leaves no
/// folder.
#[track_caller]
fn refused_by_validate_and_run(tmp: &Path, file: &Path, needles: &[&str]) {
    for command in ["validate", "run"] {
        let out = tmp.join("never");
        let started = std::time::Instant::now();
        let mut cmd = fifsim();
        cmd.arg(command).arg(file).timeout(std::time::Duration::from_secs(20));
        if command == "run" {
            cmd.arg("--out").arg(&out).args(["--no-charts", "--paths", "50"]);
        }
        let assert = cmd.assert().code(2);
        assert!(started.elapsed() < std::time::Duration::from_secs(10), "{command} took {:?}", started.elapsed());
        let err = stderr(&assert);
        let first = err.lines().next().unwrap_or_default();
        assert!(first.starts_with(&format!("error: {}", file.display())), "{command}: {err}");
        for needle in needles {
            assert!(first.contains(needle), "{command}: {needle:?} not in {err}");
        }
        assert!(!err.contains("panicked"), "{err}");
        assert!(!out.exists());
    }
}

/// Each scenario here once passed `validate` and made `run` loop with memory growing; now both
/// refuse it at once, naming the field and its plausible range.
#[test]
fn runaway_scenarios_are_refused_at_once_naming_their_field() {
    let tmp = TempDir::new().unwrap();
    let cases: [(&str, &[&str]); 7] = [
        ("[fund]\nsize_cny_m = 15000000000.0\n", &["fund.size_cny_m: must be in (0, 1000000], got 15000000000"]),
        (
            "[exit_market.states.closed]\nvaluation_log_shift = -10\n",
            &["exit_market.states.closed.valuation_log_shift: must be in [-3, 3], got -10"],
        ),
        ("[fields.quantum_technology]\nvolatility_per_year = 10\n", &["fields.quantum_technology.volatility_per_year: must be in [0, 2]"]),
        ("[factors]\nvaluation_log_per_unit = 10\n", &["factors.valuation_log_per_unit: must be in [0, 2], got 10"]),
        ("[subfund_defaults]\nfund_share = 1e-12\n", &["fund_share: must be in [0.01, 1]", "set in subfund_defaults"]),
        (
            "[profiles.prototype.stages.a]\nmonths_to_event = { mean = 0.0001, shape = 2.5 }\n\
             outcome = { advance = 0.0000001, acquired = 0.0, failed = 0.0, hold = 0.9999999 }\n",
            &["profiles.prototype.stages.a.months_to_event.mean: must be in [1, 1200], got 0.0001"],
        ),
        // Each within its range, together cheques millions of times below the budget.
        ("[factors]\nvaluation_log_per_unit = 2.0\n", &["subfunds.sf01_embodied_ai: could make up to", "more than the 1000000"]),
    ];
    for (i, (body, needles)) in cases.iter().enumerate() {
        let file = scenario_file(tmp.path(), &format!("runaway{i}.toml"), body);
        refused_by_validate_and_run(tmp.path(), &file, needles);
    }
}

/// A mean wait `run` refused (it is 0 in quarters) is refused by `validate` too.
#[test]
fn validate_refuses_what_run_refuses() {
    let tmp = TempDir::new().unwrap();
    let file = scenario_file(tmp.path(), "tiny_wait.toml", "[profiles.clinical.stages.b]\nmonths_to_event = { mean = 5e-324, shape = 2.0 }\n");
    refused_by_validate_and_run(tmp.path(), &file, &["profiles.clinical.stages.b.months_to_event.mean: must be in [1, 1200]"]);
}

/// Only regular files of at most 1 MiB are read as scenarios or their parents.
#[cfg(unix)]
#[test]
fn scenario_files_must_be_regular_files_of_bounded_size() {
    let tmp = TempDir::new().unwrap();
    let zero = tmp.path().join("zero.toml");
    fs::write(&zero, "extends = \"/dev/zero\"\n").unwrap();
    refused_by_validate_and_run(tmp.path(), &zero, &["extends: cannot read parent \"/dev/zero\"", "not a regular file"]);
    let big = tmp.path().join("big.toml");
    fs::write(&big, format!("{}\n", "#".repeat(2 << 20))).unwrap();
    refused_by_validate_and_run(tmp.path(), &big, &["cannot read: larger than 1048576 bytes (1 MiB)"]);
    refused_by_validate_and_run(tmp.path(), tmp.path(), &["cannot read: not a regular file"]);
}

/// More threads than the machine runs at once are not started: a note says so, and the results
/// are those of any other thread count.
#[test]
fn threads_beyond_the_machine_are_capped_with_a_note() {
    let tmp = TempDir::new().unwrap();
    let (many, one) = (tmp.path().join("many"), tmp.path().join("one"));
    let started = std::time::Instant::now();
    let err = stderr(&tiny_run(&many, 200, &["--threads", "10000"]).success());
    assert!(started.elapsed() < std::time::Duration::from_secs(10), "{:?}", started.elapsed());
    assert!(err.starts_with("note: --threads 10000 is more than the ") && err.contains("this machine runs at once; using "), "{err}");
    tiny_run(&one, 200, &["--threads", "1"]).success();
    assert_eq!(fs::read(many.join("paths.csv")).unwrap(), fs::read(one.join("paths.csv")).unwrap());
}

/// `--paths` takes a whole number from 1 (2 for decision commands) to the engine's maximum, and
/// says so for a negative one rather than taking it for an option.
#[test]
fn paths_must_be_a_whole_number_in_range() {
    for (command, value, min) in [("run", "-1", 1), ("run", "0", 1), ("run", "100000001", 1), ("run", "1.5", 1), ("compare", "1", 2)] {
        let mut cmd = fifsim();
        cmd.arg(command);
        if command == "compare" {
            cmd.arg(base()).arg(base());
        }
        let err = stderr(&cmd.args(["--paths", value]).assert().code(2));
        let expected = format!("invalid value '{value}' for '--paths <N>': must be a whole number from {min} to 100000000");
        assert!(err.contains(&expected) && err.contains(&format!("got {value}")), "{err}");
    }
}

// ---------------------------------------------------------------------------------------------
// Reporting: counts, CSV headers, fans, labels.

/// `text` with the table's wrapped notes joined back into one line each.
fn unwrapped(text: &str) -> String {
    text.replace("\n    ", " ")
}

/// Both CSV files start with their header row, so a CSV reader takes them as they are; their
/// provenance is summary.json's.
#[test]
fn csv_files_start_with_their_header_row() {
    let tmp = TempDir::new().unwrap();
    let out = tmp.path().join("run");
    tiny_run(&out, 30, &["--seed", "5"]).success();
    let summary: serde_json::Value = serde_json::from_slice(&fs::read(out.join("summary.json")).unwrap()).unwrap();
    assert_eq!((summary["provenance"]["seed"].as_u64(), summary["provenance"]["paths"].as_u64()), (Some(5), Some(30)));

    let mut paths = csv::Reader::from_path(out.join("paths.csv")).unwrap();
    let header = paths.headers().unwrap().clone();
    let metrics = summary["metrics"].as_array().unwrap();
    assert_eq!(header.len(), 1 + metrics.len());
    assert_eq!(&header[0], "path");
    assert!(metrics.iter().zip(header.iter().skip(1)).all(|(m, column)| m["key"] == column), "{header:?}");
    let rows: Vec<csv::StringRecord> = paths.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 30);
    assert!(rows.iter().enumerate().all(|(i, row)| row[0] == i.to_string() && row[1].parse::<f64>().is_ok()));

    let mut quarterly = csv::Reader::from_path(out.join("quarterly.csv")).unwrap();
    assert_eq!(quarterly.headers().unwrap(), vec!["series", "quarter_index", "quarter", "p5", "p25", "p50", "p75", "p95"]);
    let first = quarterly.records().next().unwrap().unwrap();
    assert_eq!((&first[0], &first[1], &first[2]), ("fund_cumulative_net_cny_m", "0", "2024Q3"));
}

/// A sleeve that pays nothing in on every path (a direct-only fund's sub-fund sleeve): the
/// table and summary.json say on how many paths each figure stands and why, in whole numbers.
#[test]
fn figures_without_every_path_say_how_many_and_why() {
    let tmp = TempDir::new().unwrap();
    let file = scenario_file(tmp.path(), "direct_only.toml", "name = \"direct_only\"\n[fund]\ndirect_share = 1.0\n");
    let out = tmp.path().join("out");
    let assert = fifsim().arg("run").arg(&file).arg("--out").arg(&out).args(["--no-charts", "--paths", "40"]).assert().success();
    let table = stdout(&assert);
    assert!(table.lines().all(|l| l.chars().count() <= 100), "table wider than 100 columns:\n{table}");
    let flat = unwrapped(&table);
    assert!(
        flat.contains("  Sub-funds: TVPI and DPI on 0 of 40 paths: 40 paid nothing in; IRR on 0 of 40 paths: 40 had cash flows of one sign\n"),
        "{table}"
    );
    assert!(flat.contains("  IRR: median ") && flat.contains("(95% CI ") && flat.contains("; one rate on "), "{table}");

    let summary: serde_json::Value = serde_json::from_slice(&fs::read(out.join("summary.json")).unwrap()).unwrap();
    let metric = |key: &str| summary["metrics"].as_array().unwrap().iter().find(|m| m["key"] == key).cloned().unwrap();
    let subfunds = metric("subfunds_tvpi");
    assert_eq!((subfunds["summary"]["n"].as_u64(), subfunds["summary"]["missing"].as_u64()), (Some(0), Some(40)));
    assert_eq!(subfunds["excluded"], serde_json::json!([{ "paths": 40, "reason": "paid nothing in" }]));
    let fund = metric("fund_tvpi");
    assert_eq!(fund["summary"]["n"].as_u64(), Some(40));
    assert_eq!(fund["excluded"], serde_json::json!([]));
    let outcomes = &metric("fund_irr")["irr_outcomes"];
    let counts: Vec<u64> = ["unique", "several_roots", "no_sign_change", "not_found"].iter().map(|k| outcomes[k].as_u64().unwrap()).collect();
    assert_eq!(counts.iter().sum::<u64>(), 40, "{outcomes}");
}

/// quarterly.csv has the DPI fan of each sleeve, as the README promises, beside the fund's.
#[test]
fn quarterly_csv_has_each_sleeves_dpi_fan() {
    let tmp = TempDir::new().unwrap();
    let out = tmp.path().join("run");
    tiny_run(&out, 40, &[]).success();
    let summary: serde_json::Value = serde_json::from_slice(&fs::read(out.join("summary.json")).unwrap()).unwrap();
    let quarters = summary["provenance"]["horizon_quarters"].as_u64().unwrap() as usize + 1;
    let rows = csv_rows(&fs::read_to_string(out.join("quarterly.csv")).unwrap());
    for series in ["fund_dpi", "direct_dpi", "subfunds_dpi"] {
        let fan: Vec<&BTreeMap<String, String>> = rows.iter().filter(|r| r["series"] == series).collect();
        assert_eq!(fan.len(), quarters, "{series}");
        let end: Vec<f64> = ["p5", "p50", "p95"].iter().map(|p| fan[quarters - 1][*p].parse().unwrap()).collect();
        assert!(end[0] <= end[1] && end[1] <= end[2] && end[2] > 0.0, "{series}: {end:?}");
        assert!(summary["fans"].as_array().unwrap().iter().any(|f| f["key"] == series), "{series} not in summary.json");
    }
}

/// A copy of base.toml keeps `name = "base"`; by default it writes into a folder named after
/// its own file, never into base's results.
#[test]
fn a_copied_scenario_writes_into_its_own_default_folder() {
    let tmp = TempDir::new().unwrap();
    fs::copy(base(), tmp.path().join("mine.toml")).unwrap();
    let assert = fifsim().current_dir(tmp.path()).args(["run", "mine.toml", "--paths", "20", "--no-charts"]).assert().success();
    assert!(stdout(&assert).contains("scenario base"), "the scenario keeps its name");
    assert_eq!(names(&tmp.path().join("results")), ["mine"]);
    assert_eq!(names(&tmp.path().join("results/mine")), ["fifsim-manifest.json", "paths.csv", "quarterly.csv", "report.html", "report.xlsx", "summary.json"]);
    let help = stdout(&fifsim().args(["run", "--help"]).assert().success());
    assert!(help.contains("results/<scenario file name without .toml>"), "{help}");
}

// ---------------------------------------------------------------------------------------------
// Calibration report card.

#[test]
fn calibrate_prints_one_table_per_level_with_targets() {
    let assert = fifsim().arg("calibrate").arg(base()).args(["--paths", "20", "--companies", "400"]).assert().success();
    let text = stdout(&assert);
    for word in ["Per financing", "Per position, by sleeve", "Company funnel", "Concentration", "Each sub-fund, net to its LPs", "Each sleeve and the fund", "≈ 65.00%", "Cambridge Associates US VC", "targets pass"] {
        assert!(text.contains(word), "{word} missing:\n{text}");
    }
}

#[test]
fn calibrate_json_has_the_stable_keys() {
    let json = stdout(&fifsim().arg("calibrate").arg(base()).args(["--paths", "20", "--companies", "400", "--json"]).assert().success());
    let value: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!((value["paths"].as_u64(), value["companies"].as_u64()), (Some(20), Some(400)));
    for table in [&value["financing_multiples"], &value["position_multiples"]["direct"], &value["position_multiples"]["subfund"]] {
        assert_eq!(table["edges"], serde_json::json!([0.0, 1.0, 5.0, 10.0, 20.0, 50.0]));
        assert_eq!(table["share"].as_array().map(Vec::len), Some(6));
    }
    assert!(value["funnel"]["outcomes_6_5y"]["valuation_1bn_usd"].is_f64());
    assert!(value["concentration"]["subfund"]["share_value_from_ge_10x"].is_f64());
    assert!(value["subfund_net"]["p_below_1"].is_f64() && value["direct_sleeve"]["median_irr"].is_f64());
    assert!(value["checks"].as_array().is_some_and(|checks| checks.iter().any(|c| c["claimed"] == true)));
}

#[test]
fn calibrate_help_documents_the_json_keys() {
    let help = stdout(&fifsim().args(["calibrate", "--help"]).assert().success());
    for key in ["financing_multiples", "position_multiples.direct", "outcomes_6_5y", "share_value_from_ge_10x", "subfund_net", "median_irr", "checks"] {
        assert!(help.contains(key), "{key} missing:\n{help}");
    }
    fifsim().args(["calibrate", "--paths", "1"]).assert().code(2);
}

/// A pacing request the tight budget cannot meet is reported infeasible, with its reason, and the
/// search's files and chart are written; a scenario without a plan is refused as bad input.
#[test]
fn pace_reports_an_infeasible_request_and_writes_its_files() {
    let tmp = TempDir::new().unwrap();
    let out = tmp.path().join("pace");
    // CNY 9 bn for a CNY 15 bn fund that returns its distributions: no schedule stays within it.
    let mut plan = String::from("[funding]\ndistributions = \"return\"\non_shortfall = \"report\"\nappropriations = [\n");
    plan += "  { quarter = \"2024Q3\", amount_cny_m = 4000.0, source = \"budget\" },\n";
    for year in 2025..=2029 {
        plan += &format!("  {{ quarter = \"{year}Q3\", amount_cny_m = 1000.0, source = \"budget\" }},\n");
    }
    let tight = scenario_file(tmp.path(), "tighter.toml", &(plan + "]\n"));
    let assert = fifsim().arg("pace").arg(&tight).arg("--out").arg(&out).args(["--paths", "200", "--level", "0.999"]).assert().success();
    let table = stdout(&assert);
    assert!(table.contains("infeasible: no schedule commits everything by 2030Q3"), "{table}");
    assert!(table.lines().all(|l| l.chars().count() <= 100), "{table}");
    assert_eq!(names(&out), ["fifsim-manifest.json", "pace.csv", "pace.json", "pace.png", "report.html", "report.xlsx"]);
    let json: serde_json::Value = serde_json::from_slice(&fs::read(out.join("pace.json")).unwrap()).unwrap();
    assert!(json["chosen"].is_null());
    assert_eq!(json["candidates"].as_array().unwrap().len(), 6);

    let no_plan = tmp.path().join("no_plan.toml");
    let text = fs::read_to_string(base()).unwrap();
    let cut = text.find("\n[funding]").unwrap();
    fs::write(&no_plan, &text[..cut]).unwrap();
    let assert = fifsim().arg("pace").arg(&no_plan).arg("--out").arg(tmp.path().join("x")).args(["--paths", "20"]).assert().code(2);
    assert!(stderr(&assert).contains("has no [funding] plan"), "{}", stderr(&assert));
}

// ---------------------------------------------------------------------------------------------
// The analysts' files: report.xlsx and report.html.

/// Every row of sheet `name` of `dir/report.xlsx`, as calamine reads it.
fn sheet(dir: &Path, name: &str) -> Vec<Vec<calamine::Data>> {
    use calamine::Reader;
    let mut workbook: calamine::Xlsx<_> = calamine::open_workbook(dir.join("report.xlsx")).unwrap();
    let range = workbook.worksheet_range(name).unwrap_or_else(|e| panic!("sheet {name}: {e}"));
    assert_eq!(range.start(), Some((0, 0)), "sheet {name} starts at A1");
    range.rows().map(<[calamine::Data]>::to_vec).collect()
}

fn sheet_names(dir: &Path) -> Vec<String> {
    use calamine::Reader;
    let workbook: calamine::Xlsx<_> = calamine::open_workbook(dir.join("report.xlsx")).unwrap();
    workbook.sheet_names()
}

/// The rows whose first cells are the text `keys`.
fn rows_of<'a>(rows: &'a [Vec<calamine::Data>], keys: &[&str]) -> Vec<&'a [calamine::Data]> {
    rows.iter().filter(|r| keys.iter().enumerate().all(|(i, key)| r.get(i).and_then(|c| c.get_string()) == Some(*key))).map(Vec::as_slice).collect()
}

/// The one row whose first cells are `keys`.
fn row_of<'a>(rows: &'a [Vec<calamine::Data>], keys: &[&str]) -> &'a [calamine::Data] {
    match rows_of(rows, keys).as_slice() {
        [row] => row,
        found => panic!("{} rows start with {keys:?}", found.len()),
    }
}

/// A number cell's value (NaN for the "–" of a number that does not exist); panics on other text.
fn number(cell: &calamine::Data) -> f64 {
    match cell {
        calamine::Data::Float(x) => *x,
        calamine::Data::Int(x) => *x as f64,
        calamine::Data::String(s) if s == "–" => f64::NAN,
        other => panic!("not a number cell: {other:?}"),
    }
}

/// `a` and `b` agree to rounding (both NaN counts as agreeing; JSON `null` is NaN).
fn close(a: f64, b: &serde_json::Value) -> bool {
    let b = b.as_f64().unwrap_or(f64::NAN);
    (a.is_nan() && b.is_nan()) || (a - b).abs() <= 1e-12 * b.abs().max(1e-9)
}

/// The names under `folder/` in the zip archive `file`.
fn zip_entries(file: &Path, folder: &str) -> Vec<String> {
    let archive = zip::ZipArchive::new(fs::File::open(file).unwrap()).unwrap();
    let mut names: Vec<String> = archive.file_names().map(|n| n.unwrap().into_owned()).filter(|n| n.starts_with(folder)).collect();
    names.sort();
    names
}

fn zip_text(file: &Path, entry: &str) -> String {
    use std::io::Read;
    let mut archive = zip::ZipArchive::new(fs::File::open(file).unwrap()).unwrap();
    let mut text = String::new();
    archive.by_name(entry).unwrap().read_to_string(&mut text).unwrap();
    text
}

#[test]
fn the_workbook_of_a_run_holds_the_numbers_of_summary_json() {
    let tmp = TempDir::new().unwrap();
    let out = tmp.path().join("run");
    fifsim().arg("run").arg(base()).arg("--out").arg(&out).args(["--paths", "200", "--no-charts"]).assert().success();
    let summary: serde_json::Value = serde_json::from_slice(&fs::read(out.join("summary.json")).unwrap()).unwrap();
    assert_eq!(sheet_names(&out), ["Summary", "Policy", "Sub-funds", "Fields", "Quarterly", "Distributions", "Metrics", "Provenance"]);

    let metrics = sheet(&out, "Metrics");
    let header = row_of(&metrics, &["Key", "Label"]);
    let column = |name: &str| header.iter().position(|c| c.get_string() == Some(name)).unwrap_or_else(|| panic!("no column {name}"));
    let (n, mean, se, p50, es) = (column("Paths with a value"), column("Mean"), column("SE"), column("P50"), column("Mean of worst 5%"));
    let all = summary["metrics"].as_array().unwrap();
    for m in all {
        let key = m["key"].as_str().unwrap();
        let row = row_of(&metrics, &[key]);
        let s = &m["summary"];
        let median = s["quantiles"].as_array().unwrap().iter().find(|q| q["p"] == 0.5).unwrap();
        assert_eq!(number(&row[n]), s["n"].as_f64().unwrap(), "{key}: paths");
        for (col, json, what) in [(mean, &s["mean"], "mean"), (se, &s["std_error"], "SE"), (p50, &median["value"], "P50"), (es, &s["expected_shortfall_5"], "ES5")] {
            assert!(close(number(&row[col]), json), "{key} {what}: workbook {:?}, summary.json {json}", row[col]);
        }
    }

    // The summary sheet is laid out as the printed table: TVPI as a multiple, the need in CNY bn.
    let first = sheet(&out, "Summary");
    let metric = |key: &str| all.iter().find(|m| m["key"] == key).unwrap()["summary"].clone();
    let tvpi = row_of(&first, &["TVPI (×)"]);
    assert!(close(number(&tvpi[1]), &metric("fund_tvpi")["mean"]));
    let need = row_of(&first, &["Peak capital need (CNY bn)"]);
    assert!(close(number(&need[1]), &serde_json::json!(-metric("fund_trough_cny_m")["mean"].as_f64().unwrap() / 1e3)));
    assert!(close(number(&row_of(&first, &["Mean TVPI (×)"])[1]), &metric("fund_tvpi")["mean"]));

    // One row per sub-fund; the fields with their Chinese names.
    let subfunds = sheet(&out, "Sub-funds");
    for sub in summary["fund"]["subfunds"].as_array().unwrap() {
        let row = row_of(&subfunds, &[sub["label"].as_str().unwrap(), sub["key"].as_str().unwrap()]);
        assert!(close(number(&row[6]), &metric(&format!("subfund_{}_tvpi", sub["key"].as_str().unwrap()))["mean"]));
    }
    let fields = sheet(&out, "Fields");
    let chinese = summary["fund"]["fields"].as_array().unwrap().iter().map(|field| {
        let zh = field["label_zh"].as_str().unwrap();
        row_of(&fields, &[field["label"].as_str().unwrap(), zh]);
        zh
    });
    assert!(chinese.filter(|zh| !zh.is_ascii()).count() >= 10, "the Chinese names come through");
    let provenance = sheet(&out, "Provenance");
    assert_eq!(row_of(&provenance, &["Seed"])[1].get_string(), Some("20250926"));
    assert_eq!(number(&row_of(&provenance, &["Paths"])[1]), 200.0);
    assert_eq!(row_of(&provenance, &["Scenario"])[1].get_string(), summary["provenance"]["scenario"].as_str());

    // Quarterly fans: one row a quarter.
    let quarterly = sheet(&out, "Quarterly");
    let start = summary["provenance"]["start_quarter"].as_str().unwrap();
    let fans = rows_of(&quarterly, &[start]);
    assert_eq!(fans.len(), summary["fans"].as_array().unwrap().len(), "every fan starts at the first close");
    let fund_fan = &summary["fans"][0];
    assert!(close(number(&fans[0][3]), &serde_json::json!(fund_fan["values"][2][0].as_f64().unwrap() / 1e3)), "P50 at quarter 0, CNY bn");

    // Native charts: the J-curve fan (a line chart) and the TVPI distribution (columns).
    let file = out.join("report.xlsx");
    assert_eq!(zip_entries(&file, "xl/charts/"), ["xl/charts/chart1.xml", "xl/charts/chart2.xml"]);
    let jcurve = zip_text(&file, "xl/charts/chart1.xml");
    assert!(jcurve.contains("<c:lineChart>") && jcurve.matches("<c:ser>").count() == 5, "five quantile lines");
    assert!(jcurve.contains("Quarterly!$B$"), "{jcurve}");
    let distribution = zip_text(&file, "xl/charts/chart2.xml");
    assert!(distribution.contains("<c:barChart>") && distribution.contains("<c:barDir val=\"col\"/>"));
    let styles = zip_text(&file, "xl/styles.xml");
    for format in ["0.00&quot;×&quot;", "0.0%", "#,##0.00"] {
        assert!(styles.contains(format), "number format {format} missing");
    }
}

#[test]
fn the_html_report_of_a_run_embeds_every_chart_and_table() {
    let tmp = TempDir::new().unwrap();
    let out = tmp.path().join("run");
    fifsim().arg("run").arg(base()).arg("--out").arg(&out).args(["--paths", "200", "--no-xlsx"]).assert().success();
    assert!(!out.join("report.xlsx").exists(), "--no-xlsx leaves the workbook out");
    let page = fs::read_to_string(out.join("report.html")).unwrap();
    let charts: Vec<String> = names(&out).into_iter().filter(|n| n.ends_with(".png")).collect();
    assert_eq!(charts.len(), 8, "{charts:?}");
    use base64::Engine as _;
    for chart in &charts {
        let embedded = base64::engine::general_purpose::STANDARD.encode(fs::read(out.join(chart)).unwrap());
        assert!(page.contains(&format!("data:image/png;base64,{embedded}\"")), "{chart} is not embedded");
    }
    for title in ["Fund (CNY 15.00 bn", "Fund: mean, loss and tail", "Sleeves", "By tier", "Policy outcomes", "Sub-funds: TVPI", "Sub-fund dispersion", "Fields", "Provenance"] {
        assert!(page.contains(&format!("<h3>{title}")), "table {title} missing");
    }
    assert!(page.contains("@page { size: A4"));
    assert!(!page.contains("<script") && !page.contains("src=\"http") && !page.contains("href="), "nothing to run or fetch");

    // Without charts the page says so, and `fifsim chart` completes it.
    let bare = tmp.path().join("bare");
    tiny_run(&bare, 30, &[]).success();
    assert!(fs::read_to_string(bare.join("report.html")).unwrap().contains("jcurve.png): not drawn"));
    fifsim().arg("chart").arg(&bare).assert().success();
    assert_eq!(fs::read_to_string(bare.join("report.html")).unwrap().matches("data:image/png;base64,").count(), 8);
}

#[test]
fn the_workbook_of_a_comparison_holds_the_numbers_of_compare_json() {
    let tmp = TempDir::new().unwrap();
    let out = tmp.path().join("cmp");
    fifsim().arg("compare").arg(base()).arg(scenario("no_buyback.toml")).arg("--out").arg(&out).args(["--paths", "100", "--no-charts"]).assert().success();
    let json: serde_json::Value = serde_json::from_slice(&fs::read(out.join("compare.json")).unwrap()).unwrap();
    assert_eq!(sheet_names(&out), ["Comparison", "Curves", "Provenance"]);
    let rows = sheet(&out, "Comparison");
    let metrics = json["metrics"].as_array().unwrap();
    assert_eq!(metrics.len(), 16);
    for m in metrics {
        let label = m["label"].as_str().unwrap();
        let (level_scale, difference_scale) = match m["unit"].as_str().unwrap() {
            "cny_bn" => (1e-3, 1e-3),
            "percent" => (1.0, 100.0),
            _ => (1.0, 1.0),
        };
        let level_rows = rows_of(&rows, &[label]);
        let levels = level_rows.iter().find(|r| !matches!(&r[1], calamine::Data::String(s) if s != "–")).unwrap();
        for (k, level) in m["levels"].as_array().unwrap().iter().enumerate() {
            let expected = serde_json::json!(level["estimate"].as_f64().map(|x| x * level_scale));
            assert!(close(number(&levels[1 + k]), &expected), "{label} level {k}: {:?} vs {expected}", levels[1 + k]);
        }
        let d = &m["differences"][0];
        let row = row_of(&rows, &[label, d["scenario"].as_str().unwrap(), d["baseline"].as_str().unwrap()]);
        for (col, key) in [(3, "estimate"), (6, "paired_half_width"), (7, "independent_half_width")] {
            let expected = serde_json::json!(d[key].as_f64().map(|x| x * difference_scale));
            assert!(close(number(&row[col]), &expected), "{label} {key}: {:?} vs {expected}", row[col]);
        }
    }
    let charts = zip_entries(&out.join("report.xlsx"), "xl/charts/");
    assert_eq!(charts.len(), 2, "J-curves and TVPI quantiles: {charts:?}");
}

#[test]
fn chart_remakes_the_documents_of_every_command_byte_for_byte() {
    let tmp = TempDir::new().unwrap();
    let folders = [
        ("cmp", vec!["compare".into(), base().display().to_string(), scenario("no_buyback.toml").display().to_string(), "--paths".into(), "60".into()]),
        ("sens", vec!["sensitivity".into(), base().display().to_string(), "--paths".into(), "20".into()]),
        ("front", vec!["frontier".into(), base().display().to_string(), "--grid".into(), "1".into(), "--direct-shares".into(), "0.2".into(), "--paths".into(), "20".into()]),
    ];
    for (name, args) in folders {
        let out = tmp.path().join(name);
        fifsim().args(&args).arg("--out").arg(&out).assert().success();
        let before = snapshot(&out);
        let documents: Vec<String> = names(&out).into_iter().filter(|n| n.ends_with(".png") || n.starts_with("report.")).collect();
        assert!(documents.len() >= 3, "{name}: {documents:?}");
        for file in &documents {
            fs::remove_file(out.join(file)).unwrap();
        }
        let assert = fifsim().arg("chart").arg(&out).assert().success();
        assert!(stderr(&assert).contains("report.xlsx, report.html"), "{}", stderr(&assert));
        assert!(snapshot(&out) == before, "{name}: the documents remade differ from those the command wrote");
    }
    let cmp = tmp.path().join("cmp");
    fs::remove_file(cmp.join("compare_curves.json")).unwrap();
    let err = stderr(&fifsim().arg("chart").arg(&cmp).assert().code(2));
    assert!(err.contains("no compare_curves.json"), "{err}");
}

/// Renders `report.html` in headless Chromium (Debian's package) and checks the picture shows
/// the report. Skipped where no browser is installed, unless FIFSIM_REQUIRE_BROWSER=1 (as in CI).
#[test]
fn the_html_report_renders_in_a_browser() {
    let browser = Path::new("/usr/bin/chromium");
    if !browser.exists() {
        assert!(std::env::var("FIFSIM_REQUIRE_BROWSER").as_deref() != Ok("1"), "FIFSIM_REQUIRE_BROWSER=1 but /usr/bin/chromium is not installed");
        eprintln!("skipped: /usr/bin/chromium is not installed (apt-get install chromium), so report.html was not rendered");
        return;
    }
    let tmp = TempDir::new().unwrap();
    let out = tmp.path().join("run");
    fifsim().arg("run").arg(base()).arg("--out").arg(&out).args(["--paths", "100", "--no-xlsx"]).assert().success();
    let profile = TempDir::new().unwrap();
    let shot = tmp.path().join("shot.png");
    let output = std::process::Command::new(browser)
        .args(["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg(format!("--screenshot={}", shot.display()))
        .arg("--window-size=1200,2400")
        .arg(format!("file://{}", out.join("report.html").display()))
        .output()
        .unwrap();
    assert!(shot.is_file(), "no screenshot: {}\n{}", output.status, String::from_utf8_lossy(&output.stderr));
    let picture = image::open(&shot).unwrap().to_rgb8();
    assert_eq!(picture.dimensions(), (1200, 2400));
    let inked = picture.pixels().filter(|p| p.0.iter().any(|&c| c < 200)).count();
    let share = inked as f64 / f64::from(1200 * 2400);
    // Text and tables alone ink a few per cent; the embedded J-curve chart far more.
    assert!(share > 0.03, "the rendered report is nearly blank: {:.2}% inked", 100.0 * share);
    let colours: std::collections::BTreeSet<[u8; 3]> = picture.pixels().map(|p| p.0).collect();
    assert!(colours.len() > 100, "only {} colours: the charts did not render", colours.len());
}

/// A scorecard of one's own, entered as a table in the scenario: the run prints its section
/// and keeps it in summary.json; a table whose weights do not add up is refused, naming the field.
#[test]
fn a_scorecard_of_ones_own_is_scored_and_a_bad_one_refused() {
    let tmp = TempDir::new().unwrap();
    let card = |weight: u32| {
        format!(
            "[scorecard]\nname = \"quanzhou_like\"\ngrades = [{{ label = \"pass\", min_score = 60 }}, {{ label = \"fail\", min_score = 0 }}]\n\
             [[scorecard.items]]\nindicator = \"follow_on_per_invested\"\nweight = 40\nlinear = {{ zero_at = 0, full_at = 2 }}\n\
             [[scorecard.items]]\nindicator = \"local_reinvestment\"\nweight = {weight}\nat_least = [[0.5, 20], [1.0, {weight}]]\n"
        )
    };
    let good = scenario_file(tmp.path(), "own.toml", &card(60));
    let out = tmp.path().join("own");
    let assert = fifsim().arg("run").arg(&good).arg("--out").arg(&out).args(["--no-charts", "--paths", "100"]).assert().success();
    let table = stdout(&assert);
    assert!(table.contains("SCORECARD quanzhou_like") && table.contains("P(pass)"), "{table}");
    assert!(table.lines().all(|l| l.chars().count() <= 100), "{table}");
    let summary: serde_json::Value = serde_json::from_slice(&fs::read(out.join("summary.json")).unwrap()).unwrap();
    assert_eq!(summary["scorecard"]["name"], "quanzhou_like");
    assert_eq!(summary["scorecard"]["years"][0]["year"], 2024);

    let bad = scenario_file(tmp.path(), "bad.toml", &card(50));
    let err = stderr(&fifsim().arg("validate").arg(&bad).assert().code(2));
    assert!(err.contains("scorecard.items: weights of the items that are not bonus items must sum to 100, got 90"), "{err}");
}

/// `run --shard k/K` then `merge`, through the binary: the merged folder, charts included, is one
/// run's byte for byte, and its table too; a merge short of a shard exits 2 naming the rerun.
#[test]
fn shards_merged_by_the_binary_equal_one_run_charts_included() {
    let tmp = TempDir::new().unwrap();
    let single = tmp.path().join("single");
    let table = stdout(&fifsim().arg("run").arg(base()).arg("--out").arg(&single).args(["--paths", "301", "--seed", "9"]).assert().success());
    let shard = |k: u32| {
        let out = tmp.path().join(format!("shards/shard-{k}"));
        fifsim().arg("run").arg(base()).arg("--out").arg(&out).args(["--paths", "301", "--seed", "9", "--shard", &format!("{k}/3")]).assert().success();
        out
    };
    let dirs: Vec<PathBuf> = (0..3).map(shard).collect();
    let short = fifsim().arg("merge").args(&dirs[..2]).arg("--out").arg(tmp.path().join("short")).assert().code(2);
    let message = stderr(&short);
    assert!(message.contains("missing shards: 2 (paths [200, 301))") && message.contains("sbatch --array=2 deploy/slurm/shard.sbatch"), "{message}");
    let merged = tmp.path().join("merged");
    let merged_table = stdout(&fifsim().arg("merge").args(&dirs).arg("--out").arg(&merged).assert().success());
    assert_eq!(merged_table, table);
    assert!(snapshot(&single) == snapshot(&merged), "merged folder differs from one run");
    assert!(names(&merged).iter().any(|n| n.ends_with(".png")), "charts drawn");
    // The shard needs a folder, and a shard that does not exist is a usage error.
    fifsim().arg("run").arg(base()).args(["--paths", "10", "--shard", "0/2"]).assert().code(2);
    fifsim().arg("run").arg(base()).arg("--out").arg(tmp.path().join("x")).args(["--paths", "10", "--shard", "2/2"]).assert().code(2);
}
