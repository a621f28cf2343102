//! Plan vs actual (docs/portfolio.md): where the book at the as-of quarter sits in the fans of
//! the construction plan — the scenario without its actuals, run on the same seed.
//!
//! For the fund and each sub-fund in the book, four measures at the as-of quarter: capital
//! called (the fund's cumulative paid-in), DPI, NAV and local reinvestment (local investment to
//! date over the 返投 requirement). Each actual is placed by its percentile among the plan's
//! paths — the share of paths below it, ties counted half — beside the plan's P10, P50 and P90.
//! A sub-fund with any measure below the plan's P10 is flagged as a laggard for the review
//! (动态调整).

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::engine::EngineError;
use crate::model::fund::{PathState, Simulator};
use crate::model::subfund::SubFundOutcome;
use crate::scenario::Scenario;
use crate::scenario::workload::DealLimitReached;
use crate::stats::summary::{quantile_sorted, sorted_finite};

/// The percentile below which a measure lags the plan.
pub const LAGGARD_PERCENTILE: f64 = 10.0;

/// The measures compared, in the order reported.
pub const MEASURES: [&str; 4] = ["called_cny_m", "dpi", "nav_cny_m", "local_achievement"];

/// One actual against the plan's paths.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Position {
    pub measure: String,
    #[serde(deserialize_with = "crate::stats::nan::deserialize")]
    pub actual: f64,
    #[serde(deserialize_with = "crate::stats::nan::deserialize")]
    pub plan_p10: f64,
    #[serde(deserialize_with = "crate::stats::nan::deserialize")]
    pub plan_p50: f64,
    #[serde(deserialize_with = "crate::stats::nan::deserialize")]
    pub plan_p90: f64,
    /// Percent of the plan's paths below the actual (ties count half); NaN when the plan has no
    /// value (a DPI with nothing paid in) or the actual has none.
    #[serde(deserialize_with = "crate::stats::nan::deserialize")]
    pub percentile: f64,
    /// Below the plan's P10.
    pub lagging: bool,
}

/// One sub-fund of the book against its plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SubFundPosition {
    pub key: String,
    pub name: String,
    pub positions: Vec<Position>,
    /// Any measure below the plan's P10.
    pub laggard: bool,
}

/// The book at the as-of quarter against the construction plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlanVsActual {
    /// The as-of quarter, e.g. `"2025Q4"`.
    pub as_of: String,
    /// Paths of the plan run (the run's count, on its seed).
    pub plan_paths: u64,
    pub laggard_percentile: f64,
    pub fund: Vec<Position>,
    pub subfunds: Vec<SubFundPosition>,
}

/// The measures at quarter `q` of one path: the fund's, then each of `subfunds`' (indices into
/// the scenario's sub-funds), [`MEASURES`] each.
fn measures_at(state: &PathState, q: usize, subfunds: &[usize], requirements: &[f64]) -> Vec<f64> {
    let mut row = Vec::with_capacity(MEASURES.len() * (1 + subfunds.len()));
    let cumulative = |v: &[f64]| v[..=q].iter().sum::<f64>();
    let paid = cumulative(&state.fund.paid_in);
    row.extend([paid, ratio(cumulative(&state.fund.distributed), paid), state.fund.nav[q]]);
    let achievements: Vec<f64> = state.subfunds.iter().zip(requirements).filter(|(_, r)| **r > 0.0).map(|(out, r)| local_to_date(out) / r).collect();
    row.push(if achievements.is_empty() { f64::NAN } else { achievements.iter().sum::<f64>() / achievements.len() as f64 });
    for &i in subfunds {
        let out = &state.subfunds[i];
        let paid = cumulative(&out.fund.paid_in);
        row.extend([paid, ratio(cumulative(&out.fund.distributed), paid), out.fund.nav[q], ratio(local_to_date(out), requirements[i])]);
    }
    row
}

fn local_to_date(out: &SubFundOutcome) -> f64 {
    out.book.local_to_date.map_or(0.0, |(_, local)| local)
}

fn ratio(a: f64, b: f64) -> f64 {
    if b > 0.0 { a / b } else { f64::NAN }
}

/// Runs the plan of `scenario` (which must have an as-of quarter) for `paths` paths on `seed`
/// and places the book in its fans; `None` for a scenario without actuals.
///
/// # Errors
/// [`EngineError`] if the plan cannot be simulated.
pub fn measure(scenario: &Scenario, seed: u64, paths: u64, threads: Option<usize>) -> Result<Option<PlanVsActual>, EngineError> {
    let Some(as_of) = scenario.as_of.as_deref() else { return Ok(None) };
    let plan = scenario.plan();
    let q = as_of.quarter;
    let in_book: Vec<usize> = (0..scenario.subfunds.len()).filter(|&i| as_of.subfunds[i].is_some()).collect();
    let plan_requirements: Vec<f64> = plan.subfunds.iter().map(|s| s.local_requirement * s.commitment_cny_m).collect();
    let simulator = Simulator::new(&plan, seed)?;
    let simulate = |path: u64| -> Result<Vec<f64>, EngineError> {
        let mut state = PathState::default();
        state.subfunds.resize_with(plan.subfunds.len(), || SubFundOutcome {
            book: crate::model::holdings::Book { local_to_date: Some((q, 0.0)), ..Default::default() },
            ..Default::default()
        });
        simulator.simulate_path(path, &mut state).map_err(|source: DealLimitReached| EngineError::DealLimit { path, source })?;
        Ok(measures_at(&state, q, &in_book, &plan_requirements))
    };
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads.unwrap_or(0))
        .build()
        .map_err(|source| EngineError::Threads { threads: threads.unwrap_or(0), source })?;
    let rows: Vec<Vec<f64>> = pool.install(|| (0..paths).into_par_iter().map(simulate).collect::<Result<_, _>>())?;

    // The book's own measures.
    let running: f64 =
        (0..=q).map(|t| if t < scenario.fund.life_quarters { scenario.fund.running_cost_per_quarter * scenario.fund.size_cny_m } else { 0.0 }).sum();
    let (paid, distributed, nav) = as_of.totals();
    let requirements: Vec<f64> = scenario.subfunds.iter().map(|s| s.local_requirement * s.commitment_cny_m).collect();
    let mut achievements = Vec::new();
    let mut subfund_actuals = Vec::new();
    for &i in &in_book {
        let actual = as_of.subfunds[i].as_ref().expect("in the book");
        let achieved = ratio(actual.local_invested_cny_m, requirements[i]);
        if requirements[i] > 0.0 {
            achievements.push(achieved);
        }
        subfund_actuals.push([actual.called_cny_m, ratio(actual.distributed_cny_m, actual.called_cny_m), actual.nav_cny_m, achieved]);
    }
    let fund_paid = paid + running;
    let local_mean = if achievements.is_empty() { f64::NAN } else { achievements.iter().sum::<f64>() / achievements.len() as f64 };
    let fund_actuals = [fund_paid, ratio(distributed, fund_paid), nav, local_mean];

    let column = |c: usize| -> Vec<f64> { rows.iter().map(|row| row[c]).collect() };
    let fund = fund_actuals.iter().enumerate().map(|(m, &actual)| position(MEASURES[m], actual, &column(m))).collect();
    let subfunds = in_book
        .iter()
        .zip(&subfund_actuals)
        .enumerate()
        .map(|(k, (&i, actuals))| {
            let positions: Vec<Position> =
                actuals.iter().enumerate().map(|(m, &actual)| position(MEASURES[m], actual, &column(MEASURES.len() * (k + 1) + m))).collect();
            let name = as_of.subfunds[i].as_ref().map_or_else(String::new, |a| a.name.clone());
            SubFundPosition { key: scenario.subfunds[i].key.clone(), name, laggard: positions.iter().any(|p| p.lagging), positions }
        })
        .collect();
    Ok(Some(PlanVsActual { as_of: scenario.calendar.quarter(q).to_string(), plan_paths: paths, laggard_percentile: LAGGARD_PERCENTILE, fund, subfunds }))
}

/// Places `actual` among the plan's `values`.
pub fn position(measure: &str, actual: f64, values: &[f64]) -> Position {
    let sorted = sorted_finite(values);
    let percentile = if sorted.is_empty() || !actual.is_finite() {
        f64::NAN
    } else {
        let below = sorted.partition_point(|&v| v < actual);
        let ties = sorted[below..].partition_point(|&v| v <= actual);
        100.0 * (below as f64 + 0.5 * ties as f64) / sorted.len() as f64
    };
    let plan_p10 = quantile_sorted(&sorted, 0.10);
    Position {
        measure: measure.to_string(),
        actual,
        plan_p10,
        plan_p50: quantile_sorted(&sorted, 0.50),
        plan_p90: quantile_sorted(&sorted, 0.90),
        percentile,
        lagging: actual < plan_p10,
    }
}

#[cfg(test)]
mod tests;
