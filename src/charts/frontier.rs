//! `frontier.png` of `fifsim frontier`: every allocation as a point, risk (P(fund TVPI < 1)) on x
//! and mean fund TVPI on y, coloured by direct share; the best tier splits at each direct share
//! filled and joined; the efficient set outlined, joined and numbered, and listed beside the plot
//! with the scenario as it is (a triangle).

use std::path::{Path, PathBuf};

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::ChartError;
use super::banner::{provenance, series_colour};
use super::fan::{mesh, padded_range, tick_step};
use super::render::{Area, Drawn, render};
use super::rows::{Key, key_strip};
use super::style::{INK, MUTED, NOTE, anchored, banner};
use crate::analysis::frontier::{Frontier, PRIMARY_RISK, Point};
use crate::stats::summary::Z95;

/// The file [`frontier`] writes.
pub const FRONTIER_FILE: &str = "frontier.png";

/// Draws `frontier.png` into `dir`.
///
/// # Errors
/// See [`ChartError`].
pub fn frontier(f: &Frontier, dir: &Path) -> Result<PathBuf, ChartError> {
    render(dir, FRONTIER_FILE, |root| draw(root, f)).map(|(file, _)| file)
}

/// Colour of a point's direct share (by its place in the sweep's list).
fn colour(f: &Frontier, p: &Point) -> RGBColor {
    let k = f.direct_shares.iter().position(|&d| d == p.direct_share).unwrap_or(f.direct_shares.len());
    series_colour(k)
}

fn short(p: &Point) -> String {
    let pct = |x: f64| format!("{:.0}", 100.0 * x);
    format!("d{} · {}/{}/{}", pct(p.direct_share), pct(p.tiers[0]), pct(p.tiers[1]), pct(p.tiers[2]))
}

fn draw(root: &Area, f: &Frontier) -> Drawn<()> {
    let scenario = f.provenance.scenarios.first().map_or("?", |x| x.name.as_str());
    let tvpi_error = f.points.iter().map(|p| Z95 * p.tvpi_std_error).filter(|x| x.is_finite()).fold(0.0, f64::max);
    let loss_error = f.points.iter().map(|p| (p.loss_ci95.1 - p.loss_ci95.0) / 2.0).filter(|x| x.is_finite()).fold(0.0, f64::max);
    let notes = vec![
        format!(
            "Each point: one allocation — direct share (colour) and the split of capital across tiers, industrialising/prototype/exploration in % (grid step 1/{}).",
            f.divisions
        ),
        format!(
            "Primary risk: {PRIMARY_RISK}. Efficient: no other allocation has a higher mean TVPI and a lower risk. Thin lines join the best splits at each direct share."
        ),
        format!(
            "Monte Carlo error of each point: mean TVPI within ±{tvpi_error:.3}×, risk within ±{:.1} pp (95%); all points share their random numbers, so their differences are more precise.",
            100.0 * loss_error
        ),
    ];
    let subtitle = format!("Scenario “{scenario}” · {}", provenance(&f.provenance));
    let body = banner(root, "Allocation frontier: mean fund TVPI against the risk of a loss", &subtitle, &notes)?;
    let mut key: Vec<(Key, String)> = f.direct_shares.iter().enumerate().map(|(k, d)| (Key::Marker(series_colour(k)), format!("Direct {:.0}%", 100.0 * d))).collect();
    key.push((Key::Stroke(INK), "Efficient set (numbered)".to_string()));
    key.push((Key::Marker(INK), "As is (▲)".to_string()));
    let body = key_strip(&body, &key)?;
    let (plot, side) = body.split_horizontally(body.dim_in_pixel().0 * 72 / 100);

    let x_range = padded_range(f.points.iter().map(|p| 100.0 * p.loss_probability), &[]);
    let y_range = padded_range(f.points.iter().map(|p| p.mean_tvpi), &[]);
    let mut chart = ChartBuilder::on(&plot)
        .margin(12)
        .margin_right(24)
        .x_label_area_size(64)
        .y_label_area_size(90)
        .build_cartesian_2d(x_range.clone(), y_range.clone())?;
    mesh(&mut chart, "Risk: P(fund TVPI < 1), % of paths", "Mean fund TVPI (×)", tick_step(&x_range, 10), tick_step(&y_range, 10), 10, 10)?;

    let at = |p: &Point| (100.0 * p.loss_probability, p.mean_tvpi);
    let defined = |p: &&Point| p.mean_tvpi.is_finite() && p.loss_probability.is_finite();
    let by_risk = |a: &&Point, b: &&Point| a.loss_probability.total_cmp(&b.loss_probability).then(a.mean_tvpi.total_cmp(&b.mean_tvpi));
    for &d in &f.direct_shares {
        let mut best: Vec<&Point> = f.points.iter().filter(|p| !p.reference && p.direct_share == d && p.efficient_at_share).filter(defined).collect();
        best.sort_by(by_risk);
        let colour = best.first().map_or(INK, |p| colour(f, p));
        chart.draw_series(std::iter::once(PathElement::new(best.iter().map(|p| at(p)).collect::<Vec<_>>(), colour.mix(0.8).stroke_width(2))))?;
    }
    let grid = f.points.iter().filter(|p| !p.reference).filter(defined);
    chart.draw_series(grid.clone().map(|p| {
        let style = if p.efficient_at_share { colour(f, p).filled() } else { colour(f, p).stroke_width(2) };
        Circle::new(at(p), 7, style)
    }))?;
    let mut frontier: Vec<&Point> = f.points.iter().filter(|p| p.efficient).filter(defined).collect();
    frontier.sort_by(by_risk);
    chart.draw_series(std::iter::once(PathElement::new(frontier.iter().map(|p| at(p)).collect::<Vec<_>>(), INK.stroke_width(3))))?;
    chart.draw_series(frontier.iter().filter(|p| !p.reference).map(|p| EmptyElement::at(at(p)) + Circle::new((0, 0), 10, colour(f, p).filled()) + Circle::new((0, 0), 10, INK.stroke_width(2))))?;
    chart.draw_series(frontier.iter().enumerate().map(|(i, p)| {
        EmptyElement::at(at(p)) + Text::new(format!("{}", i + 1), (-12, -12), anchored(NOTE, HPos::Right, VPos::Bottom).color(&INK))
    }))?;
    for p in f.points.iter().filter(|p| p.reference).filter(defined) {
        chart.draw_series(std::iter::once(TriangleMarker::new(at(p), 12, INK.filled())))?;
        chart.draw_series(std::iter::once(EmptyElement::at(at(p)) + Text::new("as is", (14, 8), anchored(NOTE, HPos::Left, VPos::Top).color(&INK))))?;
    }
    side_panel(&side, f, &frontier)
}

/// The numbered efficient allocations and the scenario as it is, right of the plot.
fn side_panel(area: &Area, f: &Frontier, frontier: &[&Point]) -> Drawn<()> {
    let mut lines: Vec<(String, RGBColor)> = vec![("Efficient allocations".to_string(), INK), ("#  direct · I/P/E · TVPI · P(<1)".to_string(), MUTED)];
    let shown = frontier.len().min(20);
    for (i, p) in frontier.iter().take(shown).enumerate() {
        let dagger = if p.efficient_es5 { "" } else { " †" };
        lines.push((format!("{}  {} · {:.2}× · {:.1}%{dagger}", i + 1, short(p), p.mean_tvpi, 100.0 * p.loss_probability), INK));
    }
    if frontier.len() > shown {
        lines.push((format!("… {} more in frontier.csv", frontier.len() - shown), MUTED));
    }
    if frontier.iter().any(|p| !p.efficient_es5) {
        lines.push(("† not efficient against ES5".to_string(), MUTED));
    }
    for p in f.points.iter().filter(|p| p.reference) {
        lines.push((String::new(), INK));
        lines.push(("As is (▲)".to_string(), INK));
        lines.push((format!("{} · {:.2}× · {:.1}%", short(p), p.mean_tvpi, 100.0 * p.loss_probability), INK));
        lines.push((format!("efficient: {}", if p.efficient { "yes" } else { "no" }), MUTED));
    }
    let line = NOTE as i32 + 10;
    for (i, (text, colour)) in lines.into_iter().enumerate() {
        area.draw(&Text::new(text, (10, 30 + line * i as i32), anchored(NOTE, HPos::Left, VPos::Center).color(&colour)))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{RunOptions, Stopping};

    #[test]
    fn a_frontier_is_drawn() {
        let options = RunOptions { seed: 2, stopping: Stopping::Paths(40), threads: Some(2) };
        let f = crate::analysis::frontier::run(&crate::testing::base(), &[0.1, 0.3], 2, &options, &mut |_| {}).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let file = frontier(&f, dir.path()).unwrap();
        super::super::banner::assert_chart(&file);
    }
}
