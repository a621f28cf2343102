//! Field progress: one latent factor per field and path (docs/model.md §3.2).
//!
//! Each field's factor starts at 0 in quarter 0 and moves every quarter by
//! `drift + volatility × e_f + breakthrough jump − winter jump`, where `e = L z` are correlated
//! standard normals (`L` the Cholesky factor of the scenario's correlation matrix: fields of one
//! family or tier move together) and jumps arrive with the field's quarterly probabilities. A
//! factor above zero means the field is progressing better than the calibration assumes: it
//! raises the log-odds of raising the next round and the log of valuations
//! ([`crate::scenario::FactorModel`]). The factor is a random walk, so progress persists: a field
//! in a winter stays behind, which is what the fund's reviews (动态甄别评估调整) react to.
//!
//! Every quarter draws the same count of numbers (n normals, n uniforms) whatever the
//! parameters, so scenarios differing only in drift or hazards share their shocks.

use ndarray::{Array2, ShapeBuilder};
use rand::RngExt;

use crate::rng::PathRng;
use crate::scenario::{FactorModel, Field};

/// Fills `paths[[t, f]]` with field `f`'s factor at the end of quarter `t`.
///
/// `paths` has one row per quarter and one column per field, stored field-major (each field's
/// quarters contiguous, as [`crate::model::Shocks`] keeps it); a `paths` laid out otherwise is
/// replaced by a field-major one of its shape. `scratch` is overwritten.
pub fn simulate(fields: &[Field], model: &FactorModel, rng: &mut PathRng, paths: &mut Array2<f64>, scratch: &mut Vec<f64>) {
    let n = fields.len();
    assert_eq!(paths.ncols(), n, "one column of factor paths per field");
    if n == 0 {
        return;
    }
    if !paths.t().is_standard_layout() {
        *paths = Array2::zeros(paths.raw_dim().f());
    }
    let quarters = paths.nrows();
    let levels = paths.as_slice_memory_order_mut().expect("field-major factor paths are contiguous");
    let cholesky = &model.cholesky;
    scratch.clear();
    // The correlated shocks' buffer is whole panels long, so the product stores whole panels.
    scratch.resize(n + cholesky.padded_dim(), 0.0);
    let (normals, correlated) = scratch.split_at_mut(n);
    // Drawn from a local copy (kept in registers), taken up again at the end.
    let mut local = rng.local_copy();
    for field_levels in levels.chunks_exact_mut(quarters) {
        field_levels[0] = 0.0;
    }
    for t in 1..quarters {
        for z in normals.iter_mut() {
            *z = local.normal();
        }
        cholesky.multiply(normals, correlated);
        step(fields, correlated, &mut local, levels, quarters, t);
    }
    rng.resume(local);
}

/// Moves every field's factor on from quarter `t - 1` to quarter `t`, in `levels` (field-major,
/// `quarters` a field).
fn step(fields: &[Field], shocks: &[f64], rng: &mut PathRng, levels: &mut [f64], quarters: usize, t: usize) {
    for ((field, shock), field_levels) in fields.iter().zip(shocks).zip(levels.chunks_exact_mut(quarters)) {
        // One uniform decides both jumps: a breakthrough in the bottom tail, a winter in the top
        // one. The two cannot share a quarter (validation keeps their probabilities summing
        // below 1; with a few % a quarter each, a quarter with both is a rounding error).
        let u: f64 = rng.random();
        let mut x = field_levels[t - 1] + field.drift_per_quarter + field.volatility_per_quarter * shock;
        if u < field.breakthrough.quarterly_probability {
            x += field.breakthrough.size;
        } else if 1.0 - u <= field.winter.quarterly_probability {
            x -= field.winter.size;
        }
        field_levels[t] = x;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::{Component, StreamKey};
    use crate::numeric::LowerTriangular;
    use crate::scenario::{JumpSpec, Tier};

    fn field(drift: f64, vol: f64, jump_probability: f64) -> Field {
        Field {
            key: "f".into(),
            label: "f".into(),
            label_zh: String::new(),
            tier: Tier::Prototype,
            profile: 0,
            drift_per_quarter: drift,
            volatility_per_quarter: vol,
            breakthrough: JumpSpec { quarterly_probability: jump_probability, size: 1.0 },
            winter: JumpSpec { quarterly_probability: 0.0, size: 1.0 },
            direct_weight: 1.0,
        }
    }

    fn model(rho: f64) -> FactorModel {
        let c = (1.0 - rho * rho).sqrt();
        FactorModel {
            cholesky: LowerTriangular::from_square(&ndarray::arr2(&[[1.0, 0.0], [rho, c]])),
            advance_logit_per_unit: 1.0,
            valuation_log_per_unit: 0.5,
        }
    }

    /// Moments at quarter 20 over many paths: mean = 20·(drift + p·jump),
    /// variance = 20·(vol² + p(1−p)·jump²), correlation of the two fields' diffusion = rho.
    #[test]
    fn factor_moments_match_closed_form() {
        let fields = [field(0.01, 0.2, 0.05), field(0.0, 0.2, 0.0)];
        let m = model(0.6);
        let key = StreamKey::new(11, Component::FieldFactors);
        let mut paths = Array2::zeros((21, 2));
        let mut scratch = Vec::new();
        let n = 20_000;
        let (mut s0, mut s00, mut s1, mut s11, mut s01) = (0.0, 0.0, 0.0, 0.0, 0.0);
        for p in 0..n {
            simulate(&fields, &m, &mut key.rng(p, 0), &mut paths, &mut scratch);
            let (a, b) = (paths[[20, 0]], paths[[20, 1]]);
            s0 += a;
            s00 += a * a;
            s1 += b;
            s11 += b * b;
            s01 += a * b;
        }
        let nf = n as f64;
        let (m0, m1) = (s0 / nf, s1 / nf);
        let v0 = s00 / nf - m0 * m0;
        let v1 = s11 / nf - m1 * m1;
        let cov = s01 / nf - m0 * m1;
        let expected_mean = 20.0 * (0.01 + 0.05);
        let expected_var = 20.0 * (0.04 + 0.05 * 0.95);
        assert!((m0 - expected_mean).abs() < 4.0 * (expected_var / nf).sqrt(), "mean {m0}");
        assert!((v0 / expected_var - 1.0).abs() < 0.05, "variance {v0} vs {expected_var}");
        assert!((v1 / 0.8 - 1.0).abs() < 0.05, "variance {v1}");
        // Only the diffusion parts correlate: cov = 20 · rho · 0.2 · 0.2.
        assert!((cov / (20.0 * 0.6 * 0.04) - 1.0).abs() < 0.06, "covariance {cov}");
    }

    /// A quarter-major `paths` is replaced by a field-major one holding the same factors.
    #[test]
    fn any_layout_gets_the_same_factors() {
        let fields = [field(0.01, 0.2, 0.05), field(0.0, 0.3, 0.1), field(-0.01, 0.1, 0.0)];
        let m = FactorModel { cholesky: LowerTriangular::from_square(&ndarray::Array2::eye(3)), advance_logit_per_unit: 1.0, valuation_log_per_unit: 0.5 };
        let key = StreamKey::new(4, Component::FieldFactors);
        let mut by_quarter = Array2::zeros((13, 3));
        let mut by_field = Array2::zeros((13, 3).f());
        simulate(&fields, &m, &mut key.rng(2, 0), &mut by_quarter, &mut Vec::new());
        simulate(&fields, &m, &mut key.rng(2, 0), &mut by_field, &mut Vec::new());
        assert!(by_quarter.t().is_standard_layout());
        assert_eq!(by_quarter, by_field);
        assert!(by_field.row(0).iter().all(|&x| x == 0.0) && by_field.row(12).iter().all(|&x| x != 0.0));
    }

    #[test]
    fn zero_volatility_and_no_jumps_is_a_straight_line() {
        let fields = [field(0.05, 0.0, 0.0)];
        let m = FactorModel { cholesky: LowerTriangular::from_square(&ndarray::arr2(&[[1.0]])), advance_logit_per_unit: 1.0, valuation_log_per_unit: 0.5 };
        let mut paths = Array2::zeros((9, 1));
        simulate(&fields, &m, &mut StreamKey::new(1, Component::FieldFactors).rng(0, 0), &mut paths, &mut Vec::new());
        for t in 0..9 {
            assert!((paths[[t, 0]] - 0.05 * t as f64).abs() < 1e-12);
        }
    }
}
