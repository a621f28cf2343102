//! `subfund_dispersion.png`: manager risk — the TVPI of the fund's stake in each sub-fund as a
//! box plot (P5, P25, P50, P75, P95 across paths), sorted by median, with TVPI = 1 marked.

use std::path::{Path, PathBuf};

use super::ChartError;
use super::data::{Spread, metric};
use super::render::{Area, Drawn, render};
use super::rows::{Glyph, Key, Row, RowsSpec, draw_rows, key_strip, rows_range, text_width};
use super::style::{FAN, LOSS, NOTE, TICK, bn, frame, percent, times};
use crate::report::Report;

const FILE: &str = "subfund_dispersion.png";

/// Draws `subfund_dispersion.png` into `dir`.
///
/// # Errors
/// See [`ChartError`].
pub fn subfund_dispersion(report: &Report, dir: &Path) -> Result<PathBuf, ChartError> {
    render(dir, FILE, |root| draw(root, report).map(|_| ())).map(|(file, _)| file)
}

/// Draws the chart; returns the rows in the order drawn (top first), for tests.
pub(crate) fn draw(root: &Area, report: &Report) -> Drawn<Vec<String>> {
    let commitments: Vec<f64> = report.fund.subfunds.iter().map(|s| s.commitment_cny_m).collect();
    // Equal commitments are said once in the notes instead of on every row.
    let equal = commitments.windows(2).all(|w| (w[0] - w[1]).abs() < 1e-6);
    let mut rows = report
        .fund
        .subfunds
        .iter()
        .map(|s| {
            let m = metric(report, &format!("subfund_{}_tvpi", s.key))?;
            let spread = Spread::of(&m.summary);
            let loss = m.probability_below_one.map_or(f64::NAN, |p| p.estimate);
            Ok(Row {
                label: if equal {
                    format!("{} · {}", s.label, s.vintage)
                } else {
                    format!("{} · {} · CNY {} bn", s.label, s.vintage, bn(s.commitment_cny_m))
                },
                spread,
                colour: if spread.p50 < 1.0 { LOSS } else { FAN },
                note: format!("{}  P(<1) {}", times(spread.p50), percent(loss)),
            })
        })
        .collect::<Drawn<Vec<Row>>>()?;
    // Best median at the top; undefined medians last.
    rows.sort_by(|a, b| match (a.spread.p50.is_nan(), b.spread.p50.is_nan()) {
        (false, false) => b.spread.p50.total_cmp(&a.spread.p50),
        (x, y) => x.cmp(&y),
    });
    let below = rows.iter().filter(|r| r.spread.p50 < 1.0).count();
    let rows_are = match commitments.first() {
        Some(&c) if equal => format!("Rows: sub-fund · vintage; the fund commits CNY {} bn to each.", bn(c)),
        _ => "Rows: sub-fund · vintage · the fund's commitment.".to_string(),
    };
    let notes = vec![
        format!("TVPI of the fund's stake in each sub-fund, after the sub-fund's fees and carry. {rows_are}"),
        format!(
            "Sorted by median. {} of {} sub-funds have a median below 1 (red). Right: median TVPI and P(<1), the share of paths where the fund loses money on that sub-fund.",
            below,
            rows.len()
        ),
    ];
    let body = frame(root, report, "Sub-fund dispersion: manager, field and market risk across the sub-funds", &notes)?;
    let key = [
        (Key::Swatch(FAN), "P25–P75, median ≥ 1".to_string()),
        (Key::Swatch(LOSS), "P25–P75, median < 1".to_string()),
        (Key::Whisker, "P5–P95 of paths".to_string()),
        (Key::Tick, "Median".to_string()),
        (Key::Line(LOSS), "TVPI = 1 (break-even)".to_string()),
    ];
    let body = key_strip(&body, &key)?;
    let spec = RowsSpec {
        caption: "",
        x_desc: "TVPI of the fund's stake (×)",
        glyph: Glyph::Box,
        reference: Some((1.0, "TVPI = 1")),
        label_width: text_width(root, rows.iter().map(|r| r.label.clone()), TICK),
        note_width: text_width(root, rows.iter().map(|r| r.note.clone()), NOTE),
    };
    let range = rows_range(&rows, &spec);
    // A multiple is never negative: start the axis at 0 rather than at padding below it.
    let range = if rows.iter().all(|r| r.spread.p5.is_nan() || r.spread.p5 >= 0.0) { range.start.max(0.0)..range.end } else { range };
    draw_rows(&body, &rows, &spec, range)?;
    Ok(rows.into_iter().map(|r| r.label).collect())
}
