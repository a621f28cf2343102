//! The fund of funds on one path (docs/model.md §5, "The fund of funds").
//!
//! The fund's cash flows are the sum of its sleeves — its side of each sub-fund (after
//! concessions) and the direct sleeve — plus its own running costs (a share of its size per
//! quarter over its life, paid in by the sponsor like everything else). Distributions go straight
//! back to the sponsor (no recycling). Commitments to sub-funds are paced by their vintages. With
//! a funding plan, the path's cash account ([`super::cash`]) is kept from these flows, last.
//!
//! [`Simulator`] holds what is fixed for a run (the scenario, sampling laws, stream keys);
//! [`Simulator::simulate_path`] fills a reusable [`PathState`], so a thread allocates once and
//! simulates many paths.

use rand::RngExt;

use super::Shocks;
use super::cash::{self, CashAccount};
use super::company::{LawError, ProfileLaw};
use super::direct::{self, DirectOutcome};
use super::flows::CashFlows;
use super::subfund::{self, SubFundOutcome};
use super::{factors, market};
use crate::rng::{Component, StreamKey};
use crate::scenario::Scenario;
use crate::scenario::workload::{DealLimitReached, DealLimits};

/// Everything fixed for one run of one scenario under one seed.
#[derive(Debug, Clone)]
pub struct Simulator<'a> {
    scenario: &'a Scenario,
    laws: Vec<ProfileLaw>,
    market_key: StreamKey,
    factor_key: StreamKey,
    direct_key: StreamKey,
    subfund_keys: Vec<StreamKey>,
    /// One per sub-fund, `None` when the sub-fund has no fundraising risk.
    fundraising_keys: Vec<Option<StreamKey>>,
    deal_limits: DealLimits,
    /// The funding plan's appropriations by quarter (empty without a plan).
    appropriated: Vec<f64>,
}

/// One path's state and outcome; reused across paths by one thread.
#[derive(Debug, Default)]
pub struct PathState {
    /// The path's exit-market states and field factors.
    pub shocks: Shocks,
    /// The fund's cash flows: all sleeves and running costs.
    pub fund: CashFlows,
    /// The fund's side of all sub-funds together.
    pub subfund_sleeve: CashFlows,
    /// Running costs per quarter.
    pub running_costs: Vec<f64>,
    /// The fund's cash account under the scenario's funding plan (empty without one).
    pub cash: CashAccount,
    pub subfunds: Vec<SubFundOutcome>,
    pub direct: DirectOutcome,
    /// Per sub-fund, what its other LPs committed as a share of what was planned (1 without a
    /// fundraising shortfall, [`crate::scenario::Shortfall`]).
    pub raised: Vec<f64>,
    factor_scratch: Vec<f64>,
    subfund_ws: subfund::Workspace,
    direct_ws: direct::Workspace,
}

impl PathState {
    /// A state whose paths keep every stake of every book ([`super::holdings::Book::stakes`])
    /// and each sub-fund's flows before concessions, for `scenario`'s sub-funds: what the
    /// calibration report card reads. [`PathState::default`] keeps neither.
    pub fn recording(scenario: &Scenario) -> PathState {
        let mut state = PathState::default();
        state.direct.book.stakes = Some(Vec::new());
        state.subfunds.resize_with(scenario.subfunds.len(), || SubFundOutcome {
            book: super::holdings::Book { stakes: Some(Vec::new()), ..Default::default() },
            before_concessions: Some(CashFlows::default()),
            ..Default::default()
        });
        state
    }
}

impl<'a> Simulator<'a> {
    /// Prepares a run of `scenario` under master `seed`.
    ///
    /// # Errors
    /// If a profile's laws cannot be built (a validated scenario never does this).
    pub fn new(scenario: &'a Scenario, seed: u64) -> Result<Simulator<'a>, LawError> {
        let laws = scenario.profiles.iter().map(ProfileLaw::new).collect::<Result<Vec<_>, _>>()?;
        Ok(Simulator {
            scenario,
            laws,
            market_key: StreamKey::new(seed, Component::ExitMarket),
            factor_key: StreamKey::new(seed, Component::FieldFactors),
            direct_key: StreamKey::new(seed, Component::Direct),
            subfund_keys: scenario.subfunds.iter().map(|s| StreamKey::new(seed, Component::SubFund(&s.key))).collect(),
            fundraising_keys: scenario
                .subfunds
                .iter()
                .map(|s| (s.fundraising_shortfall.probability > 0.0).then(|| StreamKey::new(seed, Component::Fundraising(&s.key))))
                .collect(),
            deal_limits: DealLimits::of(scenario),
            appropriated: scenario.funding.as_ref().map(|plan| plan.by_quarter(scenario.horizon())).unwrap_or_default(),
        })
    }

    pub fn scenario(&self) -> &'a Scenario {
        self.scenario
    }

    /// The same simulator with other deal limits: tests reach a limit with a validated scenario.
    #[cfg(test)]
    pub(crate) fn with_deal_limits(self, deal_limits: DealLimits) -> Simulator<'a> {
        Simulator { deal_limits, ..self }
    }

    /// Simulates path `path` into `state`.
    ///
    /// # Errors
    /// If a sleeve reaches its deal limit ([`DealLimits`]); `state` is then incomplete.
    pub fn simulate_path(&self, path: u64, state: &mut PathState) -> Result<(), DealLimitReached> {
        let scenario = self.scenario;
        let horizon = scenario.horizon();
        let shocks = &mut state.shocks;
        shocks.resize(scenario);
        market::simulate(&scenario.market, &mut self.market_key.rng(path, 0), &mut shocks.market);
        factors::simulate(&scenario.fields, &scenario.factors, &mut self.factor_key.rng(path, 0), &mut shocks.factors, &mut state.factor_scratch);
        shocks.derive(scenario);
        let env = state.shocks.environment(scenario);

        state.subfunds.resize_with(scenario.subfunds.len(), SubFundOutcome::default);
        let subfunds = scenario.subfunds.iter().zip(&self.subfund_keys).zip(&self.deal_limits.subfunds);
        let as_of = scenario.as_of.as_deref();
        for (i, (((spec, key), &max_deals), out)) in subfunds.zip(&mut state.subfunds).enumerate() {
            match as_of.and_then(|a| a.subfunds[i].as_ref().map(|actual| (a.quarter, actual))) {
                Some((quarter, actual)) => subfund::simulate_from(&env, &self.laws, spec, actual, quarter, key, path, max_deals, &mut state.subfund_ws, out)?,
                None => subfund::simulate(&env, &self.laws, spec, key, path, max_deals, &mut state.subfund_ws, out)?,
            }
        }
        let (direct_key, direct_limit, direct_ws) = (&self.direct_key, self.deal_limits.direct, &mut state.direct_ws);
        match as_of {
            Some(a) => direct::simulate_from(&env, &self.laws, &a.forecast_direct, &a.direct, a.quarter, a.direct_team_costs_cny_m, direct_key, path, direct_limit, direct_ws, &mut state.direct)?,
            None => direct::simulate(&env, &self.laws, &scenario.direct, direct_key, path, direct_limit, direct_ws, &mut state.direct)?,
        }

        reset(&mut state.subfund_sleeve, horizon);
        for outcome in &state.subfunds {
            state.subfund_sleeve.add_scaled(&outcome.fund, 1.0);
        }
        state.raised.clear();
        for (spec, key) in scenario.subfunds.iter().zip(&self.fundraising_keys) {
            let raised = key.map_or(1.0, |key| {
                let mut rng = key.rng(path, 0);
                let short = rng.random::<f64>() < spec.fundraising_shortfall.probability;
                let share = rng.random::<f64>() * spec.fundraising_shortfall.max_share;
                1.0 - if short { share } else { 0.0 }
            });
            state.raised.push(raised);
        }
        state.running_costs.clear();
        let per_quarter = scenario.fund.running_cost_per_quarter * scenario.fund.size_cny_m;
        state.running_costs.extend((0..=horizon).map(|t| if t < scenario.fund.life_quarters { per_quarter } else { 0.0 }));
        reset(&mut state.fund, horizon);
        state.fund.add_scaled(&state.subfund_sleeve, 1.0);
        state.fund.add_scaled(&state.direct.flows, 1.0);
        for (paid, cost) in state.fund.paid_in.iter_mut().zip(&state.running_costs) {
            *paid += cost;
        }
        if let Some(plan) = &scenario.funding {
            let flows = cash::Flows {
                appropriated: &self.appropriated,
                subfund_calls: &state.subfund_sleeve.paid_in,
                direct: &state.direct.flows.paid_in,
                running_costs: &state.running_costs,
                distributions: &state.fund.distributed,
            };
            state.cash.keep(plan, flows);
        }
        Ok(())
    }
}

fn reset(flows: &mut CashFlows, horizon: usize) {
    if flows.len() == horizon + 1 {
        flows.clear();
    } else {
        *flows = CashFlows::zeros(horizon);
    }
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod forecast_tests;
