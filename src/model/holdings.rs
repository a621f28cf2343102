//! A portfolio's stakes in companies and their books: what each stake cost, what it was worth
//! each quarter, what it returned — shared by the sub-funds and the direct sleeve, which differ
//! only in how they pay into later rounds (pro-rata follow-ons vs milestone tranches).
//!
//! Ownership follows one rule: when a company raises a round selling `f` of itself, a holder
//! with ownership `o` who pays `paid` at a price that values the whole company at `price`
//! ends with `o (1 − f) + paid / price`. A pro-rata follow-on pays `o f post` at `price = post`
//! and keeps `o`; a milestone tranche priced at entry pays at `price = entry post / dilution
//! since entry`; a holder who pays nothing is diluted.
//!
//! Stakes are marked at the company's last post-money (venture practice: marks move at rounds),
//! written off when a company fails, and realised at exit. A holder that must close (a sub-fund at
//! the end of its life) sells what is left at the last mark less a discount; otherwise what is
//! left at the horizon stays as NAV, less the scenario's haircut.
//!
//! Money is conserved by construction and checked in tests: cost = cost realised + cost written
//! off + cost still held; value = proceeds + NAV.

use super::company::{Company, Ending, Round};
use crate::scenario::{Scenario, Stage};

/// What a holder paid into one round, and at what whole-company valuation.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RoundTake {
    pub paid: f64,
    pub price: f64,
}

impl RoundTake {
    /// Paying nothing: the holder is diluted.
    pub const NONE: RoundTake = RoundTake { paid: 0.0, price: 1.0 };

    /// The ownership after a round selling `equity_sold` of the company, of a holder who owned
    /// `ownership` before it and took this: the module's one rule, `o (1 − f) + paid / price`.
    #[inline]
    pub fn ownership_after(self, ownership: f64, equity_sold: f64) -> f64 {
        ownership * (1.0 - equity_sold) + self.paid / self.price
    }
}

/// How the holder's books close.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Close {
    /// Events up to and including `quarter` count; what is left is sold then at the last mark
    /// times `1 − discount`.
    Liquidate { quarter: usize, discount: f64 },
    /// Events up to the horizon count; what is left is NAV at the last mark times `1 − haircut`.
    Hold { haircut: f64 },
}

/// A holder's position in one company at entry.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Entry {
    pub ownership: f64,
    pub cost: f64,
    pub local: bool,
    /// The company's field's tier ([`crate::scenario::Tier::index`]), and whether it entered
    /// small (entry post-money at most the scenario's small-company limit).
    pub tier: usize,
    pub small: bool,
}

impl Entry {
    /// A position of `ownership` bought for `cost` in a company of field `field` (index into
    /// [`crate::scenario::ScenarioSpec::fields`]) at post-money `post`: its tier and whether it
    /// entered small are the scenario's reading of the field and the price.
    #[inline(always)]
    pub fn new(scenario: &Scenario, field: usize, post: f64, ownership: f64, cost: f64, local: bool) -> Entry {
        let small = post <= scenario.indicators.small_company_post_money_cny_m;
        Entry { ownership, cost, local, tier: scenario.fields[field].tier.index(), small }
    }
}

/// Totals per field: cost put in and value got out (proceeds + final NAV), CNY m.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct FieldValue {
    pub cost: f64,
    pub value: f64,
}

/// Counts of what the portfolio's companies did while the holder held them (policy outcomes): a
/// company that lists or reaches growth after the holder sold its stake is not the holder's
/// outcome, since the holder's money no longer backs it.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct CompanyCounts {
    pub backed: u32,
    /// Companies in the growth stage while held (entered at growth, or raised the growth round
    /// by the close).
    pub reached_growth: u32,
    /// Listings and exits valued at the unicorn threshold or more, by the close.
    pub ipos: u32,
    pub unicorn_exits: u32,
    /// Stakes that were sold or written off by the close.
    pub resolved: u32,
    /// Resolved stakes whose loss exceeded the holder's tolerance (as a share of their cost).
    pub beyond_tolerance: u32,
}

/// What a holder's deals and companies did in one evaluation year (a calendar year, ending with
/// its fourth quarter), for the evaluators' indicators (`crate::metrics::indicators`).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct YearTally {
    /// Entries and their cheques; those at seed or A, in small companies, in each tier.
    pub deals: f64,
    pub money: f64,
    pub seed_a_deals: f64,
    pub seed_a_money: f64,
    pub small_deals: f64,
    pub small_money: f64,
    pub tier_deals: [f64; 3],
    pub tier_money: [f64; 3],
    /// Paid into local companies (entries and later rounds).
    pub local_money: f64,
    /// Size (`equity_sold × post_money`) of the rounds the held companies raised after entry.
    pub follow_on_raised: f64,
    /// Companies that reached the growth stage, and that listed, while held.
    pub growth: f64,
    pub ipos: f64,
    /// Stakes sold or written off, and those among them that lost beyond the tolerance.
    pub resolved: f64,
    pub beyond_tolerance: f64,
}

/// One quarter of a holder's books.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Quarter {
    /// Paid into companies (entries and later rounds).
    pub invested: f64,
    /// Received from companies.
    pub proceeds: f64,
    /// Change of the stakes' marked value; its running sum is the NAV.
    pub nav_change: f64,
    /// Change of the cost of stakes still held; its running sum is invested cost.
    pub held_cost_change: f64,
}

/// One stake as it ended: all it cost, and what it returned (proceeds, or the held value).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StakeRecord {
    pub cost: f64,
    pub value: f64,
}

/// Quarterly books and totals of one holder.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Book {
    /// The books of quarters `0..=horizon`: one record a quarter rather than one series per
    /// item, so that booking an event checks one index, not four.
    pub quarters: Vec<Quarter>,
    pub cost: f64,
    pub cost_realised: f64,
    pub cost_written_off: f64,
    pub proceeds_total: f64,
    /// Value and cost of stakes still held at the close (only with [`Close::Hold`]).
    pub final_nav: f64,
    pub cost_held: f64,
    pub local_cost: f64,
    pub by_field: Vec<FieldValue>,
    pub counts: CompanyCounts,
    /// The holder's share of its companies' exit surprises ([`Company::exit_surprise`]) at the
    /// exits it held to: its ownership then is settled before the exit value is drawn, so
    /// this too is zero on average (a control variate, `crate::metrics::controls`).
    pub exit_surprise: f64,
    /// Every stake booked, kept only when `Some` (the calibration report card sets it; a run's
    /// paths leave it `None` and pay one test a stake).
    pub stakes: Option<Vec<StakeRecord>>,
    /// The books of each evaluation year ([`YearTally`]): quarter `t` is in year
    /// `(t + year_offset) / 4`.
    pub years: Vec<YearTally>,
    /// Quarter of the year of quarter 0, less one (0 when the calendar starts in a Q1).
    pub year_offset: usize,
    /// `(quarter, local cost)`: the cost of local stakes paid by the end of `quarter`, kept only
    /// when `Some` (plan vs actual reads the plan's local investment at the as-of quarter).
    pub local_to_date: Option<(usize, f64)>,
}

impl Book {
    /// Empties the books for quarters `0..=horizon` and `fields` fields, keeping allocations;
    /// quarter 0 is in quarter `year_offset + 1` of its year.
    pub fn reset(&mut self, horizon: usize, fields: usize, year_offset: usize) {
        self.year_offset = year_offset;
        self.years.clear();
        self.years.resize((horizon + year_offset) / 4 + 1, YearTally::default());
        self.quarters.clear();
        self.quarters.resize(horizon + 1, Quarter::default());
        self.by_field.clear();
        self.by_field.resize(fields, FieldValue::default());
        self.cost = 0.0;
        self.cost_realised = 0.0;
        self.cost_written_off = 0.0;
        self.proceeds_total = 0.0;
        self.final_nav = 0.0;
        self.cost_held = 0.0;
        self.local_cost = 0.0;
        self.counts = CompanyCounts::default();
        self.exit_surprise = 0.0;
        if let Some(stakes) = &mut self.stakes {
            stakes.clear();
        }
        if let Some((_, local)) = &mut self.local_to_date {
            *local = 0.0;
        }
    }

    /// Gains realised so far: proceeds minus the cost of what was sold.
    pub fn realised_gain(&self) -> f64 {
        self.proceeds_total - self.cost_realised
    }

    /// The running sum of [`Quarter::nav_change`]: marked value of stakes at the end of each
    /// quarter.
    pub fn nav_series(&self, out: &mut Vec<f64>) {
        out.clear();
        let mut nav = RunningBalance::default();
        out.extend(self.quarters.iter().map(|quarter| nav.add(quarter.nav_change)));
    }

    /// Books one stake from entry to close. `takes[k]` is what the holder did in the company's
    /// k-th later round (`rounds[company.rounds][k]`).
    #[allow(clippy::too_many_arguments)]
    #[inline(always)]
    pub fn book(&mut self, company: &Company, rounds: &[Round], takes: &[RoundTake], entry: Entry, close: Close, unicorn_value: f64, loss_tolerance: f64) {
        let last_quarter = match close {
            Close::Liquidate { quarter, .. } => quarter,
            Close::Hold { .. } => self.quarters.len() - 1,
        };
        let mut ownership = entry.ownership;
        let mut mark = entry.ownership * company.entry_post_money;
        let mut cost = entry.cost;
        let mut growth_while_held = company.entry_stage == Stage::Growth;
        let (offset, local) = (self.year_offset, f64::from(u8::from(entry.local)));
        let year = &mut self.years[(company.entry_quarter + offset) / 4];
        let (early, small) = (f64::from(u8::from(matches!(company.entry_stage, Stage::Seed | Stage::A))), f64::from(u8::from(entry.small)));
        year.deals += 1.0;
        year.money += entry.cost;
        year.seed_a_deals += early;
        year.seed_a_money += early * entry.cost;
        year.small_deals += small;
        year.small_money += small * entry.cost;
        year.tier_deals[entry.tier] += 1.0;
        year.tier_money[entry.tier] += entry.cost;
        year.local_money += local * entry.cost;
        year.growth += f64::from(u8::from(growth_while_held));
        let at_entry = &mut self.quarters[company.entry_quarter];
        at_entry.invested += entry.cost;
        at_entry.nav_change += mark;
        at_entry.held_cost_change += entry.cost;
        for (round, take) in rounds[company.rounds.clone()].iter().zip(takes) {
            if round.quarter > last_quarter {
                break;
            }
            ownership = take.ownership_after(ownership, round.equity_sold);
            let new_mark = ownership * round.post_money;
            let at_round = &mut self.quarters[round.quarter];
            at_round.nav_change += new_mark - mark;
            at_round.invested += take.paid;
            at_round.held_cost_change += take.paid;
            mark = new_mark;
            cost += take.paid;
            growth_while_held |= round.stage == Stage::Growth;
            let year = &mut self.years[(round.quarter + offset) / 4];
            year.follow_on_raised += round.equity_sold * round.post_money;
            year.local_money += local * take.paid;
            year.growth += f64::from(u8::from(round.stage == Stage::Growth));
        }
        // The quarter of the company's exit or failure, if it came by the close.
        let ended = company.ending.quarter().filter(|&quarter| quarter <= last_quarter);
        let (value, sold) = match (ended, close) {
            (Some(quarter), _) => {
                // A failure settles as a sale for nothing whose cost is written off.
                let (proceeds, written_off) = match company.ending {
                    Ending::Exit { value, .. } => (ownership * value, false),
                    _ => (0.0, true),
                };
                self.exit_surprise += ownership * company.exit_surprise;
                (self.settle(quarter, proceeds, mark, cost, written_off), true)
            }
            (None, Close::Liquidate { quarter, discount }) => (self.settle(quarter, mark * (1.0 - discount), mark, cost, false), true),
            (None, Close::Hold { haircut }) => {
                let held = mark * (1.0 - haircut);
                // The haircut is a mark-down of what is held, booked in the last quarter.
                self.quarters[last_quarter].nav_change -= mark - held;
                self.final_nav += held;
                self.cost_held += cost;
                (held, false)
            }
        };
        self.cost += cost;
        if let Some(stakes) = &mut self.stakes {
            stakes.push(StakeRecord { cost, value });
        }
        if let (Some((until, local)), true) = (&mut self.local_to_date, entry.local) {
            let until = (*until).min(last_quarter);
            if company.entry_quarter <= until {
                *local += entry.cost;
                let rounds = rounds[company.rounds.clone()].iter().zip(takes);
                *local += rounds.take_while(|(round, _)| round.quarter <= until).map(|(_, take)| take.paid).sum::<f64>();
            }
        }
        // Adds zero for a stake that is not local, which leaves the sum as it is (it is never
        // −0): a multiply rather than a branch, since whether a deal is local is a coin toss to
        // the branch predictor.
        self.local_cost += cost * f64::from(u8::from(entry.local));
        let field = &mut self.by_field[company.field];
        field.cost += cost;
        field.value += value;
        let counts = &mut self.counts;
        counts.backed += 1;
        counts.reached_growth += u32::from(growth_while_held);
        if let (Some(_), Ending::Exit { value, ipo, .. }) = (ended, company.ending) {
            counts.ipos += u32::from(ipo);
            counts.unicorn_exits += u32::from(value >= unicorn_value);
        }
        counts.resolved += u32::from(sold);
        let resolved_in = match (ended, close) {
            (Some(quarter), _) | (None, Close::Liquidate { quarter, .. }) => Some(quarter),
            (None, Close::Hold { .. }) => None,
        };
        if let Some(quarter) = resolved_in {
            let year = &mut self.years[(quarter + offset) / 4];
            year.resolved += 1.0;
            year.beyond_tolerance += f64::from(u8::from((cost > 0.0) & (1.0 - value / cost > loss_tolerance)));
            year.ipos += f64::from(u8::from(ended.is_some() && matches!(company.ending, Ending::Exit { ipo: true, .. })));
        }
        // Tested together rather than in turn (a cost of 0 makes a NaN or infinite share, which
        // the cost test overrules): whether a stake lost that much is a coin toss to the branch
        // predictor.
        counts.beyond_tolerance += u32::from(sold & (cost > 0.0) & (1.0 - value / cost > loss_tolerance));
    }

    /// Ends a stake marked at `mark` with cost `cost` in `quarter`: sold for `proceeds`, or
    /// written off (for no proceeds, whose adds leave the sums as they are: none is ever −0).
    fn settle(&mut self, quarter: usize, proceeds: f64, mark: f64, cost: f64, written_off: bool) -> f64 {
        let at_end = &mut self.quarters[quarter];
        at_end.proceeds += proceeds;
        at_end.nav_change -= mark;
        at_end.held_cost_change -= cost;
        self.proceeds_total += proceeds;
        // Indexed rather than branched on: whether a stake failed is a coin toss to the branch
        // predictor.
        *[&mut self.cost_realised, &mut self.cost_written_off][usize::from(written_off)] += cost;
        proceeds
    }
}

/// A running sum of quarterly changes to a balance that cannot be negative (the NAV or the cost
/// of stakes held: the running sums of [`Quarter::nav_change`] and [`Quarter::held_cost_change`]). When
/// every stake has gone, the adds and removes cancel only up to rounding, so a balance within
/// `1e-9` of the largest change so far is exactly zero. The scale starts at 1 (CNY m), so a
/// balance within 1e-9 CNY m of zero is zero even when every change so far was itself rounding
/// (stakes that enter and leave in one quarter can net to −2.8e-14 there).
///
/// A stepper rather than a series so that a caller walking the quarters anyway (the sub-fund's
/// waterfall) keeps the balance as it goes, over just the quarters it needs.
#[derive(Debug, Clone, Copy)]
pub struct RunningBalance {
    total: f64,
    scale: f64,
}

impl Default for RunningBalance {
    fn default() -> RunningBalance {
        RunningBalance { total: 0.0, scale: 1.0 }
    }
}

impl RunningBalance {
    /// Adds the next quarter's `change` and returns the balance at the end of that quarter.
    #[inline]
    pub fn add(&mut self, change: f64) -> f64 {
        self.total += change;
        // Not `f64::max`, whose NaN handling costs instructions on a hot path: the result is the
        // same (`scale` is never NaN, and a NaN change leaves it as `max` would).
        let magnitude = change.abs();
        if magnitude > self.scale {
            self.scale = magnitude;
        }
        if self.total.abs() <= 1e-9 * self.scale {
            self.total = 0.0;
        }
        self.total
    }

    /// The balance at the end of the last quarter added (zero before any).
    pub fn balance(&self) -> f64 {
        self.total
    }
}

#[cfg(test)]
mod tests;
