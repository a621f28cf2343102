//! Chart tests: every chart of a small real run is a PNG of the right size with something on it;
//! markers land where the numbers put them; a report read back from JSON draws the same; every
//! failure names the file and leaves nothing half-written.

use std::path::Path;
use std::sync::OnceLock;

use image::{Rgb, RgbImage};
use plotters::style::RGBColor;

use super::render::render;
use super::{CHART_FILES, CHART_SIZE, ChartError, LIQUIDITY_FILE, data, distribution, draw_all, jcurve, style, subfund_dispersion};
use crate::engine::{self, RunOptions, Stopping};
use crate::report::{Excluded, Histogram, IrrOutcomes, Report};
use crate::stats::summary::Summary;

/// A 400-path run of the base scenario, shared by the tests.
fn report() -> &'static Report {
    static REPORT: OnceLock<Report> = OnceLock::new();
    REPORT.get_or_init(|| {
        let scenario = crate::testing::base();
        let options = RunOptions { seed: 7, stopping: Stopping::Paths(400), threads: Some(1) };
        let results = engine::run(&scenario, &options, &mut |_| {}, None).expect("base scenario runs");
        Report::build(&scenario, &results).expect("per-path values read back")
    })
}

/// The charts of a run with a funding plan (base has one): every chart, then the liquidity chart.
fn files_with_plan() -> Vec<&'static str> {
    CHART_FILES.iter().copied().chain([LIQUIDITY_FILE]).collect()
}

fn decode(file: &Path) -> RgbImage {
    image::open(file).unwrap_or_else(|e| panic!("{} is not a readable PNG: {e}", file.display())).to_rgb8()
}

fn rgb(colour: RGBColor) -> Rgb<u8> {
    Rgb([colour.0, colour.1, colour.2])
}

/// Share of pixels that are not white.
fn ink_share(image: &RgbImage) -> f64 {
    let inked = image.pixels().filter(|p| p.0 != [255, 255, 255]).count();
    inked as f64 / (image.width() * image.height()) as f64
}

fn set_summary(report: &mut Report, key: &str, values: &[f64]) {
    let metric = report.metrics.iter_mut().find(|m| m.key == key).unwrap_or_else(|| panic!("no metric {key}"));
    metric.summary = Summary::of(values);
}

#[test]
fn every_chart_is_a_png_of_the_right_size_with_ink_on_it() {
    let dir = tempfile::tempdir().unwrap();
    // A stale file of the same name is replaced, not appended to or kept.
    std::fs::write(dir.path().join("jcurve.png"), b"not a png").unwrap();
    let files = draw_all(report(), dir.path()).unwrap();
    let names: Vec<String> = files.iter().map(|f| f.file_name().unwrap().to_string_lossy().into_owned()).collect();
    assert_eq!(names, files_with_plan());
    for file in &files {
        assert_eq!(file.parent(), Some(dir.path()));
        let image = decode(file);
        assert_eq!(image.dimensions(), CHART_SIZE, "{}", file.display());
        let share = ink_share(&image);
        assert!(share > 0.04, "{} is nearly blank: {:.1}% of pixels inked", file.display(), share * 100.0);
        // The title is drawn (text comes from the embedded font, whatever the machine has).
        let title = image::imageops::crop_imm(&image, 0, 10, 900, 50).to_image();
        let dark = title.pixels().filter(|p| p.0.iter().all(|&c| c < 100)).count();
        assert!(dark > 1500, "{}: no title text ({dark} dark pixels)", file.display());
    }
    // Nothing but the charts: no temporary files left behind.
    let mut listed: Vec<String> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    listed.sort();
    let mut expected: Vec<String> = files_with_plan().iter().map(|s| s.to_string()).collect();
    expected.sort();
    assert_eq!(listed, expected);
}

#[test]
fn a_report_read_back_from_summary_json_draws_the_same_charts() {
    let json = serde_json::to_string(report()).unwrap();
    let back: Report = serde_json::from_str(&json).unwrap();
    let (first, second) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    draw_all(report(), first.path()).unwrap();
    draw_all(&back, second.path()).unwrap();
    for name in files_with_plan() {
        let (a, b) = (decode(&first.path().join(name)), decode(&second.path().join(name)));
        assert!(a == b, "{name} differs after a JSON round trip");
    }
}

#[test]
fn break_even_lines_are_drawn_where_tvpi_is_one_and_irr_is_zero() {
    // TVPI spread evenly over [0, 2]: break-even is the middle column of the plot.
    let mut report = report().clone();
    let values: Vec<f64> = (0..400).map(|i| 0.1 + 1.6 * f64::from(i) / 399.0).collect();
    set_summary(&mut report, "fund_tvpi", &values);
    let h = report.histograms.iter_mut().find(|h| h.key == "fund_tvpi").unwrap();
    *h = Histogram { key: h.key.clone(), edges: (0..=60).map(|i| f64::from(i) / 30.0).collect(), counts: vec![6; 60], below: 0, above: 0, missing: 40 };
    let dir = tempfile::tempdir().unwrap();
    let (file, marks) = render(dir.path(), "distribution.png", |root| distribution::draw(root, &report)).unwrap();
    let (left, right) = marks.tvpi_plot_columns;
    assert!((marks.tvpi_one_x - (left + right) / 2).abs() <= 2, "TVPI = 1 at column {} of plot {left}..{right}", marks.tvpi_one_x);

    // And the pixels there are the break-even colour, over the bars, below the legend.
    let image = decode(&file);
    let (top, bottom) = marks.plot_rows;
    for x in [marks.tvpi_one_x, marks.irr_zero_x] {
        for y in (top + (bottom - top) * 6 / 10)..(bottom - 5) {
            assert_eq!(image.get_pixel(x as u32, y as u32), &rgb(style::LOSS), "break-even line missing at ({x}, {y})");
        }
    }
}

#[test]
fn jcurve_marks_the_trough_and_payback_at_their_quarters() {
    // Median path: down 100 a quarter to -2,000 at quarter 20, up 200 a quarter, back at 0 at
    // quarter 30; bands a fixed distance around it.
    let mut report = report().clone();
    let median: Vec<f64> = (0..=60).map(|t| if t <= 20 { -100.0 * f64::from(t) } else { -2000.0 + 200.0 * f64::from(t - 20) }).collect();
    let fan = report.fans.iter_mut().find(|f| f.key == "fund_cumulative_net_cny_m").unwrap();
    fan.quarters.truncate(61);
    fan.values = [-500.0, -250.0, 0.0, 250.0, 500.0].iter().map(|d| median.iter().map(|m| m + d).collect()).collect();
    set_summary(&mut report, "fund_trough_cny_m", &[-2000.0; 9]);
    set_summary(&mut report, "fund_trough_quarter", &[20.0; 9]);
    set_summary(&mut report, "fund_payback_quarter", &[30.0; 9]);
    let dir = tempfile::tempdir().unwrap();
    let (file, marks) = render(dir.path(), "jcurve.png", |root| jcurve::draw(root, &report)).unwrap();

    let (left, right) = marks.plot_columns;
    let column = |t: f64| left as f64 + (right - left) as f64 * t / 60.0;
    let payback = marks.payback.expect("the median pays back");
    assert!((payback.0 as f64 - column(30.0)).abs() <= 2.0, "payback at column {}, expected {:.0}", payback.0, column(30.0));
    assert!((marks.trough.0 as f64 - column(20.0)).abs() <= 2.0, "trough at column {}, expected {:.0}", marks.trough.0, column(20.0));
    // y: the payback sits on the zero line, the trough at -2.0 bn; the axis is padded 5 % around
    // [-2.5, +6.5] bn.
    let (top, bottom) = marks.plot_rows;
    let row = |y: f64| top as f64 + (bottom - top) as f64 * (6.95 - y) / 9.9;
    assert!((payback.1 as f64 - row(0.0)).abs() <= 2.0, "payback at row {}, expected {:.0}", payback.1, row(0.0));
    assert!((marks.trough.1 as f64 - row(-2.0)).abs() <= 2.0, "trough at row {}, expected {:.0}", marks.trough.1, row(-2.0));

    let image = decode(&file);
    assert_eq!(image.get_pixel(payback.0 as u32, payback.1 as u32), &rgb(style::PAYBACK));
    assert_eq!(image.get_pixel(marks.trough.0 as u32, marks.trough.1 as u32), &rgb(style::TROUGH));
}

#[test]
fn subfunds_are_sorted_by_median_tvpi() {
    let report = report();
    let dir = tempfile::tempdir().unwrap();
    let (_, labels) = render(dir.path(), "subfund_dispersion.png", |root| subfund_dispersion::draw(root, report)).unwrap();
    assert_eq!(labels.len(), report.fund.subfunds.len());
    let median = |label: &String| {
        let sub = report.fund.subfunds.iter().find(|s| label.starts_with(&format!("{} ·", s.label))).unwrap();
        report.metric(&format!("subfund_{}_tvpi", sub.key)).unwrap().summary.quantile(0.5).unwrap().value
    };
    let medians: Vec<f64> = labels.iter().map(median).collect();
    assert!(medians.windows(2).all(|w| w[0] >= w[1]), "not sorted by median: {medians:?}");
}

#[test]
fn a_missing_folder_is_an_error_naming_the_file_and_leaves_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("no/such/folder");
    let error = draw_all(report(), &missing).unwrap_err();
    assert!(matches!(error, ChartError::Save { .. }), "{error:?}");
    assert_eq!(error.file(), missing.join("jcurve.png"));
    assert!(error.to_string().contains(&missing.join("jcurve.png").display().to_string()), "{error}");
    assert!(!missing.exists());
}

#[test]
fn a_report_without_a_metric_is_an_error_naming_the_chart_and_metric() {
    let mut report = report().clone();
    report.metrics.retain(|m| m.key != "ipos");
    let dir = tempfile::tempdir().unwrap();
    let error = super::policy(&report, dir.path()).unwrap_err();
    match &error {
        ChartError::MissingData { file, what } => {
            assert_eq!(file, &dir.path().join("policy.png"));
            assert!(what.contains("ipos"), "{what}");
        }
        other => panic!("expected MissingData, got {other:?}"),
    }
    // The failed chart leaves neither a PNG nor a temporary file.
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}

#[test]
fn a_report_with_nothing_defined_still_draws() {
    // Every statistic undefined (as in a summary.json of a run where nothing happened): charts
    // say "no data" or leave things out, and never panic.
    let mut report = report().clone();
    for metric in &mut report.metrics {
        metric.summary = Summary::of(&[f64::NAN; 3]);
        metric.probability_below_one = None;
    }
    for fan in &mut report.fans {
        for row in &mut fan.values {
            row.iter_mut().for_each(|v| *v = f64::NAN);
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let files = draw_all(&report, dir.path()).unwrap();
    assert_eq!(files.len(), files_with_plan().len());
}

/// The distribution chart's note counts the IRR's outcomes as the summary table does: several
/// roots are not "defined on every path", and TVPI on fewer paths says so.
#[test]
fn distribution_note_counts_paths_as_the_table_does() {
    let mut report = report().clone();
    let tvpi = report.metric("fund_tvpi").cloned().unwrap();
    let mut irr = report.metric("fund_irr").cloned().unwrap();
    irr.irr_outcomes = Some(IrrOutcomes { unique: 212, several_roots: 188, no_sign_change: 0, not_found: 0 });
    let note = distribution::paths_note(&tvpi, &irr);
    assert_eq!(note, "TVPI on all 400 paths. IRR: one rate on 212 of 400 paths, several on 188 (the nearest drawn), none on 0.");

    let metric = report.metrics.iter_mut().find(|m| m.key == "fund_tvpi").unwrap();
    (metric.summary.n, metric.summary.missing) = (96, 304);
    metric.excluded = vec![Excluded { paths: 304, reason: "paid nothing in".into() }];
    let tvpi = metric.clone();
    (irr.summary.n, irr.summary.missing) = (90, 310);
    irr.irr_outcomes = Some(IrrOutcomes { unique: 89, several_roots: 1, no_sign_change: 309, not_found: 1 });
    irr.excluded = vec![Excluded { paths: 309, reason: "had cash flows of one sign".into() }, Excluded { paths: 1, reason: "had no rate found".into() }];
    let note = distribution::paths_note(&tvpi, &irr);
    assert!(note.starts_with("TVPI on 96 of 400 paths (304 paid nothing in). IRR: one rate on 89 of 400 paths, several on 1"), "{note}");
    assert!(note.ends_with("none on 310 (309 had cash flows of one sign, 1 had no rate found): left out, never given a made-up value."), "{note}");
    let dir = tempfile::tempdir().unwrap();
    distribution::distribution(&report, dir.path()).unwrap();
}

/// The J-curve's two payback figures say which is which: the median line's (all paths) and the
/// median of the paths that pay back (the table's payback P50).
#[test]
fn jcurve_labels_both_paybacks() {
    let axis = data::TimeAxis { start: "2024Q3".parse().unwrap() };
    let mut paid_back = Summary::of(&[40.0, 41.0, 42.0, f64::NAN]);
    let lines = jcurve::payback_text(&axis, Some(44), &data::Spread::of(&paid_back), 60);
    assert_eq!(lines, ["Payback 2035Q3 on the median line (all paths)", "75.0% of paths pay back by 2039Q3: their median payback 2034Q4"]);
    paid_back = Summary::of(&[f64::NAN; 3]);
    let lines = jcurve::payback_text(&axis, None, &data::Spread::of(&paid_back), 60);
    assert_eq!(lines, ["The median line is not back at zero by 2039Q3", "No path pays back by 2039Q3"]);
}

/// A report without a funding plan draws no liquidity chart; asked for one, the chart names
/// what is missing.
#[test]
fn the_liquidity_chart_needs_a_funding_plan() {
    let mut report = report().clone();
    report.liquidity = None;
    let dir = tempfile::tempdir().unwrap();
    let files = draw_all(&report, dir.path()).unwrap();
    assert_eq!(files.len(), CHART_FILES.len());
    let error = super::liquidity(&report, dir.path()).unwrap_err().to_string();
    assert!(error.contains("liquidity.png") && error.contains("funding plan"), "{error}");
}
