//! Random streams: one master seed, one stream per (component, path, item), common random
//! numbers.
//!
//! Every draw comes from a xoshiro256++ generator (Blackman & Vigna 2018, via `rand_xoshiro`,
//! whose output for a given state is fixed by the algorithm and promised value-stable by the
//! crate — unlike `StdRng` and `SmallRng`, which may change between releases). Each generator is
//! seeded by hashing (SplitMix64 finalisers, Steele, Lea & Flood 2014) the key of a stream:
//!
//! * the **master seed** and the **component** the draws are for: the exit market, the field
//!   factors, the direct sleeve, or one sub-fund (tagged by a hash of its key, so a sub-fund
//!   keeps its draws when others are added or removed — common random numbers across scenarios,
//!   docs/model.md §7);
//! * the **path** index, so path *i* never touches path *j*'s numbers, whatever thread or batch
//!   runs it;
//! * the **item** within the component: 0 for the component's own draws, then one per deal,
//!   keyed by the deal's quarter and its place among that quarter's deals ([`deal_item`]), so a
//!   deal keeps its draws when an earlier company made more or fewer of them, and when a
//!   scenario with more (or less) money to deploy makes more (or fewer) deals per quarter: the
//!   deals the two have in common in a quarter share their numbers.
//!
//! Seeding a fresh generator per item costs a few nanoseconds; a block cipher such as ChaCha
//! with seekable streams gives the same keyed structure but pays for a whole buffer of blocks at
//! every seek, which would be the largest single cost of a path.

use std::convert::Infallible;

use rand::{Rng, SeedableRng, TryRng};
use rand_distr::{Distribution, StandardNormal};
use rand_xoshiro::Xoshiro256PlusPlus;

mod gamma;
#[cfg(feature = "random-use")]
pub mod usage;

pub use self::gamma::GammaQuantiles;

#[cfg(feature = "random-use")]
use self::usage::Tally;

/// Without the `random-use` feature a generator counts nothing ([`usage`] with it).
#[cfg(not(feature = "random-use"))]
#[derive(Debug)]
struct Tally;

#[cfg(not(feature = "random-use"))]
impl Tally {
    #[inline(always)]
    fn seeded() -> Tally {
        Tally
    }
    #[inline(always)]
    fn copy() -> Tally {
        Tally
    }
    #[inline(always)]
    fn absorb(&mut self, _: Tally) {}
    #[inline(always)]
    fn words(&mut self, _: u64) {}
    #[inline(always)]
    fn normal(&mut self) {}
    #[inline(always)]
    fn lognormal(&mut self) {}
    #[inline(always)]
    fn gamma(&mut self) {}
}

/// The generator every draw comes from: xoshiro256++. With the `random-use` feature it also
/// counts the words it hands out and the variates it makes of them (`rng::usage`), so benchmarks can
/// replay a path's random-number use without the model.
#[derive(Debug)]
pub struct PathRng {
    inner: Xoshiro256PlusPlus,
    tally: Tally,
}

impl PathRng {
    /// A copy to draw from in a hot loop: through `&mut` a generator's state goes to memory after
    /// every draw (the compiler cannot tell it from other memory being written), a local's stays
    /// in registers. [`PathRng::resume`] continues from where the copy stopped.
    #[inline]
    pub fn local_copy(&self) -> PathRng {
        PathRng { inner: self.inner.clone(), tally: Tally::copy() }
    }

    /// Continues from where `copy` (made by [`PathRng::local_copy`]) stopped.
    #[inline]
    pub fn resume(&mut self, copy: PathRng) {
        self.inner = copy.inner;
        self.tally.absorb(copy.tally);
    }

    /// A standard normal variate (rand_distr's ziggurat). Every normal the model uses is drawn
    /// here, so that the random-number floor draws as many.
    #[inline]
    pub fn normal(&mut self) -> f64 {
        self.tally.normal();
        StandardNormal.sample(self)
    }

    /// A lognormal variate `median · e^(σ z)` (`z` from [`PathRng::normal`]). The `exp` is
    /// [`crate::numeric::exp`]: within 1 ulp, inlined, about half the cost of a libm call, and a
    /// path makes over a thousand of these.
    #[inline]
    pub fn lognormal(&mut self, median: f64, sigma: f64) -> f64 {
        self.tally.lognormal();
        median * crate::numeric::exp(sigma * self.normal())
    }

    /// A gamma variate of the shape `quantiles` tabulates and unit scale, by inversion of one
    /// word.
    #[inline]
    pub fn gamma(&mut self, quantiles: &GammaQuantiles) -> f64 {
        self.tally.gamma();
        quantiles.quantile(self.next_u64())
    }
}

impl TryRng for PathRng {
    type Error = Infallible;

    #[inline]
    fn try_next_u32(&mut self) -> Result<u32, Infallible> {
        self.tally.words(1);
        Ok(self.inner.next_u32())
    }

    #[inline]
    fn try_next_u64(&mut self) -> Result<u64, Infallible> {
        self.tally.words(1);
        Ok(self.inner.next_u64())
    }

    #[inline]
    fn try_fill_bytes(&mut self, bytes: &mut [u8]) -> Result<(), Infallible> {
        self.tally.words(bytes.len().div_ceil(8) as u64);
        self.inner.fill_bytes(bytes);
        Ok(())
    }
}

impl SeedableRng for PathRng {
    type Seed = [u8; 32];

    fn from_seed(seed: [u8; 32]) -> PathRng {
        PathRng { inner: Xoshiro256PlusPlus::from_seed(seed), tally: Tally::seeded() }
    }
}

/// Told apart from a sub-fund's own tag: "SHORTFAL" in ASCII.
const FUNDRAISING_TAG: u64 = 0x5348_4f52_5446_414c;

/// Which part of the model a stream feeds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Component<'a> {
    ExitMarket,
    FieldFactors,
    Direct,
    /// A sub-fund, by its scenario key.
    SubFund(&'a str),
    /// Whether a sub-fund's other LPs commit less than planned, by the sub-fund's key: a stream of
    /// its own, so that turning the risk on changes no other draw.
    Fundraising(&'a str),
}

impl Component<'_> {
    fn tag(self) -> u64 {
        match self {
            Component::ExitMarket => 1,
            Component::FieldFactors => 2,
            Component::Direct => 3,
            Component::SubFund(key) => fnv1a(key.as_bytes()),
            Component::Fundraising(key) => fnv1a(key.as_bytes()) ^ FUNDRAISING_TAG,
        }
    }
}

/// The key of one component under one master seed; cheap to copy, makes generators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StreamKey {
    key: u64,
}

impl StreamKey {
    /// The key for `component` under master `seed`.
    pub fn new(seed: u64, component: Component<'_>) -> StreamKey {
        StreamKey { key: mix(mix(seed) ^ component.tag()) }
    }

    /// The generator of item `item` on path `path`.
    pub fn rng(&self, path: u64, item: u64) -> PathRng {
        let mut state = self.key ^ mix(path ^ mix(item.wrapping_add(GOLDEN_GAMMA)));
        let mut seed = [0u8; 32];
        for chunk in seed.chunks_exact_mut(8) {
            chunk.copy_from_slice(&splitmix64(&mut state).to_le_bytes());
        }
        PathRng::from_seed(seed)
    }
}

/// The item of the `slot`-th deal drawn in `quarter` (item 0 is the component's own stream).
///
/// Keying deals by (quarter, slot) rather than by a running count is what makes scenarios that
/// deploy at different rates pair: with a running count, deal *k* of a bigger budget comes
/// quarters earlier, in another market state, than deal *k* of a smaller one.
pub fn deal_item(quarter: usize, slot: usize) -> u64 {
    ((quarter as u64) << 32 | slot as u64) + 1
}

const GOLDEN_GAMMA: u64 = 0x9E37_79B9_7F4A_7C15;

/// SplitMix64 step: advances `state` by the golden gamma and returns its finalised value.
fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(GOLDEN_GAMMA);
    mix(*state)
}

/// SplitMix64's finaliser: a bijective 64-bit mix.
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// 64-bit FNV-1a hash: stable across platforms and releases (std's hashers are not).
pub fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streams_are_value_stable() {
        // Pinned outputs: a change of generator, key derivation or crate version that alters
        // the numbers fails here, before it silently changes every result.
        let mut rng = StreamKey::new(42, Component::ExitMarket).rng(7, 0);
        let first = rng.next_u64();
        assert_eq!(first, StreamKey::new(42, Component::ExitMarket).rng(7, 0).next_u64());
        assert_eq!(first, PINNED_FIRST_WORD);
    }

    const PINNED_FIRST_WORD: u64 = 13_217_896_636_542_764_009;

    /// `actual` equals `pinned` bit for bit (a value that differs in its last bit fails).
    fn assert_bits(kind: &str, actual: &[f64], pinned: &[f64]) {
        let bits = |values: &[f64]| values.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(actual), bits(pinned), "{kind}: {actual:?}, pinned {pinned:?}");
    }

    /// The first variates of each kind the model draws, pinned as `rand_distr`'s value-stability
    /// tests pin theirs: a change of the ziggurat, of the `exp`, of the gamma tables or of how
    /// a variate takes its words fails here, before it silently changes every result.
    #[test]
    fn variates_are_value_stable() {
        let key = StreamKey::new(42, Component::ExitMarket);
        let mut rng = key.rng(7, 0);
        let normals: Vec<f64> = (0..5).map(|_| rng.normal()).collect();
        assert_bits(
            "standard normals",
            &normals,
            &[0.31418145597942787, -1.2482669888962494, -0.43467817585206003, -0.16844469468720535, -0.8203973806844689],
        );
        let mut rng = key.rng(7, 1);
        let lognormals: Vec<f64> = (0..5).map(|_| rng.lognormal(2.0, 0.5)).collect();
        assert_bits(
            "lognormals (median 2, σ 0.5)",
            &lognormals,
            &[0.9397555286969235, 1.0931146943882457, 1.7377167598866112, 1.3314926420166193, 1.410319777082471],
        );
        let (common, skewed) = (GammaQuantiles::shared(2.5).unwrap(), GammaQuantiles::shared(0.5).unwrap());
        let mut rng = key.rng(7, 2);
        let waits: Vec<f64> = (0..5).map(|_| rng.gamma(&common)).collect();
        assert_bits("gamma waits (shape 2.5)", &waits, &[5.025616172779578, 2.400546805297131, 1.2430727909591925, 3.2786184457394256, 1.3931102912957958]);
        let waits: Vec<f64> = (0..5).map(|_| rng.gamma(&skewed)).collect();
        assert_bits(
            "gamma waits (shape 0.5)",
            &waits,
            &[0.45952647670992036, 0.06001629287355717, 0.1889464023615003, 0.02266628863001543, 0.09792795147346114],
        );
    }

    #[test]
    fn paths_components_and_items_differ() {
        let key = StreamKey::new(1, Component::SubFund("sf01"));
        let words = [
            key.rng(0, 0).next_u64(),
            key.rng(1, 0).next_u64(),
            key.rng(0, 1).next_u64(),
            key.rng(1, 1).next_u64(),
            StreamKey::new(1, Component::SubFund("sf02")).rng(0, 0).next_u64(),
            StreamKey::new(2, Component::SubFund("sf01")).rng(0, 0).next_u64(),
            StreamKey::new(1, Component::Direct).rng(0, 0).next_u64(),
        ];
        for i in 0..words.len() {
            for j in 0..i {
                assert_ne!(words[i], words[j], "streams {i} and {j} coincide");
            }
        }
    }

    /// Neighbouring streams are uncorrelated: the first uniforms of items 0..n on one path and of
    /// paths 0..n for one item have the moments of independent uniforms.
    #[test]
    fn neighbouring_streams_look_independent() {
        use rand::RngExt;
        let key = StreamKey::new(5, Component::Direct);
        let n = 20_000u64;
        let across_items: Vec<f64> = (0..n).map(|i| key.rng(3, i).random::<f64>()).collect();
        let across_paths: Vec<f64> = (0..n).map(|p| key.rng(p, 3).random::<f64>()).collect();
        for u in [&across_items, &across_paths] {
            let mean = u.iter().sum::<f64>() / n as f64;
            let lag1 = u.windows(2).map(|w| (w[0] - 0.5) * (w[1] - 0.5)).sum::<f64>() / (n - 1) as f64 * 12.0;
            assert!((mean - 0.5).abs() < 4.0 * (1.0 / 12.0 / n as f64).sqrt(), "mean {mean}");
            assert!(lag1.abs() < 4.0 / (n as f64).sqrt(), "lag-1 correlation {lag1}");
        }
    }

    #[test]
    fn fnv1a_matches_reference() {
        // Reference values of 64-bit FNV-1a.
        assert_eq!(fnv1a(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a(b"a"), 0xaf63_dc4c_8601_ec8c);
    }
}
