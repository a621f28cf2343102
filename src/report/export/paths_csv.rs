//! `paths.csv`: one row per simulated path, columns `path` then the scenario's metric keys
//! ([`Schema`]), written by the engine chunk by chunk through [`PathSink`], so memory does not
//! grow with the number of paths.
//!
//! The file starts with its header line and is built under a temporary name, renamed into place
//! by [`PathsCsv::finish`].

use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::slice::ChunksExact;

use super::{ExportError, PATHS_CSV};
use crate::engine::PathSink;
use crate::metrics::path::Schema;
use crate::output::{AtomicFile, OutputError};

/// Streams per-path rows into `paths.csv`.
#[derive(Debug)]
pub struct PathsCsv {
    path: PathBuf,
    file: AtomicFile,
    rows: u64,
    /// The row being formatted (kept to reuse its allocation).
    line: Vec<u8>,
}

impl PathsCsv {
    /// Starts `dir/paths.csv` with the header line of `schema`.
    ///
    /// # Errors
    /// [`ExportError`] naming the file.
    pub fn create(dir: &Path, schema: &Schema) -> Result<PathsCsv, ExportError> {
        let path = dir.join(PATHS_CSV);
        let csv_error = |source: csv::Error| ExportError::Csv { path: path.clone(), source };
        let mut header = csv::Writer::from_writer(Vec::new());
        header.write_field("path").map_err(csv_error)?;
        for metric in &schema.metrics {
            header.write_field(&metric.key).map_err(csv_error)?;
        }
        header.write_record(None::<&[u8]>).map_err(csv_error)?;
        let header = header.into_inner().map_err(|e| csv_error(e.into_error().into()))?;
        let mut file = AtomicFile::create(&path)?;
        file.write_all(&header).map_err(|source| OutputError::Write { path: path.clone(), source })?;
        Ok(PathsCsv { path, file, rows: 0, line: Vec::new() })
    }

    /// Completes the file after the last row and renames it into place; returns its path.
    ///
    /// # Errors
    /// [`ExportError`] naming the file, also if the rows written are not `paths`.
    pub fn finish(self, paths: u64) -> Result<PathBuf, ExportError> {
        let PathsCsv { path, file, rows, .. } = self;
        if rows != paths {
            let source = io::Error::other(format!("{rows} rows written, {paths} expected"));
            return Err(ExportError::Csv { path, source: source.into() });
        }
        file.commit()?;
        Ok(path)
    }
}

/// Appends `x` as a CSV field: nothing for `NaN` (a value that does not exist on the path),
/// `inf`/`-inf` as Rust prints them, whole numbers below 2^53 as integers (`3`, not `3.0`: the
/// counts and quarters), anything else in shortest round-trip form (Żmij, several times cheaper
/// than `std`'s Grisu; it switches to exponent form for very small or large magnitudes, as `1e-7`).
/// Every field parses back to the same `f64`, `-0.0` included.
fn push_value(line: &mut Vec<u8>, x: f64) {
    const EXACT_INTEGERS: f64 = 9_007_199_254_740_992.0; // 2^53
    if x.is_nan() {
        return;
    }
    let whole = x.abs() < EXACT_INTEGERS && (x as i64) as f64 == x && !(x == 0.0 && x.is_sign_negative());
    if whole {
        line.extend_from_slice(itoa::Buffer::new().format(x as i64).as_bytes());
    } else {
        line.extend_from_slice(zmij::Buffer::new().format(x).as_bytes());
    }
}

impl PathSink for PathsCsv {
    fn write_rows(&mut self, first_path: u64, rows: ChunksExact<'_, f64>) -> io::Result<()> {
        let count = rows.len() as u64;
        for (index, row) in (first_path..).zip(rows) {
            // The fields are numbers, which never need CSV quoting: the row is formatted here
            // rather than field by field through `csv`.
            self.line.clear();
            self.line.extend_from_slice(itoa::Buffer::new().format(index).as_bytes());
            for &x in row {
                self.line.push(b',');
                push_value(&mut self.line, x);
            }
            self.line.push(b'\n');
            self.file.write_all(&self.line).map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", self.path.display())))?;
        }
        self.rows += count;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{RunOptions, Stopping, run};

    fn write() -> String {
        let scenario = crate::testing::base();
        let tmp = tempfile::tempdir().unwrap();
        let schema = Schema::new(&scenario);
        let mut sink = PathsCsv::create(tmp.path(), &schema).unwrap();
        let options = RunOptions { seed: 5, stopping: Stopping::Paths(30), threads: Some(1) };
        let results = run(&scenario, &options, &mut |_| {}, Some(&mut sink)).unwrap();
        let path = sink.finish(results.paths).unwrap();
        let names: Vec<_> = std::fs::read_dir(tmp.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(names, ["paths.csv"], "no temporary file left behind");
        std::fs::read_to_string(path).unwrap()
    }

    /// The header is the first line: a CSV reader takes the file as it is.
    #[test]
    fn rows_follow_the_header_from_the_first_line() {
        let text = write();
        let mut reader = csv::Reader::from_reader(text.as_bytes());
        let header = reader.headers().unwrap().clone();
        assert_eq!(&header[0], "path");
        assert_eq!(header.len(), 1 + Schema::new(&crate::testing::base()).len());
        assert_eq!((&header[1], &header[2]), ("fund_tvpi", "fund_dpi"));
        let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
        assert_eq!(rows.len(), 30);
        assert!(rows.iter().enumerate().all(|(i, row)| row[0] == i.to_string() && row.len() == header.len()));
    }

    fn field(x: f64) -> String {
        let mut line = Vec::new();
        push_value(&mut line, x);
        String::from_utf8(line).unwrap()
    }

    #[test]
    fn every_value_reads_back_to_the_same_bits() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1);
        let special = [0.0, -0.0, 1.0, -3.0, 0.1, 1e-7, -2.5e-300, 5e-324, f64::MIN_POSITIVE, f64::MAX, f64::MIN, 9_007_199_254_740_991.0, 9_007_199_254_740_992.0, -9_007_199_254_740_994.0, 1e16, 123_456.789];
        // Random bit patterns cover every exponent; random small integers the counts.
        let mut random: Vec<f64> = (0..100_000).map(|_| f64::from_bits(rng.next_u64())).collect();
        random.extend((0..1_000).map(|_| f64::from(rng.next_u32() as i32)));
        for x in special.into_iter().chain(random).filter(|x| x.is_finite()) {
            let text = field(x);
            assert_eq!(text.parse::<f64>().map(f64::to_bits), Ok(x.to_bits()), "{x:?} written {text}");
            if x.fract() == 0.0 && x.abs() < 9e15 && x.is_sign_positive() {
                assert_eq!(text, format!("{x}"), "whole numbers as before");
            }
        }
        assert_eq!([field(f64::NAN), field(f64::INFINITY), field(f64::NEG_INFINITY), field(-0.0), field(42.0)], ["", "inf", "-inf", "-0.0", "42"]);
    }

    #[test]
    fn a_wrong_row_count_is_an_error_and_leaves_no_file() {
        let tmp = tempfile::tempdir().unwrap();
        let schema = Schema::new(&crate::testing::base());
        let mut sink = PathsCsv::create(tmp.path(), &schema).unwrap();
        sink.write_rows(0, vec![1.0; schema.len()].chunks_exact(schema.len())).unwrap();
        assert!(sink.finish(2).is_err());
        assert_eq!(std::fs::read_dir(tmp.path()).unwrap().count(), 0);
    }
}
