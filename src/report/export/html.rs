//! `report.html`: a [`Document`] as one self-contained page to mail or open offline: the tables,
//! then every chart as a PNG embedded in the page (a `data:` URI), no script, no font, style
//! sheet or image fetched from anywhere. A print style lays it out on A4, with no chart or table
//! row split across pages.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use super::ExportError;
use crate::output::{OutputError, write_atomic};
use crate::report::document::{Cell, Document, Table};

/// The HTML report's file name in a results folder.
pub const REPORT_HTML: &str = "report.html";

const STYLE: &str = "\
body { font-family: 'DejaVu Sans', 'Noto Sans CJK SC', 'PingFang SC', 'Microsoft YaHei', 'SimHei', Arial, sans-serif; font-size: 10pt; color: #222; margin: 2em auto; max-width: 1100px; padding: 0 1em; }
h1 { font-size: 16pt; margin-bottom: 0.2em; }
h2 { font-size: 13pt; margin-top: 1.6em; border-bottom: 1px solid #999; }
h3 { font-size: 11pt; margin: 1.2em 0 0.3em; }
p.sub { margin: 0.1em 0; color: #555; }
div.table { overflow-x: auto; }
table { border-collapse: collapse; margin: 0.3em 0; }
th, td { padding: 2px 8px; border-bottom: 1px solid #ddd; }
th { text-align: left; border-bottom: 1px solid #555; vertical-align: bottom; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
p.note { font-style: italic; color: #555; margin: 0.2em 0; }
figure { margin: 1em 0; }
figure img { max-width: 100%; height: auto; border: 1px solid #ddd; }
figcaption { font-size: 9pt; color: #555; }
@page { size: A4; margin: 12mm; }
@media print {
  body { margin: 0; max-width: none; font-size: 8pt; }
  div.table { overflow: visible; }
  table { font-size: 7pt; }
  th, td { padding: 1px 4px; }
  figure, tr, h2, h3 { break-inside: avoid; page-break-inside: avoid; }
  h2, h3 { break-after: avoid; page-break-after: avoid; }
  figure img { max-height: 125mm; }
}
";

/// Writes `document` as `dir/report.html`, atomically, embedding the document's pictures found
/// in `dir` (a picture not drawn, e.g. with `--no-charts`, is named as missing); returns its path.
///
/// # Errors
/// [`ExportError::Output`] if a picture cannot be read or the page cannot be written.
pub fn write_html(document: &Document, dir: &Path) -> Result<PathBuf, ExportError> {
    let mut pictures = Vec::with_capacity(document.pictures.len());
    for picture in &document.pictures {
        let file = dir.join(picture.file);
        let bytes = match std::fs::read(&file) {
            Ok(bytes) => Some(bytes),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(source) => return Err(OutputError::Read { path: file, source }.into()),
        };
        pictures.push(bytes);
    }
    let path = dir.join(REPORT_HTML);
    write_atomic(&path, render(document, &pictures).as_bytes())?;
    Ok(path)
}

/// The page; `pictures[k]` is the PNG of `document.pictures[k]`, if drawn.
pub fn render(document: &Document, pictures: &[Option<Vec<u8>>]) -> String {
    let mut out = String::new();
    out.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    let _ = writeln!(out, "<title>{}</title>", escape(&document.title));
    let _ = writeln!(out, "<style>\n{STYLE}</style>\n</head>\n<body>");
    let _ = writeln!(out, "<h1>{}</h1>", escape(&document.title));
    for line in &document.subtitle {
        let _ = writeln!(out, "<p class=\"sub\">{}</p>", escape(line));
    }
    let mut sheets = document.sheets.iter().filter(|s| s.in_html);
    if let Some(summary) = sheets.next() {
        section(&mut out, &summary.name, &summary.tables);
    }
    if !document.pictures.is_empty() {
        out.push_str("<h2>Charts</h2>\n");
        for (k, picture) in document.pictures.iter().enumerate() {
            match pictures.get(k).and_then(Option::as_ref) {
                Some(png) => {
                    let _ = writeln!(
                        out,
                        "<figure><img src=\"data:image/png;base64,{}\" alt=\"{}\"><figcaption>{} ({})</figcaption></figure>",
                        STANDARD.encode(png),
                        escape(picture.caption),
                        escape(picture.caption),
                        picture.file
                    );
                }
                None => {
                    let _ =
                        writeln!(out, "<p class=\"note\">{} ({}): not drawn; <code>fifsim chart</code> draws it.</p>", escape(picture.caption), picture.file);
                }
            }
        }
    }
    for sheet in sheets {
        section(&mut out, &sheet.name, &sheet.tables);
    }
    out.push_str("</body>\n</html>\n");
    out
}

fn section(out: &mut String, name: &str, tables: &[Table]) {
    let _ = writeln!(out, "<h2>{}</h2>", escape(name));
    for table in tables {
        table_html(out, table);
    }
}

fn table_html(out: &mut String, table: &Table) {
    let _ = writeln!(out, "<h3>{}</h3>\n<div class=\"table\"><table>\n<thead><tr>", escape(&table.title));
    for column in &table.columns {
        let _ = write!(out, "<th>{}</th>", escape(column));
    }
    out.push_str("</tr></thead>\n<tbody>\n");
    for row in &table.rows {
        out.push_str("<tr>");
        for cell in row {
            match cell {
                Cell::Text(text) => {
                    let _ = write!(out, "<td>{}</td>", escape(text));
                }
                Cell::Number(x, format) => {
                    let _ = write!(out, "<td class=\"num\">{}</td>", escape(&format.show(*x)));
                }
            }
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody>\n</table></div>\n");
    for note in &table.notes {
        let _ = writeln!(out, "<p class=\"note\">{}</p>", escape(note));
    }
}

/// `text` safe inside an element or a quoted attribute.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::document::{Format, Picture, Sheet};

    #[test]
    fn tables_and_pictures_are_in_the_page_and_text_is_escaped() {
        let mut table = Table::new("Fund <A&B>", &["Measure", "Mean"]);
        table.numbers("TVPI", &[1.234], Format::Multiple);
        table.numbers("IRR", &[f64::NAN], Format::Percent);
        let document = Document {
            title: "t".into(),
            subtitle: vec!["基金 \"x\"".into()],
            sheets: vec![Sheet::new("Summary", vec![table]), Sheet::new("Data", vec![Table::new("Long", &["a"])]).workbook_only()],
            pictures: vec![Picture { file: "a.png", caption: "A" }, Picture { file: "b.png", caption: "B" }],
        };
        let page = render(&document, &[Some(vec![0x89, b'P', b'N', b'G']), None]);
        assert!(page.contains("<h3>Fund &lt;A&amp;B&gt;</h3>"), "{page}");
        assert!(page.contains("<td class=\"num\">1.23×</td>") && page.contains("<td class=\"num\">–</td>"));
        assert!(page.contains("基金 &quot;x&quot;"));
        assert!(page.contains(&format!("data:image/png;base64,{}", STANDARD.encode([0x89, b'P', b'N', b'G']))));
        assert!(page.contains("B (b.png): not drawn"));
        assert!(!page.contains("Long"), "workbook-only sheets stay out");
        assert!(!page.contains("<script") && !page.contains("http"), "nothing runs or is fetched");
    }
}
