use super::*;
use crate::model::company::Ending;
use crate::rng::Component;
use crate::scenario::Scenario;
use crate::testing;

fn run_one(scenario: &Scenario, index: usize, path: u64) -> SubFundOutcome {
    let spec = &scenario.subfunds[index];
    let key = StreamKey::new(17, Component::SubFund(&spec.key));
    let mut out = SubFundOutcome::default();
    testing::with_constant_shocks(scenario, |env, laws| simulate(env, laws, spec, &key, path, usize::MAX, &mut Workspace::default(), &mut out)).unwrap();
    out
}

/// No fees, no carry, no concessions: the fund's TVPI in a sub-fund is the portfolio's gross
/// multiple, exactly.
#[test]
fn without_fees_the_fund_earns_the_company_multiple() {
    let scenario = testing::cost_free_subfunds(testing::base());
    for path in 0..20 {
        let out = run_one(&scenario, path as usize % scenario.subfunds.len(), path);
        let gross = out.book.proceeds_total / out.book.cost;
        let tvpi = (out.fund.total_distributed() + out.fund.final_nav()) / out.fund.total_paid_in();
        assert!((tvpi / gross - 1.0).abs() < 1e-9, "path {path}: TVPI {tvpi} vs gross {gross}");
        assert_eq!(out.carry, 0.0);
    }
}

#[test]
fn calls_fees_and_waterfall_balance() {
    let scenario = testing::base();
    for path in 0..30 {
        let index = path as usize % scenario.subfunds.len();
        let spec = &scenario.subfunds[index];
        let out = run_one(&scenario, index, path);
        let size = spec.commitment_cny_m / spec.fund_share;
        assert!((out.calls - out.book.cost - out.fees).abs() < 1e-6 * size, "calls = invested + fees");
        assert!((out.book.proceeds_total - out.lp_distributions - out.carry).abs() < 1e-6 * size, "proceeds = LPs + GP");
        assert!(out.calls <= size * (1.0 + 1e-9), "calls never exceed commitments");
        assert!(out.book.cost <= size * spec.investable_share * (1.0 + 1e-9));
        assert!((out.book.cost - out.book.cost_realised - out.book.cost_written_off).abs() < 1e-6 * size, "all stakes closed at the end");
        // Fees in the investment period are the fee rate on the size, quarter by quarter.
        let ip_fees = spec.management_fee_ip_per_quarter * size * spec.investment_period_quarters as f64;
        assert!(out.fees >= ip_fees * (1.0 - 1e-12));
        assert!(out.end >= spec.vintage + spec.term_quarters && out.end <= scenario.horizon());
        assert!(out.fund.nav[out.end..].iter().all(|&v| v == 0.0), "nothing held after the end");
        assert!(out.carry >= -1e-9);
    }
}

#[test]
fn a_slow_manager_leaves_commitments_idle() {
    let scenario = testing::edited(&testing::cost_free_subfunds(testing::quiet()), |raw| {
        let first = raw.subfunds.values_mut().next().unwrap();
        first.deployment_pace = crate::scenario::raw::RawLogNormal { median: 0.5, sigma: 0.0 };
        first.reserve_share = 0.0;
    });
    let spec = &scenario.subfunds[0];
    let budget = spec.commitment_cny_m / spec.fund_share * spec.investable_share;
    let out = run_one(&scenario, 0, 3);
    let initial: f64 = out.book.quarters.iter().map(|quarter| quarter.invested).sum();
    // Half the pace deploys about half the budget within the investment period (one cheque of slack).
    assert!(initial < 0.6 * budget && initial > 0.4 * budget, "deployed {initial} of {budget}");
}

#[test]
fn follow_ons_stop_when_reserves_run_out() {
    let scenario = testing::edited(&testing::base(), |raw| raw.subfunds.values_mut().next().unwrap().reserve_share = 0.05);
    let spec = scenario.subfunds[0].clone();
    let size = spec.commitment_cny_m / spec.fund_share;
    for path in 0..10 {
        let out = run_one(&scenario, 0, path);
        let invested: f64 = out.book.quarters.iter().map(|quarter| quarter.invested).sum();
        assert!(invested <= size * spec.investable_share * (1.0 + 1e-9));
    }
}

/// The first sub-fund's initial deals on path 3 of seed 17, in the initial market state, with
/// `budget` to spend at pace 1.
fn first_subfund_deals(scenario: &Scenario, budget: f64) -> Workspace {
    let spec = &scenario.subfunds[0];
    let key = StreamKey::new(17, Component::SubFund(&spec.key));
    let mut ws = Workspace::default();
    testing::with_constant_shocks(scenario, |env, laws| make_deals(env, laws, spec, Deployment { start: spec.vintage, period: spec.investment_period_quarters, budget }, 1.0, Backer::AVERAGE, &key, 3, usize::MAX, &mut ws)).unwrap();
    ws
}

/// A sub-fund that would make more deals than its limit stops with an error naming it; one that
/// needs exactly its limit makes them all.
#[test]
fn deals_stop_at_the_limit_with_an_error() {
    let scenario = testing::base();
    let spec = &scenario.subfunds[0];
    let key = StreamKey::new(17, Component::SubFund(&spec.key));
    let needed = first_subfund_deals(&scenario, 1000.0).companies.len();
    assert!(needed > 3, "{needed}");
    let deals = |max_deals| {
        let mut ws = Workspace::default();
        testing::with_constant_shocks(&scenario, |env, laws| {
            make_deals(env, laws, spec, Deployment { start: spec.vintage, period: spec.investment_period_quarters, budget: 1000.0 }, 1.0, Backer::AVERAGE, &key, 3, max_deals, &mut ws)
        })
    };
    assert_eq!(deals(needed), Ok(()));
    let error = deals(needed - 1).unwrap_err();
    assert_eq!(error, DealLimitReached { sleeve: "subfunds.sf01_embodied_ai".into(), limit: needed - 1 });
}

/// Deals are keyed by (quarter, slot): a bigger sub-fund makes more deals per quarter, and the
/// deals the two share in a quarter are the same companies (common random numbers pair them).
#[test]
fn a_bigger_budget_keeps_the_deals_of_each_quarter() {
    let scenario = testing::base();
    let spec = &scenario.subfunds[0];
    let deals = |budget: f64| {
        let ws = first_subfund_deals(&scenario, budget);
        ws.companies.iter().map(|c| (c.entry_quarter, c.field, c.entry_stage, c.entry_post_money.to_bits())).collect::<Vec<_>>()
    };
    let (small, big) = (deals(1_000.0), deals(1_600.0));
    assert!(big.len() > small.len());
    let mut shared = 0;
    for quarter in spec.vintage..spec.vintage + spec.investment_period_quarters {
        let a: Vec<_> = small.iter().filter(|d| d.0 == quarter).collect();
        let b: Vec<_> = big.iter().filter(|d| d.0 == quarter).collect();
        // A quarter's deals are drawn slot by slot from the same generators, so the smaller
        // budget's deals of a quarter are the bigger one's first deals of that quarter — unless
        // the smaller one carried more spending over a quarter's boundary, which can leave it
        // a deal more in a quarter.
        let n = a.len().min(b.len());
        assert_eq!(a[..n], b[..n], "quarter {quarter}");
        shared += n;
    }
    assert!(shared as f64 >= 0.95 * small.len() as f64, "{shared} of {} deals shared", small.len());
}

/// Reserves that just cover every pro-rata cheque send the follow-ons through the date-order
/// sort; ample reserves pay them company by company without it. The two agree.
#[test]
fn follow_ons_without_the_sort_match_date_order() {
    let scenario = testing::base();
    let spec = &scenario.subfunds[0];
    let mut ws = first_subfund_deals(&scenario, 2_000.0);
    let end = spec.vintage + spec.term_quarters;
    decide_follow_ons(f64::MAX, end, &mut ws);
    let by_company = ws.takes.clone();
    let wanted: f64 = by_company.iter().map(|take| take.paid).sum();
    assert!(wanted > 0.0, "some follow-ons to decide");
    decide_follow_ons(wanted, end, &mut ws);
    for (a, b) in by_company.iter().zip(&ws.takes) {
        assert!((a.paid - b.paid).abs() <= 1e-9 * wanted && a.price == b.price, "{a:?} vs {b:?}");
    }
}

fn company_ending(ending: Ending) -> Company {
    Company { field: 0, entry_stage: Stage::Seed, entry_quarter: 3, entry_post_money: 100.0, rounds: 0..0, ending, exit_surprise: 0.0 }
}

/// A sub-fund ends at its term when every company has left by then; otherwise when the last
/// company still held leaves, but never past the continuation's limit; a company still private
/// at the horizon keeps it to the limit.
#[test]
fn the_continuation_lasts_while_companies_are_held() {
    let exit = |quarter| company_ending(Ending::Exit { quarter, value: 1.0, ipo: false });
    let failed = |quarter| company_ending(Ending::Failed { quarter });
    assert_eq!(continuation_end(&[exit(10), failed(30)], 40, 60), 40, "all gone by the term");
    assert_eq!(continuation_end(&[exit(10), failed(47), exit(45)], 40, 60), 47, "held until the last leaves");
    assert_eq!(continuation_end(&[exit(70)], 40, 60), 60, "sold at the limit");
    assert_eq!(continuation_end(&[exit(10), company_ending(Ending::Alive)], 40, 60), 60, "private at the horizon");
    assert_eq!(continuation_end(&[], 40, 60), 40);
}

/// Fees stop at the end of the term: the continuation charges none.
#[test]
fn the_continuation_charges_no_fee() {
    let scenario = testing::base();
    let spec = &scenario.subfunds[0];
    let size = spec.commitment_cny_m / spec.fund_share;
    let (vintage, term_end, end) = (spec.vintage, spec.vintage + spec.term_quarters, spec.vintage + spec.term_quarters + 12);
    let mut out = SubFundOutcome::default();
    out.book.reset(scenario.horizon(), scenario.fields.len(), 0);
    // One stake of cost 100 held from the vintage to the end, sold then for 150.
    let first = &mut out.book.quarters[vintage];
    (first.invested, first.held_cost_change, first.nav_change) = (100.0, 100.0, 100.0);
    let last = &mut out.book.quarters[end];
    (last.proceeds, last.held_cost_change, last.nav_change) = (150.0, -100.0, -100.0);
    run_waterfall(spec, size, term_end, end, None, &mut out);
    let ip_end = vintage + spec.investment_period_quarters;
    let expected = spec.management_fee_ip_per_quarter * size * (ip_end - vintage) as f64
        + spec.management_fee_post_per_quarter * 100.0 * (term_end + 1 - ip_end) as f64;
    assert!((out.fees - expected).abs() < 1e-9 * expected, "fees {} vs {expected}", out.fees);
    run_waterfall(spec, size, end, end, None, &mut out);
    assert!(out.fees > expected + 11.0 * spec.management_fee_post_per_quarter * 100.0, "without a continuation the fee runs to the end");
}

/// A book's calls are dated evenly from the vintage to the as-of quarter, so the preferred return
/// accrued before it is counted. By hand (2% a quarter, 100 called over quarters 4, 5 and 6):
/// 33.33 earns 0.6667 in quarter 5, then 66.67 plus that earns 1.3467 in quarter 6, 2.0133 in all.
#[test]
fn the_history_carries_the_hurdle_accrued_before_the_as_of_quarter() {
    let terms = WaterfallTerms { hurdle_per_quarter: 0.02, carry: 0.2, catch_up: 1.0 };
    let mut waterfall = Waterfall::new(terms);
    replay_history(&mut waterfall, 100.0, 4, 6);
    let due: f64 = 0.02 * 100.0 / 3.0 + 0.02 * (200.0 / 3.0 + 0.02 * 100.0 / 3.0);
    assert!((due - 2.013_333_333).abs() < 1e-6);
    assert!((waterfall.preferred_return_due() - due).abs() < 1e-12, "{} vs {due}", waterfall.preferred_return_due());
    assert_eq!(waterfall.contributed(), 100.0);
    // Returning capital and the preferred return goes to the LPs alone; booked as one call in
    // the as-of quarter, the same proceeds would already pay the GP carry.
    let split = waterfall.distribute(100.0 + due);
    assert!(split.gp.abs() < 1e-9, "{split:?}");
    let mut one_call = Waterfall::new(terms);
    one_call.contribute(100.0);
    assert!(one_call.distribute(100.0 + due).gp > 0.4);
    // A vintage in the as-of quarter: one call, no hurdle yet.
    let mut fresh = Waterfall::new(terms);
    replay_history(&mut fresh, 50.0, 6, 6);
    assert_eq!((fresh.contributed(), fresh.preferred_return_due()), (50.0, 0.0));
}

/// A sub-fund that lists its holdings goes on with them and with the deals it still makes: the
/// holdings held, each from its stage and last post-money on a slot of its own, and deals whose
/// quarters' first slots are the plan's (the sub-fund run from its vintage on the same path).
#[test]
fn listed_holdings_go_on_beside_the_plans_deals() {
    let file = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/as_of_2025q4.toml");
    let scenario = crate::scenario::load(&file).unwrap();
    let as_of = scenario.as_of.as_deref().unwrap();
    let (spec, actual) = (&scenario.subfunds[0], as_of.subfunds[0].as_ref().unwrap());
    let q = as_of.quarter;
    let key = StreamKey::new(17, Component::SubFund(&spec.key));
    let deals = |ws: &Workspace| ws.companies.iter().filter(|c| c.entry_quarter > q).map(|c| (c.entry_quarter, c.field, c.entry_stage, c.entry_post_money.to_bits())).collect::<Vec<_>>();
    let mut shared = 0;
    for path in 0..5 {
        let (mut plan, mut from) = (Workspace::default(), Workspace::default());
        testing::with_constant_shocks(&scenario, |env, laws| {
            simulate(env, laws, spec, &key, path, usize::MAX, &mut plan, &mut SubFundOutcome::default()).unwrap();
            simulate_from(env, laws, spec, actual, q, &key, path, usize::MAX, &mut from, &mut SubFundOutcome::default()).unwrap();
        });
        let listed: Vec<_> = from.companies.iter().filter(|c| c.entry_quarter == q).map(|c| (c.entry_stage, c.entry_post_money)).collect();
        let held: Vec<_> = actual.holdings.iter().filter(|h| h.status == HoldingStatus::Held).map(|h| (h.stage, h.last_post_money_cny_m)).collect();
        assert_eq!(listed, held, "path {path}");
        assert!(from.companies.iter().all(|c| c.entry_quarter >= q), "nothing new in the book's past");
        let (a, b) = (deals(&plan), deals(&from));
        for quarter in q + 1..spec.vintage + spec.investment_period_quarters {
            let a: Vec<_> = a.iter().filter(|d| d.0 == quarter).collect();
            let b: Vec<_> = b.iter().filter(|d| d.0 == quarter).collect();
            let n = a.len().min(b.len());
            assert_eq!(a[..n], b[..n], "path {path}, quarter {quarter}");
            shared += n;
        }
    }
    assert!(shared > 100, "{shared} deals shared with the plan");
}
