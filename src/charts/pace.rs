//! `pace.png`: the schedules `fifsim pace` tried, against the city's plan. Top: each schedule's
//! P95 payments per calendar year beside the plan's appropriations. Bottom: the chosen schedule's
//! cash balance as a fan (the nearest one's when none meets the target), with the other
//! schedules' median balances as lines.

use std::path::{Path, PathBuf};

use plotters::prelude::*;

use super::ChartError;
use super::data::{TimeAxis, fan_view};
use super::fan::{FanSpec, draw_fan, legend, mesh, padded_range, tick_step};
use super::render::{Area, Drawn, Failure, render};
use super::style::{FIXED, banner, percent};
use crate::analysis::pace::{Candidate, Pace};

/// The chart's file name.
pub const PACE_FILE: &str = "pace.png";

/// One colour per candidate, in the order pace lists them.
const COLOURS: [RGBColor; 6] =
    [RGBColor(100, 100, 100), RGBColor(0, 90, 160), RGBColor(86, 180, 233), RGBColor(0, 140, 100), RGBColor(230, 159, 0), RGBColor(213, 94, 0)];

/// Draws `pace.png` into `dir`.
///
/// # Errors
/// See [`ChartError`].
pub fn pace(p: &Pace, dir: &Path) -> Result<PathBuf, ChartError> {
    render(dir, PACE_FILE, |root| draw(root, p)).map(|(file, _)| file)
}

fn colour(k: usize) -> RGBColor {
    COLOURS[k % COLOURS.len()]
}

fn draw(root: &Area, p: &Pace) -> Drawn<()> {
    let shown = p
        .chosen
        .or_else(|| (0..p.candidates.len()).min_by(|&a, &b| short(&p.candidates[a]).total_cmp(&short(&p.candidates[b]))))
        .ok_or_else(|| Failure::Missing("candidates".to_string()))?;
    let first = p.candidates.first().ok_or_else(|| Failure::Missing("candidates".to_string()))?;
    let start = first.liquidity.fans.first().and_then(|f| f.quarters.first()).ok_or_else(|| Failure::Missing("cash fan".to_string()))?;
    let axis = TimeAxis { start: start.parse().map_err(|_| Failure::Missing(format!("valid start quarter (got {start:?})")))? };
    let title = match p.chosen {
        Some(k) => format!("Pacing: {} chosen, all committed by {} within the plan", p.candidates[k].name, p.target.by),
        None => format!("Pacing: infeasible, no schedule commits by {} within the plan", p.target.by),
    };
    let subtitle = format!(
        "Scenario “{}” · {} paths a schedule, one seed for all · target: at least {} of paths never short of the plan's cash",
        p.provenance.scenarios.first().map_or("", |s| s.name.as_str()),
        p.provenance.paths,
        percent(p.target.level)
    );
    let notes = vec![
        "Top: P95 of each schedule's payments in the year (calls at risk) against the plan's appropriations (grey).".to_string(),
        format!("Bottom: the fund's cash balance under {} (P5–P95 band), and the other schedules' medians.", p.candidates[shown].name),
        p.verdict.clone(),
    ];
    let body = banner(root, &title, &subtitle, &notes)?;
    let (top, bottom) = body.split_vertically(body.dim_in_pixel().1 / 2);
    years(&top, p)?;
    balances(&bottom, &axis, p, shown)
}

fn short(c: &Candidate) -> f64 {
    c.liquidity.life.p_any_shortfall.estimate
}

fn years(area: &Area, p: &Pace) -> Drawn<()> {
    let years = &p.candidates[0].liquidity.years;
    let (Some(first), Some(last)) = (years.first(), years.last()) else { return Err(Failure::Missing("years".to_string())) };
    let values =
        p.candidates.iter().flat_map(|c| c.liquidity.years.iter().map(|y| y.calls_cny_m.p95 * 1e-3)).chain(years.iter().map(|y| y.appropriated_cny_m * 1e-3));
    let y_range = 0.0..padded_range(values, &[0.0]).end;
    let mut chart = ChartBuilder::on(area)
        .margin(12)
        .margin_right(36)
        .x_label_area_size(48)
        .y_label_area_size(96)
        .build_cartesian_2d(f64::from(first.year) - 0.6..f64::from(last.year) + 0.6, y_range.clone())?;
    mesh(&mut chart, "Calendar (budget) year", "CNY bn a year", 1.0, tick_step(&y_range, 8), years.len().min(20), 8)?;
    chart
        .draw_series(years.iter().map(|y| {
            let x = f64::from(y.year);
            Rectangle::new([(x - 0.35, 0.0), (x + 0.35, y.appropriated_cny_m * 1e-3)], FIXED.mix(0.5).filled())
        }))?
        .label("Appropriated (plan)")
        .legend(|(x, y)| Rectangle::new([(x, y - 8), (x + 28, y + 8)], FIXED.mix(0.5).filled()));
    for (k, c) in p.candidates.iter().enumerate() {
        let width = if p.chosen == Some(k) { 5 } else { 2 };
        let line = c.liquidity.years.iter().map(|y| (f64::from(y.year), y.calls_cny_m.p95 * 1e-3));
        let style = colour(k).stroke_width(width);
        chart
            .draw_series(LineSeries::new(line, style))?
            .label(format!("{}: P95 paid out", c.name))
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 28, y)], style));
    }
    legend(&mut chart, SeriesLabelPosition::UpperRight)
}

fn balances(area: &Area, axis: &TimeAxis, p: &Pace, shown: usize) -> Drawn<()> {
    let fan_of = |c: &Candidate| {
        c.liquidity.fan("cash_balance_cny_m").ok_or_else(|| Failure::Missing("fan `cash_balance_cny_m`".to_string())).and_then(|f| fan_view(f, 1e-3))
    };
    let fan = fan_of(&p.candidates[shown])?;
    let others: Vec<(usize, Vec<f64>)> =
        p.candidates.iter().enumerate().filter(|&(k, _)| k != shown).map(|(k, c)| fan_of(c).map(|f| (k, f.p50().to_vec()))).collect::<Drawn<_>>()?;
    let values = fan.p5().iter().chain(fan.p95()).chain(others.iter().flat_map(|(_, m)| m)).copied();
    let spec = FanSpec { caption: None, y_desc: "Cash balance (CNY bn)", y_range: padded_range(values, &[0.0]) };
    let mut chart = draw_fan(area, axis, &fan, &spec)?;
    for (k, median) in others {
        let style = colour(k).stroke_width(2);
        let line = median.into_iter().enumerate().map(|(t, y)| (axis.x(t as f64), y));
        chart
            .draw_series(LineSeries::new(line, style))?
            .label(format!("{}: median", p.candidates[k].name))
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 28, y)], style));
    }
    legend(&mut chart, SeriesLabelPosition::UpperRight)
}
