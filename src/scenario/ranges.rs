//! Plausible ranges: magnitudes no fund, company or market could have are refused, each with
//! the range a scenario may use.
//!
//! A value outside these ranges is almost always a slip — a size typed in yuan rather than
//! CNY m, a log shift meant as a percentage — and some would make a path run away: cheques a
//! million times smaller than the budget they spend, companies that wait a second between
//! events. Every shipped scenario lies well inside each range (its values are given for
//! comparison); [`super::workload`] then bounds the work of the scenario as a whole.

use super::error::{Allowed, Bound};

const fn between(lo: f64, hi: f64) -> Allowed {
    Allowed { lo: Bound::Closed(lo), hi: Bound::Closed(hi) }
}

/// `fund.size_cny_m`: up to CNY 1 trillion, above the largest government funds (the national
/// IC fund's third phase, CNY 344 bn); a size in yuan is a million times larger. Shipped: 15,000.
pub(crate) const FUND_SIZE_CNY_M: Allowed = Allowed { lo: Bound::Open(0.0), hi: Bound::Closed(1e6) };

/// A profile's `max_exit_cny_m`: from CNY 100 m (a bound below that would cap ordinary trade
/// sales) to CNY 100 trillion, far above the most valuable listed companies (about CNY 30 trillion);
/// a value in yuan is a million times larger. Shipped: 700,000.
pub(crate) const MAX_EXIT_CNY_M: Allowed = between(100.0, 1e8);

/// `fund.running_cost_per_year`: up to 5% of size a year, ten times the top of state funds of
/// funds' usual 0.1–0.5%. Shipped: 0.002.
pub(crate) const RUNNING_COST_PER_YEAR: Allowed = between(0.0, 0.05);

/// Running costs over the fund's life (`running_cost_per_year × life_years`): at most a quarter
/// of its size, or the fund would pay in far more than it commits (7% a year over 15 years has a
/// CNY 15 bn fund pay in 31 bn). Shipped: 0.03.
pub(crate) const MAX_LIFETIME_RUNNING_COST: f64 = 0.25;

/// Market-state log-odds shifts: `e^10` multiplies odds by 22,026, which makes an outcome all
/// but certain or impossible; a scenario that means that sets the profile's probability instead.
/// Shipped: -4 to 1.
pub(crate) const LOGIT_SHIFT: Allowed = between(-10.0, 10.0);

/// `valuation_log_shift`: prices from 5% to 20 times the open market's (`e^±3`); the deepest
/// falls on record (NASDAQ 2000–2002, -78%) are `e^-1.5`. Shipped: -0.35 to 0.
pub(crate) const VALUATION_LOG_SHIFT: Allowed = between(-3.0, 3.0);

/// `factors.advance_logit_per_unit`: a one-unit factor move multiplies the odds of advancing by
/// up to `e^5` = 148. Shipped: 1.
pub(crate) const ADVANCE_LOGIT_PER_UNIT: Allowed = between(0.0, 5.0);

/// `factors.valuation_log_per_unit` and `skill.valuation_log_per_unit`: one unit of factor or
/// skill multiplies prices by up to `e^2` = 7.4. Shipped: 0.3.
pub(crate) const VALUATION_LOG_PER_UNIT: Allowed = between(0.0, 2.0);

/// `skill.dispersion`: a manager 2 sd above the mean has up to `e^6` = 403 times the odds of
/// advancing. Shipped: 0.4.
pub(crate) const SKILL_DISPERSION: Allowed = between(0.0, 3.0);

/// `direct.skill`, on the advance log-odds: `e^±5` = 148 times the odds. Shipped: 0.
pub(crate) const DIRECT_SKILL: Allowed = between(-5.0, 5.0);

/// A field's `drift_per_year`: at most 2 units of progress a year either way, several years'
/// volatility of the most volatile field. Shipped: -0.35 to 0.
pub(crate) const DRIFT_PER_YEAR: Allowed = between(-2.0, 2.0);

/// A field's `volatility_per_year`: up to 2 a year, five times the exploration fields'.
/// Shipped: 0.25 to 0.4.
pub(crate) const VOLATILITY_PER_YEAR: Allowed = between(0.0, 2.0);

/// A breakthrough's or winter's `jump`: up to 3 units, several years of volatility at once.
/// Shipped: 0.5 to 0.8.
pub(crate) const JUMP: Allowed = between(0.0, 3.0);

/// The sigma of every lognormal (entry post-money, step-up, acquisition and IPO multiples,
/// deployment pace): `e^±2×3` puts the middle 95% of draws 360 times apart either way.
/// Shipped: 0.25 to 0.9.
pub(crate) const LOGNORMAL_SIGMA: Allowed = between(0.0, 3.0);

/// `entry_post_money_cny_m.median`: from CNY 1 m (a seed round of a few hundred thousand yuan)
/// to CNY 1 trillion. Shipped: 138 to 3,500.
pub(crate) const ENTRY_POST_MONEY_CNY_M: Allowed = between(1.0, 1e6);

/// The median of a multiple (step-up, acquisition, IPO body): from 1% to 100 times the last
/// price. Shipped: 1.3 to 2.5.
pub(crate) const MULTIPLE_MEDIAN: Allowed = between(0.01, 100.0);

/// `deployment_pace.median`: a manager deploying at a tenth to ten times the plan. Shipped: 1.
pub(crate) const PACE_MEDIAN: Allowed = between(0.1, 10.0);

/// `equity_sold`: from 1% to 90% of the company in a round; a share near 1 makes the post-money
/// `pre / (1 - equity_sold)` unbounded. Shipped: 0.103 to 0.205.
pub(crate) const EQUITY_SOLD: Allowed = between(0.01, 0.9);

/// `round_participation` (sub-funds and direct): at least 1% of a round; smaller cheques would
/// take thousands of deals to spend a budget. Shipped: 0.5.
pub(crate) const ROUND_PARTICIPATION: Allowed = between(0.01, 1.0);

/// A sub-fund's `fund_share`: the fund's commitment is at least 1% of the sub-fund (guidance
/// funds hold 20–30%); below it the sub-fund the model simulates is over a hundred times the
/// fund's own money. Shipped: 0.25.
pub(crate) const FUND_SHARE: Allowed = between(0.01, 1.0);

/// `months_to_event.mean`: at least a month between a company's events; the number of events a
/// company can have is the horizon over its shortest mean wait. Shipped: 18 to 40.
pub(crate) const WAIT_MEAN_MONTHS: Allowed = between(1.0, 1200.0);

/// `months_to_event.shape` (besides `inf`, a fixed wait): the waiting-time tables are accurate
/// from shape 0.05; above 10,000 a wait varies by under 1% and `inf` says so exactly.
/// Shipped: 2 to 2.5.
pub(crate) const WAIT_SHAPE: Allowed = between(0.05, 1e4);

/// `local_requirement`: at most 10 times the fund's commitment (the rules ask 1 to 2).
/// Shipped: 1.5.
pub(crate) const LOCAL_REQUIREMENT: Allowed = between(0.0, 10.0);

/// `loss_first.cap`: the fund can bear others' losses up to its own commitment, not beyond.
/// Shipped: 0.
pub(crate) const LOSS_FIRST_CAP: Allowed = between(0.0, 1.0);

/// `buyback.trigger`: exercised when the stake is worth up to 100 times the price. Shipped: 1.
pub(crate) const BUYBACK_TRIGGER: Allowed = between(0.0, 100.0);

/// Re-allocation `favour` and `stalled`: a field's deal flow multiplied by at most 100.
/// Shipped: 2 and 0.
pub(crate) const REALLOCATION_MULTIPLIER: Allowed = between(0.0, 100.0);
