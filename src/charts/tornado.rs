//! `tornado.png` of `fifsim sensitivity`: what moves mean fund TVPI (left) and P(fund TVPI < 1)
//! (right) — every shock's down and up move as a bar from zero with its paired 95 % interval,
//! largest effect on top.

use std::ops::Range;
use std::path::{Path, PathBuf};

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::ChartError;
use super::banner::{provenance, series_colour};
use super::fan::{Chart, mesh, padded_range, tick_step};
use super::render::{Area, Drawn, render};
use super::rows::{Key, key_strip, text_width};
use super::style::{CAPTION, INK, MUTED, NOTE, TICK, anchored, banner, text};
use crate::analysis::paired::Difference;
use crate::analysis::sensitivity::{Effect, Sensitivity, ShockEffects};

/// The file [`tornado`] writes.
pub const TORNADO_FILE: &str = "tornado.png";

/// Draws `tornado.png` into `dir`.
///
/// # Errors
/// See [`ChartError`].
pub fn tornado(s: &Sensitivity, dir: &Path) -> Result<PathBuf, ChartError> {
    render(dir, TORNADO_FILE, |root| draw(root, s)).map(|(file, _)| file)
}

fn down_colour() -> RGBColor {
    series_colour(0)
}

fn up_colour() -> RGBColor {
    series_colour(1)
}

/// What one panel shows of an effect.
struct Panel {
    caption: &'static str,
    x_desc: &'static str,
    /// Picks the difference shown and scales it for display.
    pick: fn(&Effect) -> &Difference,
    scale: f64,
}

fn draw(root: &Area, s: &Sensitivity) -> Drawn<()> {
    let scenario = s.provenance.scenarios.first().map_or("?", |x| x.name.as_str());
    let b = &s.base;
    let notes = vec![
        "Bars: shocked − base, each shock moved down and up on its own with the base run's random numbers; whiskers: paired 95% CI of the difference.".to_string(),
        format!(
            "Base: mean fund TVPI {:.3}× · P(TVPI < 1) {:.1}%. Ranked by the larger |effect| on mean TVPI; the moves are listed in sensitivity.csv.",
            b.mean_tvpi,
            100.0 * b.loss_probability.estimate
        ),
    ];
    let subtitle = format!("Scenario “{scenario}” · {}", provenance(&s.provenance));
    let body = banner(root, "What moves the fund's outcome: one shock at a time", &subtitle, &notes)?;
    let body = key_strip(
        &body,
        &[(Key::Swatch(down_colour()), "Down move".to_string()), (Key::Swatch(up_colour()), "Up move".to_string()), (Key::Whisker, "Paired 95% CI".to_string())],
    )?;
    let labels: Vec<String> = s.shocks.iter().map(|e| e.label.clone()).collect();
    let label_width = text_width(&body, labels.iter().cloned(), TICK);
    let (left, right) = body.split_horizontally(body.dim_in_pixel().0 * 63 / 100);
    let tvpi = Panel { caption: "Effect on mean fund TVPI", x_desc: "Δ mean fund TVPI (×)", pick: |e| &e.tvpi, scale: 1.0 };
    let loss = Panel { caption: "Effect on P(fund TVPI < 1)", x_desc: "Δ P(TVPI < 1) (percentage points)", pick: |e| &e.loss, scale: 100.0 };
    draw_panel(&left, &s.shocks, &tvpi, Some(&labels), label_width)?;
    draw_panel(&right, &s.shocks, &loss, None, 30)?;
    Ok(())
}

/// The x range a panel needs: 0, every estimate and interval end, with room for the move labels.
fn x_range(shocks: &[ShockEffects], panel: &Panel) -> Range<f64> {
    let values = shocks.iter().flat_map(|e| [&e.down, &e.up]).flat_map(|m| {
        let d = (panel.pick)(m);
        [d.estimate, d.paired_ci95.0, d.paired_ci95.1].map(|x| x * panel.scale)
    });
    let range = padded_range(values, &[0.0]);
    let room = (range.end - range.start) * 0.10;
    (range.start - room)..(range.end + room)
}

fn draw_panel(area: &Area, shocks: &[ShockEffects], panel: &Panel, labels: Option<&[String]>, label_width: u32) -> Drawn<()> {
    let n = shocks.len().max(1);
    let x = x_range(shocks, panel);
    let mut chart: Chart = ChartBuilder::on(area)
        .caption(panel.caption, text(CAPTION))
        .margin(12)
        .margin_right(30)
        .x_label_area_size(64)
        .y_label_area_size(label_width)
        .build_cartesian_2d(x.clone(), -0.6..n as f64 - 0.4)?;
    let ticks = (area.dim_in_pixel().0 / 120).clamp(4, 10) as usize;
    mesh(&mut chart, panel.x_desc, "", tick_step(&x, ticks), 1.0, ticks, 0)?;
    let y_of = |i: usize| (n - 1 - i) as f64;
    chart.draw_series(
        (0..shocks.len()).filter(|i| i % 2 == 1).map(|i| Rectangle::new([(x.start, y_of(i) - 0.5), (x.end, y_of(i) + 0.5)], RGBColor(246, 246, 246).filled())),
    )?;
    chart.draw_series(std::iter::once(PathElement::new(vec![(0.0, -0.6), (0.0, n as f64 - 0.4)], INK.stroke_width(2))))?;
    for (i, e) in shocks.iter().enumerate() {
        // Down move in the upper half of the row, up move in the lower half.
        for (m, centre, colour) in [(&e.down, y_of(i) + 0.2, down_colour()), (&e.up, y_of(i) - 0.2, up_colour())] {
            let d = (panel.pick)(m);
            let (est, lo, hi) = (d.estimate * panel.scale, d.paired_ci95.0 * panel.scale, d.paired_ci95.1 * panel.scale);
            if !est.is_finite() {
                continue;
            }
            chart.draw_series(std::iter::once(Rectangle::new([(0.0, centre - 0.16), (est, centre + 0.16)], colour.mix(0.85).filled())))?;
            let whisker = INK.stroke_width(2);
            chart.draw_series([
                PathElement::new(vec![(lo, centre), (hi, centre)], whisker),
                PathElement::new(vec![(lo, centre - 0.09), (lo, centre + 0.09)], whisker),
                PathElement::new(vec![(hi, centre - 0.09), (hi, centre + 0.09)], whisker),
            ])?;
            // The move's setting just beyond the bar's far end.
            let (end, offset, h) = if est >= 0.0 { (hi.max(est), 8, HPos::Left) } else { (lo.min(est), -8, HPos::Right) };
            chart.draw_series(std::iter::once(
                EmptyElement::at((end, centre)) + Text::new(m.setting.clone(), (offset, 0), anchored(NOTE - 2, h, VPos::Center).color(&MUTED)),
            ))?;
        }
    }
    if let Some(labels) = labels {
        chart.draw_series(
            labels.iter().enumerate().map(|(i, l)| EmptyElement::at((x.start, y_of(i))) + Text::new(l.clone(), (-14, 0), anchored(TICK, HPos::Right, VPos::Center))),
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{RunOptions, Stopping};

    #[test]
    fn a_tornado_is_drawn_and_a_failure_names_the_file() {
        let options = RunOptions { seed: 2, stopping: Stopping::Paths(40), threads: Some(2) };
        let s = crate::analysis::sensitivity::run(&crate::testing::base(), &options, &mut |_| {}).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let file = tornado(&s, dir.path()).unwrap();
        assert_eq!(file, dir.path().join(TORNADO_FILE));
        super::super::banner::assert_chart(&file);
        let e = tornado(&s, &dir.path().join("missing")).unwrap_err();
        assert!(e.to_string().contains("tornado.png"), "{e}");
    }
}
