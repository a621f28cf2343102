//! Scenarios for unit tests: the shipped base scenario, and variants whose outcomes are known in
//! closed form.

use std::collections::BTreeMap;
use std::path::Path;

use crate::engine::{self, RunOptions, RunResults, Stopping};
use crate::model::company::ProfileLaw;
use crate::model::{Environment, Shocks};
use crate::scenario::raw::{RawGamma, RawOutcome, RawScenario, RawSplicedTail};
use crate::scenario::{self, Scenario, Stage};

/// `scenarios/base.toml`, validated.
pub fn base() -> Scenario {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/base.toml");
    match scenario::load(&path) {
        Ok(s) => s,
        Err(e) => panic!("base scenario must load: {e}"),
    }
}

/// `s` with `change` made to its raw scenario, validated again.
pub fn edited(s: &Scenario, change: impl FnOnce(&mut RawScenario)) -> Scenario {
    match s.edited(change) {
        Ok(s) => s,
        Err(e) => panic!("the edited {} must stay valid: {e}", s.name),
    }
}

/// The base scenario with every source of randomness that shifts outcomes switched off:
/// no market effects, flat field factors, no manager skill, no valuation dispersion.
pub fn quiet() -> Scenario {
    edited(&base(), |raw| {
        for state in raw.exit_market.states.values_mut() {
            state.ipo_logit_shift = 0.0;
            state.round_logit_shift = 0.0;
            state.acquisition_logit_shift = 0.0;
            state.hold_logit_shift = 0.0;
            state.valuation_log_shift = 0.0;
        }
        for field in raw.fields.values_mut() {
            field.drift_per_year = 0.0;
            field.volatility_per_year = 0.0;
            field.breakthrough.hazard_per_year = 0.0;
            field.winter.hazard_per_year = 0.0;
        }
        raw.skill.dispersion = 0.0;
        raw.fund.running_cost_per_year = 0.0;
        raw.direct.team_cost_per_year = 0.0;
        raw.direct.team_cost_after_per_year = 0.0;
    })
}

/// `s` with sub-funds that cost nothing: no fees, carry, end-of-life discount or concessions, so
/// that their LPs receive exactly what their companies return.
pub fn cost_free_subfunds(s: Scenario) -> Scenario {
    edited(&s, |raw| {
        for sub in raw.subfunds.values_mut() {
            sub.management_fee_ip = 0.0;
            sub.management_fee_post = 0.0;
            sub.carry = 0.0;
            sub.end_of_life_discount = 0.0;
            sub.buyback.share = 0.0;
            sub.profit_cession.share = 0.0;
            sub.loss_first.cap = 0.0;
        }
    })
}

/// Every company, whatever its profile, enters at growth, waits exactly `wait_quarters` and
/// lists at `multiple` × its entry post-money.
pub fn deterministic_ipos(s: Scenario, wait_quarters: f64, multiple: f64) -> Scenario {
    let growth_only: BTreeMap<String, f64> = [(Stage::Growth.key().to_string(), 1.0)].into_iter().collect();
    edited(&s, |raw| {
        for profile in raw.profiles.values_mut() {
            let growth = &mut profile.stages.growth;
            growth.months_to_event = RawGamma { mean: 3.0 * wait_quarters, shape: f64::INFINITY };
            growth.outcome = RawOutcome { advance: 1.0, acquired: 0.0, failed: 0.0, hold: 0.0 };
            profile.ipo_multiple = RawSplicedTail { median: multiple, sigma: 0.0, tail_share: 0.0, ..profile.ipo_multiple };
        }
        raw.direct.stage_mix = growth_only.clone();
        for sub in raw.subfunds.values_mut() {
            sub.stage_mix = growth_only.clone();
        }
    })
}

/// A direct-only fund without running costs that, on some paths, never makes a deal and so pays
/// nothing in (no TVPI, DPI or IRR on those paths): its budget arrives over ten times the horizon,
/// so by the horizon only a tenth of it is there, and a path whose first deal (a growth-stage
/// cheque of about that size) is larger waits for it to the end. Not a scenario a file can
/// express (validation keeps deployment within the horizon); the other way a fund pays nothing
/// in, a sleeve with no money, leaves out every path, not some.
pub fn idle_on_some_paths() -> Scenario {
    let s = edited(&quiet(), |raw| {
        raw.fund.size_cny_m = 2000.0;
        raw.fund.direct_share = 1.0;
        raw.subfunds.clear();
        raw.direct.stage_mix = [(Stage::Growth.key().to_string(), 1.0)].into_iter().collect();
    });
    s.with_direct_deployment_past_horizon(10 * (s.horizon() + 1))
}

/// A small fund on base's laws: its first two sub-funds and a tenth of base's direct budget,
/// sized to fit them. A path costs a small share of a base path, so tests can run many
/// independent runs of it (interval coverage).
pub fn small() -> Scenario {
    let base = base();
    let commitments: f64 = base.subfunds[..2].iter().map(|s| s.commitment_cny_m).sum();
    with_direct_budget(&base, 2, commitments, 0.1 * base.direct.budget_cny_m)
}

/// `s` with only its first `subfunds` sub-funds (by key, the validated order), which commit
/// `commitments` between them, and a direct budget of `budget`: the fund sized to fit both.
pub fn with_direct_budget(s: &Scenario, subfunds: usize, commitments: f64, budget: f64) -> Scenario {
    edited(s, |raw| {
        let kept: Vec<String> = raw.subfunds.keys().take(subfunds).cloned().collect();
        raw.subfunds.retain(|key, _| kept.contains(key));
        raw.fund.size_cny_m = commitments + budget;
        raw.fund.direct_share = budget / raw.fund.size_cny_m;
    })
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

/// `plan` with an empty book at quarter 0 (`[as_of]`, docs/portfolio.md): before its first
/// investment, the forecast is the plan itself.
pub fn empty_book_at_first_quarter(plan: &Scenario) -> Scenario {
    plan.with_book(|book| {
        *book = Some(Box::new(crate::scenario::portfolio::AsOf {
            quarter: 0,
            source: Default::default(),
            description: String::new(),
            subfunds: vec![None; plan.subfunds.len()],
            direct: Vec::new(),
            direct_team_costs_cny_m: 0.0,
            plan_subfunds: plan.subfunds.clone(),
            forecast_direct: crate::scenario::portfolio::forecast_direct(&plan.direct, 0, 0.0),
        }))
    })
}
