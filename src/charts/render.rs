//! Drawing one chart into its file: drawn in memory, encoded as PNG, then written atomically
//! ([`write_atomic`]), with every failure turned into a [`ChartError`] naming the file.

use std::path::{Path, PathBuf};

use image::ColorType;
use image::ImageEncoder;
use image::codecs::png::PngEncoder;
use plotters::coord::Shift;
use plotters::drawing::DrawingAreaErrorKind;
use plotters::prelude::*;

use super::ChartError;
use super::font;
use crate::output::write_atomic;

/// Width and height of every chart, in pixels.
pub(crate) const WIDTH: u32 = 1600;
pub(crate) const HEIGHT: u32 = 1000;

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
    if !font::register_font() {
        return Err(ChartError::Font { file });
    }
    // The file is written by fifsim's own atomic writer, not the plotting library's, whose I/O
    // errors reach the user only as debug text.
    match draw_and_encode(draw) {
        Ok((value, png)) => match write_atomic(&file, &png) {
            Ok(()) => Ok((file, value)),
            Err(source) => Err(ChartError::Save { file, source }),
        },
        Err(Failure::Missing(what)) => Err(ChartError::MissingData { file, what }),
        Err(Failure::Draw(message)) => Err(ChartError::Draw { file, message }),
    }
}

/// Draws into an RGB buffer and encodes it as the plotting library would have saved it.
fn draw_and_encode<T>(draw: impl FnOnce(&Area) -> Drawn<T>) -> Result<(T, Vec<u8>), Failure> {
    let (width, height) = (WIDTH, HEIGHT);
    let mut pixels = vec![0_u8; width as usize * height as usize * 3];
    let value = {
        let backend = BitMapBackend::with_buffer_and_format(&mut pixels, (width, height)).map_err(|e| Failure::Draw(e.to_string()))?;
        let root = backend.into_drawing_area();
        root.fill(&WHITE)?;
        let value = draw(&root)?;
        root.present()?;
        value
    };
    let mut png = Vec::new();
    PngEncoder::new(&mut png)
        .write_image(&pixels, width, height, ColorType::Rgb8)
        .map_err(|e| Failure::Draw(format!("encoding the PNG: {e}")))?;
    Ok((value, png))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_chart_that_cannot_be_written_says_why_in_words() {
        let tmp = tempfile::tempdir().unwrap();
        let missing = tmp.path().join("gone");
        let error = render(&missing, "a.png", |_| Ok(())).unwrap_err();
        let text = error.to_string();
        assert_eq!(error.file(), missing.join("a.png"));
        assert!(text.starts_with(&format!("{}: cannot create: ", missing.join("a.png").display())), "{text}");
        assert!(!text.contains("Error(") && !text.contains("Custom {") && !text.contains("Os {"), "debug text: {text}");
    }
}
