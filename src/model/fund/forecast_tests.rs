//! The forecast from the book at an as-of quarter (docs/portfolio.md).

use super::*;
use crate::scenario::portfolio::{DirectHolding, Holding, HoldingStatus};

fn as_of_2025q4() -> Scenario {
    crate::scenario::load(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/as_of_2025q4.toml")).unwrap()
}

fn simulate(scenario: &Scenario, seed: u64, path: u64) -> PathState {
    let simulator = Simulator::new(scenario, seed).unwrap();
    let mut state = PathState::default();
    simulator.simulate_path(path, &mut state).unwrap();
    state
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0)
}

#[test]
fn every_path_starts_from_the_book_exactly() {
    let s = as_of_2025q4();
    let as_of = s.as_of.as_deref().unwrap();
    let q = as_of.quarter;
    let (paid, distributed, nav) = as_of.totals();
    let running: f64 = (0..=q).map(|_| s.fund.running_cost_per_quarter * s.fund.size_cny_m).sum();
    // Sub-funds with listed holdings and sub-funds without are both in this book.
    assert_eq!(as_of.subfunds.iter().flatten().filter(|a| !a.holdings.is_empty()).count(), 2);
    for path in 0..20 {
        let state = simulate(&s, 7, path);
        let paid_to_date: f64 = state.fund.paid_in[..=q].iter().sum();
        let distributed_to_date: f64 = state.fund.distributed[..=q].iter().sum();
        assert!(close(paid_to_date, paid + running), "path {path}: paid in {paid_to_date} vs {}", paid + running);
        assert!(close(distributed_to_date, distributed), "path {path}");
        assert!(close(state.fund.nav[q], nav), "path {path}: NAV {} vs {nav}", state.fund.nav[q]);
        for (out, actual) in state.subfunds.iter().zip(&as_of.subfunds) {
            let actual = actual.as_ref().unwrap();
            assert_eq!(out.fund.paid_in[..q].iter().sum::<f64>(), 0.0);
            assert_eq!(out.fund.paid_in[q], actual.called_cny_m);
            assert_eq!(out.fund.distributed[q], actual.distributed_cny_m);
            assert_eq!(out.fund.nav[q], actual.nav_cny_m);
        }
        let (direct_paid, direct_distributed, direct_nav) = as_of.direct_totals();
        assert_eq!(state.direct.flows.paid_in[q], direct_paid);
        assert_eq!(state.direct.flows.distributed[q], direct_distributed);
        assert_eq!(state.direct.flows.nav[q], direct_nav);
        // And the future is simulated: the sub-funds call more and the holdings move.
        assert!(state.fund.paid_in[q + 1..].iter().sum::<f64>() > 0.0);
    }
}

/// A holding recorded as exited adds its proceeds and nothing more; one recorded as failed adds
/// its cost and nothing more; the other holdings keep their draws.
#[test]
fn exited_and_failed_holdings_stay_so() {
    let s = as_of_2025q4();
    let q = s.as_of.as_ref().unwrap().quarter;
    let with = s.with_book(|book| {
        let book = book.as_mut().unwrap();
        let template = book.direct[0].holding.clone();
        let exited = Holding { company: "Exited".into(), status: HoldingStatus::Exited { proceeds_cny_m: 55.5 }, cost_cny_m: 12.25, ..template.clone() };
        book.direct.push(DirectHolding { holding: exited, pending: Vec::new() });
        let failed = Holding { company: "Failed".into(), status: HoldingStatus::Failed, cost_cny_m: 7.0, ..template };
        book.direct.push(DirectHolding { holding: failed, pending: Vec::new() });
    });
    for path in 0..10 {
        let (a, b) = (simulate(&s, 3, path), simulate(&with, 3, path));
        assert!(close(b.fund.total_distributed() - a.fund.total_distributed(), 55.5), "path {path}");
        assert!(close(b.fund.total_paid_in() - a.fund.total_paid_in(), 19.25), "path {path}");
        assert_eq!(b.fund.distributed[q + 1..], a.fund.distributed[q + 1..]);
        assert_eq!(b.fund.nav[q + 1..], a.fund.nav[q + 1..]);
    }
}

/// An as-of quarter before anything was invested, with an empty book, is the plan itself.
#[test]
fn an_empty_book_before_the_first_deal_is_the_plan() {
    let plan = crate::testing::base();
    assert!(plan.direct.first_quarter > 0 && plan.subfunds.iter().all(|s| s.vintage > 0));
    let s = crate::testing::empty_book_at_first_quarter(&plan);
    for path in 0..10 {
        let (a, b) = (simulate(&plan, 5, path), simulate(&s, 5, path));
        assert_eq!(a.fund, b.fund, "path {path}");
        assert_eq!(a.direct.book, b.direct.book, "path {path}");
    }
}

/// Holdings still held go on from their stage: some raise rounds, exit or fail later, and
/// nothing happens to them in the book's past.
#[test]
fn held_holdings_go_on_after_the_as_of_quarter_only() {
    let s = as_of_2025q4();
    let q = s.as_of.as_ref().unwrap().quarter;
    let mut moved = 0;
    for path in 0..30 {
        let state = simulate(&s, 11, path);
        let book = &state.direct.book;
        assert!(book.quarters[..q].iter().all(|x| x.invested == 0.0 && x.proceeds == 0.0 && x.nav_change == 0.0));
        assert_eq!(book.quarters[q].proceeds, 0.0);
        moved += usize::from(book.counts.resolved > 0);
    }
    assert!(moved > 10, "the holdings should resolve on many paths, got {moved}");
}

/// A sub-fund that lists its holdings starts from them: the whole sub-fund's NAV at the as-of
/// quarter is their marks, scaled to the book's NAV, and the fund's side is the book's. The
/// sub-funds that list none keep their draws.
#[test]
fn listed_subfund_holdings_are_the_nav_at_the_as_of_quarter() {
    let s = as_of_2025q4();
    let as_of = s.as_of.as_deref().unwrap();
    let q = as_of.quarter;
    let unlisted = s.with_book(|book| {
        for actual in book.as_mut().unwrap().subfunds.iter_mut().flatten() {
            actual.holdings.clear();
        }
    });
    let (mut listed, mut nav) = (0, Vec::new());
    for path in 0..10 {
        let (state, without) = (simulate(&s, 7, path), simulate(&unlisted, 7, path));
        for (k, (out, actual)) in state.subfunds.iter().zip(&as_of.subfunds).enumerate() {
            let actual = actual.as_ref().unwrap();
            if actual.holdings.is_empty() {
                assert_eq!(out.fund, without.subfunds[k].fund, "path {path}, sub-fund {k}");
                continue;
            }
            listed += 1;
            let marks: f64 = actual.holdings.iter().map(Holding::mark).sum();
            out.book.nav_series(&mut nav);
            assert!(close(nav[q], marks), "path {path}, sub-fund {k}: book NAV {} vs marks {marks}", nav[q]);
            assert!(close(marks * s.subfunds[k].fund_share, actual.nav_cny_m), "path {path}, sub-fund {k}");
            assert_eq!(out.fund.nav[q], actual.nav_cny_m);
            let held = actual.holdings.iter().filter(|h| h.status == HoldingStatus::Held).count();
            assert!(out.book.counts.backed as usize >= held, "path {path}: every held holding is booked");
            assert_ne!(out.fund.distributed[q + 1..], without.subfunds[k].fund.distributed[q + 1..], "path {path}: the holdings are what goes on");
            // The local ones held are booked as local, and their cost to date, in the book's
            // local investment already, is counted once.
            let local_held: f64 = actual.holdings.iter().filter(|h| h.local && h.status == HoldingStatus::Held).map(|h| h.cost_cny_m).sum();
            assert!(local_held > 0.0 && out.book.local_cost >= local_held, "path {path}: local cost booked {}", out.book.local_cost);
            let required = s.subfunds[k].local_requirement * s.subfunds[k].commitment_cny_m;
            let local = out.book.local_cost + actual.local_invested_cny_m - local_held;
            assert!(close(out.local_achievement * required, local), "path {path}: {} vs {local}", out.local_achievement * required);
        }
    }
    assert_eq!(listed, 20, "sf01 and sf04 list their holdings on each path");
}
