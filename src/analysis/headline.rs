//! The headline measures scenarios are compared on, and how each is read from a run's per-path
//! columns ([`RunResults::column`], in path order).
//!
//! Every measure is either the mean of a per-path value (TVPI, a 0/1 loss indicator, the peak
//! capital need, …) or the expected shortfall of one (the mean fund TVPI of the worst 5 % of
//! paths), so its difference between two runs on common random numbers has a paired interval
//! ([`super::paired`]).

use serde::{Deserialize, Serialize};

use crate::engine::{EngineError, RunResults};

/// How a measure is printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    /// A multiple of money (×), two decimals.
    Multiple,
    /// A rate or probability, shown in % (differences in percentage points).
    Percent,
    /// CNY m, shown in CNY bn.
    CnyBn,
    /// Years.
    Years,
    /// A count per path.
    Count,
}

/// Which statistic of the per-path values a measure is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Statistic {
    Mean,
    /// Mean of the lowest 5 % of values.
    ExpectedShortfall5,
}

/// How a per-path value is made from a metric column.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Transform {
    Identity,
    /// `-x`: the J-curve trough (negative) as a capital need (positive).
    Negate,
    /// Quarters as years.
    QuartersToYears,
    /// 1 if the value is below the threshold, else 0 (undefined stays undefined).
    Below(f64),
    /// 1 if the value is defined, else 0 (e.g. "paid back by the horizon").
    Defined,
}

/// One headline measure.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Headline {
    pub key: &'static str,
    pub label: &'static str,
    pub unit: Unit,
    pub statistic: Statistic,
    /// The metric column (see [`crate::metrics::path::Schema`]) the values come from.
    column: &'static str,
    transform: Transform,
}

const fn mean(key: &'static str, label: &'static str, unit: Unit, column: &'static str, transform: Transform) -> Headline {
    Headline { key, label, unit, statistic: Statistic::Mean, column, transform }
}

/// The measures `fifsim compare` reports, in table order.
pub const HEADLINES: [Headline; 16] = [
    mean("fund_tvpi", "Fund TVPI, mean (×)", Unit::Multiple, "fund_tvpi", Transform::Identity),
    mean("fund_irr", "Fund IRR, mean (paths with one)", Unit::Percent, "fund_irr", Transform::Identity),
    mean("fund_dpi", "Fund DPI, mean (×)", Unit::Multiple, "fund_dpi", Transform::Identity),
    mean("p_fund_tvpi_below_1", "P(fund TVPI < 1)", Unit::Percent, "fund_tvpi", Transform::Below(1.0)),
    Headline {
        key: "fund_tvpi_es5",
        label: "Fund TVPI, worst 5% (ES5, ×)",
        unit: Unit::Multiple,
        statistic: Statistic::ExpectedShortfall5,
        column: "fund_tvpi",
        transform: Transform::Identity,
    },
    mean("peak_capital_need", "Peak capital need, mean (CNY bn)", Unit::CnyBn, "fund_trough_cny_m", Transform::Negate),
    mean("paid_back", "Paid back by the horizon (share)", Unit::Percent, "fund_payback_quarter", Transform::Defined),
    mean("payback_years", "Years to payback, mean (paid back)", Unit::Years, "fund_payback_quarter", Transform::QuartersToYears),
    mean("direct_tvpi", "Direct sleeve TVPI, mean (×)", Unit::Multiple, "direct_tvpi", Transform::Identity),
    mean("subfunds_tvpi", "Sub-fund sleeve TVPI, mean (×)", Unit::Multiple, "subfunds_tvpi", Transform::Identity),
    mean("companies_backed", "Companies backed, mean", Unit::Count, "companies_backed", Transform::Identity),
    mean("ipos", "IPOs, mean", Unit::Count, "ipos", Transform::Identity),
    mean("unicorn_exits", "Unicorn-size exits, mean", Unit::Count, "unicorn_exits", Transform::Identity),
    mean("capital_mobilised", "Capital mobilised (CNY bn)", Unit::CnyBn, "capital_mobilised_cny_m", Transform::Identity),
    mean("buyback_given_away", "Given away by buy-backs (CNY bn)", Unit::CnyBn, "concession_buyback_cny_m", Transform::Identity),
    mean("fees", "Management fees, fund share (CNY bn)", Unit::CnyBn, "fees_cny_m", Transform::Identity),
];

/// The ratio mean fund TVPI, the measure sensitivity and frontier rank by.
pub const FUND_TVPI: Headline = HEADLINES[0];
/// P(fund TVPI < 1).
pub const LOSS_PROBABILITY: Headline = HEADLINES[3];
/// Expected shortfall of fund TVPI.
pub const TVPI_SHORTFALL: Headline = HEADLINES[4];
/// Mean peak capital need.
pub const PEAK_NEED: Headline = HEADLINES[5];

impl Headline {
    /// The per-path values of this measure in `results`, in path order; all `NaN` if the run has
    /// no such column (e.g. no direct sleeve).
    ///
    /// # Errors
    /// If the run's values cannot be read back ([`RunResults::column`]).
    pub fn values(&self, results: &RunResults) -> Result<Vec<f64>, EngineError> {
        let Some(column) = results.column(self.column)? else {
            return Ok(vec![f64::NAN; results.paths as usize]);
        };
        Ok(column
            .into_iter()
            .map(|x| match self.transform {
                Transform::Identity => x,
                Transform::Negate => -x,
                Transform::QuartersToYears => x / 4.0,
                Transform::Below(threshold) if x.is_finite() => f64::from(u8::from(x < threshold)),
                Transform::Below(_) => f64::NAN,
                Transform::Defined => f64::from(u8::from(x.is_finite())),
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_unique_and_named_constants_point_where_they_say() {
        let mut keys: Vec<&str> = HEADLINES.iter().map(|h| h.key).collect();
        keys.sort_unstable();
        keys.dedup();
        assert_eq!(keys.len(), HEADLINES.len());
        assert_eq!((FUND_TVPI.key, LOSS_PROBABILITY.key, TVPI_SHORTFALL.key, PEAK_NEED.key), ("fund_tvpi", "p_fund_tvpi_below_1", "fund_tvpi_es5", "peak_capital_need"));
    }

    #[test]
    fn every_column_exists_in_the_schema() {
        let schema = crate::metrics::path::Schema::new(&crate::testing::base());
        for h in HEADLINES {
            assert!(schema.index(h.column).is_some(), "{} reads missing column {}", h.key, h.column);
        }
    }
}
