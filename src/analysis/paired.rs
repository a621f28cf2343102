//! Differences between two runs on common random numbers, with paired intervals.
//!
//! Path *i* of run B and path *i* of run A share their shocks wherever the two scenarios share
//! structure, so their outcomes are positively correlated. The difference of two means is then
//! estimated from the per-path differences `d_i = b_i − a_i`: `mean(d) ± 1.96 · sd(d)/√n`.
//! Since `Var(d) = Var(a) + Var(b) − 2 Cov(a, b)`, the covariance the common random numbers create
//! is exactly what narrows the interval. Next to it we report the half-width two independent runs
//! would give, `1.96 · √(SE_a² + SE_b²)`, so a reader sees what pairing buys.
//!
//! Conventions:
//! - Pairs are the paths where both values are finite (an IRR or a payback that does not exist is
//!   `NaN` and drops its path from the pairs); the independent width uses each run's own finite
//!   values, as two separate runs would.
//! - A probability such as P(TVPI < 1) is the mean of a 0/1 indicator per path ([`indicator_below`]),
//!   so its difference is paired the same way.
//! - Expected shortfall (the mean of the worst 5 % of paths) is not a mean of per-path values: its
//!   difference and both widths come from a paired bootstrap ([`shortfall_difference`]) — the same
//!   resampled path indices for both runs — drawn from xoshiro256++ (`rand_xoshiro`, value-stable,
//!   as in [`crate::rng`]) seeded with the run's seed, so the numbers are reproducible. Standard errors are the standard deviations of the bootstrap replicates.
//! - The same input gives bit-identical output; a run compared with itself gives a difference of
//!   exactly 0 with a zero-width paired interval.

use rand::{RngExt, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;
use serde::{Deserialize, Serialize};

use crate::stats::control::{self, Method};
use crate::stats::summary::{Moments, Z95, expected_shortfall};

/// Bootstrap resamples for expected-shortfall differences: the standard error is then known to
/// about ±4 % (relative), plenty for an interval's width.
pub const BOOTSTRAP_RESAMPLES: usize = 400;

/// An estimate of B − A with its paired 95 % interval and the independent-samples width.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Difference {
    /// Estimate for B minus estimate for A, over the pairs.
    #[serde(deserialize_with = "crate::stats::nan::deserialize")]
    pub estimate: f64,
    /// Standard error from the per-path differences (or the paired bootstrap).
    #[serde(deserialize_with = "crate::stats::nan::deserialize")]
    pub paired_std_error: f64,
    /// `estimate ± 1.96 · paired_std_error`.
    #[serde(deserialize_with = "crate::stats::nan::deserialize")]
    pub paired_ci95: (f64, f64),
    /// Half-width of the paired interval, `1.96 · paired_std_error`.
    #[serde(deserialize_with = "crate::stats::nan::deserialize")]
    pub paired_half_width: f64,
    /// Half-width two independent runs would give, `1.96 · √(SE_a² + SE_b²)`.
    #[serde(deserialize_with = "crate::stats::nan::deserialize")]
    pub independent_half_width: f64,
    /// Paths where both values are defined.
    pub pairs: usize,
    /// How the paired standard error was estimated: `control_variates` when the per-path
    /// differences were regressed on both runs' control variates ([`controlled_difference`]),
    /// `plain` otherwise (outputs written before the field existed read as `plain`).
    #[serde(default = "plain")]
    pub method: Method,
}

fn plain() -> Method {
    Method::Plain
}

impl Difference {
    fn new(estimate: f64, paired_std_error: f64, independent_std_error: f64, pairs: usize) -> Difference {
        let half = Z95 * paired_std_error;
        Difference {
            estimate,
            paired_std_error,
            paired_ci95: (estimate - half, estimate + half),
            paired_half_width: half,
            independent_half_width: Z95 * independent_std_error,
            pairs,
            method: Method::Plain,
        }
    }

    /// How many times narrower the paired interval is than the independent one: infinite when
    /// the paired width is 0 and the independent one is not, `NaN` when both are 0.
    pub fn crn_gain(&self) -> f64 {
        self.independent_half_width / self.paired_half_width
    }

    /// Whether the paired interval excludes 0.
    pub fn is_significant(&self) -> bool {
        self.paired_ci95.0 > 0.0 || self.paired_ci95.1 < 0.0
    }
}

/// The difference of means `mean(b) − mean(a)` of two runs' per-path values (in path order).
///
/// ```
/// use fifsim::analysis::paired::mean_difference;
/// let a = [1.0, 2.0, 3.0, 4.0];
/// let b = [1.5, 2.5, 3.5, 4.5]; // every path 0.5 better: the paired interval has no width
/// let d = mean_difference(&a, &b);
/// assert_eq!((d.estimate, d.paired_half_width), (0.5, 0.0));
/// assert!(d.independent_half_width > 1.0);
/// ```
pub fn mean_difference(a: &[f64], b: &[f64]) -> Difference {
    let differences: Vec<f64> = a.iter().zip(b).filter(|(x, y)| x.is_finite() && y.is_finite()).map(|(x, y)| y - x).collect();
    let paired = Moments::of_finite(&differences);
    let (se_a, se_b) = (Moments::of_finite(a).std_error(), Moments::of_finite(b).std_error());
    Difference::new(paired.mean, paired.std_error(), se_a.hypot(se_b), paired.n)
}

/// The difference of means `mean(b) − mean(a)` by control variates: the per-path differences
/// regressed on the controls of both runs (`controls_a[k]` and `controls_b[k]` are the centred
/// control columns of run A and run B, [`crate::metrics::controls`]), read at their known means
/// of zero ([`control::mean`], HC3 standard error). A control of B identical on every path to one
/// of A (common random numbers draw the same shocks wherever the scenarios agree) is used once.
///
/// The heavy IPO tail sits in both runs' exit surprises; the regression takes it out of the
/// differences, whose residual is then close enough to normal for `± 1.96 SE` to cover
/// (docs/performance.md, "Coverage"). The independent half-width is what two independent runs
/// estimated the same way would give, `1.96 · √(SE_a² + SE_b²)` with each SE by control
/// variates. Where a value is undefined on some paths, or there are too few paths per control,
/// [`control::mean`] falls back to the plain mean and so does this ([`Difference::method`]).
pub fn controlled_difference(a: &[f64], b: &[f64], controls_a: &[&[f64]], controls_b: &[&[f64]]) -> Difference {
    let differences: Vec<f64> = a.iter().zip(b).map(|(x, y)| if x.is_finite() && y.is_finite() { y - x } else { f64::NAN }).collect();
    let mut controls: Vec<&[f64]> = controls_a.to_vec();
    controls.extend(controls_b.iter().filter(|cb| !controls_a.iter().any(|ca| ca == *cb)));
    let paired = control::mean(&differences, &controls);
    if paired.method == Method::Plain {
        return mean_difference(a, b);
    }
    let (level_a, level_b) = (control::mean(a, controls_a), control::mean(b, controls_b));
    let independent = level_a.std_error.hypot(level_b.std_error);
    Difference { method: Method::ControlVariates, ..Difference::new(paired.estimate, paired.std_error, independent, paired.n) }
}

/// 1 where a value is below `threshold`, 0 where it is not, `NaN` where it is undefined: the
/// per-path values whose mean is P(value < threshold).
pub fn indicator_below(values: &[f64], threshold: f64) -> Vec<f64> {
    values.iter().map(|&v| if v.is_finite() { f64::from(u8::from(v < threshold)) } else { f64::NAN }).collect()
}

/// Expected shortfall at `alpha` of `values` with its bootstrap standard error.
pub fn shortfall_level(values: &[f64], alpha: f64, seed: u64) -> (f64, f64) {
    let finite: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
    let replicates = bootstrap(&[&finite], alpha, seed);
    (expected_shortfall(&finite, alpha), Moments::of_finite(&replicates[0]).std_dev)
}

/// The difference of expected shortfalls at `alpha` (the mean of the lowest `alpha` share of
/// values), B − A, with paired and independent widths from a paired bootstrap seeded by `seed`.
pub fn shortfall_difference(a: &[f64], b: &[f64], alpha: f64, seed: u64) -> Difference {
    let (pa, pb): (Vec<f64>, Vec<f64>) = a.iter().zip(b).filter(|(x, y)| x.is_finite() && y.is_finite()).map(|(x, y)| (*x, *y)).unzip();
    let estimate = expected_shortfall(&pb, alpha) - expected_shortfall(&pa, alpha);
    let replicates = bootstrap(&[&pa, &pb], alpha, seed);
    let differences: Vec<f64> = replicates[0].iter().zip(&replicates[1]).map(|(x, y)| y - x).collect();
    let paired = Moments::of_finite(&differences).std_dev;
    let independent = Moments::of_finite(&replicates[0]).std_dev.hypot(Moments::of_finite(&replicates[1]).std_dev);
    Difference::new(estimate, paired, independent, pa.len())
}

/// Expected shortfall of each of `samples` (all of one length) on the same resampled indices.
fn bootstrap(samples: &[&[f64]], alpha: f64, seed: u64) -> Vec<Vec<f64>> {
    let n = samples.first().map_or(0, |s| s.len());
    let mut out = vec![Vec::with_capacity(BOOTSTRAP_RESAMPLES); samples.len()];
    if n == 0 {
        return out;
    }
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let mut indices = vec![0usize; n];
    let mut resampled = vec![0.0; n];
    for _ in 0..BOOTSTRAP_RESAMPLES {
        for i in &mut indices {
            *i = rng.random_range(0..n);
        }
        for (sample, replicates) in samples.iter().zip(&mut out) {
            for (slot, &i) in resampled.iter_mut().zip(&indices) {
                *slot = sample[i];
            }
            replicates.push(expected_shortfall(&resampled, alpha));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::summary::Summary;

    /// Correlated pairs: b = a + small noise, as common random numbers give.
    fn correlated(n: usize) -> (Vec<f64>, Vec<f64>) {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(3);
        let a: Vec<f64> = (0..n).map(|_| rng.random_range(0.0..3.0)).collect();
        let b: Vec<f64> = a.iter().map(|x| x + 0.1 + rng.random_range(-0.05..0.05)).collect();
        (a, b)
    }

    #[test]
    fn identical_runs_differ_by_exactly_zero() {
        let (a, _) = correlated(500);
        for d in [mean_difference(&a, &a), shortfall_difference(&a, &a, 0.05, 1), mean_difference(&indicator_below(&a, 1.0), &indicator_below(&a, 1.0))] {
            assert_eq!(d.estimate.to_bits(), 0, "{d:?}");
            assert_eq!((d.paired_ci95.0.to_bits(), d.paired_ci95.1.to_bits(), d.paired_half_width.to_bits()), (0, 0, 0), "{d:?}");
            assert!(d.independent_half_width > 0.0 && d.crn_gain() == f64::INFINITY);
            assert!(!d.is_significant());
        }
    }

    #[test]
    fn pairing_narrows_the_interval_of_correlated_runs() {
        let (a, b) = correlated(1000);
        let d = mean_difference(&a, &b);
        assert!((d.estimate - 0.1).abs() < 0.01, "{d:?}");
        assert!(d.paired_half_width * 10.0 < d.independent_half_width, "{d:?}");
        // Independent width by hand: 1.96 √(SE_a² + SE_b²).
        let expected = Z95 * Summary::of(&a).std_error.hypot(Summary::of(&b).std_error);
        assert_eq!(d.independent_half_width, expected);
        let es = shortfall_difference(&a, &b, 0.05, 9);
        assert!((es.estimate - 0.1).abs() < 0.02 && es.paired_half_width < es.independent_half_width, "{es:?}");
        assert!(es.is_significant());
    }

    /// Values of A and B, controls of A and of B.
    type KnownPair = (Vec<f64>, Vec<f64>, [Vec<f64>; 2], [Vec<f64>; 3]);

    /// Two runs on common random numbers with known means: A = 1 + c + tail_a + noise,
    /// B = A + 0.5 + 2 e + tail_b / 2 + noise, where `c` (shared: a control of both runs), `e`
    /// (B's own) and the lognormal tail surprises (one a run) are controls of mean 0. The
    /// difference of means is 0.5.
    fn known_pair(seed: u64, n: usize) -> KnownPair {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
        let normal = |rng: &mut Xoshiro256PlusPlus| {
            // Box–Muller: enough for a test.
            let (u, v): (f64, f64) = (rng.random_range(f64::EPSILON..1.0), rng.random());
            (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
        };
        let (mut a, mut b, mut ca, mut cb) = (Vec::new(), Vec::new(), [Vec::new(), Vec::new()], [Vec::new(), Vec::new(), Vec::new()]);
        for _ in 0..n {
            let c = normal(&mut rng);
            let e = normal(&mut rng);
            // Lognormal(0, 1.5) less its mean: heavy right tail, mean 0.
            let tail_a = (1.5 * normal(&mut rng)).exp() - 1.125f64.exp();
            let tail_b = tail_a + 0.3 * ((1.5 * normal(&mut rng)).exp() - 1.125f64.exp());
            let x = 1.0 + c + tail_a + 0.2 * normal(&mut rng);
            a.push(x);
            b.push(x + 0.5 + 2.0 * e + 0.5 * tail_b + 0.1 * normal(&mut rng));
            ca[0].push(c);
            ca[1].push(tail_a);
            cb[0].push(c);
            cb[1].push(e);
            cb[2].push(tail_b);
        }
        (a, b, ca, cb)
    }

    #[test]
    fn controlled_differences_are_unbiased_and_cover() {
        let runs = 400;
        let (mut sum, mut covered, mut cv_sq, mut plain_sq) = (0.0, 0, 0.0, 0.0);
        for seed in 0..runs {
            let (a, b, ca, cb) = known_pair(1_000 + seed, 600);
            let ca: Vec<&[f64]> = ca.iter().map(Vec::as_slice).collect();
            let cb: Vec<&[f64]> = cb.iter().map(Vec::as_slice).collect();
            let d = controlled_difference(&a, &b, &ca, &cb);
            assert_eq!((d.method, d.pairs), (Method::ControlVariates, 600));
            sum += d.estimate;
            covered += usize::from(d.paired_ci95.0 <= 0.5 && 0.5 <= d.paired_ci95.1);
            cv_sq += (d.estimate - 0.5).powi(2);
            plain_sq += (mean_difference(&a, &b).estimate - 0.5).powi(2);
        }
        let n = runs as f64;
        let average = sum / n;
        assert!((average - 0.5).abs() < 4.0 * (cv_sq / n).sqrt() / n.sqrt(), "average {average}");
        let coverage = covered as f64 / n;
        assert!((coverage - 0.95).abs() < 0.035, "coverage {coverage}");
        assert!(plain_sq > 1.5 * cv_sq, "variance reduction {}", plain_sq / cv_sq);
    }

    #[test]
    fn controlled_differences_of_identical_runs_are_exactly_zero_and_few_paths_fall_back() {
        let (a, _, ca, _) = known_pair(7, 600);
        let ca: Vec<&[f64]> = ca.iter().map(Vec::as_slice).collect();
        let d = controlled_difference(&a, &a, &ca, &ca);
        assert_eq!((d.method, d.estimate.to_bits(), d.paired_half_width.to_bits()), (Method::ControlVariates, 0, 0), "{d:?}");
        assert!(d.independent_half_width > 0.0);
        // 30 paths are too few for two controls: the plain paired difference.
        let few: Vec<&[f64]> = ca.iter().map(|c| &c[..30]).collect();
        let b: Vec<f64> = a[..30].iter().map(|x| x + 1.0).collect();
        assert_eq!(controlled_difference(&a[..30], &b, &few, &few), mean_difference(&a[..30], &b));
    }

    #[test]
    fn undefined_values_drop_their_path_from_the_pairs() {
        let a = [1.0, f64::NAN, 3.0, 5.0];
        let b = [2.0, 7.0, f64::NAN, 6.0];
        let d = mean_difference(&a, &b);
        assert_eq!((d.pairs, d.estimate, d.paired_half_width), (2, 1.0, 0.0));
        assert_eq!(indicator_below(&a, 2.0).iter().map(|x| x.to_string()).collect::<Vec<_>>(), ["1", "NaN", "0", "0"]);
    }

    #[test]
    fn bootstrap_is_reproducible_and_sized_right() {
        let (a, b) = correlated(400);
        assert_eq!(format!("{:?}", shortfall_difference(&a, &b, 0.05, 5)), format!("{:?}", shortfall_difference(&a, &b, 0.05, 5)));
        // ES5 of 400 uniform(0, 3) values: mean of the lowest 20, about 0.075; SE of order 0.02.
        let (es, se) = shortfall_level(&a, 0.05, 5);
        assert!((es - 0.075).abs() < 0.04 && se > 0.003 && se < 0.05, "{es} {se}");
    }
}
