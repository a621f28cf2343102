//! `nav_dpi.png`: how value builds up and comes back — the fund's NAV fan (left) and DPI fan
//! (right), with the NAV peak and the quarter the median DPI reaches 1× marked.

use std::path::{Path, PathBuf};

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::ChartError;
use super::data::{self, TimeAxis};
use super::fan::{BAND_INNER_SEEN, BAND_OUTER, FanSpec, draw_fan, hline, padded_range};
use super::render::{Area, Drawn, render};
use super::rows::{Key, key_strip};
use super::style::{FAN, INK, NOTE, PAYBACK, TROUGH, anchored, bn, frame};
use crate::report::Report;

const FILE: &str = "nav_dpi.png";

/// Draws `nav_dpi.png` into `dir`.
///
/// # Errors
/// See [`ChartError`].
pub fn nav_dpi(report: &Report, dir: &Path) -> Result<PathBuf, ChartError> {
    render(dir, FILE, |root| draw(root, report)).map(|(file, _)| file)
}

fn draw(root: &Area, report: &Report) -> Drawn<()> {
    let axis = TimeAxis::of(report)?;
    let nav = data::fan(report, "fund_nav_cny_m", 1e-3)?;
    let dpi = data::fan(report, "fund_dpi", 1.0)?;
    let last = dpi.quarters() - 1;
    let end_label = axis.label(last as f64);
    let notes = vec![
        "NAV: the fund's share of unrealised holdings at model values. DPI: cumulative distributions ÷ capital paid in to date (cash actually returned)."
            .to_string(),
        format!(
            "Bands are quantiles at each quarter across paths. At {end_label}: DPI median {:.2}× (P5–P95 {:.2}–{:.2}×), NAV median {} bn.",
            dpi.p50()[last],
            dpi.p5()[last],
            dpi.p95()[last],
            bn(nav.p50()[nav.quarters() - 1] * 1e3)
        ),
    ];
    let body = frame(root, report, "Fund NAV and DPI over time: when value builds up and when cash comes back", &notes)?;
    let key = [
        (Key::Fill(BAND_OUTER), "P5–P95 of paths".to_string()),
        (Key::Fill(BAND_INNER_SEEN), "P25–P75".to_string()),
        (Key::Stroke(FAN), "Median at each quarter".to_string()),
        (Key::Marker(TROUGH), "Peak of the median NAV".to_string()),
        (Key::Marker(PAYBACK), "Median DPI reaches 1×".to_string()),
    ];
    let body = key_strip(&body, &key)?;
    let panels = body.split_evenly((1, 2));

    // NAV, with the median's peak marked.
    let spec =
        FanSpec { caption: Some("Net asset value (CNY bn)"), y_desc: "NAV (CNY bn)", y_range: padded_range(nav.p5().iter().chain(nav.p95()).copied(), &[0.0]) };
    let mut chart = draw_fan(&panels[0], &axis, &nav, &spec)?;
    let median = nav.p50();
    let peak = median.iter().enumerate().fold(0, |best, (t, &y)| if y > median[best] { t } else { best });
    if median[peak].is_finite() {
        let at = (axis.x(peak as f64), median[peak]);
        chart.draw_series(std::iter::once(Circle::new(at, 9, TROUGH.filled())))?;
        chart.draw_series(std::iter::once(
            EmptyElement::at(at)
                + Text::new(
                    format!("{} bn, {}", bn(median[peak] * 1e3), axis.label(peak as f64)),
                    (14, -12),
                    anchored(NOTE, HPos::Left, VPos::Bottom).color(&TROUGH),
                ),
        ))?;
    }

    // DPI, with 1× and the quarter the median gets there.
    let spec = FanSpec {
        caption: Some("Distributions to paid-in (DPI, ×)"),
        y_desc: "DPI (×)",
        y_range: padded_range(dpi.p5().iter().chain(dpi.p95()).copied(), &[0.0, 1.0]),
    };
    let mut chart = draw_fan(&panels[1], &axis, &dpi, &spec)?;
    hline(&mut chart, 1.0, INK.stroke_width(2))?;
    chart.draw_series(std::iter::once(
        EmptyElement::at((axis.x(0.0), 1.0)) + Text::new("DPI = 1: paid-in capital returned in cash", (10, -6), anchored(NOTE, HPos::Left, VPos::Bottom)),
    ))?;
    if let Some(t) = dpi.p50().iter().position(|&y| y >= 1.0) {
        let at = (axis.x(t as f64), 1.0);
        chart.draw_series(std::iter::once(Circle::new(at, 9, PAYBACK.filled())))?;
        chart.draw_series(std::iter::once(
            EmptyElement::at(at) + Text::new(axis.label(t as f64), (14, 10), anchored(NOTE, HPos::Left, VPos::Top).color(&PAYBACK)),
        ))?;
    }
    Ok(())
}
