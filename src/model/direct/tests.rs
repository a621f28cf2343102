use super::*;
use crate::rng::Component;
use crate::scenario::Scenario;
use crate::scenario::raw::{RawGamma, RawOutcome, RawReallocation};
use crate::testing;

fn run(scenario: &Scenario, path: u64) -> DirectOutcome {
    let key = StreamKey::new(23, Component::Direct);
    let mut out = DirectOutcome::default();
    testing::with_constant_shocks(scenario, |env, laws| simulate(env, laws, &scenario.direct, &key, path, usize::MAX, &mut Workspace::default(), &mut out)).unwrap();
    out
}

/// The sleeve stops with an error naming it at its deal limit, and not before.
#[test]
fn deals_stop_at_the_limit_with_an_error() {
    let scenario = testing::base();
    let key = StreamKey::new(23, Component::Direct);
    let made = run(&scenario, 2).book.counts.backed as usize;
    assert!(made > 3, "{made}");
    let deals = |max_deals| {
        testing::with_constant_shocks(&scenario, |env, laws| {
            simulate(env, laws, &scenario.direct, &key, 2, max_deals, &mut Workspace::default(), &mut DirectOutcome::default())
        })
    };
    assert_eq!(deals(made), Ok(()));
    assert_eq!(deals(made - 1), Err(DealLimitReached { sleeve: "direct".into(), limit: made - 1 }));
}

#[test]
fn the_budget_bounds_what_is_committed_and_paid() {
    let scenario = testing::base();
    for path in 0..20 {
        let out = run(&scenario, path);
        let paid = out.flows.total_paid_in() - out.team_costs;
        let budget = scenario.direct.budget_cny_m;
        assert!(out.committed - out.lapsed <= budget * (1.0 + 1e-9) + out.lapsed, "recycled lapses only");
        assert!(paid <= out.committed - out.lapsed + 1e-6);
        assert!((paid - out.book.cost).abs() < 1e-6);
        assert!(out.book.counts.backed > 10);
        assert!((out.undeployed + out.committed - out.lapsed - budget).abs() < 1e-6 * budget || out.lapsed > 0.0);
    }
}

/// A fund with no direct share keeps its direct weights but makes no direct deals (and ends).
#[test]
fn a_sleeve_without_budget_makes_no_deals() {
    let scenario = testing::edited(&testing::base(), |raw| raw.fund.direct_share = 0.0);
    assert_eq!(scenario.direct.budget_cny_m, 0.0);
    assert!(scenario.fields.iter().any(|f| f.direct_weight > 0.0));
    let out = run(&scenario, 3);
    assert_eq!(out.book.counts.backed, 0);
    assert_eq!(out.committed, 0.0);
    assert_eq!(out.flows.total_paid_in(), 0.0);
    assert_eq!(out.undeployed, 0.0);
}

/// Two equal tranches and a deadline too short for any next round: every second tranche
/// lapses, so exactly half of what is committed is paid (lapses recycle into new deals).
#[test]
fn tranches_lapse_when_milestones_are_missed() {
    // Every wait is exactly two quarters, the deadline one (the shortest a file can state).
    let scenario = testing::edited(&testing::quiet(), |raw| {
        raw.direct.tranches = vec![0.5, 0.5];
        raw.direct.tranche_deadline_months = 3.0;
        for profile in raw.profiles.values_mut() {
            for stage in profile.stages.all_mut() {
                stage.months_to_event = RawGamma { mean: 6.0, shape: f64::INFINITY };
            }
        }
    });
    assert_eq!(scenario.direct.tranches.deadline_quarters, 1);
    let out = run(&scenario, 1);
    assert!(out.committed > 0.0);
    assert!((out.lapsed - 0.5 * out.committed).abs() < 1e-6 * out.committed);
    assert!((out.flows.total_paid_in() - 0.5 * out.committed).abs() < 1e-6 * out.committed);
}

/// A generous deadline releases every tranche of a company that keeps raising rounds.
#[test]
fn tranches_are_released_at_milestones_met() {
    // The longest deadline a file can state, 400 quarters: far past the horizon.
    let scenario = testing::edited(&testing::quiet(), |raw| {
        raw.direct.tranches = vec![0.5, 0.5];
        raw.direct.tranche_deadline_months = 1200.0;
        for profile in raw.profiles.values_mut() {
            for stage in &mut profile.stages.all_mut()[..4] {
                stage.outcome = RawOutcome { advance: 1.0, acquired: 0.0, failed: 0.0, hold: 0.0 };
                stage.months_to_event = RawGamma { mean: 6.0, shape: f64::INFINITY };
            }
        }
        raw.direct.stage_mix = [(crate::scenario::Stage::Seed.key().to_string(), 1.0)].into_iter().collect();
    });
    let out = run(&scenario, 2);
    assert_eq!(out.lapsed, 0.0);
    assert!((out.flows.total_paid_in() - out.committed).abs() < 1e-6 * out.committed);
}

/// Tranches priced at entry buy the same stakes cheaper than tranches priced at the round that
/// meets the milestone: same paths, same cash paid, more value.
#[test]
fn entry_priced_tranches_are_worth_more_than_round_priced() {
    let priced = |pricing| testing::edited(&testing::base(), |raw| raw.direct.tranche_pricing = pricing);
    let (entry, round) = (priced(crate::scenario::TranchePricing::Entry), priced(crate::scenario::TranchePricing::Round));
    let value = |o: &DirectOutcome| o.flows.total_distributed() + o.flows.final_nav();
    let (mut entry_value, mut round_value) = (0.0, 0.0);
    for path in 0..5 {
        let (a, b) = (run(&entry, path), run(&round, path));
        assert_eq!(a.flows.paid_in, b.flows.paid_in, "pricing must not change which tranches are paid");
        entry_value += value(&a);
        round_value += value(&b);
    }
    assert!(entry_value > round_value * 1.05, "entry {entry_value} vs round {round_value}");
}

fn with_reallocation(scenario: Scenario, threshold: f64) -> Scenario {
    let s = testing::edited(&scenario, |raw| {
        raw.direct.reallocation = Some(RawReallocation { review_every_months: 12.0, progress_threshold: threshold, favour: 3.0, stalled: 0.0 });
    });
    assert_eq!(s.direct.reallocation, Some(crate::scenario::ReallocationSpec { review_quarters: 4, progress_threshold: threshold, favour: 3.0, stalled: 0.0 }));
    s
}

fn run_with_factors(scenario: &Scenario, path: u64) -> DirectOutcome {
    // Real field factors, so reviews have progress to see.
    let simulator = crate::model::fund::Simulator::new(scenario, 31).unwrap();
    let mut state = crate::model::fund::PathState::default();
    simulator.simulate_path(path, &mut state).unwrap();
    state.direct
}

#[test]
fn reviews_that_never_trigger_change_nothing() {
    let base = testing::base();
    let unreachable = with_reallocation(base.clone(), 1e9);
    for path in 0..3 {
        assert_eq!(run_with_factors(&base, path).flows, run_with_factors(&unreachable, path).flows);
    }
}

/// One field races ahead, the others stall: after the first review every new deal goes to it.
/// (Commitments paid in full at entry and valuations blind to progress, so cost shares are
/// deal shares.)
#[test]
fn reviews_move_new_deals_towards_progressing_fields() {
    let quiet = testing::quiet();
    let s = testing::edited(&quiet, |raw| {
        raw.direct.tranches = vec![1.0];
        raw.factors.valuation_log_per_unit = 0.0;
        for (key, field) in &mut raw.fields {
            field.drift_per_year = if *key == quiet.fields[0].key { 1.0 } else { -1.0 };
        }
    });
    assert!(s.fields.iter().enumerate().all(|(i, f)| f.drift_per_quarter == if i == 0 { 0.25 } else { -0.25 }));
    let share_of_first = |o: &DirectOutcome| o.book.by_field[0].cost / o.book.cost;
    let static_share = share_of_first(&run_with_factors(&s, 0));
    let dynamic = run_with_factors(&with_reallocation(s, 0.5), 0);
    let dynamic_share = share_of_first(&dynamic);
    assert!(static_share < 0.2, "equal weights over 11 fields: {static_share}");
    assert!(dynamic_share > 0.6, "deals after the first review all go to field 0: {dynamic_share}");
}

/// The team costs its deployment rate on the whole budget in each deployment quarter (and
/// nothing before the sleeve's first quarter), then its later rate on the cost still held.
#[test]
fn the_team_costs_a_share_of_the_budget_then_of_the_cost_held() {
    let team_cost_after = |per_year| testing::edited(&testing::base(), |raw| raw.direct.team_cost_after_per_year = per_year);
    let scenario = team_cost_after(0.0);
    let out = run(&scenario, 4);
    let spec = scenario.direct.clone();
    let while_deploying = spec.team_cost_per_quarter * spec.budget_cny_m * spec.deploy_quarters as f64;
    assert!(spec.first_quarter > 0 && (out.team_costs - while_deploying).abs() < 1e-9 * while_deploying, "{}", out.team_costs);
    let paid = out.flows.total_paid_in();
    assert!((paid - out.book.cost - while_deploying).abs() < 1e-6, "paid in: the deals and the team");
    assert_eq!(out.flows.paid_in[spec.first_quarter - 1], 0.0, "no deal and no team before the first quarter");

    let scenario = team_cost_after(0.04);
    assert_eq!(scenario.direct.team_cost_after_per_quarter, 0.01);
    let after = run(&scenario, 4).team_costs - while_deploying;
    assert!(after > 0.0 && after < 0.01 * out.book.cost * (scenario.horizon() - spec.deploy_quarters) as f64, "{after}");
}

/// Lapsed tranches that come back after deployment are not committed again, unless the sleeve
/// recycles them: then they fund new deals after the deployment window, and the budget itself is
/// not added again.
#[test]
fn recycling_commits_lapsed_money_after_deployment() {
    let scenario = testing::base();
    let plain = run(&scenario, 6);
    let scenario = testing::edited(&scenario, |raw| raw.direct.recycle_years = 2.0);
    assert_eq!(scenario.direct.recycle_quarters, 8);
    let recycled = run(&scenario, 6);
    let deploy_end = scenario.direct.first_quarter + scenario.direct.deploy_quarters;
    assert!(recycled.committed > plain.committed, "{} vs {}", recycled.committed, plain.committed);
    let late: f64 = recycled.book.quarters[deploy_end..deploy_end + 8].iter().map(|q| q.invested).sum();
    let late_plain: f64 = plain.book.quarters[deploy_end..deploy_end + 8].iter().map(|q| q.invested).sum();
    assert!(late > late_plain, "new deals after the window: {late} vs {late_plain}");
    // Never more committed, net of lapses, than the budget.
    let budget = scenario.direct.budget_cny_m;
    assert!(recycled.committed - recycled.lapsed <= budget * (1.0 + 1e-9), "{} - {}", recycled.committed, recycled.lapsed);
}
