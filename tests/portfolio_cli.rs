//! `fifsim run` on a scenario that forecasts from the fund's book (docs/portfolio.md): the
//! shipped illustrative book runs, prints and writes plan vs actual; a broken book is refused
//! with exit 2, naming the file, the line and the column.

use std::fs;
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use tempfile::TempDir;

/// The binary (with a backtrace asked for: an input error must still be a plain message) and the
/// shipped scenarios' folder.
fn fifsim() -> Command {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_fifsim"));
    cmd.env("RUST_BACKTRACE", "1");
    Command::from_std(cmd)
}

fn scenarios_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn a_run_from_the_book_prints_and_writes_plan_vs_actual() {
    let tmp = TempDir::new().unwrap();
    let out = tmp.path().join("run");
    let assert =
        fifsim().arg("run").arg(scenarios_dir().join("as_of_2025q4.toml")).arg("--out").arg(&out).args(["--paths", "40", "--seed", "7"]).assert().success();
    let stdout = text(&assert.get_output().stdout);
    assert!(stdout.contains("PLAN VS ACTUAL at 2025Q4"), "no plan-vs-actual table in the summary:\n{stdout}");
    assert!(stdout.contains("Sub-fund 01"), "the table lists no sub-fund of the book:\n{stdout}");
    let summary: serde_json::Value = serde_json::from_slice(&fs::read(out.join("summary.json")).unwrap()).unwrap();
    let pva = summary.get("plan_vs_actual").expect("summary.json has plan_vs_actual");
    assert_eq!(pva["as_of"], "2025Q4");
    assert_eq!(pva["subfunds"].as_array().map(Vec::len), Some(18), "{pva}");
    let mut workbook: calamine::Xlsx<_> = calamine::open_workbook(out.join("report.xlsx")).expect("report.xlsx is written");
    let sheets = calamine::Reader::sheet_names(&workbook);
    assert_eq!(sheets.last().map(String::as_str), Some("Plan vs actual"), "{sheets:?}");
    let range = calamine::Reader::worksheet_range(&mut workbook, "Plan vs actual").unwrap();
    let cells: Vec<String> = range.rows().flat_map(|row| row.iter().map(|c| c.to_string())).collect();
    assert!(cells.iter().any(|c| c == "Sub-fund 18"), "the sheet lists no sub-fund of the book");
    let chart = fs::read(out.join("plan_vs_actual.png")).expect("the plan-vs-actual chart is written");
    assert!(chart.starts_with(b"\x89PNG"), "plan_vs_actual.png is not a PNG");
}

/// The shipped book copied into `dir`, with a scenario beside it that extends the base scenario.
fn copy_book(dir: &Path) -> PathBuf {
    let book = dir.join("portfolio/2025Q4");
    fs::create_dir_all(&book).unwrap();
    for entry in fs::read_dir(scenarios_dir().join("portfolio/2025Q4")).unwrap() {
        let entry = entry.unwrap();
        fs::copy(entry.path(), book.join(entry.file_name())).unwrap();
    }
    let scenario = dir.join("as_of.toml");
    let base = scenarios_dir().join("base.toml");
    let body = format!(
        "extends = {:?}\nname = \"as_of_broken\"\n\n[as_of]\nquarter = \"2025Q4\"\nportfolio = \"portfolio/2025Q4/portfolio.toml\"\n",
        base.display().to_string()
    );
    fs::write(&scenario, body).unwrap();
    scenario
}

#[test]
fn a_book_that_calls_more_than_committed_is_refused() {
    let tmp = TempDir::new().unwrap();
    let scenario = copy_book(tmp.path());
    // The copy as it stands is valid: the error below is the edit's.
    fifsim().arg("validate").arg(&scenario).assert().success();
    let table = tmp.path().join("portfolio/2025Q4/subfunds.csv");
    let original = fs::read_to_string(&table).unwrap();
    let row = "sf03_quantum,Sub-fund 03,Manager 03 (not public),2000.0,600,0.3,2025Q2,true,60.0,";
    assert!(original.contains(row), "the template's row for sf03 changed: update this test");
    fs::write(&table, original.replace(row, &row.replace(",60.0,", ",640.0,"))).unwrap();
    let line = original.lines().position(|l| l.starts_with("sf03_quantum")).unwrap() + 1;

    let out = tmp.path().join("run");
    let assert = fifsim().arg("run").arg(&scenario).arg("--out").arg(&out).args(["--paths", "10"]).assert().code(2);
    let stderr = text(&assert.get_output().stderr);
    assert!(stderr.contains("subfunds.csv"), "the error names no file:\n{stderr}");
    assert!(stderr.contains(&format!("line {line} (sf03_quantum), called_cny_m")), "the error names no line and column:\n{stderr}");
    assert!(stderr.contains("more than the commitment"), "the error says not what is wrong:\n{stderr}");
    assert!(!out.exists(), "a refused book wrote results");
}

/// The mean fund TVPI of a 30-path run of `scenario` at seed 5, written to `out` (its
/// `paths.csv`).
fn fund_tvpi(scenario: &Path, out: &Path) -> f64 {
    fifsim().arg("run").arg(scenario).arg("--out").arg(out).args(["--paths", "30", "--seed", "5", "--no-charts"]).assert().success();
    let paths = fs::read_to_string(out.join("paths.csv")).unwrap();
    let mut lines = paths.lines();
    let column = lines.next().and_then(|header| header.split(',').position(|c| c == "fund_tvpi")).expect("paths.csv has fund_tvpi");
    let values: Vec<f64> = lines.map(|line| line.split(',').nth(column).and_then(|v| v.parse().ok()).expect("a TVPI on every path")).collect();
    assert_eq!(values.len(), 30);
    values.iter().sum::<f64>() / 30.0
}

#[test]
fn a_book_whose_subfunds_list_holdings_runs_from_them_and_a_bad_one_is_refused() {
    let tmp = TempDir::new().unwrap();
    let scenario = copy_book(tmp.path());
    let index = tmp.path().join("portfolio/2025Q4/portfolio.toml");
    let original = fs::read_to_string(&index).unwrap();
    assert!(original.contains("subfund_holdings = \"subfund_holdings.csv\""), "the template lists no sub-fund holdings: update this test");
    let with = fund_tvpi(&scenario, &tmp.path().join("with"));
    // Without the table, sf01 and sf04 are represented by synthetic holdings: another forecast.
    let line = original.lines().find(|l| l.starts_with("subfund_holdings")).unwrap();
    fs::write(&index, original.replace(line, "")).unwrap();
    let without = fund_tvpi(&scenario, &tmp.path().join("without"));
    assert!(with.is_finite() && without.is_finite() && with != without, "TVPI {with} with the holdings, {without} without");
    fs::write(&index, &original).unwrap();
    // Marks a quarter above sf01's NAV are refused, naming the table, the sub-fund and the rule.
    let table = tmp.path().join("portfolio/2025Q4/subfund_holdings.csv");
    let holdings = fs::read_to_string(&table).unwrap();
    let row = "sf01_embodied_ai,Company S01-01,embodied_ai,a,2025Q2,2025Q2,42.0,0.100,2025Q2,420,";
    assert!(holdings.contains(row), "the template's first holding changed: update this test");
    fs::write(&table, holdings.replace(row, &row.replace(",420,", ",1500,"))).unwrap();
    let out = tmp.path().join("bad");
    let assert = fifsim().arg("run").arg(&scenario).arg("--out").arg(&out).args(["--paths", "10"]).assert().code(2);
    let stderr = text(&assert.get_output().stderr);
    assert!(stderr.contains("subfund_holdings.csv") && stderr.contains("sub-fund sf01_embodied_ai, ownership, last_post_money_cny_m"), "{stderr}");
    assert!(stderr.contains("within 5%"), "{stderr}");
    assert!(!out.exists(), "a refused book wrote results");
}
