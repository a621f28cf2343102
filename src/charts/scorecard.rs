//! `scorecard.png`: what grade the evaluators will likely give, year by year — the score's
//! spread across paths (left, with the grade bands' lower bounds) and the probability of each
//! grade (right, stacked), under the scenario's scorecard (docs/scorecard.md).

use std::path::{Path, PathBuf};

use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;

use super::ChartError;
use super::render::{Area, Drawn, Failure, render};
use super::rows::{Key, key_strip};
use super::style::{AXIS, CAPTION, FAN, GRID, INK, MUTED, TICK, frame, text};
use crate::report::Report;

/// The chart's file name.
pub const FILE: &str = "scorecard.png";

/// Colours of the grades, best first (the last is reused for any further grade).
const GRADE_COLOURS: [RGBColor; 5] = [RGBColor(0, 140, 100), RGBColor(86, 180, 233), RGBColor(230, 159, 0), RGBColor(200, 40, 30), RGBColor(120, 60, 60)];

/// Draws `scorecard.png` into `dir`.
///
/// # Errors
/// See [`ChartError`].
pub fn scorecard(report: &Report, dir: &Path) -> Result<PathBuf, ChartError> {
    render(dir, FILE, |root| draw(root, report)).map(|(file, _)| file)
}

fn quantile(summary: &crate::stats::summary::Summary, p: f64) -> f64 {
    summary.quantiles.iter().find(|q| (q.p - p).abs() < 1e-9).map_or(f64::NAN, |q| q.value)
}

/// `label` without the characters the embedded font lacks (CJK: the font is DejaVu Sans), e.g.
/// "优 excellent" → "excellent"; `fallback` if nothing is left.
fn drawable(label: &str, fallback: String) -> String {
    let cjk = |c: char| matches!(u32::from(c), 0x2E80..=0x9FFF | 0xF900..=0xFAFF | 0xFF00..=0xFFEF);
    let kept: String = label.chars().filter(|&c| !cjk(c)).collect();
    let kept = kept.split_whitespace().collect::<Vec<_>>().join(" ");
    if kept.is_empty() { fallback } else { kept }
}

type YearChart<'a, 'b> = ChartContext<'a, BitMapBackend<'b>, Cartesian2d<RangedCoordf64, RangedCoordf64>>;

/// A panel with years across and `y` up, its grid and axes drawn.
fn year_axes<'a, 'b>(
    area: &'a Area<'b>,
    caption: &str,
    x: std::ops::Range<f64>,
    y: std::ops::Range<f64>,
    y_desc: &str,
    y_label: &dyn Fn(&f64) -> String,
) -> Drawn<YearChart<'a, 'b>> {
    let mut chart = ChartBuilder::on(area).caption(caption, text(CAPTION)).margin(20).x_label_area_size(50).y_label_area_size(90).build_cartesian_2d(x, y)?;
    chart
        .configure_mesh()
        .light_line_style(GRID)
        .bold_line_style(GRID)
        .x_desc("Year (to its fourth quarter)")
        .y_desc(y_desc)
        .axis_desc_style(text(AXIS))
        .label_style(text(TICK))
        .x_label_formatter(&|x| format!("{x:.0}"))
        .y_label_formatter(y_label)
        .draw()?;
    Ok(chart)
}

fn draw(root: &Area, report: &Report) -> Drawn<()> {
    let card = report.scorecard.as_ref().ok_or_else(|| Failure::Missing("scorecard".to_string()))?;
    let years = &card.years;
    let (first, last) = match (years.first(), years.last()) {
        (Some(f), Some(l)) => (f.year, l.year),
        _ => return Err(Failure::Missing("scorecard years".to_string())),
    };
    let grades: Vec<String> = card.grades.iter().enumerate().map(|(g, label)| drawable(label, format!("grade {}", g + 1))).collect();
    let notes = vec![
        format!("Scorecard “{}” (docs/scorecard.md); grades by the lowest score of each: {}.", drawable(&card.name, "of the scenario".into()), {
            let bands: Vec<String> = grades.iter().zip(&card.grade_min_scores).map(|(g, min)| format!("{g} from {min}")).collect();
            bands.join(", ")
        }),
        "Left: the score's P5–P95 and P25–P75 across paths, median line; dashed lines: each grade's lowest score. Right: the share of paths in each grade."
            .to_string(),
    ];
    let body = frame(root, report, "Evaluation score and grade by year", &notes)?;
    let key: Vec<(Key, String)> =
        grades.iter().enumerate().map(|(g, label)| (Key::Swatch(GRADE_COLOURS[g.min(GRADE_COLOURS.len() - 1)]), label.clone())).collect();
    let body = key_strip(&body, &key)?;
    let panels = body.split_evenly((1, 2));
    let x_range = (f64::from(first) - 0.5)..(f64::from(last) + 0.5);

    let mut chart = year_axes(&panels[0], "Score across paths", x_range.clone(), 0.0..100.0 + card.bonus_cap, "Score", &|y| format!("{y:.0}"))?;
    for (band, colour) in [((0.05, 0.95), FAN.mix(0.15)), ((0.25, 0.75), FAN.mix(0.3))] {
        let upper: Vec<(f64, f64)> = years.iter().map(|y| (f64::from(y.year), quantile(&y.score, band.1))).collect();
        let lower: Vec<(f64, f64)> = years.iter().rev().map(|y| (f64::from(y.year), quantile(&y.score, band.0))).collect();
        let outline: Vec<(f64, f64)> = upper.into_iter().chain(lower).filter(|p| p.1.is_finite()).collect();
        chart.draw_series(std::iter::once(Polygon::new(outline, colour.filled())))?;
    }
    let median: Vec<(f64, f64)> = years.iter().map(|y| (f64::from(y.year), quantile(&y.score, 0.5))).filter(|p| p.1.is_finite()).collect();
    chart.draw_series(LineSeries::new(median, FAN.stroke_width(3)))?;
    for (grade, &min) in grades.iter().zip(&card.grade_min_scores).take(grades.len().saturating_sub(1)) {
        chart.draw_series(DashedLineSeries::new([(x_range.start, min), (x_range.end, min)], 8, 6, MUTED.stroke_width(1)))?;
        chart.draw_series(std::iter::once(Text::new(grade.clone(), (x_range.start + 0.1, min + 1.0), text(TICK).color(&INK))))?;
    }

    let mut chart = year_axes(&panels[1], "Probability of each grade", x_range, 0.0..1.0, "Share of paths", &|y| format!("{:.0}%", y * 100.0))?;
    for g in 0..grades.len() {
        let colour = GRADE_COLOURS[g.min(GRADE_COLOURS.len() - 1)];
        let bars = years.iter().map(|y| {
            let below: f64 = y.grade_probabilities[..g].iter().sum();
            let x = f64::from(y.year);
            Rectangle::new([(x - 0.35, below), (x + 0.35, below + y.grade_probabilities[g])], colour.filled())
        });
        chart.draw_series(bars)?;
    }
    Ok(())
}
