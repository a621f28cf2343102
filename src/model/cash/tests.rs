use super::*;
use crate::model::fund::{PathState, Simulator};
use crate::scenario::Scenario;
use crate::scenario::funding::{DistributionRule, ShortfallRule};
use crate::testing;

fn plan(distributions: DistributionRule, deposit_rate: f64) -> FundingPlan {
    FundingPlan {
        appropriations: Vec::new(),
        distributions,
        deposit_rate_per_quarter: crate::calendar::quarterly_rate(deposit_rate),
        deposit_rate,
        cost_of_funds_rate: deposit_rate,
        on_shortfall: ShortfallRule::Report,
    }
}

/// Opening + money in − money out = closing in every quarter, within rounding of the account's
/// scale; the balance never goes negative, and a quarter opens with the last one's close.
#[track_caller]
fn assert_conserved(account: &CashAccount) {
    let scale: f64 = account.appropriated.iter().chain(&account.distributions).chain(&account.shortfall).sum::<f64>().max(1.0);
    for t in 0..account.len() {
        let inflow = account.appropriated[t] + account.distributions[t] + account.interest[t] + account.shortfall[t];
        let outflow = account.returned[t] + account.paid(t);
        let gap = account.opening[t] + inflow - outflow - account.closing[t];
        assert!(gap.abs() <= 1e-12 * scale, "quarter {t}: opening + in − out − closing = {gap}");
        assert!(account.closing[t] >= 0.0 && account.shortfall[t] >= 0.0, "quarter {t}");
        assert!(account.returned[t] <= account.distributions[t], "quarter {t}");
        let previous = if t == 0 { 0.0 } else { account.closing[t - 1] };
        assert_eq!(account.opening[t], previous, "quarter {t}");
        // A shortfall only where the account is empty, and only for what it could not pay.
        if account.shortfall[t] > 0.0 {
            assert_eq!(account.closing[t], 0.0, "quarter {t}");
        }
    }
}

/// Five quarters worked by hand (deposit rate 0): 100 in, calls 30, 50, 60, 10, 0; 40 distributed
/// in quarter 2.
#[test]
fn an_account_worked_by_hand() {
    let appropriated = [100.0, 0.0, 0.0, 0.0, 50.0];
    let calls = [30.0, 50.0, 60.0, 10.0, 0.0];
    let direct = [0.0, 0.0, 5.0, 0.0, 0.0];
    let running = [1.0; 5];
    let distributions = [0.0, 0.0, 40.0, 0.0, 0.0];
    let flows = Flows { appropriated: &appropriated, subfund_calls: &calls, direct: &direct, running_costs: &running, distributions: &distributions };
    let mut account = CashAccount::default();

    // Recycled: 100 − 31 = 69; 69 − 51 = 18; 18 + 40 − 66 = −8 → shortfall 8, 0; −11 → 11, 0; 50 − 1 = 49.
    account.keep(&plan(DistributionRule::RecycleUntil(4), 0.0), flows);
    assert_eq!(account.closing, [69.0, 18.0, 0.0, 0.0, 49.0]);
    assert_eq!(account.shortfall, [0.0, 0.0, 8.0, 11.0, 0.0]);
    assert_eq!(account.returned, [0.0; 5]);
    assert_conserved(&account);

    // Returned: quarter 2 has 18 − 66 → shortfall 48, and the 40 goes back to the budget.
    account.keep(&plan(DistributionRule::Return, 0.0), flows);
    assert_eq!(account.shortfall, [0.0, 0.0, 48.0, 11.0, 0.0]);
    assert_eq!(account.returned, [0.0, 0.0, 40.0, 0.0, 0.0]);
    assert_conserved(&account);

    // Recycling that ends before quarter 2 returns the distribution too.
    account.keep(&plan(DistributionRule::RecycleUntil(1), 0.0), flows);
    assert_eq!(account.shortfall, [0.0, 0.0, 48.0, 11.0, 0.0]);
}

#[test]
fn idle_cash_earns_the_deposit_rate_on_the_opening_balance() {
    let zeros = [0.0; 5];
    let appropriated = [1000.0, 0.0, 0.0, 0.0, 0.0];
    let flows = Flows { appropriated: &appropriated, subfund_calls: &zeros, direct: &zeros, running_costs: &zeros, distributions: &zeros };
    let mut account = CashAccount::default();
    account.keep(&plan(DistributionRule::Return, 0.04), flows);
    assert_eq!(account.interest[0], 0.0, "nothing opens quarter 0");
    // Four quarters of interest compound to exactly the annual rate.
    assert!((account.closing[4] - 1040.0).abs() < 1e-9, "{}", account.closing[4]);
    assert_conserved(&account);
}

fn paths(scenario: &Scenario, count: u64) -> impl Iterator<Item = PathState> + '_ {
    let simulator = Simulator::new(scenario, 17).unwrap();
    (0..count).map(move |path| {
        let mut state = PathState::default();
        simulator.simulate_path(path, &mut state).unwrap();
        state
    })
}

/// On every path of the base plan and of the tight budget: the account is conserved each
/// quarter, pays exactly the fund's calls, and receives exactly its distributions.
#[test]
fn cash_is_conserved_on_every_path_each_quarter() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let tight = crate::scenario::load(&dir.join("tight_budget.toml")).unwrap();
    let mut shortfalls = 0;
    for scenario in [testing::base(), tight] {
        for state in paths(&scenario, 40) {
            let account = &state.cash;
            assert_eq!(account.len(), scenario.horizon() + 1);
            assert_conserved(account);
            for t in 0..account.len() {
                assert!((account.paid(t) - state.fund.paid_in[t]).abs() <= 1e-9 * state.fund.paid_in[t].max(1.0), "quarter {t}");
            }
            assert_eq!(account.distributions, state.fund.distributed);
            let appropriated: f64 = account.appropriated.iter().sum();
            assert_eq!(appropriated, scenario.funding.as_ref().unwrap().total_cny_m());
            shortfalls += usize::from(account.shortfall.iter().any(|&s| s > 0.0));
        }
    }
    assert!(shortfalls > 0, "the tight budget falls short on some path");
}

#[test]
fn no_plan_no_account() {
    let scenario = testing::edited(&testing::base(), |raw| raw.funding = None);
    let state = paths(&scenario, 1).next().unwrap();
    assert!(state.cash.is_empty());
}
