//! `fifsim validate`: load and check scenario files, without simulating.

use std::path::Path;

use crate::scenario::{self, Scenario, ScenarioError};

/// One line about a valid scenario: `base: 11 fields, 18 sub-funds, horizon 15 years (2024Q3–2039Q3)`.
pub fn describe(scenario: &Scenario) -> String {
    let calendar = &scenario.calendar;
    let quarters = calendar.horizon_quarters;
    let years = if quarters.is_multiple_of(4) { format!("{} years", quarters / 4) } else { format!("{} years", quarters as f64 / 4.0) };
    format!(
        "{}: {} fields, {} sub-funds, horizon {years} ({}–{})",
        scenario.name,
        scenario.fields.len(),
        scenario.subfunds.len(),
        calendar.start,
        calendar.quarter(quarters)
    )
}

/// Checks the scenario file at `path`; on success, its [`describe`] line.
///
/// # Errors
/// The [`ScenarioError`] naming the file, the field and what is allowed.
pub fn validate(path: &Path) -> Result<String, ScenarioError> {
    scenario::load(path).map(|s| describe(&s))
}

#[cfg(test)]
mod fuzz;
