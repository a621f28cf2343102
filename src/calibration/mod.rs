//! The model's report card (`fifsim calibrate`): at each level — per financing, per position by
//! sleeve, the company funnel, concentration, each sub-fund net to its LPs, each sleeve and the
//! fund — the model's figures with their Monte Carlo standard errors beside the published
//! targets, each with its source and tolerance, and whether it passes ([`targets`]).
//!
//! Where the figures come from:
//! - per financing and the funnel: companies simulated on their own, in the scenario's
//!   environment ([`companies`]);
//! - positions, concentration, sub-funds, sleeves and the fund: the fund's own simulation, the
//!   engine's paths with each stake recorded ([`fund`]), so the card follows the model's
//!   structure.
//!
//! Standard errors ([`crate::stats::clustered`]): shares, means and value-weighted ratios by
//! blocks — the path for positions and sub-funds (they share a path's shocks), the environment
//! batch for simulated companies, the single path for per-path figures (where this is the
//! binomial or the usual standard error of a mean); medians and quartiles by Woodruff's
//! interval on the same blocks.
//!
//! Multiples fall into the buckets of [`BUCKET_EDGES`] (`< 1×`, `1–5×`, `5–10×`, `10–20×`,
//! `20–50×`, `≥ 50×`). Sources: `docs/calibration.md`.

pub mod companies;
pub mod fund;
pub mod targets;

use serde::Serialize;

use crate::metrics::path::Unit;
use crate::model::company::LawError;
use crate::scenario::workload::DealLimitReached;
use crate::scenario::Scenario;
use crate::stats::clustered::Estimate;

/// Why a report card could not be made.
#[derive(Debug, thiserror::Error)]
pub enum CalibrationError {
    #[error(transparent)]
    Law(#[from] LawError),
    #[error("path {path}: {source}")]
    DealLimit { path: u64, source: DealLimitReached },
}

/// Lower edges of the multiple buckets; the last bucket is open.
pub const BUCKET_EDGES: [f64; 6] = [0.0, 1.0, 5.0, 10.0, 20.0, 50.0];

/// Labels of the buckets of [`BUCKET_EDGES`].
pub const BUCKET_LABELS: [&str; 6] = ["< 1×", "1–5×", "5–10×", "10–20×", "20–50×", "≥ 50×"];

/// Shares by bucket of multiple.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Buckets {
    pub edges: [f64; 6],
    pub share: [f64; 6],
    /// Observations (financings or positions) counted.
    pub count: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FinancingMultiples {
    #[serde(flatten)]
    pub buckets: Buckets,
    pub dollar_weighted_multiple: f64,
    pub dollar_share_below_1: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PositionMultiples {
    pub direct: Buckets,
    pub subfund: Buckets,
}

/// Shares of the seed cohort by a given time since seed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Outcomes {
    pub failed: f64,
    pub trade_sale: f64,
    pub ipo: f64,
    pub alive: f64,
    pub valuation_1bn_usd: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Funnel {
    pub companies: usize,
    pub seed_to_a: f64,
    pub a_to_b: f64,
    pub b_to_c: f64,
    pub c_to_growth: f64,
    pub outcomes_6_5y: Outcomes,
    pub outcomes_15y: Outcomes,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Concentration {
    pub share_positions_ge_10x: f64,
    pub share_value_from_ge_10x: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ConcentrationTable {
    pub direct: Concentration,
    pub subfund: Concentration,
    pub financing: Concentration,
}

/// Each sub-fund's TVPI, IRR and DPI net to its LPs, all sub-funds of all paths pooled.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SubFundNet {
    pub count: usize,
    pub mean: f64,
    pub median: f64,
    pub p25: f64,
    pub p75: f64,
    pub p_below_1: f64,
    pub median_irr: f64,
    pub median_dpi_7_5y: f64,
}

/// A sleeve's (or the fund's) TVPI, IRR and DPI across paths.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Sleeve {
    pub mean_tvpi: f64,
    pub median_tvpi: f64,
    pub p_below_1: f64,
    pub median_irr: f64,
    pub median_dpi_7_5y: f64,
}

/// The tables of the card.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Table {
    Financing,
    Positions,
    Funnel,
    Concentration,
    SubfundNet,
    Sleeves,
}

impl Table {
    pub const ALL: [Table; 6] = [Table::Financing, Table::Positions, Table::Funnel, Table::Concentration, Table::SubfundNet, Table::Sleeves];

    pub fn title(self) -> &'static str {
        match self {
            Table::Financing => "Per financing: realised gross multiple (companies from seed or Series A, every round scored)",
            Table::Positions => "Per position, by sleeve: realised-or-marked multiple of each stake the fund's sleeves held",
            Table::Funnel => "Company funnel from seed: graduation stage to stage; outcomes as shares of the seed cohort",
            Table::Concentration => "Concentration: positions ending at 10× or more, and their share of gross value",
            Table::SubfundNet => "Each sub-fund, net to its LPs (all sub-funds of all paths)",
            Table::Sleeves => "Each sleeve and the fund, per path (net of everything, as `fifsim run` reports)",
        }
    }
}

/// One row of the card.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Check {
    pub table: Table,
    /// Path of the model's value in the card's JSON.
    pub key: String,
    pub label: String,
    pub unit: Unit,
    pub model: f64,
    pub std_error: f64,
    /// The target (absent for rows shown without one), its source, the whole allowance and
    /// whether the row passes.
    pub target: Option<targets::Goal>,
    pub source: Option<&'static str>,
    pub tolerance: Option<f64>,
    pub pass: Option<bool>,
    pub claimed: bool,
}

/// The report card of one scenario.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Card {
    pub scenario: String,
    pub seed: u64,
    pub paths: u64,
    pub companies: usize,
    pub version: &'static str,
    pub financing_multiples: FinancingMultiples,
    pub position_multiples: PositionMultiples,
    pub funnel: Funnel,
    pub concentration: ConcentrationTable,
    pub subfund_net: SubFundNet,
    pub direct_sleeve: Sleeve,
    pub subfund_sleeve: Sleeve,
    pub fund: Sleeve,
    /// Every row, in table order, with its target where it has one.
    pub checks: Vec<Check>,
}

impl Card {
    /// Rows with a target that fail.
    pub fn failures(&self) -> impl Iterator<Item = &Check> {
        self.checks.iter().filter(|c| c.pass == Some(false))
    }
}

/// Collects the rows as their values are read.
struct Rows {
    checks: Vec<Check>,
}

impl Rows {
    /// Adds the row `key` and returns its value.
    fn add(&mut self, table: Table, key: String, label: impl Into<String>, unit: Unit, estimate: Estimate) -> f64 {
        let target = targets::target(&key);
        let goal = target.map(|t| t.goal);
        self.checks.push(Check {
            table,
            label: label.into(),
            unit,
            model: estimate.value,
            std_error: estimate.std_error,
            target: goal,
            source: target.map(|t| t.source),
            tolerance: goal.map(|g| g.tolerance(estimate.std_error)),
            pass: goal.map(|g| g.met(estimate.value, estimate.std_error)),
            claimed: target.is_some_and(|t| t.claimed),
            key,
        });
        estimate.value
    }

    fn buckets(&mut self, table: Table, key: &str, what: &str, shares: &[Estimate; 6], count: usize) -> Buckets {
        let share = std::array::from_fn(|k| self.add(table, format!("{key}.share[{k}]"), format!("{what} {}", BUCKET_LABELS[k]), Unit::Share, shares[k]));
        Buckets { edges: BUCKET_EDGES, share, count }
    }

    fn concentration(&mut self, key: &str, what: &str, positions: Estimate, value: Estimate) -> Concentration {
        let table = Table::Concentration;
        Concentration {
            share_positions_ge_10x: self.add(table, format!("concentration.{key}.share_positions_ge_10x"), format!("{what}: share ≥ 10×"), Unit::Share, positions),
            share_value_from_ge_10x: self.add(table, format!("concentration.{key}.share_value_from_ge_10x"), format!("{what}: value from ≥ 10×"), Unit::Share, value),
        }
    }

    fn outcomes(&mut self, key: &str, when: &str, o: &companies::Outcomes) -> Outcomes {
        let mut add = |name: &str, label: &str, e: Estimate| self.add(Table::Funnel, format!("funnel.{key}.{name}"), format!("{label} {when}"), Unit::Share, e);
        Outcomes {
            failed: add("failed", "failed by", o.failed),
            trade_sale: add("trade_sale", "trade sale by", o.trade_sale),
            ipo: add("ipo", "IPO by", o.ipo),
            alive: add("alive", "still private at", o.alive),
            valuation_1bn_usd: add("valuation_1bn_usd", "valued ≥ USD 1 bn by", o.valuation_1bn_usd),
        }
    }

    fn sleeve(&mut self, key: &str, what: &str, r: &fund::Returns) -> Sleeve {
        let table = Table::Sleeves;
        let mut add = |name: &str, label: &str, unit: Unit, e: Estimate| self.add(table, format!("{key}.{name}"), format!("{what}: {label}"), unit, e);
        Sleeve {
            mean_tvpi: add("mean_tvpi", "mean TVPI", Unit::Multiple, r.mean_tvpi),
            median_tvpi: add("median_tvpi", "median TVPI", Unit::Multiple, r.median_tvpi),
            p_below_1: add("p_below_1", "P(TVPI < 1)", Unit::Share, r.p_below_1),
            median_irr: add("median_irr", "median IRR", Unit::Rate, r.median_irr),
            median_dpi_7_5y: add("median_dpi_7_5y", "median DPI at 7.5 years", Unit::Multiple, r.median_dpi),
        }
    }
}

/// The report card of `scenario` under master `seed`: `paths` fund paths and `companies`
/// simulated companies for each of the financing sample and the seed cohort.
///
/// # Errors
/// [`CalibrationError::Law`] if a profile's laws cannot be built (a validated scenario never
/// does this); [`CalibrationError::DealLimit`] if a fund path reaches a sleeve's deal limit.
pub fn report_card(scenario: &Scenario, seed: u64, paths: u64, companies: usize) -> Result<Card, CalibrationError> {
    let financings = companies::financings(scenario, seed, companies)?;
    let cohort = companies::seed_cohort(scenario, seed, companies)?;
    let fund = fund::simulate(scenario, seed, paths)?;
    let mut rows = Rows { checks: Vec::new() };

    let financing_multiples = FinancingMultiples {
        buckets: rows.buckets(Table::Financing, "financing_multiples", "financings", &financings.shares, financings.realised),
        dollar_weighted_multiple: rows.add(Table::Financing, "financing_multiples.dollar_weighted_multiple".into(), "dollar-weighted realised multiple", Unit::Multiple, financings.dollar_weighted_multiple),
        dollar_share_below_1: rows.add(Table::Financing, "financing_multiples.dollar_share_below_1".into(), "invested dollars returning < 1×", Unit::Share, financings.dollar_share_below_1),
    };
    let position_multiples = PositionMultiples {
        direct: rows.buckets(Table::Positions, "position_multiples.direct", "direct", &fund.direct_positions.shares, fund.direct_positions.count),
        subfund: rows.buckets(Table::Positions, "position_multiples.subfund", "sub-fund", &fund.subfund_positions.shares, fund.subfund_positions.count),
    };
    let [seed_to_a, a_to_b, b_to_c, c_to_growth] = cohort.graduation;
    let mut graduation = |name: &str, label: &str, e: Estimate| rows.add(Table::Funnel, format!("funnel.{name}"), label, Unit::Share, e);
    let (seed_to_a, a_to_b, b_to_c, c_to_growth) = (
        graduation("seed_to_a", "seed → A", seed_to_a),
        graduation("a_to_b", "A → B", a_to_b),
        graduation("b_to_c", "B → C", b_to_c),
        graduation("c_to_growth", "C → growth", c_to_growth),
    );
    let funnel = Funnel {
        companies: cohort.companies,
        seed_to_a,
        a_to_b,
        b_to_c,
        c_to_growth,
        outcomes_6_5y: rows.outcomes("outcomes_6_5y", "6.5 years", &cohort.outcomes[0]),
        outcomes_15y: rows.outcomes("outcomes_15y", "15 years", &cohort.outcomes[1]),
    };
    let concentration = ConcentrationTable {
        direct: rows.concentration("direct", "direct positions", fund.direct_positions.share_ge_10x, fund.direct_positions.value_share_ge_10x),
        subfund: rows.concentration("subfund", "sub-fund positions", fund.subfund_positions.share_ge_10x, fund.subfund_positions.value_share_ge_10x),
        financing: rows.concentration("financing", "financings", financings.share_ge_10x, financings.value_share_ge_10x),
    };
    let net = &fund.subfund_net;
    let mut add = |name: &str, label: &str, unit: Unit, e: Estimate| rows.add(Table::SubfundNet, format!("subfund_net.{name}"), label, unit, e);
    let subfund_net = SubFundNet {
        count: net.count,
        mean: add("mean", "mean net TVPI", Unit::Multiple, net.mean_tvpi),
        median: add("median", "median net TVPI", Unit::Multiple, net.median_tvpi),
        p25: add("p25", "P25 net TVPI", Unit::Multiple, net.p25_tvpi),
        p75: add("p75", "P75 net TVPI (top-quartile threshold)", Unit::Multiple, net.p75_tvpi),
        p_below_1: add("p_below_1", "P(net TVPI < 1)", Unit::Share, net.p_below_1),
        median_irr: add("median_irr", "median net IRR", Unit::Rate, net.median_irr),
        median_dpi_7_5y: add("median_dpi_7_5y", "median DPI 7.5 years after vintage", Unit::Multiple, net.median_dpi),
    };
    Ok(Card {
        scenario: scenario.name.clone(),
        seed,
        paths,
        companies,
        version: env!("CARGO_PKG_VERSION"),
        financing_multiples,
        position_multiples,
        funnel,
        concentration,
        subfund_net,
        direct_sleeve: rows.sleeve("direct_sleeve", "direct sleeve", &fund.direct_sleeve),
        subfund_sleeve: rows.sleeve("subfund_sleeve", "sub-fund sleeve", &fund.subfund_sleeve),
        fund: rows.sleeve("fund", "fund", &fund.fund),
        checks: rows.checks,
    })
}

#[cfg(test)]
mod tests;
