//! `paths.csv`: one row per simulated path, columns `path` then the scenario's metric keys
//! ([`Schema`]), written by the engine chunk by chunk through [`PathSink`], so memory does not
//! grow with the number of paths.
//!
//! The file is built under a temporary name and renamed into place by [`PathsCsv::finish`]. The
//! provenance line needs the number of paths: when it is known up front the rows go straight into
//! the file; when a run stops on precision they are spooled to a temporary file and copied in
//! behind the provenance and header lines at the end.

use std::fmt::Write as _;
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use super::{ExportError, PATHS_CSV, provenance_line};
use crate::engine::PathSink;
use crate::metrics::path::Schema;
use crate::output::{AtomicFile, OutputError, create_unique};

/// Streams per-path rows into `paths.csv`.
#[derive(Debug)]
pub struct PathsCsv {
    path: PathBuf,
    scenario: String,
    seed: u64,
    header: Vec<String>,
    body: Body,
    rows: u64,
    field: String,
}

#[derive(Debug)]
enum Body {
    /// Provenance and header already written; rows go straight in.
    Direct { writer: csv::Writer<AtomicFile>, expected: u64 },
    /// Rows only, in a temporary file removed when dropped.
    Spooled { writer: csv::Writer<BufWriter<File>>, spool: SpoolGuard },
}

/// Removes the spool file when dropped.
#[derive(Debug)]
struct SpoolGuard(PathBuf);

impl Drop for SpoolGuard {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

impl PathsCsv {
    /// Starts `dir/paths.csv` for a run of `scenario` with `seed`; `paths` is the number of rows
    /// if known in advance (`None` for a run that stops on precision).
    ///
    /// # Errors
    /// [`ExportError`] naming the file.
    pub fn create(dir: &Path, schema: &Schema, scenario: &str, seed: u64, paths: Option<u64>) -> Result<PathsCsv, ExportError> {
        let path = dir.join(PATHS_CSV);
        let mut header = vec!["path".to_string()];
        header.extend(schema.metrics.iter().map(|m| m.key.clone()));
        let body = match paths {
            Some(expected) => {
                let mut file = AtomicFile::create(&path)?;
                writeln!(file, "{}", provenance_line(scenario, seed, expected)).map_err(|source| OutputError::Write { path: path.clone(), source })?;
                let mut writer = csv::Writer::from_writer(file);
                writer.write_record(&header).map_err(|source| ExportError::Csv { path: path.clone(), source })?;
                Body::Direct { writer, expected }
            }
            None => {
                let (spool, file) = create_unique(&path, "rows")?;
                Body::Spooled { writer: csv::Writer::from_writer(BufWriter::new(file)), spool: SpoolGuard(spool) }
            }
        };
        Ok(PathsCsv { path, scenario: scenario.to_string(), seed, header, body, rows: 0, field: String::new() })
    }

    /// Completes the file after the last row and renames it into place; returns its path.
    ///
    /// # Errors
    /// [`ExportError`] naming the file, also if the rows written are not `paths`.
    pub fn finish(self, paths: u64) -> Result<PathBuf, ExportError> {
        let PathsCsv { path, scenario, seed, header, body, rows, .. } = self;
        let csv_error = |source: csv::Error| ExportError::Csv { path: path.clone(), source };
        let count_error = |expected: u64| {
            csv_error(io::Error::other(format!("{rows} rows written, {expected} expected")).into())
        };
        if rows != paths {
            return Err(count_error(paths));
        }
        let file = match body {
            Body::Direct { writer, expected } => {
                if expected != paths {
                    return Err(count_error(expected));
                }
                writer.into_inner().map_err(|e| csv_error(e.into_error().into()))?
            }
            Body::Spooled { writer, spool } => {
                writer.into_inner().map_err(|e| csv_error(e.into_error().into()))?.flush().map_err(|e| csv_error(e.into()))?;
                let mut file = AtomicFile::create(&path)?;
                writeln!(file, "{}", provenance_line(&scenario, seed, paths)).map_err(|e| csv_error(e.into()))?;
                let mut writer = csv::Writer::from_writer(file);
                writer.write_record(&header).map_err(csv_error)?;
                let mut file = writer.into_inner().map_err(|e| csv_error(e.into_error().into()))?;
                let mut rows_file = File::open(&spool.0).map_err(|source| OutputError::Read { path: spool.0.clone(), source })?;
                io::copy(&mut rows_file, &mut file).map_err(|e| csv_error(e.into()))?;
                file
            }
        };
        file.commit()?;
        Ok(path)
    }

    fn write_row(&mut self, index: u64, row: &[f64]) -> csv::Result<()> {
        let writer: &mut dyn RowWriter = match &mut self.body {
            Body::Direct { writer, .. } => writer,
            Body::Spooled { writer, .. } => writer,
        };
        self.field.clear();
        let _ = write!(self.field, "{index}");
        writer.field(&self.field)?;
        for &x in row {
            self.field.clear();
            if !x.is_nan() {
                let _ = write!(self.field, "{x}");
            }
            writer.field(&self.field)?;
        }
        writer.end()
    }
}

/// The two kinds of CSV writer behind one interface.
trait RowWriter {
    fn field(&mut self, field: &str) -> csv::Result<()>;
    fn end(&mut self) -> csv::Result<()>;
}

impl<W: Write> RowWriter for csv::Writer<W> {
    fn field(&mut self, field: &str) -> csv::Result<()> {
        self.write_field(field)
    }

    fn end(&mut self) -> csv::Result<()> {
        self.write_record(None::<&[u8]>)
    }
}

impl PathSink for PathsCsv {
    fn write_rows(&mut self, first_path: u64, rows: &[Vec<f64>]) -> io::Result<()> {
        for (k, row) in rows.iter().enumerate() {
            self.write_row(first_path + k as u64, row)
                .map_err(|e| io::Error::other(format!("{}: {e}", self.path.display())))?;
        }
        self.rows += rows.len() as u64;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{RunOptions, Stopping, run};

    fn write(paths: Option<u64>) -> String {
        let scenario = crate::testing::base();
        let tmp = tempfile::tempdir().unwrap();
        let schema = Schema::new(&scenario);
        let mut sink = PathsCsv::create(tmp.path(), &schema, "base", 5, paths).unwrap();
        let options = RunOptions { seed: 5, stopping: Stopping::Paths(30), threads: Some(1) };
        let results = run(&scenario, &options, &mut |_| {}, Some(&mut sink)).unwrap();
        let path = sink.finish(results.paths).unwrap();
        let names: Vec<_> = std::fs::read_dir(tmp.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(names, ["paths.csv"], "no temporary file left behind");
        std::fs::read_to_string(path).unwrap()
    }

    #[test]
    fn rows_follow_provenance_and_header_whether_or_not_spooled() {
        let direct = write(Some(30));
        assert_eq!(direct, write(None));
        let lines: Vec<&str> = direct.lines().collect();
        assert_eq!(lines.len(), 32);
        assert!(lines[0].starts_with("# fifsim ") && lines[0].ends_with("scenario=base seed=5 paths=30"));
        assert!(lines[1].starts_with("path,fund_tvpi,fund_dpi,"));
        assert!(lines[2].starts_with("0,") && lines[31].starts_with("29,"));
        let columns = lines[1].split(',').count();
        assert!(lines[1..].iter().all(|l| l.split(',').count() == columns));
    }

    #[test]
    fn a_wrong_row_count_is_an_error_and_leaves_no_file() {
        let tmp = tempfile::tempdir().unwrap();
        let schema = Schema::new(&crate::testing::base());
        let mut sink = PathsCsv::create(tmp.path(), &schema, "base", 5, Some(3)).unwrap();
        sink.write_rows(0, &[vec![1.0; schema.len()]]).unwrap();
        assert!(sink.finish(1).is_err());
        assert_eq!(std::fs::read_dir(tmp.path()).unwrap().count(), 0);
    }
}
