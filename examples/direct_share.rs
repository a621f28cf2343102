//! Using fifsim as a library: how the fund's mean TVPI and its probability of loss move with the
//! share of capital invested directly, each allocation against the base scenario on common
//! random numbers (so the differences are paired, path by path).
//!
//! ```sh
//! cargo run --release --example direct_share -- 2000
//! ```
//! The optional argument is the number of paths per allocation (default 2,000).

use std::path::Path;

use anyhow::Context;
use fifsim::analysis::allocation::set_direct_share;
use fifsim::analysis::changed;
use fifsim::analysis::paired::{indicator_below, mean_difference};
use fifsim::engine::{RunOptions, Stopping, run};
use fifsim::scenario;

fn main() -> anyhow::Result<()> {
    let paths: u64 = match std::env::args().nth(1) {
        Some(n) => n.parse().context("the argument is a number of paths")?,
        None => 2_000,
    };
    let base = scenario::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/base.toml"))?;
    let options = RunOptions { seed: 20_250_926, stopping: Stopping::Paths(paths), threads: None };
    let reference = run(&base, &options, &mut |_| {}, None)?;
    let base_tvpi = reference.column("fund_tvpi")?.context("fund_tvpi")?;
    println!("direct share  mean TVPI  P(TVPI<1)  TVPI vs base (paired 95% CI)");
    for share in [0.05, 0.1, 0.2, 0.3, 0.4] {
        let scenario = changed(&base, format!("direct share {share}"), |raw| set_direct_share(&base, raw, share))?;
        let results = run(&scenario, &options, &mut |_| {}, None)?;
        let tvpi = results.column("fund_tvpi")?.context("fund_tvpi")?;
        let d = mean_difference(&base_tvpi, &tvpi);
        let loss = indicator_below(&tvpi, 1.0);
        let p_loss = loss.iter().sum::<f64>() / loss.len() as f64;
        println!(
            "{:>11.0}%  {:>9.3}  {:>8.1}%  {:+.3} ({:+.3} to {:+.3})",
            100.0 * share,
            tvpi.iter().sum::<f64>() / tvpi.len() as f64,
            100.0 * p_loss,
            d.estimate,
            d.paired_ci95.0,
            d.paired_ci95.1
        );
    }
    println!("base scenario: direct share {:.0}%, {paths} paths per allocation", 100.0 * base.fund.direct_share);
    Ok(())
}
