//! A quarterly fan on a calendar-year axis: P5–P95 and P25–P75 bands and the median line, the
//! common picture of `jcurve.png` and `nav_dpi.png`.

use std::ops::Range;

use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;

use super::data::{FanView, TimeAxis, finite_extent};
use super::render::{Area, Drawn};
use super::style::{self, AXIS, CAPTION, FAN, GRID, INK, NOTE, TICK, text};

/// A chart with plain numeric axes (x: calendar years, or whatever the caller chose).
pub(crate) type Chart<'a, 'b> = ChartContext<'a, BitMapBackend<'b>, Cartesian2d<RangedCoordf64, RangedCoordf64>>;

/// The P5–P95 band, the P25–P75 band drawn over it, and how the inner one looks on top of the
/// outer (for keys).
pub(crate) const BAND_OUTER: RGBAColor = RGBAColor(0, 90, 160, 0.16);
pub(crate) const BAND_INNER: RGBAColor = RGBAColor(0, 90, 160, 0.30);
pub(crate) const BAND_INNER_SEEN: RGBAColor = RGBAColor(0, 90, 160, 0.16 + 0.30 * 0.84);

/// What to write on a fan panel.
pub(crate) struct FanSpec<'s> {
    pub caption: Option<&'s str>,
    pub y_desc: &'s str,
    /// The y range drawn; values beyond it are clipped to its edge.
    pub y_range: Range<f64>,
}

/// A y range showing `values` (and `include`, e.g. a reference line), padded by 5 %.
pub(crate) fn padded_range(values: impl IntoIterator<Item = f64>, include: &[f64]) -> Range<f64> {
    let (lo, hi) = finite_extent(values.into_iter().chain(include.iter().copied())).unwrap_or((0.0, 1.0));
    let pad = if hi > lo { (hi - lo) * 0.05 } else { 0.5 };
    (lo - pad)..(hi + pad)
}

/// The tick spacing plotters chooses for `range` with at most `max_ticks` ticks: the smallest of
/// 1, 2 or 5 × 10^k that fits (used only to pick how many decimals tick labels need).
pub(crate) fn tick_step(range: &Range<f64>, max_ticks: usize) -> f64 {
    let span = (range.end - range.start).abs().max(1e-12);
    let fits = |step: f64| (span / step + 1e-9).floor() + 1.0 <= max_ticks as f64;
    let mut decade = span.log10().ceil() as i32 + 1;
    let mut best = 10f64.powi(decade);
    while decade > -12 {
        for multiple in [5.0, 2.0, 1.0] {
            let step = multiple * 10f64.powi(decade - 1);
            if !fits(step) {
                return best;
            }
            best = step;
        }
        decade -= 1;
    }
    best
}

/// Labels `value` with the decimals its axis step needs.
pub(crate) fn axis_label(value: f64, step: f64) -> String {
    style::tick(value, step)
}

/// Mesh (grid, ticks, axis titles) of a numeric chart; `max_y` = 0 hides the y axis (rows).
pub(crate) fn mesh(chart: &mut Chart, x_desc: &str, y_desc: &str, x_step: f64, y_step: f64, max_x: usize, max_y: usize) -> Drawn<()> {
    let x_format = move |x: &f64| axis_label(*x, x_step);
    let y_format = move |y: &f64| axis_label(*y, y_step);
    let mut mesh = chart.configure_mesh();
    mesh.x_labels(max_x)
        .y_labels(max_y)
        .x_label_formatter(&x_format)
        .y_label_formatter(&y_format)
        .x_desc(x_desc)
        .label_style(text(TICK))
        .axis_desc_style(text(AXIS))
        .bold_line_style(GRID)
        .light_line_style(TRANSPARENT)
        .axis_style(INK.mix(0.6));
    if max_y == 0 {
        mesh.disable_y_mesh().disable_y_axis();
    } else {
        mesh.y_desc(y_desc);
    }
    mesh.draw()?;
    Ok(())
}

/// Draws `fan` with its bands and median into `area`; returns the chart for markers.
pub(crate) fn draw_fan<'a, 'b>(area: &'a Area<'b>, axis: &TimeAxis, fan: &FanView, spec: &FanSpec) -> Drawn<Chart<'a, 'b>> {
    let last = (fan.quarters() - 1) as f64;
    let x_range = axis.x(0.0)..axis.x(last);
    let mut builder = ChartBuilder::on(area);
    if let Some(caption) = spec.caption {
        builder.caption(caption, text(CAPTION));
    }
    let mut chart =
        builder.margin(12).margin_right(36).x_label_area_size(64).y_label_area_size(96).build_cartesian_2d(x_range.clone(), spec.y_range.clone())?;
    // One label a year where there is room, fewer on narrow panels.
    let max_x = (area.dim_in_pixel().0 / 95).max(3) as usize;
    let y_step = tick_step(&spec.y_range, 10);
    mesh(&mut chart, &format!("Calendar year (quarter 0 = first close, {})", axis.start), spec.y_desc, 1.0, y_step, max_x, 10)?;

    let clip = |y: f64| y.clamp(spec.y_range.start, spec.y_range.end);
    let band = |lower: &[f64], upper: &[f64]| -> Vec<(f64, f64)> {
        let top = upper.iter().enumerate().filter(|(_, y)| y.is_finite()).map(|(t, &y)| (axis.x(t as f64), clip(y)));
        let bottom = lower.iter().enumerate().rev().filter(|(_, y)| y.is_finite()).map(|(t, &y)| (axis.x(t as f64), clip(y)));
        top.chain(bottom).collect()
    };
    let (outer, inner) = (BAND_OUTER, BAND_INNER);
    chart
        .draw_series(std::iter::once(Polygon::new(band(fan.p5(), fan.p95()), outer.filled())))?
        .label("P5–P95 of paths (90% of outcomes)")
        .legend(move |(x, y)| Rectangle::new([(x, y - 8), (x + 28, y + 8)], outer.filled()));
    chart
        .draw_series(std::iter::once(Polygon::new(band(fan.p25(), fan.p75()), inner.filled())))?
        .label("P25–P75 of paths (50% of outcomes)")
        .legend(move |(x, y)| Rectangle::new([(x, y - 8), (x + 28, y + 8)], BAND_INNER_SEEN.filled()));
    let median = fan.p50().iter().enumerate().filter(|(_, y)| y.is_finite()).map(|(t, &y)| (axis.x(t as f64), clip(y)));
    chart
        .draw_series(LineSeries::new(median, FAN.stroke_width(4)))?
        .label("Median (P50) at each quarter")
        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 28, y)], FAN.stroke_width(4)));
    Ok(chart)
}

/// Draws the legend of `chart` at `position`.
pub(crate) fn legend<'a, 'b: 'a>(chart: &mut Chart<'a, 'b>, position: SeriesLabelPosition) -> Drawn<()> {
    chart
        .configure_series_labels()
        .position(position)
        .margin(14)
        .legend_area_size(36)
        .label_font(text(NOTE))
        .background_style(WHITE.mix(0.92))
        .border_style(style::MUTED.mix(0.6))
        .draw()?;
    Ok(())
}

/// A horizontal line across the chart at `y`.
pub(crate) fn hline(chart: &mut Chart, y: f64, style: ShapeStyle) -> Drawn<()> {
    let x = chart.x_range();
    chart.draw_series(std::iter::once(PathElement::new(vec![(x.start, y), (x.end, y)], style)))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tick_steps_are_round_and_fit() {
        assert_eq!(tick_step(&(0.0..10.0), 11), 1.0);
        assert_eq!(tick_step(&(0.0..10.0), 6), 2.0);
        assert_eq!(tick_step(&(0.0..1.0), 11), 0.1);
        assert_eq!(tick_step(&(-8.0..52.0), 10), 10.0);
    }
}
