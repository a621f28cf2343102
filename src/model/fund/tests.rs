use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::*;
use crate::metrics::irr::Irr;
use crate::metrics::path::FlowMetrics;
use crate::testing;

fn simulate(scenario: &Scenario, seed: u64, path: u64) -> PathState {
    let simulator = Simulator::new(scenario, seed).unwrap();
    let mut state = PathState::default();
    simulator.simulate_path(path, &mut state).unwrap();
    state
}

/// Every company lists exactly four quarters after entry at `m` × its entry price, and the fund
/// is all direct with no costs: the fund's TVPI is `m` and its IRR `m − 1` a year, exactly.
#[test]
fn deterministic_outcomes_give_exact_tvpi_and_irr() {
    let scenario = testing::edited(&testing::deterministic_ipos(testing::quiet(), 4.0, 1.5), |raw| {
        raw.fund.direct_share = 1.0;
        raw.subfunds.clear();
        raw.direct.tranches = vec![1.0];
    });
    for path in 0..3 {
        let state = simulate(&scenario, 1, path);
        let m = FlowMetrics::of(&state.fund);
        assert!((m.tvpi - 1.5).abs() < 1e-12, "TVPI {}", m.tvpi);
        match m.irr {
            Irr::Defined { annual } => assert!((annual - 0.5).abs() < 1e-9, "IRR {annual}"),
            other => panic!("IRR should be defined, got {other:?} for {:?}", state.fund.net_flows_with_terminal_nav()),
        }
        assert!(state.direct.book.counts.ipos > 10);
        assert_eq!(m.nav, 0.0);
    }
}

/// What the books say each yuan became must add up to what the cash flows say, on scenarios
/// drawn at random around the base: paid in + gains = distributed + NAV + fees + carry +
/// concessions + running costs + write-offs (docs/model.md §5).
#[test]
fn money_is_conserved_on_random_scenarios() {
    let base = testing::base();
    let mut rng = ChaCha8Rng::seed_from_u64(2024);
    for case in 0..12 {
        let s = testing::edited(&base, |raw| {
            raw.fund.direct_share = rng.random_range(0.0..1.0);
            raw.fund.horizon_haircut = rng.random_range(0.0..0.5);
            raw.fund.running_cost_per_year = 4.0 * rng.random_range(0.0..0.002);
            for sub in raw.subfunds.values_mut() {
                // Up to the base's cap on the fund's share of a sub-fund.
                sub.fund_share = rng.random_range(0.1..0.5);
                sub.carry = rng.random_range(0.0..0.3);
                sub.catch_up = rng.random_range(0.0..1.0);
                sub.reserve_share = rng.random_range(0.0..0.6);
                sub.end_of_life_discount = rng.random_range(0.0..0.5);
                sub.buyback.share = rng.random_range(0.0..0.5);
                sub.profit_cession.share = rng.random_range(0.0..0.3);
                sub.loss_first.cap = rng.random_range(0.0..0.3);
            }
        });
        let state = simulate(&s, case, case);
        let fund = &state.fund;
        let net_gain = fund.total_distributed() + fund.final_nav() - fund.total_paid_in();

        let direct = &state.direct.book;
        let direct_gain = direct.proceeds_total + direct.final_nav - direct.cost - state.direct.team_costs;
        let running: f64 = state.running_costs.iter().sum();
        let mut expected = direct_gain - running;
        for (o, spec) in state.subfunds.iter().zip(&s.subfunds) {
            let book = &o.book;
            // All LPs: gains on companies less fees and carry.
            let lp_gain = book.proceeds_total - book.cost - o.fees - o.carry;
            expected += spec.fund_share * lp_gain - o.concessions.total();
        }
        let scale = s.fund.size_cny_m;
        assert!((net_gain - expected).abs() < 1e-7 * scale, "case {case}: cash says {net_gain}, books say {expected}");
        // And the direct sleeve's cash matches its books.
        let d = &state.direct.flows;
        assert!((d.total_paid_in() - direct.cost - state.direct.team_costs).abs() < 1e-7 * scale);
        assert!((d.total_distributed() - direct.proceeds_total).abs() < 1e-7 * scale);
        assert!((d.final_nav() - direct.final_nav).abs() < 1e-7 * scale);
        assert!((direct.cost - direct.cost_realised - direct.cost_written_off - direct.cost_held).abs() < 1e-7 * scale);
    }
}

#[test]
fn sleeves_add_up_to_the_fund() {
    let scenario = testing::base();
    let state = simulate(&scenario, 3, 0);
    let running: f64 = state.running_costs.iter().sum();
    let sleeves = state.subfund_sleeve.total_paid_in() + state.direct.flows.total_paid_in() + running;
    assert!((state.fund.total_paid_in() - sleeves).abs() < 1e-6);
    assert!((running - scenario.fund.running_cost_per_quarter * scenario.fund.size_cny_m * scenario.fund.life_quarters as f64).abs() < 1e-6);
    // The fund never pays in more than its size plus concession transfers.
    assert!(state.fund.total_paid_in() <= scenario.fund.size_cny_m * 1.05);
}

#[test]
fn a_path_is_the_same_whoever_simulates_it() {
    let scenario = testing::base();
    let simulator = Simulator::new(&scenario, 99).unwrap();
    let mut fresh = PathState::default();
    let mut reused = PathState::default();
    simulator.simulate_path(4, &mut reused).unwrap();
    simulator.simulate_path(7, &mut reused).unwrap();
    simulator.simulate_path(7, &mut fresh).unwrap();
    assert_eq!(fresh.fund, reused.fund, "reused buffers must not leak between paths");
}

/// No fees, carry, concessions, running or team costs or end-of-life discount: the fund's TVPI is the
/// look-through multiple of the companies it holds (sub-funds at the fund's share, the direct
/// sleeve in full), exactly.
#[test]
fn without_costs_the_fund_earns_the_company_level_multiple() {
    let s = testing::edited(&testing::cost_free_subfunds(testing::base()), |raw| {
        raw.fund.running_cost_per_year = 0.0;
        raw.direct.team_cost_per_year = 0.0;
        raw.direct.team_cost_after_per_year = 0.0;
    });
    for path in 0..5 {
        let state = simulate(&s, 8, path);
        let (mut cost, mut value) = (state.direct.book.cost, state.direct.book.proceeds_total + state.direct.book.final_nav);
        for (o, spec) in state.subfunds.iter().zip(&s.subfunds) {
            cost += spec.fund_share * o.book.cost;
            value += spec.fund_share * o.book.proceeds_total;
        }
        let tvpi = FlowMetrics::of(&state.fund).tvpi;
        assert!((tvpi / (value / cost) - 1.0).abs() < 1e-9, "path {path}: fund {tvpi} vs companies {}", value / cost);
    }
}

#[cfg(feature = "random-use")]
#[test]
fn a_path_counts_the_random_numbers_it_uses() {
    let scenario = testing::base();
    crate::rng::usage::take();
    let state = simulate(&scenario, 3, 0);
    let used = crate::rng::usage::take();
    let companies: u32 = state.subfunds.iter().map(|o| o.book.counts.backed).sum::<u32>() + state.direct.book.counts.backed;
    // Market, factors, each sub-fund's own generator and, where it may raise less than planned,
    // its fundraising draw, one per company (plus drawn, unaffordable direct deals).
    let fundraising = scenario.subfunds.iter().filter(|s| s.fundraising_shortfall.probability > 0.0).count();
    let at_least = 2 + (scenario.subfunds.len() + fundraising) as u64 + u64::from(companies);
    assert!(used.generators >= at_least && used.generators <= at_least + 1, "{used:?} vs {at_least}");
    // The factors alone draw a normal and a uniform per field and quarter.
    assert!(used.words > (scenario.horizon() * scenario.fields.len() * 2) as u64);
}
