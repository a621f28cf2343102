//! The sub-funds' own holdings, optionally listed in the book (`subfund_holdings.csv`,
//! docs/portfolio.md): checked row by row as direct holdings are ([`super::holding`]), then
//! against each sub-fund's row. A sub-fund that lists holdings lists all of them, so its NAV is
//! its held holdings' marks: these must be within [`MARK_TOLERANCE`] of it, and their ownerships
//! are then scaled so that they equal it exactly.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;

use super::holding::{self, Cells, HoldingStatus, RowAt};
use super::{AMOUNT_TOLERANCE, ScenarioError, ScenarioSpec, SubFundActual};
use crate::scenario::SubFundSpec;

/// How far the listed holdings' marks may differ from the sub-fund's NAV (a share of the NAV)
/// before the book is refused: within it, the difference is rounding or marks a few weeks apart.
const MARK_TOLERANCE: f64 = 0.05;

/// A row of the sub-funds' holdings table. Amounts are the whole sub-fund's, all LPs.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawRow {
    subfund: String,
    company: String,
    field: String,
    stage: String,
    stage_since: String,
    entry_quarter: String,
    cost_cny_m: f64,
    ownership: f64,
    last_round_quarter: String,
    last_post_money_cny_m: f64,
    status: String,
    proceeds_cny_m: Option<f64>,
    /// A Shanghai company; an empty cell or no column is `false`.
    #[serde(default)]
    local: Option<bool>,
}

impl RawRow {
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
            local: self.local.unwrap_or(false),
        }
    }
}

/// Checks the rows of `file` and gives each sub-fund in `actuals` (the scenario's order, the
/// book's rows of `sub_file`) its holdings, ownerships scaled to its NAV.
///
/// # Errors
/// [`ScenarioError`] naming the file, the row (company) or sub-fund, the column and what is
/// allowed.
pub(super) fn attach(
    scenario: &ScenarioSpec,
    as_of: usize,
    rows: Vec<(usize, RawRow)>,
    file: &Path,
    sub_file: &Path,
    actuals: &mut [Option<SubFundActual>],
) -> Result<(), ScenarioError> {
    let mut companies = BTreeMap::new();
    for (line, raw) in rows {
        let at = RowAt { file, line, company: &raw.company };
        let key = raw.subfund.trim();
        let Some(i) = scenario.subfunds.iter().position(|s| s.key == key) else {
            let keys: Vec<&str> = scenario.subfunds.iter().map(|s| s.key.as_str()).collect();
            return Err(at.bad("subfund", format!("no sub-fund `{key}` in the scenario; allowed: {}", keys.join(", "))));
        };
        let Some(actual) = actuals[i].as_mut() else {
            let table = if sub_file.as_os_str().is_empty() { "the book (it has no `subfunds` table)".to_string() } else { sub_file.display().to_string() };
            return Err(at.bad("subfund", format!("sub-fund `{key}` has no row in {table}: a sub-fund's holdings need its row (called, distributed, NAV)")));
        };
        let holding = holding::check(scenario, as_of, &raw.cells(), at)?;
        let spec = &scenario.subfunds[i];
        if holding.entry_quarter < spec.vintage {
            return Err(at.bad(
                "entry_quarter",
                format!("{} is before the sub-fund's vintage {}: it invests from its first close", raw.entry_quarter.trim(), scenario.calendar.quarter(spec.vintage)),
            ));
        }
        if let Some(first) = companies.insert((i, holding.company.trim().to_string()), line) {
            return Err(at.bad("company", format!("duplicate company in sub-fund `{key}` (also line {first}): each holding has one row")));
        }
        actual.holdings.push(holding);
    }
    for (spec, actual) in scenario.subfunds.iter().zip(actuals.iter_mut()) {
        if let Some(actual) = actual.as_mut().filter(|a| !a.holdings.is_empty()) {
            reconcile(spec, actual, file, sub_file)?;
        }
    }
    Ok(())
}

/// Checks a sub-fund's listed holdings against its row (the fund's side over its share is the
/// whole sub-fund's) and scales their ownerships so that their marks are its NAV.
fn reconcile(spec: &SubFundSpec, actual: &mut SubFundActual, file: &Path, sub_file: &Path) -> Result<(), ScenarioError> {
    let share = spec.fund_share;
    let bad = |column: &str, problem: String| ScenarioError::Invalid { file: file.to_path_buf(), field: format!("sub-fund {}, {column}", spec.key), problem };
    let row = format!("line {} of {}", actual.row, sub_file.display());
    let cost: f64 = actual.holdings.iter().map(|h| h.cost_cny_m).sum();
    let called = actual.called_cny_m / share;
    if cost > called + AMOUNT_TOLERANCE {
        return Err(bad(
            "cost_cny_m",
            format!(
                "the listed holdings cost {cost:.1} in all, more than the sub-fund has called, {called:.1} (called_cny_m / fund_share, {row}): a sub-fund invests what it calls"
            ),
        ));
    }
    // What the LPs have not received of the exits' proceeds went to the GP as carry (at most
    // `carry` of them) or is still in the sub-fund, part of its NAV.
    let proceeds: f64 = actual.holdings.iter().map(|h| h.proceeds()).sum();
    let (distributed, nav) = (actual.distributed_cny_m / share, actual.nav_cny_m / share);
    if proceeds * (1.0 - spec.carry) > distributed + nav + AMOUNT_TOLERANCE {
        return Err(bad(
            "proceeds_cny_m",
            format!(
                "the exited holdings returned {proceeds:.1}, of which the LPs' part after carry ({:.1}) is more than the sub-fund's distributions and NAV, {:.1} ((distributed_cny_m + nav_cny_m) / fund_share, {row}): proceeds x (1 - carry) must be at most that",
                proceeds * (1.0 - spec.carry),
                distributed + nav
            ),
        ));
    }
    let local: f64 = actual.holdings.iter().filter(|h| h.local).map(|h| h.cost_cny_m).sum();
    if local > actual.local_invested_cny_m + AMOUNT_TOLERANCE {
        return Err(bad(
            "local",
            format!(
                "the local holdings cost {local:.1}, more than the sub-fund's local investment to date, {:.1} (local_invested_cny_m, {row}), which counts them",
                actual.local_invested_cny_m
            ),
        ));
    }
    let marks: f64 = actual.holdings.iter().map(|h| h.mark()).sum();
    if (marks - nav).abs() > MARK_TOLERANCE * nav {
        return Err(bad(
            "ownership, last_post_money_cny_m",
            format!(
                "the held holdings are marked at {marks:.1} (ownership x last_post_money_cny_m), but the sub-fund's NAV is {nav:.1} (nav_cny_m / fund_share, {row}): they must agree within {:.0}%; a sub-fund that lists holdings lists all it holds",
                MARK_TOLERANCE * 100.0
            ),
        ));
    }
    if marks > 0.0 {
        let scale = nav / marks;
        for holding in actual.holdings.iter_mut().filter(|h| h.status == HoldingStatus::Held) {
            holding.ownership *= scale;
            if holding.ownership > 1.0 {
                let at = RowAt { file, line: holding.row, company: &holding.company };
                return Err(at.bad("ownership", format!("scaled by {scale:.4} so that the marks are the sub-fund's NAV, it would be {:.4}, more than 1", holding.ownership)));
            }
        }
    }
    Ok(())
}
