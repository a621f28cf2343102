//! Writing a report to files, one small module per format:
//!
//! * `summary.json` ([`summary_json`]): the whole [`Report`](super::Report), pretty-printed; NaN
//!   (a statistic that does not exist) is written as `null` and read back as NaN.
//! * `paths.csv` ([`paths_csv`]): one row per path, streamed chunk by chunk as the engine
//!   finishes them (a [`PathSink`](crate::engine::PathSink)), never held in memory.
//! * `quarterly.csv` ([`quarterly_csv`]): the quarterly fans in long format.
//!
//! Every file is written atomically ([`crate::output`]). The CSV files open with a provenance
//! comment, `# fifsim 0.1.0 scenario=base seed=20250926 paths=10000`, then a header line; a
//! value that does not exist on a path (NaN) is an empty field. Numbers are printed in
//! shortest round-trip form, so the same run gives byte-identical files.

pub mod paths_csv;
pub mod quarterly_csv;
pub mod summary_json;

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
    #[error("{}: not a fifsim summary: {source}", .path.display())]
    ReadJson { path: PathBuf, source: serde_json::Error },
}

/// The provenance comment that opens every CSV file (without the line break).
pub fn provenance_line(scenario: &str, seed: u64, paths: u64) -> String {
    format!("# {} {} scenario={scenario} seed={seed} paths={paths}", env!("CARGO_PKG_NAME"), env!("CARGO_PKG_VERSION"))
}

/// A number as a CSV field: shortest round-trip decimal, empty for NaN.
pub fn csv_number(x: f64) -> String {
    if x.is_nan() { String::new() } else { x.to_string() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_provenance() {
        assert_eq!(csv_number(f64::NAN), "");
        assert_eq!(csv_number(0.1), "0.1");
        assert_eq!(csv_number(-2.0), "-2");
        assert_eq!(provenance_line("base", 7, 300), format!("# fifsim {} scenario=base seed=7 paths=300", env!("CARGO_PKG_VERSION")));
    }
}
