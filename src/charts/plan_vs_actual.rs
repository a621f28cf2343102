//! `plan_vs_actual.png`: where the book at the as-of quarter sits in the construction plan's
//! fans — for the fund and each sub-fund, the percentile of its NAV among the plan's paths as a
//! bar, the other measures' percentiles beside it, and the laggard line at the plan's P10.
//! Drawn only for a run with actuals (docs/portfolio.md).

use std::path::{Path, PathBuf};

use super::ChartError;
use super::data::Spread;
use super::render::{Area, Drawn, render};
use super::rows::{Glyph, Row, RowsSpec, draw_rows, text_width};
use super::style::{FAN, LOSS, NOTE, TICK, frame};
use crate::analysis::plan_vs_actual::{PlanVsActual, Position};
use crate::report::Report;

pub const FILE: &str = "plan_vs_actual.png";

/// Draws `plan_vs_actual.png` into `dir`.
///
/// # Errors
/// See [`ChartError`]; [`ChartError::MissingData`] for a report without plan vs actual.
pub fn plan_vs_actual(report: &Report, dir: &Path) -> Result<PathBuf, ChartError> {
    let Some(pva) = &report.plan_vs_actual else {
        return Err(ChartError::MissingData { file: dir.join(FILE), what: "plan vs actual (a run without [as_of])".into() });
    };
    render(dir, FILE, |root| draw(root, report, pva).map(|_| ())).map(|(file, _)| file)
}

fn percentile_of(positions: &[Position], measure: &str) -> f64 {
    positions.iter().find(|p| p.measure == measure).map_or(f64::NAN, |p| p.percentile)
}

fn row(label: &str, positions: &[Position], laggard: bool) -> Row {
    let nav = percentile_of(positions, "nav_cny_m");
    let spread = Spread { mean: nav, mean_ci95: (nav, nav), p50_ci95: (nav, nav), p5: nav, p25: nav, p50: nav, p75: nav, p95: nav, n: 1, missing: 0 };
    let shown = |m: &str| {
        let p = percentile_of(positions, m);
        if p.is_finite() { format!("P{p:.0}") } else { "–".to_string() }
    };
    Row {
        label: label.to_string(),
        spread,
        colour: if laggard { LOSS } else { FAN },
        note: format!("called {} · DPI {} · NAV {} · local {}", shown("called_cny_m"), shown("dpi"), shown("nav_cny_m"), shown("local_achievement")),
    }
}

/// Draws the chart; returns the rows' labels, top first, for tests.
pub(crate) fn draw(root: &Area, report: &Report, pva: &PlanVsActual) -> Drawn<Vec<String>> {
    let mut rows = vec![row("Fund", &pva.fund, pva.fund.iter().any(|p| p.lagging))];
    rows.extend(pva.subfunds.iter().map(|s| row(&s.name, &s.positions, s.laggard)));
    let laggards = pva.subfunds.iter().filter(|s| s.laggard).count();
    let notes = vec![
        format!(
            "Percentile of each NAV at {} among {} paths of the plan (the scenario without the book, same seed); right: the percentiles of called, DPI, NAV and local.",
            pva.as_of, pva.plan_paths
        ),
        format!(
            "Red: below the plan's P{} on at least one measure — {} of {} sub-funds, laggards for the review.",
            pva.laggard_percentile,
            laggards,
            pva.subfunds.len()
        ),
    ];
    let body = frame(root, report, &format!("Plan vs actual at {}: where the book sits in the plan's fans", pva.as_of), &notes)?;
    let spec = RowsSpec {
        caption: "",
        x_desc: "Percentile of the actual NAV among the plan's paths",
        glyph: Glyph::Bar,
        reference: Some((pva.laggard_percentile, "laggard line")),
        label_width: text_width(root, rows.iter().map(|r| r.label.clone()), TICK),
        note_width: text_width(root, rows.iter().map(|r| r.note.clone()), NOTE),
    };
    draw_rows(&body, &rows, &spec, 0.0..100.0)?;
    Ok(rows.into_iter().map(|r| r.label).collect())
}
