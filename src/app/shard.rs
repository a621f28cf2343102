//! `fifsim run --shard k/K` and `fifsim merge`: a run split into shards, simulated anywhere
//! (a Slurm array, a Kubernetes Indexed Job: docs/cluster.md), and merged into the results folder
//! one run writes, byte for byte ([`crate::shard`]).

use std::path::{Path, PathBuf};

use super::AppError;
use super::publish::{Pending, Published, stage};
use super::run;
use crate::engine::{self, Columns, RunResults};
use crate::metrics::path::Schema;
use crate::output::Command;
use crate::report::Report;
use crate::report::export::PathsCsv;
use crate::scenario::{self, Scenario};
use crate::shard::{self, Identity, ShardError, ShardSpec, set};

/// `fifsim run --shard`, as its folders' manifests name it.
pub const COMMAND: Command = Command { name: "shard", marker: shard::HEADER };

/// Simulates shard `spec` of a run of `paths` paths of `scenario` and publishes its shard folder
/// at `out` (replacing a shard folder there only with `force`); `progress` is told the shard's
/// paths done after every chunk.
///
/// # Errors
/// [`AppError::Shard`] if the shards would outnumber the paths or the shard cannot be written,
/// [`AppError::Output`], [`AppError::Engine`].
pub fn simulate(
    scenario: &Scenario,
    seed: u64,
    threads: Option<usize>,
    paths: u64,
    spec: ShardSpec,
    out: &Path,
    force: bool,
    progress: &mut dyn FnMut(u64),
) -> Result<Published, AppError> {
    if spec.count > paths {
        let problem = format!("{} shards of {paths} paths would leave shards empty: use at most {paths} shards", spec.count);
        return Err(ShardError::Invalid { path: scenario.source.clone(), problem }.into());
    }
    let identity = Identity { scenario_file: scenario.source.display().to_string(), scenario_hash: shard::scenario_hash(scenario), seed, paths, spec };
    // Fails here, before simulating, if the executable cannot be hashed.
    shard::build_id()?;
    let staging = stage(out, force, COMMAND)?;
    let range = shard::range(spec.index, spec.count, paths);
    let results =
        engine::run_range(scenario, seed, threads, range, progress, None).map_err(|source| AppError::Engine { file: scenario.source.clone(), source })?;
    let files = shard::write(staging.dir(), &identity, &results)?;
    let dir = staging.publish()?;
    let files = files.iter().filter_map(|f| f.file_name()).map(|name| dir.join(name)).collect();
    Ok(Published { dir, files })
}

/// Checks that the shard folders `dirs` make up one run ([`set::check`]), loads its scenario
/// from the file the shards name (which must still hold what they simulated), and writes into a
/// staging folder for `out` (by default the folder `fifsim run` would use) what `fifsim run` of that scenario, seed and paths writes. The
/// shards' values are read in place, a column at a time on each of `threads` threads, as a run
/// reads its own.
///
/// # Errors
/// [`AppError::ShardSet`] naming every problem and the missing shards, [`AppError::Shard`],
/// [`AppError::Scenario`], [`AppError::Output`], [`AppError::Engine`], [`AppError::Export`].
pub fn merge(dirs: &[PathBuf], out: Option<&Path>, force: bool, threads: Option<usize>) -> Result<Pending<Report>, AppError> {
    let shards = set::check(dirs, &shard::build_id()?)?;
    let header = &shards[0].header;
    let scenario = scenario::load(Path::new(&header.scenario_file))?;
    if shard::scenario_hash(&scenario) != header.scenario_hash {
        let problem = "changed since the shards were simulated (its content hash differs from theirs): restore it, or rerun every shard".to_string();
        return Err(ShardError::Invalid { path: scenario.source.clone(), problem }.into());
    }
    let schema = Schema::new(&scenario);
    let out = out.map_or_else(|| run::default_results_dir(&scenario), Path::to_path_buf);
    let staging = stage(&out, force, run::COMMAND)?;
    let mut fans = engine::empty_fans(&scenario);
    let mut blocks = Vec::with_capacity(shards.len());
    for shard in &shards {
        let parts = shard::read_fans(&shard.dir, fans.len(), scenario.horizon() + 1)?;
        for (fan, part) in fans.iter_mut().zip(&parts) {
            fan.merge(part);
        }
        blocks.push((shard::open_columns(&shard.dir)?, (shard.header.end_path - shard.header.first_path) as usize));
    }
    let results = RunResults::assemble(schema.clone(), Columns::open(schema.len(), blocks), fans, header.seed, threads);
    let mut sink = PathsCsv::create(staging.dir(), &schema)?;
    results.write_rows(&mut sink).map_err(|source| AppError::Engine { file: scenario.source.clone(), source })?;
    run::summarise(&scenario, &results, staging, sink)
}

#[cfg(test)]
mod tests;
