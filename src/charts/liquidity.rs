//! `liquidity.png`: what the fund will call each year against what the city's plan provides, and
//! the fund's cash balance over time. Top: each calendar year's payments (median bar, P95 and P99
//! ticks: calls at risk) beside the plan's appropriations, with the chance that the year falls
//! short written above it. Bottom: the cash balance as a fan, with the cumulative shortfall's P95
//! where there is one. Drawn only for a scenario with a funding plan (docs/funding.md).

use std::path::{Path, PathBuf};

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::ChartError;
use super::data::{TimeAxis, fan_view};
use super::fan::{FanSpec, draw_fan, legend, mesh, padded_range, tick_step};
use super::render::{Area, Drawn, Failure, render};
use super::style::{FAN, FIXED, INK, LOSS, NOTE, TROUGH, anchored, bn, frame, percent, text};
use crate::report::Report;
use crate::analysis::liquidity::LiquidityReport;

/// The chart's file name.
pub const LIQUIDITY_FILE: &str = "liquidity.png";

/// Draws `liquidity.png` into `dir`.
///
/// # Errors
/// See [`ChartError`]; [`ChartError::MissingData`] for a report without a funding plan.
pub fn liquidity(report: &Report, dir: &Path) -> Result<PathBuf, ChartError> {
    render(dir, LIQUIDITY_FILE, |root| draw(root, report)).map(|(file, _)| file)
}

fn draw(root: &Area, report: &Report) -> Drawn<()> {
    let l: &LiquidityReport = report.liquidity.as_ref().ok_or_else(|| Failure::Missing("funding plan (`liquidity`)".to_string()))?;
    let axis = TimeAxis::of(report)?;
    let p = &l.life.p_any_shortfall;
    let notes = vec![
        format!(
            "Plan: CNY {} bn; distributions {}; deposit rate {}/yr. Paid out = sub-fund calls + direct deals + running costs.",
            bn(l.plan.total_cny_m),
            l.plan.distributions,
            percent(l.plan.deposit_rate)
        ),
        "Bars: median payments in the year across paths; ticks: P95 and P99 (calls at risk). % above a year: share of paths whose cash falls short in it."
            .to_string(),
        "Fan: the fund's cash balance at each quarter's end (P5–P95 across paths); a shortfall is money needed beyond the plan, never a negative balance."
            .to_string(),
    ];
    let title =
        format!("Liquidity: calls against the city's plan · P(any year short) = {} (95% CI {}–{})", percent(p.estimate), percent(p.ci95.0), percent(p.ci95.1));
    let body = frame(root, report, &title, &notes)?;
    let (top, bottom) = body.split_vertically(body.dim_in_pixel().1 / 2);
    years(&top, l)?;
    balance(&bottom, &axis, l)
}

/// Yearly payments (median bar, P95 and P99 ticks) beside the plan's appropriations.
fn years(area: &Area, l: &LiquidityReport) -> Drawn<()> {
    let (Some(first), Some(last)) = (l.years.first(), l.years.last()) else { return Err(Failure::Missing("years of the cash account".to_string())) };
    let x_range = f64::from(first.year) - 0.6..f64::from(last.year) + 0.6;
    let values = l.years.iter().flat_map(|y| [y.calls_cny_m.p99 * 1e-3, y.appropriated_cny_m * 1e-3]);
    let top = padded_range(values, &[0.0]).end * 1.12;
    let y_range = 0.0..top;
    let mut chart =
        ChartBuilder::on(area).margin(12).margin_right(36).x_label_area_size(48).y_label_area_size(96).build_cartesian_2d(x_range, y_range.clone())?;
    mesh(&mut chart, "Calendar (budget) year", "CNY bn a year", 1.0, tick_step(&y_range, 8), l.years.len().min(20), 8)?;
    let half = 0.2;
    chart
        .draw_series(l.years.iter().map(|y| {
            let x = f64::from(y.year);
            Rectangle::new([(x - 2.0 * half, 0.0), (x, y.appropriated_cny_m * 1e-3)], FIXED.mix(0.7).filled())
        }))?
        .label("Appropriated in the year (plan)")
        .legend(|(x, y)| Rectangle::new([(x, y - 8), (x + 28, y + 8)], FIXED.mix(0.7).filled()));
    chart
        .draw_series(l.years.iter().map(|y| {
            let x = f64::from(y.year);
            Rectangle::new([(x, 0.0), (x + 2.0 * half, y.calls_cny_m.p50 * 1e-3)], FAN.mix(0.8).filled())
        }))?
        .label("Paid out: median (P50)")
        .legend(|(x, y)| Rectangle::new([(x, y - 8), (x + 28, y + 8)], FAN.mix(0.8).filled()));
    let tick = |value: fn(&crate::analysis::liquidity::YearLiquidity) -> f64, colour: RGBColor| {
        l.years.iter().map(move |y| {
            let x = f64::from(y.year);
            PathElement::new(vec![(x, value(y) * 1e-3), (x + 2.0 * half, value(y) * 1e-3)], colour.stroke_width(4))
        })
    };
    chart
        .draw_series(tick(|y| y.calls_cny_m.p95, TROUGH))?
        .label("Paid out: P95")
        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 28, y)], TROUGH.stroke_width(4)));
    chart
        .draw_series(tick(|y| y.calls_cny_m.p99, LOSS))?
        .label("Paid out: P99")
        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 28, y)], LOSS.stroke_width(4)));
    chart.draw_series(l.years.iter().filter(|y| y.p_shortfall.successes > 0).map(|y| {
        let height = y.calls_cny_m.p99.max(y.appropriated_cny_m) * 1e-3;
        EmptyElement::at((f64::from(y.year), height))
            + Text::new(percent(y.p_shortfall.estimate), (0, -8), anchored(NOTE - 4, HPos::Center, VPos::Bottom).color(&LOSS))
    }))?;
    legend(&mut chart, SeriesLabelPosition::UpperRight)
}

/// The cash balance fan, and the P95 cumulative shortfall where there is one.
fn balance(area: &Area, axis: &TimeAxis, l: &LiquidityReport) -> Drawn<()> {
    let cash = fan_view(l.fan("cash_balance_cny_m").ok_or_else(|| Failure::Missing("fan `cash_balance_cny_m`".to_string()))?, 1e-3)?;
    let short = fan_view(l.fan("cash_shortfall_cumulative_cny_m").ok_or_else(|| Failure::Missing("fan `cash_shortfall_cumulative_cny_m`".to_string()))?, 1e-3)?;
    let short_p95: Vec<f64> = short.p95().iter().map(|s| -s).collect();
    let values = cash.p95().iter().chain(cash.p5()).chain(&short_p95).copied();
    let y_range = padded_range(values, &[0.0]);
    let spec = FanSpec { caption: None, y_desc: "Cash balance (CNY bn)", y_range };
    let mut chart = draw_fan(area, axis, &cash, &spec)?;
    if short_p95.iter().any(|&s| s < 0.0) {
        let line = short_p95.iter().enumerate().map(|(t, &s)| (axis.x(t as f64), s));
        chart
            .draw_series(LineSeries::new(line, LOSS.stroke_width(3)))?
            .label("Cumulative shortfall, P95 (drawn below zero)")
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 28, y)], LOSS.stroke_width(3)));
    }
    let idle = &l.life.idle_mean_cny_m;
    let (xs, ys) = chart.plotting_area().get_pixel_range();
    let summary = format!("Idle cash over the life: mean {} bn, peak {} bn (means over paths)", bn(idle.mean), bn(l.life.idle_peak_cny_m.mean));
    area.draw(&Text::new(summary, (xs.start + 14 - area.get_base_pixel().0, ys.start + 24 - area.get_base_pixel().1), text(NOTE).color(&INK)))?;
    legend(&mut chart, SeriesLabelPosition::UpperRight)?;
    Ok(())
}
