//! The liquidity answers of a run (docs/funding.md): what the city's plan provides, the cash the
//! fund pays out each year and over its life (P50, P95, P99: calls at risk), how likely and how
//! large a shortfall is, the idle cash and what it costs, and the appropriation schedule that
//! would cover the P95 path. Written as the `liquidity` key of `summary.json`, its fans appended to
//! `quarterly.csv`, drawn as `liquidity.png` and printed as the LIQUIDITY block.

use serde::{Deserialize, Serialize};

use crate::engine::{EngineError, FanReport, Liquidity};
use crate::metrics::liquidity::{CASH_SERIES, LiquiditySchema};
use crate::metrics::path::Unit;
use crate::scenario::Scenario;
use crate::scenario::funding::{DistributionRule, FundingPlan, ShortfallRule};
use crate::stats::summary::{Proportion, quantile_sorted, sorted_finite};

/// The quantiles of a liquidity figure that a finance bureau reads: the median year and the
/// bad ones (P95, P99: "calls at risk").
pub const TAIL_PROBABILITIES: [f64; 3] = [0.5, 0.95, 0.99];

/// A figure across paths: its mean and its P50, P95 and P99.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Tail {
    #[serde(deserialize_with = "crate::stats::nan::deserialize")]
    pub mean: f64,
    #[serde(deserialize_with = "crate::stats::nan::deserialize")]
    pub p50: f64,
    #[serde(deserialize_with = "crate::stats::nan::deserialize")]
    pub p95: f64,
    #[serde(deserialize_with = "crate::stats::nan::deserialize")]
    pub p99: f64,
}

impl Tail {
    /// Of the finite `values` (NaN where there are none).
    pub fn of(values: &[f64]) -> Tail {
        let sorted = sorted_finite(values);
        let mean = if sorted.is_empty() { f64::NAN } else { sorted.iter().sum::<f64>() / sorted.len() as f64 };
        let [p50, p95, p99] = TAIL_PROBABILITIES.map(|p| quantile_sorted(&sorted, p));
        Tail { mean, p50, p95, p99 }
    }
}

/// One appropriation of the plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AppropriationInfo {
    pub quarter: String,
    pub amount_cny_m: f64,
    pub source: String,
}

/// The plan as the scenario states it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlanInfo {
    pub appropriations: Vec<AppropriationInfo>,
    pub total_cny_m: f64,
    /// `"return"` or `"recycle until 2030Q3"`.
    pub distributions: String,
    pub deposit_rate: f64,
    pub cost_of_funds_rate: f64,
    pub on_shortfall: String,
}

/// One calendar (budget) year.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct YearLiquidity {
    pub year: i32,
    /// What the plan appropriates in the year.
    pub appropriated_cny_m: f64,
    /// Cash paid out: sub-fund calls, direct payments, running costs.
    pub calls_cny_m: Tail,
    /// P(the year's payments exceed the cash the plan has provided by then).
    pub p_shortfall: Proportion,
    pub shortfall_cny_m: Tail,
    /// Running total the plan would need by the start of the year to pay the P95 path's calls
    /// (after the distributions it keeps, before deposit interest), and the year's part of it.
    pub covering_p95_cumulative_cny_m: f64,
    pub covering_p95_cny_m: f64,
}

/// Over the fund's life.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LifeLiquidity {
    pub calls_cny_m: Tail,
    /// P(some year's payments exceed the cash the plan provides).
    pub p_any_shortfall: Proportion,
    /// Total shortfall on a path (0 on a path without one).
    pub shortfall_cny_m: Tail,
    /// Mean total shortfall over the paths that have one.
    #[serde(deserialize_with = "crate::stats::nan::deserialize")]
    pub shortfall_if_any_mean_cny_m: f64,
    /// Calendar quarter by which half of the paths with a shortfall have had their first.
    pub first_shortfall_p50: Option<String>,
    /// Idle cash: the average closing balance over the fund's life, and its highest.
    pub idle_mean_cny_m: Tail,
    pub idle_peak_cny_m: Tail,
    /// Interest the idle cash earned at the deposit rate.
    pub deposit_income_cny_m: Tail,
    /// What holding the idle cash cost the city: cash-years × (cost of funds − deposit rate).
    pub idle_cost_cny_m: Tail,
    /// Distributions paid back to the budget, and the cash left in the account at the horizon.
    pub returned_cny_m: Tail,
    pub left_over_cny_m: Tail,
    /// Total of the schedule that covers the P95 path.
    pub covering_p95_total_cny_m: f64,
}

/// The liquidity answers of a run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LiquidityReport {
    pub plan: PlanInfo,
    pub years: Vec<YearLiquidity>,
    pub life: LifeLiquidity,
    /// Quarterly fans of the cash balance and the cumulative shortfall.
    pub fans: Vec<FanReport>,
}

impl LiquidityReport {
    /// Summarises a run's cash accounts.
    ///
    /// # Errors
    /// If the per-path values cannot be read back.
    pub fn build(scenario: &Scenario, liquidity: &Liquidity, quarters: &[String]) -> Result<Option<LiquidityReport>, EngineError> {
        let Some(plan) = scenario.funding.as_ref() else { return Ok(None) };
        let schema: &LiquiditySchema = &liquidity.schema;
        let column = |index: usize| liquidity.column_at(index);
        let life_column = |key: &str| schema.life(key).map_or(Ok(Vec::new()), column);
        let appropriated = plan.by_quarter(scenario.horizon());
        let mut years = Vec::with_capacity(schema.years.len());
        let mut covered = 0.0_f64;
        for (k, &year) in schema.years.iter().enumerate() {
            let shortfall = column(schema.shortfall(k))?;
            let need = sorted_finite(&column(schema.need(k))?);
            // The P95 need of a later year is at least an earlier one's (each path's need only grows).
            let cumulative = quantile_sorted(&need, 0.95).max(covered);
            years.push(YearLiquidity {
                year,
                appropriated_cny_m: appropriated.iter().enumerate().filter(|&(t, _)| schema.year_of(t) == k).map(|(_, a)| a).sum(),
                calls_cny_m: Tail::of(&column(schema.calls(k))?),
                p_shortfall: Proportion::new(shortfall.iter().filter(|&&s| s > 0.0).count(), shortfall.len()),
                shortfall_cny_m: Tail::of(&shortfall),
                covering_p95_cumulative_cny_m: cumulative,
                covering_p95_cny_m: cumulative - covered,
            });
            covered = cumulative;
        }
        let total = life_column("shortfall_total_cny_m")?;
        let short: Vec<f64> = total.iter().copied().filter(|&s| s > 0.0).collect();
        let first = sorted_finite(&life_column("first_shortfall_quarter")?);
        let first_p50 = (!first.is_empty()).then(|| {
            let t = quantile_sorted(&first, 0.5).ceil() as usize;
            scenario.calendar.quarter(t).to_string()
        });
        let life = LifeLiquidity {
            calls_cny_m: Tail::of(&life_column("calls_total_cny_m")?),
            p_any_shortfall: Proportion::new(short.len(), total.len()),
            shortfall_cny_m: Tail::of(&total),
            shortfall_if_any_mean_cny_m: if short.is_empty() { f64::NAN } else { short.iter().sum::<f64>() / short.len() as f64 },
            first_shortfall_p50: first_p50,
            idle_mean_cny_m: Tail::of(&life_column("idle_mean_cny_m")?),
            idle_peak_cny_m: Tail::of(&life_column("idle_peak_cny_m")?),
            deposit_income_cny_m: Tail::of(&life_column("deposit_income_cny_m")?),
            idle_cost_cny_m: Tail::of(&life_column("idle_cost_cny_m")?),
            returned_cny_m: Tail::of(&life_column("returned_cny_m")?),
            left_over_cny_m: Tail::of(&life_column("left_over_cny_m")?),
            covering_p95_total_cny_m: covered,
        };
        let fans = CASH_SERIES
            .iter()
            .zip(&liquidity.fans)
            .map(|(&(key, label), fan)| FanReport::of(key, label, Unit::CnyM, quarters, fan))
            .collect();
        Ok(Some(LiquidityReport { plan: plan_info(scenario, plan), years, life, fans }))
    }

    /// The fan of series `key`.
    pub fn fan(&self, key: &str) -> Option<&FanReport> {
        self.fans.iter().find(|f| f.key == key)
    }
}

fn plan_info(scenario: &Scenario, plan: &FundingPlan) -> PlanInfo {
    PlanInfo {
        appropriations: plan
            .appropriations
            .iter()
            .map(|a| AppropriationInfo {
                quarter: scenario.calendar.quarter(a.quarter).to_string(),
                amount_cny_m: a.amount_cny_m,
                source: a.source.key().to_string(),
            })
            .collect(),
        total_cny_m: plan.total_cny_m(),
        distributions: match plan.distributions {
            DistributionRule::Return => "return".to_string(),
            DistributionRule::RecycleUntil(t) => format!("recycle until {}", scenario.calendar.quarter(t)),
        },
        deposit_rate: plan.deposit_rate,
        cost_of_funds_rate: plan.cost_of_funds_rate,
        on_shortfall: match plan.on_shortfall {
            ShortfallRule::Refuse => "refuse",
            ShortfallRule::Report => "report",
        }
        .to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::funding::{RawAppropriation, RawFunding, Source};

    /// A fund whose only payments are its running costs, CNY 37.5 m a quarter over its 72-quarter
    /// life from 2024Q3 (no sub-funds, no direct budget, no distributions), funded with 100 in
    /// 2024Q3 and 200 in 2026Q1, nothing earned on deposit. Worked by hand:
    ///
    /// * paid out: 2024 (two quarters) 75, then 150 a year, 2042 (two quarters of life) 75;
    /// * balances 62.5, 25, then short 12.5 in 2025Q1 and 37.5 each later quarter of 2025 (125);
    ///   2026Q1 opens the 200: 162.5, 125, 87.5, 50, so 2026 is covered; 2027Q1 leaves 12.5, then
    ///   short 25 and 37.5 twice (100); every later year short by all its payments;
    /// * total shortfall = 72 × 37.5 − 300 = 2,400, on every path.
    #[test]
    fn yearly_calls_and_shortfalls_of_a_deterministic_fund_match_the_hand_count() {
        let s = crate::testing::edited(&crate::testing::quiet(), |raw| {
            raw.fund.running_cost_per_year = 4.0 * 37.5 / raw.fund.size_cny_m;
            let appropriation = |quarter: &str, amount_cny_m, source| RawAppropriation { quarter: quarter.into(), amount_cny_m, source };
            raw.funding = Some(RawFunding {
                appropriations: vec![appropriation("2024Q3", 100.0, Source::Budget), appropriation("2026Q1", 200.0, Source::SpecialBond)],
                distributions: "return".into(),
                deposit_rate: 0.0,
                cost_of_funds_rate: Some(0.0),
                on_shortfall: ShortfallRule::Report,
            });
        });
        let s = s.without_sleeves();
        let results = crate::testing::run(&s, 50);
        let quarters: Vec<String> = (0..=s.horizon()).map(|t| s.calendar.quarter(t).to_string()).collect();
        let report = LiquidityReport::build(&s, results.liquidity.as_ref().unwrap(), &quarters).unwrap().unwrap();
        let close = |a: f64, b: f64| (a - b).abs() < 1e-9;
        let mut expected_calls = [150.0; 19];
        (expected_calls[0], expected_calls[18]) = (75.0, 75.0);
        let mut expected_short = [150.0; 19];
        (expected_short[0], expected_short[1], expected_short[2], expected_short[3], expected_short[18]) = (0.0, 125.0, 0.0, 100.0, 75.0);
        let mut need = 0.0;
        for (k, y) in report.years.iter().enumerate() {
            assert_eq!(y.year, 2024 + k as i32);
            for (name, tail, expected) in [("calls", &y.calls_cny_m, expected_calls[k]), ("shortfall", &y.shortfall_cny_m, expected_short[k])] {
                assert!([tail.mean, tail.p50, tail.p95, tail.p99].iter().all(|&x| close(x, expected)), "{} {name}: {tail:?}, expected {expected}", y.year);
            }
            let short_paths = if expected_short[k] > 0.0 { 50 } else { 0 };
            assert_eq!(y.p_shortfall.successes, short_paths, "{}", y.year);
            need += expected_calls[k];
            assert!(close(y.covering_p95_cumulative_cny_m, need) && close(y.covering_p95_cny_m, expected_calls[k]), "{}: {y:?}", y.year);
        }
        assert_eq!([report.years[0].appropriated_cny_m, report.years[1].appropriated_cny_m, report.years[2].appropriated_cny_m], [100.0, 0.0, 200.0]);
        let life = &report.life;
        assert!(close(life.calls_cny_m.p99, 2700.0) && close(life.shortfall_cny_m.p50, 2400.0), "{life:?}");
        assert_eq!((life.p_any_shortfall.successes, life.p_any_shortfall.n), (50, 50));
        assert_eq!(life.first_shortfall_p50.as_deref(), Some("2025Q1"));
        assert!(close(life.idle_peak_cny_m.p50, 162.5) && close(life.left_over_cny_m.mean, 0.0));
        assert!(close(life.covering_p95_total_cny_m, 2700.0));
        assert_eq!(report.plan.distributions, "return");
    }
}
