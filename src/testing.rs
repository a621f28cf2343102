//! Scenarios for unit tests: the shipped base scenario, and variants whose outcomes are known in
//! closed form.

use std::path::Path;

use crate::engine::{self, RunOptions, RunResults, Stopping};
use crate::model::company::ProfileLaw;
use crate::model::{Environment, Shocks};
use crate::scenario::{self, Outcome, Scenario, Stage};

/// `scenarios/base.toml`, validated.
pub fn base() -> Scenario {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/base.toml");
    match scenario::load(&path) {
        Ok(s) => s,
        Err(e) => panic!("base scenario must load: {e}"),
    }
}

/// The base scenario with every source of randomness that shifts outcomes switched off:
/// no market effects, flat field factors, no manager skill, no valuation dispersion.
pub fn quiet() -> Scenario {
    let mut s = base();
    for state in &mut s.market.states {
        state.ipo_logit_shift = 0.0;
        state.round_logit_shift = 0.0;
        state.acquisition_logit_shift = 0.0;
        state.hold_logit_shift = 0.0;
        state.valuation_log_shift = 0.0;
    }
    for field in &mut s.fields {
        field.drift_per_quarter = 0.0;
        field.volatility_per_quarter = 0.0;
        field.breakthrough.quarterly_probability = 0.0;
        field.winter.quarterly_probability = 0.0;
    }
    s.skill.dispersion = 0.0;
    s.fund.running_cost_per_quarter = 0.0;
    s.direct.team_cost_per_quarter = 0.0;
    s.direct.team_cost_after_per_quarter = 0.0;
    s
}

/// `s` with sub-funds that cost nothing: no fees, carry, end-of-life discount or concessions, so
/// that their LPs receive exactly what their companies return.
pub fn cost_free_subfunds(mut s: Scenario) -> Scenario {
    for sub in &mut s.subfunds {
        sub.management_fee_ip_per_quarter = 0.0;
        sub.management_fee_post_per_quarter = 0.0;
        sub.carry = 0.0;
        sub.end_of_life_discount = 0.0;
        sub.concession.buyback.share = 0.0;
        sub.concession.profit_cession_share = 0.0;
        sub.concession.loss_first_cap = 0.0;
    }
    s
}

/// Every company, whatever its profile, enters at growth, waits exactly `wait_quarters` and
/// lists at `multiple` × its entry post-money.
pub fn deterministic_ipos(mut s: Scenario, wait_quarters: f64, multiple: f64) -> Scenario {
    for profile in &mut s.profiles {
        let growth = &mut profile.stages[Stage::Growth.index()];
        growth.wait_mean_quarters = wait_quarters;
        growth.wait_shape = f64::INFINITY;
        growth.outcome_probabilities = [1.0, 0.0, 0.0, 0.0];
        growth.outcome_logits = growth.outcome_probabilities.map(f64::ln);
        debug_assert_eq!(Outcome::Advance.index(), 0);
        profile.ipo_multiple.body.median = multiple;
        profile.ipo_multiple.body.sigma = 0.0;
        profile.ipo_multiple.tail_share = 0.0;
        profile.ipo_multiple.threshold = f64::INFINITY;
    }
    s.direct.stage_mix = [0.0, 0.0, 0.0, 0.0, 1.0];
    for sub in &mut s.subfunds {
        sub.stage_mix = [0.0, 0.0, 0.0, 0.0, 1.0];
    }
    s
}

/// A direct-only fund without running costs that, on some paths, never makes a deal and so pays
/// nothing in (no TVPI, DPI or IRR on those paths): its budget arrives over ten times the horizon,
/// so by the horizon only a tenth of it is there, and a path whose first deal (a growth-stage
/// cheque of about that size) is larger waits for it to the end. Not a scenario a file can
/// express (validation keeps deployment within the horizon); the other way a fund pays nothing
/// in, a sleeve with no money, leaves out every path, not some.
pub fn idle_on_some_paths() -> Scenario {
    let mut s = quiet();
    s.fund.size_cny_m = 2000.0;
    s.fund.direct_share = 1.0;
    s.subfunds.clear();
    s.direct.budget_cny_m = s.fund.size_cny_m;
    s.direct.deploy_quarters = 10 * (s.horizon() + 1);
    s.direct.stage_mix = [0.0, 0.0, 0.0, 0.0, 1.0];
    s
}

/// A small fund on base's laws: its first two sub-funds and a tenth of base's direct budget,
/// sized to fit them. A path costs a small share of a base path, so tests can run many
/// independent runs of it (interval coverage).
pub fn small() -> Scenario {
    let mut s = base();
    s.subfunds.truncate(2);
    s.direct.budget_cny_m *= 0.1;
    s.fund.size_cny_m = s.subfund_commitments_cny_m() + s.direct.budget_cny_m;
    s.fund.direct_share = s.direct.budget_cny_m / s.fund.size_cny_m;
    s
}

/// `paths` paths of `scenario` at seed 11 on two threads, as the decision commands' tests run them.
pub fn run(scenario: &Scenario, paths: u64) -> RunResults {
    let options = RunOptions { seed: 11, stopping: Stopping::Paths(paths), threads: Some(2) };
    match engine::run(scenario, &options, &mut |_| {}, None) {
        Ok(results) => results,
        Err(e) => panic!("{} must run: {e}", scenario.name),
    }
}

/// Runs `f` in `scenario`'s environment held in its initial market state with flat field factors
/// ([`Shocks::constant`]), with the profiles' sampling laws: how a sleeve's tests simulate it alone.
pub fn with_constant_shocks<T>(scenario: &Scenario, f: impl FnOnce(&Environment<'_>, &[ProfileLaw]) -> T) -> T {
    let shocks = Shocks::constant(scenario, scenario.market.initial);
    let env = shocks.environment(scenario);
    let laws: Vec<ProfileLaw> = scenario.profiles.iter().map(|p| ProfileLaw::new(p).unwrap_or_else(|e| panic!("{e}"))).collect();
    f(&env, &laws)
}
