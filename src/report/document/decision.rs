//! The decision commands' [`Document`]s: `compare` (levels, paired differences, the curves of
//! its overlay charts), `sensitivity` (effects and the tornado) and `frontier` (every allocation,
//! the efficient set), each with its provenance. Levels are in the units of the printed tables
//! (money in CNY bn); differences of rates and probabilities are in percentage points.

use super::{Cell, ChartKind, ChartSpec, Document, Format, Picture, Sheet, Table};
use crate::analysis::Provenance;
use crate::analysis::compare::{CDF_POINTS, Comparison, ScenarioCurves};
use crate::analysis::frontier::{Frontier, PRIMARY_RISK, Point};
use crate::analysis::headline::Unit;
use crate::analysis::paired::Difference;
use crate::analysis::sensitivity::Sensitivity;

/// The pictures of `compare`.
pub const COMPARE_PICTURES: [Picture; 2] = [
    Picture { file: "compare_tvpi.png", caption: "Fund TVPI across paths, every scenario on the same random numbers" },
    Picture { file: "compare_jcurve.png", caption: "J-curves: the fund's cumulative net cash flow by scenario" },
];
/// The picture of `sensitivity`.
pub const SENSITIVITY_PICTURES: [Picture; 1] = [Picture { file: "tornado.png", caption: "Effect of each shock on mean fund TVPI" }];
/// The picture of `pace`.
pub const PACE_PICTURES: [Picture; 1] = [Picture { file: "pace.png", caption: "Commitment schedules against the funding plan" }];
/// The picture of `frontier`.
pub const FRONTIER_PICTURES: [Picture; 1] = [Picture { file: "frontier.png", caption: "Mean fund TVPI against P(TVPI < 1) for every allocation" }];

/// A headline measure's level format and the factor from its value to the number shown.
fn level_format(unit: Unit) -> (Format, f64) {
    match unit {
        Unit::Multiple => (Format::Multiple, 1.0),
        Unit::Percent => (Format::Percent, 1.0),
        Unit::CnyBn => (Format::CnyBn, 1e-3),
        Unit::Years | Unit::Count => (Format::Decimal, 1.0),
    }
}

/// The same for a difference: rates in percentage points, multiples to three decimals.
fn difference_format(unit: Unit) -> (Format, f64) {
    match unit {
        Unit::Percent => (Format::PercentagePoints, 100.0),
        Unit::Multiple => (Format::SignedMultiple, 1.0),
        _ => level_format(unit),
    }
}

/// A difference's cells: estimate, interval, paired and independent half-widths, pairs.
fn difference_cells(d: &Difference, (format, scale): (Format, f64)) -> Vec<Cell> {
    let mut cells: Vec<Cell> = [d.estimate, d.paired_ci95.0, d.paired_ci95.1, d.paired_half_width, d.independent_half_width]
        .into_iter()
        .map(|x| Cell::Number(scale * x, format))
        .collect();
    cells.push(Cell::Number(d.pairs as f64, Format::Whole));
    cells
}

fn title_lines(kind: &str, p: &Provenance) -> (String, Vec<String>) {
    let names: Vec<&str> = p.scenarios.iter().map(|s| s.name.as_str()).collect();
    let title = format!("{kind}: {}", names.join(" vs "));
    let line = format!("{} {} · {} runs × {} paths · seed {} · common random numbers", p.tool, p.version, p.runs, Format::Whole.show(p.paths as f64), p.seed);
    (title, vec![line, p.method.clone()])
}

fn provenance(p: &Provenance) -> Sheet {
    let mut table = Table::new("Provenance", &["Item", "Value"]);
    let text = |label: &str, value: &str| vec![Cell::text(label), Cell::text(value)];
    table.rows.push(text("Tool", &p.tool));
    table.rows.push(text("Version", &p.version));
    // A seed can exceed the 15 digits a spreadsheet number holds exactly.
    table.rows.push(text("Seed", &p.seed.to_string()));
    table.numbers("Paths per run", &[p.paths as f64], Format::Whole);
    table.numbers("Runs", &[p.runs as f64], Format::Whole);
    table.rows.push(text("Method", &p.method));
    let mut scenarios = Table::new("Scenarios", &["Scenario", "File", "Description"]);
    for s in &p.scenarios {
        scenarios.rows.push(vec![Cell::text(&s.name), Cell::text(&s.file), Cell::text(&s.description)]);
    }
    Sheet::new("Provenance", vec![table, scenarios])
}

/// `compare`'s document; `curves` (one per scenario, possibly none) feed the Curves sheet.
pub fn compare(c: &Comparison, curves: &[ScenarioCurves]) -> Document {
    let p = &c.provenance;
    let names: Vec<&str> = p.scenarios.iter().map(|s| s.name.as_str()).collect();
    let mut columns = vec!["Measure"];
    columns.extend(&names);
    let mut levels = Table::new("Levels", &columns);
    for m in &c.metrics {
        let (format, scale) = level_format(m.unit);
        let values: Vec<f64> = m.levels.iter().map(|l| scale * l.estimate).collect();
        levels.numbers(&m.label, &values, format);
    }
    levels.note("Money in CNY bn; every scenario runs on the same seed and paths.");
    let columns = ["Measure", "Scenario", "Minus", "Difference", "95% CI low", "95% CI high", "Paired half-width", "Independent half-width", "Pairs"];
    let mut differences = Table::new("Differences from the first scenario (paired)", &columns);
    for m in &c.metrics {
        for d in &m.differences {
            let mut row = vec![Cell::text(&m.label), Cell::text(&d.scenario), Cell::text(&d.baseline)];
            row.extend(difference_cells(&d.difference, difference_format(m.unit)));
            differences.rows.push(row);
        }
    }
    differences
        .note("Rates and probabilities differ in percentage points (pp). The independent half-width is what two runs on different random numbers would give.");
    let (title, subtitle) = title_lines("Comparison", p);
    let mut sheets = vec![Sheet::new("Comparison", vec![levels, differences])];
    if !curves.is_empty() {
        sheets.push(curve_sheet(curves));
    }
    sheets.push(provenance(p));
    Document { title, subtitle, sheets, pictures: COMPARE_PICTURES.to_vec() }
}

/// The data of `compare`'s overlay charts: each scenario's median J-curve and TVPI quantiles.
fn curve_sheet(curves: &[ScenarioCurves]) -> Sheet {
    let mut columns = vec!["Quarter"];
    columns.extend(curves.iter().map(|c| c.name.as_str()));
    let mut jcurve = Table::new("Fund cumulative net cash flow, P50 of paths (CNY bn)", &columns);
    let quarters = curves.iter().map(|c| c.jcurve[1].len()).max().unwrap_or(0);
    for t in 0..quarters {
        let label = curves.first().map_or_else(|| format!("q{t}"), |c| c.start.plus(t).to_string());
        let values: Vec<f64> = curves.iter().map(|c| c.jcurve[1].get(t).map_or(f64::NAN, |x| x / 1e3)).collect();
        jcurve.numbers(label, &values, Format::CnyBn);
    }
    jcurve.note(format!("Quarters from the first scenario's first close ({}).", curves.first().map_or(String::new(), |c| c.start.to_string())));
    columns[0] = "Probability";
    let mut tvpi = Table::new("Fund TVPI quantiles (×)", &columns);
    for k in 0..=CDF_POINTS {
        let mut row = vec![Cell::Number(k as f64 / CDF_POINTS as f64, Format::Percent)];
        row.extend(curves.iter().map(|c| Cell::Number(c.tvpi_quantiles.get(k).copied().unwrap_or(f64::NAN), Format::Multiple)));
        tvpi.rows.push(row);
    }
    let series: Vec<usize> = (1..=curves.len()).collect();
    let chart = |title: &str, table, x: &str, y: &str| ChartSpec {
        title: title.to_string(),
        kind: ChartKind::Line,
        table,
        categories: 0,
        series: series.clone(),
        x_title: x.to_string(),
        y_title: y.to_string(),
    };
    let mut sheet = Sheet::new("Curves", vec![jcurve, tvpi]).workbook_only();
    sheet.charts = vec![chart("J-curve, P50 (CNY bn)", 0, "Quarter", "CNY bn"), chart("Fund TVPI quantile function", 1, "Probability", "TVPI (×)")];
    sheet
}

/// `sensitivity`'s document.
pub fn sensitivity(s: &Sensitivity) -> Document {
    let b = &s.base;
    let mut base = Table::new("Base run", &["Measure", "Estimate", "95% CI low", "95% CI high"]);
    base.numbers("Mean fund TVPI (×)", &[b.mean_tvpi, b.mean_tvpi_ci95.0, b.mean_tvpi_ci95.1], Format::Multiple);
    base.numbers("P(fund TVPI < 1)", &[b.loss_probability.estimate, b.loss_probability.ci95.0, b.loss_probability.ci95.1], Format::Percent);
    let columns = [
        "Rank",
        "Shock",
        "Move",
        "Mean TVPI",
        "Δ mean TVPI",
        "Δ TVPI 95% CI low",
        "Δ TVPI 95% CI high",
        "P(TVPI < 1)",
        "Δ P(TVPI < 1) (pp)",
        "Δ 95% CI low (pp)",
        "Δ 95% CI high (pp)",
    ];
    let mut effects = Table::new("Effects (shocked − base, paired)", &columns);
    let mut tornado = Table::new("Tornado: Δ mean fund TVPI (×)", &["Shock", "Down", "Up"]);
    for e in &s.shocks {
        for m in [&e.down, &e.up] {
            let mut row =
                vec![Cell::Number(e.rank as f64, Format::Whole), Cell::text(&e.label), Cell::text(&m.setting), Cell::Number(m.mean_tvpi, Format::Multiple)];
            row.extend([m.tvpi.estimate, m.tvpi.paired_ci95.0, m.tvpi.paired_ci95.1].map(|x| Cell::Number(x, Format::SignedMultiple)));
            row.push(Cell::Number(m.loss_probability, Format::Percent));
            row.extend([m.loss.estimate, m.loss.paired_ci95.0, m.loss.paired_ci95.1].map(|x| Cell::Number(100.0 * x, Format::PercentagePoints)));
            effects.rows.push(row);
        }
        tornado.numbers(&e.label, &[e.down.tvpi.estimate, e.up.tvpi.estimate], Format::SignedMultiple);
    }
    effects.note("Ranked by the larger |Δ mean TVPI| of the two moves; every run shares the base run's seed.");
    let mut chart_sheet = Sheet::new("Tornado", vec![tornado]).workbook_only();
    chart_sheet.charts.push(ChartSpec {
        title: "Δ mean fund TVPI by shock".to_string(),
        kind: ChartKind::Bar,
        table: 0,
        categories: 0,
        series: vec![1, 2],
        x_title: "Shock".to_string(),
        y_title: "Δ mean TVPI (×)".to_string(),
    });
    let (title, subtitle) = title_lines("Sensitivity", &s.provenance);
    Document {
        title,
        subtitle,
        sheets: vec![Sheet::new("Sensitivity", vec![base, effects]), chart_sheet, provenance(&s.provenance)],
        pictures: SENSITIVITY_PICTURES.to_vec(),
    }
}

/// `frontier`'s document.
pub fn frontier(f: &Frontier) -> Document {
    let columns = [
        "Allocation",
        "Direct share",
        "Industrialising",
        "Prototype",
        "Exploration",
        "Mean TVPI",
        "TVPI SE",
        "P(TVPI < 1)",
        "95% CI low",
        "95% CI high",
        "Mean of worst 5%",
        "Peak need (CNY bn)",
        "Efficient",
        "ES5-efficient",
        "Best at its direct share",
    ];
    let table = |title: &str, points: &[&Point]| {
        let mut t = Table::new(title, &columns);
        for q in points {
            let flag = |b: bool| Cell::text(if b { "yes" } else { "" });
            let mut row = vec![Cell::text(&q.label)];
            row.extend([q.direct_share, q.tiers[0], q.tiers[1], q.tiers[2]].map(|x| Cell::Number(x, Format::Percent)));
            row.extend([q.mean_tvpi, q.tvpi_std_error].map(|x| Cell::Number(x, Format::Multiple)));
            row.extend([q.loss_probability, q.loss_ci95.0, q.loss_ci95.1].map(|x| Cell::Number(x, Format::Percent)));
            row.push(Cell::Number(q.es5, Format::Multiple));
            row.push(Cell::Number(q.peak_need_cny_m / 1e3, Format::CnyBn));
            row.extend([flag(q.efficient), flag(q.efficient_es5), flag(q.efficient_at_share)]);
            t.rows.push(row);
        }
        t
    };
    let mut efficient: Vec<&Point> = f.points.iter().filter(|q| q.efficient || q.reference).collect();
    efficient.sort_by(|a, b| a.loss_probability.total_cmp(&b.loss_probability).then(a.mean_tvpi.total_cmp(&b.mean_tvpi)));
    let mut best = table("Efficient allocations and the scenario as it is", &efficient);
    best.note(format!("Primary risk: {PRIMARY_RISK}; efficient = no other allocation with a higher mean TVPI and a lower risk."));
    let all: Vec<&Point> = f.points.iter().collect();
    let mut every = Sheet::new("Allocations", vec![table("Every allocation", &all)]).workbook_only();
    every.charts.push(ChartSpec {
        title: "Mean fund TVPI against P(TVPI < 1)".to_string(),
        kind: ChartKind::Scatter,
        table: 0,
        categories: 7,
        series: vec![5],
        x_title: PRIMARY_RISK.to_string(),
        y_title: "Mean TVPI (×)".to_string(),
    });
    let (title, subtitle) = title_lines("Frontier", &f.provenance);
    Document { title, subtitle, sheets: vec![Sheet::new("Frontier", vec![best]), every, provenance(&f.provenance)], pictures: FRONTIER_PICTURES.to_vec() }
}

/// `pace`'s document: the verdict, then one row per candidate schedule.
pub fn pace(p: &crate::analysis::pace::Pace) -> Document {
    let columns = ["Schedule", "Chosen", "Meets target", "P(any year short)", "95% CI low", "95% CI high", "Shortfall P95 (CNY m)", "Idle cash, mean (CNY m)", "Idle cash, peak (CNY m)"];
    let mut candidates = Table::new("Candidate schedules (common random numbers)", &columns);
    for (k, c) in p.candidates.iter().enumerate() {
        let l = &c.liquidity.life;
        let yes_no = |b: bool| Cell::text(if b { "yes" } else { "no" });
        let mut row = vec![Cell::text(&c.name), yes_no(p.chosen == Some(k)), yes_no(c.meets_target)];
        row.extend([l.p_any_shortfall.estimate, l.p_any_shortfall.ci95.0, l.p_any_shortfall.ci95.1].map(|x| Cell::Number(x, Format::Percent)));
        row.extend([l.shortfall_cny_m.p95, l.idle_mean_cny_m.mean, l.idle_peak_cny_m.mean].map(|x| Cell::Number(x, Format::CnyM)));
        candidates.rows.push(row);
    }
    candidates.note(format!("Verdict: {}", p.verdict));
    let (title, subtitle) = title_lines("Pace", &p.provenance);
    Document { title, subtitle, sheets: vec![Sheet::new("Pace", vec![candidates]), provenance(&p.provenance)], pictures: PACE_PICTURES.to_vec() }
}
