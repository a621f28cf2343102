//! `fifsim calibrate`: how close the company model comes to its calibration targets
//! (CALIBRATION.md §2), as a table or JSON.
//!
//! Targets: Correlation Ventures (2014), shares of ~21,000 US venture financings (2004–2013) by
//! realised gross multiple, 65 / 25 / 6 / 4 % for < 1×, 1–5×, 5–10×, ≥ 10×; by invested dollars
//! only the < 1× share is published (51 %, Correlation Ventures 2019 update; 37 % in the 2023
//! update), and the ≥ 10× share is below 4 %. Time to list: about 10 years from founding for
//! ChiNext listings (Shenzhen Stock Exchange statistics).

use std::fmt::Write as _;
use std::path::Path;

use serde::Serialize;

use super::AppError;
use crate::calibration::{Calibration, TARGET_COUNT_SHARES, financing_outcomes};
use crate::scenario::Scenario;

/// Default number of simulated companies (the standard error of a 4 % bucket share is then
/// about 0.1 percentage point).
pub const DEFAULT_COMPANIES: usize = 40_000;

/// Correlation Ventures (2019 update): share of invested dollars returning < 1×.
pub const TARGET_DOLLAR_SHARE_BELOW_ONE: f64 = 0.51;

/// Bucket labels, in the order of [`Calibration::count_shares`].
pub const BUCKETS: [&str; 4] = ["< 1×", "1–5×", "5–10×", "≥ 10×"];

/// The model's figures with the published targets beside them.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CalibrationReport {
    pub scenario: String,
    pub seed: u64,
    pub model: Calibration,
    pub target_count_shares: [f64; 4],
    pub target_dollar_share_below_one: f64,
}

/// Runs the calibration check for `scenario`.
///
/// # Errors
/// [`AppError::Calibration`] if a company law cannot be built (a defect: validated scenarios
/// never produce one).
pub fn calibrate(scenario: &Scenario, seed: u64, companies: usize) -> Result<CalibrationReport, AppError> {
    let model = financing_outcomes(scenario, seed, companies)
        .map_err(|source| AppError::Calibration { file: scenario.source.clone(), source })?;
    Ok(CalibrationReport {
        scenario: scenario.name.clone(),
        seed,
        model,
        target_count_shares: TARGET_COUNT_SHARES,
        target_dollar_share_below_one: TARGET_DOLLAR_SHARE_BELOW_ONE,
    })
}

/// The calibration as a plain-text table.
pub fn render(report: &CalibrationReport, file: &Path) -> String {
    let c = &report.model;
    let pct = |x: f64| if x.is_finite() { format!("{:.1}%", 100.0 * x) } else { "–".to_string() };
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Calibration of {} ({}), seed {}: {} companies (half from seed, half from Series A), {} realised financings",
        report.scenario,
        file.display(),
        report.seed,
        c.companies,
        c.realised_financings
    );
    let _ = writeln!(out, "\nFinancings by realised gross multiple (CALIBRATION.md §2)");
    let _ = writeln!(out, "  {:<10}{:>12}{:>12}{:>10}{:>14}{:>12}", "multiple", "by count", "target", "gap", "by dollars", "target");
    for (k, bucket) in BUCKETS.iter().enumerate() {
        let target = report.target_count_shares[k];
        let gap = format!("{:+.1}", 100.0 * (c.count_shares[k] - target));
        let dollar_target = if k == 0 { pct(report.target_dollar_share_below_one) } else if k == 3 { "< 4%".to_string() } else { "–".to_string() };
        let _ = writeln!(
            out,
            "  {:<10}{:>12}{:>12}{:>10}{:>14}{:>12}",
            bucket,
            pct(c.count_shares[k]),
            pct(target),
            gap,
            pct(c.dollar_shares[k]),
            dollar_target
        );
    }
    let _ = writeln!(out, "  Targets: Correlation Ventures 2014 (by count); 2019 update (by dollars; 2023 update: 37% < 1×).");
    let _ = writeln!(out, "\nOutcomes of the companies by the horizon");
    for (label, share) in [("IPO", c.ipo_share), ("acquired", c.acquired_share), ("failed", c.failed_share), ("still private", c.alive_share)] {
        let _ = writeln!(out, "  {label:<16}{:>8}", pct(share));
    }
    let years = if c.median_years_to_ipo.is_finite() { format!("{:.1}", c.median_years_to_ipo) } else { "–".to_string() };
    let _ = writeln!(out, "  Median years from first round to IPO: {years} (reference: ~10 years from founding, ChiNext listings)");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_lists_every_bucket_and_outcome() {
        let report = calibrate(&crate::testing::base(), 1, 500).unwrap();
        let text = render(&report, Path::new("scenarios/base.toml"));
        for word in BUCKETS.iter().chain(&["IPO", "acquired", "failed", "still private", "65.0%", "51.0%"]) {
            assert!(text.contains(word), "{word} missing:\n{text}");
        }
        let json = serde_json::to_string(&report).unwrap();
        assert!(json.contains("\"count_shares\"") && json.contains("\"target_count_shares\":[0.65,0.25,0.06,0.04]"));
    }
}
