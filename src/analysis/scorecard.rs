//! The evaluators' view of a run (docs/scorecard.md): each path's score and grade in each
//! evaluation year under the scenario's scorecard, their distribution across paths, and the items
//! that cost the fund the most points.
//!
//! What moves the score is measured on common random numbers, as [`super::sensitivity`] measures
//! shocks: for each item, every path is scored again with that item at full points, and the
//! paired difference ([`super::paired::mean_difference`]) is the mean score the item costs, with
//! its 95 % interval. The item that costs most is where the fund stands to gain most.

use serde::{Deserialize, Serialize};

use super::paired::{self, Difference};
use crate::engine::{EngineError, RunResults};
use crate::metrics::indicators::{self, INFO};
use crate::metrics::path::Unit;
use crate::scenario::Scenario;
use crate::scenario::scorecard::INDICATORS;
use crate::stats::nan;
use crate::stats::summary::{Summary, quantile_sorted, sorted_finite};

/// The scorecard's results of one run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScorecardReport {
    pub name: String,
    pub source: String,
    /// Grade labels, best first, and the lowest score of each.
    pub grades: Vec<String>,
    pub grade_min_scores: Vec<f64>,
    pub bonus_cap: f64,
    pub years: Vec<YearScore>,
    /// Every indicator's distribution by year.
    pub indicators: Vec<IndicatorYears>,
}

/// The score in one evaluation year.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct YearScore {
    pub year: i32,
    /// The year's last quarter, e.g. "2027Q4".
    pub quarter: String,
    pub score: Summary,
    /// P(grade) for each grade, best first.
    #[serde(deserialize_with = "nan::deserialize")]
    pub grade_probabilities: Vec<f64>,
    /// The items, the one that costs most points first.
    pub movers: Vec<Mover>,
}

/// What one scorecard item costs in one year.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Mover {
    pub indicator: String,
    pub label: String,
    pub section: String,
    pub weight: f64,
    pub bonus: bool,
    /// Mean points the item earns.
    #[serde(deserialize_with = "nan::deserialize")]
    pub mean_points: f64,
    /// Mean score gained were the item at full points on every path (paired), with its interval.
    #[serde(deserialize_with = "nan::deserialize")]
    pub points_lost: f64,
    #[serde(deserialize_with = "nan::deserialize")]
    pub points_lost_ci95: (f64, f64),
}

/// One indicator across years: mean and P5, P50, P95 across the paths with a value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IndicatorYears {
    pub key: String,
    pub label: String,
    pub unit: Unit,
    #[serde(deserialize_with = "nan::deserialize")]
    pub mean: Vec<f64>,
    #[serde(deserialize_with = "nan::deserialize")]
    pub p5: Vec<f64>,
    #[serde(deserialize_with = "nan::deserialize")]
    pub p50: Vec<f64>,
    #[serde(deserialize_with = "nan::deserialize")]
    pub p95: Vec<f64>,
    /// Paths without a value in each year.
    pub missing: Vec<usize>,
}

/// Each indicator's values across paths in evaluation year `year` (index into
/// [`indicators::years`]), in [`INDICATORS`] order.
fn year_columns(results: &RunResults, year: usize) -> Result<Vec<Vec<f64>>, EngineError> {
    (0..INDICATORS.len()).map(|i| results.indicator_column(year, i)).collect()
}

/// Path `path`'s indicators from `columns`.
fn path_values(columns: &[Vec<f64>], path: usize, values: &mut Vec<f64>) {
    values.clear();
    values.extend(columns.iter().map(|c| c[path]));
}

/// Every path's score in each evaluation year: `scores[year][path]`.
///
/// # Errors
/// If the run's values cannot be read back.
pub fn scores(scenario: &Scenario, results: &RunResults) -> Result<Vec<Vec<f64>>, EngineError> {
    let card = &scenario.scorecard;
    let mut values = Vec::with_capacity(INDICATORS.len());
    (0..indicators::years(scenario).len())
        .map(|year| {
            let columns = year_columns(results, year)?;
            Ok((0..results.paths as usize)
                .map(|path| {
                    path_values(&columns, path, &mut values);
                    card.score(&values, None)
                })
                .collect())
        })
        .collect()
}

/// The scorecard's results of `results`, a run of `scenario`; `None` when the calendar holds no
/// whole evaluation year.
///
/// # Errors
/// If the run's values cannot be read back.
pub fn build(scenario: &Scenario, results: &RunResults) -> Result<Option<ScorecardReport>, EngineError> {
    let card = &scenario.scorecard;
    let years = indicators::years(scenario);
    if years.is_empty() {
        return Ok(None);
    }
    let mut indicator_years: Vec<IndicatorYears> = INDICATORS
        .iter()
        .zip(INFO)
        .map(|(key, (label, unit))| IndicatorYears {
            key: key.to_string(),
            label: label.to_string(),
            unit,
            mean: Vec::new(),
            p5: Vec::new(),
            p50: Vec::new(),
            p95: Vec::new(),
            missing: Vec::new(),
        })
        .collect();
    let paths = results.paths as usize;
    let mut year_scores = Vec::with_capacity(years.len());
    let mut values = Vec::with_capacity(INDICATORS.len());
    for (k, year) in years.iter().enumerate() {
        let columns = year_columns(results, k)?;
        for (column, out) in columns.iter().zip(&mut indicator_years) {
            let sorted = sorted_finite(column);
            let mean = if sorted.is_empty() { f64::NAN } else { sorted.iter().sum::<f64>() / sorted.len() as f64 };
            out.mean.push(mean);
            for (p, slot) in [(0.05, &mut out.p5), (0.5, &mut out.p50), (0.95, &mut out.p95)] {
                slot.push(if sorted.is_empty() { f64::NAN } else { quantile_sorted(&sorted, p) });
            }
            out.missing.push(column.len() - sorted.len());
        }
        let mut score = Vec::with_capacity(paths);
        let mut improved = vec![Vec::with_capacity(paths); card.items.len()];
        let mut points = vec![0.0; card.items.len()];
        let mut grades = vec![0usize; card.grades.len()];
        let mut earned = vec![0.0; card.items.len()];
        for path in 0..paths {
            path_values(&columns, path, &mut values);
            for (slot, item) in earned.iter_mut().zip(&card.items) {
                *slot = item.points(values[item.indicator]);
            }
            let s = card.score_of_points(&earned, None);
            score.push(s);
            grades[card.grade(s)] += 1;
            for (j, better) in improved.iter_mut().enumerate() {
                better.push(card.score_of_points(&earned, Some(j)));
                points[j] += earned[j];
            }
        }
        let mut movers: Vec<Mover> = card
            .items
            .iter()
            .zip(&improved)
            .zip(&points)
            .map(|((item, better), total)| {
                let lost: Difference = paired::mean_difference(&score, better);
                Mover {
                    indicator: item.key.clone(),
                    label: item.label.clone(),
                    section: item.section.clone(),
                    weight: item.weight,
                    bonus: item.bonus,
                    mean_points: total / paths.max(1) as f64,
                    points_lost: lost.estimate,
                    points_lost_ci95: lost.paired_ci95,
                }
            })
            .collect();
        movers.sort_by(|a, b| b.points_lost.total_cmp(&a.points_lost));
        year_scores.push(YearScore {
            year: year.year,
            quarter: scenario.calendar.quarter(year.end).to_string(),
            score: Summary::of(&score),
            grade_probabilities: grades.iter().map(|&n| n as f64 / paths.max(1) as f64).collect(),
            movers,
        });
    }
    Ok(Some(ScorecardReport {
        name: card.name.clone(),
        source: card.source.clone(),
        grades: card.grades.iter().map(|g| g.label.clone()).collect(),
        grade_min_scores: card.grades.iter().map(|g| g.min_score).collect(),
        bonus_cap: card.bonus_cap,
        years: year_scores,
        indicators: indicator_years,
    }))
}

/// A scenario's mean score against the first scenario's in one year, paired.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScoreDifference {
    pub year: i32,
    /// Index of the scenario among those compared (the first is 0).
    pub scenario_index: usize,
    pub scenario: String,
    pub baseline: String,
    /// Mean score of the baseline and of the scenario.
    pub baseline_mean: f64,
    pub mean: f64,
    #[serde(flatten)]
    pub difference: Difference,
}

/// Mean score differences of every scenario after the first from the first, year by year, on
/// common random numbers. Scenarios whose calendars differ are compared on the years they share.
///
/// # Errors
/// If a run's values cannot be read back.
pub fn compare(scenarios: &[&Scenario], results: &[&RunResults]) -> Result<Vec<ScoreDifference>, (usize, EngineError)> {
    let (Some(first), Some(first_results)) = (scenarios.first(), results.first()) else { return Ok(Vec::new()) };
    let base = scores(first, first_results).map_err(|e| (0, e))?;
    let base_years = indicators::years(first);
    let mut out = Vec::new();
    for (k, (scenario, run)) in scenarios.iter().zip(results).enumerate().skip(1) {
        let other = scores(scenario, run).map_err(|e| (k, e))?;
        for (year, b) in indicators::years(scenario).iter().zip(&other) {
            let Some(a) = base_years.iter().position(|y| y.year == year.year).map(|i| &base[i]) else { continue };
            out.push(ScoreDifference {
                year: year.year,
                scenario_index: k,
                scenario: scenario.name.clone(),
                baseline: first.name.clone(),
                baseline_mean: Summary::of(a).mean,
                mean: Summary::of(b).mean,
                difference: paired::mean_difference(a, b),
            });
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests;
