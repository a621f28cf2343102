use super::*;

/// Edits the template's index, sub-funds table, direct table and sub-funds' holdings table.
type Edit = Box<dyn FnOnce(&mut String, &mut String, &mut String, &mut String)>;

/// The shipped template's folder.
fn template_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/portfolio/2025Q4")
}

/// A scenario extending base with `[as_of]` at `quarter` on a copy of the template, whose tables
/// `edit` may change first; returns the load result and the folder (kept alive).
fn load_edited(quarter: &str, edit: impl FnOnce(&mut String, &mut String, &mut String, &mut String)) -> (Result<crate::scenario::Scenario, ScenarioError>, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let read = |name: &str| std::fs::read_to_string(template_dir().join(name)).unwrap();
    let (mut index, mut subfunds, mut direct, mut holdings) = (read("portfolio.toml"), read("subfunds.csv"), read("direct.csv"), read("subfund_holdings.csv"));
    edit(&mut index, &mut subfunds, &mut direct, &mut holdings);
    std::fs::write(dir.path().join("portfolio.toml"), index).unwrap();
    std::fs::write(dir.path().join("subfunds.csv"), subfunds).unwrap();
    std::fs::write(dir.path().join("direct.csv"), direct).unwrap();
    std::fs::write(dir.path().join("subfund_holdings.csv"), holdings).unwrap();
    let base = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/base.toml");
    let text = format!("extends = {:?}\ndescription = \"t\"\n[as_of]\nquarter = \"{quarter}\"\nportfolio = \"portfolio.toml\"\n", base.display().to_string());
    let path = dir.path().join("s.toml");
    std::fs::write(&path, &text).unwrap();
    (crate::scenario::load(&path), dir)
}

fn error_of(edit: impl FnOnce(&mut String, &mut String, &mut String, &mut String)) -> String {
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
    let committed: f64 = as_of.direct.iter().map(|h| h.holding.cost_cny_m + h.pending.iter().map(|p| p.0).sum::<f64>()).sum();
    assert!((as_of.forecast_direct.budget_cny_m - (base.direct.budget_cny_m - committed)).abs() < 1e-9);
    assert_eq!(as_of.forecast_direct.first_quarter, as_of.quarter + 1);
    assert_eq!(as_of.forecast_direct.first_quarter + as_of.forecast_direct.deploy_quarters, base.direct.first_quarter + base.direct.deploy_quarters);
}

#[test]
fn bad_books_name_the_file_the_line_the_column_and_what_is_allowed() {
    let cases: Vec<(Edit, &[&str])> = vec![
        (
            Box::new(|_, s, _, _| swap(s, "2025Q2,true,112.0", "2025Q2,true,712.0")),
            &["subfunds.csv", "line 8 (sf01_embodied_ai), called_cny_m", "more than the commitment"],
        ),
        (Box::new(|_, s, _, _| swap(s, ",0,107.5,", ",0,-1,")), &["subfunds.csv", "line 8 (sf01_embodied_ai), nav_cny_m", ">= 0, got -1"]),
        (Box::new(|_, s, _, _| swap(s, "0.25,2025Q2,true,112.0", "0.25,2026Q1,true,112.0")), &["subfunds.csv", "vintage", "after the as-of quarter"]),
        (
            Box::new(|_, s, _, _| swap(s, ",embodied_ai,seed;a\n", ",embodied_aii,seed;a\n")),
            &["subfunds.csv", "fields", "unknown field `embodied_aii`", "allowed:", "six_g"],
        ),
        (
            Box::new(|_, s, _, _| swap(s, ",embodied_ai,seed;a\n", ",embodied_ai,seed;d\n")),
            &["subfunds.csv", "stages", "unknown stage `d`", "seed, a, b, c, growth"],
        ),
        (Box::new(|_, s, _, _| swap(s, "sf01_embodied_ai,", "sf99_other,")), &["subfunds.csv", "key", "no sub-fund `sf99_other`", "sf02_cell_gene_therapy"]),
        (Box::new(|_, s, _, _| swap(s, "Sub-fund 02,", "Sub-fund 01,")), &["subfunds.csv", "line 9", "duplicate name \"Sub-fund 01\""]),
        (Box::new(|_, s, _, _| swap(s, "0.25,2025Q2,true,112.0", "0.6,2025Q2,true,112.0")), &["fund_share", "fund.max_subfund_share"]),
        (
            Box::new(|_, s, _, _| swap(s, "2800.0,700,0.25,2025Q2,true,112.0", "2000.0,700,0.25,2025Q2,true,112.0")),
            &["size_cny_m", "commitment_cny_m / fund_share"],
        ),
        (Box::new(|_, s, _, _| swap(s, ",0,107.5,", ",0,lots,")), &["subfunds.csv", "line 8, nav_cny_m"]),
        (Box::new(|_, s, _, _| swap(s, "sf01_embodied_ai,", "# sf01_embodied_ai,")), &["s.toml", "subfunds.sf01_embodied_ai", "must show it"]),
        (Box::new(|_, _, d, _| swap(d, ",embodied_ai,a,", ",robots,a,")), &["direct.csv", "line 7 (Company D01), field", "unknown field `robots`"]),
        (Box::new(|_, _, d, _| swap(d, ",embodied_ai,a,", ",embodied_ai,e,")), &["direct.csv", "stage", "unknown stage `e`"]),
        (Box::new(|_, _, d, _| swap(d, "Company D02", "Company D01")), &["direct.csv", "line 8 (Company D01), company", "duplicate company (also line 7)"]),
        (Box::new(|_, _, d, _| swap(d, "2027Q2;2029Q2", "2025Q3;2029Q2")), &["direct.csv", "pending_deadlines", "lapsed"]),
        (Box::new(|_, _, d, _| swap(d, "424,held,,true", "424,sold,,true")), &["direct.csv", "status", "held, exited, failed"]),
        (Box::new(|_, _, d, _| swap(d, "424,held,,true", "424,exited,,true")), &["direct.csv", "proceeds_cny_m", "must record its proceeds"]),
        (Box::new(|_, _, d, _| swap(d, "2025Q2,2025Q2,16.5", "2026Q2,2025Q2,16.5")), &["direct.csv", "stage_since", "after the as-of quarter"]),
        (Box::new(|_, _, d, _| swap(d, "16.5,0.039,12.4;12.4", "16.5,0.039,2900;12.4")), &["direct.csv", "more than the direct budget"]),
        (Box::new(|i, _, _, _| swap(i, "as_of = \"2025Q4\"", "as_of = \"2025Q3\"")), &["portfolio.toml", "as_of", "must agree"]),
        (Box::new(|i, _, _, _| swap(i, "direct = \"direct.csv\"", "direct = \"direct.csv\"\ncash = 3")), &["portfolio.toml", "unknown field `cash`"]),
        (Box::new(|_, s, _, _| swap(s, ",stages\n", ",stage_focus\n")), &["subfunds.csv", "line 8", "unknown field `stage_focus`", "expected one of"]),
        (Box::new(|_, s, _, _| swap(s, ",stages\n", ",stages,notes\n")), &["subfunds.csv", "line 8", "found record with 14 fields"]),
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
        let (result, _dir) = load_edited(quarter, |_, _, _, _| {});
        let message = result.unwrap_err().to_string();
        assert!(message.contains("s.toml: as_of.quarter") && message.contains("outside the fund's life: allowed 2024Q3 to"), "{message}");
    }
}

#[test]
fn listed_subfund_holdings_are_scaled_to_the_navs() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/as_of_2025q4.toml");
    let s = crate::scenario::load(&path).unwrap();
    let as_of = s.as_of.as_ref().unwrap();
    let listed: Vec<(usize, &SubFundActual)> = as_of.subfunds.iter().enumerate().filter_map(|(i, a)| a.as_ref().map(|a| (i, a))).filter(|(_, a)| !a.holdings.is_empty()).collect();
    let keys: Vec<&str> = listed.iter().map(|&(i, _)| s.subfunds[i].key.as_str()).collect();
    assert_eq!(keys, ["sf01_embodied_ai", "sf04_semiconductors"]);
    for &(i, actual) in &listed {
        let share = s.subfunds[i].fund_share;
        let marks: f64 = actual.holdings.iter().map(Holding::mark).sum();
        assert!((marks - actual.nav_cny_m / share).abs() < 1e-9, "{}: marks {marks}", s.subfunds[i].key);
        assert!(actual.holdings.iter().all(|h| h.ownership <= 1.0));
    }
    // sf01's held marks as written are 427.495 against a NAV of 107.5 / 0.25 = 430: scaled up;
    // the failed holding keeps its ownership.
    let sf01 = &listed[0].1.holdings;
    assert_eq!(sf01.len(), 15);
    assert!((sf01[0].ownership - 0.1 * 430.0 / 427.495).abs() < 1e-12, "{}", sf01[0].ownership);
    assert_eq!((sf01[11].status, sf01[11].ownership), (HoldingStatus::Failed, 0.1));
    assert_eq!((sf01[0].row, sf01[0].company.as_str(), sf01[0].local), (10, "Company S01-01", true));
    // The same company may be held by two sub-funds.
    let (result, _dir) = load_edited("2025Q4", |_, _, _, h| swap(h, "Company S04-01", "Company S01-01"));
    assert!(result.is_ok(), "{:?}", result.err());
    // Without a `local` column no holding is local.
    let (result, _dir) = load_edited("2025Q4", |_, _, _, h| {
        *h = h.lines().map(|l| if l.starts_with('#') { format!("{l}\n") } else { format!("{}\n", l.rsplit_once(',').unwrap().0) }).collect();
    });
    let s = result.unwrap();
    let holdings: Vec<&Holding> = s.as_of.as_ref().unwrap().subfunds.iter().flatten().flat_map(|a| &a.holdings).collect();
    assert!(holdings.len() == 36 && holdings.iter().all(|h| !h.local));
}

#[test]
fn bad_subfund_holdings_name_the_file_the_line_the_column_and_what_is_allowed() {
    let cases: Vec<(Edit, &[&str])> = vec![
        (
            Box::new(|_, _, _, h| swap(h, "sf01_embodied_ai,Company S01-01", "sf99_other,Company S01-01")),
            &["subfund_holdings.csv", "line 10 (Company S01-01), subfund", "no sub-fund `sf99_other`", "sf02_cell_gene_therapy"],
        ),
        (Box::new(|_, _, _, h| swap(h, "Company S01-02", "Company S01-01")), &["line 11 (Company S01-01), company", "duplicate company in sub-fund `sf01_embodied_ai` (also line 10)"]),
        (Box::new(|_, _, _, h| swap(h, "S01-01,embodied_ai,", "S01-01,robots,")), &["subfund_holdings.csv", "line 10 (Company S01-01), field", "unknown field `robots`", "allowed:"]),
        (Box::new(|_, _, _, h| swap(h, "S01-01,embodied_ai,a,", "S01-01,embodied_ai,d,")), &["line 10 (Company S01-01), stage", "unknown stage `d`", "seed, a, b, c, growth"]),
        (Box::new(|_, _, _, h| swap(h, "420,held,,true", "420,sold,,true")), &["line 10 (Company S01-01), status", "held, exited, failed"]),
        (Box::new(|_, _, _, h| swap(h, "420,held,,true", "420,held,5,true")), &["line 10 (Company S01-01), proceeds_cny_m", "only an exited holding has proceeds"]),
        (Box::new(|_, _, _, h| swap(h, "S01-01,embodied_ai,a,2025Q2,", "S01-01,embodied_ai,a,2026Q1,")), &["line 10 (Company S01-01), stage_since", "after the as-of quarter 2025Q4"]),
        (
            Box::new(|_, _, _, h| swap(h, "S01-01,embodied_ai,a,2025Q2,2025Q2,", "S01-01,embodied_ai,a,2025Q2,2025Q1,")),
            &["line 10 (Company S01-01), entry_quarter", "before the sub-fund's vintage 2025Q2"],
        ),
        (
            Box::new(|_, _, _, h| swap(h, "S01-01,embodied_ai,a,2025Q2,2025Q2,", "S01-01,embodied_ai,a,2025Q2,2025Q3,")),
            &["line 10 (Company S01-01), stage_since", "must not be before entry_quarter"],
        ),
        (Box::new(|_, _, _, h| swap(h, "22.8,0.100,2025Q4,", "22.8,0.100,2025Q3,")), &["line 12 (Company S01-03), last_round_quarter", "is before stage_since 2025Q4"]),
        (Box::new(|_, _, _, h| swap(h, "42.0,0.100,2025Q2,420", "42.0,1.5,2025Q2,420")), &["line 10 (Company S01-01), ownership", "(0, 1], got 1.5"]),
        (Box::new(|_, _, _, h| swap(h, "42.0,0.100,2025Q2,420", "42.0,0,2025Q2,420")), &["line 10 (Company S01-01), ownership", "(0, 1], got 0"]),
        (Box::new(|_, _, _, h| swap(h, "42.0,0.100,2025Q2,420", "-42.0,0.100,2025Q2,420")), &["line 10 (Company S01-01), cost_cny_m", ">= 0, got -42"]),
        (Box::new(|_, _, _, h| swap(h, "140,failed,,false", "140,exited,-3,false")), &["(Company S01-12), proceeds_cny_m", ">= 0, got -3"]),
        (
            Box::new(|_, _, _, h| swap(h, "42.0,0.100,2025Q2,420", "142.0,0.100,2025Q2,420")),
            &["subfund_holdings.csv", "sub-fund sf01_embodied_ai, cost_cny_m", "cost 494.3 in all", "called, 448.0", "line 8 of"],
        ),
        (
            Box::new(|_, _, _, h| swap(h, "140,failed,,false", "140,exited,900,false")),
            &["sub-fund sf01_embodied_ai, proceeds_cny_m", "returned 900.0", "(720.0)", "distributions and NAV, 430.0"],
        ),
        (
            Box::new(|_, _, _, h| swap(h, "42.0,0.100,2025Q2,420", "42.0,0.100,2025Q2,1420")),
            &["sub-fund sf01_embodied_ai, ownership, last_post_money_cny_m", "marked at 527.5", "NAV is 430.0", "within 5%"],
        ),
        (Box::new(|_, s, _, _| swap(s, ",107.5,188.2,", ",107.5,100.0,")), &["sub-fund sf01_embodied_ai, local", "cost 154.5", "local investment to date, 100.0"]),
        (Box::new(|_, _, _, h| swap(h, "42.0,0.100,2025Q2,420", "42.0,1.0,2025Q2,42")), &["line 10 (Company S01-01), ownership", "more than 1"]),
        (Box::new(|_, _, _, h| swap(h, ",proceeds_cny_m,local\n", ",proceeds_cny_m,locale\n")), &["subfund_holdings.csv", "line 10", "unknown field `locale`"]),
        (Box::new(|i, _, _, _| swap(i, "subfund_holdings = \"subfund_holdings.csv\"", "subfund_holdings = \"holdings.csv\"")), &["holdings.csv"]),
    ];
    for (k, (edit, wanted)) in cases.into_iter().enumerate() {
        let message = error_of(edit);
        for w in wanted {
            assert!(message.contains(w), "case {k}: {w:?} not in: {message}");
        }
    }
}

/// Holdings of a sub-fund the book has no row for (its vintage is after the as-of quarter) are
/// refused.
#[test]
fn holdings_of_a_subfund_without_a_row_are_refused() {
    let (result, _dir) = load_edited("2025Q3", |i, s, _, h| {
        swap(i, "as_of = \"2025Q4\"", "as_of = \"2025Q3\"");
        swap(i, "direct = \"direct.csv\"\n", "");
        *s = s.lines().filter(|l| !l.contains(",2025Q4,true,")).map(|l| format!("{l}\n")).collect();
        let header: String = h.lines().filter(|l| l.starts_with('#') || l.starts_with("subfund,")).map(|l| format!("{l}\n")).collect();
        *h = header + "sf13_brain_science,Company X,brain_computer_interface,seed,2025Q3,2025Q3,10,0.1,2025Q3,100,held,,\n";
    });
    let message = result.err().map_or_else(|| "accepted".to_string(), |e| e.to_string());
    assert!(message.contains("subfund_holdings.csv: line 10 (Company X), subfund") && message.contains("sub-fund `sf13_brain_science` has no row"), "{message}");
}
