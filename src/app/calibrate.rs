//! `fifsim calibrate`: the model's report card ([`crate::calibration`]) as tables or JSON.

use std::fmt::Write as _;
use std::path::Path;

use super::AppError;
use crate::calibration::targets::Goal;
use crate::calibration::{Card, Check, Table, report_card};
use crate::metrics::path::Unit;
use crate::scenario::Scenario;

/// Default simulated companies for each of the financing sample and the seed cohort (the
/// standard error of a 4% share is then about 0.1 percentage point).
pub const DEFAULT_COMPANIES: usize = 40_000;

/// Default fund paths (each holds ~80 direct and ~1,000 sub-fund positions and 18 sub-funds).
pub const DEFAULT_PATHS: u64 = 4_000;

/// Builds the report card of `scenario`.
///
/// # Errors
/// [`AppError::Calibration`] if a company law cannot be built (a defect: validated scenarios
/// never produce one).
pub fn calibrate(scenario: &Scenario, seed: u64, paths: u64, companies: usize) -> Result<Card, AppError> {
    report_card(scenario, seed, paths, companies).map_err(|source| AppError::Calibration { file: scenario.source.clone(), source })
}

/// `x` in `unit` with `decimals` decimals (of a percentage for shares and rates).
fn show_with(x: f64, unit: Unit, decimals: usize) -> String {
    if !x.is_finite() {
        return "–".to_string();
    }
    match unit {
        Unit::Share | Unit::Rate => format!("{:.*}%", decimals, 100.0 * x),
        _ => format!("{x:.*}×", decimals + 1),
    }
}

/// A value or target: two decimals of a percentage, three of a multiple.
fn show(x: f64, unit: Unit) -> String {
    show_with(x, unit, 2)
}

fn goal_text(goal: &Goal, unit: Unit) -> String {
    match *goal {
        Goal::Near { value, .. } => format!("≈ {}", show(value, unit)),
        Goal::Between { low, high } => format!("{}–{}", show(low, unit), show(high, unit)),
        Goal::AtLeast { bound } => format!("≥ {}", show(bound, unit)),
        Goal::AtMost { bound } => format!("≤ {}", show(bound, unit)),
    }
}

fn row(out: &mut String, c: &Check) {
    let (target, tolerance, result) = match (&c.target, c.tolerance, c.pass) {
        (Some(goal), Some(tolerance), Some(pass)) => {
            let mark = if c.claimed { "*" } else { "" };
            (goal_text(goal, c.unit), format!("± {}", show(tolerance, c.unit)), format!("{}{mark}", if pass { "pass" } else { "fail" }))
        }
        _ => (String::new(), String::new(), String::new()),
    };
    let _ = writeln!(
        out,
        "  {:<44}{:>10} ±{:>8}  {:>14}{:>12}  {:<6} {}",
        c.label,
        show(c.model, c.unit),
        // Standard errors of the small tail shares are hundredths of a percent.
        show_with(c.std_error, c.unit, 3),
        target,
        tolerance,
        result,
        c.source.unwrap_or("")
    );
}

/// The card as plain-text tables, one per level.
pub fn render(card: &Card, file: &Path) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Report card of {} ({}), seed {}: {} fund paths; {} companies for financings and {} for the seed cohort",
        card.scenario,
        file.display(),
        card.seed,
        card.paths,
        card.companies,
        card.companies
    );
    let _ = writeln!(out, "model ± its standard error; tolerance = the target's own plus 2 standard errors; * = claimed by base");
    for table in Table::ALL {
        let _ = writeln!(out, "\n{}", table.title());
        let _ = writeln!(out, "  {:<44}{:>10}  {:>8}  {:>14}{:>12}  {:<6} source", "", "model", "SE", "target", "tolerance", "result");
        for check in card.checks.iter().filter(|c| c.table == table) {
            row(&mut out, check);
        }
    }
    let with_target = card.checks.iter().filter(|c| c.pass.is_some()).count();
    let passed = card.checks.iter().filter(|c| c.pass == Some(true)).count();
    let claimed_failing: Vec<&str> = card.failures().filter(|c| c.claimed).map(|c| c.key.as_str()).collect();
    let _ = writeln!(out, "\n{passed} of {with_target} targets pass.");
    if !claimed_failing.is_empty() {
        let _ = writeln!(out, "Claimed targets that fail: {}", claimed_failing.join(", "));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_table_and_row_is_rendered() {
        let card = calibrate(&crate::testing::base(), 1, 20, 500).unwrap();
        let text = render(&card, Path::new("scenarios/base.toml"));
        for table in Table::ALL {
            assert!(text.contains(table.title()), "{table:?} missing:\n{text}");
        }
        for check in &card.checks {
            assert!(text.contains(&check.label), "{} missing:\n{text}", check.label);
        }
        for word in ["≈ 65.00%", "1.500×–2.000×", "Correlation Ventures 2014", "targets pass"] {
            assert!(text.contains(word), "{word} missing:\n{text}");
        }
    }
}
