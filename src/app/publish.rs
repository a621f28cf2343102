//! The one way a command publishes its results folder: its files are written into a staging
//! folder ([`Staging`]), then its documents — the charts, `report.xlsx` and `report.html` — are
//! made there ([`write_documents`]), then the folder is swapped in whole. A failure anywhere (or
//! an interrupted command) leaves the previous results as they were.

use std::path::{Path, PathBuf};

use super::AppError;
use crate::charts::ChartError;
use crate::output::{Command, Staging};
use crate::report::document::Document;
use crate::report::export::html::write_html;
use crate::report::export::workbook::write_workbook;

/// What a command's result shows analysts besides its data files.
pub trait Documents {
    /// Draws the result's charts (PNG) into `dir`; returns the files written.
    ///
    /// # Errors
    /// The first chart that fails ([`ChartError`]).
    fn draw_charts(&self, dir: &Path) -> Result<Vec<PathBuf>, ChartError>;

    /// The tables and native charts of `report.xlsx` and `report.html`.
    fn document(&self) -> Document;
}

/// Which documents a command writes: `--no-charts` leaves out the PNGs (`report.html` then says
/// they were not drawn), `--no-xlsx` the workbook.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Outputs {
    pub charts: bool,
    pub workbook: bool,
}

impl Outputs {
    /// Every document.
    pub const ALL: Outputs = Outputs { charts: true, workbook: true };
}

/// Draws the charts, then writes `report.xlsx` and `report.html` (which embeds the charts) into
/// `dir`, as `outputs` asks; returns the files written, each written atomically.
///
/// # Errors
/// [`AppError::Chart`], or [`AppError::Export`] naming the file.
pub fn write_documents<T: Documents>(result: &T, dir: &Path, outputs: Outputs) -> Result<Vec<PathBuf>, AppError> {
    let mut files = if outputs.charts { result.draw_charts(dir)? } else { Vec::new() };
    let document = result.document();
    if outputs.workbook {
        files.push(write_workbook(&document, dir)?);
    }
    files.push(write_html(&document, dir)?);
    Ok(files)
}

/// A finished command whose files are written in staging but not yet published.
#[derive(Debug)]
pub struct Pending<T> {
    pub result: T,
    staging: Staging,
    files: Vec<PathBuf>,
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

impl<T: Documents> Pending<T> {
    /// `result`, whose `files` are written in `staging`.
    pub(super) fn new(result: T, staging: Staging, files: Vec<PathBuf>) -> Pending<T> {
        Pending { result, staging, files }
    }

    /// The same, with one more file written in staging.
    pub(super) fn with_file(mut self, file: PathBuf) -> Pending<T> {
        self.files.push(file);
        self
    }

    /// Writes the documents `outputs` asks for ([`write_documents`]) and swaps the folder in.
    ///
    /// # Errors
    /// [`AppError::Chart`], [`AppError::Export`], or [`AppError::Output`] if the folder cannot be
    /// swapped in; a folder replaced with `--force` is then untouched.
    pub fn publish(mut self, outputs: Outputs) -> Result<Published, AppError> {
        self.files.extend(write_documents(&self.result, self.staging.dir(), outputs)?);
        let dir = self.staging.publish()?;
        let files = self.files.iter().filter_map(|f| f.file_name()).map(|name| dir.join(name)).collect();
        Ok(Published { dir, files })
    }
}
