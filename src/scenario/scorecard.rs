//! What the evaluators score (绩效评价): the indicators fifsim measures on every path by year,
//! their optional parameters (`[indicators]`), and the scorecard that turns them into a score and
//! a grade (`[scorecard]`, docs/scorecard.md).
//!
//! A scorecard is a list of items, each an indicator with a weight (its full points) and a rule:
//! a linear scale (no points at `zero_at`, full points at `full_at`, either way round) or
//! thresholds (`at_least`: the points of the highest threshold reached; `at_most`: the points of
//! the lowest threshold not exceeded). Items that are not bonus items carry weights summing to
//! 100; bonus items add at most `bonus_cap`. Grades are bands of the score, best first.
//!
//! A scenario without `[scorecard]` is scored by the shipped default,
//! `scenarios/scorecard/fujian_2025.toml`, modelled on Fujian's 2025 evaluation rules.

use serde::Deserialize;

use super::ScenarioError;
use super::error::{Allowed, Checker};

/// Every indicator measured on every path at the end of every year, in the order the engine
/// stores them (`crate::metrics::indicators` computes them and labels them).
pub const INDICATORS: [&str; 27] = [
    "leverage_paid_in",
    "leverage_committed",
    "other_lp_commitments_cny_m",
    "follow_on_raised_cny_m",
    "follow_on_per_invested",
    "deals",
    "seed_a_deal_share",
    "seed_a_money_share",
    "small_deal_share",
    "small_money_share",
    "tier_industrialising_deal_share",
    "tier_industrialising_money_share",
    "tier_prototype_deal_share",
    "tier_prototype_money_share",
    "tier_exploration_deal_share",
    "tier_exploration_money_share",
    "deployment_progress",
    "local_reinvestment",
    "project_beyond_tolerance_share",
    "subfund_beyond_tolerance_share",
    "sleeve_beyond_tolerance_share",
    "fund_beyond_tolerance",
    "fund_loss_ratio",
    "ipos",
    "growth_companies",
    "fund_tvpi",
    "fund_dpi",
];

/// The shipped default scorecard, as a scenario file would state it.
pub const DEFAULT_SCORECARD_TOML: &str = include_str!("../../scenarios/scorecard/fujian_2025.toml");
/// Where the default comes from, for error messages.
pub const DEFAULT_SCORECARD_FILE: &str = "scenarios/scorecard/fujian_2025.toml";

/// Weights of the items that are not bonus items must sum to this.
pub const FULL_SCORE: f64 = 100.0;
/// How far from [`FULL_SCORE`] the weights may sum (rounding of decimal weights).
const WEIGHT_TOLERANCE: f64 = 1e-6;

/// `[indicators]`: parameters of the indicators; every key optional.
#[derive(Debug, Clone, PartialEq, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct RawIndicators {
    pub small_company_post_money_cny_m: Option<f64>,
    pub sleeve_loss_tolerance: Option<f64>,
    pub fund_loss_tolerance: Option<f64>,
}

/// Parameters of the indicators.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct IndicatorSpec {
    /// A company whose entry post-money is at most this is small (投小), CNY m.
    pub small_company_post_money_cny_m: f64,
    /// Loss tolerance (容错) of a sleeve and of the whole fund, as a share of paid-in.
    pub sleeve_loss_tolerance: f64,
    pub fund_loss_tolerance: f64,
}

impl IndicatorSpec {
    /// Chosen: the seed and A medians of the base profiles (138 and 424) are small, B (935) is not.
    pub const DEFAULT_SMALL_COMPANY_POST_MONEY_CNY_M: f64 = 500.0;
    /// 60% at sleeve and fund level: the low end of the 60–80% that several provinces' rules
    /// allow seed and future-industry funds (docs/scorecard.md).
    pub const DEFAULT_LOSS_TOLERANCE: f64 = 0.6;
}

/// `[scorecard]` as written.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawScorecard {
    pub name: String,
    #[serde(default)]
    pub source: String,
    #[serde(default)]
    pub bonus_cap: f64,
    pub grades: Vec<RawGrade>,
    pub items: Vec<RawItem>,
}

/// `{ label, min_score }`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawGrade {
    pub label: String,
    pub min_score: f64,
}

/// `[[scorecard.items]]`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawItem {
    pub indicator: String,
    #[serde(default)]
    pub section: String,
    #[serde(default)]
    pub label: String,
    pub weight: f64,
    #[serde(default)]
    pub bonus: bool,
    #[serde(default)]
    pub linear: Option<RawLinear>,
    #[serde(default)]
    pub at_least: Option<Vec<[f64; 2]>>,
    #[serde(default)]
    pub at_most: Option<Vec<[f64; 2]>>,
    /// `"full"` (default) or `"zero"`: the points of a path where the indicator has no value.
    #[serde(default)]
    pub when_missing: Option<String>,
}

/// `linear = { zero_at, full_at }`.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawLinear {
    pub zero_at: f64,
    pub full_at: f64,
}

/// How an item turns an indicator's value into points.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Rule {
    /// No points at `zero_at`, the full weight at `full_at`, linear between, flat outside.
    Linear { zero_at: f64, full_at: f64 },
    /// `(threshold, points)` with thresholds rising: the points of the highest threshold the
    /// value reaches, 0 below the first.
    AtLeast(Vec<(f64, f64)>),
    /// `(threshold, points)` with thresholds rising: the points of the lowest threshold the
    /// value does not exceed, 0 above the last.
    AtMost(Vec<(f64, f64)>),
}

/// One item of a scorecard.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ScoreItem {
    /// Index into [`INDICATORS`].
    pub indicator: usize,
    pub key: String,
    pub section: String,
    pub label: String,
    pub weight: f64,
    pub bonus: bool,
    pub rule: Rule,
    /// Points of a path where the indicator has no value (nothing resolved, nothing required).
    pub missing_points: f64,
}

impl ScoreItem {
    /// The points `value` earns.
    pub fn points(&self, value: f64) -> f64 {
        if !value.is_finite() {
            return self.missing_points;
        }
        match &self.rule {
            Rule::Linear { zero_at, full_at } => self.weight * ((value - zero_at) / (full_at - zero_at)).clamp(0.0, 1.0),
            Rule::AtLeast(steps) => steps.iter().rev().find(|&&(at, _)| value >= at).map_or(0.0, |&(_, points)| points),
            Rule::AtMost(steps) => steps.iter().find(|&&(at, _)| value <= at).map_or(0.0, |&(_, points)| points),
        }
    }
}

/// A grade: scores of at least `min_score` (and below the better grade's) get it.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Grade {
    pub label: String,
    pub min_score: f64,
}

/// A validated scorecard.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Scorecard {
    pub name: String,
    pub source: String,
    pub items: Vec<ScoreItem>,
    pub bonus_cap: f64,
    /// Best first; the last has `min_score` 0.
    pub grades: Vec<Grade>,
}

impl Scorecard {
    /// The score of one path in one year, `values[k]` being indicator `k` of [`INDICATORS`]:
    /// the points of the items that are not bonus items, plus the bonus points up to the cap;
    /// with `full = Some(j)`, as if item `j` earned its full weight.
    pub fn score(&self, values: &[f64], full: Option<usize>) -> f64 {
        let points: Vec<f64> = self.items.iter().map(|item| item.points(values[item.indicator])).collect();
        self.score_of_points(&points, full)
    }

    /// The score of the items' `points` (one per item, as [`ScoreItem::points`] gives them);
    /// with `full = Some(j)`, as if item `j` earned its full weight.
    pub fn score_of_points(&self, points: &[f64], full: Option<usize>) -> f64 {
        let (mut core, mut bonus) = (0.0, 0.0);
        for (j, (item, &earned)) in self.items.iter().zip(points).enumerate() {
            let points = if full == Some(j) { item.weight } else { earned };
            if item.bonus {
                bonus += points;
            } else {
                core += points;
            }
        }
        core + bonus.min(self.bonus_cap)
    }

    /// Index into [`Scorecard::grades`] of the grade of `score`.
    pub fn grade(&self, score: f64) -> usize {
        self.grades.iter().position(|g| score >= g.min_score).unwrap_or(self.grades.len() - 1)
    }

    /// The shipped default ([`DEFAULT_SCORECARD_TOML`]).
    pub fn default_card() -> Scorecard {
        #[derive(Deserialize)]
        struct File {
            scorecard: RawScorecard,
        }
        let file = std::path::Path::new(DEFAULT_SCORECARD_FILE);
        let raw: File = toml::from_str(DEFAULT_SCORECARD_TOML).expect("the shipped scorecard parses (tested)");
        scorecard(&Checker { file }, &raw.scorecard).expect("the shipped scorecard is valid (tested)")
    }
}

/// Checks `[indicators]`.
pub(crate) fn indicators(c: &Checker, raw: Option<&RawIndicators>) -> Result<IndicatorSpec, ScenarioError> {
    let raw = raw.cloned().unwrap_or_default();
    let small = raw.small_company_post_money_cny_m.unwrap_or(IndicatorSpec::DEFAULT_SMALL_COMPANY_POST_MONEY_CNY_M);
    let sleeve = raw.sleeve_loss_tolerance.unwrap_or(IndicatorSpec::DEFAULT_LOSS_TOLERANCE);
    let fund = raw.fund_loss_tolerance.unwrap_or(IndicatorSpec::DEFAULT_LOSS_TOLERANCE);
    Ok(IndicatorSpec {
        small_company_post_money_cny_m: c.number("indicators.small_company_post_money_cny_m", small, Allowed::POSITIVE)?,
        sleeve_loss_tolerance: c.number("indicators.sleeve_loss_tolerance", sleeve, Allowed::UNIT)?,
        fund_loss_tolerance: c.number("indicators.fund_loss_tolerance", fund, Allowed::UNIT)?,
    })
}

/// Checks `[scorecard]`: known indicators, one rule per item, thresholds rising, points within
/// the weight, weights summing to 100, grades falling to 0.
pub(crate) fn scorecard(c: &Checker, raw: &RawScorecard) -> Result<Scorecard, ScenarioError> {
    if raw.items.is_empty() {
        return Err(c.invalid("scorecard.items", "must list at least one [[scorecard.items]]"));
    }
    let items = raw.items.iter().enumerate().map(|(k, item)| score_item(c, &format!("scorecard.items[{k}]"), item)).collect::<Result<Vec<_>, _>>()?;
    let total: f64 = items.iter().filter(|i| !i.bonus).map(|i| i.weight).sum();
    if (total - FULL_SCORE).abs() > WEIGHT_TOLERANCE {
        let listed = items.iter().filter(|i| !i.bonus).map(|i| format!("{} {}", i.key, i.weight)).collect::<Vec<_>>().join(", ");
        return Err(c.invalid(
            "scorecard.items",
            format!("weights of the items that are not bonus items must sum to {FULL_SCORE}, got {total} ({listed}); mark bonus items `bonus = true`"),
        ));
    }
    let bonus_cap = c.number("scorecard.bonus_cap", raw.bonus_cap, Allowed::NON_NEGATIVE)?;
    if raw.grades.is_empty() {
        return Err(c.invalid("scorecard.grades", "must list at least one grade, e.g. [{ label = \"pass\", min_score = 0 }]"));
    }
    let mut grades: Vec<Grade> = Vec::with_capacity(raw.grades.len());
    for (k, g) in raw.grades.iter().enumerate() {
        let field = format!("scorecard.grades[{k}].min_score");
        let min_score = c.number(&field, g.min_score, Allowed::NON_NEGATIVE)?;
        if let Some(better) = grades.last()
            && min_score >= better.min_score
        {
            return Err(c.invalid(
                field,
                format!("grades are listed best first, so min_score must fall: {min_score} is not below {} ({})", better.min_score, better.label),
            ));
        }
        grades.push(Grade { label: g.label.clone(), min_score });
    }
    if grades.last().is_some_and(|g| g.min_score != 0.0) {
        return Err(c.invalid(
            format!("scorecard.grades[{}].min_score", grades.len() - 1),
            "the last (lowest) grade must have min_score = 0, so every score has a grade",
        ));
    }
    Ok(Scorecard { name: raw.name.clone(), source: raw.source.clone(), items, bonus_cap, grades })
}

fn score_item(c: &Checker, at: &str, raw: &RawItem) -> Result<ScoreItem, ScenarioError> {
    let indicator = INDICATORS
        .iter()
        .position(|&k| k == raw.indicator)
        .ok_or_else(|| c.invalid(format!("{at}.indicator"), format!("unknown indicator {:?}; allowed: {}", raw.indicator, INDICATORS.join(", "))))?;
    let weight = c.number(format!("{at}.weight"), raw.weight, Allowed::POSITIVE)?;
    let rule = match (&raw.linear, &raw.at_least, &raw.at_most) {
        (Some(l), None, None) => {
            let zero_at = c.number(format!("{at}.linear.zero_at"), l.zero_at, Allowed::FINITE)?;
            let full_at = c.number(format!("{at}.linear.full_at"), l.full_at, Allowed::FINITE)?;
            if zero_at == full_at {
                return Err(c.invalid(format!("{at}.linear"), format!("zero_at and full_at must differ, both are {zero_at}")));
            }
            Rule::Linear { zero_at, full_at }
        }
        (None, Some(steps), None) => Rule::AtLeast(steps_of(c, &format!("{at}.at_least"), steps, weight)?),
        (None, None, Some(steps)) => Rule::AtMost(steps_of(c, &format!("{at}.at_most"), steps, weight)?),
        _ => {
            return Err(c.invalid(
                at,
                "needs exactly one rule: linear = { zero_at, full_at }, at_least = [[threshold, points], ...] or at_most = [[threshold, points], ...]",
            ));
        }
    };
    let missing_points = match raw.when_missing.as_deref() {
        None | Some("full") => weight,
        Some("zero") => 0.0,
        Some(other) => return Err(c.invalid(format!("{at}.when_missing"), format!("must be \"full\" or \"zero\", got {other:?}"))),
    };
    let label = if raw.label.is_empty() { raw.indicator.clone() } else { raw.label.clone() };
    Ok(ScoreItem { indicator, key: raw.indicator.clone(), section: raw.section.clone(), label, weight, bonus: raw.bonus, rule, missing_points })
}

/// Threshold steps: thresholds finite and strictly rising, points in `[0, weight]`.
fn steps_of(c: &Checker, at: &str, steps: &[[f64; 2]], weight: f64) -> Result<Vec<(f64, f64)>, ScenarioError> {
    if steps.is_empty() {
        return Err(c.invalid(at, "must list at least one [threshold, points]"));
    }
    let mut out: Vec<(f64, f64)> = Vec::with_capacity(steps.len());
    for (k, &[threshold, points]) in steps.iter().enumerate() {
        let threshold = c.number(format!("{at}[{k}][0]"), threshold, Allowed::FINITE)?;
        let points = c.number(format!("{at}[{k}][1]"), points, Allowed { hi: super::error::Bound::Closed(weight), ..Allowed::NON_NEGATIVE })?;
        if let Some(&(previous, _)) = out.last()
            && threshold <= previous
        {
            return Err(c.invalid(format!("{at}[{k}][0]"), format!("thresholds must rise in the order listed: {threshold} is not above {previous}")));
        }
        out.push((threshold, points));
    }
    Ok(out)
}

#[cfg(test)]
mod tests;
