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
//! block. Columns may be read from several threads at once (the report summarises metrics in
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
    /// Locked by a read: the file's position is shared by every handle to it.
    file: Mutex<File>,
    metrics: usize,
    /// Paths in each block, in order (block `k` starts at byte `VALUE · metrics · Σ_{j<k} paths`).
    blocks: Vec<usize>,
    paths: usize,
    /// Scratch for a block's bytes.
    bytes: Vec<u8>,
}

impl Columns {
    /// An empty store for rows of `metrics` values.
    ///
    /// # Errors
    /// If the temporary file cannot be created.
    pub fn new(metrics: usize) -> io::Result<Columns> {
        Ok(Columns { file: Mutex::new(tempfile::tempfile()?), metrics, blocks: Vec::new(), paths: 0, bytes: Vec::new() })
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
        let file = self.file.get_mut().unwrap_or_else(PoisonError::into_inner);
        file.seek(SeekFrom::End(0))?;
        file.write_all(&self.bytes)?;
        self.blocks.push(paths);
        self.paths += paths;
        Ok(())
    }

    /// The values of metric `metric` (`< metrics`), one per path, in path order.
    ///
    /// # Errors
    /// If the file cannot be read back.
    pub fn read(&self, metric: usize) -> io::Result<Vec<f64>> {
        assert!(metric < self.metrics, "metric {metric} of {}", self.metrics);
        let mut values = Vec::with_capacity(self.paths);
        let mut bytes = vec![0u8; self.blocks.iter().max().copied().unwrap_or(0) * VALUE];
        // A failed read leaves nothing half-done that a later read relies on (each read seeks
        // first), so a lock poisoned by a panic elsewhere is still good to use.
        let mut file = self.file.lock().unwrap_or_else(PoisonError::into_inner);
        let mut start = 0u64;
        for &paths in &self.blocks {
            let block = &mut bytes[..paths * VALUE];
            file.seek(SeekFrom::Start(start + (metric * paths * VALUE) as u64))?;
            file.read_exact(block)?;
            values.extend(block.chunks_exact(VALUE).map(|b| f64::from_le_bytes(b.try_into().expect("chunks of 8 bytes"))));
            start += (self.metrics * paths * VALUE) as u64;
        }
        Ok(values)
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

    #[test]
    fn an_empty_store_reads_empty_columns() {
        let columns = Columns::new(5).unwrap();
        assert_eq!(columns.paths(), 0);
        assert!(columns.read(4).unwrap().is_empty());
    }
}
