//! The fund's direct sleeve (直接投资) with milestone tranches (里程碑式, docs/model.md §5).
//!
//! The budget becomes available evenly over the deployment quarters, from the sleeve's first
//! quarter. Each deal picks a field (by the fields' direct weights), an entry stage and a
//! post-money, and the fund commits
//! `round_participation` of the entry round. The commitment is paid in tranches: the first at
//! entry, each later one when the company raises its next round within the deadline after the
//! previous tranche. A scenario chooses the tranche price ([`TranchePricing`]): at the entry round
//! (the subscription price fixed in the investment agreement, 分期出资 — a released tranche buys
//! `tranche / entry post-money` of the company on the entry basis, diluted by the rounds since,
//! which makes tranches an option on the milestone), or at the round that meets the milestone
//! (a conditional pro-rata follow-on).
//! A tranche that misses its deadline — or whose company exits or fails first — lapses with all
//! later ones; lapsed money returns to the sleeve's pool and funds new deals while the sleeve is
//! still deploying, and for `recycle_quarters` after (the budget is no longer added then);
//! what lapses later returns to the fund uncalled. Stakes left at the horizon are held as NAV
//! (less the scenario's haircut).
//!
//! The team that makes these deals is the sleeve's cost, paid in with the deals: a share of the
//! budget a year while the sleeve deploys, then a share of the cost of the stakes it still holds
//! (`add_team_costs`), as a venture manager's fee would be.
//!
//! With dynamic re-allocation ([`crate::scenario::ReallocationSpec`], the measures' 动态甄别评估调整), the fund
//! reviews its fields every `review_quarters`: a field whose progress factor is at least the
//! threshold has its deal-flow weight multiplied by `favour`, one at or below minus the
//! threshold by `stalled`, until the next review. The fund sees the factor itself — its reviews
//! assess technical progress directly — so the policy's value is an upper bound on what reviews
//! that see progress with noise or delay would achieve. Uncommitted capital, including lapsed
//! tranches returned to the pool, follows the new weights.

use std::ops::Range;

use rand::RngExt;

use super::Environment;
use super::company::{self, Backer, ProfileLaw, Round, Start};
use super::flows::CashFlows;
use super::holdings::{Book, Close, Entry, RoundTake, RunningBalance};
use super::mix::{cumulate, pick};
use crate::rng::{PathRng, StreamKey, deal_item};
use crate::scenario::workload::DealLimitReached;
use super::from_book;
use crate::scenario::portfolio::{DirectHolding, HoldingStatus};
use crate::scenario::{DirectSpec, Stage, TranchePricing};

/// What the direct sleeve did on one path.
#[derive(Debug, Clone, Default)]
pub struct DirectOutcome {
    /// The fund's cash flows in the sleeve.
    pub flows: CashFlows,
    pub book: Book,
    /// Total committed to companies, and the part of it that lapsed unpaid.
    pub committed: f64,
    pub lapsed: f64,
    /// Budget never committed (the pool left when deployment ended).
    pub undeployed: f64,
    /// What the direct team cost, CNY m (paid in by the fund with the deals).
    pub team_costs: f64,
}

/// Buffers reused from path to path.
#[derive(Debug, Default)]
pub struct Workspace {
    rounds: Vec<Round>,
    takes: Vec<RoundTake>,
    returns: Vec<f64>,
    fields: FieldMix,
    /// The entry-stage mix as cumulative weights ([`cumulate`]).
    stages: Vec<(Stage, f64)>,
}

/// The fields' weights in new deals, after any review ([`field_weight`]), as cumulative weights.
/// They change only at reviews, so they are rebuilt only then (once a path without
/// re-allocation) rather than every quarter.
#[derive(Debug, Default)]
struct FieldMix {
    /// `(field, cumulative weight)` of the fields with positive weight ([`cumulate`]); the last
    /// cumulative weight is the total.
    cumulative: Vec<(usize, f64)>,
    /// The reviews made when the weights were built; `None` before a path's first quarter.
    reviews: Option<usize>,
}

impl FieldMix {
    /// Brings the weights up to date for `quarter`.
    fn update(&mut self, env: &Environment<'_>, spec: &DirectSpec, quarter: usize) {
        let reviews = spec.reallocation.map_or(0, |policy| quarter / policy.review_quarters.max(1));
        if self.reviews != Some(reviews) {
            self.reviews = Some(reviews);
            cumulate((0..env.scenario.fields.len()).map(|f| (f, field_weight(env, spec, f, reviews))), &mut self.cumulative);
        }
    }

    /// The field a uniform `u` selects; `None` when no field takes new deals. The weights need
    /// not sum to 1, so `u` is scaled to their total (rather than the weights to 1, which would
    /// round them).
    fn pick(&self, u: f64) -> Option<usize> {
        let &(_, total) = self.cumulative.last()?;
        Some(pick(&self.cumulative, u * total))
    }
}

/// A deal drawn but not yet affordable, with the generator its company will draw from.
struct Deal<'a> {
    field: usize,
    law: &'a ProfileLaw,
    stage: Stage,
    local: bool,
    post: f64,
    commitment: f64,
    rng: PathRng,
}

/// Simulates the direct sleeve on path `path`, writing into `out`.
///
/// # Errors
/// If the sleeve would make more than `max_deals` deals ([`crate::scenario::workload`]).
#[allow(clippy::too_many_arguments)]
pub fn simulate(env: &Environment<'_>, laws: &[ProfileLaw], spec: &DirectSpec, key: &StreamKey, path: u64, max_deals: usize, ws: &mut Workspace, out: &mut DirectOutcome) -> Result<(), DealLimitReached> {
    let deploying = deploy(env, laws, spec, key, path, max_deals, ws, out)?;
    finish(spec, deploying, out);
    Ok(())
}

/// Makes the sleeve's deals into `out`'s book; returns the quarters it deploys in.
#[allow(clippy::too_many_arguments)]
fn deploy(env: &Environment<'_>, laws: &[ProfileLaw], spec: &DirectSpec, key: &StreamKey, path: u64, max_deals: usize, ws: &mut Workspace, out: &mut DirectOutcome) -> Result<Range<usize>, DealLimitReached> {
    let scenario = env.scenario;
    let horizon = env.horizon();
    out.book.reset(horizon, scenario.fields.len(), scenario.calendar.year_offset());
    out.committed = 0.0;
    out.lapsed = 0.0;
    ws.returns.clear();
    ws.returns.resize(horizon + 1, 0.0);
    ws.fields.reviews = None;
    let backer = Backer::new(spec.skill, 0.0);
    cumulate(Stage::ALL.into_iter().zip(spec.stage_mix), &mut ws.stages);
    let allocation = spec.budget_cny_m / spec.deploy_quarters as f64;
    let mut pool = 0.0;
    let mut pending: Option<Deal> = None;
    let mut deals = 0;
    // A sleeve with no budget makes no deals (each would be capped at zero and never exhaust
    // the pool).
    let deploying = if spec.budget_cny_m > 0.0 { spec.first_quarter..(spec.first_quarter + spec.deploy_quarters).min(horizon + 1) } else { 0..0 };
    // After deployment, lapsed tranches returned to the pool fund new deals while recycling lasts.
    let investing = deploying.start..(deploying.end + spec.recycle_quarters).min(horizon + 1).max(deploying.end);
    for quarter in investing {
        pool += if deploying.contains(&quarter) { allocation } else { 0.0 } + ws.returns[quarter];
        ws.fields.update(env, spec, quarter);
        let mut slot = 0;
        loop {
            let deal = match pending.take() {
                Some(deal) => deal,
                None => {
                    slot += 1;
                    match draw_deal(env, laws, spec, &ws.fields, &ws.stages, quarter, key.rng(path, deal_item(quarter, slot - 1))) {
                        Some(deal) => deal,
                        None => break,
                    }
                }
            };
            if deal.commitment > pool * (1.0 + 1e-12) {
                pending = Some(deal);
                break;
            }
            if deals == max_deals {
                return Err(DealLimitReached { sleeve: "direct".into(), limit: max_deals });
            }
            deals += 1;
            pool -= deal.commitment;
            invest(env, spec, deal, quarter, backer, ws, out);
        }
    }
    out.undeployed = pool;
    Ok(deploying)
}

/// The sleeve's cash flows from its book and its team's costs.
fn finish(spec: &DirectSpec, deploying: Range<usize>, out: &mut DirectOutcome) {
    let flows = &mut out.flows;
    flows.paid_in.clear();
    flows.paid_in.extend(out.book.quarters.iter().map(|quarter| quarter.invested));
    out.team_costs = add_team_costs(spec, deploying, &out.book, &mut flows.paid_in);
    flows.distributed.clear();
    flows.distributed.extend(out.book.quarters.iter().map(|quarter| quarter.proceeds));
    out.book.nav_series(&mut flows.nav);
}

/// Simulates the direct sleeve on path `path` from the book at quarter `as_of`
/// (docs/portfolio.md): `spec` is the sleeve from the next quarter (the budget not yet
/// committed, [`crate::scenario::portfolio::AsOf::forecast_direct`]); each holding still held
/// goes on from its stage and last post-money, its pending tranches paid when its next rounds
/// meet their deadlines; holdings that exited or failed stay so. The history is the book's:
/// paid in `team_costs` plus the holdings' cost, their proceeds, their marks.
///
/// # Errors
/// If the sleeve would make more than `max_deals` deals.
#[allow(clippy::too_many_arguments)]
pub fn simulate_from(
    env: &Environment<'_>,
    laws: &[ProfileLaw],
    spec: &DirectSpec,
    holdings: &[DirectHolding],
    as_of: usize,
    team_costs: f64,
    key: &StreamKey,
    path: u64,
    max_deals: usize,
    ws: &mut Workspace,
    out: &mut DirectOutcome,
) -> Result<(), DealLimitReached> {
    let deploying = deploy(env, laws, spec, key, path, max_deals, ws, out)?;
    let backer = Backer::new(spec.skill, 0.0);
    let close = Close::Hold { haircut: env.scenario.fund.horizon_haircut };
    let (mut paid, mut proceeds, mut nav) = (team_costs, 0.0, 0.0);
    for (k, direct) in holdings.iter().enumerate() {
        let holding = &direct.holding;
        paid += holding.cost_cny_m;
        proceeds += holding.proceeds();
        nav += holding.mark();
        out.committed += holding.cost_cny_m + direct.pending.iter().map(|p| p.0).sum::<f64>();
        if holding.status != HoldingStatus::Held {
            continue;
        }
        ws.rounds.clear();
        let company = from_book::go_on(env, laws, holding, as_of, backer, &mut from_book::stream(key, path, as_of, k), &mut ws.rounds);
        ws.takes.clear();
        ws.takes.resize(ws.rounds.len(), RoundTake::NONE);
        let post = holding.last_post_money_cny_m;
        let mut next = 0;
        let mut dilution = 1.0;
        for (round, take) in ws.rounds.iter().zip(ws.takes.iter_mut()) {
            dilution *= 1.0 - round.equity_sold;
            let Some(&(amount, deadline)) = direct.pending.get(next) else { break };
            if round.quarter > deadline {
                break;
            }
            // Priced at entry: the mark's price per share at the as-of quarter, over the dilution since.
            let price = match spec.tranches.pricing {
                TranchePricing::Entry => post / dilution,
                TranchePricing::Round => round.post_money,
            };
            *take = RoundTake { paid: amount, price };
            next += 1;
        }
        // Tranches whose milestone is missed lapse and return to the fund uncalled.
        out.lapsed += direct.pending[next..].iter().map(|p| p.0).sum::<f64>();
        let entry = from_book::entry(env, holding);
        out.book.book(&company, &ws.rounds, &ws.takes, entry, close, env.scenario.fund.unicorn_cny_m, spec.loss_tolerance);
    }
    finish(spec, deploying, out);
    let flows = &mut out.flows;
    flows.paid_in[as_of] = paid;
    flows.distributed[as_of] = proceeds;
    flows.nav[as_of] = nav;
    Ok(())
}

/// Adds the direct team's cost to each quarter's `paid_in` and returns the total: a share of the
/// budget a quarter while the sleeve deploys, then a share of the cost of the stakes still held
/// at the end of the quarter before — what a venture manager's fee would be, since the team does
/// a manager's work (its salaries, due diligence and monitoring come out of the fund's money).
fn add_team_costs(spec: &DirectSpec, deploying: Range<usize>, book: &Book, paid_in: &mut [f64]) -> f64 {
    if spec.team_cost_per_quarter == 0.0 && spec.team_cost_after_per_quarter == 0.0 {
        return 0.0;
    }
    let mut held_cost = RunningBalance::default();
    let mut total = 0.0;
    for (t, (paid, quarter)) in paid_in.iter_mut().zip(&book.quarters).enumerate() {
        let cost = if t < deploying.start {
            0.0
        } else if t < deploying.end {
            spec.team_cost_per_quarter * spec.budget_cny_m
        } else {
            spec.team_cost_after_per_quarter * held_cost.balance().max(0.0)
        };
        held_cost.add(quarter.held_cost_change);
        *paid += cost;
        total += cost;
    }
    total
}

/// The weight of `field` in new direct deals after `reviews` reviews.
fn field_weight(env: &Environment<'_>, spec: &DirectSpec, field: usize, reviews: usize) -> f64 {
    let base = env.scenario.fields[field].direct_weight;
    let Some(policy) = spec.reallocation else { return base };
    if reviews == 0 {
        return base;
    }
    let progress = env.field_progress(field, reviews * policy.review_quarters);
    if progress >= policy.progress_threshold {
        base * policy.favour
    } else if progress <= -policy.progress_threshold {
        base * policy.stalled
    } else {
        base
    }
}

/// Draws a deal from its own generator (the `slot`-th deal drawn in a quarter uses [`deal_item`]); `None`
/// when no field takes new deals.
fn draw_deal<'a>(env: &Environment<'_>, laws: &'a [ProfileLaw], spec: &DirectSpec, fields: &FieldMix, stages: &[(Stage, f64)], quarter: usize, mut rng: PathRng) -> Option<Deal<'a>> {
    let field = fields.pick(rng.random())?;
    let stage = pick(stages, rng.random());
    let local = rng.random::<f64>() < spec.local_share;
    let law = &laws[env.scenario.fields[field].profile];
    let post = company::draw_entry_post_money(env, law, stage, field, quarter, &mut rng);
    let commitment = (spec.round_participation * law.equity_sold(stage) * post).min(spec.budget_cny_m);
    Some(Deal { field, law, stage, local, post, commitment, rng })
}

/// Makes the deal in `quarter`: simulates the company, releases or lapses its tranches, books it.
fn invest(env: &Environment<'_>, spec: &DirectSpec, mut deal: Deal<'_>, quarter: usize, backer: Backer, ws: &mut Workspace, out: &mut DirectOutcome) {
    ws.rounds.clear();
    let company = company::simulate(env, deal.law, Start::deal(deal.field, deal.stage, quarter, deal.post), backer, &mut deal.rng, &mut ws.rounds);
    let tranches = &spec.tranches.shares;
    ws.takes.clear();
    ws.takes.resize(ws.rounds.len(), RoundTake::NONE);
    let mut released = 1; // the first tranche is paid at entry
    let mut last_payment = quarter;
    let mut dilution = 1.0;
    for (round, take) in ws.rounds.iter().zip(ws.takes.iter_mut()) {
        dilution *= 1.0 - round.equity_sold;
        if released == tranches.len() {
            break;
        }
        if round.quarter > last_payment + spec.tranches.deadline_quarters {
            break;
        }
        let price = match spec.tranches.pricing {
            TranchePricing::Entry => deal.post / dilution,
            TranchePricing::Round => round.post_money,
        };
        *take = RoundTake { paid: tranches[released] * deal.commitment, price };
        released += 1;
        last_payment = round.quarter;
    }
    if released < tranches.len() {
        let lapsed: f64 = tranches[released..].iter().sum::<f64>() * deal.commitment;
        let deadline = last_payment + spec.tranches.deadline_quarters;
        let lapse_quarter = company.ending.quarter().map_or(deadline, |q| q.min(deadline));
        out.lapsed += lapsed;
        if let Some(slot) = ws.returns.get_mut(lapse_quarter + 1) {
            *slot += lapsed;
        }
    }
    out.committed += deal.commitment;
    let first = tranches[0] * deal.commitment;
    let entry = Entry::new(env.scenario, deal.field, deal.post, first / deal.post, first, deal.local);
    let close = Close::Hold { haircut: env.scenario.fund.horizon_haircut };
    out.book.book(&company, &ws.rounds, &ws.takes, entry, close, env.scenario.fund.unicorn_cny_m, spec.loss_tolerance);
}

#[cfg(test)]
mod tests;
