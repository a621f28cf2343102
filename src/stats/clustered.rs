//! Estimates from observations that come in independent blocks but are correlated within a
//! block: the positions of one simulated path share its exit market and field shocks, so do its
//! sub-funds, and so do the companies simulated in one environment. Counting such observations
//! as independent understates the Monte Carlo error; these estimators take the block as the
//! unit (cluster-robust standard errors; Cameron & Miller 2015, "A practitioner's guide to
//! cluster-robust inference").
//!
//! - **Ratios** (a share: successes over observations; a mean: a sum over a count; a
//!   value-weighted multiple): `R = Σ_b y_b / Σ_b x_b` over blocks `b = 1..B`, with the
//!   linearisation (delta-method) variance `B / (B − 1) · Σ_b (y_b − R x_b)² / (Σ_b x_b)²`.
//!   With one observation a block this is `p (1 − p) / (n − 1)` for a share and the usual
//!   `s² / n` for a mean.
//! - **Quantiles**: Woodruff's (1952) interval. The share of pooled observations at or below
//!   the sample quantile `q_p` has the block standard error `s` above; the 95% interval is
//!   `[Q(p − 1.96 s), Q(p + 1.96 s)]` read off the pooled sample (type-7 quantiles), and the
//!   quantile's standard error is its width over `2 × 1.96`. With one observation a block this
//!   is the normal approximation to the order-statistic interval of [`super::summary`].
//!
//! Non-finite values (an IRR that does not exist) are skipped, as everywhere in [`super`].

use serde::Serialize;

use super::summary::{Z95, quantile_sorted, sorted_finite};

/// A Monte Carlo estimate and its standard error.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Estimate {
    pub value: f64,
    pub std_error: f64,
}

impl Estimate {
    /// Neither value nor error: nothing to estimate from.
    pub const NONE: Estimate = Estimate { value: f64::NAN, std_error: f64::NAN };
}

/// `Σ y / Σ x` over blocks given as `(y, x)`, with the cluster-robust standard error of the
/// module header. `NaN` when `Σ x` is 0; the error is `NaN` with fewer than two blocks.
pub fn ratio(blocks: &[(f64, f64)]) -> Estimate {
    let (y, x) = blocks.iter().fold((0.0, 0.0), |(y, x), &(yb, xb)| (y + yb, x + xb));
    if x == 0.0 {
        return Estimate::NONE;
    }
    let value = y / x;
    let b = blocks.len() as f64;
    let spread: f64 = blocks.iter().map(|&(yb, xb)| (yb - value * xb).powi(2)).sum();
    let std_error = if blocks.len() >= 2 { (b / (b - 1.0) * spread).sqrt() / x } else { f64::NAN };
    Estimate { value, std_error }
}

/// Values grouped in blocks (e.g. one block a simulated path), in the order they came.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Blocked {
    values: Vec<f64>,
    /// End (exclusive) of each block in `values`.
    ends: Vec<usize>,
}

impl Blocked {
    /// Adds a value to the current block.
    pub fn push(&mut self, value: f64) {
        self.values.push(value);
    }

    /// Closes the current block (an empty block counts as a block with nothing in it).
    pub fn end_block(&mut self) {
        self.ends.push(self.values.len());
    }

    /// Each block's values.
    fn blocks(&self) -> impl Iterator<Item = &[f64]> {
        self.ends.iter().scan(0, |start, &end| {
            let block = &self.values[*start..end];
            *start = end;
            Some(block)
        })
    }

    /// Finite values counted, all blocks together.
    pub fn count(&self) -> usize {
        self.values.iter().filter(|v| v.is_finite()).count()
    }

    /// Mean of the finite values, blocks as the unit of error.
    pub fn mean(&self) -> Estimate {
        let blocks: Vec<(f64, f64)> = self
            .blocks()
            .map(|block| block.iter().filter(|v| v.is_finite()).fold((0.0, 0.0), |(sum, n), &v| (sum + v, n + 1.0)))
            .collect();
        ratio(&blocks)
    }

    /// Share of the finite values that `event` holds for, blocks as the unit of error.
    pub fn share(&self, event: impl Fn(f64) -> bool) -> Estimate {
        let blocks: Vec<(f64, f64)> = self
            .blocks()
            .map(|block| block.iter().filter(|v| v.is_finite()).fold((0.0, 0.0), |(hits, n), &v| (hits + f64::from(u8::from(event(v))), n + 1.0)))
            .collect();
        ratio(&blocks)
    }

    /// The `p`-quantile (type 7) of the pooled finite values, with Woodruff's standard error.
    pub fn quantile(&self, p: f64) -> Estimate {
        let sorted = sorted_finite(&self.values);
        let value = quantile_sorted(&sorted, p);
        if value.is_nan() {
            return Estimate::NONE;
        }
        let below = self.share(|v| v <= value).std_error;
        if !below.is_finite() {
            return Estimate { value, std_error: f64::NAN };
        }
        let lower = quantile_sorted(&sorted, (p - Z95 * below).max(0.0));
        let upper = quantile_sorted(&sorted, (p + Z95 * below).min(1.0));
        Estimate { value, std_error: (upper - lower) / (2.0 * Z95) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::summary::Summary;

    /// A deterministic uniform sequence (a Weyl sequence, scrambled enough for these tests).
    fn uniforms(n: usize) -> Vec<f64> {
        (0..n).map(|i| ((i as f64 * 0.618_033_988_749_894_9 + 0.1) % 1.0 * 7919.0) % 1.0).collect()
    }

    #[test]
    fn a_share_in_blocks_of_one_is_the_binomial() {
        // 30 of 100 observations: p = 0.3, SE = √(0.3 × 0.7 / 99).
        let blocks: Vec<(f64, f64)> = (0..100).map(|i| (f64::from(u8::from(i < 30)), 1.0)).collect();
        let e = ratio(&blocks);
        assert_eq!(e.value, 0.3);
        assert!((e.std_error - (0.3f64 * 0.7 / 99.0).sqrt()).abs() < 1e-12, "{e:?}");
    }

    #[test]
    fn a_mean_in_blocks_of_one_is_the_usual_standard_error() {
        let values = uniforms(500);
        let mut blocked = Blocked::default();
        for &v in &values {
            blocked.push(v);
            blocked.end_block();
        }
        let summary = Summary::of(&values);
        let mean = blocked.mean();
        assert!((mean.value - summary.mean).abs() < 1e-12);
        assert!((mean.std_error / summary.std_error - 1.0).abs() < 1e-9, "{mean:?} vs {}", summary.std_error);
    }

    /// Ten copies of each observation in one block carry no more information than one: the
    /// standard errors are those of the 200 blocks, not of the 2,000 values.
    #[test]
    fn perfectly_correlated_copies_do_not_shrink_the_error() {
        let values = uniforms(200);
        let (mut single, mut copies) = (Blocked::default(), Blocked::default());
        for &v in &values {
            single.push(v);
            single.end_block();
            for _ in 0..10 {
                copies.push(v);
            }
            copies.end_block();
        }
        let below = |v: f64| v < 0.3;
        assert!((copies.share(below).std_error / single.share(below).std_error - 1.0).abs() < 1e-9);
        assert!((copies.mean().std_error / single.mean().std_error - 1.0).abs() < 1e-9);
        // Counted as independent the share's error would be √10 ≈ 3.2 times smaller.
        let (p, n) = (copies.share(below).value, 2000.0);
        assert!(copies.share(below).std_error > 3.0 * (p * (1.0 - p) / n).sqrt());
    }

    /// The median of n uniforms has standard error 1 / (2 √n) (density 1 at the median).
    #[test]
    fn the_median_of_uniforms_has_its_known_standard_error() {
        let n = 10_000;
        let mut blocked = Blocked::default();
        for v in uniforms(n) {
            blocked.push(v);
            blocked.end_block();
        }
        let median = blocked.quantile(0.5);
        assert!((median.value - 0.5).abs() < 0.01, "{median:?}");
        let expected = 0.5 / (n as f64).sqrt();
        assert!((median.std_error / expected - 1.0).abs() < 0.15, "{} vs {expected}", median.std_error);
    }

    #[test]
    fn nothing_to_estimate_is_nan_and_missing_values_are_skipped() {
        let mut blocked = Blocked::default();
        blocked.end_block();
        assert!(blocked.mean().value.is_nan() && blocked.quantile(0.5).value.is_nan());
        blocked.push(f64::NAN);
        blocked.push(2.0);
        blocked.end_block();
        blocked.push(4.0);
        blocked.end_block();
        assert_eq!(blocked.count(), 2);
        assert_eq!(blocked.mean().value, 3.0);
        assert_eq!(blocked.share(|v| v > 3.0).value, 0.5);
    }
}
