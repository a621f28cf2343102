//! Summaries of one measure (TVPI, IRR, peak capital need, …) across simulated paths
//! (docs/model.md §6): mean with standard error and 95 % interval, quantiles with
//! distribution-free order-statistic intervals, expected shortfall, and proportions such as
//! P(TVPI < 1) with Wilson intervals.
//!
//! Conventions, fixed so that reports can be reproduced and compared:
//! - Non-finite values (`NaN` marks an undefined IRR) are counted as missing and skipped.
//! - Sums run in input order (the caller passes values in path order) with Neumaier
//!   compensation; sorting uses `f64::total_cmp`. The same input therefore gives
//!   bit-identical output, whatever the thread count that produced it.
//! - Quantiles are Hyndman & Fan (1996) type 7 (linear interpolation between order
//!   statistics, the default of R and NumPy).
//! - Quantile intervals use the exact Binomial(n, p) law of the number of values below the
//!   true quantile (no normal approximation, for every n), so they cover with probability at
//!   least 95 % whenever the data allow; when they do not (small n, extreme p) the interval
//!   is clamped to the smallest or largest value.
//! - 1.96 in the intervals is the 97.5 % standard normal quantile, 1.959963984540054.
//!
//! One sort per [`Summary::of`]; everything else is linear, so a million values take well
//! under a second.

use serde::{Deserialize, Serialize};

/// The 97.5 % quantile of the standard normal distribution.
pub const Z95: f64 = 1.959_963_984_540_054;

/// Probabilities at which [`Summary::of`] reports quantiles: P5, P25, P50, P75, P95.
pub const STANDARD_PROBABILITIES: [f64; 5] = [0.05, 0.25, 0.50, 0.75, 0.95];

/// A sample quantile with its distribution-free 95 % interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Quantile {
    /// Probability level in [0, 1].
    pub p: f64,
    /// Type-7 sample quantile.
    #[serde(deserialize_with = "super::nan::deserialize")]
    pub value: f64,
    /// 95% distribution-free interval from order statistics (lower end).
    #[serde(deserialize_with = "super::nan::deserialize")]
    pub lower: f64,
    /// 95% distribution-free interval from order statistics (upper end).
    #[serde(deserialize_with = "super::nan::deserialize")]
    pub upper: f64,
}

/// Summary statistics of one measure across paths.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    /// Finite values used.
    pub n: usize,
    /// Non-finite values skipped (e.g. undefined IRRs, passed as `NaN`).
    pub missing: usize,
    /// Arithmetic mean.
    #[serde(deserialize_with = "super::nan::deserialize")]
    pub mean: f64,
    /// Sample standard deviation (divisor n - 1; `NaN` when n < 2).
    #[serde(deserialize_with = "super::nan::deserialize")]
    pub std_dev: f64,
    /// Standard error of the mean, std_dev / √n.
    #[serde(deserialize_with = "super::nan::deserialize")]
    pub std_error: f64,
    /// mean ± 1.96 SE.
    #[serde(deserialize_with = "super::nan::deserialize")]
    pub mean_ci95: (f64, f64),
    /// Smallest value.
    #[serde(deserialize_with = "super::nan::deserialize")]
    pub min: f64,
    /// Largest value.
    #[serde(deserialize_with = "super::nan::deserialize")]
    pub max: f64,
    /// Quantiles at [`STANDARD_PROBABILITIES`].
    pub quantiles: Vec<Quantile>,
    /// Mean of the worst (lowest) 5 % of values, as in [`expected_shortfall`].
    #[serde(deserialize_with = "super::nan::deserialize")]
    pub expected_shortfall_5: f64,
}

impl Summary {
    /// Summarise values; non-finite values count as missing. Empty input gives n = 0 and
    /// `NaN` statistics (never panics).
    ///
    /// ```
    /// use fifsim::stats::summary::Summary;
    /// let tvpi = [0.4, 1.1, f64::NAN, 2.5, 0.9, 1.6];
    /// let summary = Summary::of(&tvpi);
    /// assert_eq!((summary.n, summary.missing), (5, 1));
    /// assert_eq!(summary.quantile(0.5).map(|q| q.value), Some(1.1));
    /// ```
    pub fn of(values: &[f64]) -> Summary {
        let finite: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
        let Moments { n, mean, std_dev } = Moments::of(&finite);
        let std_error = std_dev / (n as f64).sqrt();
        let sorted = sorted_by_total_cmp(finite);
        let intervals = standard_intervals(n);
        let quantiles = STANDARD_PROBABILITIES
            .iter()
            .zip(intervals)
            .map(|(&p, ranks)| {
                let (lower, upper) =
                    ranks.map_or((f64::NAN, f64::NAN), |(l, u)| (sorted[l - 1], sorted[u - 1]));
                Quantile {
                    p,
                    value: quantile_sorted(&sorted, p),
                    lower,
                    upper,
                }
            })
            .collect();
        Summary {
            n,
            missing: values.len() - n,
            mean,
            std_dev,
            std_error,
            mean_ci95: (mean - Z95 * std_error, mean + Z95 * std_error),
            min: sorted.first().copied().unwrap_or(f64::NAN),
            max: sorted.last().copied().unwrap_or(f64::NAN),
            quantiles,
            expected_shortfall_5: shortfall_sorted(&sorted, 0.05),
        }
    }

    /// The quantile computed at exactly probability `p`, if it is one of those computed.
    pub fn quantile(&self, p: f64) -> Option<&Quantile> {
        self.quantiles.iter().find(|q| q.p == p)
    }
}

/// The standard error of the mean of the finite `values`, as [`Summary::of`] computes it but
/// in one linear pass, without sorting (the `--precision` rule asks for it after every chunk).
pub fn standard_error(values: &[f64]) -> f64 {
    Moments::of_finite(values).std_error()
}

/// `values` in `f64::total_cmp` order, exactly as `sort_unstable_by(f64::total_cmp)`
/// leaves them (values equal under `total_cmp` have equal bits): each value is mapped to an
/// unsigned key that orders as `total_cmp` does, the keys are sorted as integers, and mapped
/// back: integer compares instead of two `total_cmp` key computations per comparison, and the
/// keys reuse the allocation.
fn sorted_by_total_cmp(values: Vec<f64>) -> Vec<f64> {
    const SIGN: u64 = 1 << 63;
    // Negative values: every bit flipped (the larger the magnitude, the smaller the key);
    // others: the sign bit set. `total_cmp`'s own mapping, shifted to unsigned.
    let mut keys: Vec<u64> = values
        .into_iter()
        .map(|v| {
            let bits = v.to_bits();
            bits ^ ((((bits as i64) >> 63) as u64) | SIGN)
        })
        .collect();
    keys.sort_unstable();
    keys.into_iter()
        .map(|key| f64::from_bits(key ^ (((((!key) as i64) >> 63) as u64) | SIGN)))
        .collect()
}

/// The order-statistic ranks of [`quantile_interval_sorted`] at each of
/// [`STANDARD_PROBABILITIES`] for `n` values (`None` for n = 0). Remembers the last `n` of the
/// thread: a report summarises ~100 columns, most of them of the same length, and the binomial
/// walk (a division for each rank near each quantile) costs as much as a good share of the
/// column's sort.
fn standard_intervals(n: usize) -> [Option<(usize, usize)>; STANDARD_PROBABILITIES.len()] {
    type Ranks = [Option<(usize, usize)>; STANDARD_PROBABILITIES.len()];
    thread_local! {
        static LAST: std::cell::Cell<Option<(usize, Ranks)>> = const { std::cell::Cell::new(None) };
    }
    LAST.with(|last| match last.get() {
        Some((m, ranks)) if m == n => ranks,
        _ => {
            let ranks = STANDARD_PROBABILITIES.map(|p| (n > 0).then(|| order_statistic_ranks(n, p)));
            last.set(Some((n, ranks)));
            ranks
        }
    })
}

/// Count, mean and sample standard deviation of finite values, summed in order: the moments
/// [`Summary::of`] reports, bit for bit, without its sort.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Moments {
    pub n: usize,
    pub mean: f64,
    pub std_dev: f64,
}

impl Moments {
    /// The moments of the finite values among `values`.
    pub fn of_finite(values: &[f64]) -> Moments {
        let finite: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
        Moments::of(&finite)
    }

    /// The standard error of the mean.
    pub fn std_error(&self) -> f64 {
        self.std_dev / (self.n as f64).sqrt()
    }

    fn of(finite: &[f64]) -> Moments {
        let n = finite.len();
        let count = n as f64;
        let mean = compensated_sum(finite.iter().copied()) / count;
        let std_dev = if n >= 2 {
            let squares = compensated_sum(finite.iter().map(|v| (v - mean) * (v - mean)));
            (squares / (count - 1.0)).sqrt()
        } else {
            f64::NAN
        };
        Moments { n, mean, std_dev }
    }
}

/// A proportion of paths (e.g. P(TVPI < 1)) with its standard error and Wilson interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Proportion {
    /// Paths where the event happened.
    pub successes: usize,
    /// Paths counted.
    pub n: usize,
    /// successes / n.
    #[serde(deserialize_with = "super::nan::deserialize")]
    pub estimate: f64,
    /// √(p(1-p)/n).
    #[serde(deserialize_with = "super::nan::deserialize")]
    pub std_error: f64,
    /// Wilson score interval
    #[serde(deserialize_with = "super::nan::deserialize")]
    pub ci95: (f64, f64),
}

impl Proportion {
    /// Proportion `successes / n` (successes above n are clamped to n). With n = 0 every
    /// statistic is `NaN`.
    pub fn new(successes: usize, n: usize) -> Proportion {
        let successes = successes.min(n);
        if n == 0 {
            return Proportion {
                successes,
                n,
                estimate: f64::NAN,
                std_error: f64::NAN,
                ci95: (f64::NAN, f64::NAN),
            };
        }
        let count = n as f64;
        let estimate = successes as f64 / count;
        let variance = estimate * (1.0 - estimate) / count;
        // Wilson (1927): invert the score test; well-behaved at 0 and 1, unlike p ± 1.96 SE.
        let z2 = Z95 * Z95;
        let denominator = 1.0 + z2 / count;
        let centre = (estimate + z2 / (2.0 * count)) / denominator;
        let half = Z95 / denominator * (variance + z2 / (4.0 * count * count)).sqrt();
        Proportion {
            successes,
            n,
            estimate,
            std_error: variance.sqrt(),
            ci95: ((centre - half).max(0.0), (centre + half).min(1.0)),
        }
    }
}

/// Share of finite values strictly below a threshold (e.g. P(TVPI < 1)).
pub fn probability_below(values: &[f64], threshold: f64) -> Proportion {
    let finite = values.iter().filter(|v| v.is_finite());
    let (below, n) = finite.fold((0, 0), |(below, n), &v| {
        (below + usize::from(v < threshold), n + 1)
    });
    Proportion::new(below, n)
}

/// Mean of the lowest `alpha` share of finite values (expected shortfall, lower tail).
///
/// Convention: the mean of the k = ⌈alpha·n⌉ lowest values (at least one), summed in
/// ascending order. alpha·n within a relative 1e-12 above an integer counts as that integer,
/// so 0.07 × 100 takes 7 values, not 8. `NaN` when there is no finite value or alpha is not
/// in (0, 1].
pub fn expected_shortfall(values: &[f64], alpha: f64) -> f64 {
    shortfall_sorted(&sorted_finite(values), alpha)
}

/// The finite `values`, in ascending order (as `f64::total_cmp` orders them).
pub fn sorted_finite(values: &[f64]) -> Vec<f64> {
    sorted_by_total_cmp(values.iter().copied().filter(|v| v.is_finite()).collect())
}

/// Sample quantile of sorted data: Hyndman & Fan type 7, `x[h⌋] + (h - ⌊h⌋)(x[⌊h⌋+1] - x[⌊h⌋])`
/// with h = (n - 1)p (0-based). `NaN` for empty data or p outside [0, 1].
pub fn quantile_sorted(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() || !(0.0..=1.0).contains(&p) {
        return f64::NAN;
    }
    let h = (sorted.len() - 1) as f64 * p;
    let low = (h.floor() as usize).min(sorted.len() - 1);
    let fraction = h - low as f64;
    match sorted.get(low + 1) {
        Some(&next) if fraction > 0.0 => sorted[low] + fraction * (next - sorted[low]),
        _ => sorted[low],
    }
}

/// 95% order-statistic interval `(x_(l), x_(u))` (1-based ranks) for the p-quantile.
///
/// With K ~ Binomial(n, p) the number of values below the true quantile,
/// l = max{l : P(K ≤ l-1) ≤ 0.025} and u = min{u : P(K ≤ u-1) ≥ 0.975}, so the interval
/// covers with probability P(l ≤ K ≤ u-1) ≥ 95 %. The binomial law is computed exactly for
/// every n (terms below 1e-20 of the mode are dropped). Ranks are clamped to [1, n].
/// `(NaN, NaN)` for empty data or p outside [0, 1].
pub fn quantile_interval_sorted(sorted: &[f64], p: f64) -> (f64, f64) {
    if sorted.is_empty() || !(0.0..=1.0).contains(&p) {
        return (f64::NAN, f64::NAN);
    }
    let (lower, upper) = order_statistic_ranks(sorted.len(), p);
    (sorted[lower - 1], sorted[upper - 1])
}

/// The 1-based ranks (l, u) of [`quantile_interval_sorted`], clamped to [1, n]; n ≥ 1.
fn order_statistic_ranks(n: usize, p: f64) -> (usize, usize) {
    if p <= 0.0 {
        return (1, 1);
    }
    if p >= 1.0 {
        return (n, n);
    }
    // Binomial weights relative to the mode, walking out until they are negligible.
    let odds = p / (1.0 - p);
    let mode = (((n + 1) as f64 * p).floor() as usize).min(n);
    let mut below = Vec::new(); // weights of mode-1, mode-2, …
    let mut weight = 1.0;
    for k in (1..=mode).rev() {
        weight *= k as f64 / ((n - k + 1) as f64 * odds);
        if weight < 1e-20 {
            break;
        }
        below.push(weight);
    }
    let first = mode - below.len();
    let mut weights: Vec<f64> = below.into_iter().rev().collect();
    weights.push(1.0);
    weight = 1.0;
    for k in mode..n {
        weight *= (n - k) as f64 * odds / (k + 1) as f64;
        if weight < 1e-20 {
            break;
        }
        weights.push(weight);
    }
    let total = compensated_sum(weights.iter().copied());
    // cdf(first + i) = P(K ≤ first + i); cdf(k) ≈ 0 below `first`, ≈ 1 past the window.
    let mut lower_rank = first; // l - 1 = largest k with cdf(k) ≤ 0.025, at least -1.
    let mut upper_rank = n + 1;
    let mut cumulative = 0.0;
    for (i, w) in weights.iter().enumerate() {
        cumulative += w;
        let cdf = cumulative / total;
        if cdf <= 0.025 {
            lower_rank = first + i + 1;
        }
        if cdf >= 0.975 {
            upper_rank = first + i + 1;
            break;
        }
    }
    (lower_rank.clamp(1, n), upper_rank.clamp(1, n))
}

/// Expected shortfall on sorted finite data; see [`expected_shortfall`].
fn shortfall_sorted(sorted: &[f64], alpha: f64) -> f64 {
    if sorted.is_empty() || !(alpha > 0.0 && alpha <= 1.0) {
        return f64::NAN;
    }
    let target = alpha * sorted.len() as f64;
    let k = ((target - target * 1e-12).ceil() as usize).clamp(1, sorted.len());
    compensated_sum(sorted[..k].iter().copied()) / k as f64
}

/// Neumaier's compensated sum, in iteration order.
fn compensated_sum(values: impl Iterator<Item = f64>) -> f64 {
    let (mut sum, mut compensation) = (0.0_f64, 0.0_f64);
    for v in values {
        let t = sum + v;
        compensation += if sum.abs() >= v.abs() {
            (sum - t) + v
        } else {
            (v - t) + sum
        };
        sum = t;
    }
    sum + compensation
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn moments_and_standard_error_match_the_summary() {
        let values = [0.4, 1.1, f64::NAN, 2.5, 0.9, 1.6, f64::INFINITY, 0.7];
        let (summary, moments) = (Summary::of(&values), Moments::of_finite(&values));
        assert_eq!(standard_error(&values).to_bits(), summary.std_error.to_bits());
        assert_eq!(moments.std_error().to_bits(), summary.std_error.to_bits());
        let bits = (moments.n, moments.mean.to_bits(), moments.std_dev.to_bits());
        assert_eq!(bits, (summary.n, summary.mean.to_bits(), summary.std_dev.to_bits()));
        assert!(standard_error(&[1.0]).is_nan());
    }
    use rand::{RngExt, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    fn close(a: f64, b: f64, tol: f64) -> bool {
        (a - b).abs() <= tol
    }

    #[test]
    fn one_to_a_hundred() {
        let values: Vec<f64> = (1..=100).map(f64::from).collect();
        let s = Summary::of(&values);
        assert_eq!((s.n, s.missing), (100, 0));
        assert_eq!(s.mean, 50.5);
        assert!(close(s.std_dev, (100.0f64 * 101.0 / 12.0).sqrt(), 1e-12));
        assert!(close(s.std_error, s.std_dev / 10.0, 1e-15));
        assert!(close(s.mean_ci95.0, 50.5 - Z95 * s.std_error, 1e-12));
        assert_eq!((s.min, s.max), (1.0, 100.0));
        let expected = [5.95, 25.75, 50.5, 75.25, 95.05];
        for (q, e) in s.quantiles.iter().zip(expected) {
            assert!(close(q.value, e, 1e-12), "{q:?}");
        }
        // Classic table: the 95 % interval for the median of 100 values is (x_(40), x_(61)).
        let median = s.quantile(0.5).copied();
        assert_eq!(median.map(|q| (q.lower, q.upper)), Some((40.0, 61.0)));
        // Binomial(100, 0.05): P(K ≤ 0) = 0.006, P(K ≤ 1) = 0.037; P(K ≤ 9) = 0.972, P(K ≤ 10) = 0.989.
        assert_eq!(
            s.quantile(0.05).map(|q| (q.lower, q.upper)),
            Some((1.0, 11.0))
        );
        assert_eq!(
            s.quantile(0.95).map(|q| (q.lower, q.upper)),
            Some((90.0, 100.0))
        );
        assert_eq!(s.expected_shortfall_5, 3.0);
        assert_eq!(s.quantile(0.3), None);
    }

    #[test]
    fn constant_has_zero_spread() {
        let s = Summary::of(&[3.0; 1000]);
        assert_eq!((s.mean, s.std_dev, s.std_error), (3.0, 0.0, 0.0));
        assert_eq!(s.mean_ci95, (3.0, 3.0));
        assert!(
            s.quantiles
                .iter()
                .all(|q| (q.value, q.lower, q.upper) == (3.0, 3.0, 3.0))
        );
        let s = Summary::of(&[0.1; 100_000]);
        assert!(close(s.mean, 0.1, 1e-17) && s.std_error < 1e-17);
    }

    #[test]
    fn key_sort_matches_total_cmp() {
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        let mut values: Vec<f64> = (0..5_000)
            .map(|_| rng.random_range(-1e3..1e3) * rng.random::<f64>().powi(40))
            .collect();
        values.extend([0.0, -0.0, f64::MIN_POSITIVE, -f64::MIN_POSITIVE, 5e-324, -5e-324]);
        values.extend([f64::MAX, f64::MIN, 1.0, 1.0, -1.0]);
        let mut expected = values.clone();
        expected.sort_unstable_by(f64::total_cmp);
        let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(&sorted_by_total_cmp(values)), bits(&expected));
    }

    #[test]
    fn remembered_ranks_are_the_ranks() {
        for n in [0, 1, 2, 100, 2_000, 100, 7] {
            let expected =
                STANDARD_PROBABILITIES.map(|p| (n > 0).then(|| order_statistic_ranks(n, p)));
            assert_eq!(standard_intervals(n), expected, "n = {n}");
        }
    }

    #[test]
    fn nan_is_missing() {
        let s = Summary::of(&[1.0, f64::NAN, 3.0, f64::NAN, 2.0, f64::INFINITY]);
        assert_eq!(
            (s.n, s.missing, s.mean, s.min, s.max),
            (3, 3, 2.0, 1.0, 3.0)
        );
        assert_eq!(s.quantile(0.5).map(|q| q.value), Some(2.0));
    }

    #[test]
    fn empty_and_single() {
        let s = Summary::of(&[]);
        assert_eq!((s.n, s.missing), (0, 0));
        assert!(
            s.mean.is_nan()
                && s.std_dev.is_nan()
                && s.min.is_nan()
                && s.expected_shortfall_5.is_nan()
        );
        assert_eq!(s.quantiles.len(), 5);
        assert!(
            s.quantiles
                .iter()
                .all(|q| q.value.is_nan() && q.lower.is_nan())
        );
        let s = Summary::of(&[f64::NAN]);
        assert_eq!((s.n, s.missing), (0, 1));
        let s = Summary::of(&[7.0]);
        assert_eq!(
            (s.mean, s.min, s.max, s.expected_shortfall_5),
            (7.0, 7.0, 7.0, 7.0)
        );
        assert!(s.std_dev.is_nan());
        assert!(
            s.quantiles
                .iter()
                .all(|q| (q.value, q.lower, q.upper) == (7.0, 7.0, 7.0))
        );
    }

    #[test]
    fn repeatable_bit_for_bit() {
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        let values: Vec<f64> = (0..10_000).map(|_| rng.random_range(-1e6..1e6)).collect();
        let a = Summary::of(&values);
        let b = Summary::of(&values.clone());
        assert_eq!(format!("{a:?}"), format!("{b:?}"));
    }

    #[test]
    fn wilson_interval_by_hand() {
        // 10 of 100: centre (0.1 + z²/200)/(1 + z²/100), half z/(1 + z²/100)·√(0.0009 + z²/40000).
        let p = Proportion::new(10, 100);
        assert_eq!((p.estimate, p.successes, p.n), (0.1, 10, 100));
        assert!(close(p.std_error, 0.03, 1e-15));
        assert!(
            close(p.ci95.0, 0.055_229, 1e-5) && close(p.ci95.1, 0.174_367, 1e-5),
            "{:?}",
            p.ci95
        );
        // No successes: the interval still has width, starting at 0.
        let zero = Proportion::new(0, 50);
        assert_eq!(zero.ci95.0, 0.0);
        assert!(close(zero.ci95.1, Z95 * Z95 / (50.0 + Z95 * Z95), 1e-12));
        assert!(Proportion::new(0, 0).estimate.is_nan());
        assert_eq!(Proportion::new(9, 5).successes, 5);
    }

    #[test]
    fn probability_below_counts_strictly() {
        let p = probability_below(&[0.5, 1.0, 1.5, f64::NAN, 0.9], 1.0);
        assert_eq!((p.successes, p.n, p.estimate), (2, 4, 0.5));
    }

    #[test]
    fn expected_shortfall_by_hand() {
        let values = [5.0, -2.0, 8.0, 1.0, f64::NAN, 3.0, 0.0, 9.0, 4.0, 7.0, 6.0];
        // Ten finite values: 20 % is the 2 lowest (-2, 0); 25 % rounds up to 3 (-2, 0, 1).
        assert_eq!(expected_shortfall(&values, 0.2), -1.0);
        assert_eq!(expected_shortfall(&values, 0.25), -1.0 / 3.0);
        assert_eq!(expected_shortfall(&values, 0.01), -2.0);
        assert_eq!(expected_shortfall(&values, 1.0), 4.1);
        let hundred: Vec<f64> = (1..=100).map(f64::from).collect();
        assert_eq!(expected_shortfall(&hundred, 0.07), 4.0); // 7 values despite 0.07·100 > 7
        assert!(expected_shortfall(&values, 0.0).is_nan() && expected_shortfall(&[], 0.1).is_nan());
    }

    #[test]
    fn quantile_sorted_edges() {
        assert_eq!(quantile_sorted(&[1.0, 2.0], 0.0), 1.0);
        assert_eq!(quantile_sorted(&[1.0, 2.0], 1.0), 2.0);
        assert_eq!(quantile_sorted(&[1.0, 2.0], 0.5), 1.5);
        assert!(quantile_sorted(&[1.0], 1.5).is_nan() && quantile_sorted(&[], 0.5).is_nan());
        assert_eq!(quantile_interval_sorted(&[1.0, 2.0, 3.0], 0.5), (1.0, 3.0));
    }

    #[test]
    fn large_n_ranks_match_normal_theory() {
        // n = 1e6, p = 0.5: ranks ≈ np ∓ 1.96 √(np(1-p)) = 500000 ∓ 980.
        let (l, u) = order_statistic_ranks(1_000_000, 0.5);
        assert!(
            l.abs_diff(499_020) <= 2 && u.abs_diff(500_981) <= 2,
            "{l} {u}"
        );
    }

    #[test]
    fn order_statistic_interval_covers_95_percent() {
        // Exponential(1) samples: the true p-quantile is -ln(1 - p).
        let mut rng = ChaCha8Rng::seed_from_u64(42);
        let replications = 2000;
        for p in [0.05, 0.5, 0.95] {
            let truth = -(1.0f64 - p).ln();
            let mut covered = 0;
            for _ in 0..replications {
                let mut sample: Vec<f64> = (0..200)
                    .map(|_| -(1.0 - rng.random::<f64>()).ln())
                    .collect();
                sample.sort_unstable_by(f64::total_cmp);
                let (lower, upper) = quantile_interval_sorted(&sample, p);
                covered += usize::from(lower <= truth && truth <= upper);
            }
            let coverage = covered as f64 / replications as f64;
            // Exact coverage is between 0.95 and about 0.97; the Monte Carlo SE is 0.005.
            assert!(
                (0.935..=0.985).contains(&coverage),
                "p = {p}: coverage {coverage}"
            );
        }
    }
}
