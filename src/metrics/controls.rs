//! Control variates: per-path quantities whose expectation is known from the scenario alone
//! (docs/performance.md, "Control variates").
//!
//! A path draws shocks whose laws the scenario fixes — the exit market's states, the field
//! factors, each manager's skill, deployment pace and extension, and the IPO multiples. Those
//! draws explain much of why one path's fund TVPI differs from another's, so regressing a
//! metric on them and reading the regression at their known means ([`crate::stats::control`])
//! estimates the metric's mean with a much smaller error than the plain average, without bias.
//!
//! Every control is stored *centred* (the draw less its known mean), so each has expectation
//! exactly zero; the tests check that on many paths. The controls are:
//!
//! * `market_<state>_quarters`: quarters spent in each exit-market state but the last, less
//!   the expected count (the chain's distribution propagated from its initial state, pins
//!   included);
//! * `factor_<field>_mean_level`: the field factor averaged over quarters 1..=horizon, less
//!   `(drift + p_breakthrough · size − p_winter · size) · (horizon + 1) / 2`;
//! * `subfund_skill`, `subfund_skill_value`, `subfund_pace`, `subfund_extended`: the sub-funds'
//!   standard-normal skill draws, their exit-value multipliers less 1, their deployment paces
//!   less their lognormal means and their extension indicators less their probabilities, each
//!   summed over sub-funds weighted by the fund's commitment share;
//! * `subfund_exit_surprise`, `direct_exit_surprise`: the holders' share of their IPOs' values
//!   less the expectation given everything drawn before the IPO multiple
//!   ([`crate::model::holdings::Book::exit_surprise`]), the fund's side of the sub-funds
//!   (`fund_share` of each) and the direct sleeve, CNY m. These carry the heavy IPO tail, the
//!   largest source of variance of a fund's multiple.

use crate::model::fund::PathState;
use crate::scenario::Scenario;

/// The control variates of a scenario: their keys, in the order [`Controls::compute`] fills
/// them.
#[derive(Debug, Clone, PartialEq)]
pub struct Controls {
    pub keys: Vec<String>,
    /// Expected quarters in each market state but the last (the known means of those controls).
    market_expected: Vec<f64>,
    /// Expected factor mean level of each field.
    factor_expected: Vec<f64>,
    /// Per sub-fund: commitment weight, expected pace.
    subfund_weights: Vec<f64>,
    pace_expected: Vec<f64>,
}

impl Controls {
    pub fn new(scenario: &Scenario) -> Controls {
        let horizon = scenario.horizon();
        let market = &scenario.market;
        let states = market.states.len();
        let mut keys = Vec::new();
        let mut market_expected = vec![0.0; states];
        let mut distribution = vec![0.0; states];
        for t in 0..=horizon {
            if t == 0 {
                distribution[market.initial] = 1.0;
            } else {
                let mut next = vec![0.0; states];
                for (i, row) in market.transition.iter().enumerate() {
                    for (j, p) in row.iter().enumerate() {
                        next[j] += distribution[i] * p;
                    }
                }
                distribution = next;
            }
            if let Some(pinned) = market.pinned.get(t).copied().flatten() {
                distribution.iter_mut().for_each(|p| *p = 0.0);
                distribution[pinned] = 1.0;
            }
            for (expected, p) in market_expected.iter_mut().zip(&distribution) {
                *expected += p;
            }
        }
        market_expected.truncate(states.saturating_sub(1));
        keys.extend(market.states.iter().take(market_expected.len()).map(|s| format!("market_{}_quarters", s.key)));
        let mean_quarter = (horizon + 1) as f64 / 2.0;
        let factor_expected = scenario
            .fields
            .iter()
            .map(|f| {
                (f.drift_per_quarter + f.breakthrough.quarterly_probability * f.breakthrough.size - f.winter.quarterly_probability * f.winter.size)
                    * mean_quarter
            })
            .collect();
        keys.extend(scenario.fields.iter().map(|f| format!("factor_{}_mean_level", f.key)));
        let committed = scenario.subfund_commitments_cny_m();
        let subfund_weights = scenario.subfunds.iter().map(|s| if committed > 0.0 { s.commitment_cny_m / committed } else { 0.0 }).collect();
        let pace_expected =
            scenario.subfunds.iter().map(|s| s.deployment_pace.median * (s.deployment_pace.sigma * s.deployment_pace.sigma / 2.0).exp()).collect();
        for key in ["subfund_skill", "subfund_skill_value", "subfund_pace", "subfund_extended", "subfund_exit_surprise", "direct_exit_surprise"] {
            keys.push(key.to_string());
        }
        Controls { keys, market_expected, factor_expected, subfund_weights, pace_expected }
    }

    pub fn len(&self) -> usize {
        self.keys.len()
    }

    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// Appends the path's centred controls to `row`, in the order of [`Controls::keys`].
    pub fn compute(&self, scenario: &Scenario, state: &PathState, row: &mut Vec<f64>) {
        let shocks = &state.shocks;
        for (j, expected) in self.market_expected.iter().enumerate() {
            let quarters = shocks.market.iter().filter(|&&s| s == j).count();
            row.push(quarters as f64 - expected);
        }
        let horizon = scenario.horizon();
        for (levels, expected) in shocks.factors.columns().into_iter().zip(&self.factor_expected) {
            let mean = if horizon > 0 { levels.iter().skip(1).sum::<f64>() / horizon as f64 } else { 0.0 };
            row.push(mean - expected);
        }
        let value_sd = scenario.skill.dispersion * scenario.skill.valuation_log_per_unit;
        let (mut skill, mut skill_value, mut pace, mut extended, mut surprise) = (0.0, 0.0, 0.0, 0.0, 0.0);
        let subfunds = state.subfunds.iter().zip(&scenario.subfunds).zip(self.subfund_weights.iter().zip(&self.pace_expected));
        for ((outcome, spec), (&weight, &pace_mean)) in subfunds {
            skill += weight * outcome.skill_z;
            skill_value += weight * ((value_sd * outcome.skill_z - value_sd * value_sd / 2.0).exp() - 1.0);
            pace += weight * (outcome.pace - pace_mean);
            extended += weight * (f64::from(u8::from(outcome.extended)) - spec.extension_probability);
            surprise += spec.fund_share * outcome.book.exit_surprise;
        }
        row.extend([skill, skill_value, pace, extended, surprise, state.direct.book.exit_surprise]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::fund::Simulator;
    use crate::stats::summary::Summary;

    /// Every control averages zero over many paths of base (within 4.5 standard errors: 18
    /// controls, so a false alarm is rarer than 1 in 10,000 runs of the test).
    #[test]
    fn every_control_has_its_known_mean() {
        let scenario = crate::testing::base();
        let controls = Controls::new(&scenario);
        assert_eq!(controls.len(), 2 + scenario.fields.len() + 6);
        let simulator = Simulator::new(&scenario, 31).unwrap();
        let mut state = PathState::default();
        let paths = 1_500;
        let mut values = vec![Vec::with_capacity(paths); controls.len()];
        let mut row = Vec::new();
        for path in 0..paths as u64 {
            simulator.simulate_path(path, &mut state).unwrap();
            row.clear();
            controls.compute(&scenario, &state, &mut row);
            for (column, &x) in values.iter_mut().zip(&row) {
                column.push(x);
            }
        }
        for (key, column) in controls.keys.iter().zip(&values) {
            let s = Summary::of(column);
            assert_eq!(s.n, paths, "{key}");
            assert!(s.std_dev > 0.0, "{key} varies in base");
            assert!(s.mean.abs() < 4.5 * s.std_error, "{key}: mean {} with standard error {}", s.mean, s.std_error);
        }
    }

    /// Pinning every quarter leaves the market controls with no variance and no offset.
    #[test]
    fn a_pinned_market_has_exact_expected_occupancy() {
        let base = crate::testing::base();
        let quarters = base.horizon() + 1;
        let scenario = crate::testing::edited(&base, |raw| {
            let pin = |t| base.calendar.quarter(t).to_string();
            let state = base.market.states[1].key.clone();
            raw.exit_market.pinned = vec![crate::scenario::raw::RawPin { from: pin(0), to: pin(quarters - 1), state }];
        });
        assert_eq!(scenario.market.pinned, vec![Some(1); quarters]);
        let controls = Controls::new(&scenario);
        assert_eq!(controls.market_expected, [0.0, quarters as f64]);
    }
}
