//! A command's results laid out once for the analysts' files: sheets of titled tables whose
//! cells are numbers with a display format (never numbers turned into text), the native charts
//! drawn from those tables, and the chart pictures that go with them. The workbook
//! (`report.xlsx`, [`super::export::workbook`]) and the one-file HTML report (`report.html`,
//! [`super::export::html`]) both render a [`Document`], so they never disagree.
//!
//! One builder per result: [`run`] (a run's [`Report`](super::Report)) and [`decision`]
//! (`compare`, `sensitivity`, `frontier`).

pub mod decision;
pub mod run;

use crate::report::text::cells::zero_if_rounded_away;

/// How a number is shown. The value stored is the number in the unit the column names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// A multiple, two decimals and ×.
    Multiple,
    /// A difference of multiples, signed, three decimals and ×: differences on common random
    /// numbers are precise.
    SignedMultiple,
    /// A rate or share, as a percentage with one decimal.
    Percent,
    /// A difference of rates or shares, in percentage points with one decimal.
    PercentagePoints,
    /// Money in CNY bn, two decimals.
    CnyBn,
    /// Money in CNY m, no decimals, thousands separated.
    CnyM,
    /// A mean count or a quarter index, one decimal.
    Decimal,
    /// A whole number with thousands separators (paths, companies).
    Whole,
    /// A whole number as it is (a seed).
    Plain,
}

impl Format {
    /// The Excel number format.
    pub fn excel(self) -> &'static str {
        match self {
            Format::Multiple => "0.00\"×\"",
            Format::SignedMultiple => "+0.000\"×\";-0.000\"×\";0.000\"×\"",
            Format::Percent => "0.0%",
            Format::PercentagePoints => "+0.0\" pp\";-0.0\" pp\";0.0\" pp\"",
            Format::CnyBn => "#,##0.00",
            Format::CnyM => "#,##0",
            Format::Decimal => "#,##0.0",
            Format::Whole => "#,##0",
            Format::Plain => "0",
        }
    }

    /// The number as the HTML report shows it; "–" for one that does not exist.
    pub fn show(self, x: f64) -> String {
        if !x.is_finite() {
            return NONE.to_string();
        }
        match self {
            Format::Multiple => format!("{x:.2}×"),
            Format::Percent => format!("{:.1}%", 100.0 * x),
            Format::SignedMultiple => format!("{:+.3}×", zero_if_rounded_away(x, 3)),
            Format::PercentagePoints => format!("{:+.1} pp", zero_if_rounded_away(x, 1)),
            Format::CnyBn => format!("{x:.2}"),
            Format::CnyM | Format::Whole => grouped(x),
            Format::Decimal => format!("{x:.1}"),
            Format::Plain => format!("{x:.0}"),
        }
    }
}

/// Shown for a number that does not exist.
pub const NONE: &str = "–";

/// `x` rounded, with thousands separators: 12,345.
fn grouped(x: f64) -> String {
    let digits = format!("{:.0}", x.abs());
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    if x.round() < 0.0 {
        out.insert(0, '-');
    }
    out
}

/// One cell of a table.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Text(String),
    Number(f64, Format),
}

impl Cell {
    pub fn text(s: impl Into<String>) -> Cell {
        Cell::Text(s.into())
    }
}

/// A titled table: a header row, rows of cells and notes under it.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    pub title: String,
    pub columns: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
    pub notes: Vec<String>,
}

impl Table {
    pub fn new(title: impl Into<String>, columns: &[&str]) -> Table {
        Table { title: title.into(), columns: columns.iter().map(|c| (*c).to_string()).collect(), rows: Vec::new(), notes: Vec::new() }
    }

    /// A label followed by numbers in one format.
    pub fn numbers(&mut self, label: impl Into<String>, values: &[f64], format: Format) {
        let mut row = vec![Cell::text(label)];
        row.extend(values.iter().map(|&x| Cell::Number(x, format)));
        self.rows.push(row);
    }

    /// Adds `note` unless it is empty.
    pub fn note(&mut self, note: impl Into<String>) {
        let note = note.into();
        if !note.is_empty() {
            self.notes.push(note);
        }
    }
}

/// A native chart drawn from the columns of one of its sheet's tables.
#[derive(Debug, Clone, PartialEq)]
pub struct ChartSpec {
    pub title: String,
    pub kind: ChartKind,
    /// Index of the table in its sheet.
    pub table: usize,
    /// Column of the categories (x values of a scatter chart).
    pub categories: usize,
    /// Columns of the series, each named by its header.
    pub series: Vec<usize>,
    pub x_title: String,
    pub y_title: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChartKind {
    Line,
    Column,
    /// Horizontal bars.
    Bar,
    Scatter,
}

/// A worksheet.
#[derive(Debug, Clone, PartialEq)]
pub struct Sheet {
    /// At most 31 characters, none of `[]:*?/\`.
    pub name: String,
    pub tables: Vec<Table>,
    pub charts: Vec<ChartSpec>,
    /// Whether the HTML report shows this sheet's tables (long data tables are left to the
    /// workbook and the CSV files).
    pub in_html: bool,
}

impl Sheet {
    pub fn new(name: &str, tables: Vec<Table>) -> Sheet {
        Sheet { name: name.to_string(), tables, charts: Vec::new(), in_html: true }
    }

    /// The same sheet, left out of the HTML report.
    pub fn workbook_only(self) -> Sheet {
        Sheet { in_html: false, ..self }
    }
}

/// A chart picture (PNG) of the results folder, for the HTML report.
#[derive(Debug, Clone, PartialEq)]
pub struct Picture {
    pub file: &'static str,
    pub caption: &'static str,
}

/// What `report.xlsx` and `report.html` show.
#[derive(Debug, Clone, PartialEq)]
pub struct Document {
    pub title: String,
    /// Lines under the title: what was run, and how.
    pub subtitle: Vec<String>,
    /// The first sheet is the summary; the HTML report shows the pictures after it.
    pub sheets: Vec<Sheet>,
    pub pictures: Vec<Picture>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_shown_as_the_workbook_formats_them() {
        assert_eq!(Format::Multiple.show(1.234), "1.23×");
        assert_eq!(Format::Percent.show(0.1234), "12.3%");
        assert_eq!(Format::PercentagePoints.show(-1.25), "-1.2 pp");
        assert_eq!(Format::PercentagePoints.show(-0.01), "+0.0 pp");
        assert_eq!(Format::SignedMultiple.show(0.2345), "+0.234×");
        assert_eq!(Format::SignedMultiple.show(-0.0001), "+0.000×");
        assert_eq!(Format::CnyM.show(-1_234_567.4), "-1,234,567");
        assert_eq!(Format::Whole.show(999.0), "999");
        assert_eq!(Format::Whole.show(1000.0), "1,000");
        assert_eq!(Format::Plain.show(20_250_926.0), "20250926");
        assert_eq!(Format::CnyBn.show(f64::NAN), NONE);
    }
}
