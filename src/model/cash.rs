//! The fund's cash account on one path (docs/funding.md): the city's appropriations and the
//! distributions the fund keeps come in, the sub-funds' calls, the direct sleeve's payments and
//! the fund's running costs go out, and idle cash earns the deposit rate.
//!
//! Each quarter `t`, with `open(t)` the previous quarter's closing balance (0 before quarter 0):
//!
//! ```text
//! interest(t)  = open(t) × deposit rate a quarter
//! available(t) = open(t) + appropriated(t) + distributions(t) − returned(t) + interest(t)
//! paid(t)      = sub-fund calls(t) + direct(t) + running costs(t)
//! shortfall(t) = max(0, paid(t) − available(t))
//! close(t)     = available(t) + shortfall(t) − paid(t)   (never negative)
//! ```
//!
//! `returned(t)` is what goes back to the budget: every distribution under `"return"`, those
//! received after the recycling window under `"recycle until …"`. A shortfall is money the city
//! must find outside its plan for the calls to be paid: it is kept explicitly, never hidden as a
//! negative balance. The account reads the path's flows and changes none of them.

use crate::scenario::funding::FundingPlan;

/// The quarterly flows the account reads, each of length `horizon + 1`.
#[derive(Debug, Clone, Copy)]
pub struct Flows<'a> {
    /// Appropriations by quarter ([`FundingPlan::by_quarter`]).
    pub appropriated: &'a [f64],
    pub subfund_calls: &'a [f64],
    /// The direct sleeve's payments: tranches and team costs.
    pub direct: &'a [f64],
    pub running_costs: &'a [f64],
    /// Everything the fund receives from its sleeves.
    pub distributions: &'a [f64],
}

/// The fund's cash account, quarter by quarter (CNY m).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CashAccount {
    pub opening: Vec<f64>,
    pub appropriated: Vec<f64>,
    pub distributions: Vec<f64>,
    /// Distributions paid back to the budget.
    pub returned: Vec<f64>,
    pub interest: Vec<f64>,
    pub subfund_calls: Vec<f64>,
    pub direct: Vec<f64>,
    pub running_costs: Vec<f64>,
    /// Money needed beyond the plan for the quarter's payments.
    pub shortfall: Vec<f64>,
    pub closing: Vec<f64>,
}

impl CashAccount {
    /// Keeps the account of `flows` under `plan`, reusing this account's allocations.
    pub fn keep(&mut self, plan: &FundingPlan, flows: Flows<'_>) {
        let quarters = flows.appropriated.len();
        for column in self.columns_mut() {
            column.clear();
            column.reserve(quarters);
        }
        let mut balance = 0.0;
        for t in 0..quarters {
            let received = flows.distributions[t];
            let returned = if plan.keeps_distribution(t) { 0.0 } else { received };
            let interest = balance * plan.deposit_rate_per_quarter;
            let available = balance + flows.appropriated[t] + received - returned + interest;
            let paid = flows.subfund_calls[t] + flows.direct[t] + flows.running_costs[t];
            let shortfall = (paid - available).max(0.0);
            // An account that falls short ends the quarter empty (not at rounding dust either way).
            let closing = if shortfall > 0.0 { 0.0 } else { available - paid };
            self.opening.push(balance);
            self.appropriated.push(flows.appropriated[t]);
            self.distributions.push(received);
            self.returned.push(returned);
            self.interest.push(interest);
            self.subfund_calls.push(flows.subfund_calls[t]);
            self.direct.push(flows.direct[t]);
            self.running_costs.push(flows.running_costs[t]);
            self.shortfall.push(shortfall);
            self.closing.push(closing);
            balance = closing;
        }
    }

    /// What the fund paid out in quarter `t`: calls, direct payments and running costs.
    pub fn paid(&self, t: usize) -> f64 {
        self.subfund_calls[t] + self.direct[t] + self.running_costs[t]
    }

    /// Distributions kept in the fund in quarter `t`.
    pub fn kept(&self, t: usize) -> f64 {
        self.distributions[t] - self.returned[t]
    }

    /// Quarters kept.
    pub fn len(&self) -> usize {
        self.closing.len()
    }

    pub fn is_empty(&self) -> bool {
        self.closing.is_empty()
    }

    fn columns_mut(&mut self) -> [&mut Vec<f64>; 10] {
        [
            &mut self.opening,
            &mut self.appropriated,
            &mut self.distributions,
            &mut self.returned,
            &mut self.interest,
            &mut self.subfund_calls,
            &mut self.direct,
            &mut self.running_costs,
            &mut self.shortfall,
            &mut self.closing,
        ]
    }
}

#[cfg(test)]
mod tests;
