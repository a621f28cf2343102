//! `distribution.png`: how fund TVPI (left) and IRR (right) are distributed across paths, with
//! break-even (TVPI = 1, IRR = 0), P5/P50/P95 and the mean marked and the probability of a loss
//! with its 95 % interval in the legend.

use std::path::{Path, PathBuf};

use plotters::prelude::*;

use super::ChartError;
use super::data::{self, Spread, spread};
use super::fan::{Chart, legend, mesh, tick_step};
use super::render::{Area, Drawn, render};
use super::style::{CAPTION, FAN, GAIN_LIGHT, INK, LOSS, LOSS_LIGHT, frame, percent, text, thousands};
use crate::report::{Histogram, MetricReport, Report};

const FILE: &str = "distribution.png";

/// Draws `distribution.png` into `dir`.
///
/// # Errors
/// See [`ChartError`].
pub fn distribution(report: &Report, dir: &Path) -> Result<PathBuf, ChartError> {
    render(dir, FILE, |root| draw(root, report)).map(|(file, _)| file)
}

/// Where the break-even lines were drawn, in pixels, for tests.
#[derive(Debug, Clone, Copy)]
#[cfg_attr(not(test), allow(dead_code))]
pub(crate) struct Marks {
    /// Pixel column of TVPI = 1 and of IRR = 0.
    pub tvpi_one_x: i32,
    pub irr_zero_x: i32,
    /// Pixel columns and rows spanned by the TVPI panel's plot area.
    pub tvpi_plot_columns: (i32, i32),
    pub plot_rows: (i32, i32),
}

/// One histogram panel.
struct Panel<'s> {
    caption: &'s str,
    x_desc: &'s str,
    /// Multiplies values for display (100 for rates shown in %).
    scale: f64,
    /// Break-even value (unscaled) and its legend text.
    reference: (f64, &'s str),
    /// Legend text of the bars on the losing side of the reference.
    loss_label: String,

    /// Formats a (scaled) value for the legend.
    format: fn(f64) -> String,
}

pub(crate) fn draw(root: &Area, report: &Report) -> Drawn<Marks> {
    let paths = report.provenance.paths;
    let tvpi_hist = data::histogram(report, "fund_tvpi")?;
    let irr_hist = data::histogram(report, "fund_irr")?;
    let tvpi_metric = data::metric(report, "fund_tvpi")?;
    let tvpi = Spread::of(&tvpi_metric.summary_as_printed());
    let irr = spread(report, "fund_irr")?;
    let loss = tvpi_metric.probability_below_one;
    let loss_label = match &loss {
        Some(p) => format!("Loss: P(TVPI < 1) = {} (95% CI {}–{})", percent(p.estimate), percent(p.ci95.0), percent(p.ci95.1)),
        None => "Loss: TVPI < 1".to_string(),
    };
    // The headline, in the caption: the probability of losing money.
    let tvpi_caption = match &loss {
        Some(p) => format!("Fund TVPI: {} of paths lose money (TVPI < 1)", percent(p.estimate)),
        None => "Fund TVPI (total value ÷ paid-in)".to_string(),
    };
    let range = |h: &Histogram, unit: &str, scale: f64, digits: usize| {
        format!(
            "{} below {:.digits$}{unit} and {} above {:.digits$}{unit} not drawn",
            thousands(h.below),
            h.edges[0] * scale,
            thousands(h.above),
            h.edges[h.edges.len() - 1] * scale
        )
    };
    let notes = vec![
        format!("Bars: share of all {} paths in each bin. Each axis spans P0.5–P99.5 of paths, so the extreme 1% is left out:", thousands(paths)),
        format!("TVPI: {}; IRR: {}.", range(tvpi_hist, "×", 1.0, 2), range(irr_hist, "%", 100.0, 1)),
        paths_note(tvpi_metric, data::metric(report, "fund_irr")?),
        "TVPI and IRR are net to the fund after fees, carry, concessions and running costs; NAV at the horizon counted at model value.".to_string(),
    ];
    let body = frame(root, report, "Distribution of fund outcomes: TVPI and IRR across simulated paths", &notes)?;
    let panels = body.split_evenly((1, 2));
    let tvpi_panel = Panel {
        caption: &tvpi_caption,
        x_desc: "Fund TVPI (total value ÷ paid-in, ×)",
        scale: 1.0,
        reference: (1.0, "TVPI = 1 (break-even)"),
        loss_label,
        format: |x| format!("{x:.2}×"),
    };
    let tvpi_placed = draw_panel(&panels[0], tvpi_hist, &tvpi, paths, &tvpi_panel)?;
    let irr_panel = Panel {
        caption: "Fund IRR (annual, net)",
        x_desc: "Fund IRR (% a year)",
        scale: 100.0,
        reference: (0.0, "IRR = 0"),
        loss_label: "Loss: IRR < 0".to_string(),
        format: |x| format!("{x:.1}%"),
    };
    let irr_placed = draw_panel(&panels[1], irr_hist, &irr, paths, &irr_panel)?;
    Ok(Marks { tvpi_one_x: tvpi_placed.reference_x, irr_zero_x: irr_placed.reference_x, tvpi_plot_columns: tvpi_placed.columns, plot_rows: tvpi_placed.rows })
}

/// The paths each panel stands on, as the summary table counts them: TVPI on all paths or on
/// some and why; IRR with one rate, several (the one nearest the fund's multiple and timing is
/// drawn) or none (left out, never given a made-up value).
pub(crate) fn paths_note(tvpi: &MetricReport, irr: &MetricReport) -> String {
    let total = |m: &MetricReport| thousands((m.summary.n + m.summary.missing) as u64);
    let because = |m: &MetricReport| {
        let reasons: Vec<String> = m.excluded.iter().map(|e| format!("{} {}", thousands(e.paths as u64), e.reason)).collect();
        if reasons.is_empty() { String::new() } else { format!(" ({})", reasons.join(", ")) }
    };
    let tvpi_paths = match tvpi.summary.missing {
        0 => format!("TVPI on all {} paths", total(tvpi)),
        _ => format!("TVPI on {} of {} paths{}", thousands(tvpi.summary.n as u64), total(tvpi), because(tvpi)),
    };
    let none = match irr.summary.missing {
        0 => "none on 0".to_string(),
        missing => format!("none on {}{}: left out, never given a made-up value", thousands(missing as u64), because(irr)),
    };
    let irr_paths = match irr.irr_outcomes {
        Some(o) => format!(
            "IRR: one rate on {} of {} paths, several on {} (the nearest drawn), {none}",
            thousands(o.unique as u64),
            total(irr),
            thousands(o.several_roots as u64)
        ),
        // A summary written before the outcomes were counted.
        None => format!("IRR on {} of {} paths, {none}", thousands(irr.summary.n as u64), total(irr)),
    };
    format!("{tvpi_paths}. {irr_paths}.")
}

/// Where a panel put things, in pixels.
struct Placed {
    reference_x: i32,
    columns: (i32, i32),
    rows: (i32, i32),
}

/// Draws one histogram.
fn draw_panel(area: &Area, h: &Histogram, spread: &Spread, paths: u64, panel: &Panel) -> Drawn<Placed> {
    let scale = panel.scale;
    let reference = panel.reference.0 * scale;
    // The bins, break-even and every line drawn must be on the axis.
    let s = spread.scaled(scale);
    let (lo, hi) = super::data::finite_extent([h.edges[0] * scale, h.edges[h.edges.len() - 1] * scale, reference, s.p5, s.p95, s.mean]).unwrap_or((0.0, 1.0));
    let pad = (hi - lo) * 0.03;
    let x_range = (lo - pad)..(hi + pad);
    let share = |count: u64| 100.0 * count as f64 / paths.max(1) as f64;
    let top = h.counts.iter().map(|&c| share(c)).fold(0.0, f64::max);
    // Head-room above the bars for the legend.
    let y_range = 0.0..(top * 1.7).max(1e-6);
    let mut chart = ChartBuilder::on(area)
        .caption(panel.caption, text(CAPTION))
        .margin(12)
        .margin_right(30)
        .x_label_area_size(64)
        .y_label_area_size(90)
        .build_cartesian_2d(x_range.clone(), y_range.clone())?;
    let x_step = tick_step(&x_range, 10);
    let y_step = tick_step(&y_range, 10);
    mesh(&mut chart, panel.x_desc, "Share of paths per bin (%)", x_step, y_step, 10, 10)?;

    let bins: Vec<(f64, f64, f64)> = h.counts.iter().enumerate().map(|(i, &c)| (h.edges[i] * scale, h.edges[i + 1] * scale, share(c))).collect();
    let is_loss = |&&(a, b, _): &&(f64, f64, f64)| (a + b) / 2.0 < reference;
    chart
        .draw_series(bins.iter().filter(is_loss).map(|&(a, b, y)| Rectangle::new([(a, 0.0), (b, y)], LOSS_LIGHT.filled())))?
        .label(panel.loss_label.clone())
        .legend(|(x, y)| Rectangle::new([(x, y - 8), (x + 28, y + 8)], LOSS_LIGHT.filled()));
    chart
        .draw_series(bins.iter().filter(|b| !is_loss(b)).map(|&(a, b, y)| Rectangle::new([(a, 0.0), (b, y)], GAIN_LIGHT.filled())))?
        .label("No loss")
        .legend(|(x, y)| Rectangle::new([(x, y - 8), (x + 28, y + 8)], GAIN_LIGHT.filled()));

    let f = panel.format;
    let vertical = |chart: &mut Chart, x: f64, style: ShapeStyle, dashed: bool, label: String| -> Drawn<()> {
        if !x.is_finite() {
            return Ok(());
        }
        let points = vec![(x, 0.0), (x, y_range.end)];
        if dashed {
            chart
                .draw_series(DashedLineSeries::new(points, 12, 8, style))?
                .label(label)
                .legend(move |(x, y)| plotters::element::DashedPathElement::new(vec![(x, y), (x + 30, y)], 9, 5, style));
        } else {
            chart.draw_series(LineSeries::new(points, style))?.label(label).legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 30, y)], style));
        }
        Ok(())
    };
    // Where the mean has no interval (an IRR, whose tail is too heavy for one), the median's is shown.
    let mean_has_interval = s.mean_ci95.0.is_finite() && s.mean_ci95.1.is_finite();
    let median = if mean_has_interval || !s.p50_ci95.0.is_finite() {
        format!("Median {}", f(s.p50))
    } else {
        format!("Median {} (95% CI {}–{})", f(s.p50), f(s.p50_ci95.0), f(s.p50_ci95.1))
    };
    vertical(&mut chart, s.p50, INK.stroke_width(3), false, median)?;
    vertical(&mut chart, s.p5, INK.stroke_width(2), true, format!("P5 {}  ·  P95 {}", f(s.p5), f(s.p95)))?;
    if s.p95.is_finite() {
        chart.draw_series(DashedLineSeries::new(vec![(s.p95, 0.0), (s.p95, y_range.end)], 12, 8, INK.stroke_width(2)))?;
    }
    let mean = if mean_has_interval { format!("Mean {} (95% CI {}–{})", f(s.mean), f(s.mean_ci95.0), f(s.mean_ci95.1)) } else { format!("Mean {}", f(s.mean)) };
    vertical(&mut chart, s.mean, FAN.stroke_width(3), true, mean)?;
    // The break-even line goes on top of everything: it is what the reader looks for first.
    chart
        .draw_series(LineSeries::new(vec![(reference, 0.0), (reference, y_range.end)], LOSS.stroke_width(3)))?
        .label(panel.reference.1)
        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 28, y)], LOSS.stroke_width(3)));
    legend(&mut chart, SeriesLabelPosition::UpperRight)?;
    let (columns, rows) = chart.plotting_area().get_pixel_range();
    Ok(Placed { reference_x: chart.backend_coord(&(reference, 0.0)).0, columns: (columns.start, columns.end), rows: (rows.start, rows.end) })
}
