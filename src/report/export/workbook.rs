//! `report.xlsx`: a [`Document`] as an Excel workbook (rust_xlsxwriter, no system library).
//!
//! Every number is a number cell with a number format (`0.00"×"`, `0.0%`, CNY bn as `#,##0.00`),
//! never text; a number that does not exist is the text "–". Each table is a bold title, a header
//! row and its rows, with its notes under it; the native charts (editable in Excel or
//! LibreOffice) read their ranges from the tables and sit to their right. Strings are UTF-8, so
//! Chinese names come through as they are.
//!
//! The document properties carry a fixed creation date (the date the 2025 measures took effect,
//! as the default seed), never the clock, so the same results give the same bytes.

use std::path::{Path, PathBuf};

use rust_xlsxwriter::{
    Chart, ChartAxisLabelPosition, ChartType, DocProperties, ExcelDateTime, Format as XlsxFormat, FormatAlign, FormatBorder, Workbook, Worksheet, XlsxError,
};

use super::ExportError;
use crate::output::write_atomic;
use crate::report::document::{Cell, ChartKind, ChartSpec, Document, Format, NONE, Sheet, Table};

/// The workbook's file name in a results folder.
pub const REPORT_XLSX: &str = "report.xlsx";

/// Widest a first column grows, in characters.
const LABEL_WIDTH: usize = 48;
/// Width of every other column, in characters.
const NUMBER_WIDTH: f64 = 13.0;
/// Rows a chart takes, with the gap to the next.
const CHART_ROWS: u32 = 22;
/// Excel's code for A4 paper.
const A4: u8 = 9;

/// Where a table landed on its sheet: the header row and its data rows.
struct Placed {
    header: u32,
    first: u32,
    last: u32,
}

/// Writes `document` as `dir/report.xlsx`, atomically; returns its path.
///
/// # Errors
/// [`ExportError::Workbook`] if the workbook cannot be made, [`ExportError::Output`] if it
/// cannot be written (no file is left behind).
pub fn write_workbook(document: &Document, dir: &Path) -> Result<PathBuf, ExportError> {
    let path = dir.join(REPORT_XLSX);
    let bytes = workbook_bytes(document).map_err(|source| ExportError::Workbook { path: path.clone(), source })?;
    write_atomic(&path, &bytes)?;
    Ok(path)
}

/// The workbook's bytes.
///
/// # Errors
/// What rust_xlsxwriter reports (e.g. a sheet name it refuses).
pub fn workbook_bytes(document: &Document) -> Result<Vec<u8>, XlsxError> {
    let mut workbook = Workbook::new();
    let created = ExcelDateTime::from_ymd(2025, 9, 26)?;
    let properties =
        DocProperties::new().set_title(&document.title).set_author("fifsim").set_comment(document.subtitle.join("\n")).set_creation_datetime(&created);
    workbook.set_properties(&properties);
    for (index, sheet) in document.sheets.iter().enumerate() {
        let subtitle = if index == 0 { document.subtitle.as_slice() } else { &[] };
        workbook.push_worksheet(worksheet(sheet, &document.title, subtitle)?);
    }
    workbook.save_to_buffer()
}

fn worksheet(sheet: &Sheet, title: &str, subtitle: &[String]) -> Result<Worksheet, XlsxError> {
    let mut ws = Worksheet::new();
    ws.set_name(&sheet.name)?;
    // Printed on A4 across, as wide as the tables, as many pages down as they need.
    ws.set_paper_size(A4).set_landscape().set_print_fit_to_pages(1, 0);
    let heading = XlsxFormat::new().set_bold().set_font_size(14);
    let bold = XlsxFormat::new().set_bold();
    let header = XlsxFormat::new().set_bold().set_text_wrap().set_border_bottom(FormatBorder::Thin);
    let italic = XlsxFormat::new().set_italic();
    let mut row = 0;
    if !subtitle.is_empty() {
        ws.write_string_with_format(row, 0, title, &heading)?;
        row += 1;
        for line in subtitle {
            ws.write_string(row, 0, line)?;
            row += 1;
        }
        row += 1;
    }
    let mut placed = Vec::with_capacity(sheet.tables.len());
    let mut widest = 1;
    let mut label_width = 12;
    for table in &sheet.tables {
        ws.write_string_with_format(row, 0, &table.title, &bold)?;
        row += 1;
        for (col, name) in table.columns.iter().enumerate() {
            ws.write_string_with_format(row, col as u16, name, &header)?;
        }
        if table.columns.iter().skip(1).any(|c| c.chars().count() > NUMBER_WIDTH as usize) {
            ws.set_row_height(row, 30)?;
        }
        let header_row = row;
        row += 1;
        let first = row;
        for cells in &table.rows {
            for (col, cell) in cells.iter().enumerate() {
                write_cell(&mut ws, row, col as u16, cell)?;
                if let (0, Cell::Text(text)) = (col, cell) {
                    label_width = label_width.max(text.chars().count().min(LABEL_WIDTH));
                }
            }
            row += 1;
        }
        placed.push(Placed { header: header_row, first, last: row.saturating_sub(1).max(first) });
        for note in &table.notes {
            ws.write_string_with_format(row, 0, note, &italic)?;
            row += 1;
        }
        widest = widest.max(table.columns.len());
        row += 1;
    }
    ws.set_column_width(0, label_width as f64 + 2.0)?;
    for col in 1..widest.max(2) {
        ws.set_column_width(col as u16, NUMBER_WIDTH)?;
    }
    for (k, spec) in sheet.charts.iter().enumerate() {
        let (Some(at), Some(table)) = (placed.get(spec.table), sheet.tables.get(spec.table)) else { continue };
        let chart = chart(&sheet.name, spec, table, at);
        ws.insert_chart(1 + k as u32 * CHART_ROWS, widest as u16 + 1, &chart)?;
    }
    Ok(ws)
}

fn write_cell(ws: &mut Worksheet, row: u32, col: u16, cell: &Cell) -> Result<(), XlsxError> {
    match cell {
        Cell::Text(text) => ws.write_string(row, col, text).map(drop),
        Cell::Number(x, format) if x.is_finite() => ws.write_number_with_format(row, col, *x, &number_format(*format)).map(drop),
        Cell::Number(..) => ws.write_string_with_format(row, col, NONE, &XlsxFormat::new().set_align(FormatAlign::Right)).map(drop),
    }
}

fn number_format(format: Format) -> XlsxFormat {
    XlsxFormat::new().set_num_format(format.excel())
}

fn chart(sheet: &str, spec: &ChartSpec, table: &Table, at: &Placed) -> Chart {
    let kind = match spec.kind {
        ChartKind::Line => ChartType::Line,
        ChartKind::Column => ChartType::Column,
        ChartKind::Bar => ChartType::Bar,
        ChartKind::Scatter => ChartType::Scatter,
    };
    let mut chart = Chart::new(kind);
    for &col in &spec.series {
        let series = chart
            .add_series()
            .set_name((sheet, at.header, col as u16))
            .set_categories((sheet, at.first, spec.categories as u16, at.last, spec.categories as u16))
            .set_values((sheet, at.first, col as u16, at.last, col as u16));
        if spec.kind == ChartKind::Column {
            // A histogram: bars nearly touching.
            series.set_gap(10);
        }
    }
    chart.title().set_name(&spec.title);
    chart.x_axis().set_name(&spec.x_title);
    chart.y_axis().set_name(&spec.y_title);
    // Category labels as the cells show them, and below the plot when values go negative.
    if let Some(Cell::Number(_, format)) = table.rows.first().and_then(|row| row.get(spec.categories)) {
        chart.x_axis().set_num_format(format.excel());
    }
    if let Some(Cell::Number(_, format)) = table.rows.first().and_then(|row| spec.series.first().and_then(|&col| row.get(col))) {
        chart.y_axis().set_num_format(format.excel());
    }
    chart.x_axis().set_label_position(ChartAxisLabelPosition::Low);
    if spec.kind == ChartKind::Bar {
        // The largest effect (the first row) at the top.
        chart.x_axis().set_reverse();
    }
    if spec.series.len() == 1 {
        chart.legend().set_hidden();
    }
    chart.set_width(720).set_height(400);
    chart
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::document::Table;

    fn document(sheet_name: &str) -> Document {
        let mut table = Table::new("Fund", &["Measure", "Mean"]);
        table.numbers("TVPI", &[1.25], Format::Multiple);
        Document { title: "t".into(), subtitle: vec!["s".into()], sheets: vec![Sheet::new(sheet_name, vec![table])], pictures: Vec::new() }
    }

    #[test]
    fn the_same_document_gives_the_same_bytes() {
        assert_eq!(workbook_bytes(&document("Summary")).unwrap(), workbook_bytes(&document("Summary")).unwrap());
    }

    #[test]
    fn a_workbook_that_cannot_be_made_leaves_no_file() {
        let tmp = tempfile::tempdir().unwrap();
        std::fs::write(tmp.path().join(REPORT_XLSX), "old").unwrap();
        let e = write_workbook(&document("bad[name]"), tmp.path()).unwrap_err();
        assert!(e.to_string().contains("report.xlsx: cannot make the workbook"), "{e}");
        let names: Vec<_> = std::fs::read_dir(tmp.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(names, [REPORT_XLSX], "no temporary file left");
        assert_eq!(std::fs::read_to_string(tmp.path().join(REPORT_XLSX)).unwrap(), "old");
        let missing = tmp.path().join("gone");
        let e = write_workbook(&document("Summary"), &missing).unwrap_err();
        assert!(e.to_string().contains("gone/report.xlsx"), "{e}");
        assert!(!missing.exists());
    }
}
