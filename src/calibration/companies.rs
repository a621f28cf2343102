//! The card's company tables, from companies simulated on their own (not held by the fund): the
//! share of financings by realised multiple, and the funnel of a seed cohort.
//!
//! Both simulate companies in the scenario's own environment (exit-market chain and field
//! factors, fields weighted equally, market-average backers), founded in quarter 0 so that each
//! has the whole horizon. One environment serves a batch of [`PER_ENVIRONMENT`] companies, as on
//! a real path where a vintage shares its market and field shocks; the batch is the block of the
//! standard errors ([`crate::stats::clustered`]).
//!
//! **Financings** (Correlation Ventures 2014: ~21,000 US venture financings, 2004–2013). Every
//! round each company raised is scored: an investor who bought `f_k` of the company at
//! post-money `P_k` and was diluted by every later round gets `Π_{j>k}(1 − f_j) · V / P_k` at an
//! exit for `V`, and 0 at a write-off. Companies still private at the horizon are not realised
//! and are left out, as in the source. Correlation Ventures counted financings by venture funds,
//! whose first round in a company was then (before institutional seed funds were common) about
//! as often a Series A as a seed round, so half the companies start at seed and half at Series A
//! ([`FIRST_ROUND_SEED_SHARE`], chosen). Dollar-weighted figures weight each financing by the
//! money it raised, `f_k P_k`.
//!
//! **Seed cohort**: companies that all start at seed. The funnel is each stage-to-stage
//! graduation rate (companies that raised a round starting the next stage, over those that
//! reached the stage); outcomes are shares of the cohort by a given time since seed: failed,
//! sold (trade sale), listed, still private, and valued at or above USD 1 bn (the scenario's
//! `unicorn_cny_m`) at a round or exit by then.

use rand::RngExt;

use super::BUCKET_EDGES;
use crate::model::company::{self, Backer, Ending, ProfileLaw, Round, Start};
use crate::model::{Shocks, factors, market};
use crate::rng::{Component, PathRng, StreamKey};
use crate::scenario::{Scenario, Stage};
use crate::stats::clustered::{Estimate, ratio};

/// Share of sampled companies whose first venture round is seed (the rest start at Series A).
pub const FIRST_ROUND_SEED_SHARE: f64 = 0.5;

/// Companies that share one simulated environment (one block of the standard errors).
pub const PER_ENVIRONMENT: usize = 100;

/// Quarters since seed at which the cohort's outcomes are read: 6.5 and 15 years.
pub const OUTCOME_QUARTERS: [usize; 2] = [26, 60];

/// The bucket of a multiple: `k` with `BUCKET_EDGES[k] ≤ multiple < BUCKET_EDGES[k + 1]`, the
/// last bucket open.
pub fn bucket(multiple: f64) -> usize {
    BUCKET_EDGES[1..].iter().position(|&edge| multiple < edge).unwrap_or(BUCKET_EDGES.len() - 1)
}

/// Financings by realised multiple.
#[derive(Debug, Clone, PartialEq)]
pub struct Financings {
    pub realised: usize,
    /// Share of realised financings in each bucket of [`BUCKET_EDGES`].
    pub shares: [Estimate; 6],
    /// Money returned over money invested, all realised financings together.
    pub dollar_weighted_multiple: Estimate,
    /// Share of invested money that returned less than 1×.
    pub dollar_share_below_1: Estimate,
    /// Share of financings at 10× or more, and their share of the money returned.
    pub share_ge_10x: Estimate,
    pub value_share_ge_10x: Estimate,
}

/// Outcomes of the seed cohort by a given time.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Outcomes {
    pub failed: Estimate,
    pub trade_sale: Estimate,
    pub ipo: Estimate,
    pub alive: Estimate,
    pub valuation_1bn_usd: Estimate,
}

/// The seed cohort's funnel and outcomes.
#[derive(Debug, Clone, PartialEq)]
pub struct Funnel {
    pub companies: usize,
    /// Graduation rates seed → A, A → B, B → C, C → growth.
    pub graduation: [Estimate; 4],
    /// Outcomes at each of [`OUTCOME_QUARTERS`].
    pub outcomes: [Outcomes; 2],
}

/// Environments for batches of companies: market and field shocks redrawn every
/// [`PER_ENVIRONMENT`] companies, and one generator per company.
struct Sampler<'a> {
    scenario: &'a Scenario,
    laws: Vec<ProfileLaw>,
    market_key: StreamKey,
    factor_key: StreamKey,
    company_key: StreamKey,
    shocks: Shocks,
    scratch: Vec<f64>,
}

impl<'a> Sampler<'a> {
    fn new(scenario: &'a Scenario, seed: u64, stream: &'static str) -> Result<Sampler<'a>, company::LawError> {
        let mut shocks = Shocks::default();
        shocks.resize(scenario);
        Ok(Sampler {
            scenario,
            laws: scenario.profiles.iter().map(ProfileLaw::new).collect::<Result<Vec<_>, _>>()?,
            market_key: StreamKey::new(seed, Component::ExitMarket),
            factor_key: StreamKey::new(seed, Component::FieldFactors),
            company_key: StreamKey::new(seed, Component::SubFund(stream)),
            shocks,
            scratch: Vec::new(),
        })
    }

    /// Simulates company `i` from `first` (or, with `first = None`, from seed or Series A at
    /// [`FIRST_ROUND_SEED_SHARE`]): its entry post-money, its life, and the equity its first
    /// round sold.
    fn company(&mut self, i: usize, first: Option<Stage>, rounds: &mut Vec<Round>) -> (f64, company::Company, f64) {
        let scenario = self.scenario;
        let batch = (i / PER_ENVIRONMENT) as u64;
        if i.is_multiple_of(PER_ENVIRONMENT) {
            market::simulate(&scenario.market, &mut self.market_key.rng(batch, 0), &mut self.shocks.market);
            factors::simulate(&scenario.fields, &scenario.factors, &mut self.factor_key.rng(batch, 0), &mut self.shocks.factors, &mut self.scratch);
            self.shocks.derive(scenario);
        }
        let env = self.shocks.environment(scenario);
        let mut rng: PathRng = self.company_key.rng(batch, (i % PER_ENVIRONMENT) as u64);
        let field = i % scenario.fields.len();
        let law = &self.laws[scenario.fields[field].profile];
        rounds.clear();
        let first = first.unwrap_or_else(|| if rng.random::<f64>() < FIRST_ROUND_SEED_SHARE { Stage::Seed } else { Stage::A });
        let post = company::draw_entry_post_money(&env, law, first, field, 0, &mut rng);
        let c = company::simulate(&env, law, Start::deal(field, first, 0, post), Backer::AVERAGE, &mut rng, rounds);
        (post, c, law.equity_sold(first))
    }
}

/// Per-block sums for the financing table.
#[derive(Debug, Clone, Copy, Default)]
struct FinancingBlock {
    counts: [f64; 6],
    realised: f64,
    invested: f64,
    returned: f64,
    invested_below_1: f64,
    returned_ge_10x: f64,
}

/// Simulates `companies` venture-backed companies and scores their financings (module header).
///
/// # Errors
/// If a profile's laws cannot be built (a validated scenario never does this).
pub fn financings(scenario: &Scenario, seed: u64, companies: usize) -> Result<Financings, company::LawError> {
    let mut sampler = Sampler::new(scenario, seed, "calibration")?;
    let mut rounds = Vec::new();
    let mut blocks = vec![FinancingBlock::default(); companies.div_ceil(PER_ENVIRONMENT)];
    for i in 0..companies {
        let (post, c, sold) = sampler.company(i, None, &mut rounds);
        let exit_value = match c.ending {
            Ending::Exit { value, .. } => value,
            Ending::Failed { .. } => 0.0,
            Ending::Alive => continue,
        };
        let block = &mut blocks[i / PER_ENVIRONMENT];
        // The last round first, so each is valued with the dilution of the rounds after it.
        let mut later_dilution = 1.0;
        for (sold, post_money) in std::iter::once((sold, post)).chain(rounds.iter().map(|r| (r.equity_sold, r.post_money))).rev() {
            let multiple = later_dilution * exit_value / post_money;
            let invested = sold * post_money;
            let k = bucket(multiple);
            block.counts[k] += 1.0;
            block.realised += 1.0;
            block.invested += invested;
            block.returned += invested * multiple;
            block.invested_below_1 += if multiple < 1.0 { invested } else { 0.0 };
            block.returned_ge_10x += if multiple >= 10.0 { invested * multiple } else { 0.0 };
            later_dilution *= 1.0 - sold;
        }
    }
    let by = |f: &dyn Fn(&FinancingBlock) -> (f64, f64)| ratio(&blocks.iter().map(f).collect::<Vec<_>>());
    Ok(Financings {
        realised: blocks.iter().map(|b| b.realised as usize).sum(),
        shares: std::array::from_fn(|k| by(&|b| (b.counts[k], b.realised))),
        dollar_weighted_multiple: by(&|b| (b.returned, b.invested)),
        dollar_share_below_1: by(&|b| (b.invested_below_1, b.invested)),
        share_ge_10x: by(&|b| (b.counts[3..].iter().sum(), b.realised)),
        value_share_ge_10x: by(&|b| (b.returned_ge_10x, b.returned)),
    })
}

/// Per-block counts for the seed cohort.
#[derive(Debug, Clone, Copy, Default)]
struct CohortBlock {
    companies: f64,
    /// Companies that reached seed, A, B, C, growth.
    reached: [f64; 5],
    /// At each of [`OUTCOME_QUARTERS`]: failed, sold, listed, private, valued ≥ USD 1 bn.
    outcomes: [[f64; 5]; 2],
}

/// Simulates a cohort of `companies` seed-stage companies (module header).
///
/// # Errors
/// If a profile's laws cannot be built (a validated scenario never does this).
pub fn seed_cohort(scenario: &Scenario, seed: u64, companies: usize) -> Result<Funnel, company::LawError> {
    let mut sampler = Sampler::new(scenario, seed, "calibration_seed_cohort")?;
    let unicorn = scenario.fund.unicorn_cny_m;
    let mut rounds = Vec::new();
    let mut blocks = vec![CohortBlock::default(); companies.div_ceil(PER_ENVIRONMENT)];
    for i in 0..companies {
        let (post, c, _) = sampler.company(i, Some(Stage::Seed), &mut rounds);
        let block = &mut blocks[i / PER_ENVIRONMENT];
        block.companies += 1.0;
        let mut reached = [false; 5];
        reached[Stage::Seed.index()] = true;
        for round in &rounds {
            reached[round.stage.index()] = true;
        }
        for (sum, hit) in block.reached.iter_mut().zip(reached) {
            *sum += f64::from(u8::from(hit));
        }
        for (at, outcome) in OUTCOME_QUARTERS.iter().zip(&mut block.outcomes) {
            let ended = c.ending.quarter().filter(|&q| q < *at);
            let column = match (ended, c.ending) {
                (None, _) | (_, Ending::Alive) => 3,
                (Some(_), Ending::Failed { .. }) => 0,
                (Some(_), Ending::Exit { ipo: false, .. }) => 1,
                (Some(_), Ending::Exit { ipo: true, .. }) => 2,
            };
            outcome[column] += 1.0;
            let exit_value = match c.ending {
                Ending::Exit { value, .. } if ended.is_some() => value,
                _ => 0.0,
            };
            let priced = std::iter::once(post).chain(rounds.iter().filter(|r| r.quarter < *at).map(|r| r.post_money));
            outcome[4] += f64::from(u8::from(exit_value >= unicorn || priced.fold(0.0, f64::max) >= unicorn));
        }
    }
    let by = |f: &dyn Fn(&CohortBlock) -> (f64, f64)| ratio(&blocks.iter().map(f).collect::<Vec<_>>());
    Ok(Funnel {
        companies,
        graduation: std::array::from_fn(|s| by(&|b| (b.reached[s + 1], b.reached[s]))),
        outcomes: std::array::from_fn(|t| {
            let share = |column: usize| by(&|b| (b.outcomes[t][column], b.companies));
            Outcomes { failed: share(0), trade_sale: share(1), ipo: share(2), alive: share(3), valuation_1bn_usd: share(4) }
        }),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_have_closed_lower_edges_and_an_open_top() {
        let cases = [(0.0, 0), (0.999, 0), (1.0, 1), (4.99, 1), (5.0, 2), (10.0, 3), (19.9, 3), (20.0, 4), (50.0, 5), (1e6, 5)];
        for (multiple, expected) in cases {
            assert_eq!(bucket(multiple), expected, "{multiple}");
        }
    }

    /// Companies from seed pass through every stage in order, so each graduation rate is a
    /// share, and each time's outcomes split the cohort.
    #[test]
    fn the_funnel_adds_up() {
        let funnel = seed_cohort(&crate::testing::base(), 3, 2_000).unwrap();
        for rate in funnel.graduation {
            assert!(rate.value > 0.0 && rate.value < 1.0 && rate.std_error > 0.0, "{rate:?}");
        }
        for o in funnel.outcomes {
            let total = o.failed.value + o.trade_sale.value + o.ipo.value + o.alive.value;
            assert!((total - 1.0).abs() < 1e-12, "{o:?}");
        }
        let [early, late] = funnel.outcomes;
        assert!(late.ipo.value >= early.ipo.value && late.alive.value <= early.alive.value);
        assert!(late.valuation_1bn_usd.value >= early.valuation_1bn_usd.value);
    }
}
