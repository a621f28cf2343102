//! What the decision charts (compare, tornado, frontier) share: the provenance line of their
//! title block ([`style::banner`](super::style::banner)), which names several runs rather than
//! one [`Report`](crate::report::Report), and the colours that tell scenarios apart.

use plotters::prelude::*;

/// Scenario colours, in order: the Okabe–Ito palette (readable by colour-blind viewers) without its
/// yellow, which is too light on white, then five from Tableau's palette, so up to twelve
/// scenarios get colours of their own.
pub(crate) const SERIES: [RGBColor; 12] = [
    RGBColor(0, 114, 178),
    RGBColor(213, 94, 0),
    RGBColor(0, 158, 115),
    RGBColor(204, 121, 167),
    RGBColor(230, 159, 0),
    RGBColor(86, 180, 233),
    RGBColor(0, 0, 0),
    RGBColor(140, 86, 75),
    RGBColor(148, 103, 189),
    RGBColor(127, 127, 127),
    RGBColor(188, 189, 34),
    RGBColor(23, 190, 207),
];

/// The colour of the `k`-th scenario.
pub(crate) fn series_colour(k: usize) -> RGBColor {
    SERIES[k % SERIES.len()]
}

/// "fifsim 0.1.0 · seed 20250926 · 2,000 paths per run": the provenance every decision chart shows.
pub(crate) fn provenance(p: &crate::analysis::Provenance) -> String {
    format!("{} paths per run · {} runs on common random numbers · seed {} · {} v{}", super::style::thousands(p.paths), p.runs, p.seed, p.tool, p.version)
}

/// Checks a chart written by a test: a PNG of the chart size with a title and a fair share of ink.
#[cfg(test)]
pub(crate) fn assert_chart(file: &std::path::Path) {
    let image = image::open(file).unwrap_or_else(|e| panic!("{} is not a readable PNG: {e}", file.display())).to_rgb8();
    assert_eq!(image.dimensions(), super::CHART_SIZE, "{}", file.display());
    let inked = image.pixels().filter(|p| p.0 != [255, 255, 255]).count() as f64 / f64::from(image.width() * image.height());
    assert!(inked > 0.03, "{} is nearly blank: {:.1}% inked", file.display(), 100.0 * inked);
    let title = image::imageops::crop_imm(&image, 0, 10, 900, 50).to_image();
    let dark = title.pixels().filter(|p| p.0.iter().all(|&c| c < 100)).count();
    assert!(dark > 1500, "{}: no title text ({dark} dark pixels)", file.display());
}
