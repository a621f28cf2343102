//! The path's cost against its random-number floor, the ratio of the README's "Performance"
//! table, by time and in instructions.
//!
//! By time: each path and its floor run one after the other, a few microseconds apart, so a
//! shared machine's drift (which moves the bench's `path/base_whole_path` and
//! `path/random_number_floor`, timed seconds apart, by up to a third) slows both alike; each
//! round's ratio is printed, then the median and the lowest:
//!
//! ```sh
//! cargo run --release --example floor_ratio -- 20   # rounds of the 64 paths (default 10)
//! ```
//! In instructions: run under callgrind and read the inclusive cost of the two functions below
//! (each called 64 times a round):
//!
//! ```sh
//! cargo build --release --example floor_ratio
//! valgrind --tool=callgrind --callgrind-out-file=/tmp/floor.out target/release/examples/floor_ratio
//! callgrind_annotate --inclusive=yes /tmp/floor.out | grep -E "one_path|its_floor"
//! ```
//! The same 64 paths of the base scenario as `benches/engine.rs`; the floor replays each path's
//! random-number use ([`RandomUse::replay`]).

use std::hint::black_box;
use std::path::Path;
use std::time::{Duration, Instant};

use fifsim::model::fund::{PathState, Simulator};
use fifsim::rng::usage::{self, RandomUse};
use fifsim::rng::{Component, GammaQuantiles, StreamKey};
use fifsim::stats::summary::{quantile_sorted, sorted_finite};

/// One whole path (kept out of line, so callgrind reports it by itself).
#[inline(never)]
fn one_path(simulator: &Simulator<'_>, path: u64, state: &mut PathState) -> anyhow::Result<()> {
    Ok(simulator.simulate_path(path, state)?)
}

/// The random-number floor of a path whose use was `used` (out of line, as `one_path`).
#[inline(never)]
fn its_floor(used: &RandomUse, key: &StreamKey, path: u64, gammas: &GammaQuantiles) -> f64 {
    used.replay(key, path, gammas)
}

fn main() -> anyhow::Result<()> {
    let rounds = std::env::args().nth(1).map(|arg| arg.parse::<u32>()).transpose()?.unwrap_or(10);
    anyhow::ensure!(rounds > 0, "rounds must be at least 1 (given {rounds})");
    let scenario = fifsim::scenario::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/base.toml"))?;
    let simulator = Simulator::new(&scenario, 1)?;
    let mut state = PathState::default();
    let uses: Vec<RandomUse> = (0..64)
        .map(|path| {
            usage::take();
            simulator.simulate_path(path, &mut state)?;
            Ok(usage::take())
        })
        .collect::<anyhow::Result<_>>()?;
    // As the bench: base's waits mostly have shape 2.5, and every table lookup costs the same.
    let (key, gammas) = (StreamKey::new(1, Component::Direct), GammaQuantiles::shared(2.5).map_err(anyhow::Error::msg)?);
    let mut checksum = 0.0;
    let mut ratios = Vec::new();
    for round in 1..=rounds {
        let (mut path_time, mut floor_time) = (Duration::ZERO, Duration::ZERO);
        for (path, used) in (0u64..).zip(&uses) {
            let start = Instant::now();
            one_path(&simulator, path, &mut state)?;
            let middle = Instant::now();
            checksum += its_floor(used, &key, path, &gammas);
            path_time += middle - start;
            floor_time += middle.elapsed();
        }
        let per_path = |time: Duration| time.as_secs_f64() * 1e6 / uses.len() as f64;
        ratios.push(path_time.as_secs_f64() / floor_time.as_secs_f64());
        println!("round {round}: path {:.1} us, floor {:.1} us, ratio {:.2}", per_path(path_time), per_path(floor_time), ratios[ratios.len() - 1]);
    }
    let ratios = sorted_finite(&ratios);
    println!("path / floor over {rounds} rounds: median {:.2}, lowest {:.2}, highest {:.2}", quantile_sorted(&ratios, 0.5), ratios[0], ratios[ratios.len() - 1]);
    println!("checksum {}", black_box(checksum));
    Ok(())
}
