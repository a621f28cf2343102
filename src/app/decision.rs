//! What `compare`, `sensitivity` and `frontier` share: their output folder follows the policy of
//! `run` ([`crate::output`]) — checked before anything is simulated, built in a staging folder and
//! swapped in whole once every file and chart is written ([`super::publish`]) — and its manifest
//! names the command, so `--force` replaces only a folder the same command wrote.

use std::path::{Path, PathBuf};

use serde::Serialize;

use super::AppError;
use super::publish::{Documents, Pending, safe_folder_name};
use super::run::RESULTS_ROOT;
use crate::output::{Staging, write_atomic};
use crate::report::export::ExportError;
use crate::rng::fnv1a;

/// Longest default folder name kept whole, in bytes. Systems cap a name at 255 bytes, and the
/// staging folder beside it adds about 50.
const MAX_NAME_BYTES: usize = 80;
/// What is kept of a longer name before its hash.
const CUT_NAME_BYTES: usize = 64;

/// `results/<name>` with characters unsafe in a folder name replaced by `_`; a name over 80
/// bytes (a `compare` of many long-named scenarios) is cut to 64 and ends in `-` and 8 hex digits
/// of the FNV-1a hash of the whole name, so that different lists of scenarios keep different
/// folders.
pub fn default_dir(name: &str) -> PathBuf {
    let mut safe = safe_folder_name(name, "decision");
    if safe.len() > MAX_NAME_BYTES {
        let mut cut = CUT_NAME_BYTES;
        while !safe.is_char_boundary(cut) {
            cut -= 1;
        }
        safe.truncate(cut);
        safe.push_str(&format!("-{:08x}", fnv1a(name.as_bytes()) >> 32));
    }
    Path::new(RESULTS_ROOT).join(safe)
}

/// How a result is written: its JSON file and what goes in it, its CSV file and how it is made.
pub struct Files<T, J> {
    pub json: &'static str,
    pub to_json: fn(&T) -> &J,
    pub csv: &'static str,
    pub to_csv: fn(&T) -> String,
}

/// Writes `result`'s JSON and CSV files into `staging`.
///
/// # Errors
/// [`AppError::Export`] naming the file.
pub fn write<T: Documents, J: Serialize>(result: T, staging: Staging, files: Files<T, J>) -> Result<Pending<T>, AppError> {
    let Files { json, to_json, csv, to_csv } = files;
    let json_path = write_json(staging.dir(), json, to_json(&result))?;
    let csv_path = staging.dir().join(csv);
    write_atomic(&csv_path, to_csv(&result).as_bytes()).map_err(ExportError::from)?;
    Ok(Pending::new(result, staging, vec![json_path, csv_path]))
}

/// Writes `value` as pretty JSON to `dir/name`, atomically; returns its path.
///
/// # Errors
/// [`AppError::Export`] naming the file.
pub fn write_json<J: Serialize + ?Sized>(dir: &Path, name: &str, value: &J) -> Result<PathBuf, AppError> {
    let path = dir.join(name);
    let mut text = serde_json::to_string_pretty(value).map_err(|source| ExportError::WriteJson { path: path.clone(), source })?;
    text.push('\n');
    write_atomic(&path, text.as_bytes()).map_err(ExportError::from)?;
    Ok(path)
}

/// Reads a JSON file a command wrote, for `fifsim chart`.
///
/// # Errors
/// [`AppError::Output`] if it cannot be read, [`AppError::Export`] if it is not what this
/// fifsim writes.
pub fn read_json<J: serde::de::DeserializeOwned>(path: &Path) -> Result<J, AppError> {
    let text = std::fs::read_to_string(path).map_err(|source| crate::output::OutputError::Read { path: path.to_path_buf(), source })?;
    Ok(serde_json::from_str(&text).map_err(|source| ExportError::ReadJson { path: path.to_path_buf(), source })?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_folders_are_safe() {
        assert_eq!(default_dir("compare-base-vs-direct_heavy"), Path::new("results/compare-base-vs-direct_heavy"));
        assert_eq!(default_dir("../x y"), Path::new("results/decision.._x_y"));
    }

    #[test]
    fn long_default_names_are_cut_and_keep_a_hash_of_the_whole() {
        let names = |n: usize, stem: &str| format!("compare-{}", vec![stem; n].join("-vs-"));
        let long = names(12, "a_scenario_with_a_rather_long_name");
        let dir = default_dir(&long);
        let name = dir.file_name().unwrap().to_str().unwrap();
        assert_eq!(name.len(), CUT_NAME_BYTES + 9, "{name}");
        assert!(name.starts_with("compare-a_scenario_with_a_rather_long_name-vs-a_scenario"), "{name}");
        assert_eq!(&name[CUT_NAME_BYTES..], format!("-{:08x}", fnv1a(long.as_bytes()) >> 32));
        assert_ne!(default_dir(&names(13, "a_scenario_with_a_rather_long_name")), dir, "another list, another folder");
        assert_eq!(default_dir(&long), dir, "stable");
        // Cut on a character boundary: 基金 is 3 bytes a character.
        let cjk = default_dir(&format!("compare-{}", "基金".repeat(40)));
        assert!(cjk.file_name().unwrap().len() <= CUT_NAME_BYTES + 9, "{}", cjk.display());
        let short = "compare-base-vs-direct_heavy";
        assert_eq!(default_dir(short), Path::new("results").join(short));
    }
}
