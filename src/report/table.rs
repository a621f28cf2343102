//! The summary table printed in the terminal after a run: plain text, at most 100 columns,
//! read from the [`Report`] alone (so `summary.json` can be rendered again later).
//!
//! Blocks: the fund (distribution of TVPI, DPI, RVPI, IRR, J-curve trough and payback, with the
//! mean's standard error and 95% interval, P(TVPI < 1) with its Wilson interval and the expected
//! shortfall of the worst 5% of paths); the two sleeves, compact; value by tier; policy
//! outcomes; the dispersion of the sub-funds' median TVPIs; with a funding plan, the cash
//! account's LIQUIDITY block (`super::text::liquidity`). Units are in the row or column
//! headers (× for multiples, % for rates and shares, CNY m or CNY bn for money); quarter indices
//! are shown as calendar quarters counted from `provenance.start_quarter`. A statistic that does
//! not exist (no path paid back, no IRR) is shown as "–"; a figure computed on fewer paths than
//! were run says on how many, and why the others are out ("TVPI on 20 of 50 paths: 30 paid
//! nothing in"). A magnitude no fund has (a billion or more in the unit shown, e.g. from an
//! overflow) is shown in exponent form, never as a run of digits.

use std::fmt::Write as _;

use crate::calendar::Quarter;
use crate::metrics::path::Group;
use crate::report::{Excluded, MetricReport, Report};
use crate::stats::summary::{Summary, quantile_sorted};

/// Width the table never exceeds.
pub const WIDTH: usize = 100;

/// Shown for a number that does not exist.
const NONE: &str = "–";

/// From this magnitude (in the unit shown) a number is printed in exponent form: no figure of
/// a fund comes near it, and in full it would be a run of digits wider than its column.
const HUGE: f64 = 1e9;

/// `x` with `decimals` decimals, or in exponent form from [`HUGE`]: never a run of digits.
pub(crate) fn with_decimals(x: f64, decimals: usize) -> String {
    if x.abs() >= HUGE { format!("{x:.1e}") } else { format!("{x:.decimals$}") }
}

/// How a metric's numbers are printed.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Fmt {
    /// A multiple, ×, two decimals.
    Multiple,
    /// A rate or share as a percentage, one decimal.
    Percent,
    /// CNY m shown as CNY bn, two decimals.
    Bn,
    /// CNY m, no decimals.
    Millions,
    /// A count, one decimal (means of counts are rarely whole).
    Count,
    /// A quarter index, shown as its calendar quarter.
    Quarter(Option<Quarter>),
}

impl Fmt {
    fn show(self, x: f64) -> String {
        if !x.is_finite() {
            return NONE.to_string();
        }
        if let Some(shown) = self.huge(x) {
            return shown;
        }
        let shown = match self {
            Fmt::Multiple => format!("{x:.2}"),
            Fmt::Percent => format!("{:.1}%", 100.0 * x),
            Fmt::Bn => format!("{:.2}", x / 1000.0),
            Fmt::Millions => thousands(x.round()),
            Fmt::Count => format!("{x:.1}"),
            Fmt::Quarter(start) => quarter_label(start, x),
        };
        without_negative_zero(shown)
    }

    /// `x` in exponent form if it is [`HUGE`] in the unit shown.
    fn huge(self, x: f64) -> Option<String> {
        let (shown, unit) = match self {
            Fmt::Percent => (100.0 * x, "%"),
            Fmt::Bn => (x / 1000.0, ""),
            Fmt::Quarter(_) => (x, "q"),
            Fmt::Multiple | Fmt::Millions | Fmt::Count => (x, ""),
        };
        (shown.abs() >= HUGE).then(|| format!("{shown:.1e}{unit}"))
    }

    /// The standard error, one more decimal than the value where that helps.
    fn show_error(self, x: f64) -> String {
        if !x.is_finite() {
            return NONE.to_string();
        }
        if let Some(shown) = self.huge(x) {
            return shown;
        }
        let shown = match self {
            Fmt::Multiple => format!("{x:.3}"),
            Fmt::Percent => format!("{:.2}%", 100.0 * x),
            Fmt::Bn => format!("{:.3}", x / 1000.0),
            Fmt::Quarter(_) => format!("{x:.1}q"),
            _ => self.show(x),
        };
        without_negative_zero(shown)
    }
}

/// "-0.00" (a value that rounds to zero from below) as "0.00".
fn without_negative_zero(shown: String) -> String {
    match shown.strip_prefix('-') {
        Some(rest) if rest.chars().all(|c| matches!(c, '0' | '.' | ',' | '%')) => rest.to_string(),
        _ => shown,
    }
}

/// Renders the summary table of `report`.
pub fn render(report: &Report) -> String {
    let start: Option<Quarter> = report.provenance.start_quarter.parse().ok();
    let mut out = String::new();
    header(&mut out, report, start);
    fund(&mut out, report, start);
    sleeves(&mut out, report, start);
    tiers(&mut out, report);
    policy(&mut out, report);
    dispersion(&mut out, report);
    if let Some(liquidity) = &report.liquidity {
        out.push_str(&super::text::liquidity::render(liquidity));
    }
    scorecard(&mut out, report);
    plan_vs_actual(&mut out, report);
    out
}

fn header(out: &mut String, report: &Report, start: Option<Quarter>) {
    let p = &report.provenance;
    let end = start.map_or_else(String::new, |s| format!(", {}–{}", s, s.plus(p.horizon_quarters)));
    line(out, &format!("{} {} · scenario {} · {} paths · seed {}{end}", p.tool, p.version, p.scenario, thousands(p.paths as f64), p.seed));
    for text in wrap(&p.description, WIDTH) {
        line(out, &text);
    }
}

/// The fund's rows: metric, label, how it is shown, and whether it is negated (the trough, a
/// negative cash position, shown as a positive need).
pub(crate) const FUND_ROWS: [(&str, &str, Fmt, bool); 7] = [
    ("fund_tvpi", "TVPI (×)", Fmt::Multiple, false),
    ("fund_dpi", "DPI (×)", Fmt::Multiple, false),
    ("fund_rvpi", "RVPI (×)", Fmt::Multiple, false),
    ("fund_irr", "IRR (%/yr, paths with one)", Fmt::Percent, false),
    ("fund_trough_cny_m", "Peak capital need (CNY bn)", Fmt::Bn, true),
    ("fund_trough_quarter", "J-curve trough quarter", Fmt::Quarter(None), false),
    ("fund_payback_quarter", "Payback (paths paid back)", Fmt::Quarter(None), false),
];

/// Which estimator each fund row's mean and SE come from.
pub(crate) const ESTIMATORS: &str =
    "TVPI and DPI: mean ± SE by control variates (docs/performance.md); IRR: its median's interval below; other rows: plain mean ± SE.";

/// The header of [`distribution_row`]s.
fn distribution_header() -> String {
    format!("  {:<28}{:>8} ± {:<7}{:>9}{:>9}{:>9}{:>9}{:>9}", "", "mean", "SE", "P5", "P25", "P50", "P75", "P95")
}

fn fund(out: &mut String, report: &Report, start: Option<Quarter>) {
    let f = &report.fund;
    out.push('\n');
    line(
        out,
        &format!(
            "FUND (CNY {} bn: direct {} bn, sub-funds {} bn)",
            Fmt::Bn.show(f.size_cny_m),
            Fmt::Bn.show(f.direct_budget_cny_m),
            Fmt::Bn.show(f.subfund_commitments_cny_m)
        ),
    );
    line(out, &distribution_header());
    for (key, label, fmt, negate) in FUND_ROWS {
        let fmt = if let Fmt::Quarter(_) = fmt { Fmt::Quarter(start) } else { fmt };
        if let Some(m) = report.metric(key) {
            let s = if negate { negated(&m.summary) } else { m.summary_as_printed() };
            line(out, &distribution_row(label, &s, fmt));
        }
    }
    note(out, ESTIMATORS);
    // IRR and payback have lines of their own below.
    let figures = [("fund_tvpi", "TVPI"), ("fund_dpi", "DPI"), ("fund_rvpi", "RVPI"), ("fund_trough_cny_m", "peak capital need"), ("fund_trough_quarter", "trough quarter")];
    note(out, &coverage(report, &figures).join("; "));
    if let Some(tvpi) = report.metric("fund_tvpi") {
        let s = &tvpi.summary_as_printed();
        let mut text = format!("  Mean TVPI 95% CI {}–{}×", Fmt::Multiple.show(s.mean_ci95.0), Fmt::Multiple.show(s.mean_ci95.1));
        if let Some(p) = &tvpi.probability_below_one {
            let _ = write!(text, " · P(TVPI < 1) {} (Wilson 95% CI {}–{})", Fmt::Percent.show(p.estimate), Fmt::Percent.show(p.ci95.0), Fmt::Percent.show(p.ci95.1));
        }
        line(out, &text);
        line(out, &format!("  Worst 5% of paths (expected shortfall): mean TVPI {}×", Fmt::Multiple.show(s.expected_shortfall_5)));
    }
    if let Some(text) = irr_note(report, "fund") {
        note(out, &format!("IRR: {text}"));
    }
    if let Some((share, paid, n)) = payback_share(report, "fund") {
        note(out, &format!("Paid back by the horizon on {} of paths ({} of {}); the payback row is over these", Fmt::Percent.show(share), count(paid), count(n)));
    }
}

fn sleeves(out: &mut String, report: &Report, start: Option<Quarter>) {
    out.push('\n');
    line(out, &format!("{:<13}{:-^37}{:>35}{:>7}{:>8}", "", " TVPI (×) ", "peak need", "paid", "payback"));
    line(
        out,
        &format!(
            "{:<13}{:>8} ± {:<5}{:>7}{:>7}{:>7}{:>8}{:>9}{:>9}{:>9}{:>7}{:>8}",
            "SLEEVES", "mean", "SE", "P5", "P50", "P95", "P(<1)", "IRR P50", "DPI P50", "CNY bn", "back", "P50"
        ),
    );
    for (prefix, name) in [("direct", "Direct"), ("subfunds", "Sub-funds")] {
        let Some(tvpi) = report.metric(&format!("{prefix}_tvpi")) else { continue };
        let s = &tvpi.summary_as_printed();
        let median = |key: &str| report.metric(&format!("{prefix}_{key}")).map_or(f64::NAN, |m| quantile(&m.summary, 0.5));
        let loss = tvpi.probability_below_one.map_or(f64::NAN, |p| p.estimate);
        let payback = payback_share(report, prefix).map_or(f64::NAN, |(share, ..)| share);
        line(
            out,
            &format!(
                "  {name:<11}{:>8} ± {:<5}{:>7}{:>7}{:>7}{:>8}{:>9}{:>9}{:>9}{:>7}{:>8}",
                Fmt::Multiple.show(s.mean),
                Fmt::Multiple.show_error(s.std_error),
                Fmt::Multiple.show(quantile(s, 0.05)),
                Fmt::Multiple.show(quantile(s, 0.5)),
                Fmt::Multiple.show(quantile(s, 0.95)),
                Fmt::Percent.show(loss),
                Fmt::Percent.show(median("irr")),
                Fmt::Multiple.show(median("dpi")),
                Fmt::Bn.show(-median("trough_cny_m")),
                Fmt::Percent.show(payback),
                Fmt::Quarter(start).show(median("payback_quarter")),
            ),
        );
    }
    note(out, "TVPI mean ± SE by control variates; IRR P50 is over the paths with an IRR, payback P50 over the paths that paid back.");
    for (prefix, name) in [("direct", "Direct"), ("subfunds", "Sub-funds")] {
        let figures = ["tvpi", "dpi", "irr", "trough_cny_m"].map(|key| format!("{prefix}_{key}"));
        let figures: Vec<(&str, &str)> = figures.iter().map(String::as_str).zip(["TVPI", "DPI", "IRR", "peak need"]).collect();
        let lines = coverage(report, &figures);
        if !lines.is_empty() {
            note(out, &format!("{name}: {}", lines.join("; ")));
        }
    }
}

fn tiers(out: &mut String, report: &Report) {
    let rows: Vec<(&MetricReport, Option<&MetricReport>)> = report
        .metrics
        .iter()
        .filter(|m| m.group == Group::Tier && m.key.ends_with("_multiple"))
        .map(|m| (m, report.metric(&m.key.replace("_multiple", "_value_created_cny_m"))))
        .collect();
    if rows.is_empty() {
        return;
    }
    let names: Vec<String> = rows.iter().map(|(m, _)| format!("{} multiple", tier_name(m))).collect();
    let figures: Vec<(&str, &str)> = rows.iter().zip(&names).map(|((m, _), name)| (m.key.as_str(), name.as_str())).collect();
    out.push('\n');
    line(out, &format!("{:<38}{:-^27}   {:-^31}", "BY TIER (look-through, before fees)", " gross multiple (×) ", " value created (CNY bn) "));
    line(out, &format!("{:<38}{:>6}{:>7}{:>7}{:>7}   {:>7}{:>8}{:>8}{:>8}", "", "mean", "P5", "P50", "P95", "mean", "P5", "P50", "P95"));
    for (multiple, value) in rows {
        let name = tier_name(multiple);
        let m = &multiple.summary;
        let mut text = format!(
            "  {:<36}{:>6}{:>7}{:>7}{:>7}",
            clip(name, 36),
            Fmt::Multiple.show(m.mean),
            Fmt::Multiple.show(quantile(m, 0.05)),
            Fmt::Multiple.show(quantile(m, 0.5)),
            Fmt::Multiple.show(quantile(m, 0.95))
        );
        if let Some(v) = value {
            let v = &v.summary;
            let _ = write!(
                text,
                "   {:>7}{:>8}{:>8}{:>8}",
                Fmt::Bn.show(v.mean),
                Fmt::Bn.show(quantile(v, 0.05)),
                Fmt::Bn.show(quantile(v, 0.5)),
                Fmt::Bn.show(quantile(v, 0.95))
            );
        }
        line(out, &text);
    }
    note(out, &coverage(report, &figures).join("; "));
}

/// "Prototype" of the prototype tier's multiple.
pub(crate) fn tier_name(multiple: &MetricReport) -> &str {
    multiple.label.trim_end_matches(" tier gross multiple")
}

fn policy(out: &mut String, report: &Report) {
    let rows: [(&str, &str, Fmt); 16] = [
        ("companies_backed", "Companies backed", Fmt::Count),
        ("companies_reaching_growth", "Companies reaching growth stage", Fmt::Count),
        ("ipos", "IPOs", Fmt::Count),
        ("unicorn_exits", "Unicorn-size exits", Fmt::Count),
        ("local_achievement_mean", "Local reinvestment achieved/required (×)", Fmt::Multiple),
        ("local_requirement_met_share", "Sub-funds meeting local requirement (%)", Fmt::Percent),
        ("concession_buyback_cny_m", "Concession cost: buy-back (CNY m)", Fmt::Millions),
        ("concession_profit_cession_cny_m", "Concession cost: profit cession (CNY m)", Fmt::Millions),
        ("concession_loss_first_cny_m", "Concession cost: first loss (CNY m)", Fmt::Millions),
        ("buybacks_exercised", "Buy-backs exercised", Fmt::Count),
        ("subfunds_beyond_loss_tolerance_share", "Share of sub-funds beyond tolerance (%)", Fmt::Percent),
        ("direct_projects_beyond_loss_tolerance_share", "Share of direct projects beyond tol. (%)", Fmt::Percent),
        ("fees_cny_m", "Management fees, fund's share (CNY m)", Fmt::Millions),
        ("carry_cny_m", "Carried interest, fund's share (CNY m)", Fmt::Millions),
        ("running_costs_cny_m", "Fund running costs (CNY m)", Fmt::Millions),
        ("direct_lapsed_tranches_cny_m", "Direct tranches lapsed (CNY m)", Fmt::Millions),
    ];
    out.push('\n');
    line(out, &format!("{:<44}{:>10}{:>10}{:>10}{:>10}", "POLICY OUTCOMES", "mean", "P5", "P50", "P95"));
    for (key, label, fmt) in rows {
        let Some(m) = report.metric(key) else { continue };
        let s = &m.summary;
        let mut text = format!("  {:<42}{:>10}", clip(label, 42), fmt.show(s.mean));
        for p in [0.05, 0.5, 0.95] {
            let _ = write!(text, "{:>10}", fmt.show(quantile(s, p)));
        }
        line(out, &text);
    }
    let figures: Vec<(&str, &str)> = rows.iter().map(|&(key, label, _)| (key, label)).collect();
    note(out, &coverage(report, &figures).join("; "));
    if let (Some(mobilised), Some(leverage)) = (report.metric("capital_mobilised_cny_m"), report.metric("leverage")) {
        line(
            out,
            &format!(
                "  Mobilised CNY {} bn from other LPs; leverage {}× (sub-fund size per yuan the fund commits)",
                Fmt::Bn.show(mobilised.summary.mean),
                Fmt::Multiple.show(leverage.summary.mean)
            ),
        );
    }
    if let Some(m) = report.metric("subfunds_beyond_loss_tolerance_share") {
        line(out, &format!("  P(a sub-fund loses beyond its loss tolerance) = {}", Fmt::Percent.show(m.summary.mean)));
    }
}

/// The scorecard: the score's distribution and each grade's probability by year, then the items
/// that cost the most points in a few years.
fn scorecard(out: &mut String, report: &Report) {
    let Some(card) = &report.scorecard else { return };
    out.push('\n');
    line(out, &format!("SCORECARD {} (docs/scorecard.md)", card.name));
    note(out, &card.source);
    let mut header = format!("  {:<8}{:>8}{:>8}{:>8}{:>8}", "year", "mean", "P5", "P50", "P95");
    for grade in &card.grades {
        let _ = write!(header, "{:>12}", clip(&format!("P({})", grade.split_whitespace().next().unwrap_or(grade)), 11));
    }
    line(out, &header);
    for y in &card.years {
        let s = &y.score;
        let mut text = format!("  {:<8}{:>8.1}{:>8.1}{:>8.1}{:>8.1}", y.year, s.mean, quantile(s, 0.05), quantile(s, 0.5), quantile(s, 0.95));
        for p in &y.grade_probabilities {
            let _ = write!(text, "{:>12}", Fmt::Percent.show(*p));
        }
        line(out, &text);
    }
    let picks = [2, card.years.len() / 2, card.years.len().saturating_sub(1)];
    let mut shown = Vec::new();
    for k in picks {
        let Some(y) = card.years.get(k) else { continue };
        if shown.contains(&k) {
            continue;
        }
        shown.push(k);
        let lost: Vec<String> = y.movers.iter().filter(|m| m.points_lost > 0.05).take(3).map(|m| format!("{} −{:.1}", m.label, m.points_lost)).collect();
        if !lost.is_empty() {
            note(out, &format!("Most points lost in {} (mean, paired): {}", y.year, lost.join("; ")));
        }
    }
}

/// Each sub-fund's median TVPI (fund's stake) with its label, lowest first; sub-funds without
/// one are left out.
pub(crate) fn subfund_medians(report: &Report) -> Vec<(f64, String)> {
    let mut medians: Vec<(f64, String)> = report
        .fund
        .subfunds
        .iter()
        .filter_map(|s| report.metric(&format!("subfund_{}_tvpi", s.key)).map(|m| (quantile(&m.summary, 0.5), s.label.clone())))
        .filter(|(x, _)| x.is_finite())
        .collect();
    medians.sort_by(|a, b| a.0.total_cmp(&b.0));
    medians
}

fn dispersion(out: &mut String, report: &Report) {
    let medians = subfund_medians(report);
    if medians.is_empty() {
        return;
    }
    let sorted: Vec<f64> = medians.iter().map(|(x, _)| *x).collect();
    out.push('\n');
    line(out, &format!("SUB-FUND DISPERSION (median TVPI of each of the {} sub-funds, fund's stake, ×)", medians.len()));
    line(
        out,
        &format!(
            "  P5 {}   P50 {}   P95 {}   spread P95/P5 {}",
            Fmt::Multiple.show(quantile_sorted(&sorted, 0.05)),
            Fmt::Multiple.show(quantile_sorted(&sorted, 0.5)),
            Fmt::Multiple.show(quantile_sorted(&sorted, 0.95)),
            Fmt::Multiple.show(quantile_sorted(&sorted, 0.95) / quantile_sorted(&sorted, 0.05)),
        ),
    );
    if let (Some(worst), Some(best)) = (medians.first(), medians.last()) {
        line(out, &format!("  Best:  {} ({}×)", clip(&best.1, 80), Fmt::Multiple.show(best.0)));
        line(out, &format!("  Worst: {} ({}×)", clip(&worst.1, 80), Fmt::Multiple.show(worst.0)));
    }
}

/// A row under [`distribution_header`]: label, mean ± SE, P5…P95.
/// `m`'s summary with its mean, standard error and interval by control variates where the
/// report has them (the multiples whose intervals' coverage is checked: `CONTROLLED_METRICS`),
/// else as it is.
fn distribution_row(label: &str, s: &Summary, fmt: Fmt) -> String {
    let mut text = format!("  {:<28}{:>8} ± {:<7}", clip(label, 28), fmt.show(s.mean), fmt.show_error(s.std_error));
    for q in &s.quantiles {
        let _ = write!(text, "{:>9}", fmt.show(q.value));
    }
    text
}

/// How many paths have an IRR: one rate, several (the nearest used), none and why.
pub(crate) fn irr_note(report: &Report, prefix: &str) -> Option<String> {
    let irr = report.metric(&format!("{prefix}_irr"))?;
    let s = &irr.summary;
    let total = count(s.n + s.missing);
    let none = match s.missing {
        0 => "none on 0".to_string(),
        missing => format!("none on {}: {}", count(missing), reasons(&irr.excluded, missing)),
    };
    let paths = match irr.irr_outcomes {
        Some(o) => format!("one rate on {} of {total} paths; several on {} (the nearest used); {none}", count(o.unique), count(o.several_roots)),
        // A summary written before the outcomes were counted.
        None => format!("on {} of {total} paths; {none}", count(s.n)),
    };
    Some(match s.quantile(0.5).filter(|q| q.lower.is_finite()) {
        Some(q) => format!(
            "median {} (95% CI {}–{}, order statistics); no SE for the mean, whose tail is too heavy for one (docs/performance.md); {paths}",
            Fmt::Percent.show(q.value),
            Fmt::Percent.show(q.lower),
            Fmt::Percent.show(q.upper)
        ),
        None => paths,
    })
}

/// "TVPI, DPI and RVPI on 20 of 50 paths: 30 paid nothing in" for the `figures` (metric key,
/// name) that leave paths out, one entry per group leaving out the same paths for the same
/// reasons; empty when every figure uses every path.
pub(crate) fn coverage(report: &Report, figures: &[(&str, &str)]) -> Vec<String> {
    let mut groups: Vec<(Vec<&str>, &MetricReport)> = Vec::new();
    for &(key, name) in figures {
        let Some(m) = report.metric(key).filter(|m| m.summary.missing > 0) else { continue };
        match groups.iter_mut().find(|(_, other)| other.summary.n == m.summary.n && other.excluded == m.excluded) {
            Some((names, _)) => names.push(name),
            None => groups.push((vec![name], m)),
        }
    }
    groups
        .into_iter()
        .map(|(names, m)| {
            let s = &m.summary;
            format!("{} on {} of {} paths: {}", listed(&names), count(s.n), count(s.n + s.missing), reasons(&m.excluded, s.missing))
        })
        .collect()
}

/// "30 paid nothing in, 2 had no rate found"; `missing` paths "without a value" if a summary
/// gives no reasons.
fn reasons(excluded: &[Excluded], missing: usize) -> String {
    if excluded.is_empty() {
        return format!("{} without a value", count(missing));
    }
    excluded.iter().map(|e| format!("{} {}", count(e.paths), e.reason)).collect::<Vec<_>>().join(", ")
}

/// "A", "A and B", "A, B and C".
fn listed(names: &[&str]) -> String {
    match names {
        [] => String::new(),
        [one] => (*one).to_string(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

/// Share, count and total of paths whose cumulative net cash flow comes back to zero.
pub(crate) fn payback_share(report: &Report, prefix: &str) -> Option<(f64, usize, usize)> {
    let m = report.metric(&format!("{prefix}_payback_quarter"))?;
    let n = m.summary.n + m.summary.missing;
    (n > 0).then(|| (m.summary.n as f64 / n as f64, m.summary.n, n))
}

/// The summary of `-x` given that of `x`: quantiles mirror (P5 of −x is −P95 of x).
pub(crate) fn negated(s: &Summary) -> Summary {
    let mut out = s.clone();
    out.mean = -s.mean;
    out.mean_ci95 = (-s.mean_ci95.1, -s.mean_ci95.0);
    (out.min, out.max) = (-s.max, -s.min);
    for q in &mut out.quantiles {
        let mirror = quantile(s, 1.0 - q.p);
        let interval = s.quantiles.iter().find(|m| (m.p - (1.0 - q.p)).abs() < 1e-9).map_or((f64::NAN, f64::NAN), |m| (-m.upper, -m.lower));
        (q.value, q.lower, q.upper) = (-mirror, interval.0, interval.1);
    }
    out.expected_shortfall_5 = f64::NAN;
    out
}

/// The quantile at `p` (within 1e-9) or NaN.
pub(crate) fn quantile(s: &Summary, p: f64) -> f64 {
    s.quantiles.iter().find(|q| (q.p - p).abs() < 1e-9).map_or(f64::NAN, |q| q.value)
}

/// A quarter index (possibly interpolated) as its calendar quarter, rounded to the nearest.
fn quarter_label(start: Option<Quarter>, t: f64) -> String {
    match start {
        Some(start) if t >= 0.0 => start.plus(t.round() as usize).to_string(),
        _ => format!("q{}", t.round()),
    }
}

/// A number of paths with thousands separators: 12,345.
fn count(n: usize) -> String {
    grouped(n as u64)
}

/// A whole number with thousands separators: 12,345 (in exponent form from [`HUGE`]).
fn thousands(x: f64) -> String {
    if !x.is_finite() {
        return NONE.to_string();
    }
    if x.abs() >= HUGE {
        return format!("{x:.1e}");
    }
    let magnitude = x.abs().round();
    let digits = grouped(magnitude as u64);
    if x < 0.0 && magnitude > 0.0 { format!("-{digits}") } else { digits }
}

/// A count with thousands separators: 12345 → "12,345".
pub(crate) fn grouped(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `text` cut to `width` characters, with an ellipsis when cut.
fn clip(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        text.to_string()
    } else {
        text.chars().take(width.saturating_sub(1)).chain(['…']).collect()
    }
}

/// `text` broken into lines of at most `width` characters at spaces (a longer word is cut).
pub(crate) fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut current = String::new();
    for word in text.split_whitespace() {
        if !current.is_empty() && current.chars().count() + 1 + word.chars().count() > width {
            lines.push(std::mem::take(&mut current));
        }
        if !current.is_empty() {
            current.push(' ');
        }
        current.push_str(word);
    }
    if !current.is_empty() {
        lines.push(current);
    }
    lines
}

/// Appends `text`, if any, as an indented note wrapped to [`WIDTH`].
fn note(out: &mut String, text: &str) {
    for (i, text) in wrap(text, WIDTH - 4).iter().enumerate() {
        line(out, &format!("{}{text}", if i == 0 { "  " } else { "    " }));
    }
}

/// Appends `text` cut to [`WIDTH`] and a line break (trailing spaces removed).
fn line(out: &mut String, text: &str) {
    out.push_str(clip(text, WIDTH).trim_end());
    out.push('\n');
}

/// Where the book sits in the plan's fans (docs/portfolio.md): each actual and its percentile
/// among the plan's paths, `!` below the plan's P10.
fn plan_vs_actual(out: &mut String, report: &Report) {
    let Some(pva) = &report.plan_vs_actual else { return };
    out.push('\n');
    line(out, &format!("PLAN VS ACTUAL at {} (the book against {} paths of the plan on the same seed)", pva.as_of, thousands(pva.plan_paths as f64)));
    line(out, &format!("  Each actual with its percentile among the plan's paths; ! marks a value below the plan's P{}.", pva.laggard_percentile));
    line(out, &format!("  {:<24}{:>16}{:>16}{:>16}{:>16}", "", "called CNY m", "DPI ×", "NAV CNY m", "local ×"));
    let row = |name: &str, positions: &[crate::analysis::plan_vs_actual::Position]| {
        let mut text = format!("  {:<24}", clip(name, 23));
        for p in positions {
            let shown = match p.measure.as_str() {
                "dpi" | "local_achievement" => Fmt::Multiple.show(p.actual),
                _ => thousands(p.actual),
            };
            let pct = if p.percentile.is_finite() { format!("P{:.0}", p.percentile) } else { "–".to_string() };
            text.push_str(&format!("{:>10} {:>4}{}", shown, pct, if p.lagging { "!" } else { " " }));
        }
        text
    };
    line(out, &row("Fund", &pva.fund));
    for s in &pva.subfunds {
        line(out, &row(&s.name, &s.positions));
    }
    let laggards: Vec<&str> = pva.subfunds.iter().filter(|s| s.laggard).map(|s| s.name.as_str()).collect();
    if laggards.is_empty() {
        line(out, &format!("  No sub-fund is below the plan's P{} on any measure.", pva.laggard_percentile));
    } else {
        for text in wrap(&format!("Laggards for review (below the plan's P{} on a measure): {}", pva.laggard_percentile, laggards.join(", ")), WIDTH - 2) {
            line(out, &format!("  {text}"));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{RunOptions, Stopping, run};
    use crate::metrics::path::{NO_RATE_FOUND, NO_SIGN_CHANGE};
    use crate::report::IrrOutcomes;

    #[test]
    fn zero_from_below_is_shown_without_a_sign() {
        assert_eq!(Fmt::Bn.show(-0.0), "0.00");
        assert_eq!(Fmt::Bn.show(-1.0), "0.00");
        assert_eq!(Fmt::Percent.show(-0.0001), "0.0%");
        assert_eq!(Fmt::Multiple.show(-0.5), "-0.50");
        assert_eq!(Fmt::Millions.show(-1234.0), "-1,234");
    }

    #[test]
    fn formats() {
        assert_eq!(thousands(1_234_567.0), "1,234,567");
        assert_eq!(thousands(999.0), "999");
        assert_eq!(thousands(-1000.0), "-1,000");
        assert_eq!(Fmt::Percent.show(0.1234), "12.3%");
        assert_eq!(Fmt::Bn.show(15_000.0), "15.00");
        assert_eq!(Fmt::Multiple.show(f64::NAN), NONE);
        let start = "2024Q3".parse().ok();
        assert_eq!(quarter_label(start, 5.6), "2026Q1");
        assert_eq!(clip("abcdef", 4), "abc…");
        assert_eq!(wrap("aa bb cc", 5), ["aa bb", "cc"]);
        assert!(wrap("", 5).is_empty());
    }

    #[test]
    fn negation_mirrors_quantiles() {
        let s = Summary::of(&(1..=100).map(f64::from).collect::<Vec<_>>());
        let n = negated(&s);
        assert_eq!(quantile(&n, 0.05), -quantile(&s, 0.95));
        assert_eq!(n.mean, -50.5);
    }

    /// A report of a base run of `paths` paths.
    fn base_report(paths: u64) -> Report {
        let scenario = crate::testing::base();
        let options = RunOptions { seed: 3, stopping: Stopping::Paths(paths), threads: Some(1) };
        Report::build(&scenario, &run(&scenario, &options, &mut |_| {}, None).unwrap()).unwrap()
    }

    /// `table` with wrapped notes joined back into one line each.
    fn unwrapped(table: &str) -> String {
        table.replace("\n    ", " ")
    }

    #[test]
    fn huge_numbers_are_never_runs_of_digits() {
        assert_eq!(Fmt::Count.show(1e70), "1.0e70");
        assert_eq!(Fmt::Millions.show(2e19), "2.0e19", "not u64::MAX");
        assert_eq!(thousands(-3e25), "-3.0e25");
        assert_eq!(Fmt::Multiple.show(1.5e300), "1.5e300");
        assert_eq!(Fmt::Percent.show(1e8), "1.0e10%");
        assert_eq!(Fmt::Bn.show_error(4e13), "4.0e10");
        assert_eq!(Fmt::Count.show(123_456_789.0), "123456789.0", "below a billion: as before");
        assert_eq!((with_decimals(2.5e70, 0), with_decimals(-1.25, 1)), ("2.5e70".to_string(), "-1.2".to_string()));
        let mut report = base_report(20);
        for m in &mut report.metrics {
            m.summary.mean = 1e70;
            m.summary.std_error = 1e70;
            for q in &mut m.summary.quantiles {
                q.value = f64::MAX;
            }
        }
        let table = render(&report);
        let longest_digits = table.split(|c: char| !c.is_ascii_digit()).map(str::len).max().unwrap_or(0);
        assert!(longest_digits < 10, "a run of {longest_digits} digits:\n{table}");
        assert!(!table.contains("18,446,744"), "{table}");
    }

    /// The IRR line counts each outcome from its own count: several roots are not inferred
    /// from the flags' mean (which counted every path without a root found as having several).
    #[test]
    fn irr_outcomes_are_each_counted() {
        let mut report = base_report(20);
        let irr = report.metrics.iter_mut().find(|m| m.key == "fund_irr").unwrap();
        (irr.summary.n, irr.summary.missing) = (45, 5);
        irr.irr_outcomes = Some(IrrOutcomes { unique: 40, several_roots: 5, no_sign_change: 3, not_found: 2 });
        irr.excluded = vec![Excluded { paths: 3, reason: NO_SIGN_CHANGE.into() }, Excluded { paths: 2, reason: NO_RATE_FOUND.into() }];
        let table = render(&report);
        assert!(table.lines().all(|l| l.chars().count() <= WIDTH), "{table}");
        let expected = "one rate on 40 of 50 paths; several on 5 (the nearest used); none on 5: 3 had cash flows of one sign, 2 had no rate found\n";
        assert!(unwrapped(&table).contains(expected), "wrapped, not cut:\n{table}");
        let median = report.metric("fund_irr").unwrap().summary.quantile(0.5).unwrap();
        let interval = format!("  IRR: median {} (95% CI {}–{}, order statistics)", Fmt::Percent.show(median.value), Fmt::Percent.show(median.lower), Fmt::Percent.show(median.upper));
        assert!(unwrapped(&table).contains(&interval), "{interval}\n{table}");
    }

    /// A fund that pays nothing in on some paths: the table says on how many paths each figure
    /// stands, and why the others are out.
    #[test]
    fn figures_on_fewer_paths_say_so() {
        let scenario = crate::testing::idle_on_some_paths();
        let options = RunOptions { seed: 2, stopping: Stopping::Paths(200), threads: Some(1) };
        let report = Report::build(&scenario, &run(&scenario, &options, &mut |_| {}, None).unwrap()).unwrap();
        let tvpi = report.metric("fund_tvpi").unwrap().summary.clone();
        let irr = report.metric("fund_irr").unwrap();
        let table = render(&report);
        for line in table.lines() {
            assert!(line.chars().count() <= WIDTH, "too wide: {line}");
        }
        let flat = unwrapped(&table);
        let expected = format!("  TVPI, DPI and RVPI on {} of 200 paths: {} paid nothing in\n", tvpi.n, tvpi.missing);
        assert!(flat.contains(&expected), "{expected:?} missing:\n{table}");
        let reasons: Vec<String> = irr.excluded.iter().map(|e| format!("{} {}", e.paths, e.reason)).collect();
        let none = format!("; none on {}: {}\n", irr.summary.missing, reasons.join(", "));
        assert!(flat.contains(&none), "{none:?} missing:\n{table}");
        let subfunds = "  Sub-funds: TVPI and DPI on 0 of 200 paths: 200 paid nothing in; IRR on 0 of 200 paths: 200 had cash flows of one sign\n";
        assert!(flat.contains(subfunds), "{table}");
        assert!(flat.contains("Sub-funds meeting local requirement (%) on 0 of 200 paths: 200 had no local requirement;"), "{table}");
        // A run where every figure has every path says nothing more.
        let base = render(&base_report(60));
        assert!(!base.contains(" paid nothing in") && !base.contains("of 60 paths: "), "{base}");
    }

    #[test]
    fn table_fits_and_shows_every_block() {
        let scenario = crate::testing::base();
        let options = RunOptions { seed: 3, stopping: Stopping::Paths(60), threads: Some(1) };
        let results = run(&scenario, &options, &mut |_| {}, None).unwrap();
        let table = render(&Report::build(&scenario, &results).unwrap());
        for line in table.lines() {
            assert!(line.chars().count() <= WIDTH, "too wide: {line}");
        }
        for block in ["FUND", "SLEEVES", "BY TIER", "POLICY OUTCOMES", "SUB-FUND DISPERSION", "P(TVPI < 1)", "Payback (paths paid back)", "LIQUIDITY", "P(any year's calls exceed"] {
            assert!(table.contains(block), "{block} missing:\n{table}");
        }
        assert!(table.contains(&scenario.calendar.start.to_string()));
    }
}

