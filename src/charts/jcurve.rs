//! `jcurve.png`: the fund's cumulative net cash flow by quarter (the J-curve) as a fan, with the
//! peak capital need (trough) and the payback quarter marked and stated.
//!
//! Two payback figures, each labelled as what it is: the marker is where the median line is back
//! at zero, about the median payback of all paths (those not paid back by the horizon counting
//! as later); the summary table's payback P50, also quoted, is over the paths that pay back.

use std::path::{Path, PathBuf};

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::ChartError;
use super::data::{self, Spread, TimeAxis, spread};
use super::fan::{FanSpec, draw_fan, hline, legend, padded_range};
use super::render::{Area, Drawn, render};
use super::style::{self, INK, NOTE, PAYBACK, TROUGH, anchored, bn, frame, percent, text};
use crate::report::Report;

const FILE: &str = "jcurve.png";

/// Draws `jcurve.png` into `dir`.
///
/// # Errors
/// See [`ChartError`].
pub fn jcurve(report: &Report, dir: &Path) -> Result<PathBuf, ChartError> {
    render(dir, FILE, |root| draw(root, report)).map(|(file, _)| file)
}

/// Pixel positions of the markers, for tests.
#[derive(Debug, Clone, Copy)]
#[cfg_attr(not(test), allow(dead_code))]
pub(crate) struct Marks {
    pub trough: (i32, i32),
    pub payback: Option<(i32, i32)>,
    /// Pixel columns and rows spanned by the plot area.
    pub plot_columns: (i32, i32),
    pub plot_rows: (i32, i32),
}

/// CNY bn with its sign, e.g. "+2.5", "-2.1".
fn signed(value_bn: f64) -> String {
    if value_bn.is_finite() { format!("{value_bn:+.1}") } else { "n/a".to_string() }
}

pub(crate) fn draw(root: &Area, report: &Report) -> Drawn<Marks> {
    let axis = TimeAxis::of(report)?;
    let fan = data::fan(report, "fund_cumulative_net_cny_m", 1e-3)?;
    let trough = spread(report, "fund_trough_cny_m")?.scaled(1e-3);
    let trough_quarter = spread(report, "fund_trough_quarter")?;
    let payback = spread(report, "fund_payback_quarter")?;
    let last = fan.quarters() - 1;
    let end_label = axis.label(last as f64);

    // Payback of the median line: the first quarter after its low point where it is back at 0.
    // Paths that never pay back count as "later", so this is the median payback of all paths.
    let median = fan.p50();
    let low = median.iter().enumerate().fold(0, |best, (t, &y)| if y < median[best] { t } else { best });
    let median_payback = median.iter().skip(low).position(|&y| y >= 0.0).map(|i| i + low);
    let paid_back_share = paid_back(&payback);

    let notes = vec![
        "Cumulative net cash flow = distributions received − capital paid in, to date (CNY bn, nominal). Bands are quantiles at each quarter across paths, not single paths."
            .to_string(),
        "Trough marker: median over paths of each path's lowest point and of its quarter, whiskers P5–P95.".to_string(),
        format!(
            "Payback marker: where the median line is back at zero, about the median payback of all paths ({} not paid back by {end_label} count as later).",
            percent(1.0 - paid_back_share)
        ),
    ];
    let body = frame(root, report, "Fund J-curve: cumulative net cash flow to the fund", &notes)?;

    // The upper tail can be several times the trough's depth; clip it so the J stays legible, and
    // say so on the chart.
    let top_p75 = fan.p75().iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let top_p95 = fan.p95().iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let bottom = fan.p5().iter().copied().chain([trough.p5]).fold(f64::INFINITY, f64::min);
    let depth = -bottom.min(0.0);
    let clip_top = (depth > 0.0 && top_p95 > 3.0 * depth).then(|| f64::max(3.0 * depth, top_p75 * 1.3)).filter(|&top| top < top_p95);
    let y_range = padded_range([bottom, clip_top.unwrap_or(top_p95)], &[0.0]);
    let spec = FanSpec { caption: None, y_desc: "Cumulative net cash flow (CNY bn)", y_range: y_range.clone() };
    let mut chart = draw_fan(&body, &axis, &fan, &spec)?;
    hline(&mut chart, 0.0, INK.stroke_width(2))?;

    // Trough: a cross of P5–P95 whiskers in depth and timing around the medians.
    let tx = axis.x(trough_quarter.p50);
    let ty = trough.p50;
    let whisker = TROUGH.stroke_width(3);
    if tx.is_finite() && ty.is_finite() {
        chart.draw_series([
            PathElement::new(vec![(tx, trough.p5), (tx, trough.p95)], whisker),
            PathElement::new(vec![(axis.x(trough_quarter.p5), ty), (axis.x(trough_quarter.p95), ty)], whisker),
        ])?;
        chart
            .draw_series(std::iter::once(Circle::new((tx, ty), 10, TROUGH.filled())))?
            .label("Peak capital need (trough): median, whiskers P5–P95")
            .legend(|(x, y)| EmptyElement::at((x + 14, y)) + Circle::new((0, 0), 9, TROUGH.filled()));
    }
    if let Some(t) = median_payback {
        let x = axis.x(t as f64);
        chart.draw_series(DashedLineSeries::new(vec![(x, y_range.start), (x, 0.0)], 10, 6, PAYBACK.stroke_width(3)))?;
        chart
            .draw_series(std::iter::once(Circle::new((x, 0.0), 10, PAYBACK.filled())))?
            .label("Payback: the median line back at zero")
            .legend(|(x, y)| EmptyElement::at((x + 14, y)) + Circle::new((0, 0), 9, PAYBACK.filled()));
        chart.draw_series(std::iter::once(
            EmptyElement::at((x, 0.0))
                + Text::new(format!("Payback {}", axis.label(t as f64)), (14, 16), anchored(NOTE, HPos::Left, VPos::Top).color(&PAYBACK)),
        ))?;
    }
    if tx.is_finite() && ty.is_finite() {
        chart.draw_series(std::iter::once(
            EmptyElement::at((tx, ty))
                + Text::new(
                    format!("Trough −{} bn, {}", bn(-ty * 1e3), axis.label(trough_quarter.p50)),
                    (-24, 22),
                    anchored(NOTE, HPos::Right, VPos::Top).color(&TROUGH),
                ),
        ))?;
    }
    if let Some(top) = clip_top {
        let end_p95 = fan.p95()[last];
        chart.draw_series(std::iter::once(
            EmptyElement::at((axis.x(last as f64), top))
                + Text::new(
                    format!("▲ P95 band continues to +{} bn by {end_label} (clipped)", bn(end_p95 * 1e3)),
                    (-8, 6),
                    anchored(NOTE, HPos::Right, VPos::Top).color(&style::MUTED),
                ),
        ))?;
    }
    legend(&mut chart, SeriesLabelPosition::UpperLeft)?;

    // Key figures under the legend, in the empty upper-left corner.
    let (xs, ys) = chart.plotting_area().get_pixel_range();
    let end = |row: &[f64]| row[last];
    let payback_lines = payback_text(&axis, median_payback, &payback, last);
    let lines = [
        format!("Peak capital need: CNY {} bn median (P5–P95 {}–{} bn)", bn(-trough.p50 * 1e3), bn(-trough.p95 * 1e3), bn(-trough.p5 * 1e3)),
        format!("Deepest in {} (median; P5–P95 {} to {})", axis.label(trough_quarter.p50), axis.label(trough_quarter.p5), axis.label(trough_quarter.p95)),
        payback_lines[0].clone(),
        payback_lines[1].clone(),
        format!("Net at {end_label}: {} bn median (P5–P95 {} to {} bn)", signed(end(fan.p50())), signed(end(fan.p5())), signed(end(fan.p95()))),
    ];
    let left = xs.start + 14;
    let top = ys.start + 14 + 5 * 36 + 24;
    let height = lines.len() as i32 * 30 + 20;
    let width = super::rows::text_width(root, lines.iter().cloned(), NOTE) as i32;
    root.draw(&Rectangle::new([(left, top), (left + width, top + height)], WHITE.mix(0.92).filled()))?;
    root.draw(&Rectangle::new([(left, top), (left + width, top + height)], style::MUTED.mix(0.6)))?;
    for (i, line) in lines.iter().enumerate() {
        root.draw(&Text::new(line.clone(), (left + 14, top + 25 + 30 * i as i32), text(NOTE)))?;
    }
    let marks = Marks {
        trough: chart.backend_coord(&(tx, ty)),
        payback: median_payback.map(|t| chart.backend_coord(&(axis.x(t as f64), 0.0))),
        plot_columns: (xs.start, xs.end),
        plot_rows: (ys.start, ys.end),
    };
    Ok(marks)
}

/// Share of paths that pay back by the horizon.
fn paid_back(payback: &Spread) -> f64 {
    payback.n as f64 / (payback.n + payback.missing).max(1) as f64
}

/// The two payback figures, each saying what it is: the quarter the median line is back at
/// zero (`median_payback`, over all paths), and the median payback of the paths that pay back
/// (the summary table's), with their share; `last` is the horizon's quarter.
pub(crate) fn payback_text(axis: &TimeAxis, median_payback: Option<usize>, payback: &Spread, last: usize) -> [String; 2] {
    let end_label = axis.label(last as f64);
    [
        match median_payback {
            Some(t) => format!("Payback {} on the median line (all paths)", axis.label(t as f64)),
            None => format!("The median line is not back at zero by {end_label}"),
        },
        if payback.n > 0 {
            format!("{} of paths pay back by {end_label}: their median payback {}", percent(paid_back(payback)), axis.label(payback.p50))
        } else {
            format!("No path pays back by {end_label}")
        },
    ]
}
