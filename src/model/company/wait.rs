//! Waiting times: a gamma law drawn by inversion of a quantile table.
//!
//! A company waits a gamma-distributed time in each stage (docs/model.md §4), some two thousand draws
//! a path. The wait is `scale` times one draw from the table of the unit-scale gamma of the
//! stage's shape ([`GammaQuantiles`], with the random numbers): one 64-bit word and a table
//! look-up, where a rejection sampler would spend a normal, a uniform and a test. A higher word
//! always means a longer wait, so common random numbers stay smooth.

use crate::rng::{GammaQuantiles, PathRng};

/// Time spent in a stage before the next decisive event, in quarters.
#[derive(Debug, Clone)]
pub(super) enum Wait {
    /// A gamma law: `scale` times a draw from the unit-scale table of its shape.
    Gamma { quantiles: GammaQuantiles, scale: f64 },
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
        Ok(Wait::Gamma { quantiles: GammaQuantiles::shared(shape)?, scale: mean / shape })
    }

    #[inline]
    pub(super) fn sample(&self, rng: &mut PathRng) -> f64 {
        match self {
            Wait::Gamma { quantiles, scale } => scale * rng.gamma(quantiles),
            Wait::Fixed(quarters) => *quarters,
        }
    }
}

#[cfg(test)]
mod tests;
