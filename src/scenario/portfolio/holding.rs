//! One company stake as the book records it, a row of `direct.csv` or of
//! `subfund_holdings.csv` (docs/portfolio.md): the columns the two tables share and their checks,
//! in one place.

use std::path::Path;

use super::{ScenarioError, ScenarioSpec, book_quarter, non_negative, positive, stage};
use crate::scenario::Stage;

/// Where a holding stands at the as-of quarter.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum HoldingStatus {
    Held,
    /// Sold or listed by the as-of quarter, for these proceeds to its holder.
    Exited {
        proceeds_cny_m: f64,
    },
    /// Written off by the as-of quarter.
    Failed,
}

/// One company stake at the as-of quarter: the fund's (a direct holding) or a whole sub-fund's.
#[derive(Debug, Clone, PartialEq)]
pub struct Holding {
    /// Its line in its table.
    pub row: usize,
    pub company: String,
    /// Index into [`ScenarioSpec::fields`].
    pub field: usize,
    /// Stage now, and the quarter it entered it.
    pub stage: Stage,
    pub stage_since: usize,
    pub entry_quarter: usize,
    /// Paid to date.
    pub cost_cny_m: f64,
    pub ownership: f64,
    pub last_round_quarter: usize,
    pub last_post_money_cny_m: f64,
    pub status: HoldingStatus,
    /// A Shanghai company (返投).
    pub local: bool,
}

impl Holding {
    /// The holding's mark at the as-of quarter: ownership × last post-money while held.
    pub fn mark(&self) -> f64 {
        if self.status == HoldingStatus::Held { self.ownership * self.last_post_money_cny_m } else { 0.0 }
    }

    /// Proceeds received to date.
    pub fn proceeds(&self) -> f64 {
        match self.status {
            HoldingStatus::Exited { proceeds_cny_m } => proceeds_cny_m,
            _ => 0.0,
        }
    }
}

/// The shared columns of a holding row, as read.
pub(super) struct Cells<'a> {
    pub company: &'a str,
    pub field: &'a str,
    pub stage: &'a str,
    pub stage_since: &'a str,
    pub entry_quarter: &'a str,
    pub cost_cny_m: f64,
    pub ownership: f64,
    pub last_round_quarter: &'a str,
    pub last_post_money_cny_m: f64,
    pub status: &'a str,
    pub proceeds_cny_m: Option<f64>,
    pub local: bool,
}

/// A row of a holdings table, for its errors: `file: line N (company), column: problem`.
#[derive(Debug, Clone, Copy)]
pub(super) struct RowAt<'a> {
    pub file: &'a Path,
    pub line: usize,
    pub company: &'a str,
}

impl RowAt<'_> {
    pub fn bad(&self, column: &str, problem: String) -> ScenarioError {
        ScenarioError::Invalid { file: self.file.to_path_buf(), field: format!("line {} ({}), {column}", self.line, self.company), problem }
    }
}

/// Checks a holding row's shared columns against `scenario` at the as-of quarter `as_of`: a
/// named company in a known field and stage, quarters in the calendar and not after the as-of
/// quarter, entered no later than it reached its stage and last raised, a last round not before
/// it reached its stage, amounts not negative, an ownership in (0, 1], proceeds for an exit only.
pub(super) fn check(scenario: &ScenarioSpec, as_of: usize, cells: &Cells<'_>, at: RowAt<'_>) -> Result<Holding, ScenarioError> {
    let bad = |column: &str, problem: String| at.bad(column, problem);
    if cells.company.trim().is_empty() {
        return Err(bad("company", "must name the company".into()));
    }
    let field = scenario.fields.iter().position(|f| f.key == cells.field.trim()).ok_or_else(|| {
        let keys: Vec<&str> = scenario.fields.iter().map(|f| f.key.as_str()).collect();
        bad("field", format!("unknown field `{}`; allowed: {}", cells.field.trim(), keys.join(", ")))
    })?;
    let stage_now = stage(cells.stage.trim()).map_err(|p| bad("stage", p))?;
    let at_most_as_of = |column: &str, label: &str| -> Result<usize, ScenarioError> {
        let q = book_quarter(scenario, label).map_err(|p| bad(column, p))?;
        if q > as_of {
            return Err(bad(column, format!("{} is after the as-of quarter {}: the book records the past", label.trim(), scenario.calendar.quarter(as_of))));
        }
        Ok(q)
    };
    let entry_quarter = at_most_as_of("entry_quarter", cells.entry_quarter)?;
    let stage_since = at_most_as_of("stage_since", cells.stage_since)?;
    let last_round_quarter = at_most_as_of("last_round_quarter", cells.last_round_quarter)?;
    if stage_since < entry_quarter || last_round_quarter < entry_quarter {
        return Err(bad("stage_since", "stage_since and last_round_quarter must not be before entry_quarter".into()));
    }
    if last_round_quarter < stage_since {
        return Err(bad(
            "last_round_quarter",
            format!(
                "{} is before stage_since {}: a company reaches its stage at a round, so its last round is not earlier",
                cells.last_round_quarter.trim(),
                cells.stage_since.trim()
            ),
        ));
    }
    let cost = non_negative(cells.cost_cny_m).map_err(|p| bad("cost_cny_m", p))?;
    if !(cells.ownership > 0.0 && cells.ownership <= 1.0) {
        return Err(bad("ownership", format!("must be a share in (0, 1], got {}", cells.ownership)));
    }
    let post = positive(cells.last_post_money_cny_m).map_err(|p| bad("last_post_money_cny_m", p))?;
    let status = match (cells.status.trim(), cells.proceeds_cny_m) {
        ("held", None) => HoldingStatus::Held,
        ("exited", Some(p)) => HoldingStatus::Exited { proceeds_cny_m: non_negative(p).map_err(|e| bad("proceeds_cny_m", e))? },
        ("failed", None) => HoldingStatus::Failed,
        ("exited", None) => return Err(bad("proceeds_cny_m", "an exited holding must record its proceeds".into())),
        ("held" | "failed", Some(_)) => return Err(bad("proceeds_cny_m", "only an exited holding has proceeds; leave the cell empty".into())),
        (other, _) => return Err(bad("status", format!("unknown status {other:?}; allowed: held, exited, failed"))),
    };
    Ok(Holding {
        row: at.line,
        company: cells.company.to_string(),
        field,
        stage: stage_now,
        stage_since,
        entry_quarter,
        cost_cny_m: cost,
        ownership: cells.ownership,
        last_round_quarter,
        last_post_money_cny_m: post,
        status,
        local: cells.local,
    })
}
