//! What is simulated on one path: the exit market, field factors, companies, sub-funds, the
//! direct sleeve and the fund of funds.
//!
//! A path is simulated top-down: first the path-wide shocks ([`market`] states and [`factors`]
//! for every quarter), then each sub-fund ([`subfund`]) and the direct sleeve ([`direct`]), whose
//! companies ([`company`]) read those shocks through an [`Environment`]; [`fund`] adds the
//! sleeves up into the fund's cash flows and the per-path outcome.

pub mod company;
pub mod concession;
pub mod direct;
pub mod factors;
pub mod flows;
pub mod fund;
pub mod holdings;
pub mod market;
pub mod subfund;
pub mod waterfall;

use ndarray::Array2;

use crate::scenario::{MarketState, Scenario};

/// The path-wide shocks a company sees: the exit-market state and the field factors by quarter.
#[derive(Debug, Clone, Copy)]
pub struct Environment<'a> {
    pub scenario: &'a Scenario,
    /// Market state index per quarter, `0..=horizon`.
    pub market: &'a [usize],
    /// Field factor per quarter (rows) and field (columns).
    pub factors: &'a Array2<f64>,
}

impl Environment<'_> {
    /// Last simulated quarter.
    pub fn horizon(&self) -> usize {
        self.market.len() - 1
    }

    /// The exit-market state in `quarter`.
    pub fn market_state(&self, quarter: usize) -> &MarketState {
        &self.scenario.market.states[self.market[quarter]]
    }

    /// Log-odds shift of advancing for a company in `field` in `quarter` from its field's progress.
    pub fn advance_shift(&self, field: usize, quarter: usize) -> f64 {
        self.scenario.factors.advance_logit_per_unit * self.factors[[quarter, field]]
    }

    /// Log of the valuation level in `field` in `quarter` set by the market and the field's
    /// progress. A price set in one quarter and the next differ by the change of this level.
    pub fn valuation_level(&self, field: usize, quarter: usize) -> f64 {
        self.market_state(quarter).valuation_log_shift + self.scenario.factors.valuation_log_per_unit * self.factors[[quarter, field]]
    }
}
