//! `--shard k/K` of `fifsim run`, `compare`, `sensitivity` and `frontier`, and `fifsim merge`:
//! the command's runs split by paths into shards, simulated anywhere (a Slurm array, a Kubernetes
//! Indexed Job: docs/cluster.md), and merged into the results folder the command writes run
//! whole, byte for byte ([`crate::shard`]).

use std::path::{Path, PathBuf};

use super::AppError;
use super::publish::{Pending, Published, stage};
use super::{compare, frontier, run, sensitivity};
use crate::analysis::compare::Compared;
use crate::analysis::frontier::Frontier;
use crate::analysis::sensitivity::Sensitivity;
use crate::engine::{self, Columns, RunResults};
use crate::metrics::path::SERIES;
use crate::output::Command;
use crate::report::Report;
use crate::report::export::PathsCsv;
use crate::scenario::{self, Scenario};
use crate::shard::{self, Grid, Header, Identity, ShardError, ShardSpec, set};

/// A shard of `fifsim run`, `compare`, `sensitivity` or `frontier`, as its folders' manifests name it.
pub const COMMAND: Command = Command { name: "shard", marker: shard::HEADER };

/// Why a scenario with `[as_of]` is neither sharded nor merged.
const AS_OF: &str = "has [as_of] (a forecast from a portfolio book), which cannot be run in shards: run it without --shard";

/// What a shard is of: a run of one scenario, a comparison of several, or the runs
/// `sensitivity` or `frontier` make of one (of the latter, over `grid`).
#[derive(Debug, Clone, PartialEq)]
pub enum Sharded {
    Run,
    Compare,
    Sensitivity,
    Frontier(Grid),
}

impl Sharded {
    fn name(&self) -> &'static str {
        match self {
            Sharded::Run => "run",
            Sharded::Compare => "compare",
            Sharded::Sensitivity => "sensitivity",
            Sharded::Frontier(_) => "frontier",
        }
    }

    /// What the shards of `header` are of.
    fn of(header: &Header, dir: &Path) -> Result<Sharded, ShardError> {
        match (header.command.as_str(), &header.grid) {
            ("run", None) => Ok(Sharded::Run),
            ("compare", None) => Ok(Sharded::Compare),
            ("sensitivity", None) => Ok(Sharded::Sensitivity),
            ("frontier", Some(grid)) => Ok(Sharded::Frontier(grid.clone())),
            (command, grid) => {
                let problem = format!("a shard of {command}{}, which this fifsim does not merge", if grid.is_some() { " with a grid" } else { "" });
                Err(ShardError::Invalid { path: dir.join(shard::HEADER), problem })
            }
        }
    }

    /// The scenarios the command runs, in its order, made from those it was given: for `run` and
    /// `compare`, those; for `sensitivity` and `frontier`, the variants of the one given
    /// ([`crate::analysis::sensitivity::variants`], [`crate::analysis::frontier::variants`]).
    fn variants(&self, given: &[Scenario]) -> Result<Vec<Scenario>, AppError> {
        let one = || given.first().ok_or_else(|| AppError::Shard(ShardError::Invalid { path: PathBuf::new(), problem: "no scenario given".to_string() }));
        Ok(match self {
            Sharded::Run | Sharded::Compare => given.to_vec(),
            Sharded::Sensitivity => crate::analysis::sensitivity::variants(one()?)?,
            Sharded::Frontier(grid) => crate::analysis::frontier::variants(one()?, &grid.direct_shares, grid.divisions)?,
        })
    }
}

/// Which shard of what: shard `spec` of `command` with `paths` paths a scenario and `seed`, on
/// `threads` worker threads (`None` = all cores).
#[derive(Debug, Clone, PartialEq)]
pub struct ShardJob {
    pub command: Sharded,
    pub seed: u64,
    pub threads: Option<usize>,
    pub paths: u64,
    pub spec: ShardSpec,
}

/// Simulates `job` over `scenarios` (one for a run, a sensitivity analysis or a frontier: the
/// shard then holds every variant the command runs) and publishes its shard folder at `out`
/// (replacing a shard folder there only with `force`); `progress` is told the shard's paths done
/// across the runs after every chunk.
///
/// # Errors
/// [`AppError::Shard`] if the shards would outnumber the paths, a scenario has `[as_of]`, or the
/// shard cannot be written,
/// [`AppError::Output`], [`AppError::Engine`], [`AppError::Analysis`] for variants that cannot be made.
pub fn simulate(job: &ShardJob, scenarios: &[Scenario], out: &Path, force: bool, progress: &mut dyn FnMut(u64)) -> Result<Published, AppError> {
    let ShardJob { ref command, seed, threads, paths, spec } = *job;
    let source = scenarios.first().map(|s| s.source.clone()).unwrap_or_default();
    if spec.count > paths {
        let problem = format!("{} shards of {paths} paths would leave shards empty: use at most {paths} shards", spec.count);
        return Err(ShardError::Invalid { path: source, problem }.into());
    }
    // A forecast from a book also runs its plan and compares the two, which shards do not split.
    if let Some(scenario) = scenarios.iter().find(|s| s.as_of.is_some()) {
        return Err(ShardError::Invalid { path: scenario.source.clone(), problem: AS_OF.to_string() }.into());
    }
    // Fails here, before simulating, if the executable cannot be hashed or a variant not be made.
    shard::build_id()?;
    let scenarios = &command.variants(scenarios)?;
    let staging = stage(out, force, COMMAND)?;
    let range = shard::range(spec.index, spec.count, paths);
    let grid = match command {
        Sharded::Frontier(grid) => Some(grid.clone()),
        _ => None,
    };
    let variants = matches!(command, Sharded::Sensitivity | Sharded::Frontier(_));
    let identity = Identity { command: command.name(), grid, variants, seed, paths, spec };
    // Each run's part is written as the run ends: a shard holds one run at a time.
    let mut parts = Vec::with_capacity(scenarios.len());
    let mut done = 0;
    for (i, scenario) in scenarios.iter().enumerate() {
        let results = engine::run_range(scenario, seed, threads, range.clone(), &mut |n| progress(done + n), None)
            .map_err(|source| AppError::Engine { file: scenario.source.clone(), source })?;
        done += results.paths;
        parts.push(shard::write_part(staging.dir(), i, &identity, scenario, &results)?);
    }
    let files = shard::write_header(staging.dir(), &identity, parts)?;
    let dir = staging.publish()?;
    let files = files.iter().filter_map(|f| f.file_name()).map(|name| dir.join(name)).collect();
    Ok(Published { dir, files })
}

/// A merge, written in staging: the results folder of the command the shards are of.
#[derive(Debug)]
pub enum Merged {
    Run(Box<Pending<Report>>),
    Compare(Box<Pending<Compared>>),
    Sensitivity(Box<Pending<Sensitivity>>),
    Frontier(Box<Pending<Frontier>>),
}

/// Checks that the shard folders `dirs` make up one run of a command ([`set::check`]), loads its
/// scenarios from the files the shards name (which must still hold what they simulated), makes
/// its variants again (of `sensitivity` and `frontier`) and writes into a staging folder for `out`
/// (by default the folder the command would use) what the unsharded command writes. The shards'
/// values are read in place, one run at a time, a column at a time on each of `threads` threads,
/// as a run reads its own.
///
/// # Errors
/// [`AppError::ShardSet`] naming every problem and the missing shards, [`AppError::Shard`],
/// [`AppError::Scenario`], [`AppError::Output`], [`AppError::Engine`], [`AppError::Export`],
/// [`AppError::Analysis`].
pub fn merge(dirs: &[PathBuf], out: Option<&Path>, force: bool, threads: Option<usize>) -> Result<Merged, AppError> {
    let shards = set::check(dirs, &shard::build_id()?)?;
    let header = &shards[0].header;
    let command = Sharded::of(header, &shards[0].dir)?;
    // The files as typed: one for the variants of sensitivity and frontier.
    let files = if matches!(command, Sharded::Run | Sharded::Compare) { &header.scenarios[..] } else { &header.scenarios[..1] };
    let given = files.iter().map(|part| scenario::load(Path::new(&part.scenario_file))).collect::<Result<Vec<_>, _>>()?;
    if let Some(scenario) = given.iter().find(|s| s.as_of.is_some()) {
        return Err(ShardError::Invalid { path: scenario.source.clone(), problem: AS_OF.to_string() }.into());
    }
    let scenarios = command.variants(&given)?;
    // Of the same build (checked), the variants differ only if their file did.
    let changed = scenarios.iter().zip(&header.scenarios).find(|(s, part)| shard::scenario_hash(s) != part.scenario_hash).map(|(s, _)| s);
    if let Some(scenario) = changed.or_else(|| (scenarios.len() != header.scenarios.len()).then_some(&given[0])) {
        let problem = "changed since the shards were simulated (its content hash differs from theirs): restore it, or rerun every shard".to_string();
        return Err(ShardError::Invalid { path: scenario.source.clone(), problem }.into());
    }
    let mut assemble = |i: usize, scenario: &Scenario| assemble(&shards, i, scenario, threads);
    match command {
        Sharded::Run => {
            let (scenario, results) = (&scenarios[0], assemble(0, &scenarios[0])?);
            let out = out.map_or_else(|| run::default_results_dir(scenario), Path::to_path_buf);
            let staging = stage(&out, force, run::COMMAND)?;
            let mut sink = PathsCsv::create(staging.dir(), &results.schema)?;
            results.write_rows(&mut sink).map_err(|source| AppError::Engine { file: scenario.source.clone(), source })?;
            Ok(Merged::Run(Box::new(run::summarise(scenario, &results, None, staging, sink)?)))
        }
        Sharded::Compare => {
            let out = out.map_or_else(|| compare::default_results_dir(&scenarios), Path::to_path_buf);
            let staging = stage(&out, force, compare::COMMAND)?;
            let results = scenarios.iter().enumerate().map(|(i, s)| assemble(i, s)).collect::<Result<Vec<_>, _>>()?;
            let compared = crate::analysis::compare::of_results(&scenarios, &results)?;
            Ok(Merged::Compare(Box::new(compare::write_compared(compared, staging)?)))
        }
        Sharded::Sensitivity => {
            let out = out.map_or_else(|| sensitivity::default_results_dir(&given[0]), Path::to_path_buf);
            let staging = stage(&out, force, sensitivity::COMMAND)?;
            let result = crate::analysis::sensitivity::of_runs(&given[0], &scenarios, header.seed, &mut assemble)?;
            Ok(Merged::Sensitivity(Box::new(sensitivity::write_sensitivity(result, staging)?)))
        }
        Sharded::Frontier(grid) => {
            let out = out.map_or_else(|| frontier::default_results_dir(&given[0]), Path::to_path_buf);
            let staging = stage(&out, force, frontier::COMMAND)?;
            let result = crate::analysis::frontier::of_runs(&given[0], &grid.direct_shares, grid.divisions, &scenarios, header.seed, &mut assemble)?;
            Ok(Merged::Frontier(Box::new(frontier::write_frontier(result, staging)?)))
        }
    }
}

/// The run of the `i`-th scenario of the verified `shards`, `scenario`, read in place: its fans
/// merged, its columns opened over the shards' files in path order.
fn assemble(shards: &[set::Shard], i: usize, scenario: &Scenario, threads: Option<usize>) -> Result<RunResults, AppError> {
    let header = &shards[0].header;
    let mut fans = engine::empty_fans(scenario);
    let (mut blocks, mut indicator_blocks) = (Vec::with_capacity(shards.len()), Vec::with_capacity(shards.len()));
    let (mut cash_blocks, mut cash_fans) = (Vec::new(), scenario.funding.is_some().then(|| engine::empty_cash_fans(scenario)));
    for shard in shards {
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
    Ok(RunResults::assemble(scenario, columns, cash, fans, header.seed, threads))
}

#[cfg(test)]
mod tests;
