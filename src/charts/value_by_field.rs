//! `value_by_field.png`: where the value comes from — value created by field (left) and by tier
//! (top right), as bars of the mean with P5–P95 whiskers, and the TVPI of the whole fund, the
//! direct sleeve and the sub-fund sleeve side by side (bottom right).

use std::path::{Path, PathBuf};

use super::ChartError;
use super::data::{Spread, spread};
use super::render::{Area, Drawn, render};
use super::rows::{Glyph, Key, Row, RowsSpec, draw_rows, key_strip, rows_range, text_width};
use super::style::{FAN, FIXED, NOTE, TICK, bn, frame, percent, tier_colour, times};
use crate::report::Report;

const FILE: &str = "value_by_field.png";

/// Draws `value_by_field.png` into `dir`.
///
/// # Errors
/// See [`ChartError`].
pub fn value_by_field(report: &Report, dir: &Path) -> Result<PathBuf, ChartError> {
    render(dir, FILE, |root| draw(root, report)).map(|(file, _)| file)
}

const TIERS: [(&str, &str); 3] = [("industrialising", "Industrialising"), ("prototype", "Prototype"), ("exploration", "Exploration")];

/// A value-created row: the mean (CNY bn) and the median gross multiple in the note.
fn value_row(report: &Report, label: String, key: &str, tier: &str) -> Drawn<Row> {
    let value = spread(report, &format!("{key}_value_created_cny_m"))?.scaled(1e-3);
    let multiple = spread(report, &format!("{key}_multiple"))?;
    Ok(Row { label, spread: value, colour: tier_colour(tier), note: format!("{} bn · {}", bn(value.mean * 1e3), times(multiple.p50)) })
}

fn draw(root: &Area, report: &Report) -> Drawn<()> {
    let mut fields = Vec::new();
    for (tier, _) in TIERS {
        let mut rows = report
            .fund
            .fields
            .iter()
            .filter(|f| f.tier == tier)
            .map(|f| value_row(report, f.label.clone(), &format!("field_{}", f.key), tier))
            .collect::<Drawn<Vec<Row>>>()?;
        rows.sort_by(|a, b| b.spread.mean.total_cmp(&a.spread.mean));
        fields.extend(rows);
    }
    let tiers = TIERS.iter().map(|&(key, label)| value_row(report, label.to_string(), &format!("tier_{key}"), key)).collect::<Drawn<Vec<Row>>>()?;
    let mc_error = fields.iter().chain(&tiers).map(|r| (r.spread.mean_ci95.1 - r.spread.mean_ci95.0) / 2.0).filter(|h| h.is_finite()).fold(0.0, f64::max);
    let notes = vec![
        "Value created = the fund's look-through share of what companies returned (proceeds + final NAV) minus what was paid into them, before fees, carry and concessions."
            .to_string(),
        format!(
            "Right of the bars: mean value created · median gross multiple; Monte Carlo error of every mean within ±{} bn (95% CI). Sleeves: net TVPI median · P(TVPI < 1).",
            bn(mc_error * 1e3)
        ),
    ];
    let body = frame(root, report, "Where the value comes from: fields, tiers and sleeves", &notes)?;
    let mut key = vec![(Key::Swatch(FIXED), "Mean (bar)".to_string()), (Key::Whisker, "P5–P95 of paths".to_string()), (Key::Dot, "Median".to_string())];
    key.extend(TIERS.iter().map(|&(tier, label)| (Key::Swatch(tier_colour(tier)), format!("{label} tier"))));
    let body = key_strip(&body, &key)?;
    let (left, right) = body.split_horizontally(body.dim_in_pixel().0 * 57 / 100);
    let (top_right, bottom_right) = right.split_vertically(right.dim_in_pixel().1 / 2);

    let note_width = |rows: &[Row]| text_width(root, rows.iter().map(|r| r.note.clone()), NOTE);
    let label_width = |rows: &[Row]| text_width(root, rows.iter().map(|r| r.label.clone()), TICK);
    let x_desc = "Value created (CNY bn)";
    // Fields and tiers share nothing but the unit; each gets the range it needs.
    let spec = RowsSpec {
        caption: "By field (grouped by tier)",
        x_desc,
        glyph: Glyph::Bar,
        reference: None,
        label_width: label_width(&fields),
        note_width: note_width(&fields),
    };
    draw_rows(&left, &fields, &spec, rows_range(&fields, &spec))?;
    let spec = RowsSpec { caption: "By tier", x_desc, glyph: Glyph::Bar, reference: None, label_width: label_width(&tiers), note_width: note_width(&tiers) };
    draw_rows(&top_right, &tiers, &spec, rows_range(&tiers, &spec))?;

    let sleeves = [("fund_tvpi", "Whole fund"), ("direct_tvpi", "Direct sleeve"), ("subfunds_tvpi", "Sub-fund sleeve")]
        .iter()
        .map(|&(key, label)| {
            let metric = super::data::metric(report, key)?;
            let loss = metric.probability_below_one.map_or(f64::NAN, |p| p.estimate);
            let spread = Spread::of(&metric.summary);
            Ok(Row { label: label.to_string(), spread, colour: FAN, note: format!("{} · P(<1) {}", times(spread.p50), percent(loss)) })
        })
        .collect::<Drawn<Vec<Row>>>()?;
    let spec = RowsSpec {
        caption: "Net TVPI by sleeve (box P25–P75, line median)",
        x_desc: "TVPI (×)",
        glyph: Glyph::Box,
        reference: Some((1.0, "TVPI = 1 (break-even)")),
        label_width: label_width(&sleeves),
        note_width: note_width(&sleeves),
    };
    draw_rows(&bottom_right, &sleeves, &spec, rows_range(&sleeves, &spec))?;
    Ok(())
}
