//! The font every chart is drawn in, embedded in the binary so that charts render on machines
//! without any font installed. Both the canvas ([`super::render`], which registers it before
//! drawing) and the text styles ([`super::style`]) name it, so it lives below both.

use std::sync::OnceLock;

use plotters::style::FontStyle;

/// Family name the embedded font is registered under.
pub(crate) const FONT: &str = "sans-serif";
/// DejaVu Sans 2.37 (licence: assets/fonts/LICENSE-DejaVu.txt).
static FONT_BYTES: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");

/// Registers the embedded font with plotters once per process; false if it cannot be read.
pub(crate) fn register_font() -> bool {
    static REGISTERED: OnceLock<bool> = OnceLock::new();
    *REGISTERED.get_or_init(|| plotters::style::register_font(FONT, FontStyle::Normal, FONT_BYTES).is_ok())
}
