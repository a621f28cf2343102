//! The one way a command publishes its results folder: its files are written into a staging
//! folder ([`Staging`]), then the charts are drawn there, then the folder is swapped in whole. A
//! failure anywhere (or an interrupted command) leaves the previous results as they were.

use std::path::{Path, PathBuf};

use super::AppError;
use crate::charts::ChartError;
use crate::output::{Command, Staging};

/// Draws a result's charts into a folder.
pub type DrawCharts<T> = fn(&T, &Path) -> Result<Vec<PathBuf>, ChartError>;

/// A finished command whose files are written in staging but not yet published.
#[derive(Debug)]
pub struct Pending<T> {
    pub result: T,
    staging: Staging,
    files: Vec<PathBuf>,
    charts: DrawCharts<T>,
}

/// A published results folder.
#[derive(Debug, Clone, PartialEq)]
pub struct Published {
    pub dir: PathBuf,
    /// Every file written, in the results folder.
    pub files: Vec<PathBuf>,
}

/// `name` with characters unsafe in a folder name replaced by `_`, and `fallback` put in front of a
/// name that would be empty or hidden.
pub fn safe_folder_name(name: &str, fallback: &str) -> String {
    let mut safe: String = name.chars().map(|c| if c.is_alphanumeric() || matches!(c, '-' | '_' | '.') { c } else { '_' }).collect();
    if safe.is_empty() || safe.starts_with('.') {
        safe.insert_str(0, fallback);
    }
    safe
}

/// Checks the policy for `out` and opens its staging folder, before anything is simulated: an
/// `out` holding a run is refused unless `force`, and one fifsim cannot prove it wrote is never
/// replaced (see [`crate::output::check_output_dir`]).
///
/// # Errors
/// [`AppError::Output`] for a refused or unwritable folder.
pub fn stage(out: &Path, force: bool, command: Command) -> Result<Staging, AppError> {
    Ok(Staging::begin(out, force, command)?)
}

impl<T> Pending<T> {
    /// `result`, whose `files` are written in `staging`, and how to draw its charts.
    pub(super) fn new(result: T, staging: Staging, files: Vec<PathBuf>, charts: DrawCharts<T>) -> Pending<T> {
        Pending { result, staging, files, charts }
    }

    /// Draws the charts (unless `charts` is false) and swaps the folder in.
    ///
    /// # Errors
    /// [`AppError::Chart`], or [`AppError::Output`] if the folder cannot be swapped in; a folder
    /// replaced with `--force` is then untouched.
    pub fn publish(mut self, charts: bool) -> Result<Published, AppError> {
        if charts {
            self.files.extend((self.charts)(&self.result, self.staging.dir())?);
        }
        let dir = self.staging.publish()?;
        let files = self.files.iter().filter_map(|f| f.file_name()).map(|name| dir.join(name)).collect();
        Ok(Published { dir, files })
    }
}
