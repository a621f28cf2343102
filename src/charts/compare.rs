//! The overlay charts of `fifsim compare`:
//!
//! | file | question it answers |
//! |---|---|
//! | `compare_tvpi.png` | How do the scenarios' fund TVPI distributions differ (CDFs), and how likely is a loss in each? |
//! | `compare_jcurve.png` | How do their J-curves differ (median and P25–P75 of cumulative net cash flow)? |
//!
//! The differences quoted under each chart are paired (common random numbers), with the width two
//! independent runs would have given beside them.

use std::path::{Path, PathBuf};

use plotters::prelude::*;

use super::ChartError;
use super::banner::{provenance, series_colour};
use super::data::{TimeAxis, finite_extent};
use super::fan::{hline, legend, mesh, padded_range, tick_step};
use super::render::{Area, Drawn, Failure, render};
use super::style::{CAPTION, INK, LOSS, banner, text};
use crate::analysis::compare::{CDF_POINTS, Comparison, MetricComparison, ScenarioCurves};
use crate::report::text::cells::zero_if_rounded_away;
use crate::analysis::paired::Difference;

/// The files [`compare_charts`] writes, in order.
pub const COMPARE_FILES: [&str; 2] = ["compare_tvpi.png", "compare_jcurve.png"];

/// Most difference lines quoted under a chart (one per scenario after the first).
const MAX_NOTED: usize = 4;

/// Draws both overlay charts into `dir`.
///
/// # Errors
/// See [`ChartError`].
pub fn compare_charts(c: &Comparison, curves: &[ScenarioCurves], dir: &Path) -> Result<Vec<PathBuf>, ChartError> {
    Ok(vec![
        render(dir, COMPARE_FILES[0], |root| draw_tvpi(root, c, curves)).map(|(f, _)| f)?,
        render(dir, COMPARE_FILES[1], |root| draw_jcurve(root, c, curves)).map(|(f, _)| f)?,
    ])
}

fn metric<'a>(c: &'a Comparison, key: &str) -> Drawn<&'a MetricComparison> {
    c.metrics.iter().find(|m| m.key == key).ok_or_else(|| Failure::Missing(format!("measure `{key}`")))
}

fn letter(k: usize) -> char {
    char::from(b'A' + (k % 26) as u8)
}

/// Names the scenarios when they fit on the line; beyond four, the legend names them.
fn subtitle(c: &Comparison) -> String {
    let scenarios = &c.provenance.scenarios;
    let names = if scenarios.len() <= 4 {
        scenarios.iter().enumerate().map(|(k, s)| format!("{} {}", letter(k), s.name)).collect::<Vec<_>>().join(" · ")
    } else {
        format!("A–{}: {} scenarios, named in the legend", letter(scenarios.len() - 1), scenarios.len())
    };
    format!("{names} · {}", provenance(&c.provenance))
}

/// "+0.234 (paired 95% CI ±0.024; independent runs ±0.055)", scaled by `scale` with `unit`.
fn quoted(d: &Difference, scale: f64, decimals: usize, unit: &str) -> String {
    format!(
        "{:+.decimals$}{unit} (paired 95% CI ±{:.decimals$}{unit}; two independent runs would give ±{:.decimals$}{unit})",
        zero_if_rounded_away(d.estimate * scale, decimals),
        d.paired_half_width * scale,
        d.independent_half_width * scale
    )
}

fn difference_notes(c: &Comparison, key: &str, what: &str, scale: f64, decimals: usize, unit: &str) -> Drawn<Vec<String>> {
    let m = metric(c, key)?;
    let names = &c.provenance.scenarios;
    let mut notes: Vec<String> = m
        .differences
        .iter()
        .take(MAX_NOTED)
        .enumerate()
        .map(|(i, d)| format!("{} − A ({} − {}): {what} {}", letter(i + 1), d.scenario, names[0].name, quoted(&d.difference, scale, decimals, unit)))
        .collect();
    if m.differences.len() > MAX_NOTED {
        notes.push(format!("… and {} more scenarios: see compare.csv.", m.differences.len() - MAX_NOTED));
    }
    Ok(notes)
}

fn draw_tvpi(root: &Area, c: &Comparison, curves: &[ScenarioCurves]) -> Drawn<()> {
    let mean = metric(c, "fund_tvpi")?;
    let mut notes = vec!["Each line: the share of paths whose fund TVPI is at most x (empirical CDF, P0.5–P99.5 shown); where it crosses TVPI = 1 is P(TVPI < 1).".to_string()];
    notes.extend(difference_notes(c, "fund_tvpi", "mean TVPI", 1.0, 3, "×")?);
    notes.extend(difference_notes(c, "p_fund_tvpi_below_1", "P(TVPI < 1)", 100.0, 1, "pp")?.into_iter().take(MAX_NOTED.min(2)));
    let body = banner(root, "Fund TVPI across scenarios: distributions on common random numbers", &subtitle(c), &notes)?;
    let lo_index = CDF_POINTS / 200;
    let hi_index = CDF_POINTS - lo_index;
    let ends = curves.iter().flat_map(|s| [s.tvpi_quantiles.get(lo_index).copied().unwrap_or(f64::NAN), s.tvpi_quantiles.get(hi_index).copied().unwrap_or(f64::NAN)]);
    let (lo, hi) = finite_extent(ends.chain([1.0])).ok_or_else(|| Failure::Missing("finite fund TVPI".to_string()))?;
    let pad = (hi - lo).max(0.1) * 0.03;
    let x_range = (lo - pad)..(hi + pad);
    let y_range = 0.0..100.0;
    let mut chart = ChartBuilder::on(&body)
        .caption("Share of paths with fund TVPI at most x", text(CAPTION))
        .margin(12)
        .margin_right(36)
        .x_label_area_size(64)
        .y_label_area_size(90)
        .build_cartesian_2d(x_range.clone(), y_range.clone())?;
    mesh(&mut chart, "Fund TVPI (total value ÷ paid-in, ×)", "Cumulative share of paths (%)", tick_step(&x_range, 12), 10.0, 12, 11)?;
    for (k, s) in curves.iter().enumerate() {
        let colour = series_colour(k);
        let points = s
            .tvpi_quantiles
            .iter()
            .enumerate()
            .filter(|(_, x)| x.is_finite())
            .map(|(i, &x)| (x.clamp(x_range.start, x_range.end), 100.0 * i as f64 / CDF_POINTS as f64));
        let level = mean.levels.get(k).map_or(f64::NAN, |l| l.estimate);
        chart
            .draw_series(LineSeries::new(points, colour.stroke_width(4)))?
            .label(format!("{} {}: mean {level:.2}×, P(TVPI < 1) {:.1}%", letter(k), s.name, 100.0 * s.loss_probability))
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 30, y)], colour.stroke_width(4)));
    }
    chart
        .draw_series(LineSeries::new(vec![(1.0, 0.0), (1.0, 100.0)], LOSS.stroke_width(3)))?
        .label("TVPI = 1 (break-even)")
        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 30, y)], LOSS.stroke_width(3)));
    legend(&mut chart, SeriesLabelPosition::LowerRight)
}

fn draw_jcurve(root: &Area, c: &Comparison, curves: &[ScenarioCurves]) -> Drawn<()> {
    let mut notes = vec!["Lines: median cumulative net cash flow (distributions − paid-in, CNY bn) at each quarter; bands: P25–P75 across paths, not single paths.".to_string()];
    notes.extend(difference_notes(c, "peak_capital_need", "peak capital need", 1e-3, 2, " bn")?);
    notes.extend(difference_notes(c, "fund_dpi", "mean DPI", 1.0, 3, "×")?.into_iter().take(2));
    let body = banner(root, "Fund J-curves across scenarios: cumulative net cash flow", &subtitle(c), &notes)?;
    let axes: Vec<TimeAxis> = curves.iter().map(|s| TimeAxis { start: s.start }).collect();
    let xs = curves.iter().zip(&axes).flat_map(|(s, a)| [a.x(0.0), a.x(s.jcurve[1].len().saturating_sub(1) as f64)]);
    let (x_lo, x_hi) = finite_extent(xs).ok_or_else(|| Failure::Missing("quarters".to_string()))?;
    let ys = curves.iter().flat_map(|s| s.jcurve[0].iter().chain(&s.jcurve[2]).map(|y| y * 1e-3));
    let y_range = padded_range(ys, &[0.0]);
    let x_range = x_lo..x_hi.max(x_lo + 1.0);
    let mut chart = ChartBuilder::on(&body)
        .margin(12)
        .margin_right(36)
        .x_label_area_size(64)
        .y_label_area_size(96)
        .build_cartesian_2d(x_range.clone(), y_range.clone())?;
    let x_desc = format!("Calendar year (quarter 0 = first close, {})", axes.first().map_or(String::new(), |a| a.start.to_string()));
    mesh(&mut chart, &x_desc, "Cumulative net cash flow (CNY bn)", 1.0, tick_step(&y_range, 10), 16, 10)?;
    hline(&mut chart, 0.0, INK.stroke_width(2))?;
    for (k, (s, axis)) in curves.iter().zip(&axes).enumerate() {
        let colour = series_colour(k);
        let line = |row: &[f64]| -> Vec<(f64, f64)> { row.iter().enumerate().filter(|(_, y)| y.is_finite()).map(|(t, y)| (axis.x(t as f64), y * 1e-3)).collect() };
        let mut band = line(&s.jcurve[2]);
        band.extend(line(&s.jcurve[0]).into_iter().rev());
        chart.draw_series(std::iter::once(Polygon::new(band, colour.mix(0.14).filled())))?;
        let median = line(&s.jcurve[1]);
        let trough = median.iter().copied().fold(f64::INFINITY, |m, (_, y)| m.min(y));
        chart
            .draw_series(LineSeries::new(median, colour.stroke_width(4)))?
            .label(format!("{} {}: median (deepest {:.1} bn), band P25–P75", letter(k), s.name, trough))
            .legend(move |(x, y)| {
                EmptyElement::at((x, y)) + Rectangle::new([(0, -9), (30, 9)], colour.mix(0.25).filled()) + PathElement::new(vec![(0, 0), (30, 0)], colour.stroke_width(4))
            });
    }
    legend(&mut chart, SeriesLabelPosition::UpperLeft)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{RunOptions, Stopping};

    #[test]
    fn both_overlays_are_drawn_for_three_scenarios() {
        let base = crate::testing::base();
        let heavy = crate::testing::edited(&base, |raw| {
            raw.fund.direct_share = 0.5;
            raw.name = Some("heavy".into());
        });
        let options = RunOptions { seed: 2, stopping: Stopping::Paths(80), threads: Some(2) };
        let compared = crate::analysis::compare::run(&[base.clone(), heavy, base], &options, &mut |_| {}).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let files = compare_charts(&compared.comparison, &compared.curves, dir.path()).unwrap();
        assert_eq!(files.iter().map(|f| f.file_name().unwrap().to_string_lossy().into_owned()).collect::<Vec<_>>(), COMPARE_FILES);
        files.iter().for_each(|f| super::super::banner::assert_chart(f));
    }
}
