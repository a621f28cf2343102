//! A scenario: everything one simulation needs, checked once.
//!
//! Scenario files are read in two stages: [`raw`] deserialises a TOML
//! file (after resolving `extends` and merging `[subfund_defaults]` into each sub-fund) into
//! structs that mirror the file, rejecting unknown keys; [`validate`] turns those into the types
//! below, whose invariants the engine relies on without re-checking:
//!
//! * probabilities lie in `[0, 1]` and each outcome table sums to 1;
//! * amounts, times and scales are positive and finite;
//! * every field, profile and market state a scenario names exists, and indices into
//!   [`ScenarioSpec::fields`], [`ScenarioSpec::profiles`] and the market's states are in range;
//! * the field-factor correlation matrix is positive definite (its Cholesky factor is kept);
//! * every sub-fund lives at least 7 years and ends by the fund's horizon;
//! * magnitudes lie in plausible ranges (`ranges`), and no sleeve can make more deals a path
//!   than [`workload::MAX_DEALS_PER_SLEEVE`], so that a path's work is bounded.
//!
//! Rates in the file are annual; the validated types hold them per quarter, converted exactly
//! (`(1 + r)^(1/4) - 1` for compounding rates, `r / 4` for fee rates charged quarterly on a
//! balance, which is how fund agreements state them).

pub mod error;
pub mod file;
pub mod funding;
pub mod load;
pub mod portfolio;
pub(crate) mod ranges;
pub mod raw;
pub mod scorecard;
pub mod validate;
pub mod workload;

use std::path::PathBuf;

use crate::calendar::Calendar;

pub use error::ScenarioError;
pub use load::{load, load_str};
pub use scorecard::{IndicatorSpec, Scorecard};

/// Number of financing stages a company passes through.
pub const STAGE_COUNT: usize = 5;

/// A company's financing stage; the stage a company is *in* after raising the round of that name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    Seed,
    A,
    B,
    C,
    Growth,
}

impl Stage {
    /// All stages, earliest first.
    pub const ALL: [Stage; STAGE_COUNT] = [Stage::Seed, Stage::A, Stage::B, Stage::C, Stage::Growth];

    /// Position in [`Stage::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }

    /// The stage a company enters by raising its next round; `None` from growth (it can only exit).
    pub fn next(self) -> Option<Stage> {
        Stage::ALL.get(self.index() + 1).copied()
    }

    /// The name used in scenario files and reports.
    pub fn key(self) -> &'static str {
        match self {
            Stage::Seed => "seed",
            Stage::A => "a",
            Stage::B => "b",
            Stage::C => "c",
            Stage::Growth => "growth",
        }
    }
}

/// Maturity tier of a field (沪府办规〔2025〕8号 groups the fields this way).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Tier {
    /// 发展壮大: cut cost, scale up.
    Industrialising,
    /// 加快培育: product design, market validation.
    Prototype,
    /// 加速布局: hard technical problems, converging on a route.
    Exploration,
}

impl Tier {
    pub const ALL: [Tier; 3] = [Tier::Industrialising, Tier::Prototype, Tier::Exploration];

    pub fn index(self) -> usize {
        self as usize
    }

    pub fn key(self) -> &'static str {
        match self {
            Tier::Industrialising => "industrialising",
            Tier::Prototype => "prototype",
            Tier::Exploration => "exploration",
        }
    }
}

/// What happens when a company's wait in a stage ends.
///
/// `Advance` is the next round (from growth: an IPO); `Hold` means nothing decisive happened
/// (a bridge, a delayed listing) and the company waits again in the same stage.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Advance,
    Acquired,
    Failed,
    Hold,
}

impl Outcome {
    pub const ALL: [Outcome; 4] = [Outcome::Advance, Outcome::Acquired, Outcome::Failed, Outcome::Hold];

    pub fn index(self) -> usize {
        self as usize
    }
}

/// A lognormal law given by its median and the standard deviation of its logarithm.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LogNormalSpec {
    pub median: f64,
    pub sigma: f64,
}

/// Exit multiple on the last post-money at an IPO: a lognormal body spliced to a Pareto tail.
///
/// With probability `1 - tail_share` the multiple is the lognormal conditioned below its
/// `1 - tail_share` quantile (`threshold`); otherwise it is `threshold` times a Pareto(`tail_alpha`)
/// draw. The threshold is computed at validation.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SplicedTailSpec {
    pub body: LogNormalSpec,
    pub tail_share: f64,
    pub tail_alpha: f64,
    /// `exp(ln median + sigma * z_{1 - tail_share})`.
    pub threshold: f64,
}

/// A stage of a profile: the round that starts it and the life in it.
#[derive(Debug, Clone, PartialEq)]
pub struct StageSpec {
    /// Time to the next decisive event, gamma-distributed, in quarters.
    pub wait_mean_quarters: f64,
    pub wait_shape: f64,
    /// Base probabilities of each [`Outcome`] (index by `Outcome::index`), summing to 1.
    pub outcome_probabilities: [f64; 4],
    /// Their natural logarithms (`-inf` for a zero probability): shifts are added on this scale.
    pub outcome_logits: [f64; 4],
    /// Post-money valuation of a company entering the portfolio at this stage, CNY m.
    pub entry_post_money_cny_m: LogNormalSpec,
    /// Share of the company sold in the round that starts this stage.
    pub equity_sold: f64,
    /// Pre-money of this stage's round over the previous round's post-money (unused for seed).
    pub step_up: LogNormalSpec,
    /// Acquisition price over the last post-money when the company is bought in this stage.
    pub acquisition_multiple: LogNormalSpec,
}

/// A company life-cycle calibration, shared by the fields that name it.
#[derive(Debug, Clone, PartialEq)]
pub struct Profile {
    pub key: String,
    pub stages: [StageSpec; STAGE_COUNT],
    pub ipo_multiple: SplicedTailSpec,
    /// The largest company value an exit may reach, CNY m (see docs/model.md, "Exits").
    pub max_exit_cny_m: f64,
}

/// A jump event in a field's progress factor.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct JumpSpec {
    /// Probability of the event in one quarter: `1 - exp(-hazard_per_year / 4)`.
    pub quarterly_probability: f64,
    /// Size of the jump in the factor (positive; the sign is the event's).
    pub size: f64,
}

/// A frontier field named in the 2025 measures.
#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    pub key: String,
    pub label: String,
    pub label_zh: String,
    pub tier: Tier,
    /// Index into [`ScenarioSpec::profiles`].
    pub profile: usize,
    /// Factor drift per quarter and standard deviation of its quarterly increment.
    pub drift_per_quarter: f64,
    pub volatility_per_quarter: f64,
    pub breakthrough: JumpSpec,
    pub winter: JumpSpec,
    /// Relative weight of the field in the direct sleeve's deal flow (>= 0).
    pub direct_weight: f64,
}

/// Correlated field-progress factors (docs/model.md §3.2).
#[derive(Debug, Clone, PartialEq)]
pub struct FactorModel {
    /// Lower-triangular Cholesky factor of the fields' correlation matrix.
    pub cholesky: crate::numeric::LowerTriangular,
    /// How one unit of a field's factor shifts the log-odds of advancing (and of being acquired).
    pub advance_logit_per_unit: f64,
    /// How one unit of a field's factor shifts the log of round and exit valuations.
    pub valuation_log_per_unit: f64,
}

/// Effects of one exit-market state.
#[derive(Debug, Clone, PartialEq)]
pub struct MarketState {
    pub key: String,
    /// Added to the log-odds of an IPO (advance at growth).
    pub ipo_logit_shift: f64,
    /// Added to the log-odds of raising a next round (advance before growth).
    pub round_logit_shift: f64,
    /// Added to the log-odds of acquisition.
    pub acquisition_logit_shift: f64,
    /// Added to the log-odds of holding (waiting another spell).
    pub hold_logit_shift: f64,
    /// Added to the log of round step-ups and exit values.
    pub valuation_log_shift: f64,
}

/// The exit-window Markov chain (docs/model.md §3.1).
#[derive(Debug, Clone, PartialEq)]
pub struct ExitMarket {
    pub states: Vec<MarketState>,
    /// Quarterly transition matrix, rows sum to 1: `transition[i][j]` = P(j next | i now).
    pub transition: Vec<Vec<f64>>,
    /// State in quarter 0.
    pub initial: usize,
    /// Quarters whose state is fixed by the scenario: `pinned[t] = Some(state)`; length horizon + 1.
    pub pinned: Vec<Option<usize>>,
}

/// Manager skill (docs/model.md §3.3).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SkillModel {
    /// Standard deviation of a sub-fund manager's persistent skill, on the advance log-odds scale.
    pub dispersion: f64,
    /// How one unit of skill shifts the log of exit values (value added).
    pub valuation_log_per_unit: f64,
}

/// Share of new deals by entry stage (seed, A, B, C, growth), summing to 1.
pub type StageMix = [f64; STAGE_COUNT];

/// The manager's buy-back option on part of the fund's stake (让利, this fund's form).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BuybackSpec {
    /// Share of the fund's stake the manager may buy (0 disables the option).
    pub share: f64,
    /// Price accrues at this rate per quarter on the fund's net paid-in (compounded).
    pub interest_per_quarter: f64,
    /// First quarter of the sub-fund's life (from its vintage) at which it may be exercised.
    pub earliest_quarter: usize,
    /// Exercised at the first allowed quarter where stake value >= trigger × price.
    pub trigger: f64,
}

/// The generic concession forms (docs/model.md §5).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ConcessionSpec {
    pub buyback: BuybackSpec,
    /// Share of the fund's profit above `profit_cession_hurdle_per_quarter` ceded to others.
    pub profit_cession_share: f64,
    pub profit_cession_hurdle_per_quarter: f64,
    /// The fund bears other LPs' losses first, up to this share of its own commitment.
    pub loss_first_cap: f64,
}

/// One sub-fund, with its terms resolved.
#[derive(Debug, Clone, PartialEq)]
pub struct SubFundSpec {
    pub key: String,
    pub label: String,
    /// The fund's commitment, CNY m.
    pub commitment_cny_m: f64,
    /// The fund's share of the sub-fund (the rest comes from other LPs).
    pub fund_share: f64,
    pub registered_in_shanghai: bool,
    pub vintage: usize,
    pub investment_period_quarters: usize,
    /// Quarters from vintage to the end of the base term, and of each possible extension.
    pub term_quarters: usize,
    pub extension_quarters: usize,
    pub extension_probability: f64,
    /// At most this many quarters more, after the term and any extension, while the sub-fund
    /// still holds companies (a GP-led continuation or further extensions; no fee is charged).
    pub continuation_quarters: usize,
    /// Field weights of the deal flow, (field index, probability), summing to 1.
    pub fields: Vec<(usize, f64)>,
    pub stage_mix: StageMix,
    pub management_fee_ip_per_quarter: f64,
    pub management_fee_post_per_quarter: f64,
    pub hurdle_per_quarter: f64,
    pub carry: f64,
    pub catch_up: f64,
    /// Share of the sub-fund's size that goes into companies (initial cheques and reserves).
    pub investable_share: f64,
    /// Share of the investable capital kept for pro-rata follow-ons.
    pub reserve_share: f64,
    /// Share of an entry round the sub-fund takes.
    pub round_participation: f64,
    /// Median and dispersion of the deployment pace (1 = plan; below 1 = slow).
    pub deployment_pace: LogNormalSpec,
    pub local_share: f64,
    /// Local investment required, as a multiple of the fund's commitment (返投).
    pub local_requirement: f64,
    /// Loss the sub-fund may make without fault, as a share of cost (容错).
    pub loss_tolerance: f64,
    /// Discount at which holdings left at the end of the sub-fund's life (continuation
    /// included) are sold.
    pub end_of_life_discount: f64,
    pub concession: ConcessionSpec,
    /// The risk that the other LPs commit less than planned ([`Shortfall`]).
    pub fundraising_shortfall: Shortfall,
}

/// The risk that a sub-fund raises less than planned from its other LPs: with `probability`,
/// their commitments fall short by a share drawn uniformly from `[0, max_share]`. The fund's own
/// commitment is unchanged. fifsim scales the whole sub-fund with its size (every cheque and fee
/// in proportion), which leaves the fund's own cash flows exactly as they were: what changes is
/// the leverage of its money and the capital brought in beside it (docs/scorecard.md).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Shortfall {
    pub probability: f64,
    pub max_share: f64,
}

/// The price at which a milestone tranche buys shares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TranchePricing {
    /// At the entry round's price, fixed in the investment agreement (分期出资): a tranche
    /// released after an up-round buys cheap, so tranches are an option on the milestone.
    Entry,
    /// At the price of the round that meets the milestone: a conditional pro-rata follow-on.
    Round,
}

/// Milestone tranches for direct deals.
#[derive(Debug, Clone, PartialEq)]
pub struct TrancheSpec {
    /// Shares of a commitment paid at entry and at each later milestone, summing to 1.
    pub shares: Vec<f64>,
    /// A tranche lapses unless the company reaches its next stage within this many quarters.
    pub deadline_quarters: usize,
    pub pricing: TranchePricing,
}

/// Dynamic re-allocation of the direct sleeve (动态甄别评估调整): at each review the fund
/// re-weights the fields its new direct deals go to by their observed progress.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ReallocationSpec {
    /// Quarters between reviews; the first review is at quarter `review_quarters`.
    pub review_quarters: usize,
    /// A field whose progress factor is at least this at a review is progressing; at most
    /// minus this, stalled.
    pub progress_threshold: f64,
    /// Deal-flow weight multiplier of a progressing field (≥ 1 moves capital towards it).
    pub favour: f64,
    /// Deal-flow weight multiplier of a stalled field (0 stops new deals in it).
    pub stalled: f64,
}

/// The fund's own direct investments.
#[derive(Debug, Clone, PartialEq)]
pub struct DirectSpec {
    /// Budget for direct deals, CNY m.
    pub budget_cny_m: f64,
    /// New deals are made in quarters `first_quarter..first_quarter + deploy_quarters`.
    pub first_quarter: usize,
    pub deploy_quarters: usize,
    /// Quarters after deployment in which lapsed tranches returned to the pool still fund new
    /// deals (the budget itself is no longer added).
    pub recycle_quarters: usize,
    pub stage_mix: StageMix,
    /// Share of an entry round the fund commits (paid in tranches).
    pub round_participation: f64,
    pub tranches: TrancheSpec,
    /// The direct team's skill on the advance log-odds scale (0 = market average).
    pub skill: f64,
    pub local_share: f64,
    /// Project loss tolerance as a share of its cost (容错).
    pub loss_tolerance: f64,
    /// `None`: field weights stay as the scenario sets them.
    pub reallocation: Option<ReallocationSpec>,
    /// What the direct team costs a quarter: a share of the budget while the sleeve deploys,
    /// then a share of the cost of the stakes it still holds.
    pub team_cost_per_quarter: f64,
    pub team_cost_after_per_quarter: f64,
}

/// Fund-level terms.
#[derive(Debug, Clone, PartialEq)]
pub struct FundSpec {
    pub size_cny_m: f64,
    pub direct_share: f64,
    /// Fund's own running costs per quarter, as a share of its size, over its life.
    pub running_cost_per_quarter: f64,
    pub life_quarters: usize,
    /// Live companies at the horizon are marked at last post-money × ownership × (1 - haircut).
    pub horizon_haircut: f64,
    /// A company exit at or above this value (CNY m) counts as unicorn-size.
    pub unicorn_cny_m: f64,
    /// The largest share of a sub-fund the fund may take, and of one registered outside Shanghai.
    pub max_subfund_share: f64,
    pub max_subfund_share_outside_shanghai: f64,
}

/// A validated scenario. Build one with [`load()`] (from a file) or
/// [`validate::validate`] (from a raw struct); change one with [`Scenario::revalidated`] (or
/// [`Scenario::edited`]), which changes the raw scenario it was validated from and validates that
/// again, so that a changed scenario keeps every invariant a loaded one has.
///
/// Read-only: its values are a [`ScenarioSpec`] that it derefs to, so `scenario.fund.size_cny_m`
/// reads as a field, but never mutably, and only validation makes one. Were its fields public,
/// code could change a value without the values derived from it (per-quarter rates, log-odds, the
/// Cholesky factor, the deal limits) or without the checks a file gets; this way every scenario
/// the engine sees is one that validation produced.
#[derive(Debug, Clone, PartialEq)]
pub struct Scenario {
    spec: ScenarioSpec,
    /// The raw scenario `spec` was validated from (for a scenario with `as_of`, the plan's: see
    /// [`ScenarioSpec::as_of`]).
    raw: raw::RawScenario,
}

/// The values of a validated [`Scenario`], read through it.
#[derive(Debug, Clone, PartialEq)]
pub struct ScenarioSpec {
    pub name: String,
    pub description: String,
    /// The file it came from (empty for one built in code).
    pub source: PathBuf,
    pub calendar: Calendar,
    pub fund: FundSpec,
    pub market: ExitMarket,
    pub factors: FactorModel,
    pub skill: SkillModel,
    pub profiles: Vec<Profile>,
    pub fields: Vec<Field>,
    pub subfunds: Vec<SubFundSpec>,
    pub direct: DirectSpec,
    /// The city's funding plan, if the scenario states one.
    pub funding: Option<funding::FundingPlan>,
    /// Parameters of the evaluators' indicators (`[indicators]`).
    pub indicators: IndicatorSpec,
    /// How the evaluators score the fund (`[scorecard]`, or the shipped default).
    pub scorecard: Scorecard,
    /// The fund's actual position at an as-of quarter (`[as_of]`, [`portfolio`]): the
    /// forecast starts from it. `None` simulates the fund from its first day.
    ///
    /// The one exception to "a scenario is its validated raw scenario": the book (what each
    /// sub-fund has called, distributed and is worth, each direct holding's tranches) has no
    /// place in a raw scenario file, so [`portfolio::attach`] applies it to the values validated
    /// from the file, before they are sealed in a [`Scenario`], and the raw scenario stays the
    /// construction plan's. [`Scenario::plan`] is that plan; [`Scenario::edited`] and
    /// [`Scenario::revalidated`] also give a plan without the book.
    pub as_of: Option<Box<portfolio::AsOf>>,
}

impl std::ops::Deref for Scenario {
    type Target = ScenarioSpec;

    fn deref(&self) -> &ScenarioSpec {
        &self.spec
    }
}

impl ScenarioSpec {
    /// Number of quarters simulated after quarter 0; flows are dated `0..=horizon()`.
    pub fn horizon(&self) -> usize {
        self.calendar.horizon_quarters
    }

    /// Total the fund commits to sub-funds, CNY m.
    pub fn subfund_commitments_cny_m(&self) -> f64 {
        self.subfunds.iter().map(|s| s.commitment_cny_m).sum()
    }
}

impl Scenario {
    /// Seals values validated from `raw` (with the book attached, if any).
    fn sealed(spec: ScenarioSpec, raw: raw::RawScenario) -> Scenario {
        Scenario { spec, raw }
    }

    /// The raw scenario this one was validated from (the file after `extends` and
    /// `[subfund_defaults]`).
    pub fn raw(&self) -> &raw::RawScenario {
        &self.raw
    }

    /// The construction plan: the scenario as its file states it, without the actuals of its
    /// book (itself, when it has none).
    pub fn plan(&self) -> Scenario {
        Scenario::sealed(self.spec.plan(), self.raw.clone())
    }

    /// The scenario `raw` validates to, as if it were this scenario's file: its errors and default
    /// name come from its [`source`](ScenarioSpec::source).
    ///
    /// # Errors
    /// As [`validate::validate`].
    pub fn revalidated(&self, raw: raw::RawScenario) -> Result<Scenario, ScenarioError> {
        validate::validate(raw, &self.source)
    }

    /// This scenario with `change` made to its raw scenario, validated again.
    ///
    /// # Errors
    /// As [`validate::validate`], when the change leaves a value out of its range.
    pub fn edited(&self, change: impl FnOnce(&mut raw::RawScenario)) -> Result<Scenario, ScenarioError> {
        let mut raw = self.raw.clone();
        change(&mut raw);
        self.revalidated(raw)
    }
}

/// Ways for tests to reach what no scenario file states. Each is narrow and says why a test needs
/// it; everything else a test changes goes through [`Scenario::edited`].
#[cfg(test)]
impl Scenario {
    /// This scenario with its book changed. The book comes from the portfolio files, not the raw
    /// scenario; tests move one figure of a loaded book (or give a plan an empty one) instead of
    /// writing whole portfolio files for it. The change is not checked against the scenario as
    /// [`portfolio::attach`] checks a book read from files.
    pub(crate) fn with_book(&self, change: impl FnOnce(&mut Option<Box<portfolio::AsOf>>)) -> Scenario {
        let mut s = self.clone();
        change(&mut s.spec.as_of);
        s
    }

    /// This scenario with no sleeves, no sub-funds and no direct budget: a fund that only pays
    /// its running costs, for tests of its cash account worked by hand. Validation places every
    /// yuan of a fund in a sleeve.
    pub(crate) fn without_sleeves(&self) -> Scenario {
        let mut s = self.clone();
        s.spec.subfunds.clear();
        s.spec.direct.budget_cny_m = 0.0;
        s
    }

    /// This scenario with its direct budget arriving over `quarters`, which may run past the
    /// horizon (validation keeps deployment within it): a fund that by the horizon has received
    /// only part of its budget.
    pub(crate) fn with_direct_deployment_past_horizon(&self, quarters: usize) -> Scenario {
        let mut s = self.clone();
        s.spec.direct.deploy_quarters = quarters;
        s
    }
}

impl SubFundSpec {
    /// Years of the investment period, and of the rest of the life in which fees are charged
    /// (the term and the extension after it): what the fee rule of validation weighs the two
    /// fees by.
    pub fn fee_years(&self) -> (f64, f64) {
        validate::fee_years(self.investment_period_quarters, self.term_quarters + self.extension_quarters)
    }
}
