//! Parallel efficiency of the engine from one thread to all cores, measured so that a shared
//! machine's drift does not decide it: runs of the base scenario on one thread and on all
//! threads alternate, and the efficiency is given by the medians and by the fastest runs.
//!
//! The bench (`cargo bench --bench engine -- run_10k_paths`) times its one-thread and
//! all-thread halves a minute or more apart; on a virtual machine whose speed moves by more than
//! the gap within a minute, its pair can say 81% or 100% of the same code. Here each one-thread
//! run has an all-thread run beside it.
//!
//! ```sh
//! cargo run --release --example efficiency -- 8000 6   # paths per run, rounds
//! ```
//! Like the bench, it times `engine::run` alone (no `paths.csv`, no report).

use std::path::Path;
use std::time::Instant;

use fifsim::engine::{RunOptions, Stopping, run};
use fifsim::stats::summary::{quantile_sorted, sorted_finite};

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1).map(|arg| arg.parse::<u64>());
    let paths = args.next().transpose()?.unwrap_or(8_000);
    let rounds = args.next().transpose()?.unwrap_or(6);
    anyhow::ensure!(paths > 0 && rounds > 0, "paths and rounds must be at least 1 (given {paths} and {rounds})");
    let scenario = fifsim::scenario::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/base.toml"))?;
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let time = |threads: usize| -> anyhow::Result<f64> {
        let options = RunOptions { seed: 1, stopping: Stopping::Paths(paths), threads: Some(threads) };
        let start = Instant::now();
        run(&scenario, &options, &mut |_| {}, None)?;
        Ok(start.elapsed().as_secs_f64())
    };
    let (mut one, mut all) = (Vec::new(), Vec::new());
    for round in 1..=rounds {
        one.push(time(1)?);
        all.push(time(cores)?);
        println!("round {round}: 1 thread {:.3} s, {cores} threads {:.3} s", one[one.len() - 1], all[all.len() - 1]);
    }
    let efficiency = |one: f64, all: f64| 100.0 * one / (cores as f64 * all);
    let (one, all) = (sorted_finite(&one), sorted_finite(&all));
    let (fastest_one, fastest_all) = (one[0], all[0]);
    let (median_one, median_all) = (quantile_sorted(&one, 0.5), quantile_sorted(&all, 0.5));
    println!("{paths} paths, {rounds} rounds; efficiency 1 -> {cores} threads:");
    println!("  by medians  {median_one:.3} s vs {median_all:.3} s: {:.0}%", efficiency(median_one, median_all));
    println!("  by fastest  {fastest_one:.3} s vs {fastest_all:.3} s: {:.0}%", efficiency(fastest_one, fastest_all));
    Ok(())
}

