use super::*;
use crate::scenario::Stage;

fn company(ending: Ending, rounds: std::ops::Range<usize>) -> Company {
    Company {
        field: 0,
        entry_stage: Stage::A,
        entry_quarter: 1,
        entry_post_money: 100.0,
        rounds,
        ending,
        exit_surprise: 0.0,
    }
}

fn rounds() -> Vec<Round> {
    vec![
        Round { quarter: 3, stage: Stage::B, equity_sold: 0.2, post_money: 250.0 },
        Round { quarter: 6, stage: Stage::C, equity_sold: 0.1, post_money: 500.0 },
    ]
}

fn book_one(ending: Ending, takes: &[RoundTake], close: Close) -> Book {
    let mut book = Book::default();
    book.reset(10, 1, 0);
    let entry = Entry { ownership: 0.1, cost: 10.0, local: true, tier: 0, small: false };
    book.book(&company(ending, 0..2), &rounds(), takes, entry, close, 1000.0, 0.5);
    book
}

#[test]
fn pro_rata_follow_ons_keep_ownership_and_exit_pays_it() {
    // Follow on pro rata: 0.1 × 0.2 × 250 = 5 at B, 0.1 × 0.1 × 500 = 5 at C.
    let takes = [RoundTake { paid: 5.0, price: 250.0 }, RoundTake { paid: 5.0, price: 500.0 }];
    let book = book_one(Ending::Exit { quarter: 8, value: 2000.0, ipo: true }, &takes, Close::Hold { haircut: 0.0 });
    assert!((book.cost - 20.0).abs() < 1e-12);
    assert!((book.quarters[8].proceeds - 200.0).abs() < 1e-9, "0.1 of 2000");
    assert!((book.quarters[1].invested - 10.0).abs() < 1e-12 && (book.quarters[3].invested - 5.0).abs() < 1e-12);
    let mut nav = Vec::new();
    book.nav_series(&mut nav);
    assert!((nav[1] - 10.0).abs() < 1e-12 && (nav[3] - 25.0).abs() < 1e-12 && (nav[6] - 50.0).abs() < 1e-9);
    assert!(nav[8].abs() < 1e-9, "nothing held after the exit");
    assert_eq!(book.counts.ipos, 1);
    assert_eq!(book.counts.unicorn_exits, 1);
    assert!((book.realised_gain() - 180.0).abs() < 1e-9);
}

#[test]
fn no_follow_on_dilutes() {
    let book = book_one(Ending::Exit { quarter: 8, value: 1000.0, ipo: false }, &[RoundTake::NONE; 2], Close::Hold { haircut: 0.0 });
    // 0.1 × 0.8 × 0.9 = 0.072 of 1000.
    assert!((book.proceeds_total - 72.0).abs() < 1e-9);
    assert_eq!(book.counts.unicorn_exits, 1);
    assert_eq!(book.counts.ipos, 0);
}

#[test]
fn failure_writes_off_cost_and_counts_beyond_tolerance() {
    let book = book_one(Ending::Failed { quarter: 7 }, &[RoundTake::NONE; 2], Close::Hold { haircut: 0.0 });
    assert!((book.cost_written_off - 10.0).abs() < 1e-12);
    assert_eq!(book.proceeds_total, 0.0);
    let mut nav = Vec::new();
    book.nav_series(&mut nav);
    assert!((nav[6] - 0.1 * 0.8 * 0.9 * 500.0).abs() < 1e-9);
    assert!(nav[7].abs() < 1e-9);
    assert_eq!(book.counts.beyond_tolerance, 1);
}

#[test]
fn liquidation_sells_at_a_discount_and_ignores_later_events() {
    let close = Close::Liquidate { quarter: 4, discount: 0.3 };
    let book = book_one(Ending::Exit { quarter: 8, value: 5000.0, ipo: true }, &[RoundTake::NONE; 2], close);
    // Only the B round (quarter 3) happened before the close: 0.08 × 250 × 0.7 = 14.
    assert!((book.quarters[4].proceeds - 14.0).abs() < 1e-9);
    assert!((book.proceeds_total - 14.0).abs() < 1e-9);
    assert_eq!(book.counts.ipos, 0, "an IPO after the stake was sold is not the holder's outcome");
    assert_eq!(book.counts.unicorn_exits, 0);
    assert!((book.cost_realised - 10.0).abs() < 1e-12);
}

#[test]
fn held_at_horizon_is_nav_with_haircut() {
    let book = book_one(Ending::Alive, &[RoundTake::NONE; 2], Close::Hold { haircut: 0.25 });
    let held = 0.1 * 0.8 * 0.9 * 500.0 * 0.75;
    assert!((book.final_nav - held).abs() < 1e-9);
    let mut nav = Vec::new();
    book.nav_series(&mut nav);
    assert!((nav[10] - held).abs() < 1e-9);
    assert!((book.cost_held - 10.0).abs() < 1e-12);
    let mut cost = RunningBalance::default();
    let held_cost: Vec<f64> = book.quarters.iter().map(|quarter| cost.add(quarter.held_cost_change)).collect();
    assert!((held_cost[10] - 10.0).abs() < 1e-12 && cost.balance() == held_cost[10]);
}

#[test]
fn books_balance() {
    for ending in [Ending::Alive, Ending::Failed { quarter: 7 }, Ending::Exit { quarter: 9, value: 321.0, ipo: false }] {
        let takes = [RoundTake { paid: 2.0, price: 250.0 }, RoundTake::NONE];
        let book = book_one(ending, &takes, Close::Hold { haircut: 0.1 });
        let invested: f64 = book.quarters.iter().map(|quarter| quarter.invested).sum();
        assert!((invested - book.cost).abs() < 1e-12);
        assert!((book.cost - book.cost_realised - book.cost_written_off - book.cost_held).abs() < 1e-12);
        let value = book.proceeds_total + book.final_nav;
        assert!((book.by_field[0].value - value).abs() < 1e-9);
    }
}

#[test]
fn running_balance_snaps_rounding_dust_to_zero() {
    let mut balance = RunningBalance::default();
    assert_eq!(balance.balance(), 0.0);
    assert_eq!(balance.add(0.1), 0.1);
    assert_eq!(balance.add(0.2), 0.1 + 0.2);
    // 0.1 + 0.2 − 0.3 is 5.6e-17 in floating point: dust left by cancelling changes, not a balance.
    assert_eq!(balance.add(-0.3), 0.0);
    assert_eq!(balance.add(1e-6), 1e-6, "a real balance, small as it is");
    assert_eq!(balance.balance(), 1e-6);
    // Dust as the first change of all (stakes in and out within one quarter), whose own size
    // would otherwise be the scale: zero, not a negative NAV.
    assert_eq!(RunningBalance::default().add(-2.842170943040401e-14), 0.0);
}

/// A company counts as reaching growth, listing or exiting at unicorn size for a holder only
/// while the holder holds it.
#[test]
fn policy_outcomes_count_only_while_held() {
    let rounds = [Round { quarter: 3, stage: Stage::B, equity_sold: 0.2, post_money: 250.0 }, Round { quarter: 6, stage: Stage::Growth, equity_sold: 0.1, post_money: 900.0 }];
    let ipo = Ending::Exit { quarter: 8, value: 5000.0, ipo: true };
    let entry = Entry { ownership: 0.1, cost: 10.0, local: false, tier: 0, small: false };
    let counts = |close| {
        let mut book = Book::default();
        book.reset(10, 1, 0);
        book.book(&company(ipo, 0..2), &rounds, &[RoundTake::NONE; 2], entry, close, 1000.0, 0.5);
        book.counts
    };
    let sold_before_growth = counts(Close::Liquidate { quarter: 4, discount: 0.3 });
    assert_eq!((sold_before_growth.reached_growth, sold_before_growth.ipos, sold_before_growth.unicorn_exits), (0, 0, 0));
    let sold_after_growth = counts(Close::Liquidate { quarter: 7, discount: 0.3 });
    assert_eq!((sold_after_growth.reached_growth, sold_after_growth.ipos, sold_after_growth.unicorn_exits), (1, 0, 0));
    let held = counts(Close::Hold { haircut: 0.0 });
    assert_eq!((held.reached_growth, held.ipos, held.unicorn_exits), (1, 1, 1));
}
