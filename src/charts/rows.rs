//! Horizontal rows of intervals, one per item (a field, a sub-fund, a policy outcome): either a
//! bar to the mean with a P5–P95 whisker and a median dot, or a box plot (P25–P75 box, P5–P95
//! whisker, median line). Labels sit left of the rows and a note (the numbers) right of them.

use std::ops::Range;

use plotters::prelude::*;

use super::data::Spread;
use super::fan::{Chart, mesh, padded_range, tick_step};
use super::render::{Area, Drawn};
use super::style::{CAPTION, FIXED, INK, LOSS, MUTED, NOTE, TICK, anchored, text};
use plotters::style::text_anchor::{HPos, VPos};

/// How each row shows its spread.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Glyph {
    /// Bar from 0 to the mean, P5–P95 whisker, median dot: for amounts that add up (value
    /// created, costs), where the mean is what matters.
    Bar,
    /// P25–P75 box, P5–P95 whisker, median line: for skewed outcomes such as multiples.
    Box,
}

/// One row.
pub(crate) struct Row {
    pub label: String,
    pub spread: Spread,
    pub colour: RGBColor,
    /// Text right of the plot, e.g. the numbers.
    pub note: String,
}

/// What to write around the rows.
pub(crate) struct RowsSpec<'s> {
    pub caption: &'s str,
    pub x_desc: &'s str,
    pub glyph: Glyph,
    /// A vertical reference line (TVPI = 1, the requirement) and its legend text.
    pub reference: Option<(f64, &'s str)>,
    /// Pixels for the row labels (left) and the notes (right).
    pub label_width: u32,
    pub note_width: u32,
}

/// The x range the rows need: every P5, P95 and mean, the reference, and 0 for bars.
pub(crate) fn rows_range(rows: &[Row], spec: &RowsSpec) -> Range<f64> {
    let mut include: Vec<f64> = spec.reference.iter().map(|r| r.0).collect();
    if spec.glyph == Glyph::Bar {
        include.push(0.0);
    }
    let values = rows.iter().flat_map(|r| r.spread.extent().map_or([f64::NAN; 2], |(lo, hi)| [lo, hi]));
    padded_range(values, &include)
}

/// Draws `rows` (first row at the top) into `area` over `x_range`; returns the chart, whose
/// legend the caller draws (after adding its own entries, if any).
pub(crate) fn draw_rows<'a, 'b>(area: &'a Area<'b>, rows: &[Row], spec: &RowsSpec, x_range: Range<f64>) -> Drawn<Chart<'a, 'b>> {
    let n = rows.len().max(1);
    // Room above the top row for the reference line's label.
    let top = if spec.reference.is_some() { n as f64 - 0.1 } else { n as f64 - 0.4 };
    let mut builder = ChartBuilder::on(area);
    if !spec.caption.is_empty() {
        builder.caption(spec.caption, text(CAPTION));
    }
    let mut chart = builder
        .margin(12)
        .margin_right(spec.note_width)
        .x_label_area_size(64)
        .y_label_area_size(spec.label_width)
        .build_cartesian_2d(x_range.clone(), -0.6..top)?;
    let max_ticks = (area.dim_in_pixel().0 / 110).clamp(4, 12) as usize;
    let x_step = tick_step(&x_range, max_ticks);
    mesh(&mut chart, spec.x_desc, "", x_step, 1.0, max_ticks, 0)?;

    let y_of = |i: usize| (n - 1 - i) as f64;
    // Light bands behind every other row guide the eye from label to glyph to note.
    chart.draw_series(
        (0..rows.len())
            .filter(|i| i % 2 == 1)
            .map(|i| Rectangle::new([(x_range.start, y_of(i) - 0.5), (x_range.end, y_of(i) + 0.5)], RGBColor(246, 246, 246).filled())),
    )?;
    if let Some((x, label)) = spec.reference {
        chart.draw_series(std::iter::once(PathElement::new(vec![(x, -0.6), (x, top)], LOSS.stroke_width(3))))?;
        chart.draw_series(std::iter::once(
            EmptyElement::at((x, top)) + Text::new(label.to_string(), (8, 4), anchored(NOTE, HPos::Left, VPos::Top).color(&LOSS)),
        ))?;
    }
    let defined: Vec<(usize, &Row)> = rows.iter().enumerate().filter(|(_, r)| r.spread.extent().is_some()).collect();
    match spec.glyph {
        Glyph::Bar => {
            chart
                .draw_series(
                    defined
                        .iter()
                        .filter(|(_, r)| r.spread.mean.is_finite())
                        .map(|&(i, r)| Rectangle::new([(0.0, y_of(i) - 0.32), (r.spread.mean, y_of(i) + 0.32)], r.colour.mix(0.85).filled())),
                )?
                .label("Bar: mean across paths")
                .legend(|(x, y)| Rectangle::new([(x, y - 8), (x + 28, y + 8)], FIXED.filled()));
            whiskers(&mut chart, &defined, &y_of)?;
            chart
                .draw_series(defined.iter().filter(|(_, r)| r.spread.p50.is_finite()).map(|&(i, r)| {
                    EmptyElement::at((r.spread.p50, y_of(i))) + Circle::new((0, 0), 7, WHITE.filled()) + Circle::new((0, 0), 7, INK.stroke_width(2))
                }))?
                .label("Median (P50)")
                .legend(|(x, y)| EmptyElement::at((x + 14, y)) + Circle::new((0, 0), 7, INK.stroke_width(2)));
        }
        Glyph::Box => {
            whiskers(&mut chart, &defined, &y_of)?;
            chart
                .draw_series(
                    defined
                        .iter()
                        .filter(|(_, r)| r.spread.p25.is_finite() && r.spread.p75.is_finite())
                        .map(|&(i, r)| Rectangle::new([(r.spread.p25, y_of(i) - 0.32), (r.spread.p75, y_of(i) + 0.32)], r.colour.mix(0.85).filled())),
                )?
                .label("Box: P25–P75 of paths")
                .legend(|(x, y)| Rectangle::new([(x, y - 8), (x + 28, y + 8)], FIXED.filled()));
            chart
                .draw_series(
                    defined
                        .iter()
                        .filter(|(_, r)| r.spread.p50.is_finite())
                        .map(|&(i, r)| PathElement::new(vec![(r.spread.p50, y_of(i) - 0.36), (r.spread.p50, y_of(i) + 0.36)], INK.stroke_width(4))),
                )?
                .label("Median (P50)")
                .legend(|(x, y)| PathElement::new(vec![(x + 14, y - 10), (x + 14, y + 10)], INK.stroke_width(4)));
        }
    }
    // Row labels left of the plot, notes right of it (drawn past the plot's edges on purpose).
    let (left, right) = (x_range.start, x_range.end);
    chart.draw_series(
        rows.iter()
            .enumerate()
            .map(|(i, r)| EmptyElement::at((left, y_of(i))) + Text::new(r.label.clone(), (-14, 0), anchored(TICK, HPos::Right, VPos::Center))),
    )?;
    chart.draw_series(rows.iter().enumerate().map(|(i, r)| {
        let note = if r.spread.extent().is_some() { r.note.clone() } else { "no data".to_string() };
        EmptyElement::at((right, y_of(i))) + Text::new(note, (14, 0), anchored(NOTE, HPos::Left, VPos::Center).color(&MUTED))
    }))?;
    Ok(chart)
}

/// P5–P95 whiskers with end caps.
fn whiskers(chart: &mut Chart, rows: &[(usize, &Row)], y_of: &dyn Fn(usize) -> f64) -> Drawn<()> {
    let style = INK.stroke_width(2);
    chart
        .draw_series(rows.iter().filter(|(_, r)| r.spread.p5.is_finite() && r.spread.p95.is_finite()).map(|&(i, r)| {
            let y = y_of(i);
            let (lo, hi) = (r.spread.p5, r.spread.p95);
            PathElement::new(vec![(lo, y), (hi, y)], style)
        }))?
        .label("Whisker: P5–P95 of paths")
        .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 28, y)], style));
    for cap in [|s: &Spread| s.p5, |s: &Spread| s.p95] {
        chart.draw_series(
            rows.iter()
                .map(|&(i, r)| (y_of(i), cap(&r.spread)))
                .filter(|(_, x)| x.is_finite())
                .map(|(y, x)| PathElement::new(vec![(x, y - 0.16), (x, y + 0.16)], style)),
        )?;
    }
    Ok(())
}

/// Widest of `labels` in pixels at `size`, plus padding.
pub(crate) fn text_width(area: &Area, labels: impl IntoIterator<Item = String>, size: u32) -> u32 {
    labels.into_iter().filter_map(|l| area.estimate_text_size(&l, &text(size)).ok()).map(|(w, _)| w).max().unwrap_or(0) + 30
}

/// A glyph in a chart's key.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Key {
    /// A filled swatch (bars, boxes, tiers).
    Swatch(RGBColor),
    /// A P5–P95 whisker with caps.
    Whisker,
    /// The median dot of [`Glyph::Bar`].
    Dot,
    /// The median line of [`Glyph::Box`].
    Tick,
    /// A vertical reference line.
    Line(RGBColor),
    /// A filled swatch of exactly this colour (fan bands).
    Fill(RGBAColor),
    /// A filled round marker.
    Marker(RGBColor),
    /// A horizontal line (a median path).
    Stroke(RGBColor),
}

/// Draws a one-line key (glyph, text, glyph, text…) across the top of `area`; returns the rest.
/// Row charts use it instead of a legend inside the plot, where the rows would hide it.
pub(crate) fn key_strip<'a>(area: &Area<'a>, items: &[(Key, String)]) -> Drawn<Area<'a>> {
    let (strip, rest) = area.split_vertically(46);
    let y = 22;
    let mut x = super::style::MARGIN + 8;
    for (key, label) in items {
        match *key {
            Key::Swatch(colour) => strip.draw(&Rectangle::new([(x, y - 9), (x + 30, y + 9)], colour.mix(0.85).filled()))?,
            Key::Whisker => {
                let style = INK.stroke_width(2);
                strip.draw(&PathElement::new(vec![(x, y), (x + 30, y)], style))?;
                strip.draw(&PathElement::new(vec![(x, y - 7), (x, y + 7)], style))?;
                strip.draw(&PathElement::new(vec![(x + 30, y - 7), (x + 30, y + 7)], style))?;
            }
            Key::Dot => strip.draw(&Circle::new((x + 15, y), 7, INK.stroke_width(2)))?,
            Key::Tick => strip.draw(&PathElement::new(vec![(x + 15, y - 11), (x + 15, y + 11)], INK.stroke_width(4)))?,
            Key::Line(colour) => strip.draw(&PathElement::new(vec![(x + 15, y - 11), (x + 15, y + 11)], colour.stroke_width(3)))?,
            Key::Fill(colour) => strip.draw(&Rectangle::new([(x, y - 9), (x + 30, y + 9)], colour.filled()))?,
            Key::Marker(colour) => strip.draw(&Circle::new((x + 15, y), 9, colour.filled()))?,
            Key::Stroke(colour) => strip.draw(&PathElement::new(vec![(x, y), (x + 30, y)], colour.stroke_width(4)))?,
        }
        x += 40;
        strip.draw(&Text::new(label.clone(), (x, y), text(NOTE)))?;
        x += strip.estimate_text_size(label, &text(NOTE)).map_or(0, |(w, _)| w as i32) + 34;
    }
    Ok(rest)
}
