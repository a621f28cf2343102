//! `paths.csv`: one row per simulated path, columns `path` then the scenario's metric keys
//! ([`Schema`]), written by the engine chunk by chunk through [`PathSink`], so memory does not
//! grow with the number of paths.
//!
//! The file is built under a temporary name and renamed into place by [`PathsCsv::finish`]. The
//! provenance line needs the number of paths: when it is known up front the rows go straight into
//! the file; when a run stops on precision they are spooled to a temporary file and copied in
//! behind the provenance and header lines at the end.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::slice::ChunksExact;

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
    /// The header line, CSV-quoted as needed.
    header: Vec<u8>,
    body: Body,
    rows: u64,
    /// The row being formatted (kept to reuse its allocation).
    line: Vec<u8>,
}

#[derive(Debug)]
enum Body {
    /// Provenance and header already written; rows go straight in.
    Direct { file: AtomicFile, expected: u64 },
    /// Rows only, in a temporary file removed when dropped.
    Spooled { file: BufWriter<File>, spool: SpoolGuard },
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
        let csv_error = |source: csv::Error| ExportError::Csv { path: path.clone(), source };
        let mut header = csv::Writer::from_writer(Vec::new());
        header.write_field("path").map_err(csv_error)?;
        for metric in &schema.metrics {
            header.write_field(&metric.key).map_err(csv_error)?;
        }
        header.write_record(None::<&[u8]>).map_err(csv_error)?;
        let header = header.into_inner().map_err(|e| csv_error(e.into_error().into()))?;
        let body = match paths {
            Some(expected) => {
                let mut file = AtomicFile::create(&path)?;
                writeln!(file, "{}", provenance_line(scenario, seed, expected))
                    .and_then(|()| file.write_all(&header))
                    .map_err(|source| OutputError::Write { path: path.clone(), source })?;
                Body::Direct { file, expected }
            }
            None => {
                let (spool, file) = create_unique(&path, "rows")?;
                Body::Spooled { file: BufWriter::new(file), spool: SpoolGuard(spool) }
            }
        };
        Ok(PathsCsv { path, scenario: scenario.to_string(), seed, header, body, rows: 0, line: Vec::new() })
    }

    /// Completes the file after the last row and renames it into place; returns its path.
    ///
    /// # Errors
    /// [`ExportError`] naming the file, also if the rows written are not `paths`.
    pub fn finish(self, paths: u64) -> Result<PathBuf, ExportError> {
        let PathsCsv { path, scenario, seed, header, body, rows, .. } = self;
        let csv_error = |source: io::Error| ExportError::Csv { path: path.clone(), source: source.into() };
        let count_error = |expected: u64| csv_error(io::Error::other(format!("{rows} rows written, {expected} expected")));
        if rows != paths {
            return Err(count_error(paths));
        }
        let file = match body {
            Body::Direct { file, expected } => {
                if expected != paths {
                    return Err(count_error(expected));
                }
                file
            }
            Body::Spooled { file, spool } => {
                file.into_inner().map_err(|e| csv_error(e.into_error()))?;
                let mut file = AtomicFile::create(&path)?;
                writeln!(file, "{}", provenance_line(&scenario, seed, paths)).map_err(csv_error)?;
                file.write_all(&header).map_err(csv_error)?;
                let mut rows_file = File::open(&spool.0).map_err(|source| OutputError::Read { path: spool.0.clone(), source })?;
                io::copy(&mut rows_file, &mut file).map_err(csv_error)?;
                file
            }
        };
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
        let writer: &mut dyn Write = match &mut self.body {
            Body::Direct { file, .. } => file,
            Body::Spooled { file, .. } => file,
        };
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
            writer.write_all(&self.line).map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", self.path.display())))?;
        }
        self.rows += count;
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
        let mut sink = PathsCsv::create(tmp.path(), &schema, "base", 5, Some(3)).unwrap();
        sink.write_rows(0, vec![1.0; schema.len()].chunks_exact(schema.len())).unwrap();
        assert!(sink.finish(1).is_err());
        assert_eq!(std::fs::read_dir(tmp.path()).unwrap().count(), 0);
    }
}
