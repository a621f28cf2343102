//! How much randomness a path uses, for the benchmarks' random-number floor (the `random-use`
//! feature, which tests, benchmarks and examples turn on; the `fifsim` binary is built without
//! it, so its generators count nothing).
//!
//! Every generator tallies what it draws and, when it is dropped, adds its tally to its thread's
//! total: the model never sees the counting. [`take`] reads the total of the generators dropped
//! since the last call, e.g. around one path:
//!
//! ```
//! # let scenario = fifsim::scenario::load(std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/base.toml")))?;
//! use fifsim::model::fund::{PathState, Simulator};
//! let simulator = Simulator::new(&scenario, 1)?;
//! let mut state = PathState::default();
//! fifsim::rng::usage::take();
//! simulator.simulate_path(0, &mut state)?;
//! let used = fifsim::rng::usage::take();
//! assert!(used.generators > 100 && used.words > used.generators);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::cell::Cell;

use rand::RngExt;

use super::{GammaQuantiles, StreamKey};

/// How much randomness was used: generators seeded, words drawn, and the variates made of them:
/// standard normals (lognormals included), lognormals, gamma waits; the other words were
/// uniforms.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RandomUse {
    pub generators: u64,
    pub words: u64,
    pub normals: u64,
    pub lognormals: u64,
    pub gammas: u64,
}

thread_local! {
    static USED: Cell<RandomUse> = const { Cell::new(RandomUse { generators: 0, words: 0, normals: 0, lognormals: 0, gammas: 0 }) };
}

/// The randomness of the generators dropped on this thread since the last call.
pub fn take() -> RandomUse {
    USED.with(Cell::take)
}

/// One generator's draws, added to its thread's total when the generator is dropped.
#[derive(Debug)]
pub(super) struct Tally(RandomUse);

impl Tally {
    /// The tally of a newly seeded generator.
    pub(super) fn seeded() -> Tally {
        Tally(RandomUse { generators: 1, ..RandomUse::default() })
    }

    /// The tally of a copy of a generator: no draws yet, and no generator of its own.
    pub(super) fn copy() -> Tally {
        Tally(RandomUse::default())
    }

    /// Takes over the draws of `copy`, the tally of a copy of this generator.
    pub(super) fn absorb(&mut self, mut copy: Tally) {
        self.0.add(std::mem::take(&mut copy.0));
    }

    #[inline]
    pub(super) fn words(&mut self, n: u64) {
        self.0.words += n;
    }

    #[inline]
    pub(super) fn normal(&mut self) {
        self.0.normals += 1;
    }

    #[inline]
    pub(super) fn lognormal(&mut self) {
        self.0.lognormals += 1;
    }

    #[inline]
    pub(super) fn gamma(&mut self) {
        self.0.gammas += 1;
    }
}

impl Drop for Tally {
    fn drop(&mut self) {
        USED.with(|used| {
            let mut total = used.get();
            total.add(self.0);
            used.set(total);
        });
    }
}

impl RandomUse {
    pub fn add(&mut self, other: RandomUse) {
        self.generators += other.generators;
        self.words += other.words;
        self.normals += other.normals;
        self.lognormals += other.lognormals;
        self.gammas += other.gammas;
    }

    /// The random-number floor of a path that used this much: seeds as many generators as the
    /// path did and makes as many variates of each kind — standard normals, lognormals, gamma
    /// waits (from `gammas`, a table of the path's commonest shape) and, from the words left,
    /// uniforms in [0, 1) — spread evenly over the generators, with none of the model's work. A
    /// normal takes one word, rarely more, so the floor draws about the words the path did.
    /// Returns a checksum of the draws, so the work cannot be optimised away (what the replay
    /// itself used is counted like any other draws: [`take`]).
    pub fn replay(&self, key: &StreamKey, path: u64, gammas: &GammaQuantiles) -> f64 {
        let generators = self.generators.max(1);
        let each = |count: u64| count / generators;
        let normals = each(self.normals - self.lognormals);
        let lognormals = each(self.lognormals);
        let waits = each(self.gammas);
        let uniforms = each(self.words.saturating_sub(self.normals + self.gammas));
        let mut checksum = 0.0;
        for item in 0..self.generators {
            let mut rng = key.rng(path, item);
            for _ in 0..normals {
                checksum += rng.normal();
            }
            for _ in 0..lognormals {
                checksum += rng.lognormal(1.0, 1.0);
            }
            for _ in 0..waits {
                checksum += rng.gamma(gammas);
            }
            for _ in 0..uniforms {
                checksum += rng.random::<f64>();
            }
        }
        checksum
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::Component;

    /// The floor seeds the generators the path did and makes its variates.
    #[test]
    fn the_floor_replays_a_path_random_use() {
        let key = StreamKey::new(9, Component::Direct);
        let gammas = GammaQuantiles::shared(2.5).unwrap();
        take();
        for item in 0..4 {
            let mut rng = key.rng(0, item);
            for _ in 0..25 {
                rng.normal();
            }
            for _ in 0..10 {
                rng.lognormal(2.0, 0.5);
            }
            for _ in 0..15 {
                rng.gamma(&gammas);
            }
            for _ in 0..40 {
                rng.random::<f64>();
            }
        }
        let path_use = take();
        assert_eq!((path_use.generators, path_use.normals, path_use.lognormals, path_use.gammas), (4, 140, 40, 60));
        let checksum = path_use.replay(&key, 1, &gammas);
        let floor = take();
        assert!(checksum.is_finite());
        assert_eq!(floor.generators, 4);
        assert_eq!((floor.normals, floor.lognormals, floor.gammas), (140, 40, 60));
        // The same uniforms; normals take a second word only on a ziggurat rejection (~1%).
        assert!(floor.words.abs_diff(path_use.words) <= 8, "{floor:?} vs {path_use:?}");
    }
}
