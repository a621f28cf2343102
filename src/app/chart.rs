//! `fifsim chart`: remake the documents of a results folder — the chart PNGs, `report.xlsx` and
//! `report.html` — from its saved results, without simulating again: `summary.json` of a run,
//! `compare.json` and `compare_curves.json` of a comparison, `sensitivity.json`,
//! `frontier.json`.

use std::path::{Path, PathBuf};

use super::AppError;
use super::compare::{COMPARE_CURVES_JSON, COMPARE_JSON};
use super::decision::read_json;
use super::frontier::FRONTIER_JSON;
use super::publish::{Documents, Outputs, write_documents};
use super::sensitivity::SENSITIVITY_JSON;
use crate::analysis::compare::{Compared, Comparison, ScenarioCurves};
use crate::analysis::frontier::Frontier;
use crate::analysis::sensitivity::Sensitivity;
use crate::output::manifest::Manifest;
use crate::report::export::{SUMMARY_JSON, read_summary_json};

/// Reads the saved results in `dir` and writes its documents there as `outputs` asks, adding
/// them to the folder's manifest if it has one; returns the files written.
///
/// # Errors
/// [`AppError::NoResults`] if `dir` is not a results folder, otherwise what reading the
/// results or writing the documents reports.
pub fn redraw(dir: &Path, outputs: Outputs) -> Result<Vec<PathBuf>, AppError> {
    let no_results = |problem: &str| AppError::NoResults { dir: dir.to_path_buf(), problem: problem.to_string() };
    if !dir.exists() {
        return Err(no_results("no such folder"));
    }
    if !dir.is_dir() {
        return Err(no_results("not a folder"));
    }
    let saved = |name: &str| Some(dir.join(name)).filter(|path| path.is_file());
    let files = if let Some(summary) = saved(SUMMARY_JSON) {
        write_documents(&read_summary_json(&summary)?, dir, outputs)?
    } else if let Some(comparison) = saved(COMPARE_JSON) {
        let comparison: Comparison = read_json(&comparison)?;
        let curves = saved(COMPARE_CURVES_JSON)
            .ok_or_else(|| no_results("holds compare.json but no compare_curves.json, which the comparison's charts are drawn from; run `fifsim compare` again"))?;
        let curves: Vec<ScenarioCurves> = read_json(&curves)?;
        write_documents(&Compared { comparison, curves }, dir, outputs)?
    } else if let Some(sensitivity) = saved(SENSITIVITY_JSON) {
        redraw_from::<Sensitivity>(&sensitivity, dir, outputs)?
    } else if let Some(frontier) = saved(FRONTIER_JSON) {
        redraw_from::<Frontier>(&frontier, dir, outputs)?
    } else {
        return Err(no_results("holds no summary.json, compare.json, sensitivity.json or frontier.json"));
    };
    // Documents made for a folder published without them stay fifsim's, so `--force` may replace them.
    Manifest::record(dir, &files)?;
    Ok(files)
}

fn redraw_from<T: Documents + serde::de::DeserializeOwned>(saved: &Path, dir: &Path, outputs: Outputs) -> Result<Vec<PathBuf>, AppError> {
    write_documents(&read_json::<T>(saved)?, dir, outputs)
}
