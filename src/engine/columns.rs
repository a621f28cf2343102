//! The per-path value of every metric, kept in a temporary file rather than in memory.
//!
//! The summary statistics are exact (quantiles with order-statistic intervals, expected
//! shortfall, paired differences between scenarios), so they need every path's value; but only
//! one metric's at a time. A run therefore appends each chunk's rows to an unnamed temporary
//! file (in the system's temporary folder, `TMPDIR` on Unix; the system deletes it when the run's
//! results are dropped, or the process ends however it ends), and a metric's column is read back
//! when it is summarised. Memory then grows by one column (8 bytes a path) while a summary is
//! computed, not by every metric's (~100 × 8 bytes a path: 0.8 GB at a million paths).
//!
//! Layout: one block per appended chunk of rows, column-major inside the block (a chunk's values
//! of metric 0, then of metric 1, …), little-endian `f64`; reading a column takes one read per
//! block. A store may also be opened over files written before, one block each (the shards of a
//! run, [`Columns::open`]): their values are then read in place, never copied. Columns may be read from several threads at once (the report summarises metrics in
//! parallel): a read holds the file for its seeks and reads, a few milliseconds at a million
//! paths against the tens a summary of the column takes.

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::sync::{Mutex, PoisonError};

/// Bytes of one stored value.
const VALUE: usize = std::mem::size_of::<f64>();

/// Bytes the values of `paths` paths of `metrics` metrics take on disk (saturating).
pub fn bytes_needed(paths: u64, metrics: usize) -> u64 {
    paths.saturating_mul(metrics as u64).saturating_mul(VALUE as u64)
}

/// Per-path values of `metrics` metrics, in path order, on disk.
#[derive(Debug)]
pub struct Columns {
    /// Locked by a read: a file's position is shared by every handle to it. Appends go to the
    /// first.
    files: Vec<Mutex<File>>,
    metrics: usize,
    /// The blocks in path order.
    blocks: Vec<Block>,
    paths: usize,
    /// Opened over files written before: never appended to.
    read_only: bool,
    /// Scratch for a block's bytes.
    bytes: Vec<u8>,
}

/// `paths` paths' values, column-major, from byte `start` of file `file`.
#[derive(Debug, Clone, Copy)]
struct Block {
    file: usize,
    start: u64,
    paths: usize,
}

impl Columns {
    /// An empty store for rows of `metrics` values.
    ///
    /// # Errors
    /// If the temporary file cannot be created.
    pub fn new(metrics: usize) -> io::Result<Columns> {
        Ok(Columns { files: vec![Mutex::new(tempfile::tempfile()?)], metrics, blocks: Vec::new(), paths: 0, read_only: false, bytes: Vec::new() })
    }

    /// A store read in place from `blocks`, in path order: each a file holding `paths` paths'
    /// values of `metrics` metrics, column-major (as [`Columns::write_block`] writes them).
    /// Nothing can be appended to it.
    pub fn open(metrics: usize, blocks: Vec<(File, usize)>) -> Columns {
        let paths = blocks.iter().map(|(_, paths)| paths).sum();
        let (files, blocks) = blocks.into_iter().enumerate().map(|(file, (f, paths))| (Mutex::new(f), Block { file, start: 0, paths })).unzip();
        Columns { files, metrics, blocks, paths, read_only: true, bytes: Vec::new() }
    }

    /// Writes every path's values as one block, column-major (the layout [`Columns::open`]
    /// reads), reading one column at a time.
    ///
    /// # Errors
    /// If a column cannot be read back, or `out` written.
    pub fn write_block(&self, out: &mut impl Write) -> io::Result<()> {
        for metric in 0..self.metrics {
            for value in self.read(metric)? {
                out.write_all(&value.to_le_bytes())?;
            }
        }
        Ok(())
    }

    /// Values a path holds (the columns).
    pub fn width(&self) -> usize {
        self.metrics
    }

    /// Paths stored.
    pub fn paths(&self) -> usize {
        self.paths
    }

    /// Appends `rows`: consecutive paths, `metrics` values each (path-major, as the engine
    /// makes them), after the paths already stored.
    ///
    /// # Errors
    /// If the file cannot be written (e.g. the disk is full).
    pub fn append(&mut self, rows: &[f64]) -> io::Result<()> {
        if self.metrics == 0 || rows.is_empty() {
            return Ok(());
        }
        let paths = rows.len() / self.metrics;
        assert_eq!(paths * self.metrics, rows.len(), "rows must hold whole paths");
        self.bytes.clear();
        self.bytes.reserve(rows.len() * VALUE);
        for metric in 0..self.metrics {
            for value in rows.iter().skip(metric).step_by(self.metrics) {
                self.bytes.extend_from_slice(&value.to_le_bytes());
            }
        }
        if self.read_only {
            return Err(io::Error::other("values read in place cannot be appended to"));
        }
        let file = self.files[0].get_mut().unwrap_or_else(PoisonError::into_inner);
        let start = file.seek(SeekFrom::End(0))?;
        file.write_all(&self.bytes)?;
        self.blocks.push(Block { file: 0, start, paths });
        self.paths += paths;
        Ok(())
    }

    /// The values of metric `metric` (`< metrics`), one per path, in path order.
    ///
    /// # Errors
    /// If the file cannot be read back.
    pub fn read(&self, metric: usize) -> io::Result<Vec<f64>> {
        let mut values = Vec::with_capacity(self.paths);
        self.read_range(metric, 0..self.paths, &mut values)?;
        Ok(values)
    }

    /// Appends to `values` the values of metric `metric` (`< metrics`) of paths `range` (of
    /// those stored, counted from 0), in path order.
    ///
    /// # Errors
    /// If the file cannot be read back.
    pub fn read_range(&self, metric: usize, range: std::ops::Range<usize>, values: &mut Vec<f64>) -> io::Result<()> {
        assert!(metric < self.metrics, "metric {metric} of {}", self.metrics);
        assert!(range.end <= self.paths, "paths {range:?} of {}", self.paths);
        let mut bytes = Vec::new();
        let mut first = 0;
        for &Block { file, start, paths } in &self.blocks {
            let (from, to) = (range.start.max(first), range.end.min(first + paths));
            if from < to {
                bytes.resize((to - from) * VALUE, 0);
                // A failed read leaves nothing half-done that a later read relies on (each read
                // seeks first), so a lock poisoned by a panic elsewhere is still good to use.
                let mut file = self.files[file].lock().unwrap_or_else(PoisonError::into_inner);
                file.seek(SeekFrom::Start(start + ((metric * paths + from - first) * VALUE) as u64))?;
                file.read_exact(&mut bytes)?;
                values.extend(bytes.chunks_exact(VALUE).map(|b| f64::from_le_bytes(b.try_into().expect("chunks of 8 bytes"))));
            }
            first += paths;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Rows of `metrics` values for paths `first..first + paths`, value = path · 10 + metric.
    fn rows(first: usize, paths: usize, metrics: usize) -> Vec<f64> {
        (first..first + paths).flat_map(|p| (0..metrics).map(move |m| (p * 10 + m) as f64)).collect()
    }

    #[test]
    fn columns_come_back_in_path_order_across_blocks_of_any_size() {
        let mut columns = Columns::new(3).unwrap();
        let mut first = 0;
        for paths in [4, 1, 7, 2] {
            columns.append(&rows(first, paths, 3)).unwrap();
            first += paths;
        }
        assert_eq!(columns.paths(), 14);
        for metric in 0..3 {
            let expected: Vec<f64> = (0..14).map(|p| (p * 10 + metric) as f64).collect();
            assert_eq!(columns.read(metric).unwrap(), expected, "metric {metric}");
        }
    }

    #[test]
    fn values_are_stored_bit_for_bit() {
        let special = [f64::NAN, -0.0, f64::INFINITY, f64::MIN_POSITIVE / 2.0, 1.0 / 3.0, -7.5e300];
        let mut columns = Columns::new(2).unwrap();
        let rows: Vec<f64> = special.iter().flat_map(|&x| [x, -x]).collect();
        columns.append(&rows).unwrap();
        let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(&columns.read(0).unwrap()), bits(&special));
        assert_eq!(bits(&columns.read(1).unwrap()), bits(&special.map(|x| -x)));
    }

    /// Reads from many threads at once each get their own column whole: they share the file's
    /// position, which the store's lock keeps from interleaving (without it, this fails: one
    /// thread's seek lands between another's seek and read). Many small blocks, many seeks.
    #[test]
    fn concurrent_reads_get_their_own_columns() {
        let metrics = 6;
        let mut columns = Columns::new(metrics).unwrap();
        for first in (0..6000).step_by(10) {
            columns.append(&rows(first, 10, metrics)).unwrap();
        }
        let start = std::sync::Barrier::new(metrics);
        std::thread::scope(|scope| {
            for metric in 0..metrics {
                let (columns, start) = (&columns, &start);
                scope.spawn(move || {
                    start.wait();
                    for _ in 0..10 {
                        let values = columns.read(metric).unwrap();
                        assert!(values.iter().enumerate().all(|(p, &v)| v == (p * 10 + metric) as f64), "metric {metric}");
                    }
                });
            }
        });
    }

    /// A store opened over blocks written by [`Columns::write_block`] reads as the stores they
    /// came from, end to end, whole or in any range.
    #[test]
    fn stores_opened_over_written_blocks_read_in_place() {
        let metrics = 3;
        let mut parts = Vec::new();
        let mut first = 0;
        for sizes in [vec![4, 3], vec![1], vec![5, 2, 2]] {
            let mut part = Columns::new(metrics).unwrap();
            for paths in sizes {
                part.append(&rows(first, paths, metrics)).unwrap();
                first += paths;
            }
            let mut file = tempfile::tempfile().unwrap();
            part.write_block(&mut file).unwrap();
            parts.push((file, part.paths()));
        }
        let mut whole = Columns::open(metrics, parts);
        assert_eq!(whole.paths(), 17);
        for metric in 0..metrics {
            let expected: Vec<f64> = (0..17).map(|p| (p * 10 + metric) as f64).collect();
            assert_eq!(whole.read(metric).unwrap(), expected);
            let mut some = Vec::new();
            whole.read_range(metric, 3..12, &mut some).unwrap();
            assert_eq!(some, expected[3..12]);
        }
        assert!(whole.append(&rows(17, 1, metrics)).is_err(), "read-only");
    }

    #[test]
    fn an_empty_store_reads_empty_columns() {
        let columns = Columns::new(5).unwrap();
        assert_eq!(columns.paths(), 0);
        assert!(columns.read(4).unwrap().is_empty());
    }
}
