//! Paths and seconds to a decision-grade answer in base: a 95% interval of ±0.01 on mean fund
//! TVPI and of ±0.5 percentage points on P(fund TVPI < 1), by the plain mean and by the control
//! variates (docs/performance.md, "Time to a decision").
//!
//! One run of `paths` paths gives each estimator's standard error per path (its standard error
//! times √paths); the paths a target needs follow as (1.96 · that / target)², and the seconds
//! from the run's own throughput (`engine::run` alone: no `paths.csv`, no report).
//!
//! ```sh
//! cargo run --release --example time_to_decision -- 100000   # paths
//! ```

use std::path::Path;
use std::time::Instant;

use fifsim::engine::{RunOptions, Stopping, run};
use fifsim::stats::control;
use fifsim::stats::summary::{Summary, Z95};

fn main() -> anyhow::Result<()> {
    let paths = std::env::args().nth(1).map(|arg| arg.parse::<u64>()).transpose()?.unwrap_or(100_000);
    anyhow::ensure!(paths >= 2_000, "at least 2000 paths (given {paths})");
    let scenario = fifsim::scenario::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/base.toml"))?;
    let options = RunOptions { seed: 1, stopping: Stopping::Paths(paths), threads: None };
    let start = Instant::now();
    let results = run(&scenario, &options, &mut |_| {}, None)?;
    let seconds = start.elapsed().as_secs_f64();
    let per_second = paths as f64 / seconds;
    println!("{paths} paths in {seconds:.1} s ({per_second:.0} paths/s)");
    let tvpi = results.column("fund_tvpi")?.unwrap_or_default();
    let below: Vec<f64> = tvpi.iter().map(|&x| if x.is_finite() { f64::from(u8::from(x < 1.0)) } else { f64::NAN }).collect();
    let controls = results.control_columns()?;
    let controls: Vec<&[f64]> = controls.iter().map(Vec::as_slice).collect();
    for (label, values, target) in [("mean fund TVPI, ±0.01", &tvpi, 0.01), ("P(fund TVPI < 1), ±0.5 pp", &below, 0.005)] {
        let plain = Summary::of(values);
        let cv = control::mean(values, &controls);
        let needed = |std_error: f64, n: usize| (Z95 * std_error * (n as f64).sqrt() / target).powi(2).ceil();
        let (plain_paths, cv_paths) = (needed(plain.std_error, plain.n), needed(cv.std_error, cv.n));
        println!("{label}:");
        println!("  plain mean        {:.4} ± {:.4}: {plain_paths:.0} paths, {:.2} s", plain.mean, Z95 * plain.std_error, plain_paths / per_second);
        println!("  control variates  {:.4} ± {:.4}: {cv_paths:.0} paths, {:.2} s", cv.estimate, Z95 * cv.std_error, cv_paths / per_second);
        println!("  variance ratio    {:.2}", (plain.std_error / cv.std_error).powi(2));
    }
    Ok(())
}
