//! Drawing one chart into its file: a temporary PNG in the target directory, renamed into place
//! only when complete, with every failure turned into a [`ChartError`] naming the file.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use plotters::coord::Shift;
use plotters::drawing::DrawingAreaErrorKind;
use plotters::prelude::*;

use super::ChartError;
use super::style;

/// The whole canvas of a chart.
pub(crate) type Area<'a> = DrawingArea<BitMapBackend<'a>, Shift>;

/// Why drawing stopped, before it is tied to a file.
#[derive(Debug)]
pub(crate) enum Failure {
    /// The report lacks this (a metric, fan or histogram).
    Missing(String),
    /// The plotting library failed.
    Draw(String),
}

impl<E: std::error::Error + Send + Sync> From<DrawingAreaErrorKind<E>> for Failure {
    fn from(error: DrawingAreaErrorKind<E>) -> Self {
        Failure::Draw(error.to_string())
    }
}

pub(crate) type Drawn<T> = Result<T, Failure>;

/// Draws a chart with `draw` into `dir/name`, atomically. Returns the file and whatever `draw`
/// returned (tests use it to learn where markers were put).
pub(crate) fn render<T>(dir: &Path, name: &str, draw: impl FnOnce(&Area) -> Drawn<T>) -> Result<(PathBuf, T), ChartError> {
    let file = dir.join(name);
    if !style::register_font() {
        return Err(ChartError::Font { file });
    }
    // Unique per process and call, and ending in .png (the encoder picks the format from it).
    static SERIAL: AtomicU64 = AtomicU64::new(0);
    let temp = dir.join(format!(".{name}.{}-{}.tmp.png", std::process::id(), SERIAL.fetch_add(1, Ordering::Relaxed)));
    let outcome = draw_and_save(&temp, draw);
    // The backend is dropped by now; on failure it may have left the temporary file behind.
    match outcome {
        Ok(value) => match std::fs::rename(&temp, &file) {
            Ok(()) => Ok((file, value)),
            Err(source) => {
                let _ = std::fs::remove_file(&temp);
                Err(ChartError::Io { file, source })
            }
        },
        Err(error) => {
            let _ = std::fs::remove_file(&temp);
            Err(error.into_chart_error(file))
        }
    }
}

/// What went wrong in [`draw_and_save`].
enum Stage {
    Drawing(Failure),
    Saving(String),
}

impl Stage {
    fn into_chart_error(self, file: PathBuf) -> ChartError {
        match self {
            Stage::Drawing(Failure::Missing(what)) => ChartError::MissingData { file, what },
            Stage::Drawing(Failure::Draw(message)) => ChartError::Draw { file, message },
            Stage::Saving(message) => ChartError::Save { file, message },
        }
    }
}

fn draw_and_save<T>(temp: &Path, draw: impl FnOnce(&Area) -> Drawn<T>) -> Result<T, Stage> {
    let root = BitMapBackend::new(temp, (style::WIDTH, style::HEIGHT)).into_drawing_area();
    root.fill(&WHITE).map_err(|e| Stage::Drawing(e.into()))?;
    let value = draw(&root).map_err(Stage::Drawing)?;
    // plotters would also save on drop, but ignore a failure there: present and check.
    root.present().map_err(|e| Stage::Saving(e.to_string()))?;
    Ok(value)
}
