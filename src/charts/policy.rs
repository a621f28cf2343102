//! `policy.png`: what the fund does for its policy goals and what they cost — companies backed
//! and their outcomes, capital mobilised from other LPs against the fund's own commitment, local
//! reinvestment achieved against the requirement, and the value given away by concessions.

use std::path::{Path, PathBuf};

use plotters::prelude::*;

use super::ChartError;
use super::data::{Spread, spread};
use super::render::{Area, Drawn, render};
use super::rows::{Glyph, Key, Row, RowsSpec, draw_rows, key_strip, rows_range, text_width};
use super::style::{FAN, FIXED, LOSS, NOTE, TICK, TROUGH, bn, frame, percent, span, text, times, with_decimals};
use crate::report::Report;

const FILE: &str = "policy.png";

/// Draws `policy.png` into `dir`.
///
/// # Errors
/// See [`ChartError`].
pub fn policy(report: &Report, dir: &Path) -> Result<PathBuf, ChartError> {
    render(dir, FILE, |root| draw(root, report)).map(|(file, _)| file)
}

/// A fixed amount (not simulated): a bar without whiskers.
fn fixed(value: f64) -> Spread {
    Spread { mean: value, mean_ci95: (value, value), p50_ci95: (value, value), p5: f64::NAN, p25: f64::NAN, p50: f64::NAN, p75: f64::NAN, p95: f64::NAN, n: 1, missing: 0 }
}

fn specs<'s>(root: &Area, caption: &'s str, x_desc: &'s str, glyph: Glyph, reference: Option<(f64, &'s str)>, rows: &[Row]) -> RowsSpec<'s> {
    RowsSpec {
        caption,
        x_desc,
        glyph,
        reference,
        label_width: text_width(root, rows.iter().map(|r| r.label.clone()), TICK),
        note_width: text_width(root, rows.iter().map(|r| r.note.clone()), NOTE),
    }
}

fn draw(root: &Area, report: &Report) -> Drawn<()> {
    let notes = vec![
        "Numbers right of the rows: mean (P5–P95 of paths). Capital mobilised: other LPs' commitments to the sub-funds; leverage = sub-fund size ÷ the fund's commitment."
            .to_string(),
        "Concessions: value the fund gives up — upside bought back by managers under the buy-back option, profit ceded above a hurdle, losses borne first.".to_string(),
    ];
    let body = frame(root, report, "Policy outcomes: companies, capital mobilised, local reinvestment and the cost of concessions", &notes)?;
    let key = [
        (Key::Swatch(FAN), "Mean (bar)".to_string()),
        (Key::Whisker, "P5–P95 of paths".to_string()),
        (Key::Dot, "Median".to_string()),
        (Key::Swatch(FIXED), "Fixed (scenario input)".to_string()),
        (Key::Swatch(super::style::GAIN_LIGHT), "P25–P75 (box)".to_string()),
        (Key::Line(LOSS), "Requirement (= 1)".to_string()),
    ];
    let body = key_strip(&body, &key)?;
    let panels = body.split_evenly((2, 2));

    // Companies.
    let companies = [
        ("companies_backed", "Companies backed"),
        ("companies_reaching_growth", "Reached growth stage"),
        ("ipos", "IPOs"),
        ("unicorn_exits", "Unicorn-size exits"),
    ]
    .iter()
    .map(|&(key, label)| {
        let s = spread(report, key)?;
        Ok(Row { label: label.to_string(), spread: s, colour: FAN, note: format!("{} ({})", with_decimals(s.mean, 0), span(with_decimals(s.p5, 0), with_decimals(s.p95, 0))) })
    })
    .collect::<Drawn<Vec<Row>>>()?;
    let spec = specs(root, "Companies (number per path)", "Companies", Glyph::Bar, None, &companies);
    let range = rows_range(&companies, &spec);
    draw_rows(&panels[0], &companies, &spec, range.start.max(0.0)..range.end)?;

    // Capital mobilised against the fund's own money.
    let mobilised = spread(report, "capital_mobilised_cny_m")?.scaled(1e-3);
    let leverage = spread(report, "leverage")?;
    let fund = &report.fund;
    let capital = vec![
        Row { label: "Fund size".to_string(), spread: fixed(fund.size_cny_m * 1e-3), colour: FIXED, note: format!("{} bn", bn(fund.size_cny_m)) },
        Row {
            label: "Sub-fund commitments".to_string(),
            spread: fixed(fund.subfund_commitments_cny_m * 1e-3),
            colour: FIXED,
            note: format!("{} bn", bn(fund.subfund_commitments_cny_m)),
        },
        Row {
            label: "From other LPs".to_string(),
            spread: mobilised,
            colour: FAN,
            note: format!("{} bn · leverage {}", bn(mobilised.mean * 1e3), times(leverage.mean)),
        },
    ];
    let spec = specs(root, "Capital mobilised (CNY bn)", "CNY bn", Glyph::Bar, None, &capital);
    let range = rows_range(&capital, &spec);
    draw_rows(&panels[1], &capital, &spec, range.start.max(0.0)..range.end)?;

    // Local reinvestment: the ratio against its requirement line, and the share meeting it.
    let achieved = spread(report, "local_achievement_mean")?;
    let below = super::data::metric(report, "local_achievement_mean")?.probability_below_one.map_or(f64::NAN, |p| p.estimate);
    let met = spread(report, "local_requirement_met_share")?;
    let local = vec![Row {
        label: "Mean over sub-funds".to_string(),
        spread: achieved,
        colour: super::style::GAIN_LIGHT,
        note: format!("median {} · P(<1) {}", times(achieved.p50), percent(below)),
    }];
    let (chart_area, text_area) = panels[2].split_vertically(panels[2].dim_in_pixel().1 * 62 / 100);
    let spec = specs(root, "Local reinvestment achieved ÷ required", "Achieved ÷ required (×)", Glyph::Box, Some((1.0, "Requirement")), &local);
    draw_rows(&chart_area, &local, &spec, rows_range(&local, &spec))?;
    let requirements: Vec<f64> = fund.subfunds.iter().map(|s| s.local_requirement).collect();
    let (req_lo, req_hi) = super::data::finite_extent(requirements.iter().copied()).unwrap_or((f64::NAN, f64::NAN));
    let requirement = if (req_hi - req_lo).abs() < 1e-9 { times(req_lo) } else { format!("{}–{}", times(req_lo), times(req_hi)) };
    let beyond = spread(report, "subfunds_beyond_loss_tolerance_share")?;
    let lines = [
        format!("Requirement: invest locally {requirement} the fund's commitment."),
        format!("Sub-funds meeting it: median {} (P5–P95 {}–{}).", percent(met.p50), percent(met.p5), percent(met.p95)),
        format!("Sub-funds losing beyond loss tolerance: mean {} (P95 {}).", percent(beyond.mean), percent(beyond.p95)),
    ];
    for (i, line) in lines.iter().enumerate() {
        text_area.draw(&Text::new(line.clone(), (40, 18 + 32 * i as i32), text(NOTE)))?;
    }

    // Concessions.
    let concessions = [
        ("concession_buyback_cny_m", "Buy-back option"),
        ("concession_profit_cession_cny_m", "Profit cession"),
        ("concession_loss_first_cny_m", "First-loss cover"),
    ]
    .iter()
    .map(|&(key, label)| {
        let s = spread(report, key)?.scaled(1e-3);
        let note = if s.mean == 0.0 && s.p5 == 0.0 && s.p95 == 0.0 {
            "0 on every path".to_string()
        } else {
            format!("{} bn ({})", bn(s.mean * 1e3), span(bn(s.p5 * 1e3), bn(s.p95 * 1e3)))
        };
        Ok(Row { label: label.to_string(), spread: s, colour: TROUGH, note })
    })
    .collect::<Drawn<Vec<Row>>>()?;
    let total: f64 = concessions.iter().map(|r| r.spread.mean).filter(|m| m.is_finite()).sum();
    let caption = format!("Concession cost (CNY bn; mean total {} bn = {} of fund)", bn(total * 1e3), percent(total * 1e3 / fund.size_cny_m));
    let spec = specs(root, &caption, "Value given away (CNY bn)", Glyph::Bar, None, &concessions);
    let range = rows_range(&concessions, &spec);
    draw_rows(&panels[3], &concessions, &spec, range.start.min(0.0)..range.end)?;
    Ok(())
}
