//! What the evaluators look at, on every path at the end of every year (docs/scorecard.md): the
//! indicators of [`crate::scenario::scorecard::INDICATORS`], each to date (cumulative from the
//! first quarter to the year's fourth quarter).
//!
//! Evaluation years are calendar years whose fourth quarter lies within the horizon; a calendar
//! that starts mid-year has a short first year. A value that does not exist in a year — a share
//! of deals before any deal, a loss share before any stake was resolved — is `NaN`, and a
//! scorecard item says what it scores then.
//!
//! Money shares look through the sub-funds (their cheques times the fund's share, as value by
//! field does); counts and follow-on financing count every company either sleeve backed.
//! Leverage follows the fundraising shortfall drawn on the path ([`crate::scenario::Shortfall`]).

use super::path::Unit;
use crate::model::flows::CashFlows;
use crate::model::fund::PathState;
use crate::model::holdings::YearTally;
use crate::scenario::Scenario;
use crate::scenario::scorecard::INDICATORS;

/// Label and unit of each indicator, in [`INDICATORS`] order.
pub const INFO: [(&str, Unit); INDICATORS.len()] = [
    ("Leverage on paid-in (sub-funds' paid-in / the fund's)", Unit::Multiple),
    ("Leverage on commitments (sub-funds' size / the fund's commitments)", Unit::Multiple),
    ("Other LPs' commitments", Unit::CnyM),
    ("Later rounds raised by backed companies while held", Unit::CnyM),
    ("Later rounds raised per CNY invested", Unit::Multiple),
    ("Deals", Unit::Count),
    ("Share of deals at seed or A", Unit::Share),
    ("Share of money at seed or A", Unit::Share),
    ("Share of deals in small companies", Unit::Share),
    ("Share of money in small companies", Unit::Share),
    ("Share of deals in the industrialising tier", Unit::Share),
    ("Share of money in the industrialising tier", Unit::Share),
    ("Share of deals in the prototype tier", Unit::Share),
    ("Share of money in the prototype tier", Unit::Share),
    ("Share of deals in the exploration tier", Unit::Share),
    ("Share of money in the exploration tier", Unit::Share),
    ("Deployment against plan", Unit::Multiple),
    ("Local reinvestment against requirement", Unit::Multiple),
    ("Share of resolved projects losing beyond tolerance", Unit::Share),
    ("Share of sub-funds losing beyond tolerance", Unit::Share),
    ("Share of sleeves losing beyond tolerance", Unit::Share),
    ("Fund losing beyond tolerance (1 yes, 0 no)", Unit::Count),
    ("Fund loss ratio (1 - TVPI)", Unit::Share),
    ("IPOs while held", Unit::Count),
    ("Companies reaching growth while held", Unit::Count),
    ("Fund TVPI to date", Unit::Multiple),
    ("Fund DPI to date", Unit::Multiple),
];

/// An evaluation year: its calendar year and its last quarter's index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Year {
    pub year: i32,
    pub end: usize,
}

/// The evaluation years of `scenario`, first to last.
pub fn years(scenario: &Scenario) -> Vec<Year> {
    let offset = scenario.calendar.year_offset();
    let first = scenario.calendar.start.year;
    (0..).map(|k: usize| Year { year: first + k as i32, end: 4 * k + 3 - offset }).take_while(|y| y.end <= scenario.horizon()).collect()
}

/// Values per path: [`INDICATORS`] for each year of [`years`], year after year.
pub fn width(scenario: &Scenario) -> usize {
    years(scenario).len() * INDICATORS.len()
}

/// Where indicator `indicator` of the `year`-th evaluation year sits in a row.
pub fn slot(year: usize, indicator: usize) -> usize {
    year * INDICATORS.len() + indicator
}

/// Money in, out and held of some cash flows up to a quarter, moved on a year at a time.
#[derive(Debug, Clone, Copy, Default)]
struct ToDate {
    paid: f64,
    distributed: f64,
    nav: f64,
}

impl ToDate {
    /// Adds the flows of quarters `from..=end` and takes the NAV at `end`.
    fn advance(&mut self, flows: &CashFlows, from: usize, end: usize) -> ToDate {
        self.paid += flows.paid_in[from..=end].iter().sum::<f64>();
        self.distributed += flows.distributed[from..=end].iter().sum::<f64>();
        self.nav = flows.nav[end];
        *self
    }

    /// `1 − (distributed + NAV) / paid-in`; `NaN` before anything is paid in.
    fn loss(self) -> f64 {
        ratio(self.paid - self.distributed - self.nav, self.paid)
    }
}

fn ratio(x: f64, y: f64) -> f64 {
    if y > 0.0 { x / y } else { f64::NAN }
}

/// Adds `tally` to `sum`, its money scaled by `scale`.
fn add(sum: &mut YearTally, tally: &YearTally, scale: f64) {
    sum.deals += tally.deals;
    sum.money += scale * tally.money;
    sum.seed_a_deals += tally.seed_a_deals;
    sum.seed_a_money += scale * tally.seed_a_money;
    sum.small_deals += tally.small_deals;
    sum.small_money += scale * tally.small_money;
    for tier in 0..3 {
        sum.tier_deals[tier] += tally.tier_deals[tier];
        sum.tier_money[tier] += scale * tally.tier_money[tier];
    }
    sum.follow_on_raised += tally.follow_on_raised;
    sum.growth += tally.growth;
    sum.ipos += tally.ipos;
    sum.resolved += tally.resolved;
    sum.beyond_tolerance += tally.beyond_tolerance;
}

/// Fills `row` with the path's indicators, [`width`] values in [`slot`] order.
pub fn compute(scenario: &Scenario, state: &PathState, row: &mut Vec<f64>) {
    row.clear();
    let spec = &scenario.indicators;
    // The whole tally to date (look-through money), and what every holder paid into companies.
    let mut sum = YearTally::default();
    let (mut invested_whole, mut invested_fund, mut local) = (0.0, 0.0, 0.0);
    let mut first_quarter = 0;
    let (mut fund_to_date, mut direct_to_date, mut sleeve_to_date) = (ToDate::default(), ToDate::default(), ToDate::default());
    let mut subfunds = vec![ToDate::default(); scenario.subfunds.len()];
    for (k, year) in years(scenario).iter().enumerate() {
        add(&mut sum, &state.direct.book.years[k], 1.0);
        let direct_invested: f64 = state.direct.book.quarters[first_quarter..=year.end].iter().map(|q| q.invested).sum();
        invested_whole += direct_invested;
        invested_fund += direct_invested;
        let (mut fund_paid, mut whole_paid, mut size, mut committed, mut others, mut required) = (0.0, 0.0, 0.0, 0.0, 0.0, 0.0);
        let (mut subfunds_with_money, mut subfunds_beyond) = (0u32, 0u32);
        let mut planned = scenario.direct.budget_cny_m * progress(year.end, scenario.direct.first_quarter, scenario.direct.deploy_quarters);
        for (((sub, outcome), &raised), to_date) in scenario.subfunds.iter().zip(&state.subfunds).zip(&state.raised).zip(&mut subfunds) {
            add(&mut sum, &outcome.book.years[k], sub.fund_share);
            let invested: f64 = outcome.book.quarters[first_quarter..=year.end].iter().map(|q| q.invested).sum();
            invested_whole += invested;
            invested_fund += sub.fund_share * invested;
            // The other LPs' commitment as raised, and the sub-fund's size as a share of plan.
            let planned_others = sub.commitment_cny_m * (1.0 - sub.fund_share) / sub.fund_share;
            let raised_others = planned_others * raised;
            let scale = (sub.commitment_cny_m + raised_others) / (sub.commitment_cny_m + planned_others);
            local += scale * outcome.book.years[k].local_money;
            let paid = to_date.advance(&outcome.fund, first_quarter, year.end);
            fund_paid += paid.paid;
            whole_paid += paid.paid * (sub.commitment_cny_m + raised_others) / sub.commitment_cny_m;
            if paid.paid > 0.0 {
                subfunds_with_money += 1;
                subfunds_beyond += u32::from(paid.loss() > sub.loss_tolerance);
            }
            if sub.vintage <= year.end {
                committed += sub.commitment_cny_m;
                size += sub.commitment_cny_m + raised_others;
                others += raised_others;
                required += sub.local_requirement * sub.commitment_cny_m;
            }
            planned += sub.commitment_cny_m * sub.investable_share * progress(year.end, sub.vintage, sub.investment_period_quarters);
        }
        let (fund, direct, sleeve) = (
            fund_to_date.advance(&state.fund, first_quarter, year.end),
            direct_to_date.advance(&state.direct.flows, first_quarter, year.end),
            sleeve_to_date.advance(&state.subfund_sleeve, first_quarter, year.end),
        );
        let sleeves = [direct, sleeve].into_iter().filter(|s| s.paid > 0.0);
        let (sleeves_with_money, sleeves_beyond) =
            sleeves.fold((0.0, 0.0), |(n, b), s| (n + 1.0, b + f64::from(u8::from(s.loss() > spec.sleeve_loss_tolerance))));
        let fund_loss = fund.loss();
        let share = |x: f64, of: f64| ratio(x, of);
        let values = [
            ratio(whole_paid, fund_paid),
            ratio(size, committed),
            others,
            sum.follow_on_raised,
            ratio(sum.follow_on_raised, invested_whole),
            sum.deals,
            share(sum.seed_a_deals, sum.deals),
            share(sum.seed_a_money, sum.money),
            share(sum.small_deals, sum.deals),
            share(sum.small_money, sum.money),
            share(sum.tier_deals[0], sum.deals),
            share(sum.tier_money[0], sum.money),
            share(sum.tier_deals[1], sum.deals),
            share(sum.tier_money[1], sum.money),
            share(sum.tier_deals[2], sum.deals),
            share(sum.tier_money[2], sum.money),
            ratio(invested_fund, planned),
            ratio(local, required),
            share(sum.beyond_tolerance, sum.resolved),
            share(f64::from(subfunds_beyond), f64::from(subfunds_with_money)),
            share(sleeves_beyond, sleeves_with_money),
            if fund_loss.is_nan() { f64::NAN } else { f64::from(u8::from(fund_loss > spec.fund_loss_tolerance)) },
            fund_loss,
            sum.ipos,
            sum.growth,
            ratio(fund.distributed + fund.nav, fund.paid),
            ratio(fund.distributed, fund.paid),
        ];
        row.extend(values);
        first_quarter = year.end + 1;
    }
}

/// Share of a deployment plan due by the end of quarter `end`: none before `start`, then evenly
/// over `quarters` quarters.
fn progress(end: usize, start: usize, quarters: usize) -> f64 {
    if end < start { 0.0 } else { ((end + 1 - start) as f64 / quarters.max(1) as f64).min(1.0) }
}

#[cfg(test)]
mod tests;
