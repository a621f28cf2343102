//! `summary.json`: the [`Report`] serialised, pretty-printed, and read back by `fifsim chart`.
//!
//! JSON has no NaN, so serde_json writes NaN as `null`; the report's float fields that can be
//! NaN read `null` back as NaN (`crate::stats::nan`), so a report survives the round trip.

use std::path::{Path, PathBuf};

use super::{ExportError, SUMMARY_JSON};
use crate::output::{OutputError, write_atomic};
use crate::report::Report;

/// Writes `report` as `dir/summary.json`; returns the file's path.
///
/// # Errors
/// [`ExportError`] naming the file.
pub fn write_summary_json(report: &Report, dir: &Path) -> Result<PathBuf, ExportError> {
    let path = dir.join(SUMMARY_JSON);
    let mut bytes = serde_json::to_vec_pretty(report).map_err(|source| ExportError::WriteJson { path: path.clone(), source })?;
    bytes.push(b'\n');
    write_atomic(&path, &bytes)?;
    Ok(path)
}

/// Reads a report written by [`write_summary_json`].
///
/// # Errors
/// [`OutputError::Read`] if the file cannot be read, [`ExportError::ReadJson`] if it is not a
/// fifsim summary (with the line and column).
pub fn read_summary_json(path: &Path) -> Result<Report, ExportError> {
    let text = std::fs::read(path).map_err(|source| OutputError::Read { path: path.to_path_buf(), source })?;
    serde_json::from_slice(&text).map_err(|source| ExportError::ReadJson { path: path.to_path_buf(), source })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{RunOptions, Stopping, run};

    #[test]
    fn report_survives_a_round_trip_with_its_nans() {
        let scenario = crate::testing::base();
        let options = RunOptions { seed: 11, stopping: Stopping::Paths(40), threads: Some(1) };
        let results = run(&scenario, &options, &mut |_| {}, None).unwrap();
        let report = Report::build(&scenario, &results).unwrap();
        let tmp = tempfile::tempdir().unwrap();
        let path = write_summary_json(&report, tmp.path()).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains("null"), "a 40-path run has undefined statistics (e.g. payback never reached)");
        let back = read_summary_json(&path).unwrap();
        // NaN != NaN, so compare the serialised forms. serde_json's default float parser may
        // read a number back one ulp off (exact parsing needs its `float_roundtrip` feature).
        let again: serde_json::Value = serde_json::to_value(&back).unwrap();
        let original: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_close("", &again, &original);
        assert_eq!(back.provenance, report.provenance);
    }

    fn assert_close(at: &str, a: &serde_json::Value, b: &serde_json::Value) {
        use serde_json::Value;
        match (a, b) {
            (Value::Number(x), Value::Number(y)) => {
                let (x, y) = (x.as_f64().unwrap(), y.as_f64().unwrap());
                assert!((x - y).abs() <= 1e-15 * x.abs().max(y.abs()), "{at}: {x} vs {y}");
            }
            (Value::Array(x), Value::Array(y)) => {
                assert_eq!(x.len(), y.len(), "{at}");
                for (k, (x, y)) in x.iter().zip(y).enumerate() {
                    assert_close(&format!("{at}[{k}]"), x, y);
                }
            }
            (Value::Object(x), Value::Object(y)) => {
                assert_eq!(x.keys().collect::<Vec<_>>(), y.keys().collect::<Vec<_>>(), "{at}");
                for (key, x) in x {
                    assert_close(&format!("{at}.{key}"), x, &y[key]);
                }
            }
            (x, y) => assert_eq!(x, y, "{at}"),
        }
    }

    #[test]
    fn unreadable_summaries_name_the_file() {
        let tmp = tempfile::tempdir().unwrap();
        let missing = tmp.path().join(SUMMARY_JSON);
        assert!(read_summary_json(&missing).unwrap_err().to_string().contains("summary.json: cannot read"));
        std::fs::write(&missing, "{\"provenance\": 3}").unwrap();
        let e = read_summary_json(&missing).unwrap_err().to_string();
        assert!(e.contains("summary.json: not a fifsim results file"), "{e}");
    }
}
