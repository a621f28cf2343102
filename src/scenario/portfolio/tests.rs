use super::*;

/// Edits the template's index, sub-funds table and direct table.
type Edit = Box<dyn FnOnce(&mut String, &mut String, &mut String)>;

/// The shipped template's folder.
fn template_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/portfolio/2025Q4")
}

/// A scenario extending base with `[as_of]` at `quarter` on a copy of the template, whose tables
/// `edit` may change first; returns the load result and the folder (kept alive).
fn load_edited(quarter: &str, edit: impl FnOnce(&mut String, &mut String, &mut String)) -> (Result<crate::scenario::Scenario, ScenarioError>, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let read = |name: &str| std::fs::read_to_string(template_dir().join(name)).unwrap();
    let (mut index, mut subfunds, mut direct) = (read("portfolio.toml"), read("subfunds.csv"), read("direct.csv"));
    edit(&mut index, &mut subfunds, &mut direct);
    std::fs::write(dir.path().join("portfolio.toml"), index).unwrap();
    std::fs::write(dir.path().join("subfunds.csv"), subfunds).unwrap();
    std::fs::write(dir.path().join("direct.csv"), direct).unwrap();
    let base = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/base.toml");
    let text = format!("extends = {:?}\ndescription = \"t\"\n[as_of]\nquarter = \"{quarter}\"\nportfolio = \"portfolio.toml\"\n", base.display().to_string());
    let path = dir.path().join("s.toml");
    std::fs::write(&path, &text).unwrap();
    (crate::scenario::load(&path), dir)
}

fn error_of(edit: impl FnOnce(&mut String, &mut String, &mut String)) -> String {
    let (result, _dir) = load_edited("2025Q4", edit);
    result.err().map_or_else(|| "accepted".to_string(), |e| e.to_string())
}

/// Replaces the first occurrence of `from` in `text`, which must be there.
fn swap(text: &mut String, from: &str, to: &str) {
    assert!(text.contains(from), "{from:?} not in the table");
    *text = text.replacen(from, to, 1);
}

#[test]
fn the_template_loads_and_replaces_the_plan_with_the_book() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/as_of_2025q4.toml");
    let s = crate::scenario::load(&path).unwrap();
    let as_of = s.as_of.as_ref().unwrap();
    assert_eq!(s.calendar.quarter(as_of.quarter).to_string(), "2025Q4");
    assert_eq!(as_of.subfunds.iter().flatten().count(), 18);
    assert_eq!(as_of.direct.len(), 6);
    let sf03 = s.subfunds.iter().position(|x| x.key == "sf03_quantum").unwrap();
    assert_eq!(s.subfunds[sf03].fund_share, 0.3);
    assert_eq!(s.subfunds[sf03].commitment_cny_m, 600.0);
    assert_eq!(s.subfunds[sf03].label, "Sub-fund 03");
    let plan = s.plan();
    assert!(plan.as_of.is_none());
    let base = crate::testing::base();
    assert_eq!(plan.subfunds, base.subfunds);
    assert_eq!(plan.direct, base.direct);
    // The direct sleeve goes on from 2026Q1 with what is not yet committed.
    let committed: f64 = as_of.direct.iter().map(|h| h.cost_cny_m + h.pending.iter().map(|p| p.0).sum::<f64>()).sum();
    assert!((as_of.forecast_direct.budget_cny_m - (base.direct.budget_cny_m - committed)).abs() < 1e-9);
    assert_eq!(as_of.forecast_direct.first_quarter, as_of.quarter + 1);
    assert_eq!(as_of.forecast_direct.first_quarter + as_of.forecast_direct.deploy_quarters, base.direct.first_quarter + base.direct.deploy_quarters);
}

#[test]
fn bad_books_name_the_file_the_line_the_column_and_what_is_allowed() {
    let cases: Vec<(Edit, &[&str])> = vec![
        (
            Box::new(|_, s, _| swap(s, "2025Q2,true,112.0", "2025Q2,true,712.0")),
            &["subfunds.csv", "line 8 (sf01_embodied_ai), called_cny_m", "more than the commitment"],
        ),
        (Box::new(|_, s, _| swap(s, ",0,107.5,", ",0,-1,")), &["subfunds.csv", "line 8 (sf01_embodied_ai), nav_cny_m", ">= 0, got -1"]),
        (Box::new(|_, s, _| swap(s, "0.25,2025Q2,true,112.0", "0.25,2026Q1,true,112.0")), &["subfunds.csv", "vintage", "after the as-of quarter"]),
        (
            Box::new(|_, s, _| swap(s, ",embodied_ai,seed;a\n", ",embodied_aii,seed;a\n")),
            &["subfunds.csv", "fields", "unknown field `embodied_aii`", "allowed:", "six_g"],
        ),
        (
            Box::new(|_, s, _| swap(s, ",embodied_ai,seed;a\n", ",embodied_ai,seed;d\n")),
            &["subfunds.csv", "stages", "unknown stage `d`", "seed, a, b, c, growth"],
        ),
        (Box::new(|_, s, _| swap(s, "sf01_embodied_ai,", "sf99_other,")), &["subfunds.csv", "key", "no sub-fund `sf99_other`", "sf02_cell_gene_therapy"]),
        (Box::new(|_, s, _| swap(s, "Sub-fund 02,", "Sub-fund 01,")), &["subfunds.csv", "line 9", "duplicate name \"Sub-fund 01\""]),
        (Box::new(|_, s, _| swap(s, "0.25,2025Q2,true,112.0", "0.6,2025Q2,true,112.0")), &["fund_share", "fund.max_subfund_share"]),
        (
            Box::new(|_, s, _| swap(s, "2800.0,700,0.25,2025Q2,true,112.0", "2000.0,700,0.25,2025Q2,true,112.0")),
            &["size_cny_m", "commitment_cny_m / fund_share"],
        ),
        (Box::new(|_, s, _| swap(s, ",0,107.5,", ",0,lots,")), &["subfunds.csv", "line 8, nav_cny_m"]),
        (Box::new(|_, s, _| swap(s, "sf01_embodied_ai,", "# sf01_embodied_ai,")), &["s.toml", "subfunds.sf01_embodied_ai", "must show it"]),
        (Box::new(|_, _, d| swap(d, ",embodied_ai,a,", ",robots,a,")), &["direct.csv", "line 7 (Company D01), field", "unknown field `robots`"]),
        (Box::new(|_, _, d| swap(d, ",embodied_ai,a,", ",embodied_ai,e,")), &["direct.csv", "stage", "unknown stage `e`"]),
        (Box::new(|_, _, d| swap(d, "Company D02", "Company D01")), &["direct.csv", "line 8 (Company D01), company", "duplicate company (also line 7)"]),
        (Box::new(|_, _, d| swap(d, "2027Q2;2029Q2", "2025Q3;2029Q2")), &["direct.csv", "pending_deadlines", "lapsed"]),
        (Box::new(|_, _, d| swap(d, "424,held,,true", "424,sold,,true")), &["direct.csv", "status", "held, exited, failed"]),
        (Box::new(|_, _, d| swap(d, "424,held,,true", "424,exited,,true")), &["direct.csv", "proceeds_cny_m", "must record its proceeds"]),
        (Box::new(|_, _, d| swap(d, "2025Q2,2025Q2,16.5", "2026Q2,2025Q2,16.5")), &["direct.csv", "stage_since", "after the as-of quarter"]),
        (Box::new(|_, _, d| swap(d, "16.5,0.039,12.4;12.4", "16.5,0.039,2900;12.4")), &["direct.csv", "more than the direct budget"]),
        (Box::new(|i, _, _| swap(i, "as_of = \"2025Q4\"", "as_of = \"2025Q3\"")), &["portfolio.toml", "as_of", "must agree"]),
        (Box::new(|i, _, _| swap(i, "direct = \"direct.csv\"", "direct = \"direct.csv\"\ncash = 3")), &["portfolio.toml", "unknown field `cash`"]),
        (Box::new(|_, s, _| swap(s, ",stages\n", ",stage_focus\n")), &["subfunds.csv", "line 8", "unknown field `stage_focus`", "expected one of"]),
        (Box::new(|_, s, _| swap(s, ",stages\n", ",stages,notes\n")), &["subfunds.csv", "line 8", "found record with 14 fields"]),
    ];
    for (k, (edit, wanted)) in cases.into_iter().enumerate() {
        let message = error_of(edit);
        for w in wanted {
            assert!(message.contains(w), "case {k}: {w:?} not in: {message}");
        }
    }
}

#[test]
fn an_as_of_quarter_outside_the_funds_life_is_refused() {
    for quarter in ["2024Q2", "2042Q3", "2050Q1"] {
        let (result, _dir) = load_edited(quarter, |_, _, _| {});
        let message = result.unwrap_err().to_string();
        assert!(message.contains("s.toml: as_of.quarter") && message.contains("outside the fund's life: allowed 2024Q3 to"), "{message}");
    }
}
