//! A company's life cycle (docs/model.md §4): seed → A → B → C → growth, ending in an IPO, a trade
//! sale or a write-off — or still alive at the horizon.
//!
//! In each stage the company waits a gamma-distributed time (its profile's mean and shape for
//! that stage, drawn by inversion: `wait`), then one of four things happens: it raises the next
//! round (from growth: it lists), it is acquired, it fails, or nothing decisive happens and it
//! waits again ("hold": a bridge, a delayed listing). The profile gives base probabilities `p_k`; on the log-odds scale
//! the model adds
//!
//! * to *advance*: the market state's round (or, at growth, IPO) shift, the field factor times
//!   `advance_logit_per_unit`, and the backer's skill;
//! * to *acquired* and *hold*: the market state's shifts,
//!
//! and draws from the weights `p_k · exp(shift_k)` (a multinomial logit, so probabilities stay in
//! [0, 1] and sum to 1, and equal the profile's with no shift).
//!
//! Valuations: a round's pre-money is the last post-money times a lognormal step-up; the round
//! sells `equity_sold` of the company, so post = pre / (1 − equity_sold) and earlier holders are
//! diluted by (1 − equity_sold). An acquisition pays a lognormal multiple of the last post-money;
//! an IPO a spliced lognormal-body / Pareto-tail multiple ([`SplicedTailSpec`]). Prices also
//! move with the valuation *level* `market valuation shift + field factor ×
//! valuation_log_per_unit`: an entry price carries the level of its quarter, and each later
//! round or exit is multiplied by `exp(level now − level at the last price)` — a level, not a
//! growth rate, so a hot field lifts prices once rather than compounding at every round. At an
//! exit the backer's valuation skill adds to the log of the value. Default numbers and their sources are in
//! `scenarios/base.toml` (Carta rounds and step-ups, BIO/Informa clinical success rates,
//! 清科 exit multiples).
//!
//! This module knows nothing about who owns the company: sub-funds and the direct sleeve read the
//! rounds and the ending and apply their own stakes.

use std::ops::Range;

use rand::RngExt;
use statrs::distribution::{ContinuousCDF, Normal};

use self::wait::Wait;
use super::{Environment, StateWeights};
use crate::rng::PathRng;
use crate::scenario::{LogNormalSpec, Outcome, Profile, STAGE_COUNT, SplicedTailSpec, Stage};

/// The sampling laws of one profile, built once per run from a validated [`Profile`].
#[derive(Debug, Clone)]
pub struct ProfileLaw {
    stages: [StageLaw; STAGE_COUNT],
    ipo: SplicedTailSpec,
    /// The integral of the IPO multiple's body quantile ([`truncated_spliced_tail_mean`]).
    ipo_body_integral: f64,
    /// The largest company value an exit may reach, CNY m.
    max_exit: f64,
}

#[derive(Debug, Clone)]
struct StageLaw {
    wait: Wait,
    outcome_probabilities: [f64; 4],
    entry_post_money: LogNormalSpec,
    equity_sold: f64,
    step_up: LogNormalSpec,
    acquisition_multiple: LogNormalSpec,
}

/// A profile whose parameters a validated scenario should never produce.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("profile `{profile}`, stage `{stage}`: waiting-time law rejected: {reason}")]
pub struct LawError {
    pub profile: String,
    pub stage: &'static str,
    pub reason: String,
}

impl ProfileLaw {
    /// # Errors
    /// If a stage's waiting-time gamma law has a non-positive shape or mean.
    pub fn new(profile: &Profile) -> Result<ProfileLaw, LawError> {
        let mut stages = Vec::with_capacity(STAGE_COUNT);
        for (stage, spec) in Stage::ALL.iter().zip(&profile.stages) {
            let wait = Wait::new(spec.wait_shape, spec.wait_mean_quarters).map_err(|reason| LawError {
                profile: profile.key.clone(),
                stage: stage.key(),
                reason,
            })?;
            stages.push(StageLaw {
                wait,
                outcome_probabilities: spec.outcome_probabilities,
                entry_post_money: spec.entry_post_money_cny_m,
                equity_sold: spec.equity_sold,
                step_up: spec.step_up,
                acquisition_multiple: spec.acquisition_multiple,
            });
        }
        let stages: [StageLaw; STAGE_COUNT] = stages.try_into().map_err(|_| LawError {
            profile: profile.key.clone(),
            stage: "all",
            reason: "a profile needs exactly five stages".into(),
        })?;
        let ipo = profile.ipo_multiple;
        Ok(ProfileLaw { stages, ipo, ipo_body_integral: body_integral(&ipo, body_mass(&ipo)), max_exit: profile.max_exit_cny_m })
    }

    /// Share of the company sold in the round that starts `stage`.
    pub fn equity_sold(&self, stage: Stage) -> f64 {
        self.stages[stage.index()].equity_sold
    }
}

/// One financing round a company raised after entering the portfolio.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Round {
    pub quarter: usize,
    /// The stage this round starts.
    pub stage: Stage,
    pub equity_sold: f64,
    pub post_money: f64,
}

/// How a company's story ends (as far as the simulation sees).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Ending {
    /// Sold or listed in `quarter` at a company value of `value` CNY m.
    Exit { quarter: usize, value: f64, ipo: bool },
    /// Written off in `quarter`.
    Failed { quarter: usize },
    /// Still private at the horizon.
    Alive,
}

impl Ending {
    /// The quarter the company left the portfolio, if it did.
    pub fn quarter(&self) -> Option<usize> {
        match *self {
            Ending::Exit { quarter, .. } | Ending::Failed { quarter } => Some(quarter),
            Ending::Alive => None,
        }
    }
}

/// Who backs the company, as it affects the company: manager skill.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Backer {
    /// `exp` of what skill adds to the log-odds of advancing.
    pub skill_odds: f64,
    /// `exp` of what skill adds to the log of exit values.
    pub skill_value: f64,
}

impl Backer {
    /// A backer whose skill adds `logit` to the log-odds of advancing and `valuation_log` to the
    /// log of exit values.
    pub fn new(logit: f64, valuation_log: f64) -> Backer {
        Backer { skill_odds: logit.exp(), skill_value: valuation_log.exp() }
    }

    /// A manager `z` standard deviations from the mean, among managers whose skill has sd
    /// `dispersion` on the advance log-odds and moves log exit values by `valuation_log_per_unit`
    /// per unit of it. Mean-centred: both multipliers average 1 over managers (z standard
    /// normal), so the average manager is the market average and dispersion is pure risk.
    pub fn manager(z: f64, dispersion: f64, valuation_log_per_unit: f64) -> Backer {
        let (odds_sd, value_sd) = (dispersion, dispersion * valuation_log_per_unit);
        Backer::new(odds_sd * z - odds_sd * odds_sd / 2.0, value_sd * z - value_sd * value_sd / 2.0)
    }

    /// A market-average backer.
    pub const AVERAGE: Backer = Backer { skill_odds: 1.0, skill_value: 1.0 };
}

/// A company from its entry into the portfolio to its ending.
#[derive(Debug, Clone, PartialEq)]
pub struct Company {
    pub field: usize,
    pub entry_stage: Stage,
    pub entry_quarter: usize,
    /// Post-money of the entry round, CNY m.
    pub entry_post_money: f64,
    /// Its later rounds, as a range into the caller's round buffer.
    pub rounds: Range<usize>,
    pub ending: Ending,
    /// At an IPO, the company value less its expectation given everything drawn before the
    /// listing's multiple (the multiple's truncated mean, [`truncated_spliced_tail_mean`]):
    /// zero on average over paths, so a control variate (`crate::metrics::controls`). Zero
    /// for any other ending.
    pub exit_surprise: f64,
}

/// Draws the entry post-money of a company entering at `stage` in `quarter`, in field `field`.
// Inlined into the deal loops: a call's register saves are a large share of so short a draw.
#[inline(always)]
pub fn draw_entry_post_money(env: &Environment<'_>, law: &ProfileLaw, stage: Stage, field: usize, quarter: usize, rng: &mut PathRng) -> f64 {
    let spec = law.stages[stage.index()].entry_post_money;
    // Read as `simulate` reads the entry level, so the two share one look-up once inlined.
    lognormal(spec, rng) * env.field(field).valuation[quarter]
}

/// Where a company's story starts in a holder's book: its field, the stage and quarter it enters
/// the book in and its post-money then, and when its wait in that stage starts.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Start {
    pub field: usize,
    pub stage: Stage,
    pub quarter: usize,
    pub post_money: f64,
    /// When its wait in its stage starts, in quarters (at least `quarter`).
    clock: f64,
    /// How long it has been in its stage by then, in quarters.
    elapsed: f64,
}

impl Start {
    /// A new deal at `stage` in `quarter` at post-money `post_money`: its wait starts then.
    #[inline(always)]
    pub fn deal(field: usize, stage: Stage, quarter: usize, post_money: f64) -> Start {
        // The entry quarter is at most the horizon (its level is read in `simulate`), so it fits
        // a `u32`, whose conversion is one instruction where `usize`'s is five.
        Start { field, stage, quarter, post_money, clock: f64::from(quarter as u32), elapsed: 0.0 }
    }

    /// A holding of the book at the as-of quarter `as_of`, at `stage` and post-money
    /// `post_money`, in that stage for `elapsed` quarters by the end of the quarter: it goes on
    /// from then, so that nothing new happens in the book's past, and its first wait is drawn
    /// conditioned on being longer than `elapsed` (`Wait::sample_after`).
    pub fn held(field: usize, stage: Stage, as_of: usize, post_money: f64, elapsed: f64) -> Start {
        Start { field, stage, quarter: as_of, post_money, clock: (as_of + 1) as f64, elapsed }
    }
}

/// Simulates a company from `start`, appending its rounds to `rounds`.
// Inlined into the deal loops on purpose: whether the compiler does so on its own flips with
// small edits, and the cost of a path moves with it.
#[inline(always)]
pub fn simulate(env: &Environment<'_>, law: &ProfileLaw, start: Start, backer: Backer, rng: &mut PathRng, rounds: &mut Vec<Round>) -> Company {
    let Start { field, stage: entry_stage, quarter: entry_quarter, post_money: entry_post_money, clock, elapsed } = start;
    let first_round = rounds.len();
    let shocks = env.field(field);
    let quarters = shocks.weights.len();
    let mut stage = entry_stage;
    let mut post = entry_post_money;
    let mut time = clock;
    // Valuation level when the company was last priced: later prices move by its ratio.
    let mut level = shocks.valuation[entry_quarter];
    let mut exit_surprise = 0.0;
    let mut elapsed = elapsed;
    let ending = loop {
        let stage_law = &law.stages[stage.index()];
        time += if elapsed > 0.0 { stage_law.wait.sample_after(rng, std::mem::take(&mut elapsed)) } else { stage_law.wait.sample(rng) };
        // `time` ≥ 0 (waits are), so truncation is the floor (and avoids a libm call on
        // baseline x86-64), and the quarter is past the horizon exactly when `time` is; through
        // `u32`, whose saturating conversion is a few instructions where `usize`'s is a dozen.
        // Checking the quarter rather than `time` also lets the compiler drop the bounds
        // checks of the three reads below.
        let quarter = time as u32 as usize;
        if quarter >= quarters {
            break Ending::Alive;
        }
        let outcome = draw_outcome(stage_law, stage, &shocks.weights[quarter], shocks.advance[quarter], backer, rng.random());
        // Repriced only when a price is set: most draws hold or fail.
        let new_level = || shocks.valuation[quarter];
        match outcome {
            Outcome::Hold => continue,
            Outcome::Failed => break Ending::Failed { quarter },
            Outcome::Acquired => {
                let repricing = new_level() / level;
                let multiple = lognormal(stage_law.acquisition_multiple, rng);
                let value = (post * multiple * repricing * backer.skill_value).min(law.max_exit);
                break Ending::Exit { quarter, value, ipo: false };
            }
            Outcome::Advance => match stage.next() {
                None => {
                    let repricing = new_level() / level;
                    let scale = post * repricing * backer.skill_value;
                    let max_multiple = law.max_exit / scale;
                    // The mass below the bound serves the draw and its mean.
                    let mass = spliced_tail_cdf(&law.ipo, max_multiple);
                    let multiple = truncated_quantile_of_mass(&law.ipo, rng.random::<f64>(), mass, max_multiple);
                    let value = post * multiple * repricing * backer.skill_value;
                    exit_surprise = value - scale * truncated_mean_of_mass(&law.ipo, mass, max_multiple, law.ipo_body_integral);
                    break Ending::Exit { quarter, value, ipo: true };
                }
                Some(next) => {
                    let next_law = &law.stages[next.index()];
                    let new_level = new_level();
                    let repricing = new_level / level;
                    let pre = post * lognormal(next_law.step_up, rng) * repricing;
                    post = pre / (1.0 - next_law.equity_sold);
                    level = new_level;
                    rounds.push(Round { quarter, stage: next, equity_sold: next_law.equity_sold, post_money: post });
                    stage = next;
                }
            },
        }
    };
    Company {
        field,
        entry_stage,
        entry_quarter,
        entry_post_money,
        rounds: first_round..rounds.len(),
        ending,
        exit_surprise,
    }
}

/// The outcome a uniform `u` selects given the shifted multinomial-logit weights, in a quarter
/// whose market state multiplies them by `state` and whose field progress multiplies the weight
/// of advancing by `field_advance`.
// Inlined into the life-cycle loop, which draws an outcome at every step: a call per draw is a
// sizeable share of so short a draw.
#[inline(always)]
fn draw_outcome(law: &StageLaw, stage: Stage, state: &StateWeights, field_advance: f64, backer: Backer, u: f64) -> Outcome {
    let market_advance = if stage == Stage::Growth { state.ipo } else { state.round };
    let p = &law.outcome_probabilities;
    // Each outcome beside its weight, not looked up by index: once inlined, each test below then
    // branches straight to its outcome's arm of the caller's match. Through a table, the match
    // would test the outcome again: a second branch on a random outcome, as unpredictable as the
    // first.
    let weights = [
        (Outcome::Advance, p[Outcome::Advance.index()] * market_advance * field_advance * backer.skill_odds),
        (Outcome::Acquired, p[Outcome::Acquired.index()] * state.acquired),
        (Outcome::Failed, p[Outcome::Failed.index()]),
        (Outcome::Hold, p[Outcome::Hold.index()] * state.hold),
    ];
    let total: f64 = weights.iter().map(|&(_, w)| w).sum();
    let mut target = u * total;
    for (outcome, w) in weights {
        if target < w {
            return outcome;
        }
        target -= w;
    }
    // Only reached through rounding when u is within an ulp of 1: the last outcome with weight.
    weights.iter().rev().find(|&&(_, w)| w > 0.0).map_or(Outcome::Failed, |&(outcome, _)| outcome)
}

/// A draw from the lognormal law `spec`.
#[inline]
pub fn lognormal(spec: LogNormalSpec, rng: &mut PathRng) -> f64 {
    rng.lognormal(spec.median, spec.sigma)
}

/// The `u`-quantile of the spliced IPO multiple: the lognormal body below its `1 − tail_share`
/// quantile (the threshold), a Pareto tail above it. Monotone in `u`, so a higher uniform always
/// means a better exit (which keeps common-random-number comparisons smooth).
pub fn spliced_tail_quantile(spec: &SplicedTailSpec, u: f64) -> f64 {
    let body_mass = 1.0 - spec.tail_share;
    if u < body_mass || spec.tail_share <= 0.0 {
        let z = standard_normal().inverse_cdf(u.clamp(f64::MIN_POSITIVE, 1.0 - f64::EPSILON));
        (spec.body.median * (spec.body.sigma * z).exp()).min(spec.threshold)
    } else {
        let tail_u = ((1.0 - u) / spec.tail_share).max(f64::MIN_POSITIVE);
        spec.threshold * tail_u.powf(-1.0 / spec.tail_alpha)
    }
}

/// The `u`-quantile of the spliced IPO multiple conditioned on being at most `max`: the
/// untruncated quantile of `u · F(max)`. The same uniform keeps its rank, so the bound moves only
/// the draws near it, and an infinite `max` gives exactly [`spliced_tail_quantile`].
pub fn truncated_spliced_tail_quantile(spec: &SplicedTailSpec, u: f64, max: f64) -> f64 {
    truncated_quantile_of_mass(spec, u, spliced_tail_cdf(spec, max), max)
}

/// [`truncated_spliced_tail_quantile`] given the mass `mass` = F(`max`) below the bound.
fn truncated_quantile_of_mass(spec: &SplicedTailSpec, u: f64, mass: f64, max: f64) -> f64 {
    spliced_tail_quantile(spec, u * mass).min(max)
}

/// The mean of the spliced IPO multiple conditioned on being at most `max` (the law
/// [`truncated_spliced_tail_quantile`] draws from); infinite only for an unbounded tail with
/// `tail_alpha` ≤ 1.
pub fn truncated_spliced_tail_mean(spec: &SplicedTailSpec, max: f64) -> f64 {
    truncated_mean_of_mass(spec, spliced_tail_cdf(spec, max), max, body_integral(spec, body_mass(spec)))
}

/// The share of draws from the lognormal body.
fn body_mass(spec: &SplicedTailSpec) -> f64 {
    if spec.tail_share > 0.0 { 1.0 - spec.tail_share } else { 1.0 }
}

/// The integral of the body's quantile function (the lognormal's, capped at the threshold)
/// over [0, `upto`], `upto` at most [`body_mass`].
fn body_integral(spec: &SplicedTailSpec, upto: f64) -> f64 {
    let normal = standard_normal();
    let body = spec.body;
    // The body's quantile is capped at the threshold from the lognormal's own rank of it on.
    let capped_from = normal.cdf((spec.threshold / body.median).ln() / body.sigma);
    let lognormal_part = upto.min(capped_from);
    // ∫₀ᵃ median·e^(σ Φ⁻¹(v)) dv = median·e^(σ²/2)·Φ(Φ⁻¹(a) − σ).
    let lognormal_integral = if lognormal_part <= 0.0 {
        0.0
    } else if lognormal_part >= 1.0 {
        body.median * (body.sigma * body.sigma / 2.0).exp()
    } else {
        body.median * (body.sigma * body.sigma / 2.0).exp() * normal.cdf(normal.inverse_cdf(lognormal_part) - body.sigma)
    };
    // (An infinite threshold — no tail — is never reached: nothing is capped.)
    let capped = upto - lognormal_part;
    lognormal_integral + if capped > 0.0 { spec.threshold * capped } else { 0.0 }
}

/// [`truncated_spliced_tail_mean`] given the mass `mass` = F(`max`) below the bound and the
/// whole body's integral `full_body` (a profile's constant, [`ProfileLaw`]): the integral of
/// the quantile function over [0, mass], over `mass`. A bound in the tail — the usual case —
/// costs one power.
fn truncated_mean_of_mass(spec: &SplicedTailSpec, mass: f64, max: f64, full_body: f64) -> f64 {
    if mass <= 0.0 {
        // Every draw is the bound itself (`min(max)` of the lowest quantile).
        return spliced_tail_quantile(spec, 0.0).min(max);
    }
    let body_mass = body_mass(spec);
    if mass <= body_mass {
        return body_integral(spec, mass) / mass;
    }
    // Tail: threshold·s^(−1/α) with s = (1 − v)/tail_share, from s = 1 down to s_max.
    let s_max = ((1.0 - mass) / spec.tail_share).max(0.0);
    let power = 1.0 - 1.0 / spec.tail_alpha;
    let tail = if power.abs() < 1e-12 { -s_max.ln() } else { (1.0 - s_max.powf(power)) / power };
    (full_body + spec.tail_share * spec.threshold * tail) / mass
}

/// P(multiple ≤ x) for the spliced IPO multiple (used by calibration checks and tests).
pub fn spliced_tail_cdf(spec: &SplicedTailSpec, x: f64) -> f64 {
    if x <= 0.0 {
        return 0.0;
    }
    if x < spec.threshold {
        let z = ((x / spec.body.median).ln()) / spec.body.sigma;
        standard_normal().cdf(z).min(1.0 - spec.tail_share)
    } else {
        1.0 - spec.tail_share * (spec.threshold / x).powf(spec.tail_alpha)
    }
}

fn standard_normal() -> Normal {
    Normal::standard()
}

mod wait;

#[cfg(test)]
mod tests;
