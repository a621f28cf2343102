//! Writing a report to files, one small module per format:
//!
//! * `summary.json` ([`summary_json`]): the whole [`Report`](super::Report), pretty-printed; NaN
//!   (a statistic that does not exist) is written as `null` and read back as NaN.
//! * `paths.csv` ([`paths_csv`]): one row per path, streamed chunk by chunk as the engine
//!   finishes them (a [`PathSink`](crate::engine::PathSink)), never held in memory.
//! * `quarterly.csv` ([`quarterly_csv`]): the quarterly fans in long format.
//! * `compare.csv`, `sensitivity.csv`, `frontier.csv` ([`compare_csv`], [`sensitivity_csv`],
//!   [`frontier_csv`]): the decision commands' results, one row per measure, shock or allocation.
//!
//! * `report.xlsx` ([`workbook`]) and `report.html` ([`html`]): every command's results for
//!   analysts, both rendered from one [`Document`](super::document::Document).
//!
//! Every file is written atomically ([`crate::output`]). The CSV files start with their header
//! line, so any CSV reader (pandas, R, Excel) takes them as they are; their provenance (scenario,
//! seed, paths, version) is the `provenance` of `summary.json` beside them. A value that does not
//! exist on a path (NaN) is an empty field. Numbers are printed in shortest round-trip form, so
//! the same run gives byte-identical files.

pub mod compare_csv;
pub mod frontier_csv;
pub mod html;
pub mod pace_csv;
pub mod paths_csv;
pub mod quarterly_csv;
pub mod sensitivity_csv;
pub mod summary_json;
pub mod workbook;

use std::path::PathBuf;

use crate::output::OutputError;

pub use paths_csv::PathsCsv;
pub use quarterly_csv::write_quarterly_csv;
pub use summary_json::{read_summary_json, write_summary_json};

/// The report, as JSON (also what `fifsim chart` looks for in a results folder).
pub const SUMMARY_JSON: &str = "summary.json";
/// One row per path.
pub const PATHS_CSV: &str = "paths.csv";
/// Quarterly fans, long format.
pub const QUARTERLY_CSV: &str = "quarterly.csv";

/// Why a report could not be written or read back; every message names the file.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error(transparent)]
    Output(#[from] OutputError),
    #[error("{}: cannot write CSV: {source}", .path.display())]
    Csv { path: PathBuf, source: csv::Error },
    #[error("{}: cannot write JSON: {source}", .path.display())]
    WriteJson { path: PathBuf, source: serde_json::Error },
    #[error("{}: cannot make the workbook: {source}", .path.display())]
    Workbook { path: PathBuf, source: rust_xlsxwriter::XlsxError },
    #[error("{}: not a fifsim results file: {source}", .path.display())]
    ReadJson { path: PathBuf, source: serde_json::Error },
}

/// A number as a CSV field: shortest round-trip decimal, empty for NaN.
pub fn csv_number(x: f64) -> String {
    if x.is_nan() { String::new() } else { x.to_string() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers() {
        assert_eq!(csv_number(f64::NAN), "");
        assert_eq!(csv_number(0.1), "0.1");
        assert_eq!(csv_number(-2.0), "-2");
    }
}
