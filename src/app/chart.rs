//! `fifsim chart`: redraw the charts of a results folder from its `summary.json`, without
//! simulating again.

use std::path::{Path, PathBuf};

use super::AppError;
use crate::charts;
use crate::output::manifest::Manifest;
use crate::report::export::{SUMMARY_JSON, read_summary_json};

/// Reads `dir/summary.json` and draws every chart into `dir`, adding them to the folder's
/// manifest if it has one; returns the files written.
///
/// # Errors
/// [`AppError::NoResults`] if `dir` is not a results folder, otherwise what reading the
/// summary or drawing reports.
pub fn redraw(dir: &Path) -> Result<Vec<PathBuf>, AppError> {
    let no_results = |problem: &str| AppError::NoResults { dir: dir.to_path_buf(), problem: problem.to_string() };
    if !dir.exists() {
        return Err(no_results("no such folder"));
    }
    if !dir.is_dir() {
        return Err(no_results("not a folder"));
    }
    let summary = dir.join(SUMMARY_JSON);
    if !summary.is_file() {
        return Err(no_results("holds no summary.json"));
    }
    let report = read_summary_json(&summary)?;
    let files = charts::draw_all(&report, dir)?;
    // Charts drawn into a run published without them stay fifsim's, so `--force` may replace them.
    Manifest::record(dir, &files)?;
    Ok(files)
}
