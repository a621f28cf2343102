//! The scenario file as written: serde structs that mirror the TOML, key for key.
//!
//! Nothing here is checked beyond its type; [`super::validate`] turns a [`RawScenario`] into a
//! [`super::Scenario`]. Every struct rejects unknown keys (`deny_unknown_fields`), so a typo is
//! an error naming the key and the keys allowed, never a silently ignored setting.
//!
//! What [`super::load()`] does before these structs see the file: it resolves `extends` (the
//! child deep-merged over its parent) and merges `[subfund_defaults]` under every
//! `[subfunds.X]`, so a [`RawSubFund`] is complete and neither key appears here.
//!
//! Amounts are in CNY m, rates annual, times in years or months as the key names say.
//! Map-valued sections (`profiles`, `fields`, `subfunds`, market `states`) are `BTreeMap`s,
//! so their order is the keys' sorted order whatever the file's order.

use std::collections::BTreeMap;

use serde::Deserialize;

/// A whole scenario file, after `extends` and `[subfund_defaults]` are resolved.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawScenario {
    /// Defaults to the file's stem.
    pub name: Option<String>,
    pub description: Option<String>,
    pub calendar: RawCalendar,
    pub fund: RawFund,
    pub exit_market: RawExitMarket,
    pub factors: RawFactors,
    pub skill: RawSkill,
    pub profiles: BTreeMap<String, RawProfile>,
    pub fields: BTreeMap<String, RawField>,
    /// May be empty only when the whole fund is direct (`direct_share = 1`).
    #[serde(default)]
    pub subfunds: BTreeMap<String, RawSubFund>,
    pub direct: RawDirect,
    /// Optional `[indicators]`: parameters of the evaluators' indicators.
    #[serde(default)]
    pub indicators: Option<super::scorecard::RawIndicators>,
    /// Optional `[scorecard]`; without it the shipped default scores the fund.
    #[serde(default)]
    pub scorecard: Option<super::scorecard::RawScorecard>,
    /// Optional: the city's funding plan (docs/funding.md); without it no cash account is kept.
    #[serde(default)]
    pub funding: Option<super::funding::RawFunding>,
}

/// `[calendar]`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCalendar {
    /// Quarter 0, e.g. `"2024Q3"`.
    pub start: String,
    pub horizon_years: u32,
}

/// `[fund]`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawFund {
    pub size_cny_m: f64,
    pub direct_share: f64,
    pub running_cost_per_year: f64,
    pub life_years: u32,
    pub horizon_haircut: f64,
    pub unicorn_cny_m: f64,
    /// Optional: the largest share of a sub-fund the fund may take (default: no limit).
    #[serde(default)]
    pub max_subfund_share: Option<f64>,
    /// Optional: the same for a sub-fund registered outside Shanghai (default: no limit).
    #[serde(default)]
    pub max_subfund_share_outside_shanghai: Option<f64>,
}

/// `[exit_market]`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawExitMarket {
    pub initial: String,
    pub states: BTreeMap<String, RawMarketState>,
    #[serde(default)]
    pub pinned: Vec<RawPin>,
}

/// `[exit_market.states.X]`; a shift left out is 0 (the state changes nothing there).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawMarketState {
    #[serde(default)]
    pub ipo_logit_shift: f64,
    #[serde(default)]
    pub round_logit_shift: f64,
    #[serde(default)]
    pub acquisition_logit_shift: f64,
    #[serde(default)]
    pub hold_logit_shift: f64,
    #[serde(default)]
    pub valuation_log_shift: f64,
    /// Quarterly probabilities of the next state, by state name; a state left out is 0.
    pub transition: BTreeMap<String, f64>,
}

/// `[[exit_market.pinned]]`: the market is held in `state` from `from` to `to` inclusive.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPin {
    pub from: String,
    pub to: String,
    pub state: String,
}

/// `[factors]`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawFactors {
    pub within_family_correlation: f64,
    pub within_tier_correlation: f64,
    pub cross_tier_correlation: f64,
    pub advance_logit_per_unit: f64,
    pub valuation_log_per_unit: f64,
}

/// `[skill]`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSkill {
    pub dispersion: f64,
    pub valuation_log_per_unit: f64,
}

/// `{ median, sigma }`: a lognormal by its median and the sd of its log.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawLogNormal {
    pub median: f64,
    pub sigma: f64,
}

/// `ipo_multiple = { median, sigma, tail_share, tail_alpha }`.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSplicedTail {
    pub median: f64,
    pub sigma: f64,
    pub tail_share: f64,
    pub tail_alpha: f64,
}

/// `[profiles.X]`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawProfile {
    pub ipo_multiple: RawSplicedTail,
    /// The largest company value an exit may reach, CNY m: the IPO multiple's law is conditioned
    /// below it and a trade sale is capped at it.
    pub max_exit_cny_m: f64,
    pub stages: RawStages,
}

/// `[profiles.X.stages]`: all five stages are required.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawStages {
    pub seed: RawStage,
    pub a: RawStage,
    pub b: RawStage,
    pub c: RawStage,
    pub growth: RawStage,
}

impl RawStages {
    /// The five stages, earliest first (the order of [`super::Stage::ALL`]).
    pub fn all(&self) -> [&RawStage; super::STAGE_COUNT] {
        [&self.seed, &self.a, &self.b, &self.c, &self.growth]
    }

    /// The same, to change.
    pub fn all_mut(&mut self) -> [&mut RawStage; super::STAGE_COUNT] {
        [&mut self.seed, &mut self.a, &mut self.b, &mut self.c, &mut self.growth]
    }
}

/// `[profiles.X.stages.Y]`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawStage {
    pub months_to_event: RawGamma,
    pub outcome: RawOutcome,
    pub entry_post_money_cny_m: RawLogNormal,
    pub equity_sold: f64,
    /// Optional at seed only.
    pub step_up: Option<RawLogNormal>,
    pub acquisition_multiple: RawLogNormal,
}

/// `months_to_event = { mean, shape }`: a gamma law in months.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawGamma {
    pub mean: f64,
    pub shape: f64,
}

/// `outcome = { advance, acquired, failed, hold }`: all four required.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawOutcome {
    pub advance: f64,
    pub acquired: f64,
    pub failed: f64,
    pub hold: f64,
}

/// `[fields.X]`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawField {
    pub label: String,
    pub label_zh: String,
    /// `industrialising`, `prototype` or `exploration`.
    pub tier: String,
    /// Key of a `[profiles.X]`.
    pub profile: String,
    /// Technology family; `""` (the default) is none.
    #[serde(default)]
    pub family: String,
    pub drift_per_year: f64,
    pub volatility_per_year: f64,
    pub breakthrough: RawJump,
    pub winter: RawJump,
    pub direct_weight: f64,
}

/// `{ hazard_per_year, jump }`.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawJump {
    pub hazard_per_year: f64,
    pub jump: f64,
}

/// `[subfunds.X]` with `[subfund_defaults]` merged under it: every key is required here.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSubFund {
    pub label: String,
    pub commitment_weight: f64,
    pub vintage: String,
    /// Field key → weight.
    pub fields: BTreeMap<String, f64>,
    pub fund_share: f64,
    /// Optional: whether the sub-fund is registered in Shanghai (default: yes).
    #[serde(default = "registered_in_shanghai_by_default")]
    pub registered_in_shanghai: bool,
    pub investment_period_years: f64,
    pub term_years: f64,
    pub extension_years: f64,
    pub extension_probability: f64,
    pub continuation_years: f64,
    pub management_fee_ip: f64,
    pub management_fee_post: f64,
    pub hurdle: f64,
    pub carry: f64,
    pub catch_up: f64,
    pub investable_share: f64,
    pub reserve_share: f64,
    pub round_participation: f64,
    /// Stage key → share.
    pub stage_mix: BTreeMap<String, f64>,
    pub deployment_pace: RawLogNormal,
    pub local_share: f64,
    pub local_requirement: f64,
    pub loss_tolerance: f64,
    pub end_of_life_discount: f64,
    /// Optional: the risk that the other LPs commit less than planned (default: none).
    #[serde(default)]
    pub fundraising_shortfall: Option<RawShortfall>,
    pub buyback: RawBuyback,
    pub profit_cession: RawProfitCession,
    pub loss_first: RawLossFirst,
}

/// `fundraising_shortfall = { probability, max_share }`: with `probability` the other LPs
/// commit less than planned, short by a share drawn uniformly from `[0, max_share]`.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawShortfall {
    pub probability: f64,
    pub max_share: f64,
}

fn registered_in_shanghai_by_default() -> bool {
    true
}

/// `buyback = { share, interest, earliest_year, trigger }`.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawBuyback {
    pub share: f64,
    pub interest: f64,
    pub earliest_year: f64,
    pub trigger: f64,
}

/// `profit_cession = { share, hurdle }`.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawProfitCession {
    pub share: f64,
    pub hurdle: f64,
}

/// `loss_first = { cap }`.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawLossFirst {
    pub cap: f64,
}

/// `[direct.reallocation]`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawReallocation {
    pub review_every_months: f64,
    pub progress_threshold: f64,
    pub favour: f64,
    pub stalled: f64,
}

/// `[direct]`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawDirect {
    /// Optional: the quarter of the first deal (default: the calendar's start).
    #[serde(default)]
    pub start: Option<String>,
    pub deploy_years: f64,
    /// Optional: years after deployment in which lapsed tranches still fund new deals (default 0).
    #[serde(default)]
    pub recycle_years: f64,
    pub stage_mix: BTreeMap<String, f64>,
    pub round_participation: f64,
    pub tranches: Vec<f64>,
    pub tranche_deadline_months: f64,
    pub tranche_pricing: crate::scenario::TranchePricing,
    /// Optional: dynamic re-allocation of new direct deals at periodic reviews.
    #[serde(default)]
    pub reallocation: Option<RawReallocation>,
    pub skill: f64,
    pub local_share: f64,
    pub loss_tolerance: f64,
    pub team_cost_per_year: f64,
    pub team_cost_after_per_year: f64,
}
