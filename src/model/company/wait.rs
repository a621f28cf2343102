//! Waiting times: a gamma law drawn by inversion of a quantile table.
//!
//! A company waits a gamma-distributed time in each stage (docs/model.md §4), some two thousand draws
//! a path. The wait is `scale` times one draw from the table of the unit-scale gamma of the
//! stage's shape ([`GammaQuantiles`], with the random numbers): one 64-bit word and a table
//! look-up, where a rejection sampler would spend a normal, a uniform and a test. A higher word
//! always means a longer wait, so common random numbers stay smooth.

use rand::RngExt;
use statrs::function::gamma::{gamma_lr, gamma_ur};

use crate::rng::{GammaQuantiles, PathRng};

/// Time spent in a stage before the next decisive event, in quarters.
#[derive(Debug, Clone)]
pub(super) enum Wait {
    /// A gamma law: `scale` times a draw from the unit-scale table of its shape.
    Gamma { quantiles: GammaQuantiles, scale: f64, shape: f64 },
    /// An infinite gamma shape: the wait is exactly its mean (closed-form test cases).
    Fixed(f64),
}

impl Wait {
    /// The wait of a gamma law with mean `mean` quarters and shape `shape` (infinite: fixed).
    ///
    /// # Errors
    /// If the shape is not positive or the mean not positive and finite.
    pub(super) fn new(shape: f64, mean: f64) -> Result<Wait, String> {
        if !(mean > 0.0 && mean.is_finite()) {
            return Err(format!("the mean wait must be positive and finite, got {mean}"));
        }
        if shape == f64::INFINITY {
            return Ok(Wait::Fixed(mean));
        }
        Ok(Wait::Gamma { quantiles: GammaQuantiles::shared(shape)?, scale: mean / shape, shape })
    }

    #[inline]
    pub(super) fn sample(&self, rng: &mut PathRng) -> f64 {
        match self {
            Wait::Gamma { quantiles, scale, .. } => scale * rng.gamma(quantiles),
            Wait::Fixed(quarters) => *quarters,
        }
    }

    /// The wait still to come in a stage the company has been in for `elapsed` quarters: a
    /// draw from the law conditioned on a wait longer than `elapsed`, less `elapsed`. By
    /// inversion from one word, as [`Wait::sample`]: the uniform `u` becomes
    /// `F(e) + u (1 − F(e))`, so a higher word still means a longer wait and one draw takes one
    /// word (common random numbers pair as before). A fixed wait has `mean − elapsed` left (none
    /// once it has passed).
    #[inline]
    pub(super) fn sample_after(&self, rng: &mut PathRng, elapsed: f64) -> f64 {
        match self {
            Wait::Gamma { .. } => self.remaining(rng.random::<u64>(), elapsed),
            Wait::Fixed(_) => self.remaining(0, elapsed),
        }
    }

    /// [`Wait::sample_after`] of the word `word` (the uniform `(word + ½) / 2⁶⁴`).
    pub(super) fn remaining(&self, word: u64, elapsed: f64) -> f64 {
        let (quantiles, scale, shape) = match self {
            Wait::Gamma { quantiles, scale, shape } => (quantiles, *scale, *shape),
            Wait::Fixed(quarters) => return (quarters - elapsed).max(0.0),
        };
        if elapsed <= 0.0 {
            return scale * quantiles.quantile(word);
        }
        let x = elapsed / scale;
        // Below and above the elapsed time, each from its own function so that a far tail keeps
        // its relative accuracy.
        let (below, above) = (gamma_lr(shape, x), gamma_ur(shape, x));
        let two64 = 2f64.powi(64);
        let u = (word as f64 + 0.5) / two64;
        let conditioned = below + u * above;
        let word = if conditioned < 0.5 {
            (conditioned * two64) as u64
        } else {
            // 1 − u' = (1 − u)(1 − F(e)), exact in the upper tail where u' rounds to 1.
            let tail = ((!word) as f64 + 0.5) / two64 * above;
            u64::MAX - (tail * two64) as u64
        };
        (scale * quantiles.quantile(word) - elapsed).max(0.0)
    }
}

#[cfg(test)]
mod tests;
