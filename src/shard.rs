//! A shard of a run: paths `[k·N/K, (k+1)·N/K)` of a run of `N` paths split `K` ways, stored in
//! a folder from which `fifsim merge` rebuilds, with the other shards, exactly the results folder
//! one run of `N` paths writes (docs/cluster.md). A shard of `compare` holds those paths of every
//! scenario compared.
//!
//! Every path draws from its own streams, keyed by the seed and its index, so a path's values do
//! not depend on which run simulated it; the fans are integer counts, so adding the shards' fans
//! gives the run's fans; and the summaries read each metric's values whole, in path order. Hence
//! any tiling of `[0, N)` merges to the same bytes; this one needs no chunk alignment and leaves
//! no shard empty while `K ≤ N`.
//!
//! A shard folder holds, for the `i`-th scenario of the command (the only one for `run`):
//! * `columns-<i>.f64`: every metric's value on every path of the shard, column-major (the
//!   shard's values of metric 0 in path order, then of metric 1, …), little-endian `f64`, the
//!   metrics in the order of the header's `metrics`;
//! * `fans-<i>.bin`: the fans' exact state ([`crate::stats::sketch::encoding`]), one per series;
//!
//! and [`HEADER`], written last: what the merge checks (format, fifsim version, build id, the
//! command, seed, `N`, `K`, `k`, the range; per scenario the file as typed, a hash of its
//! content, the metric keys and quarters, and the size and SHA-256 of both files). A folder
//! without it is incomplete. Nothing in it depends on the clock or the thread count: a retry
//! writes the same bytes.
//!
//! `paths.csv` is not stored: the merge writes it from the columns, through the same writer a
//! run uses.
//!
//! A shard of `sensitivity` or `frontier` holds those paths of every run the command makes — the
//! scenario, then each shock down and up, or each allocation of the grid — all on the same path
//! indices (common random numbers), one part each; the header names every variant and the grid,
//! and the merge makes the variants again from the scenario and checks them against the parts.

use std::fs::File;
use std::io::{self, Read, Write};
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::engine::RunResults;
use crate::output::{AtomicFile, OutputError};
use crate::scenario::Scenario;
use crate::stats::sketch::Fan;

pub mod set;

/// The header, written last.
pub const HEADER: &str = "shard.json";
/// What a header's `format` says.
pub const FORMAT: &str = "fifsim-shard";
/// The layout's version: a reader refuses any other.
pub const FORMAT_VERSION: u32 = 1;

/// Shard `index` of `count`, as `--shard k/K` gives it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ShardSpec {
    pub index: u64,
    pub count: u64,
}

impl std::str::FromStr for ShardSpec {
    type Err = String;

    fn from_str(s: &str) -> Result<ShardSpec, String> {
        let bad = || format!("expected k/K, shard k (counted from 0) of K, e.g. 0/4 … 3/4; got {s}");
        let (index, count) = s.split_once('/').ok_or_else(bad)?;
        let (index, count): (u64, u64) = (index.trim().parse().map_err(|_| bad())?, count.trim().parse().map_err(|_| bad())?);
        if count == 0 || index >= count {
            return Err(format!("shard {index} of {count} does not exist: k runs from 0 to K - 1 (got {s})"));
        }
        Ok(ShardSpec { index, count })
    }
}

/// Paths `[k·N/K, (k+1)·N/K)`: shard `k`'s part of a run of `paths` paths split `shards` ways.
pub fn range(index: u64, shards: u64, paths: u64) -> Range<u64> {
    let at = |k: u64| (u128::from(k) * u128::from(paths) / u128::from(shards.max(1))) as u64;
    at(index)..at(index + 1)
}

/// One file of a shard, as its header lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileSum {
    pub name: String,
    pub bytes: u64,
    pub sha256: String,
}

/// The allocations a shard of `frontier` sweeps: its `--direct-shares` and `--grid`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Grid {
    pub direct_shares: Vec<f64>,
    pub divisions: usize,
}

impl Grid {
    /// The options of `fifsim frontier` that make this grid.
    pub fn arguments(&self) -> String {
        let shares: Vec<String> = self.direct_shares.iter().map(f64::to_string).collect();
        format!("--direct-shares {} --grid {}", shares.join(","), self.divisions)
    }
}

/// A shard folder's header ([`HEADER`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Header {
    pub format: String,
    pub format_version: u32,
    pub tool: String,
    pub version: String,
    /// SHA-256 of the fifsim executable that simulated the shard ([`build_id`]).
    pub build_id: String,
    /// The command the shard is part of: `run`, `compare`, `sensitivity` or `frontier`.
    pub command: String,
    /// Of `frontier`: the allocations swept.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grid: Option<Grid>,
    pub seed: u64,
    /// Paths of the whole run, `N`.
    pub paths: u64,
    /// Shards of the whole run, `K`.
    pub shards: u64,
    /// This shard, `k` (from 0).
    pub shard: u64,
    /// Its paths, `[first_path, end_path)`.
    pub first_path: u64,
    pub end_path: u64,
    /// One per scenario, in the command's order (of `sensitivity` and `frontier`: per variant).
    pub scenarios: Vec<Part>,
}

/// A scenario's part of a shard.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Part {
    /// The scenario file as it was typed (the merge loads it from there, and the results name it so).
    pub scenario_file: String,
    /// Of `sensitivity` and `frontier`: the variant of that scenario (its name, the shock or
    /// allocation in brackets).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub variant: Option<String>,
    /// [`scenario_hash`] of the scenario as loaded (of the variant as made).
    pub scenario_hash: String,
    /// The metrics' keys, in the columns' order.
    pub metrics: Vec<String>,
    /// Quarters of every fan.
    pub quarters: usize,
    /// Values a path holds in `columns` (every metric, then every control variate) and in
    /// `indicators` (every evaluation year's indicators).
    pub widths: (usize, usize),
    pub columns: FileSum,
    pub indicators: FileSum,
    pub fans: FileSum,
    /// With a funding plan: the cash account's values (`width` a path) and fans.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cash: Option<CashFiles>,
}

/// The files of a part's cash account ([`crate::engine::Liquidity`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CashFiles {
    pub width: usize,
    pub columns: FileSum,
    pub fans: FileSum,
}

/// Why a shard could not be written or read.
#[derive(Debug, thiserror::Error)]
pub enum ShardError {
    #[error(transparent)]
    Output(#[from] OutputError),
    #[error("{}: cannot read: {source}", .path.display())]
    Read { path: PathBuf, source: io::Error },
    #[error("cannot hash the fifsim executable for its build id ({}): {source}", .path.display())]
    BuildId { path: PathBuf, source: io::Error },
    #[error("{}: {problem}", .path.display())]
    Invalid { path: PathBuf, problem: String },
}

/// SHA-256 of the running executable, computed once: shards of different builds may differ in
/// their numbers, so the merge accepts shards of one build only.
///
/// # Errors
/// [`ShardError::BuildId`] if the executable cannot be read.
pub fn build_id() -> Result<String, ShardError> {
    static ID: OnceLock<Result<String, (PathBuf, io::ErrorKind, String)>> = OnceLock::new();
    let id = ID.get_or_init(|| {
        let path = std::env::current_exe().unwrap_or_default();
        let mut file = File::open(&path).map_err(|e| (path.clone(), e.kind(), e.to_string()))?;
        let mut hasher = Hashing::new(io::sink());
        io::copy(&mut file, &mut hasher).map_err(|e| (path.clone(), e.kind(), e.to_string()))?;
        Ok(hasher.finish().2)
    });
    id.clone().map_err(|(path, kind, message)| ShardError::BuildId { path, source: io::Error::new(kind, message) })
}

/// SHA-256 of `scenario`'s content as loaded (parents it `extends` included), whatever path
/// names it: what the shards of one run must share.
pub fn scenario_hash(scenario: &Scenario) -> String {
    // The raw scenario, its parents merged in, is what validation made the scenario from, and
    // names no path. `Debug` prints every field, floats exactly; it is stable within one build,
    // and the merge accepts one build only.
    hex(&Sha256::digest(format!("{:?}", scenario.raw()).as_bytes()))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A writer that counts and hashes what passes through it.
struct Hashing<W> {
    inner: W,
    hasher: Sha256,
    bytes: u64,
}

impl<W: Write> Hashing<W> {
    fn new(inner: W) -> Hashing<W> {
        Hashing { inner, hasher: Sha256::new(), bytes: 0 }
    }

    fn finish(self) -> (W, u64, String) {
        (self.inner, self.bytes, hex(&self.hasher.finalize()))
    }
}

impl<W: Write> Write for Hashing<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hasher.update(&buf[..n]);
        self.bytes += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// What a shard is a part of: everything of its header but its files.
#[derive(Debug, Clone)]
pub struct Identity {
    /// `run`, `compare`, `sensitivity` or `frontier`.
    pub command: &'static str,
    /// Of `frontier`: the allocations swept.
    pub grid: Option<Grid>,
    /// The scenarios are variants of the first (`sensitivity`, `frontier`): each part names its own.
    pub variants: bool,
    pub seed: u64,
    pub paths: u64,
    pub spec: ShardSpec,
}

/// Writes the files of the shard's part `i` into `dir` (a staging folder): the columns and fans
/// of `results`, the run of `scenario` over the shard's paths. A shard writes each part as its run
/// ends, so it holds one run at a time. Returns the part, for [`write_header`].
///
/// # Errors
/// [`ShardError`] naming the file that could not be written.
pub fn write_part(dir: &Path, i: usize, identity: &Identity, scenario: &Scenario, results: &RunResults) -> Result<Part, ShardError> {
    let columns = write_file(dir, &format!("columns-{i}.f64"), |out| results.write_columns(out))?;
    let indicators = write_file(dir, &format!("indicators-{i}.f64"), |out| results.write_indicators(out))?;
    let fans = write_file(dir, &format!("fans-{i}.bin"), |out| out.write_all(&encode(&results.fans)))?;
    let cash = match &results.liquidity {
        Some(cash) => Some(CashFiles {
            width: cash.schema.len(),
            columns: write_file(dir, &format!("cash-{i}.f64"), |out| cash.write_columns(out))?,
            fans: write_file(dir, &format!("cash-fans-{i}.bin"), |out| out.write_all(&encode(&cash.fans)))?,
        }),
        None => None,
    };
    Ok(Part {
        scenario_file: scenario.source.display().to_string(),
        variant: identity.variants.then(|| scenario.name.clone()),
        scenario_hash: scenario_hash(scenario),
        metrics: results.schema.metrics.iter().map(|m| m.key.clone()).collect(),
        quarters: results.fans.first().map_or(0, Fan::quarters),
        widths: results.widths(),
        columns,
        indicators,
        fans,
        cash,
    })
}

/// Writes the header of the shard in `dir` whose parts are `scenarios`, last; returns every file
/// of the shard.
///
/// # Errors
/// [`ShardError`] naming the file that could not be written.
pub fn write_header(dir: &Path, identity: &Identity, scenarios: Vec<Part>) -> Result<Vec<PathBuf>, ShardError> {
    let range = range(identity.spec.index, identity.spec.count, identity.paths);
    let header = Header {
        format: FORMAT.to_string(),
        format_version: FORMAT_VERSION,
        tool: env!("CARGO_PKG_NAME").to_string(),
        version: env!("CARGO_PKG_VERSION").to_string(),
        build_id: build_id()?,
        command: identity.command.to_string(),
        grid: identity.grid.clone(),
        seed: identity.seed,
        paths: identity.paths,
        shards: identity.spec.count,
        shard: identity.spec.index,
        first_path: range.start,
        end_path: range.end,
        scenarios,
    };
    let mut text = serde_json::to_string_pretty(&header).map_err(|e| ShardError::Invalid { path: dir.join(HEADER), problem: e.to_string() })?;
    text.push('\n');
    let path = dir.join(HEADER);
    crate::output::write_atomic(&path, text.as_bytes())?;
    let mut files: Vec<PathBuf> = header.scenarios.iter().flat_map(part_files).map(|sum| dir.join(&sum.name)).collect();
    files.push(path);
    Ok(files)
}

/// Writes `dir/name` atomically through `fill`, counting and hashing it.
fn write_file(dir: &Path, name: &str, fill: impl FnOnce(&mut Hashing<AtomicFile>) -> io::Result<()>) -> Result<FileSum, ShardError> {
    let path = dir.join(name);
    let mut out = Hashing::new(AtomicFile::create(&path)?);
    fill(&mut out).map_err(|source| OutputError::Write { path: path.clone(), source })?;
    let (file, bytes, sha256) = out.finish();
    file.commit()?;
    Ok(FileSum { name: name.to_string(), bytes, sha256 })
}

/// The header of the shard folder `dir`.
///
/// # Errors
/// [`ShardError::Read`] if it cannot be read (a folder without one is incomplete),
/// [`ShardError::Invalid`] if it is not a shard header of this format.
pub fn read_header(dir: &Path) -> Result<Header, ShardError> {
    let path = dir.join(HEADER);
    let text = std::fs::read_to_string(&path).map_err(|source| ShardError::Read { path: path.clone(), source })?;
    let header: Header = serde_json::from_str(&text).map_err(|e| ShardError::Invalid { path: path.clone(), problem: format!("not a shard header: {e}") })?;
    if header.format != FORMAT || header.format_version != FORMAT_VERSION {
        let problem = format!("a shard of format {} {}; this fifsim reads {FORMAT} {FORMAT_VERSION}", header.format, header.format_version);
        return Err(ShardError::Invalid { path, problem });
    }
    Ok(header)
}

/// Checks every file the header of `dir` lists against its size and SHA-256 (reading each once,
/// in pieces), and that each columns file's size is what the range and metrics imply.
///
/// # Errors
/// [`ShardError::Invalid`] naming the first file that differs, [`ShardError::Read`].
pub fn verify(dir: &Path, header: &Header) -> Result<(), ShardError> {
    if header.scenarios.is_empty() {
        return Err(ShardError::Invalid { path: dir.join(HEADER), problem: "lists no scenario".to_string() });
    }
    for part in &header.scenarios {
        let paths = header.end_path.saturating_sub(header.first_path);
        let (first, end) = (header.first_path, header.end_path);
        let cash_width = part.cash.as_ref().map(|c| c.width);
        let widths = [Some(part.widths.0), Some(part.widths.1), None, cash_width, None];
        for (sum, width) in part_files(part).into_iter().zip(widths) {
            let path = dir.join(&sum.name);
            if sum.name.contains(['/', '\\']) || sum.name.starts_with('.') {
                return Err(ShardError::Invalid { path: dir.join(HEADER), problem: format!("lists a file outside the folder: {}", sum.name) });
            }
            let expected = width.map(|w| paths.saturating_mul(w as u64).saturating_mul(8));
            if let Some(expected) = expected.filter(|&e| e != sum.bytes) {
                let problem = format!("{} bytes listed, but paths {first}..{end} of {} values each take {expected}", sum.bytes, width.unwrap_or(0));
                return Err(ShardError::Invalid { path, problem });
            }
            let mut file = File::open(&path).map_err(|source| ShardError::Read { path: path.clone(), source })?;
            let mut hashing = Hashing::new(io::sink());
            io::copy(&mut file, &mut hashing).map_err(|source| ShardError::Read { path: path.clone(), source })?;
            let (_, bytes, sha256) = hashing.finish();
            if bytes != sum.bytes {
                return Err(ShardError::Invalid { path, problem: format!("{bytes} bytes, the header says {} (cut short or changed)", sum.bytes) });
            }
            if sha256 != sum.sha256 {
                return Err(ShardError::Invalid { path, problem: "its SHA-256 differs from the header's (the file changed)".to_string() });
            }
        }
    }
    Ok(())
}

/// The columns file of a verified shard's part, opened for reading in place.
///
/// # Errors
/// [`ShardError::Read`].
pub fn open_columns(dir: &Path, part: &Part) -> Result<(File, File), ShardError> {
    let open = |sum: &FileSum| {
        let path = dir.join(&sum.name);
        File::open(&path).map_err(|source| ShardError::Read { path, source })
    };
    Ok((open(&part.columns)?, open(&part.indicators)?))
}

/// The cash account's columns file of a verified shard's part (with a funding plan), opened
/// for reading in place, and its fans.
///
/// # Errors
/// [`ShardError::Read`], or [`ShardError::Invalid`] if the fans are not those of the cash series.
pub fn open_cash(dir: &Path, part: &Part, quarters: usize) -> Result<Option<(File, Vec<Fan>)>, ShardError> {
    let Some(cash) = &part.cash else { return Ok(None) };
    let path = dir.join(&cash.columns.name);
    let file = File::open(&path).map_err(|source| ShardError::Read { path, source })?;
    Ok(Some((file, decode_fans(&dir.join(&cash.fans.name), crate::metrics::liquidity::CASH_SERIES.len(), quarters)?)))
}

/// Every file a part lists: columns, indicators, fans, then the cash account's files if any.
fn part_files(part: &Part) -> Vec<&FileSum> {
    let mut files = vec![&part.columns, &part.indicators, &part.fans];
    if let Some(cash) = &part.cash {
        files.extend([&cash.columns, &cash.fans]);
    }
    files
}

/// `fans` in the shard format, one after another.
fn encode(fans: &[Fan]) -> Vec<u8> {
    let mut bytes = Vec::new();
    for fan in fans {
        fan.encode(&mut bytes);
    }
    bytes
}

/// The fans of a verified shard's part: `series` of them of `quarters` quarters.
///
/// # Errors
/// [`ShardError::Read`], or [`ShardError::Invalid`] if they are not that many fans.
pub fn read_fans(dir: &Path, part: &Part, series: usize, quarters: usize) -> Result<Vec<Fan>, ShardError> {
    decode_fans(&dir.join(&part.fans.name), series, quarters)
}

/// The `series` fans of `quarters` quarters in the file `path`.
fn decode_fans(path: &Path, series: usize, quarters: usize) -> Result<Vec<Fan>, ShardError> {
    let path = path.to_path_buf();
    let mut bytes = Vec::new();
    File::open(&path).and_then(|mut f| f.read_to_end(&mut bytes)).map_err(|source| ShardError::Read { path: path.clone(), source })?;
    let invalid = |problem: String| ShardError::Invalid { path: path.clone(), problem };
    let mut rest = bytes.as_slice();
    let fans = (0..series).map(|_| Fan::decode(&mut rest)).collect::<Result<Vec<_>, _>>().map_err(|e| invalid(e.to_string()))?;
    if !rest.is_empty() || fans.iter().any(|f| f.quarters() != quarters) {
        return Err(invalid(format!("expected {series} fans of {quarters} quarters")));
    }
    Ok(fans)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ranges_tile_every_run_exactly_once() {
        for paths in [1, 2, 7, 100, 2049, 4097, 10_000] {
            for shards in [1, 2, 3, 7, 64] {
                let mut next = 0;
                for k in 0..shards {
                    let r = range(k, shards, paths);
                    assert_eq!(r.start, next, "{paths} paths, shard {k}/{shards}");
                    assert!(shards > paths || !r.is_empty());
                    next = r.end;
                }
                assert_eq!(next, paths);
            }
        }
        assert_eq!(range(2, 3, 100_000_000), 66_666_666..100_000_000);
    }

    #[test]
    fn shard_specs_parse_or_say_what_is_expected() {
        assert_eq!("2/7".parse(), Ok(ShardSpec { index: 2, count: 7 }));
        assert_eq!(" 0 / 1 ".parse(), Ok(ShardSpec { index: 0, count: 1 }));
        for bad in ["7/7", "0/0", "1", "a/b", "-1/3", "1/3/4"] {
            assert!(bad.parse::<ShardSpec>().is_err(), "{bad}");
        }
        assert!("3/2".parse::<ShardSpec>().unwrap_err().contains("does not exist"));
    }
}
