//! The fund's actual position at an as-of quarter (docs/portfolio.md): a small TOML index that
//! names CSV tables, one row per sub-fund, one per direct holding and, optionally, one per
//! holding of a sub-fund, as an analyst keeps them in a spreadsheet.
//!
//! A scenario points at it with `[as_of] quarter = "2025Q4"` and `portfolio = "..."` (relative
//! to the scenario file). [`attach`] reads and checks the book against the scenario and turns
//! the scenario into the forecast's: each sub-fund in the book takes its actual commitment,
//! share, vintage, registration, fields and stage focus; the scenario's own terms are kept as the
//! plan ([`AsOf::plan_subfunds`], [`ScenarioSpec::plan`]). Every error names the file, the row and
//! column (or key) and what is allowed; nothing is simulated from an inconsistent book.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::{Table, Value};

// The book is attached to the values validated from the scenario file (a `ScenarioSpec`) before
// they are sealed in a read-only `Scenario` (see `ScenarioSpec::as_of`).
use super::{DirectSpec, STAGE_COUNT, ScenarioError, ScenarioSpec, Stage, SubFundSpec};
use crate::calendar::Quarter;

mod holding;
mod subfund_holdings;

pub use holding::{Holding, HoldingStatus};
use holding::{Cells, RowAt};

/// How far a row's `size_cny_m` may differ from `commitment_cny_m / fund_share` (rounding in a
/// spreadsheet).
const SIZE_TOLERANCE: f64 = 0.01;
/// Tolerance on amounts compared with one another (CNY m).
const AMOUNT_TOLERANCE: f64 = 1e-6;

/// The fund's actual position at the as-of quarter, as a validated scenario carries it.
#[derive(Debug, Clone, PartialEq)]
pub struct AsOf {
    /// The as-of quarter's index in the calendar: history is quarters `0..=quarter`.
    pub quarter: usize,
    /// The portfolio's index file.
    pub source: PathBuf,
    pub description: String,
    /// The actuals of each of the scenario's sub-funds (same order), `None` for one whose vintage
    /// is after the as-of quarter (it is deployed as the scenario plans).
    pub subfunds: Vec<Option<SubFundActual>>,
    /// Direct holdings, in the file's order.
    pub direct: Vec<DirectHolding>,
    /// What the direct team has cost to date, CNY m.
    pub direct_team_costs_cny_m: f64,
    /// The scenario's sub-funds as planned, before the book's terms replaced them.
    pub plan_subfunds: Vec<SubFundSpec>,
    /// The direct sleeve from the quarter after the as-of quarter: the budget not yet committed,
    /// deployed over what is left of the scenario's deployment window.
    pub forecast_direct: DirectSpec,
}

/// One sub-fund's actuals at the as-of quarter; amounts are the fund's side unless named.
#[derive(Debug, Clone, PartialEq)]
pub struct SubFundActual {
    /// Its line in the sub-funds table.
    pub row: usize,
    pub name: String,
    pub manager: String,
    /// The whole sub-fund's size, all LPs.
    pub size_cny_m: f64,
    pub called_cny_m: f64,
    pub distributed_cny_m: f64,
    pub nav_cny_m: f64,
    /// The whole sub-fund's local (返投) investment to date, all LPs' money.
    pub local_invested_cny_m: f64,
    /// Its holdings, when the book lists them (all of them: their marks are its NAV, all LPs'),
    /// in the table's order; empty when it does not, and its NAV stands for them.
    pub holdings: Vec<Holding>,
}

/// One direct holding: the fund's stake and the tranches it has still to pay.
#[derive(Debug, Clone, PartialEq)]
pub struct DirectHolding {
    pub holding: Holding,
    /// Tranches still to pay: (amount, the last quarter the milestone may be met in), in order.
    pub pending: Vec<(f64, usize)>,
}

impl AsOf {
    /// The fund's side of what the book shows to date: (paid in, distributed, NAV), sub-funds
    /// and direct sleeve together (running costs not included).
    pub fn totals(&self) -> (f64, f64, f64) {
        let (mut paid, mut distributed, mut nav) = (self.direct_team_costs_cny_m, 0.0, 0.0);
        for actual in self.subfunds.iter().flatten() {
            paid += actual.called_cny_m;
            distributed += actual.distributed_cny_m;
            nav += actual.nav_cny_m;
        }
        for direct in &self.direct {
            paid += direct.holding.cost_cny_m;
            distributed += direct.holding.proceeds();
            nav += direct.holding.mark();
        }
        (paid, distributed, nav)
    }

    /// The direct sleeve's cost, proceeds and mark to date, team costs included in the cost.
    pub fn direct_totals(&self) -> (f64, f64, f64) {
        let paid = self.direct_team_costs_cny_m + self.direct.iter().map(|d| d.holding.cost_cny_m).sum::<f64>();
        (paid, self.direct.iter().map(|d| d.holding.proceeds()).sum(), self.direct.iter().map(|d| d.holding.mark()).sum())
    }
}

impl ScenarioSpec {
    /// The construction plan: the scenario as its file states it, without the actuals.
    pub fn plan(&self) -> ScenarioSpec {
        let mut plan = self.clone();
        if let Some(as_of) = plan.as_of.take() {
            plan.subfunds = as_of.plan_subfunds;
        }
        plan
    }
}

/// `[as_of]` in a scenario file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAsOf {
    quarter: String,
    portfolio: String,
}

/// The portfolio's index file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawIndex {
    as_of: String,
    #[serde(default)]
    description: String,
    /// The sub-funds table, relative to the index.
    subfunds: Option<String>,
    /// The direct holdings table, relative to the index.
    direct: Option<String>,
    /// The sub-funds' holdings table, relative to the index.
    subfund_holdings: Option<String>,
    #[serde(default)]
    direct_team_costs_to_date_cny_m: f64,
}

/// A row of the sub-funds table.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSubFundRow {
    key: String,
    name: String,
    #[serde(default)]
    manager: String,
    size_cny_m: f64,
    commitment_cny_m: f64,
    fund_share: f64,
    vintage: String,
    registered_in_shanghai: bool,
    called_cny_m: f64,
    distributed_cny_m: f64,
    nav_cny_m: f64,
    local_invested_cny_m: f64,
    fields: String,
    stages: String,
}

/// A row of the direct holdings table.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDirectRow {
    company: String,
    field: String,
    stage: String,
    stage_since: String,
    entry_quarter: String,
    cost_cny_m: f64,
    ownership: f64,
    #[serde(default)]
    pending_tranches_cny_m: String,
    #[serde(default)]
    pending_deadlines: String,
    last_round_quarter: String,
    last_post_money_cny_m: f64,
    status: String,
    proceeds_cny_m: Option<f64>,
    local: bool,
}

impl RawDirectRow {
    fn cells(&self) -> Cells<'_> {
        Cells {
            company: &self.company,
            field: &self.field,
            stage: &self.stage,
            stage_since: &self.stage_since,
            entry_quarter: &self.entry_quarter,
            cost_cny_m: self.cost_cny_m,
            ownership: self.ownership,
            last_round_quarter: &self.last_round_quarter,
            last_post_money_cny_m: self.last_post_money_cny_m,
            status: &self.status,
            proceeds_cny_m: self.proceeds_cny_m,
            local: self.local,
        }
    }
}

/// Reads the `[as_of]` table of the scenario file `file` and the portfolio it names, checks the
/// book against `scenario` and makes `scenario` the forecast's (module docs).
///
/// # Errors
/// [`ScenarioError`] naming the file, the row or key and what is allowed.
pub fn attach(scenario: &mut ScenarioSpec, table: Value, file: &Path) -> Result<(), ScenarioError> {
    let raw: RawAsOf = serde_path_to_error::deserialize(table).map_err(|e| ScenarioError::Parse {
        file: file.to_path_buf(),
        field: format!("as_of.{}", e.path()),
        message: e.into_inner().message().to_string(),
    })?;
    let in_scenario = |field: &str, problem: String| ScenarioError::Invalid { file: file.to_path_buf(), field: field.into(), problem };
    let quarter = as_of_quarter(scenario, &raw.quarter).map_err(|problem| in_scenario("as_of.quarter", problem))?;
    let index_path = file.parent().unwrap_or(Path::new("")).join(&raw.portfolio);
    let text = read(&index_path)?;
    let table: Table =
        text.parse().map_err(|e: toml::de::Error| ScenarioError::Parse { file: index_path.clone(), field: String::new(), message: e.to_string() })?;
    let index: RawIndex = serde_path_to_error::deserialize(table).map_err(|e| ScenarioError::Parse {
        file: index_path.clone(),
        field: e.path().to_string(),
        message: e.into_inner().message().to_string(),
    })?;
    let invalid = |file: &Path, field: String, problem: String| ScenarioError::Invalid { file: file.to_path_buf(), field, problem };
    let stated = as_of_quarter(scenario, &index.as_of).map_err(|problem| invalid(&index_path, "as_of".into(), problem))?;
    if stated != quarter {
        return Err(invalid(
            &index_path,
            "as_of".into(),
            format!("the book is as of {}, but the scenario's [as_of] quarter is {}: they must agree", index.as_of.trim(), raw.quarter.trim()),
        ));
    }
    if !(index.direct_team_costs_to_date_cny_m.is_finite() && index.direct_team_costs_to_date_cny_m >= 0.0) {
        return Err(invalid(
            &index_path,
            "direct_team_costs_to_date_cny_m".into(),
            format!("must be a finite number >= 0, got {}", index.direct_team_costs_to_date_cny_m),
        ));
    }
    let folder = index_path.parent().unwrap_or(Path::new("")).to_path_buf();
    let sub_rows: Vec<(usize, RawSubFundRow)> = match &index.subfunds {
        Some(name) => read_table(&folder.join(name))?,
        None => Vec::new(),
    };
    let direct_rows: Vec<(usize, RawDirectRow)> = match &index.direct {
        Some(name) => read_table(&folder.join(name))?,
        None => Vec::new(),
    };
    let sub_file = index.subfunds.as_ref().map(|name| folder.join(name)).unwrap_or_default();
    let direct_file = index.direct.as_ref().map(|name| folder.join(name)).unwrap_or_default();

    let plan_subfunds = scenario.subfunds.clone();
    let mut actuals: Vec<Option<SubFundActual>> = vec![None; scenario.subfunds.len()];
    let mut names = BTreeSet::new();
    for (row, raw) in sub_rows {
        let at = |column: &str| format!("line {row} ({}), {column}", raw.key);
        let bad = |column: &str, problem: String| invalid(&sub_file, at(column), problem);
        let Some(i) = scenario.subfunds.iter().position(|s| s.key == raw.key) else {
            let keys: Vec<&str> = scenario.subfunds.iter().map(|s| s.key.as_str()).collect();
            return Err(bad("key", format!("no sub-fund `{}` in the scenario; allowed: {}", raw.key, keys.join(", "))));
        };
        if actuals[i].is_some() {
            return Err(bad("key", format!("sub-fund `{}` appears twice; each sub-fund has one row", raw.key)));
        }
        if !names.insert(raw.name.trim().to_string()) {
            return Err(bad("name", format!("duplicate name {:?}: each sub-fund's name must be unique", raw.name)));
        }
        let commitment = positive(raw.commitment_cny_m).map_err(|p| bad("commitment_cny_m", p))?;
        let share = raw.fund_share;
        if !(share > 0.0 && share <= 1.0) {
            return Err(bad("fund_share", format!("must be in (0, 1], got {share}")));
        }
        let cap = if raw.registered_in_shanghai { scenario.fund.max_subfund_share } else { scenario.fund.max_subfund_share_outside_shanghai };
        if share > cap + 1e-12 {
            let rule = if raw.registered_in_shanghai { "fund.max_subfund_share" } else { "fund.max_subfund_share_outside_shanghai" };
            return Err(bad("fund_share", format!("{share} is above the fund's limit {cap} ({rule})")));
        }
        let size = positive(raw.size_cny_m).map_err(|p| bad("size_cny_m", p))?;
        let implied = commitment / share;
        if (size - implied).abs() > SIZE_TOLERANCE * implied {
            return Err(bad("size_cny_m", format!("must be commitment_cny_m / fund_share = {implied:.1} (within 1%), got {size}")));
        }
        let vintage = book_quarter(scenario, &raw.vintage).map_err(|p| bad("vintage", p))?;
        if vintage > quarter {
            return Err(bad(
                "vintage",
                format!(
                    "{} is after the as-of quarter {}; a sub-fund not yet started belongs in the scenario, not the book",
                    raw.vintage.trim(),
                    scenario.calendar.quarter(quarter)
                ),
            ));
        }
        let called = non_negative(raw.called_cny_m).map_err(|p| bad("called_cny_m", p))?;
        if called > commitment + AMOUNT_TOLERANCE {
            return Err(bad("called_cny_m", format!("{called} is more than the commitment {commitment}: called capital must be at most commitment_cny_m")));
        }
        let distributed = non_negative(raw.distributed_cny_m).map_err(|p| bad("distributed_cny_m", p))?;
        let nav = non_negative(raw.nav_cny_m).map_err(|p| bad("nav_cny_m", p))?;
        let local = non_negative(raw.local_invested_cny_m).map_err(|p| bad("local_invested_cny_m", p))?;
        let fields = list(&raw.fields)
            .map(|key| {
                scenario.fields.iter().position(|f| f.key == key).ok_or_else(|| {
                    let keys: Vec<&str> = scenario.fields.iter().map(|f| f.key.as_str()).collect();
                    bad("fields", format!("unknown field `{key}`; allowed: {}", keys.join(", ")))
                })
            })
            .collect::<Result<BTreeSet<usize>, _>>()?;
        if fields.is_empty() {
            return Err(bad("fields", "at least one field key is required (separate several with `;`)".into()));
        }
        let stages = list(&raw.stages).map(|key| stage(key).map_err(|p| bad("stages", p))).collect::<Result<BTreeSet<Stage>, _>>()?;
        if stages.is_empty() {
            return Err(bad("stages", "at least one stage is required (seed, a, b, c, growth; separate several with `;`)".into()));
        }
        let end_limit = scenario.fund.life_quarters.min(scenario.horizon());
        let spec = &mut scenario.subfunds[i];
        if vintage + spec.term_quarters > end_limit {
            return Err(bad(
                "vintage",
                format!("with the scenario's term the sub-fund would end after quarter {end_limit}, the end of the fund's life / horizon"),
            ));
        }
        spec.commitment_cny_m = commitment;
        spec.fund_share = share;
        spec.vintage = vintage;
        spec.registered_in_shanghai = raw.registered_in_shanghai;
        spec.label = raw.name.clone();
        let weight = 1.0 / fields.len() as f64;
        spec.fields = fields.into_iter().map(|f| (f, weight)).collect();
        let mut mix = [0.0; STAGE_COUNT];
        for s in &stages {
            mix[s.index()] = 1.0 / stages.len() as f64;
        }
        spec.stage_mix = mix;
        spec.extension_quarters = spec.extension_quarters.min(end_limit - vintage - spec.term_quarters);
        spec.continuation_quarters = spec.continuation_quarters.min(end_limit - vintage - spec.term_quarters - spec.extension_quarters);
        // A buy-back not exercised by the as-of quarter may be exercised from the next one.
        let buyback = &mut spec.concession.buyback;
        buyback.earliest_quarter = buyback.earliest_quarter.max(quarter + 1 - vintage);
        actuals[i] = Some(SubFundActual {
            row,
            name: raw.name,
            manager: raw.manager,
            size_cny_m: size,
            called_cny_m: called,
            distributed_cny_m: distributed,
            nav_cny_m: nav,
            local_invested_cny_m: local,
            holdings: Vec::new(),
        });
    }
    for (spec, actual) in plan_subfunds.iter().zip(&actuals) {
        if actual.is_none() && spec.vintage <= quarter {
            let where_ = if index.subfunds.is_some() { sub_file.display().to_string() } else { format!("{} (no `subfunds` table)", index_path.display()) };
            return Err(in_scenario(
                &format!("subfunds.{}", spec.key),
                format!(
                    "its vintage {} is not after the as-of quarter {}, so the book must show it: add a row with key `{}` to {where_}",
                    scenario.calendar.quarter(spec.vintage),
                    scenario.calendar.quarter(quarter),
                    spec.key
                ),
            ));
        }
    }

    if let Some(name) = &index.subfund_holdings {
        let path = folder.join(name);
        subfund_holdings::attach(scenario, quarter, read_table(&path)?, &path, &sub_file, &mut actuals)?;
    }

    let mut holdings = Vec::with_capacity(direct_rows.len());
    let mut companies = BTreeMap::new();
    for (row, raw) in direct_rows {
        let direct = direct_row(scenario, quarter, row, raw, &direct_file)?;
        if let Some(first) = companies.insert(direct.holding.company.trim().to_string(), row) {
            let at = RowAt { file: &direct_file, line: row, company: &direct.holding.company };
            return Err(at.bad("company", format!("duplicate company (also line {first}): each holding has one row")));
        }
        holdings.push(direct);
    }
    let committed: f64 = holdings.iter().map(|h| h.holding.cost_cny_m + h.pending.iter().map(|p| p.0).sum::<f64>()).sum();
    let plan = &scenario.direct;
    if committed > plan.budget_cny_m + AMOUNT_TOLERANCE {
        return Err(invalid(
            &direct_file,
            "cost_cny_m, pending_tranches_cny_m".into(),
            format!(
                "the direct holdings commit {committed:.1} (paid and pending), more than the direct budget {:.1} (fund.size_cny_m x fund.direct_share)",
                plan.budget_cny_m
            ),
        ));
    }
    let sub_total: f64 = scenario.subfunds.iter().map(|s| s.commitment_cny_m).sum();
    if sub_total + plan.budget_cny_m > scenario.fund.size_cny_m * (1.0 + 1e-9) {
        return Err(invalid(
            &sub_file,
            "commitment_cny_m".into(),
            format!(
                "sub-fund commitments {sub_total:.1} plus the direct budget {:.1} exceed the fund's size {:.1}",
                plan.budget_cny_m, scenario.fund.size_cny_m
            ),
        ));
    }
    let forecast_direct = forecast_direct(plan, quarter, committed);
    scenario.as_of = Some(Box::new(AsOf {
        quarter,
        source: index_path,
        description: index.description,
        subfunds: actuals,
        direct: holdings,
        direct_team_costs_cny_m: index.direct_team_costs_to_date_cny_m,
        plan_subfunds,
        forecast_direct,
    }));
    Ok(())
}

/// The direct sleeve after the as-of quarter: the budget not yet committed, spread over what is
/// left of the deployment window at the scenario's pace per quarter of team cost.
pub(crate) fn forecast_direct(plan: &DirectSpec, as_of: usize, committed: f64) -> DirectSpec {
    let mut spec = plan.clone();
    if plan.first_quarter > as_of && committed == 0.0 {
        return spec;
    }
    let end = plan.first_quarter + plan.deploy_quarters;
    let first = plan.first_quarter.max(as_of + 1);
    let left = (plan.budget_cny_m - committed).max(0.0);
    spec.first_quarter = first;
    spec.deploy_quarters = end.saturating_sub(first).max(1);
    spec.budget_cny_m = if end > first { left } else { 0.0 };
    if spec.budget_cny_m > 0.0 {
        // The team costs what the plan says a quarter while it deploys, not a share of what is left.
        spec.team_cost_per_quarter *= plan.budget_cny_m / spec.budget_cny_m;
    } else {
        spec.team_cost_per_quarter = 0.0;
    }
    spec
}

fn direct_row(scenario: &ScenarioSpec, as_of: usize, row: usize, raw: RawDirectRow, file: &Path) -> Result<DirectHolding, ScenarioError> {
    let at = RowAt { file, line: row, company: &raw.company };
    let bad = |column: &str, problem: String| at.bad(column, problem);
    let holding = holding::check(scenario, as_of, &raw.cells(), at)?;
    let amounts: Vec<&str> = list(&raw.pending_tranches_cny_m).collect();
    let deadlines: Vec<&str> = list(&raw.pending_deadlines).collect();
    if amounts.len() != deadlines.len() {
        return Err(bad("pending_deadlines", format!("one deadline per pending tranche: {} tranches, {} deadlines", amounts.len(), deadlines.len())));
    }
    let mut pending = Vec::with_capacity(amounts.len());
    for (amount, deadline) in amounts.into_iter().zip(deadlines) {
        let amount: f64 = amount.parse().map_err(|_| bad("pending_tranches_cny_m", format!("expected amounts separated by `;`, got {amount:?}")))?;
        let amount = positive(amount).map_err(|p| bad("pending_tranches_cny_m", p))?;
        let q = book_quarter(scenario, deadline).map_err(|p| bad("pending_deadlines", p))?;
        if q <= as_of {
            return Err(bad(
                "pending_deadlines",
                format!(
                    "{deadline} is not after the as-of quarter: a tranche whose milestone was met is paid (add it to cost_cny_m), one whose deadline passed has lapsed (remove it)"
                ),
            ));
        }
        if pending.last().is_some_and(|&(_, last)| q < last) {
            return Err(bad("pending_deadlines", "deadlines must be in order, earliest first".into()));
        }
        pending.push((amount, q));
    }
    if holding.status != HoldingStatus::Held && !pending.is_empty() {
        return Err(bad("pending_tranches_cny_m", "a holding that exited or failed has no pending tranches (they lapsed)".into()));
    }
    Ok(DirectHolding { holding, pending })
}

/// The as-of quarter's index: within the calendar and the fund's life.
fn as_of_quarter(scenario: &ScenarioSpec, label: &str) -> Result<usize, String> {
    let q: Quarter = label.parse().map_err(|e: crate::calendar::QuarterParseError| e.to_string())?;
    let calendar = &scenario.calendar;
    let last = scenario.fund.life_quarters.min(scenario.horizon()).saturating_sub(1);
    match calendar.index_of(q) {
        Some(t) if t <= last => Ok(t),
        _ => Err(format!("{q} is outside the fund's life: allowed {} to {}", calendar.quarter(0), calendar.quarter(last))),
    }
}

/// A quarter of the book: within the calendar.
fn book_quarter(scenario: &ScenarioSpec, label: &str) -> Result<usize, String> {
    let q: Quarter = label.parse().map_err(|e: crate::calendar::QuarterParseError| e.to_string())?;
    let calendar = &scenario.calendar;
    calendar.index_of(q).ok_or_else(|| format!("{q} is outside the calendar, {} to {}", calendar.quarter(0), calendar.quarter(scenario.horizon())))
}

fn stage(key: &str) -> Result<Stage, String> {
    Stage::ALL.into_iter().find(|s| s.key() == key).ok_or_else(|| format!("unknown stage `{key}`; allowed: seed, a, b, c, growth"))
}

/// The items of a `;`-separated cell, trimmed, empty ones dropped.
fn list(cell: &str) -> impl Iterator<Item = &str> {
    cell.split(';').map(str::trim).filter(|s| !s.is_empty())
}

fn positive(x: f64) -> Result<f64, String> {
    if x.is_finite() && x > 0.0 { Ok(x) } else { Err(format!("must be a finite number > 0, got {x}")) }
}

fn non_negative(x: f64) -> Result<f64, String> {
    if x.is_finite() && x >= 0.0 { Ok(x) } else { Err(format!("must be a finite number >= 0, got {x}")) }
}

fn read(path: &Path) -> Result<String, ScenarioError> {
    super::file::read_bounded(path).map_err(|source| ScenarioError::Io { file: path.to_path_buf(), source })
}

/// The rows of a CSV table with a header row, each with the line it is on in the file.
fn read_table<T: for<'de> Deserialize<'de>>(path: &Path) -> Result<Vec<(usize, T)>, ScenarioError> {
    let text = read(path)?;
    let invalid = |field: String, problem: String| ScenarioError::Invalid { file: path.to_path_buf(), field, problem };
    let mut reader = csv::ReaderBuilder::new().trim(csv::Trim::All).comment(Some(b'#')).from_reader(text.as_bytes());
    let headers = reader.headers().map_err(|e| invalid("header".into(), e.to_string()))?.clone();
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| {
            let line = e.position().map(|p| format!("line {}", p.line())).unwrap_or_default();
            invalid(line, e.to_string())
        })?;
        let line = record.position().map_or(0, |p| p.line() as usize);
        let value = record.deserialize(Some(&headers)).map_err(|e| {
            let column = match e.kind() {
                csv::ErrorKind::Deserialize { err, .. } => {
                    err.field().and_then(|f| headers.get(f as usize)).map(|name| format!(", {name}")).unwrap_or_default()
                }
                _ => String::new(),
            };
            let message = match e.kind() {
                csv::ErrorKind::Deserialize { err, .. } => err.kind().to_string(),
                _ => e.to_string(),
            };
            invalid(format!("line {line}{column}"), message)
        })?;
        rows.push((line, value));
    }
    Ok(rows)
}

#[cfg(test)]
mod tests;
