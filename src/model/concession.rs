//! What the fund gives away to its partners in one sub-fund (让利, docs/model.md §5).
//!
//! [`apply`] takes the fund's own quarterly flows in a sub-fund before concessions (its share of
//! calls, distributions and LP value by hypothetical liquidation) and applies, in this order:
//!
//! 1. **Buy-back option**, this fund's form (申报指南, press reports 2025-01-20; docs/calibration.md
//!    §1): the sub-fund's manager may buy a share `β` of the fund's stake at `β` × the fund's net
//!    paid-in to date (paid-in − distributions, each accrued at the option's interest from its
//!    quarter, floored at 0). A rational manager exercises at the first quarter `t` in
//!    `[vintage + earliest_quarter, end)` with `nav[t] > 0` and `β·nav[t] ≥ trigger × price`. On
//!    exercise the fund receives the price in quarter `t`, and `nav[t]` and every later call,
//!    distribution and NAV shrink by `1 − β`: the buyer takes over `β` of the stake and of the
//!    remaining commitment. Once the fund has its money back with interest the price is 0, so
//!    the option is then exercised as soon as it may be.
//! 2. **Profit cession** (generic form): the fund keeps everything up to its paid-in plus a
//!    hurdle and cedes a share of the profit above it — a [`Waterfall`] with `carry` = that share
//!    and no catch-up, the beneficiary in the GP's place, settled by clawback at `end`. The
//!    fund's NAV becomes its side of the hypothetical liquidation.
//! 3. **Loss-first** (generic form): at `end` the fund pays the other LPs' shortfall (their
//!    paid-in − distributions, from the pre-concession flows scaled by `(1 − s) / s`), up to
//!    `loss_first_cap` × its commitment, as an extra call in quarter `end`.
//!
//! Each form's cost is the fall in the fund's net gain (distributions + final NAV − paid-in)
//! that it causes, so costs add up to the total fall. The buy-back's cost is measured in
//! hindsight: positive when the stake later rose above the price, negative when the fund was
//! lucky to sell `β` of it before it fell. It is reported as is. Forms with a zero share or cap
//! leave the flows bit-identical.

use std::ops::Range;

use crate::model::flows::CashFlows;
use crate::model::waterfall::{Waterfall, WaterfallTerms};
use crate::scenario::{BuybackSpec, ConcessionSpec};

/// Nominal cost to the fund of each concession form, CNY m.
#[derive(Debug, Clone, Copy, PartialEq, Default, serde::Serialize)]
pub struct ConcessionCosts {
    pub buyback: f64,
    pub profit_cession: f64,
    pub loss_first: f64,
    /// Quarter the buy-back was exercised, if it was.
    pub buyback_quarter: Option<usize>,
}

impl ConcessionCosts {
    /// Sum of the three forms.
    pub fn total(&self) -> f64 {
        self.buyback + self.profit_cession + self.loss_first
    }
}

/// Applies the concessions of `spec` to the fund's flows in one sub-fund and returns their costs.
///
/// `fund_share` is the fund's share of the sub-fund (in `(0, 1]`), `commitment` its commitment
/// (CNY m), `vintage` the sub-fund's first quarter and `end` its last: nothing flows outside
/// `vintage..=end` (all holdings are liquidated by `end`, so `nav[end..]` is 0). An `end` beyond
/// the flows is clamped to the last quarter.
pub fn apply(
    flows: &mut CashFlows,
    spec: &ConcessionSpec,
    fund_share: f64,
    commitment: f64,
    vintage: usize,
    end: usize,
) -> ConcessionCosts {
    debug_assert!(
        fund_share > 0.0 && fund_share <= 1.0,
        "fund share {fund_share}"
    );
    if flows.is_empty() {
        return ConcessionCosts::default();
    }
    debug_assert!(
        end < flows.len(),
        "end {end} beyond the horizon {}",
        flows.len() - 1
    );
    let end = end.min(flows.len() - 1);
    let loss_first_cap = spec.loss_first_cap * commitment;
    // Summing the flows for the other LPs' shortfall is wasted work when there is no cap to pay
    // it from (most scenarios).
    let others_shortfall = if loss_first_cap > 0.0 {
        others_shortfall(flows, fund_share)
    } else {
        0.0
    };

    let (buyback, buyback_quarter) = buy_back(flows, &spec.buyback, vintage, end);
    let profit_cession = cede_profit(
        flows,
        spec.profit_cession_share,
        spec.profit_cession_hurdle_per_quarter,
        end,
    );
    let loss_first = bear_losses_first(flows, others_shortfall, loss_first_cap, end);
    ConcessionCosts {
        buyback,
        profit_cession,
        loss_first,
        buyback_quarter,
    }
}

/// The fund's net gain: distributions plus final NAV minus paid-in, when nothing is paid in or
/// distributed outside `quarters`.
fn net_gain(flows: &CashFlows, quarters: Range<usize>) -> f64 {
    let distributed: f64 = flows.distributed[quarters.clone()].iter().sum();
    let paid_in: f64 = flows.paid_in[quarters].iter().sum();
    distributed + flows.final_nav() - paid_in
}

/// Other LPs' paid-in minus distributions (floored at 0), from the fund's flows pro rata.
fn others_shortfall(flows: &CashFlows, fund_share: f64) -> f64 {
    let others_per_fund = (1.0 - fund_share) / fund_share;
    (others_per_fund * (flows.total_paid_in() - flows.total_distributed())).max(0.0)
}

/// Step 1: the manager's buy-back option. Returns the cost and the quarter of exercise.
fn buy_back(
    flows: &mut CashFlows,
    spec: &BuybackSpec,
    vintage: usize,
    end: usize,
) -> (f64, Option<usize>) {
    let share = spec.share;
    if share <= 0.0 {
        return (0.0, None);
    }
    let first = vintage + spec.earliest_quarter;
    // Net paid-in accrued at the option's interest, including this quarter's flows; zero until
    // the vintage.
    let mut accrued = 0.0;
    let mut exercise = None;
    let life = vintage.min(end)..end;
    let quarters = flows.paid_in[life.clone()]
        .iter()
        .zip(&flows.distributed[life.clone()])
        .zip(&flows.nav[life.clone()]);
    for (t, ((&paid_in, &distributed), &nav)) in life.zip(quarters) {
        accrued = accrued * (1.0 + spec.interest_per_quarter) + paid_in - distributed;
        let price = share * accrued.max(0.0);
        if t >= first && nav > 0.0 && share * nav >= spec.trigger * price {
            exercise = Some((t, price));
            break;
        }
    }
    let Some((t, price)) = exercise else {
        return (0.0, None);
    };

    // Nothing flows outside the sub-fund's life, so the sums and the scaling skip those quarters
    // (bit-identical: adding or scaling zeros changes nothing).
    let life = vintage.min(end)..end + 1;
    let before = net_gain(flows, life.clone());
    let kept = 1.0 - share;
    flows.distributed[t] += price;
    flows.nav[t] *= kept;
    for s in t + 1..=end {
        flows.paid_in[s] *= kept;
        flows.distributed[s] *= kept;
        flows.nav[s] *= kept;
    }
    (before - net_gain(flows, life), Some(t))
}

/// Step 2: cede `share` of the profit above paid-in plus `hurdle_per_quarter`. Returns the cost.
fn cede_profit(flows: &mut CashFlows, share: f64, hurdle_per_quarter: f64, end: usize) -> f64 {
    if share <= 0.0 {
        return 0.0;
    }
    let terms = WaterfallTerms {
        hurdle_per_quarter,
        carry: share,
        catch_up: 0.0,
    };
    let mut waterfall = Waterfall::new(terms);
    let final_nav_before = flows.final_nav();
    let mut ceded = 0.0;
    for t in 0..flows.len() {
        waterfall.accrue_quarter();
        waterfall.contribute(flows.paid_in[t]);
        let split = waterfall.distribute(flows.distributed[t]);
        flows.distributed[t] = split.lp;
        ceded += split.gp;
        if t == end {
            let returned = waterfall.clawback();
            flows.distributed[t] += returned;
            ceded -= returned;
        }
        flows.nav[t] = waterfall.liquidation_split(flows.nav[t]).lp;
    }
    ceded + final_nav_before - flows.final_nav()
}

/// Step 3: pay the other LPs' shortfall up to `cap` (CNY m) at `end`. Returns the cost.
fn bear_losses_first(flows: &mut CashFlows, others_shortfall: f64, cap: f64, end: usize) -> f64 {
    let transfer = others_shortfall.min(cap);
    if transfer <= 0.0 {
        return 0.0;
    }
    flows.paid_in[end] += transfer;
    transfer
}

#[cfg(test)]
mod tests {
    use super::*;

    const EPS: f64 = 1e-9;

    /// The net gain over all quarters.
    fn gain(flows: &CashFlows) -> f64 {
        net_gain(flows, 0..flows.len())
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() <= EPS * (1.0 + a.abs().max(b.abs()))
    }

    fn none() -> ConcessionSpec {
        ConcessionSpec {
            buyback: BuybackSpec {
                share: 0.0,
                interest_per_quarter: 0.0,
                earliest_quarter: 0,
                trigger: 1.0,
            },
            profit_cession_share: 0.0,
            profit_cession_hurdle_per_quarter: 0.0,
            loss_first_cap: 0.0,
        }
    }

    fn buyback(share: f64, interest: f64, earliest: usize, trigger: f64) -> ConcessionSpec {
        let buyback = BuybackSpec {
            share,
            interest_per_quarter: interest,
            earliest_quarter: earliest,
            trigger,
        };
        ConcessionSpec { buyback, ..none() }
    }

    /// 100 paid in at `vintage`, NAV `nav(t)` until `end`, when it is all distributed.
    fn single_deal(
        horizon: usize,
        vintage: usize,
        end: usize,
        nav: impl Fn(usize) -> f64,
    ) -> CashFlows {
        let mut f = CashFlows::zeros(horizon);
        f.paid_in[vintage] = 100.0;
        for t in vintage..end {
            f.nav[t] = nav(t - vintage);
        }
        f.distributed[end] = nav(end - vintage);
        f
    }

    #[test]
    fn zero_spec_leaves_flows_bit_identical() {
        let before = single_deal(20, 2, 14, |q| 100.0 * 1.08f64.powi(q as i32));
        let mut flows = before.clone();
        let zero_share = ConcessionSpec {
            profit_cession_hurdle_per_quarter: 0.02,
            ..buyback(0.0, 0.02, 0, 1.0)
        };
        let costs = apply(&mut flows, &zero_share, 0.25, 100.0, 2, 14);
        assert_eq!(flows, before);
        assert_eq!(costs, ConcessionCosts::default());
        assert_eq!(costs.total(), 0.0);
    }

    #[test]
    fn buyback_on_a_rising_stake_is_exercised_at_the_earliest_quarter() {
        let grow = |q: usize| 100.0 * 1.1f64.powi(q as i32);
        let mut before = single_deal(12, 0, 10, grow);
        before.paid_in[6] = 10.0; // a later call: the buyer takes over its share of it
        let mut flows = before.clone();
        let costs = apply(&mut flows, &buyback(0.3, 0.02, 4, 1.0), 0.25, 100.0, 0, 10);
        assert_eq!(costs.buyback_quarter, Some(4));
        let price = 0.3 * 100.0 * 1.02f64.powi(4);
        assert!(close(flows.distributed[4], price));
        assert!(close(flows.nav[4], 0.7 * grow(4)));
        assert_eq!(flows.nav[3], grow(3));
        assert!(close(flows.nav[5], 0.7 * grow(5)));
        assert!(close(flows.paid_in[6], 7.0));
        assert!(close(flows.distributed[10], 0.7 * grow(10)));
        let cost = 0.3 * (grow(10) - 10.0) - price;
        assert!(
            cost > 0.0 && close(costs.buyback, cost),
            "{} vs {cost}",
            costs.buyback
        );
        assert!(close(gain(&before) - gain(&flows), costs.total()));
    }

    #[test]
    fn buyback_waits_for_vintage_plus_earliest_quarter() {
        let mut flows = single_deal(16, 2, 14, |q| 100.0 * 1.1f64.powi(q as i32));
        let costs = apply(&mut flows, &buyback(0.3, 0.02, 3, 1.0), 0.25, 100.0, 2, 14);
        assert_eq!(costs.buyback_quarter, Some(5));
    }

    #[test]
    fn buyback_waits_for_the_trigger() {
        // Flat at cost until a jump in the sub-fund's 8th quarter; the price grows 2% a quarter.
        let step = |q: usize| if q < 7 { 100.0 } else { 130.0 };
        let mut flows = single_deal(12, 0, 10, step);
        let costs = apply(&mut flows, &buyback(0.3, 0.02, 1, 1.0), 0.25, 100.0, 0, 10);
        assert_eq!(costs.buyback_quarter, Some(7));
        assert!(close(
            costs.buyback,
            0.3 * 130.0 - 0.3 * 100.0 * 1.02f64.powi(7)
        ));
        // A trigger of 1.3 needs the stake worth 30% above the price: never reached here.
        let mut flows = single_deal(12, 0, 10, step);
        let costs = apply(&mut flows, &buyback(0.3, 0.02, 1, 1.3), 0.25, 100.0, 0, 10);
        assert_eq!(costs.buyback_quarter, None);
    }

    #[test]
    fn buyback_on_a_falling_stake_is_never_exercised() {
        let before = single_deal(12, 0, 10, |q| 100.0 * 0.95f64.powi(q as i32));
        let mut flows = before.clone();
        let costs = apply(&mut flows, &buyback(0.3, 0.0, 1, 1.0), 0.25, 100.0, 0, 10);
        assert_eq!(costs, ConcessionCosts::default());
        assert_eq!(flows, before);
    }

    #[test]
    fn buyback_cost_is_negative_when_the_stake_falls_after_exercise() {
        let before = single_deal(12, 0, 10, |q| if q < 6 { 150.0 } else { 40.0 });
        let mut flows = before.clone();
        let costs = apply(&mut flows, &buyback(0.3, 0.0, 2, 1.0), 0.25, 100.0, 0, 10);
        assert_eq!(costs.buyback_quarter, Some(2));
        assert!(close(costs.buyback, 0.3 * 40.0 - 0.3 * 100.0));
        assert!(close(gain(&before) - gain(&flows), costs.buyback));
    }

    #[test]
    fn profit_cession_hand_case() {
        let h: f64 = 0.02;
        let n = 12;
        let mut flows = single_deal(16, 1, 1 + n, |q| if q < n { 100.0 } else { 150.0 });
        let spec = ConcessionSpec {
            profit_cession_share: 0.3,
            profit_cession_hurdle_per_quarter: h,
            ..none()
        };
        let costs = apply(&mut flows, &spec, 0.25, 100.0, 1, 1 + n);
        let ceded = 0.3 * (150.0 - 100.0 * (1.0 + h).powi(n as i32));
        assert!(
            close(costs.profit_cession, ceded),
            "{} vs {ceded}",
            costs.profit_cession
        );
        assert!(close(flows.distributed[1 + n], 150.0 - ceded));
        // NAV at cost is below the hurdle: nothing ceded on it.
        assert_eq!(flows.nav[5], 100.0);
    }

    #[test]
    fn profit_cession_is_zero_below_the_hurdle() {
        let before = single_deal(16, 1, 13, |q| if q < 12 { 100.0 } else { 125.0 });
        let mut flows = before.clone();
        let spec = ConcessionSpec {
            profit_cession_share: 0.3,
            profit_cession_hurdle_per_quarter: 0.02,
            ..none()
        };
        let costs = apply(&mut flows, &spec, 0.25, 100.0, 1, 13);
        assert_eq!(costs.profit_cession, 0.0);
        assert_eq!(flows, before);
    }

    #[test]
    fn profit_cession_is_clawed_back_when_later_calls_are_lost() {
        let mut flows = CashFlows::zeros(12);
        flows.paid_in[0] = 100.0;
        flows.distributed[4] = 150.0;
        flows.paid_in[5] = 100.0;
        flows.distributed[10] = 40.0;
        let spec = ConcessionSpec {
            profit_cession_share: 0.2,
            ..none()
        };
        let costs = apply(&mut flows, &spec, 0.5, 200.0, 0, 10);
        // 10 ceded in quarter 4, all returned at the end: the fund made a loss overall.
        assert!(close(flows.distributed[4], 140.0));
        assert!(close(flows.distributed[10], 50.0));
        assert!(costs.profit_cession.abs() < EPS);
    }

    #[test]
    fn profit_cession_counts_the_ceded_share_of_final_nav() {
        // Still held at the horizon: the cost is the ceded part of the NAV.
        let mut flows = CashFlows::zeros(8);
        flows.paid_in[0] = 100.0;
        flows.nav.fill(200.0);
        let spec = ConcessionSpec {
            profit_cession_share: 0.5,
            ..none()
        };
        let costs = apply(&mut flows, &spec, 0.5, 100.0, 0, 8);
        assert!(close(costs.profit_cession, 50.0));
        assert!(close(flows.final_nav(), 150.0));
    }

    #[test]
    fn loss_first_with_the_cap_binding_and_not() {
        let before = single_deal(12, 0, 10, |q| if q < 10 { 100.0 } else { 60.0 });
        // Fund share 25%: the others paid 300 and got 180 back, a shortfall of 120.
        for (cap, transfer) in [(0.5, 50.0), (2.0, 120.0)] {
            let mut flows = before.clone();
            let spec = ConcessionSpec {
                loss_first_cap: cap,
                ..none()
            };
            let costs = apply(&mut flows, &spec, 0.25, 100.0, 0, 10);
            assert!(close(costs.loss_first, transfer));
            assert!(close(flows.paid_in[10], transfer));
            assert!(close(gain(&before) - gain(&flows), transfer));
        }
        // No shortfall when the sub-fund made money.
        let mut flows = single_deal(12, 0, 10, |_| 140.0);
        let costs = apply(
            &mut flows,
            &ConcessionSpec {
                loss_first_cap: 1.0,
                ..none()
            },
            0.25,
            100.0,
            0,
            10,
        );
        assert_eq!(costs.loss_first, 0.0);
    }

    #[test]
    fn each_cost_is_the_fall_in_net_gain() {
        // Calls over three years, a partial exit, a rise, then the rest at the end.
        let mut before = CashFlows::zeros(40);
        for t in 4..16 {
            before.paid_in[t] = 10.0;
        }
        let mut nav = 0.0;
        for t in 4..32 {
            nav = nav * 1.04 + before.paid_in[t];
            if t == 20 {
                before.distributed[t] = 0.4 * nav;
                nav *= 0.6;
            }
            before.nav[t] = nav;
        }
        before.distributed[32] = nav * 1.04;
        let full = ConcessionSpec {
            buyback: BuybackSpec {
                share: 0.2,
                interest_per_quarter: 0.015,
                earliest_quarter: 8,
                trigger: 1.1,
            },
            profit_cession_share: 0.2,
            profit_cession_hurdle_per_quarter: 0.015,
            loss_first_cap: 0.3,
        };
        let mut flows = before.clone();
        let costs = apply(&mut flows, &full, 0.3, 120.0, 4, 32);
        assert!(
            costs.buyback_quarter.is_some() && costs.buyback > 0.0 && costs.profit_cession > 0.0
        );
        assert!(close(gain(&before) - gain(&flows), costs.total()));

        // Each form alone.
        let alone = [
            ConcessionSpec {
                buyback: full.buyback,
                ..none()
            },
            ConcessionSpec {
                profit_cession_share: 0.2,
                profit_cession_hurdle_per_quarter: 0.015,
                ..none()
            },
        ];
        for spec in alone {
            let mut flows = before.clone();
            let costs = apply(&mut flows, &spec, 0.3, 120.0, 4, 32);
            assert!(costs.total() > 0.0);
            assert!(close(gain(&before) - gain(&flows), costs.total()));
        }
    }
}
