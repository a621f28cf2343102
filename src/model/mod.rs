//! What is simulated on one path: the exit market, field factors, companies, sub-funds, the
//! direct sleeve and the fund of funds.
//!
//! A path is simulated top-down: first the path-wide [`Shocks`] ([`market`] states and
//! [`factors`] for every quarter), then each sub-fund ([`subfund`]) and the direct sleeve
//! ([`direct`]), whose companies ([`company`]) read those shocks through an [`Environment`];
//! [`fund`] adds the sleeves up into the fund's cash flows and the per-path outcome, and [`cash`]
//! keeps the fund's cash account under the city's funding plan.

pub mod cash;
pub mod company;
pub mod concession;
pub mod direct;
pub mod factors;
pub mod flows;
pub mod from_book;
pub mod fund;
pub mod holdings;
pub mod market;
pub mod mix;
pub mod subfund;
pub mod waterfall;

use ndarray::{Array2, ShapeBuilder, Zip};

use crate::numeric;
use crate::scenario::{MarketState, Scenario};

/// A path's shocks: the exit-market state and the field factors by quarter, and what they do to
/// companies, exponentiated once per path (thousands of company events read them).
#[derive(Debug, Clone, Default)]
pub struct Shocks {
    /// Market state index per quarter, `0..=horizon`.
    pub market: Vec<usize>,
    /// Field factor per quarter (rows) and field (columns), stored field-major: a field's
    /// quarters are contiguous, so that `derive` reads them in 4-wide vector steps (quarter-major,
    /// a field's column would be strided, read one number at a time).
    pub factors: Array2<f64>,
    /// `exp(valuation level)` per field and quarter, field-major (a field's quarters are
    /// contiguous, so a company reads one slice, [`FieldShocks`]): market valuation shift +
    /// factor × `valuation_log_per_unit`.
    valuation: Vec<f64>,
    /// `exp(factor × advance_logit_per_unit)` per field and quarter, field-major.
    advance: Vec<f64>,
    /// Outcome-weight multipliers of each market state (scratch for `quarter_weights`).
    states: Vec<StateWeights>,
    /// Those of the state in each quarter, `0..=horizon`: read by quarter directly, where
    /// `states[market[quarter]]` cost every company event a load and a bounds check more.
    quarter_weights: Vec<StateWeights>,
    /// The market state's valuation log shift in each quarter (scratch for `valuation`).
    valuation_shift: Vec<f64>,
}

/// How a market state multiplies the weights `p_k` of a company's outcomes (the exponentials of
/// its log-odds shifts).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StateWeights {
    pub round: f64,
    pub ipo: f64,
    pub acquired: f64,
    pub hold: f64,
}

impl StateWeights {
    fn of(state: &MarketState) -> StateWeights {
        StateWeights {
            round: state.round_logit_shift.exp(),
            ipo: state.ipo_logit_shift.exp(),
            acquired: state.acquisition_logit_shift.exp(),
            hold: state.hold_logit_shift.exp(),
        }
    }
}

impl Shocks {
    /// Sizes the buffers for `scenario` (quarters `0..=horizon`, one column per field).
    pub fn resize(&mut self, scenario: &Scenario) {
        let shape = (scenario.horizon() + 1, scenario.fields.len());
        self.market.resize(shape.0, scenario.market.initial);
        if self.factors.dim() != shape {
            self.factors = Array2::zeros(shape.f());
        }
        self.valuation.resize(shape.0 * shape.1, 0.0);
        self.advance.resize(shape.0 * shape.1, 0.0);
    }

    /// Shocks held constant: the market in `state` every quarter and every factor at zero.
    pub fn constant(scenario: &Scenario, state: usize) -> Shocks {
        let mut shocks = Shocks::default();
        shocks.resize(scenario);
        shocks.market.fill(state);
        shocks.derive(scenario);
        shocks
    }

    /// Recomputes what the market and factors do, after either changed.
    pub fn derive(&mut self, scenario: &Scenario) {
        self.resize(scenario);
        let model = &scenario.factors;
        self.states.clear();
        self.states.extend(scenario.market.states.iter().map(StateWeights::of));
        self.quarter_weights.clear();
        self.quarter_weights.extend(self.market.iter().map(|&state| self.states[state]));
        // Exponents first, then one pass of a branch-free exp over each whole buffer: it
        // vectorises, where a libm call per number would be the largest cost of the path's shocks.
        let quarters = self.market.len();
        // Each quarter's shift once, rather than looked up through its state in every field:
        // the `Zip` below reads it as one more contiguous slice.
        self.valuation_shift.clear();
        self.valuation_shift.extend(self.market.iter().map(|&state| scenario.market.states[state].valuation_log_shift));
        let columns = self.valuation.chunks_exact_mut(quarters).zip(self.advance.chunks_exact_mut(quarters));
        for ((valuation, advance), factors) in columns.zip(self.factors.columns()) {
            Zip::from(valuation).and(advance).and(factors).and(self.valuation_shift.as_slice()).for_each(|v, a, &x, &shift| {
                *v = shift + model.valuation_log_per_unit * x;
                *a = model.advance_logit_per_unit * x;
            });
        }
        numeric::exp_in_place(&mut self.valuation);
        numeric::exp_in_place(&mut self.advance);
    }

    /// The view companies read, for `scenario` (the one these shocks were derived for).
    pub fn environment<'a>(&'a self, scenario: &'a Scenario) -> Environment<'a> {
        Environment { scenario, shocks: self }
    }
}

/// The path-wide shocks a company sees, read-only.
#[derive(Debug, Clone, Copy)]
pub struct Environment<'a> {
    pub scenario: &'a Scenario,
    shocks: &'a Shocks,
}

impl<'a> Environment<'a> {
    /// Last simulated quarter.
    pub fn horizon(&self) -> usize {
        self.shocks.market.len() - 1
    }

    /// The exit-market state in `quarter`.
    pub fn market_state(&self, quarter: usize) -> &MarketState {
        &self.scenario.market.states[self.shocks.market[quarter]]
    }

    /// What a company in `field` reads of the shocks, quarter by quarter.
    #[inline]
    pub fn field(&self, field: usize) -> FieldShocks<'a> {
        let quarters = self.shocks.market.len();
        let column = field * quarters..(field + 1) * quarters;
        FieldShocks {
            weights: &self.shocks.quarter_weights[..quarters],
            advance: &self.shocks.advance[column.clone()],
            valuation: &self.shocks.valuation[column],
        }
    }

    /// Field `field`'s progress factor at the end of `quarter`.
    pub fn field_progress(&self, field: usize, quarter: usize) -> f64 {
        self.shocks.factors[[quarter, field]]
    }
}

/// The shocks a company in one field sees, each slice indexed by quarter `0..=horizon` (all
/// of one length, so that one check of a quarter covers the three reads).
#[derive(Debug, Clone, Copy)]
pub struct FieldShocks<'a> {
    /// Outcome-weight multipliers of the market state in each quarter.
    pub weights: &'a [StateWeights],
    /// Multiplier of the weight of advancing, from the field's progress:
    /// `exp(factor × advance_logit_per_unit)`.
    pub advance: &'a [f64],
    /// `exp` of the valuation level set by the market and the field's progress. A price set in
    /// one quarter and one set in another differ by the ratio of levels.
    pub valuation: &'a [f64],
}
