//! What is simulated on one path: the exit market, field factors, companies, sub-funds, the
//! direct sleeve and the fund of funds.
//!
//! A path is simulated top-down: first the path-wide [`Shocks`] ([`market`] states and
//! [`factors`] for every quarter), then each sub-fund ([`subfund`]) and the direct sleeve
//! ([`direct`]), whose companies ([`company`]) read those shocks through an [`Environment`];
//! [`fund`] adds the sleeves up into the fund's cash flows and the per-path outcome.

pub mod company;
pub mod concession;
pub mod direct;
pub mod factors;
pub mod flows;
pub mod fund;
pub mod holdings;
pub mod market;
pub mod mix;
pub mod subfund;
pub mod waterfall;

use ndarray::{Array2, Zip};

use crate::numeric;
use crate::scenario::{MarketState, Scenario};

/// A path's shocks: the exit-market state and the field factors by quarter, and what they do to
/// companies, exponentiated once per path (thousands of company events read them).
#[derive(Debug, Clone, Default)]
pub struct Shocks {
    /// Market state index per quarter, `0..=horizon`.
    pub market: Vec<usize>,
    /// Field factor per quarter (rows) and field (columns).
    pub factors: Array2<f64>,
    /// `exp(valuation level)` per quarter and field (quarter-major, like `factors`): market
    /// valuation shift + factor × `valuation_log_per_unit`.
    valuation: Vec<f64>,
    /// `exp(factor × advance_logit_per_unit)` per quarter and field, quarter-major.
    advance: Vec<f64>,
    /// Outcome-weight multipliers of each market state.
    states: Vec<StateWeights>,
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
            self.factors = Array2::zeros(shape);
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
        // Exponents first, then one pass of a branch-free exp over each whole buffer: it
        // vectorises, where a libm call per number was the largest cost of the path's shocks.
        let fields = self.factors.ncols();
        let levels = self.valuation.chunks_exact_mut(fields).zip(self.advance.chunks_exact_mut(fields));
        for ((&state, factors), (valuation, advance)) in self.market.iter().zip(self.factors.rows()).zip(levels) {
            let shift = scenario.market.states[state].valuation_log_shift;
            Zip::from(valuation).and(advance).and(factors).for_each(|v, a, &x| {
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

impl Environment<'_> {
    /// Last simulated quarter.
    pub fn horizon(&self) -> usize {
        self.shocks.market.len() - 1
    }

    /// The exit-market state in `quarter`.
    pub fn market_state(&self, quarter: usize) -> &MarketState {
        &self.scenario.market.states[self.shocks.market[quarter]]
    }

    /// Outcome-weight multipliers of the market state in `quarter`.
    pub fn state_weights(&self, quarter: usize) -> &StateWeights {
        &self.shocks.states[self.shocks.market[quarter]]
    }

    /// Multiplier of the weight of advancing for a company in `field` in `quarter`, from its
    /// field's progress: `exp(factor × advance_logit_per_unit)`.
    pub fn field_advance(&self, field: usize, quarter: usize) -> f64 {
        self.shocks.advance[self.cell(field, quarter)]
    }

    /// Field `field`'s progress factor at the end of `quarter`.
    pub fn field_progress(&self, field: usize, quarter: usize) -> f64 {
        self.shocks.factors[[quarter, field]]
    }

    /// `exp` of the valuation level in `field` in `quarter` set by the market and the field's
    /// progress. A price set in one quarter and one set in another differ by the ratio of levels.
    pub fn valuation(&self, field: usize, quarter: usize) -> f64 {
        self.shocks.valuation[self.cell(field, quarter)]
    }

    /// Index of (`quarter`, `field`) in the quarter-major buffers of [`Shocks`].
    fn cell(&self, field: usize, quarter: usize) -> usize {
        let fields = self.shocks.factors.ncols();
        debug_assert!(field < fields, "field {field} of {fields}");
        quarter * fields + field
    }
}
