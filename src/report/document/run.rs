//! A run's [`Document`]: the summary laid out as the printed table ([`crate::report::table`]),
//! then policy outcomes, one row per sub-fund, the fields, the quarterly fans, the distributions,
//! every metric as `summary.json` holds it, and the provenance.
//!
//! Money is shown in CNY bn (the value divided by 1,000) except in the Metrics sheet, which keeps
//! every figure in the unit of `summary.json` so it can be checked against it cell for cell.

use super::{Cell, ChartKind, ChartSpec, Document, Format, Picture, Sheet, Table};
use crate::analysis::plan_vs_actual::PlanVsActual;
use crate::metrics::path::{Group, Unit};
use crate::report::table::{FUND_ROWS, Fmt, ESTIMATORS, coverage, irr_note, negated, payback_share, quantile, subfund_medians, tier_name};
use crate::engine::FanReport;
use crate::report::{Histogram, MetricReport, Report};
use crate::stats::summary::{STANDARD_PROBABILITIES, Summary};

/// The quantile columns of the distribution tables.
const QUANTILES: [&str; 5] = ["P5", "P25", "P50", "P75", "P95"];

/// The chart pictures a run draws, with what each shows.
pub const PICTURES: [Picture; 6] = [
    Picture { file: "jcurve.png", caption: "J-curve: the fund's cumulative net cash flow, P5–P95 of paths" },
    Picture { file: "nav_dpi.png", caption: "Value building up (NAV) and cash coming back (DPI)" },
    Picture { file: "distribution.png", caption: "Distribution of fund TVPI and IRR across paths" },
    Picture { file: "value_by_field.png", caption: "Value created by field and tier; direct vs sub-fund sleeve" },
    Picture { file: "subfund_dispersion.png", caption: "Dispersion of outcomes between the sub-funds" },
    Picture { file: "policy.png", caption: "Policy outcomes: companies, capital mobilised, reinvestment, concessions" },
];

/// The picture of a run whose report has a scorecard.
pub const SCORECARD_PICTURE: Picture = Picture { file: "scorecard.png", caption: "Evaluation score and each grade's probability by year" };

/// The picture of a run with a funding plan.
pub const LIQUIDITY_PICTURE: Picture = Picture { file: "liquidity.png", caption: "Calls each year against the funding plan, shortfalls and idle cash" };

/// The picture of a run forecast from the fund's book: where the actuals sit in the plan's fans.
pub const PLAN_VS_ACTUAL_PICTURE: Picture = Picture { file: "plan_vs_actual.png", caption: "Where today's actuals sit in the construction plan's fans" };

/// The sheets of a run's workbook, in order.
pub const SHEETS: [&str; 8] = ["Summary", "Policy", "Sub-funds", "Fields", "Quarterly", "Distributions", "Metrics", "Provenance"];

/// The sheet a run forecast from the fund's book adds after the others.
pub const PLAN_VS_ACTUAL_SHEET: &str = "Plan vs actual";

/// Lays out `report`.
pub fn document(report: &Report) -> Document {
    let p = &report.provenance;
    let mut subtitle = vec![format!(
        "{} {} · scenario {} ({}) · {} paths · seed {} · from {} over {} quarters",
        p.tool,
        p.version,
        p.scenario,
        p.scenario_file,
        Format::Whole.show(p.paths as f64),
        p.seed,
        p.start_quarter,
        p.horizon_quarters
    )];
    if !p.description.is_empty() {
        subtitle.push(p.description.clone());
    }
    let mut sheets = vec![
        Sheet::new(SHEETS[0], vec![fund(report), fund_tail(report), sleeves(report), tiers(report)]),
        Sheet::new(SHEETS[1], vec![policy(report)]),
        Sheet::new(SHEETS[2], vec![subfunds(report), dispersion(report)]),
        Sheet::new(SHEETS[3], vec![fields(report)]),
        with_chart(
            Sheet::new(SHEETS[4], report.fans.iter().map(fan).collect()).workbook_only(),
            "J-curve: fund cumulative net cash flow (CNY bn)",
            ChartKind::Line,
            "Quarter",
            "CNY bn",
        ),
        with_chart(
            Sheet::new(SHEETS[5], report.histograms.iter().map(|h| histogram(report, h)).collect()).workbook_only(),
            "Fund TVPI across paths",
            ChartKind::Column,
            "TVPI from (×)",
            "Paths",
        ),
        Sheet::new(SHEETS[6], vec![metrics(report)]).workbook_only(),
        Sheet::new(SHEETS[7], vec![provenance(report)]),
    ];
    if let Some(pva) = &report.plan_vs_actual {
        sheets.push(Sheet::new(PLAN_VS_ACTUAL_SHEET, vec![plan_vs_actual(pva)]).workbook_only());
    }
    let mut pictures = PICTURES.to_vec();
    if report.scorecard.is_some() {
        pictures.push(SCORECARD_PICTURE);
    }
    if report.liquidity.is_some() {
        pictures.push(LIQUIDITY_PICTURE);
    }
    if report.plan_vs_actual.is_some() {
        pictures.push(PLAN_VS_ACTUAL_PICTURE);
    }
    Document { title: format!("Fund simulation: {}", p.scenario), subtitle, sheets, pictures }
}

/// `sheet` with a chart of its first table: categories in the first column, the other columns
/// (the quantiles of a fan, or the paths of a histogram) as series.
fn with_chart(mut sheet: Sheet, title: &str, kind: ChartKind, x_title: &str, y_title: &str) -> Sheet {
    let Some(first) = sheet.tables.first() else { return sheet };
    let series = match kind {
        ChartKind::Column => vec![2],
        _ => (1..first.columns.len()).collect(),
    };
    sheet.charts.push(ChartSpec {
        title: title.to_string(),
        kind,
        table: 0,
        categories: 0,
        series,
        x_title: x_title.to_string(),
        y_title: y_title.to_string(),
    });
    sheet
}

/// The printed table's formats as the workbook's; money is shown in CNY bn.
fn format_of(fmt: Fmt) -> Format {
    match fmt {
        Fmt::Multiple => Format::Multiple,
        Fmt::Percent => Format::Percent,
        Fmt::Bn => Format::CnyBn,
        Fmt::Millions => Format::CnyM,
        Fmt::Count | Fmt::Quarter(_) => Format::Decimal,
    }
}

/// A metric's unit as a display format, and the factor from its value to the number shown.
fn unit_format(unit: Unit) -> (Format, f64) {
    match unit {
        Unit::Multiple => (Format::Multiple, 1.0),
        Unit::Rate | Unit::Share => (Format::Percent, 1.0),
        Unit::CnyM => (Format::CnyBn, 1e-3),
        Unit::Quarter | Unit::Count => (Format::Decimal, 1.0),
    }
}

/// The metric's unit in words, for the Metrics sheet.
fn unit_name(unit: Unit) -> &'static str {
    match unit {
        Unit::Multiple => "×",
        Unit::Rate => "rate a year",
        Unit::Share => "share",
        Unit::CnyM => "CNY m",
        Unit::Quarter => "quarters",
        Unit::Count => "count",
    }
}

fn quantiles(s: &Summary, scale: f64) -> Vec<f64> {
    STANDARD_PROBABILITIES.iter().map(|&p| scale * quantile(s, p)).collect()
}

fn fund(report: &Report) -> Table {
    let f = &report.fund;
    let title = format!(
        "Fund (CNY {} bn: direct {} bn, sub-funds {} bn)",
        Format::CnyBn.show(f.size_cny_m / 1e3),
        Format::CnyBn.show(f.direct_budget_cny_m / 1e3),
        Format::CnyBn.show(f.subfund_commitments_cny_m / 1e3)
    );
    let mut columns = vec!["Measure", "Mean", "SE"];
    columns.extend(QUANTILES);
    let mut table = Table::new(title, &columns);
    for (key, label, fmt, negate) in FUND_ROWS {
        let Some(m) = report.metric(key) else { continue };
        let s = if negate { negated(&m.summary) } else { m.summary_as_printed() };
        let scale = if let Fmt::Bn = fmt { 1e-3 } else { 1.0 };
        let label = if let Fmt::Quarter(_) = fmt { format!("{label} (quarters from {})", report.provenance.start_quarter) } else { label.to_string() };
        let mut values = vec![scale * s.mean, scale * s.std_error];
        values.extend(quantiles(&s, scale));
        table.numbers(label, &values, format_of(fmt));
    }
    let figures = [
        ("fund_tvpi", "TVPI"),
        ("fund_dpi", "DPI"),
        ("fund_rvpi", "RVPI"),
        ("fund_trough_cny_m", "peak capital need"),
        ("fund_trough_quarter", "trough quarter"),
    ];
    table.note(ESTIMATORS);
    table.note(coverage(report, &figures).join("; "));
    if let Some(text) = irr_note(report, "fund") {
        table.note(format!("IRR: {text}"));
    }
    if let Some((share, paid, n)) = payback_share(report, "fund") {
        table.note(format!("Paid back by the horizon on {} of paths ({paid} of {n}); the payback row is over these", Format::Percent.show(share)));
    }
    table
}

fn fund_tail(report: &Report) -> Table {
    let mut table = Table::new("Fund: mean, loss and tail", &["Measure", "Estimate", "95% CI low", "95% CI high"]);
    if let Some(tvpi) = report.metric("fund_tvpi") {
        let s = &tvpi.summary_as_printed();
        table.numbers("Mean TVPI (×)", &[s.mean, s.mean_ci95.0, s.mean_ci95.1], Format::Multiple);
        if let Some(p) = &tvpi.probability_below_one {
            table.numbers("P(TVPI < 1) (Wilson interval)", &[p.estimate, p.ci95.0, p.ci95.1], Format::Percent);
        }
        table.numbers("Worst 5% of paths: mean TVPI (×)", &[s.expected_shortfall_5, f64::NAN, f64::NAN], Format::Multiple);
    }
    table
}

fn sleeves(report: &Report) -> Table {
    let columns = [
        "Sleeve",
        "TVPI mean",
        "TVPI SE",
        "TVPI P5",
        "TVPI P50",
        "TVPI P95",
        "P(TVPI < 1)",
        "IRR P50",
        "DPI P50",
        "Peak need P50 (CNY bn)",
        "Paid back",
        "Payback P50 (quarters)",
    ];
    let mut table = Table::new("Sleeves", &columns);
    for (prefix, name) in [("direct", "Direct"), ("subfunds", "Sub-funds")] {
        let Some(tvpi) = report.metric(&format!("{prefix}_tvpi")) else { continue };
        let s = &tvpi.summary_as_printed();
        let median = |key: &str| report.metric(&format!("{prefix}_{key}")).map_or(f64::NAN, |m| quantile(&m.summary, 0.5));
        let m = Format::Multiple;
        table.rows.push(vec![
            Cell::text(name),
            Cell::Number(s.mean, m),
            Cell::Number(s.std_error, m),
            Cell::Number(quantile(s, 0.05), m),
            Cell::Number(quantile(s, 0.5), m),
            Cell::Number(quantile(s, 0.95), m),
            Cell::Number(tvpi.probability_below_one.map_or(f64::NAN, |p| p.estimate), Format::Percent),
            Cell::Number(median("irr"), Format::Percent),
            Cell::Number(median("dpi"), m),
            Cell::Number(-median("trough_cny_m") / 1e3, Format::CnyBn),
            Cell::Number(payback_share(report, prefix).map_or(f64::NAN, |(share, ..)| share), Format::Percent),
            Cell::Number(median("payback_quarter"), Format::Decimal),
        ]);
    }
    table.note("IRR P50 is over the paths with an IRR, payback P50 over the paths that paid back.");
    table
}

/// The columns after the names of the tier and field tables: each one's multiple and value
/// created, mean and P5/P50/P95 ([`spread`]).
const SPREAD_COLUMNS: [&str; 8] =
    ["Multiple mean", "Multiple P5", "Multiple P50", "Multiple P95", "Value created mean (CNY bn)", "Value P5", "Value P50", "Value P95"];

fn tiers(report: &Report) -> Table {
    let columns: Vec<&str> = ["Tier (look-through, before fees)"].into_iter().chain(SPREAD_COLUMNS).collect();
    let mut table = Table::new("By tier", &columns);
    for multiple in report.metrics.iter().filter(|m| m.group == Group::Tier && m.key.ends_with("_multiple")) {
        let mut row = vec![Cell::text(tier_name(multiple))];
        row.extend(spread(multiple));
        if let Some(value) = report.metric(&multiple.key.replace("_multiple", "_value_created_cny_m")) {
            row.extend(spread(value));
        }
        table.rows.push(row);
    }
    table
}

/// The mean and P5/P50/P95 of `m`, in its unit (money in CNY bn).
fn spread(m: &MetricReport) -> Vec<Cell> {
    let (format, scale) = unit_format(m.unit);
    let s = &m.summary;
    [s.mean, quantile(s, 0.05), quantile(s, 0.5), quantile(s, 0.95)].into_iter().map(|x| Cell::Number(scale * x, format)).collect()
}

fn policy(report: &Report) -> Table {
    let mut table = Table::new("Policy outcomes", &["Measure", "Unit", "Mean", "P5", "P50", "P95"]);
    for m in report.metrics.iter().filter(|m| m.group == Group::Policy) {
        let (format, _) = unit_format(m.unit);
        let unit = match format {
            Format::CnyBn => "CNY bn",
            Format::Percent => "%",
            Format::Multiple => "×",
            _ => "per path",
        };
        let mut row = vec![Cell::text(&m.label), Cell::text(unit)];
        row.extend(spread(m));
        table.rows.push(row);
    }
    let keys: Vec<(&str, &str)> = report.metrics.iter().filter(|m| m.group == Group::Policy).map(|m| (m.key.as_str(), m.label.as_str())).collect();
    table.note(coverage(report, &keys).join("; "));
    table
}

fn subfunds(report: &Report) -> Table {
    let mut columns = vec!["Sub-fund", "Key", "Vintage", "Commitment (CNY bn)", "Fund share", "Local requirement", "TVPI mean", "TVPI SE"];
    columns.extend(QUANTILES);
    columns.push("P(TVPI < 1)");
    let mut table = Table::new("Sub-funds: TVPI of the fund's stake", &columns);
    for sub in &report.fund.subfunds {
        let mut row = vec![
            Cell::text(&sub.label),
            Cell::text(&sub.key),
            Cell::text(&sub.vintage),
            Cell::Number(sub.commitment_cny_m / 1e3, Format::CnyBn),
            Cell::Number(sub.fund_share, Format::Percent),
            Cell::Number(sub.local_requirement, Format::Multiple),
        ];
        if let Some(m) = report.metric(&format!("subfund_{}_tvpi", sub.key)) {
            let s = &m.summary;
            row.extend([s.mean, s.std_error].into_iter().chain(quantiles(s, 1.0)).map(|x| Cell::Number(x, Format::Multiple)));
            row.push(Cell::Number(m.probability_below_one.map_or(f64::NAN, |p| p.estimate), Format::Percent));
        }
        table.rows.push(row);
    }
    table
}

/// The spread of the sub-funds' median TVPIs: manager risk.
fn dispersion(report: &Report) -> Table {
    let mut table = Table::new("Sub-fund dispersion: median TVPI of each sub-fund (fund's stake)", &["Measure", "Value"]);
    let medians = subfund_medians(report);
    let sorted: Vec<f64> = medians.iter().map(|(x, _)| *x).collect();
    if sorted.is_empty() {
        return table;
    }
    let at = |p| crate::stats::summary::quantile_sorted(&sorted, p);
    for (label, p) in [("P5 of the medians", 0.05), ("P50 of the medians", 0.5), ("P95 of the medians", 0.95)] {
        table.numbers(label, &[at(p)], Format::Multiple);
    }
    table.numbers("Spread P95 / P5", &[at(0.95) / at(0.05)], Format::Multiple);
    if let (Some(worst), Some(best)) = (medians.first(), medians.last()) {
        table.rows.push(vec![Cell::text(format!("Best: {}", best.1)), Cell::Number(best.0, Format::Multiple)]);
        table.rows.push(vec![Cell::text(format!("Worst: {}", worst.1)), Cell::Number(worst.0, Format::Multiple)]);
    }
    table
}

fn fields(report: &Report) -> Table {
    let columns: Vec<&str> = ["Field", "领域", "Tier"].into_iter().chain(SPREAD_COLUMNS).collect();
    let mut table = Table::new("Fields (look-through, before fees)", &columns);
    for field in &report.fund.fields {
        let mut row = vec![Cell::text(&field.label), Cell::text(&field.label_zh), Cell::text(&field.tier)];
        for suffix in ["multiple", "value_created_cny_m"] {
            if let Some(m) = report.metric(&format!("field_{}_{suffix}", field.key)) {
                row.extend(spread(m));
            }
        }
        table.rows.push(row);
    }
    table
}

fn fan(fan: &FanReport) -> Table {
    let (format, scale) = unit_format(fan.unit);
    let unit = if format == Format::CnyBn { "CNY bn" } else { "×" };
    let mut columns = vec!["Quarter".to_string()];
    columns.extend(fan.probabilities.iter().map(|p| format!("P{}", (100.0 * p).round())));
    let mut table = Table { title: format!("{} ({unit})", fan.label), columns, rows: Vec::new(), notes: Vec::new() };
    for (t, quarter) in fan.quarters.iter().enumerate() {
        let mut row = vec![Cell::text(quarter)];
        row.extend(fan.values.iter().map(|values| Cell::Number(scale * values.get(t).copied().unwrap_or(f64::NAN), format)));
        table.rows.push(row);
    }
    table.note("Quantiles across paths at each quarter: the spread of outcomes, not the error of an estimate.");
    table
}

fn histogram(report: &Report, h: &Histogram) -> Table {
    let (label, unit) = report.metric(&h.key).map_or((h.key.as_str(), Unit::Multiple), |m| (m.label.as_str(), m.unit));
    let (format, _) = unit_format(unit);
    let mut table = Table::new(format!("{label} across paths"), &["From", "To", "Paths", "Share of paths"]);
    let total = h.counts.iter().sum::<u64>() + h.below + h.above;
    for (k, &count) in h.counts.iter().enumerate() {
        let (from, to) = (h.edges.get(k).copied().unwrap_or(f64::NAN), h.edges.get(k + 1).copied().unwrap_or(f64::NAN));
        let share = if total > 0 { count as f64 / total as f64 } else { f64::NAN };
        table.rows.push(vec![
            Cell::Number(from, format),
            Cell::Number(to, format),
            Cell::Number(count as f64, Format::Whole),
            Cell::Number(share, Format::Percent),
        ]);
    }
    table.note(format!("{} paths below the first bin, {} above the last, {} without a value.", h.below, h.above, h.missing));
    table
}

fn metrics(report: &Report) -> Table {
    let mut columns =
        vec!["Key", "Label", "Group", "Unit", "Paths with a value", "Paths without", "Mean", "SD", "SE", "Mean 95% CI low", "Mean 95% CI high", "Min"];
    columns.extend(QUANTILES);
    columns.extend(["Max", "Mean of worst 5%", "P(< 1)"]);
    let mut table = Table::new("Every metric, in the units of summary.json", &columns);
    for m in &report.metrics {
        let s = &m.summary;
        let format = match m.unit {
            Unit::Multiple => Format::Multiple,
            Unit::Rate | Unit::Share => Format::Percent,
            Unit::CnyM => Format::CnyM,
            Unit::Quarter | Unit::Count => Format::Decimal,
        };
        let group = serde_json::to_value(m.group).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default();
        let mut row = vec![Cell::text(&m.key), Cell::text(&m.label), Cell::text(group), Cell::text(unit_name(m.unit))];
        row.extend([s.n as f64, s.missing as f64].map(|x| Cell::Number(x, Format::Whole)));
        let mut values = vec![s.mean, s.std_dev, s.std_error, s.mean_ci95.0, s.mean_ci95.1, s.min];
        values.extend(quantiles(s, 1.0));
        values.extend([s.max, s.expected_shortfall_5]);
        row.extend(values.into_iter().map(|x| Cell::Number(x, format)));
        row.push(Cell::Number(m.probability_below_one.map_or(f64::NAN, |p| p.estimate), Format::Percent));
        table.rows.push(row);
    }
    table.note("Money in CNY m, rates and shares as fractions shown in %, quarters counted from the first close.");
    table
}

/// Where the book sits in the plan's fans: each measure's actual, the plan's P10, P50 and P90 at
/// the as-of quarter, the actual's percentile among the plan's paths and whether it lags.
fn plan_vs_actual(pva: &PlanVsActual) -> Table {
    let columns = ["Sub-fund", "Measure", "Actual", "Plan P10", "Plan P50", "Plan P90", "Percentile", "Below the laggard line"];
    let mut table = Table::new(format!("Plan vs actual at {} ({} paths of the plan)", pva.as_of, Format::Whole.show(pva.plan_paths as f64)), &columns);
    let rows = std::iter::once(("Fund", &pva.fund)).chain(pva.subfunds.iter().map(|s| (s.name.as_str(), &s.positions)));
    for (name, positions) in rows {
        for p in positions {
            let (label, format, scale) = match p.measure.as_str() {
                "called_cny_m" => ("Called (CNY bn)", Format::CnyBn, 1e-3),
                "nav_cny_m" => ("NAV (CNY bn)", Format::CnyBn, 1e-3),
                "dpi" => ("DPI", Format::Multiple, 1.0),
                "local_achievement" => ("Local reinvestment (× requirement)", Format::Multiple, 1.0),
                other => (other, Format::Decimal, 1.0),
            };
            let mut row = vec![Cell::text(name), Cell::text(label)];
            row.extend([p.actual, p.plan_p10, p.plan_p50, p.plan_p90].map(|x| Cell::Number(scale * x, format)));
            row.push(Cell::Number(p.percentile, Format::Decimal));
            row.push(Cell::text(if p.lagging { "yes" } else { "" }));
            table.rows.push(row);
        }
    }
    table.note(format!(
        "Percentile: the share of the plan's paths below the actual (ties count half), on the same seed. A sub-fund below the plan's P{} on any measure is a laggard for review.",
        pva.laggard_percentile
    ));
    table
}

fn provenance(report: &Report) -> Table {
    let p = &report.provenance;
    let mut table = Table::new("Provenance", &["Item", "Value"]);
    let text = |label: &str, value: &str| vec![Cell::text(label), Cell::text(value)];
    table.rows.push(text("Tool", &p.tool));
    table.rows.push(text("Version", &p.version));
    table.rows.push(text("Scenario", &p.scenario));
    table.rows.push(text("Scenario file", &p.scenario_file));
    table.rows.push(text("Description", &p.description));
    // A seed can exceed the 15 digits a spreadsheet number holds exactly.
    table.rows.push(text("Seed", &p.seed.to_string()));
    table.numbers("Paths", &[p.paths as f64], Format::Whole);
    table.rows.push(text("First close (quarter 0)", &p.start_quarter));
    table.numbers("Horizon (quarters)", &[p.horizon_quarters as f64], Format::Whole);
    table.note("The same scenario file, seed and paths give the same figures; summary.json beside this file holds them all.");
    table
}
