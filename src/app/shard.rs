//! `fifsim run --shard k/K`, `fifsim compare --shard k/K` and `fifsim merge`: a run (or a
//! comparison) split into shards, simulated anywhere (a Slurm array, a Kubernetes Indexed Job:
//! docs/cluster.md), and merged into the results folder one run writes, byte for byte
//! ([`crate::shard`]).

use std::path::{Path, PathBuf};

use super::AppError;
use super::publish::{Pending, Published, stage};
use super::{compare, run};
use crate::analysis::compare::Compared;
use crate::engine::{self, Columns, RunResults};
use crate::metrics::path::SERIES;
use crate::output::Command;
use crate::report::Report;
use crate::report::export::PathsCsv;
use crate::scenario::{self, Scenario};
use crate::shard::{self, Identity, ShardError, ShardSpec, set};

/// `fifsim run --shard` or `compare --shard`, as its folders' manifests name it.
pub const COMMAND: Command = Command { name: "shard", marker: shard::HEADER };

/// What a shard is of: a run of one scenario, or a comparison of several.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sharded {
    Run,
    Compare,
}

impl Sharded {
    fn name(self) -> &'static str {
        match self {
            Sharded::Run => "run",
            Sharded::Compare => "compare",
        }
    }
}

/// Which shard of what: shard `spec` of `command` with `paths` paths a scenario and `seed`, on
/// `threads` worker threads (`None` = all cores).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ShardJob {
    pub command: Sharded,
    pub seed: u64,
    pub threads: Option<usize>,
    pub paths: u64,
    pub spec: ShardSpec,
}

/// Simulates `job` over `scenarios` (one for a run) and publishes its shard folder at `out`
/// (replacing a shard folder there only with `force`); `progress` is told the shard's paths done
/// across the scenarios after every chunk.
///
/// # Errors
/// [`AppError::Shard`] if the shards would outnumber the paths, a scenario has `[as_of]`, or the
/// shard cannot be written,
/// [`AppError::Output`], [`AppError::Engine`].
pub fn simulate(job: &ShardJob, scenarios: &[Scenario], out: &Path, force: bool, progress: &mut dyn FnMut(u64)) -> Result<Published, AppError> {
    let ShardJob { command, seed, threads, paths, spec } = *job;
    let source = scenarios.first().map(|s| s.source.clone()).unwrap_or_default();
    if spec.count > paths {
        let problem = format!("{} shards of {paths} paths would leave shards empty: use at most {paths} shards", spec.count);
        return Err(ShardError::Invalid { path: source, problem }.into());
    }
    // A forecast from a book also runs its plan and compares the two, which shards do not split.
    if let Some(scenario) = scenarios.iter().find(|s| s.as_of.is_some()) {
        let problem = "has [as_of] (a forecast from a portfolio book), which cannot be run in shards: run it without --shard".to_string();
        return Err(ShardError::Invalid { path: scenario.source.clone(), problem }.into());
    }
    // Fails here, before simulating, if the executable cannot be hashed.
    shard::build_id()?;
    let staging = stage(out, force, COMMAND)?;
    let range = shard::range(spec.index, spec.count, paths);
    let mut results = Vec::with_capacity(scenarios.len());
    let mut done = 0;
    for scenario in scenarios {
        let r = engine::run_range(scenario, seed, threads, range.clone(), &mut |n| progress(done + n), None)
            .map_err(|source| AppError::Engine { file: scenario.source.clone(), source })?;
        done += r.paths;
        results.push(r);
    }
    let identity = Identity { command: command.name(), seed, paths, spec };
    let runs: Vec<(&Scenario, &RunResults)> = scenarios.iter().zip(&results).collect();
    let files = shard::write(staging.dir(), &identity, &runs)?;
    let dir = staging.publish()?;
    let files = files.iter().filter_map(|f| f.file_name()).map(|name| dir.join(name)).collect();
    Ok(Published { dir, files })
}

/// A merge, written in staging: the results folder of a run, or of a comparison.
#[derive(Debug)]
pub enum Merged {
    Run(Box<Pending<Report>>),
    Compare(Box<Pending<Compared>>),
}

/// Checks that the shard folders `dirs` make up one run or comparison ([`set::check`]), loads
/// its scenarios from the files the shards name (which must still hold what they simulated), and
/// writes into a staging folder for `out` (by default the folder the command would use) what the
/// unsharded command writes. The shards' values are read in place, a column at a time on each of
/// `threads` threads, as a run reads its own.
///
/// # Errors
/// [`AppError::ShardSet`] naming every problem and the missing shards, [`AppError::Shard`],
/// [`AppError::Scenario`], [`AppError::Output`], [`AppError::Engine`], [`AppError::Export`],
/// [`AppError::Analysis`].
pub fn merge(dirs: &[PathBuf], out: Option<&Path>, force: bool, threads: Option<usize>) -> Result<Merged, AppError> {
    let shards = set::check(dirs, &shard::build_id()?)?;
    let header = &shards[0].header;
    let mut scenarios = Vec::with_capacity(header.scenarios.len());
    for part in &header.scenarios {
        let scenario = scenario::load(Path::new(&part.scenario_file))?;
        if shard::scenario_hash(&scenario) != part.scenario_hash {
            let problem = "changed since the shards were simulated (its content hash differs from theirs): restore it, or rerun every shard".to_string();
            return Err(ShardError::Invalid { path: scenario.source.clone(), problem }.into());
        }
        scenarios.push(scenario);
    }
    let mut results = Vec::with_capacity(scenarios.len());
    for (i, scenario) in scenarios.iter().enumerate() {
        let mut fans = engine::empty_fans(scenario);
        let (mut blocks, mut indicator_blocks) = (Vec::with_capacity(shards.len()), Vec::with_capacity(shards.len()));
        let (mut cash_blocks, mut cash_fans) = (Vec::new(), scenario.funding.is_some().then(|| engine::empty_cash_fans(scenario)));
        for shard in &shards {
            let part = &shard.header.scenarios[i];
            for (fan, piece) in fans.iter_mut().zip(&shard::read_fans(&shard.dir, part, SERIES.len(), scenario.horizon() + 1)?) {
                fan.merge(piece);
            }
            let (columns, indicators) = shard::open_columns(&shard.dir, part)?;
            let paths = (shard.header.end_path - shard.header.first_path) as usize;
            blocks.push((columns, paths));
            indicator_blocks.push((indicators, paths));
            if let Some((file, pieces)) = shard::open_cash(&shard.dir, part, scenario.horizon() + 1)? {
                cash_blocks.push((file, paths));
                for (fan, piece) in cash_fans.iter_mut().flatten().zip(&pieces) {
                    fan.merge(piece);
                }
            }
        }
        let cash = cash_fans.map(|fans| (Columns::open(header.scenarios[i].cash.as_ref().map_or(0, |c| c.width), cash_blocks), fans));
        let widths = header.scenarios[i].widths;
        let columns = (Columns::open(widths.0, blocks), Columns::open(widths.1, indicator_blocks));
        results.push(RunResults::assemble(scenario, columns, cash, fans, header.seed, threads));
    }
    if header.command == Sharded::Compare.name() {
        let out = out.map_or_else(|| compare::default_results_dir(&scenarios), Path::to_path_buf);
        let staging = stage(&out, force, compare::COMMAND)?;
        let compared = crate::analysis::compare::of_results(&scenarios, &results)?;
        return Ok(Merged::Compare(Box::new(compare::write_compared(compared, staging)?)));
    }
    let (scenario, results) = (&scenarios[0], &results[0]);
    let out = out.map_or_else(|| run::default_results_dir(scenario), Path::to_path_buf);
    let staging = stage(&out, force, run::COMMAND)?;
    let mut sink = PathsCsv::create(staging.dir(), &results.schema)?;
    results.write_rows(&mut sink).map_err(|source| AppError::Engine { file: scenario.source.clone(), source })?;
    Ok(Merged::Run(Box::new(run::summarise(scenario, results, None, staging, sink)?)))
}

#[cfg(test)]
mod tests;
