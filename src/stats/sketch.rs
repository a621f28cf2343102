//! Bounded-memory quantile sketches for quarterly fans (docs/model.md §6–7): P5…P95 of NAV or
//! cumulative cash flow at every quarter, over millions of paths, without keeping any path's
//! series.
//!
//! The sketch follows DDSketch (Masson, Rim & Lee, "DDSketch: a fast and fully-mergeable
//! quantile sketch with relative-error guarantees", VLDB 2019): values are counted in
//! logarithmically spaced buckets, one dense store for positive values and one for negative
//! ones, plus a zero count for `|x| < min_magnitude`. Every bucket spans a ratio of at most
//! `γ = (1+α)/(1-α)`, so reporting a bucket by its harmonic midpoint is within relative
//! accuracy `α` of any value in it.
//!
//! It is written here rather than taken from a crate because results must be bit-identical
//! whatever order batches of paths are merged in (docs/model.md §7). The state is integer counts
//! plus exact minimum and maximum (compared with `f64::total_cmp`); the stores cover exactly
//! the range of buckets ever used. Merging adds counts, so any merge order gives an equal
//! (`==`) sketch. There is no float accumulation and no bucket collapsing.
//!
//! Bucket index. Instead of `ln|x|` the index uses DDSketch's cubically interpolated
//! logarithm: with `|x| = 2^e (1+s)`, `s ∈ [0,1)` read from the float's bits,
//! `L = e + s(10/7 + s(-3/5 + 6/35 s))` is continuous, increasing and within a factor
//! `1/((1+s)L'(s)) ≤ 0.7` of log₂'s slope (bound derived in the tests' comments), so
//! `m = ⌈0.7/ln γ⌉` buckets per octave (`index = ⌊m·L⌋`) meet the accuracy, about 1 % more
//! buckets than an exact logarithm. It costs a few multiplications, and being plain IEEE
//! arithmetic it gives the same bucket on every platform.
//!
//! Memory. A store spans at most `m · log₂(max|x| / min_magnitude) + 2` buckets of 8 bytes,
//! whatever the number of values: at α = 0.005 (m = 70) values in [1e-6, 1e9] need at most
//! about 3,500 buckets (28 KB) per sign. For any finite values it is at most
//! `m · (1024 - log₂ min_magnitude)` buckets per sign.

pub mod encoding;

const CUBIC_A: f64 = 6.0 / 35.0;
const CUBIC_B: f64 = -3.0 / 5.0;
const CUBIC_C: f64 = 10.0 / 7.0;
/// max over s ∈ [0,1] of 1/((1+s)L'(s)): the ln-width of a unit of L.
const MAX_LOG_SLOPE: f64 = 0.7;
const MANTISSA_MASK: u64 = (1 << 52) - 1;
const EXPONENT_OF_ONE: u64 = 1023 << 52;
const TWO_TO_52: f64 = 4_503_599_627_370_496.0;

/// Counts of consecutive bucket indices starting at `offset`.
///
/// A plain `Vec`: a value almost always lands inside the range already held, and that case is
/// one comparison and one add; growing at the front shifts the counts, but happens only when a
/// new smallest bucket appears (a `VecDeque` made every add pay for its wrap-around instead).
#[derive(Debug, Clone, PartialEq, Default)]
struct Store {
    offset: i64,
    counts: Vec<u64>,
}

impl Store {
    /// Add `count` to bucket `index`, growing the range to include it.
    #[inline]
    fn add(&mut self, index: i64, count: u64) {
        // An index below `offset` wraps to a huge slot: one bounds check covers both sides.
        let slot = index.wrapping_sub(self.offset) as usize;
        match self.counts.get_mut(slot) {
            Some(bucket) => *bucket += count,
            None => self.add_outside(index, count),
        }
    }

    /// [`Store::add`] for an index outside the range held.
    #[cold]
    #[inline(never)]
    fn add_outside(&mut self, index: i64, count: u64) {
        if self.counts.is_empty() {
            self.offset = index;
        } else if index < self.offset {
            self.counts.splice(0..0, std::iter::repeat_n(0, (self.offset - index) as usize));
            self.offset = index;
        }
        let slot = (index - self.offset) as usize;
        if slot >= self.counts.len() {
            self.counts.resize(slot + 1, 0);
        }
        self.counts[slot] += count;
    }

    /// Add every count of `other` (same mapping): one pass over its range, not one `add` per
    /// bucket (fans of a run are merged thousands of times).
    fn add_store(&mut self, other: &Store) {
        let Some(last) = other.counts.len().checked_sub(1) else { return };
        self.add(other.offset, 0);
        self.add(other.offset + last as i64, 0);
        let start = (other.offset - self.offset) as usize;
        for (mine, theirs) in self.counts[start..=start + last].iter_mut().zip(&other.counts) {
            *mine += theirs;
        }
    }

    /// (index, count) in ascending index order, skipping empty buckets.
    fn buckets(&self) -> impl DoubleEndedIterator<Item = (i64, u64)> + '_ {
        let offset = self.offset;
        self.counts
            .iter()
            .enumerate()
            .filter(|(_, c)| **c > 0)
            .map(move |(i, &c)| (offset + i as i64, c))
    }
}

/// A mergeable quantile sketch with relative accuracy α (see the module docs).
///
/// ```
/// use fifsim::stats::sketch::QuantileSketch;
/// let (mut a, mut b) = (QuantileSketch::new(0.005, 1e-6), QuantileSketch::new(0.005, 1e-6));
/// (1..=500).for_each(|i| a.insert(f64::from(i)));
/// (501..=1000).for_each(|i| b.insert(f64::from(i)));
/// a.merge(&b);
/// let median = a.quantile(0.5).unwrap_or(f64::NAN); // x_(499) = 500, within 0.5 %
/// assert!((median - 500.0).abs() <= 2.5);
/// assert_eq!((a.min(), a.max()), (Some(1.0), Some(1000.0)));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct QuantileSketch {
    /// Buckets per octave, m (a whole number).
    buckets_per_octave: f64,
    min_magnitude: f64,
    positive: Store,
    negative: Store,
    zero_count: u64,
    count: u64,
    ignored: u64,
    min: f64,
    max: f64,
}

impl QuantileSketch {
    /// A sketch with the given relative accuracy (clamped to [1e-4, 0.5]; `NaN` means 0.005)
    /// that counts values with `|x| < min_magnitude` as zero (clamped to
    /// [`f64::MIN_POSITIVE`], 1e300]).
    pub fn new(relative_accuracy: f64, min_magnitude: f64) -> QuantileSketch {
        let alpha = if relative_accuracy.is_nan() {
            0.005
        } else {
            relative_accuracy.clamp(1e-4, 0.5)
        };
        let min_magnitude = if min_magnitude.is_nan() {
            0.0
        } else {
            min_magnitude
        };
        let ln_gamma = ((1.0 + alpha) / (1.0 - alpha)).ln();
        QuantileSketch {
            buckets_per_octave: (MAX_LOG_SLOPE / ln_gamma).ceil().max(1.0),
            min_magnitude: min_magnitude.clamp(f64::MIN_POSITIVE, 1e300),
            positive: Store::default(),
            negative: Store::default(),
            zero_count: 0,
            count: 0,
            ignored: 0,
            min: f64::INFINITY,
            max: f64::NEG_INFINITY,
        }
    }

    /// Count one value. Non-finite values are ignored (see [`QuantileSketch::ignored`]).
    #[inline]
    pub fn insert(&mut self, x: f64) {
        self.insert_with_log(x, approx_log2(x.abs()));
    }

    /// [`QuantileSketch::insert`] given `approx_log2(|x|)`, which [`Fan::insert_series`]
    /// computes for a block of quarters at once.
    #[inline]
    fn insert_with_log(&mut self, x: f64, log2_magnitude: f64) {
        if !x.is_finite() {
            self.ignored += 1;
            return;
        }
        self.count += 1;
        self.note_extremes(x, x);
        let magnitude = x.abs();
        if magnitude < self.min_magnitude {
            self.zero_count += 1;
        } else if x > 0.0 {
            self.positive.add(self.level_index(log2_magnitude), 1);
        } else {
            self.negative.add(self.level_index(log2_magnitude), 1);
        }
    }

    /// Add another sketch's values. With the same parameters the result equals (`==`) the
    /// sketch of all values, in any merge order. With different parameters the other's
    /// buckets are re-counted at their representative values (accuracy about α₁ + α₂).
    pub fn merge(&mut self, other: &QuantileSketch) {
        let same_mapping = self.buckets_per_octave == other.buckets_per_octave;
        if same_mapping && self.min_magnitude == other.min_magnitude {
            self.positive.add_store(&other.positive);
            self.negative.add_store(&other.negative);
        } else {
            for (index, count) in other.positive.buckets() {
                self.add_value(other.representative(index), count);
            }
            for (index, count) in other.negative.buckets() {
                self.add_value(-other.representative(index), count);
            }
        }
        self.zero_count += other.zero_count;
        self.count += other.count;
        self.ignored += other.ignored;
        self.note_extremes(other.min, other.max);
    }

    /// Number of (finite) values counted.
    pub fn count(&self) -> u64 {
        self.count
    }

    /// Number of non-finite values ignored.
    pub fn ignored(&self) -> u64 {
        self.ignored
    }

    /// Estimate of the p-quantile, `None` when empty or p is outside [0, 1].
    ///
    /// Rank convention: the estimate is for the order statistic `x_(k)`, k = ⌊p·(n-1)⌋
    /// (0-based; the lower of the two values type-7 interpolates between). It is within
    /// relative accuracy α of it, or within `min_magnitude` of it for values counted as zero,
    /// and always within [min, max].
    pub fn quantile(&self, p: f64) -> Option<f64> {
        if self.count == 0 || !(0.0..=1.0).contains(&p) {
            return None;
        }
        let rank = (p * (self.count - 1) as f64).floor() as u64;
        // Walk the counts in value order; only the bucket holding the rank is turned into a
        // value (a representative costs a power, and a store has thousands of buckets).
        #[derive(Clone, Copy)]
        enum Slot {
            Negative(i64),
            Zero,
            Positive(i64),
        }
        let negatives = self.negative.buckets().rev().map(|(i, c)| (Slot::Negative(i), c));
        let zeros = std::iter::once((Slot::Zero, self.zero_count));
        let positives = self.positive.buckets().map(|(i, c)| (Slot::Positive(i), c));
        let mut seen = 0;
        let mut estimate = self.max;
        for (slot, count) in negatives.chain(zeros).chain(positives) {
            seen += count;
            if seen > rank {
                estimate = match slot {
                    Slot::Negative(i) => -self.representative(i),
                    Slot::Zero => 0.0,
                    Slot::Positive(i) => self.representative(i),
                };
                break;
            }
        }
        Some(estimate.max(self.min).min(self.max))
    }

    /// Smallest value counted (exact).
    pub fn min(&self) -> Option<f64> {
        (self.count > 0).then_some(self.min)
    }

    /// Largest value counted (exact).
    pub fn max(&self) -> Option<f64> {
        (self.count > 0).then_some(self.max)
    }

    /// The guaranteed relative accuracy, tanh(0.35/m) (at most the requested α).
    pub fn relative_accuracy(&self) -> f64 {
        (0.5 * MAX_LOG_SLOPE / self.buckets_per_octave).tanh()
    }

    /// Buckets held (positive and negative stores): the memory footprint in units of 8 bytes.
    pub fn bucket_count(&self) -> usize {
        self.positive.counts.len() + self.negative.counts.len()
    }

    fn note_extremes(&mut self, low: f64, high: f64) {
        // `total_cmp` only tells -0.0 from 0.0: the plain comparison (neither side is NaN)
        // settles every other value at a fraction of the cost.
        if low <= self.min && low.total_cmp(&self.min).is_lt() {
            self.min = low;
        }
        if high >= self.max && high.total_cmp(&self.max).is_gt() {
            self.max = high;
        }
    }

    fn add_value(&mut self, x: f64, count: u64) {
        if x.abs() < self.min_magnitude {
            self.zero_count += count;
        } else if x > 0.0 {
            self.positive.add(self.index(x), count);
        } else {
            self.negative.add(self.index(-x), count);
        }
    }

    /// Bucket of a finite magnitude ≥ min_magnitude (a normal float).
    fn index(&self, magnitude: f64) -> i64 {
        self.level_index(approx_log2(magnitude))
    }

    /// Bucket of a magnitude given its [`approx_log2`].
    #[inline]
    fn level_index(&self, log2_approx: f64) -> i64 {
        // The floor as an integer without `as i64`'s saturation and NaN checks: |level| is
        // below 1025 · m < 2^51 (m ≤ 3500 for α ≥ 1e-4). This runs for every point of every fan.
        crate::numeric::whole_to_i64((log2_approx * self.buckets_per_octave).floor())
    }

    /// The magnitude where bucket `index` starts: the inverse of `m·L` at `index`.
    fn bucket_start(&self, index: i64) -> f64 {
        let level = index as f64 / self.buckets_per_octave;
        let exponent = level.floor();
        let target = level - exponent;
        // Solve s(10/7 + s(-3/5 + 6/35 s)) = target on [0, 1]; the cubic is increasing.
        let (mut low, mut high) = (0.0_f64, 1.0_f64);
        for _ in 0..60 {
            let mid = 0.5 * (low + high);
            if ((CUBIC_A * mid + CUBIC_B) * mid + CUBIC_C) * mid < target {
                low = mid;
            } else {
                high = mid;
            }
        }
        2.0_f64.powi(exponent as i32) * (1.0 + 0.5 * (low + high))
    }

    /// Harmonic midpoint of a bucket: within (hi-lo)/(hi+lo) ≤ α of every value in it.
    fn representative(&self, index: i64) -> f64 {
        let (low, high) = (self.bucket_start(index), self.bucket_start(index + 1));
        if high.is_finite() {
            low * (2.0 / (1.0 + low / high))
        } else {
            low
        }
    }
}

/// DDSketch's cubically interpolated log₂ `L` of a finite magnitude (see the module docs).
#[inline]
fn approx_log2(magnitude: f64) -> f64 {
    let bits = magnitude.to_bits();
    // The exponent field as a float read from the bits of 2^52 + field (exact), rather than by
    // an integer conversion, which AVX2 lacks for vectors: so [`Fan::insert_series`]'s loop over
    // a block of quarters runs four values at a time.
    let exponent = f64::from_bits(TWO_TO_52.to_bits() | bits >> 52) - (TWO_TO_52 + 1023.0);
    let s = f64::from_bits((bits & MANTISSA_MASK) | EXPONENT_OF_ONE) - 1.0;
    exponent + ((CUBIC_A * s + CUBIC_B) * s + CUBIC_C) * s
}

/// One sketch per quarter for a quarterly series (NAV, cumulative cash flow, …).
#[derive(Debug, Clone, PartialEq)]
pub struct Fan {
    sketches: Vec<QuantileSketch>,
    series: u64,
}

impl Fan {
    /// A fan over `quarters` quarters; the parameters are those of [`QuantileSketch::new`].
    pub fn new(quarters: usize, relative_accuracy: f64, min_magnitude: f64) -> Fan {
        Fan {
            sketches: vec![QuantileSketch::new(relative_accuracy, min_magnitude); quarters],
            series: 0,
        }
    }

    /// Count one path's series, value t in quarter t. A series of the wrong length is
    /// counted over the quarters both have (a caller bug, but not worth a panic).
    pub fn insert_series(&mut self, series: &[f64]) {
        // The logarithms of a block of quarters first, in a loop the compiler vectorises, then
        // the counting, sketch by sketch: a logarithm taken beside each count would not
        // vectorise, and a path inserts into every quarter's sketch.
        const BLOCK: usize = 32;
        let mut logs = [0.0; BLOCK];
        for (sketches, values) in self.sketches.chunks_mut(BLOCK).zip(series.chunks(BLOCK)) {
            for (log, &x) in logs.iter_mut().zip(values) {
                *log = approx_log2(x.abs());
            }
            for ((sketch, &x), &log) in sketches.iter_mut().zip(values).zip(&logs) {
                sketch.insert_with_log(x, log);
            }
        }
        self.series += 1;
    }

    /// Add another fan's series quarter by quarter (extra quarters of `other` are appended).
    pub fn merge(&mut self, other: &Fan) {
        for (sketch, theirs) in self.sketches.iter_mut().zip(&other.sketches) {
            sketch.merge(theirs);
        }
        if other.sketches.len() > self.sketches.len() {
            self.sketches
                .extend_from_slice(&other.sketches[self.sketches.len()..]);
        }
        self.series += other.series;
    }

    /// The p-quantile at every quarter (`NaN` where a quarter is empty).
    pub fn quantiles(&self, p: f64) -> Vec<f64> {
        self.sketches
            .iter()
            .map(|s| s.quantile(p).unwrap_or(f64::NAN))
            .collect()
    }

    /// Number of quarters.
    pub fn quarters(&self) -> usize {
        self.sketches.len()
    }

    /// Number of series inserted.
    pub fn count(&self) -> u64 {
        self.series
    }

    /// The sketch of one quarter.
    pub fn quarter(&self, quarter: usize) -> Option<&QuantileSketch> {
        self.sketches.get(quarter)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{RngExt, SeedableRng};
    use rand_chacha::ChaCha8Rng;
    use rand_distr::{Distribution, LogNormal, Normal};

    const ALPHA: f64 = 0.005;
    const PROBABILITIES: [f64; 12] = [
        0.0, 0.001, 0.01, 0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 1.0,
    ];

    /// Checks every probability against the exact order statistic ⌊p(n-1)⌋.
    fn assert_accurate(values: &[f64], min_magnitude: f64) {
        let mut sketch = QuantileSketch::new(ALPHA, min_magnitude);
        values.iter().for_each(|&x| sketch.insert(x));
        let mut sorted = values.to_vec();
        sorted.sort_unstable_by(f64::total_cmp);
        for p in PROBABILITIES {
            let exact = sorted[(p * (sorted.len() - 1) as f64).floor() as usize];
            let estimate = sketch.quantile(p).unwrap_or(f64::NAN);
            let tolerance = ALPHA * exact.abs() * (1.0 + 1e-9) + min_magnitude;
            assert!(
                (estimate - exact).abs() <= tolerance,
                "p = {p}: {estimate} vs {exact}"
            );
        }
        assert_eq!(sketch.min(), sorted.first().copied());
        assert_eq!(sketch.max(), sorted.last().copied());
        assert_eq!(sketch.count(), values.len() as u64);
    }

    #[test]
    fn cubic_log_slope_bound() {
        // (1+s)L'(s) = (18s³ - 24s² + 8s + 50)/35 ≥ 10/7 on [0,1] (minima at s = 0 and 2/3),
        // so the ln-width of one unit of L is at most 0.7. Check on a fine grid.
        let worst = (0..=100_000)
            .map(|i| i as f64 / 100_000.0)
            .map(|s| 1.0 / ((1.0 + s) * ((3.0 * CUBIC_A * s + 2.0 * CUBIC_B) * s + CUBIC_C)))
            .fold(0.0, f64::max);
        assert!((worst - MAX_LOG_SLOPE).abs() < 1e-12, "{worst}");
        assert_eq!(CUBIC_A + CUBIC_B + CUBIC_C, 1.0);
        assert_eq!(QuantileSketch::new(0.005, 1e-6).buckets_per_octave, 70.0);
    }

    #[test]
    fn every_value_is_within_alpha_of_its_bucket() {
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let sketch = QuantileSketch::new(ALPHA, f64::MIN_POSITIVE);
        for _ in 0..200_000 {
            let x = 10f64.powf(rng.random_range(-300.0..300.0));
            let index = sketch.index(x);
            let (low, high) = (sketch.bucket_start(index), sketch.bucket_start(index + 1));
            assert!(
                low <= x * (1.0 + 1e-12) && x <= high * (1.0 + 1e-12),
                "{x} not in [{low}, {high}]"
            );
            let error = (sketch.representative(index) - x).abs() / x;
            assert!(
                error <= sketch.relative_accuracy() * (1.0 + 1e-9),
                "{x}: {error}"
            );
        }
        assert!(sketch.relative_accuracy() <= ALPHA);
    }

    #[test]
    fn lognormal_quantiles() {
        let mut rng = ChaCha8Rng::seed_from_u64(2);
        let law = LogNormal::new(0.0, 2.0).unwrap_or_else(|e| panic!("{e}"));
        let values: Vec<f64> = (0..50_000).map(|_| law.sample(&mut rng)).collect();
        assert_accurate(&values, 1e-12);
    }

    #[test]
    fn normal_quantiles_with_negatives() {
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        let law = Normal::new(10.0, 100.0).unwrap_or_else(|e| panic!("{e}"));
        let values: Vec<f64> = (0..50_000).map(|_| law.sample(&mut rng)).collect();
        assert_accurate(&values, 1e-6);
    }

    #[test]
    fn mixed_with_zeros() {
        let mut rng = ChaCha8Rng::seed_from_u64(4);
        let law = LogNormal::new(3.0, 1.5).unwrap_or_else(|e| panic!("{e}"));
        let values: Vec<f64> = (0..30_000)
            .map(|i| match i % 10 {
                0..=2 => 0.0,
                3..=6 => law.sample(&mut rng),
                7 => 1e-9,
                _ => -law.sample(&mut rng),
            })
            .collect();
        assert_accurate(&values, 1e-6);
    }

    #[test]
    fn merge_order_does_not_matter() {
        let mut rng = ChaCha8Rng::seed_from_u64(5);
        let values: Vec<f64> = (0..20_000)
            .map(|_| rng.random_range(-1e4..1e6) * rng.random::<f64>())
            .collect();
        let sketch_of = |chunk: &[f64]| {
            let mut s = QuantileSketch::new(ALPHA, 1e-6);
            chunk.iter().for_each(|&x| s.insert(x));
            s
        };
        let whole = sketch_of(&values);
        let (first, second) = (sketch_of(&values[..7_000]), sketch_of(&values[7_000..]));
        let mut forward = first.clone();
        forward.merge(&second);
        let mut backward = second.clone();
        backward.merge(&first);
        assert_eq!(forward, whole);
        assert_eq!(backward, whole);
        // Many uneven batches, merged in reverse into an empty sketch.
        let mut batched = QuantileSketch::new(ALPHA, 1e-6);
        for chunk in values.chunks(1_234).rev() {
            batched.merge(&sketch_of(chunk));
        }
        assert_eq!(batched, whole);
    }

    #[test]
    fn merging_different_accuracies_stays_close() {
        let mut rng = ChaCha8Rng::seed_from_u64(6);
        let values: Vec<f64> = (0..10_000).map(|_| rng.random_range(1.0..1000.0)).collect();
        let (mut fine, mut coarse) = (
            QuantileSketch::new(0.001, 1e-6),
            QuantileSketch::new(0.01, 1e-6),
        );
        values[..5_000].iter().for_each(|&x| fine.insert(x));
        values[5_000..].iter().for_each(|&x| coarse.insert(x));
        fine.merge(&coarse);
        let mut sorted = values.clone();
        sorted.sort_unstable_by(f64::total_cmp);
        for p in PROBABILITIES {
            let exact = sorted[(p * 9_999.0).floor() as usize];
            let estimate = fine.quantile(p).unwrap_or(f64::NAN);
            assert!(
                (estimate - exact).abs() <= 0.0111 * exact,
                "p = {p}: {estimate} vs {exact}"
            );
        }
        assert_eq!(fine.count(), 10_000);
    }

    #[test]
    fn empty_and_non_finite() {
        let mut sketch = QuantileSketch::new(ALPHA, 1e-6);
        assert_eq!(
            (
                sketch.count(),
                sketch.quantile(0.5),
                sketch.min(),
                sketch.max()
            ),
            (0, None, None, None)
        );
        sketch.insert(f64::NAN);
        sketch.insert(f64::NEG_INFINITY);
        assert_eq!(
            (sketch.count(), sketch.ignored(), sketch.quantile(0.5)),
            (0, 2, None)
        );
        sketch.insert(-3.5);
        assert_eq!(
            (sketch.quantile(0.0), sketch.quantile(1.0)),
            (Some(-3.5), Some(-3.5))
        );
        assert_eq!(sketch.quantile(1.5), None);
        let empty = QuantileSketch::new(ALPHA, 1e-6);
        let before = sketch.clone();
        sketch.merge(&empty);
        assert_eq!(sketch, before);
    }

    #[test]
    fn memory_is_bounded_by_the_range() {
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        let mut sketch = QuantileSketch::new(ALPHA, 1e-6);
        for _ in 0..300_000 {
            sketch.insert(10f64.powf(rng.random_range(0.0..9.0)));
        }
        let bound = 70.0 * 1e9f64.log2() + 2.0;
        assert!(
            (sketch.bucket_count() as f64) <= bound,
            "{}",
            sketch.bucket_count()
        );
        assert!(sketch.bucket_count() > 1_900);
    }

    #[test]
    fn fan_per_quarter() {
        let mut rng = ChaCha8Rng::seed_from_u64(8);
        let quarters = 12;
        let paths: Vec<Vec<f64>> = (0..4_000)
            .map(|_| {
                (0..quarters)
                    .map(|q| (q as f64 - 4.0) * 10.0 + rng.random_range(-20.0..20.0))
                    .collect()
            })
            .collect();
        let mut fan = Fan::new(quarters, ALPHA, 1e-6);
        let (mut left, mut right) = (fan.clone(), fan.clone());
        for (i, path) in paths.iter().enumerate() {
            fan.insert_series(path);
            if i % 3 == 0 {
                left.insert_series(path)
            } else {
                right.insert_series(path)
            }
        }
        right.merge(&left);
        assert_eq!(right, fan);
        assert_eq!((fan.quarters(), fan.count()), (quarters, 4_000));
        let p5 = fan.quantiles(0.05);
        for (q, estimate) in p5.iter().enumerate() {
            let mut column: Vec<f64> = paths.iter().map(|p| p[q]).collect();
            column.sort_unstable_by(f64::total_cmp);
            let exact = column[(0.05 * 3_999.0f64).floor() as usize];
            assert!(
                (estimate - exact).abs() <= ALPHA * exact.abs() + 1e-6,
                "quarter {q}"
            );
        }
        assert!(
            Fan::new(3, ALPHA, 1e-6)
                .quantiles(0.5)
                .iter()
                .all(|v| v.is_nan())
        );
    }
}
