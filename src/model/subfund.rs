//! A sub-fund run by an outside manager (docs/model.md §5, "Sub-funds").
//!
//! On each path a sub-fund draws its manager's persistent skill (normal, the scenario's
//! dispersion, on the advance log-odds scale — the dispersion between sub-funds is one of a fund
//! of funds' largest risks). Skill is *mean*-centred: the multipliers it puts on the odds of
//! advancing and on exit values average 1 over managers ([`Backer::manager`]), so the average
//! manager is the market average the profiles are calibrated to — as the direct team with
//! `skill = 0` is — and more dispersion adds risk, not expected return. It also draws its
//! deployment pace (lognormal; a slow manager leaves commitments idle, and deals planned after
//! the investment period never happen), and whether it extends its life. Then:
//!
//! 1. **Deals.** Initial cheques (the investable capital less reserves) are spread over the
//!    investment period at the drawn pace. Each deal picks a field and an entry stage from the
//!    sub-fund's focus, a post-money from the profile, and takes `round_participation` of the
//!    entry round; it is local (返投) with the sub-fund's local share.
//! 2. **Follow-ons.** Every later round of a portfolio company before the sub-fund's end gets a
//!    pro-rata follow-on, in date order across the portfolio, until the reserves run out (a
//!    partial cheque when they run short); after that stakes are diluted.
//! 3. **Fees.** `management_fee_ip` on the size during the investment period, then
//!    `management_fee_post` on the cost of stakes still held. Fees and deals are called from all
//!    LPs pro rata when needed; validation guarantees they fit within commitments.
//! 4. **End of life.** At the end of the base term (plus the extension, if it happened) a
//!    sub-fund that still holds companies goes on — a GP-led continuation or further extensions,
//!    as venture funds routinely do when their best companies have not yet exited — until the
//!    last company it holds has left, but for at most `continuation_quarters`, charging no fee.
//!    Whatever is left then is sold at its mark less `end_of_life_discount` (the secondary price
//!    of a venture LP stake).
//! 5. **Waterfall.** Proceeds go through the whole-fund waterfall ([`super::waterfall`]) with a
//!    final clawback; LPs share calls and distributions pro rata, so the fund's side is
//!    `fund_share` of the LPs'. Its NAV is its share of the LPs' value by hypothetical liquidation.
//! 6. **Concessions.** The fund's side then pays for the profit concessions ([`super::concession`]).

use rand::RngExt;

use super::Environment;
use super::company::{self, Backer, Company, ProfileLaw, Round, Start};
use super::concession::{self, ConcessionCosts};
use super::flows::CashFlows;
use super::from_book;
use super::holdings::{Book, Close, Entry, RoundTake, RunningBalance};
use super::mix::{cumulate, pick};
use super::waterfall::{Waterfall, WaterfallTerms};
use crate::rng::{StreamKey, deal_item};
use crate::scenario::workload::DealLimitReached;
use crate::scenario::portfolio::{HoldingStatus, SubFundActual};
use crate::scenario::{Stage, SubFundSpec};

/// What one sub-fund did on one path.
#[derive(Debug, Clone, Default)]
pub struct SubFundOutcome {
    /// The fund's cash flows in this sub-fund, after concessions.
    pub fund: CashFlows,
    /// The fund's cash flows before concessions, `fund_share` × every LP's: kept only when
    /// `Some` (the calibration report card sets it).
    pub before_concessions: Option<CashFlows>,
    /// What the concessions cost the fund.
    pub concessions: ConcessionCosts,
    /// The whole sub-fund's stakes in companies (all LPs together).
    pub book: Book,
    /// Totals for all LPs and the GP, CNY m.
    pub calls: f64,
    pub fees: f64,
    pub carry: f64,
    pub lp_distributions: f64,
    /// Last quarter of its life on this path.
    pub end: usize,
    pub skill: f64,
    /// The path's draws of the manager's standard-normal skill, deployment pace and
    /// extension, whose laws are known: control variates (`crate::metrics::controls`).
    pub skill_z: f64,
    pub pace: f64,
    pub extended: bool,
    /// Local investment over what the 返投 rule requires (NaN when nothing is required).
    pub local_achievement: f64,
    /// Whether the sub-fund lost more than its loss tolerance (容错) of its cost.
    pub beyond_loss_tolerance: bool,
}

/// Buffers reused from path to path.
#[derive(Debug, Default)]
pub struct Workspace {
    companies: Vec<Company>,
    entries: Vec<Entry>,
    rounds: Vec<Round>,
    takes: Vec<RoundTake>,
    /// (company, round) of every round before the end, in date order.
    round_order: Vec<(usize, usize)>,
    bucket_start: Vec<usize>,
    ownership: Vec<f64>,
    /// The sub-fund's field and stage mixes as cumulative weights ([`cumulate`]), built once per
    /// sub-fund and path rather than summed again for every deal; a field comes with its
    /// profile's index, which a deal then reads without a look-up in the scenario.
    field_weights: Vec<((usize, usize), f64)>,
    stage_weights: Vec<(Stage, f64)>,
}

/// Simulates sub-fund `spec` on path `path`, writing into `out`.
///
/// # Errors
/// If the sub-fund would make more than `max_deals` deals ([`crate::scenario::workload`]).
#[allow(clippy::too_many_arguments)]
pub fn simulate(env: &Environment<'_>, laws: &[ProfileLaw], spec: &SubFundSpec, key: &StreamKey, path: u64, max_deals: usize, ws: &mut Workspace, out: &mut SubFundOutcome) -> Result<(), DealLimitReached> {
    let horizon = env.horizon();
    let manager = Manager::draw(env, spec, key, path);
    let Manager { pace, term_end, backer, .. } = manager;

    let size = spec.commitment_cny_m / spec.fund_share;
    let investable = size * spec.investable_share;
    let plan = Deployment { start: spec.vintage, period: spec.investment_period_quarters, budget: investable * (1.0 - spec.reserve_share) };
    make_deals(env, laws, spec, plan, pace, backer, key, path, max_deals, ws)?;
    let end = continuation_end(&ws.companies, term_end, (term_end + spec.continuation_quarters).min(horizon));
    decide_follow_ons(investable * spec.reserve_share, end, ws);

    close_books(env, spec, size, (term_end, end), manager, None, ws, out);
    Ok(())
}

/// A manager's draws on one path, from the sub-fund's own stream: skill, pace and whether the
/// life is extended (hence the term's end).
#[derive(Debug, Clone, Copy)]
struct Manager {
    skill: f64,
    /// The standard-normal draw behind `skill`.
    z: f64,
    pace: f64,
    extended: bool,
    term_end: usize,
    backer: Backer,
}

impl Manager {
    fn draw(env: &Environment<'_>, spec: &SubFundSpec, key: &StreamKey, path: u64) -> Manager {
        let scenario = env.scenario;
        let mut rng = key.rng(path, 0);
        let z = rng.normal();
        let skill = scenario.skill.dispersion * z;
        let pace = company::lognormal(spec.deployment_pace, &mut rng);
        let extended = rng.random::<f64>() < spec.extension_probability;
        let term_end = (spec.vintage + spec.term_quarters + if extended { spec.extension_quarters } else { 0 }).min(env.horizon());
        let backer = Backer::manager(z, scenario.skill.dispersion, scenario.skill.valuation_log_per_unit);
        Manager { skill, z, pace, extended, term_end, backer }
    }
}

/// Books every company in `ws` to the sub-fund's `end`, runs its waterfall (from the book's
/// `history`, if any, whose fund-side figures then stand in the as-of quarter exactly) and its
/// concessions, and fills in the outcome's totals.
#[allow(clippy::too_many_arguments)]
fn close_books(env: &Environment<'_>, spec: &SubFundSpec, size: f64, (term_end, end): (usize, usize), manager: Manager, history: Option<History<'_>>, ws: &Workspace, out: &mut SubFundOutcome) {
    let scenario = env.scenario;
    out.book.reset(env.horizon(), scenario.fields.len(), scenario.calendar.year_offset());
    let close = Close::Liquidate { quarter: end, discount: spec.end_of_life_discount };
    for (company, entry) in ws.companies.iter().zip(&ws.entries) {
        let takes = &ws.takes[company.rounds.clone()];
        out.book.book(company, &ws.rounds, takes, *entry, close, scenario.fund.unicorn_cny_m, spec.loss_tolerance);
    }
    run_waterfall(spec, size, term_end, end, history, out);
    let mut local = out.book.local_cost;
    if let Some(h) = history {
        let fund = &mut out.fund;
        fund.paid_in[h.quarter] = h.actual.called_cny_m;
        fund.distributed[h.quarter] = h.actual.distributed_cny_m;
        if end > h.quarter {
            fund.nav[h.quarter] = h.actual.nav_cny_m;
        }
        local += h.local;
    }
    if let Some(flows) = &mut out.before_concessions {
        flows.clone_from(&out.fund);
    }
    out.concessions = concession::apply(&mut out.fund, &spec.concession, spec.fund_share, spec.commitment_cny_m, spec.vintage, end);
    out.end = end;
    out.skill = manager.skill;
    (out.skill_z, out.pace, out.extended) = (manager.z, manager.pace, manager.extended);
    let required = spec.local_requirement * spec.commitment_cny_m;
    out.local_achievement = if required > 0.0 { local / required } else { f64::NAN };
    let cost = out.book.cost;
    out.beyond_loss_tolerance = cost > 0.0 && 1.0 - out.book.proceeds_total / cost > spec.loss_tolerance;
}

/// The sub-fund's last quarter: the end of its term (and extension) when every company has left
/// the portfolio by then; otherwise it goes on until the last company still held leaves, but
/// not past `latest` (the continuation's limit), when what is left is sold.
fn continuation_end(companies: &[Company], term_end: usize, latest: usize) -> usize {
    let mut end = term_end;
    for company in companies {
        // A company still private at the horizon keeps the sub-fund going to its limit.
        let left = company.ending.quarter().unwrap_or(usize::MAX);
        if left > end {
            end = left;
        }
    }
    end.min(latest)
}

/// Initial cheques to deploy: `budget` over the `period` quarters from `start`.
#[derive(Debug, Clone, Copy)]
struct Deployment {
    start: usize,
    period: usize,
    budget: f64,
}

/// Initial deals: cheques spread over the deployment period at `pace` until the budget is
/// spent, or an error once `max_deals` are made and the budget is not.
#[allow(clippy::too_many_arguments)]
fn make_deals(env: &Environment<'_>, laws: &[ProfileLaw], spec: &SubFundSpec, plan: Deployment, pace: f64, backer: Backer, key: &StreamKey, path: u64, max_deals: usize, ws: &mut Workspace) -> Result<(), DealLimitReached> {
    ws.companies.clear();
    ws.entries.clear();
    ws.rounds.clear();
    let fields = &env.scenario.fields;
    cumulate(spec.fields.iter().map(|&(field, weight)| ((field, fields[field].profile), weight)), &mut ws.field_weights);
    cumulate(Stage::ALL.into_iter().zip(spec.stage_mix), &mut ws.stage_weights);
    let budget = plan.budget;
    let period = plan.period as f64;
    let spend_per_quarter = budget * pace / period;
    let mut spent = 0.0;
    let (mut last_quarter, mut slot) = (usize::MAX, 0);
    while spent < budget * (1.0 - 1e-9) {
        // Quarters into the period: its floor is past the period exactly when it is.
        let offset = spent / spend_per_quarter;
        if offset >= period {
            break; // the investment period closed with commitments undeployed
        }
        if ws.companies.len() == max_deals {
            return Err(DealLimitReached { sleeve: format!("subfunds.{}", spec.key), limit: max_deals });
        }
        // 0 ≤ `offset` < period, so truncation is the floor; `u32`'s saturating conversion is
        // a few instructions where `usize`'s is a dozen.
        let quarter = plan.start + offset as u32 as usize;
        slot = if quarter == last_quarter { slot + 1 } else { 0 };
        last_quarter = quarter;
        let rng = &mut key.rng(path, deal_item(quarter, slot));
        let (field, profile) = pick(&ws.field_weights, rng.random());
        let stage = pick(&ws.stage_weights, rng.random());
        let local = rng.random::<f64>() < spec.local_share;
        let law = &laws[profile];
        let post = company::draw_entry_post_money(env, law, stage, field, quarter, rng);
        let cheque = (spec.round_participation * law.equity_sold(stage) * post).min(budget - spent);
        let company = company::simulate(env, law, Start::deal(field, stage, quarter, post), backer, rng, &mut ws.rounds);
        ws.companies.push(company);
        ws.entries.push(Entry::new(env.scenario, field, post, cheque / post, cheque, local));
        spent += cheque;
    }
    Ok(())
}

/// Pro-rata follow-ons in date order across the portfolio while reserves last.
fn decide_follow_ons(reserves: f64, end: usize, ws: &mut Workspace) {
    ws.takes.clear();
    ws.takes.resize(ws.rounds.len(), RoundTake::NONE);
    // Most sub-funds' reserves cover every pro-rata cheque. Then none is cut short and each
    // company's cheques depend only on its own earlier rounds, so they are paid company by company
    // without sorting the rounds by date (which cost more than the cheques). The margin exceeds
    // the rounding of the balance left in date order, so the outcome is the same bit for bit.
    let mut wanted = 0.0;
    for (company, entry) in ws.companies.iter().zip(&ws.entries) {
        let mut ownership = entry.ownership;
        let rounds = company.rounds.clone();
        for (round, take) in ws.rounds[rounds.clone()].iter().zip(&mut ws.takes[rounds]) {
            if round.quarter < end {
                let paid = ownership * round.equity_sold * round.post_money;
                wanted += paid;
                *take = RoundTake { paid, price: round.post_money };
                ownership = take.ownership_after(ownership, round.equity_sold);
            }
        }
    }
    if wanted <= reserves * (1.0 - 1e-9) {
        return;
    }
    // Counting sort by quarter: rounds are visited in (company, round) order, so a stable
    // bucketing by quarter gives date order, then company, then round.
    ws.bucket_start.clear();
    ws.bucket_start.resize(end + 2, 0);
    for round in &ws.rounds {
        if round.quarter < end {
            ws.bucket_start[round.quarter + 1] += 1;
        }
    }
    let mut before = 0;
    for start in &mut ws.bucket_start {
        before += *start;
        *start = before;
    }
    let taken = ws.bucket_start[end];
    ws.round_order.clear();
    ws.round_order.resize(taken, (0, 0));
    for (c, company) in ws.companies.iter().enumerate() {
        for r in company.rounds.clone() {
            let q = ws.rounds[r].quarter;
            if q < end {
                let slot = &mut ws.bucket_start[q];
                ws.round_order[*slot] = (c, r);
                *slot += 1;
            }
        }
    }
    // Every round before the end gets its take again below.
    let mut left = reserves;
    // Ownership before each round, tracked per company as rounds are taken in date order.
    ws.ownership.clear();
    ws.ownership.extend(ws.entries.iter().map(|e| e.ownership));
    for &(c, r) in &ws.round_order {
        let round = ws.rounds[r];
        let pro_rata = ws.ownership[c] * round.equity_sold * round.post_money;
        let paid = pro_rata.min(left);
        left -= paid;
        let take = RoundTake { paid, price: round.post_money };
        ws.takes[r] = take;
        ws.ownership[c] = take.ownership_after(ws.ownership[c], round.equity_sold);
    }
}

/// Fees, calls, the waterfall and the fund's pro-rata side, over the sub-fund's life. Fees stop
/// at `term_end`: the continuation to `end` charges none.
fn run_waterfall(spec: &SubFundSpec, size: f64, term_end: usize, end: usize, history: Option<History<'_>>, out: &mut SubFundOutcome) {
    let horizon = out.book.quarters.len() - 1;
    if out.fund.len() != horizon + 1 {
        out.fund = CashFlows::zeros(horizon);
    } else {
        out.fund.clear();
    }
    // Slices ending at `end`, so the loop below indexes them without bounds checks.
    let quarters = &out.book.quarters[..=end];
    let fund = &mut out.fund;
    let (paid_in, distributed, fund_nav) = (&mut fund.paid_in[..=end], &mut fund.distributed[..=end], &mut fund.nav[..=end]);
    let terms = WaterfallTerms { hurdle_per_quarter: spec.hurdle_per_quarter, carry: spec.carry, catch_up: spec.catch_up };
    let mut waterfall = Waterfall::new(terms);
    let ip_end = spec.vintage + spec.investment_period_quarters;
    // Nothing is booked before the vintage, so the balances start there from zero.
    let (mut nav, mut held_cost) = (RunningBalance::default(), RunningBalance::default());
    let (mut calls_total, mut fees_total, mut carry_total, mut lp_total) = (0.0, 0.0, 0.0, 0.0);
    // What every quarter does: the fee (after the investment period, on the cost held at the end
    // of the last quarter), the call into the waterfall and the split of the quarter's proceeds.
    let call_and_distribute = |t: usize, held_cost: f64, waterfall: &mut Waterfall| {
        if let Some(history) = history.filter(|h| h.quarter == t) {
            // Its calls are in the waterfall already ([`replay_history`]).
            return (history.calls, 0.0, waterfall.distribute(history.proceeds));
        }
        let fee = if t < ip_end {
            spec.management_fee_ip_per_quarter * size
        } else if t <= term_end {
            spec.management_fee_post_per_quarter * held_cost.max(0.0)
        } else {
            0.0
        };
        let calls = quarters[t].invested + fee;
        waterfall.contribute(calls);
        (calls, fee, waterfall.distribute(quarters[t].proceeds))
    };
    // The quarters before the last, each with the LPs' value by hypothetical liquidation; the last
    // quarter (clawback, nothing left to value) follows the loop, so the loop tests for neither.
    if let Some(h) = history {
        replay_history(&mut waterfall, h.calls, spec.vintage, h.quarter);
    }
    let start = history.map_or(spec.vintage, |h| h.quarter);
    for t in start..end {
        let (calls, fee, split) = call_and_distribute(t, held_cost.balance(), &mut waterfall);
        held_cost.add(quarters[t].held_cost_change);
        let nav_t = nav.add(quarters[t].nav_change);
        paid_in[t] = spec.fund_share * calls;
        distributed[t] = spec.fund_share * split.lp;
        fund_nav[t] = spec.fund_share * waterfall.liquidation_split(nav_t).lp;
        calls_total += calls;
        fees_total += fee;
        carry_total += split.gp;
        lp_total += split.lp;
        // The hurdle accrues from one quarter's call to the next.
        waterfall.accrue_quarter();
    }
    let (calls, fee, split) = call_and_distribute(end, held_cost.balance(), &mut waterfall);
    let returned = waterfall.clawback();
    let (lp, gp) = (split.lp + returned, split.gp - returned);
    // Carry owed to the GP beyond the last distribution is paid by the LPs, as a call.
    paid_in[end] = spec.fund_share * (calls + (-lp).max(0.0));
    distributed[end] = spec.fund_share * lp.max(0.0);
    calls_total += calls;
    fees_total += fee;
    carry_total += gp;
    lp_total += lp;
    out.calls = calls_total;
    out.fees = fees_total;
    out.carry = carry_total;
    out.lp_distributions = lp_total;
}

/// A book's calls to date, `calls`, in the waterfall: the book gives their total, not their
/// dates, so they are dated evenly over the quarters from the vintage to the as-of quarter, and
/// the preferred return accrued on them before the as-of quarter is counted (booked as one call
/// in the as-of quarter, it would be none).
fn replay_history(waterfall: &mut Waterfall, calls: f64, vintage: usize, as_of: usize) {
    let quarters = as_of.saturating_sub(vintage) + 1;
    let each = calls / quarters as f64;
    for _ in 1..quarters {
        waterfall.contribute(each);
        // The hurdle accrues from one quarter's call to the next.
        waterfall.accrue_quarter();
    }
    // The last quarter's call takes the rounding, so the calls sum to `calls` exactly.
    waterfall.contribute(calls - each * (quarters - 1) as f64);
}

/// The sub-fund's whole history, all LPs together, booked in the as-of quarter: what it called
/// and distributed to date.
#[derive(Debug, Clone, Copy)]
struct History<'a> {
    quarter: usize,
    calls: f64,
    proceeds: f64,
    /// Local investment to date not in the books of the companies it goes on with.
    local: f64,
    /// The book's row: its fund-side figures stand in the as-of quarter.
    actual: &'a SubFundActual,
}

/// Most holdings that stand for one sub-fund's NAV at the as-of quarter.
const MAX_NAV_HOLDINGS: usize = 100;

/// Simulates sub-fund `spec` on path `path` from its actuals at quarter `as_of`
/// (docs/portfolio.md): its history is the book's, its NAV goes on as the holdings the book lists
/// for it or, when it lists none, as holdings at the sub-fund's focus, its remaining initial
/// budget is deployed over what is left of its investment period and its remaining reserves
/// follow its companies' rounds. The manager's skill, pace and
/// extension are the plan's draws on the same path.
///
/// # Errors
/// If the sub-fund would make more than `max_deals` deals.
#[allow(clippy::too_many_arguments)]
pub fn simulate_from(
    env: &Environment<'_>,
    laws: &[ProfileLaw],
    spec: &SubFundSpec,
    actual: &SubFundActual,
    as_of: usize,
    key: &StreamKey,
    path: u64,
    max_deals: usize,
    ws: &mut Workspace,
    out: &mut SubFundOutcome,
) -> Result<(), DealLimitReached> {
    let horizon = env.horizon();
    let manager = Manager::draw(env, spec, key, path);
    let Manager { pace, term_end, backer, .. } = manager;

    let share = spec.fund_share;
    let size = spec.commitment_cny_m / share;
    let investable = size * spec.investable_share;
    let ip_end = spec.vintage + spec.investment_period_quarters;
    // Put into companies to date: the listed holdings' cost when the book lists them, otherwise
    // the calls less the fees of the quarters since the vintage.
    let listed = !actual.holdings.is_empty();
    let invested = if listed {
        actual.holdings.iter().map(|h| h.cost_cny_m).sum::<f64>()
    } else {
        let fee_quarters = (as_of + 1).min(ip_end).saturating_sub(spec.vintage) as f64;
        actual.called_cny_m / share - spec.management_fee_ip_per_quarter * size * fee_quarters
    }
    .clamp(0.0, investable);
    let initial = investable * (1.0 - spec.reserve_share);
    let (initial_left, reserves_left) = if invested < initial { (initial - invested, investable * spec.reserve_share) } else { (0.0, investable - invested) };
    let plan = Deployment { start: as_of + 1, period: ip_end.saturating_sub(as_of + 1), budget: if ip_end > as_of + 1 { initial_left } else { 0.0 } };
    make_deals(env, laws, spec, plan, pace, backer, key, path, max_deals, ws)?;
    if listed {
        add_listed_holdings(env, laws, actual, as_of, backer, key, path, ws);
    } else {
        add_nav_holdings(env, laws, spec, actual.nav_cny_m / share, invested, as_of, backer, key, path, ws);
    }
    let end = continuation_end(&ws.companies, term_end, (term_end + spec.continuation_quarters).min(horizon)).max(as_of);
    decide_follow_ons(reserves_left, end, ws);

    // The book's local investment counts the listed local holdings still held, which their
    // books count again (with the follow-ons into them).
    let local_booked: f64 = actual.holdings.iter().filter(|h| h.local && h.status == HoldingStatus::Held).map(|h| h.cost_cny_m).sum();
    let history = History {
        quarter: as_of,
        calls: actual.called_cny_m / share,
        proceeds: actual.distributed_cny_m / share,
        local: actual.local_invested_cny_m - local_booked,
        actual,
    };
    close_books(env, spec, size, (term_end, end), manager, Some(history), ws, out);
    Ok(())
}

/// The sub-fund's NAV at the as-of quarter, `nav` (all LPs), as holdings at its field and stage
/// focus, each a typical initial cheque's worth and priced at the as-of quarter's valuation level;
/// `cost` (what is invested to date) is shared among them. Their lives start at the end of the
/// as-of quarter. They are not local: the book's local investment to date is counted as such.
#[allow(clippy::too_many_arguments)]
fn add_nav_holdings(env: &Environment<'_>, laws: &[ProfileLaw], spec: &SubFundSpec, nav: f64, cost: f64, as_of: usize, backer: Backer, key: &StreamKey, path: u64, ws: &mut Workspace) {
    if nav <= 0.0 {
        return;
    }
    let fields = &env.scenario.fields;
    cumulate(spec.fields.iter().map(|&(field, weight)| ((field, fields[field].profile), weight)), &mut ws.field_weights);
    cumulate(Stage::ALL.into_iter().zip(spec.stage_mix), &mut ws.stage_weights);
    let profiles = &env.scenario.profiles;
    let typical: f64 = spec
        .fields
        .iter()
        .map(|&(field, weight)| {
            let stages = &profiles[fields[field].profile].stages;
            weight * Stage::ALL.iter().zip(spec.stage_mix).map(|(s, mix)| mix * stages[s.index()].equity_sold * stages[s.index()].entry_post_money_cny_m.median).sum::<f64>()
        })
        .sum::<f64>()
        * spec.round_participation;
    let count = if typical > 0.0 { ((nav / typical).round() as usize).clamp(1, MAX_NAV_HOLDINGS) } else { 1 };
    let (mark, cost) = (nav / count as f64, cost / count as f64);
    for k in 0..count {
        let rng = &mut from_book::stream(key, path, as_of, k);
        let (field, profile) = pick(&ws.field_weights, rng.random());
        let stage = pick(&ws.stage_weights, rng.random());
        let law = &laws[profile];
        let post = company::draw_entry_post_money(env, law, stage, field, as_of, rng);
        let company = company::simulate(env, law, Start::held(field, stage, as_of, post, 0.0), backer, rng, &mut ws.rounds);
        ws.companies.push(company);
        ws.entries.push(Entry::new(env.scenario, field, post, mark / post, cost, false));
    }
}

/// The holdings a book lists for the sub-fund, each still held going on from its present state
/// on the stream of its place `k` in the list ([`from_book::stream`]); those that exited or failed
/// are history, in the calls and distributions to date.
#[allow(clippy::too_many_arguments)]
fn add_listed_holdings(env: &Environment<'_>, laws: &[ProfileLaw], actual: &SubFundActual, as_of: usize, backer: Backer, key: &StreamKey, path: u64, ws: &mut Workspace) {
    for (k, holding) in actual.holdings.iter().enumerate().filter(|(_, h)| h.status == HoldingStatus::Held) {
        let company = from_book::go_on(env, laws, holding, as_of, backer, &mut from_book::stream(key, path, as_of, k), &mut ws.rounds);
        ws.companies.push(company);
        ws.entries.push(from_book::entry(env, holding));
    }
}

#[cfg(test)]
mod tests;
