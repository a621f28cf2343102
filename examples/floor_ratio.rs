//! The path's cost against its random-number floor in instructions, the figure of the README's
//! "Performance" table that timing on a shared machine cannot give steadily. Run under callgrind
//! and read the inclusive cost of the two functions below (each called 640 times):
//!
//! ```sh
//! cargo build --release --example floor_ratio
//! valgrind --tool=callgrind --callgrind-out-file=/tmp/floor.out target/release/examples/floor_ratio
//! callgrind_annotate --inclusive=yes /tmp/floor.out | grep -E "one_path|its_floor"
//! ```
//! The same 64 paths of the base scenario as `benches/engine.rs`, ten times each; the floor
//! replays each path's random-number use ([`RandomUse::replay`]).

use std::hint::black_box;
use std::path::Path;

use fifsim::model::company::GammaQuantiles;
use fifsim::model::fund::{PathState, Simulator};
use fifsim::rng::{Component, RandomUse, StreamKey};

/// One whole path (kept out of line, so callgrind reports it by itself).
#[inline(never)]
fn one_path(simulator: &Simulator<'_>, path: u64, state: &mut PathState) {
    simulator.simulate_path(path, state);
}

/// The random-number floor of a path whose use was `used` (out of line, as `one_path`).
#[inline(never)]
fn its_floor(used: &RandomUse, key: &StreamKey, path: u64, gammas: &GammaQuantiles) -> f64 {
    used.replay(key, path, gammas).0
}

fn main() -> anyhow::Result<()> {
    let scenario = fifsim::scenario::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/base.toml"))?;
    let simulator = Simulator::new(&scenario, 1)?;
    let mut state = PathState::default();
    let uses: Vec<RandomUse> = (0..64)
        .map(|path| {
            simulator.simulate_path(path, &mut state);
            state.random
        })
        .collect();
    // As the bench: base's waits mostly have shape 2.5, and every table lookup costs the same.
    let (key, gammas) = (StreamKey::new(1, Component::Direct), GammaQuantiles::shared(2.5).map_err(anyhow::Error::msg)?);
    let mut checksum = 0.0;
    for _ in 0..10 {
        for (path, used) in (0u64..).zip(&uses) {
            one_path(&simulator, path, &mut state);
            checksum += its_floor(used, &key, path, &gammas);
        }
    }
    println!("checksum {}", black_box(checksum));
    Ok(())
}
