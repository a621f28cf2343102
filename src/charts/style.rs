//! The shared look of the charts: colours, text sizes (in the embedded font, [`super::font`]), the
//! title block every chart carries, and number formats.

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::font::FONT;
use super::render::{Area, Drawn};
use crate::report::Report;

// Text sizes in pixels (the charts are 1600 px wide and are often shown at half size).
pub(crate) const TITLE: u32 = 38;
pub(crate) const SUBTITLE: u32 = 21;
pub(crate) const CAPTION: u32 = 26;
pub(crate) const AXIS: u32 = 22;
pub(crate) const TICK: u32 = 20;
pub(crate) const NOTE: u32 = 20;

// Colours (Okabe–Ito based, readable by colour-blind viewers).
pub(crate) const INK: RGBColor = RGBColor(33, 33, 33);
pub(crate) const MUTED: RGBColor = RGBColor(100, 100, 100);
pub(crate) const GRID: RGBColor = RGBColor(225, 225, 225);
/// Fans and neutral bars.
pub(crate) const FAN: RGBColor = RGBColor(0, 90, 160);
/// Losses and the break-even line (TVPI = 1, IRR = 0).
pub(crate) const LOSS: RGBColor = RGBColor(200, 40, 30);
/// Histogram bars of paths with a loss (a light, opaque tint of [`LOSS`]).
pub(crate) const LOSS_LIGHT: RGBColor = RGBColor(240, 160, 150);
/// Histogram bars of paths without a loss (a light, opaque tint of [`FAN`]).
pub(crate) const GAIN_LIGHT: RGBColor = RGBColor(150, 190, 225);
pub(crate) const TROUGH: RGBColor = RGBColor(213, 94, 0);
pub(crate) const PAYBACK: RGBColor = RGBColor(0, 140, 100);
/// Fixed amounts (commitments, requirements) as opposed to simulated ones.
pub(crate) const FIXED: RGBColor = RGBColor(160, 160, 160);

/// Colour of a maturity tier (keys as in the report).
pub(crate) fn tier_colour(tier: &str) -> RGBColor {
    match tier {
        "industrialising" => RGBColor(0, 114, 178),
        "prototype" => RGBColor(230, 159, 0),
        "exploration" => RGBColor(204, 121, 167),
        _ => MUTED,
    }
}

/// Text in the embedded font, anchored at its left end and vertical centre.
pub(crate) fn text(size: u32) -> TextStyle<'static> {
    anchored(size, HPos::Left, VPos::Center)
}

/// Text anchored as given.
pub(crate) fn anchored(size: u32, h: HPos, v: VPos) -> TextStyle<'static> {
    TextStyle::from((FONT, size)).color(&INK).pos(Pos::new(h, v))
}

/// Outer margin of every chart.
pub(crate) const MARGIN: i32 = 30;
const HEADER: u32 = 100;

/// Draws the title, a subtitle naming the scenario and run, and `notes` (one line each) at the
/// bottom; returns the area left for the plot.
pub(crate) fn frame<'a>(root: &Area<'a>, report: &Report, title: &str, notes: &[String]) -> Drawn<Area<'a>> {
    banner(root, title, &subtitle(report), notes)
}

/// Draws `title`, `subtitle` and `notes` (one line each, at the bottom); returns the area left.
pub(crate) fn banner<'a>(root: &Area<'a>, title: &str, subtitle: &str, notes: &[String]) -> Drawn<Area<'a>> {
    let (header, rest) = root.split_vertically(HEADER);
    header.draw(&Text::new(title.to_string(), (MARGIN, 32), text(TITLE)))?;
    header.draw(&Text::new(subtitle.to_string(), (MARGIN, 74), text(SUBTITLE).color(&MUTED)))?;
    let line = NOTE as i32 + 8;
    let footer_height = if notes.is_empty() { 10 } else { line * notes.len() as i32 + 16 };
    let (body, footer) = rest.split_vertically(rest.dim_in_pixel().1 as i32 - footer_height);
    for (i, note) in notes.iter().enumerate() {
        footer.draw(&Text::new(note.clone(), (MARGIN, line / 2 + 4 + line * i as i32), text(NOTE).color(&MUTED)))?;
    }
    Ok(body)
}

fn subtitle(report: &Report) -> String {
    let p = &report.provenance;
    format!(
        "Scenario “{}” ({}) · {} simulated paths · seed {} · fund CNY {} bn · first close {} · {} v{}",
        p.scenario,
        p.scenario_file,
        thousands(p.paths),
        p.seed,
        bn(report.fund.size_cny_m),
        p.start_quarter,
        p.tool,
        p.version
    )
}

/// `12345` as "12,345".
pub(crate) use crate::report::table::grouped as thousands;
/// A number with so many decimals, in exponent form if it is a billion or more.
pub(crate) use crate::report::table::with_decimals;

/// CNY millions as a number of billions, e.g. 7174.2 → "7.2", 72.6 → "0.07".
pub(crate) fn bn(cny_m: f64) -> String {
    let value = cny_m / 1000.0;
    if !value.is_finite() {
        "n/a".to_string()
    } else if value.abs() < 1.0 && value != 0.0 {
        format!("{value:.2}")
    } else {
        with_decimals(value, 1)
    }
}

/// A multiple, e.g. "2.09×".
pub(crate) fn times(x: f64) -> String {
    if x.is_finite() { format!("{}×", with_decimals(x, 2)) } else { "n/a".to_string() }
}

/// A share as a percentage, e.g. 0.0615 → "6.2%".
pub(crate) fn percent(share: f64) -> String {
    if share.is_finite() { format!("{}%", with_decimals(share * 100.0, 1)) } else { "n/a".to_string() }
}

/// A range "lo–hi", or "lo to hi" when a minus sign would make the dash ambiguous.
pub(crate) fn span(lo: String, hi: String) -> String {
    if lo.starts_with('-') || hi.starts_with('-') { format!("{lo} to {hi}") } else { format!("{lo}–{hi}") }
}

/// Tick label of a number on an axis whose ticks are `step` apart: the decimals the step needs
/// (more if the value needs them), never "-0".
pub(crate) fn tick(value: f64, step: f64) -> String {
    let mut decimals = if step >= 1.0 { 0 } else { (-step.log10() - 1e-9).ceil().clamp(0.0, 6.0) as usize };
    while decimals < 6 && ((value * 10f64.powi(decimals as i32)).round() / 10f64.powi(decimals as i32) - value).abs() > 1e-9 * value.abs().max(1.0) {
        decimals += 1;
    }
    let text = with_decimals(value, decimals);
    if text.starts_with('-') && text[1..].chars().all(|c| c == '0' || c == '.') { text[1..].to_string() } else { text }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_formatted_for_readers() {
        assert_eq!(thousands(10_000), "10,000");
        assert_eq!(thousands(999), "999");
        assert_eq!(bn(7174.2), "7.2");
        assert_eq!(bn(72.6), "0.07");
        assert_eq!(times(2.091), "2.09×");
        assert_eq!(percent(0.0615), "6.2%");
        assert_eq!(span(bn(-40.0), bn(2500.0)), "-0.04 to 2.5");
        assert_eq!(span(bn(100.0), bn(2500.0)), "0.10–2.5");
        assert_eq!(tick(-0.0, 0.5), "0.0");
        assert_eq!(tick(2.5, 0.5), "2.5");
        assert_eq!(tick(2030.0, 1.0), "2030");
        assert_eq!(tick(2.5, 1.0), "2.5");
        assert_eq!(tick(0.30000000000000004, 0.1), "0.3");
    }

    /// A number no fund has (an overflow) is never drawn as a run of 70 digits.
    #[test]
    fn huge_numbers_are_in_exponent_form() {
        assert_eq!(bn(1e75), "1.0e72");
        assert_eq!(times(1e70), "1.0e70×");
        assert_eq!(percent(1e70), "1.0e72%");
        assert_eq!(tick(3e40, 1e40), "3.0e40");
        assert_eq!(bn(999_000.0), "999.0");
    }
}
