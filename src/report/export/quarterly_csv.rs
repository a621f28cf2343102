//! `quarterly.csv`: the quarterly fans of a report in long format, one row per series and
//! quarter, under the header `series,quarter_index,quarter,p5,p25,p50,p75,p95`; the fund's cash
//! balance and cumulative shortfall (`cash_…` series) follow when the scenario has a funding plan.

use std::path::{Path, PathBuf};

use super::{ExportError, QUARTERLY_CSV, csv_number};
use crate::output::AtomicFile;
use crate::report::Report;

/// Writes the fans of `report` as `dir/quarterly.csv`; returns the file's path.
///
/// # Errors
/// [`ExportError`] naming the file.
pub fn write_quarterly_csv(report: &Report, dir: &Path) -> Result<PathBuf, ExportError> {
    let path = dir.join(QUARTERLY_CSV);
    let csv_error = |source| ExportError::Csv { path: path.clone(), source };
    let mut writer = csv::Writer::from_writer(AtomicFile::create(&path)?);
    let probabilities = report.fans.first().map(|f| f.probabilities.clone()).unwrap_or_default();
    let mut header = vec!["series".to_string(), "quarter_index".to_string(), "quarter".to_string()];
    header.extend(probabilities.iter().map(|p| format!("p{}", (p * 100.0).round())));
    writer.write_record(&header).map_err(csv_error)?;
    // The cash account's fans, for a scenario with a funding plan, come after the others, so the
    // rows of a run without one are unchanged.
    let cash_fans = report.liquidity.iter().flat_map(|l| &l.fans);
    for fan in report.fans.iter().chain(cash_fans) {
        for (t, quarter) in fan.quarters.iter().enumerate() {
            let mut record = vec![fan.key.clone(), t.to_string(), quarter.clone()];
            record.extend(fan.values.iter().map(|row| csv_number(row.get(t).copied().unwrap_or(f64::NAN))));
            writer.write_record(&record).map_err(csv_error)?;
        }
    }
    let file = writer.into_inner().map_err(|e| ExportError::Csv { path: path.clone(), source: e.into_error().into() })?;
    file.commit()?;
    Ok(path)
}
