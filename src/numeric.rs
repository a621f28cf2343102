//! Numeric kernels every path runs: the product with the fields' Cholesky factor and the
//! exponentials of the field and market shocks.
//!
//! Hand-written because their shape is what makes them cheap: [`LowerTriangular`] stores the
//! factor so that its product is a short run of 4-wide updates the compiler vectorises
//! (ndarray's general products are built for large matrices, and cannot skip the zeros of a
//! triangle), and [`exp`] has no branches, so that a loop of it over a slice vectorises too.
//! The crates that offer an `exp` do not fit: `libm`'s is a scalar port of the same C code as
//! the system's, and `wide`'s SIMD `exp` evaluates a degree-13 polynomial with special-case
//! branches, about as many instructions per number on SSE2 as the system's call.

/// Rows handled together by [`LowerTriangular::multiply`]: two SSE2 registers of `f64`.
const LANES: usize = 4;

/// A lower-triangular n × n matrix, stored for fast products `L z`.
///
/// Rows are grouped in blocks of [`LANES`]; block `b` stores, for each column `j` up to its
/// last row, the block's [`LANES`] entries `L[i][j]` (zeros above the diagonal and past the
/// last row), so that [`LowerTriangular::multiply`] updates a block of rows at once.
#[derive(Debug, Clone, PartialEq)]
pub struct LowerTriangular {
    dim: usize,
    blocks: Vec<f64>,
}

impl LowerTriangular {
    /// The lower triangle of the square matrix `square` (entries above the diagonal are dropped).
    pub fn from_square(square: &ndarray::Array2<f64>) -> LowerTriangular {
        let dim = square.nrows();
        let mut blocks = Vec::new();
        for first in (0..dim).step_by(LANES) {
            for j in 0..(first + LANES).min(dim) {
                blocks.extend((first..first + LANES).map(|i| if i < dim && j <= i { square[[i, j]] } else { 0.0 }));
            }
        }
        LowerTriangular { dim, blocks }
    }

    /// Number of rows (and columns).
    pub fn dim(&self) -> usize {
        self.dim
    }

    /// `out = L z`, for `z` and `out` of length [`LowerTriangular::dim`].
    ///
    /// Each `out[i]` adds its terms `L[i][j] z[j]` in column order from `-0.0`, exactly as
    /// `(0..=i).map(|j| l[i][j] * z[j]).sum()` does; the padding zeros come after a row's last
    /// term and leave a nonzero sum unchanged, so the result is the row-by-row dot product's to
    /// the bit (bar the sign of an exactly zero entry).
    pub fn multiply(&self, z: &[f64], out: &mut [f64]) {
        let mut rest = self.blocks.as_slice();
        for (b, out_block) in out[..self.dim].chunks_mut(LANES).enumerate() {
            let width = (b * LANES + LANES).min(self.dim);
            let (block, tail) = rest.split_at(width * LANES);
            rest = tail;
            let mut sums = [-0.0; LANES];
            for (column, &zj) in block.chunks_exact(LANES).zip(z) {
                for (sum, l) in sums.iter_mut().zip(column) {
                    *sum += l * zj;
                }
            }
            // Element by element: `copy_from_slice` of a block's variable length was a call to
            // `memcpy` (8% of the product's instructions).
            for (o, sum) in out_block.iter_mut().zip(sums) {
                *o = sum;
            }
        }
    }
}

/// `e^x`, within 1 ulp of the correctly rounded value for every `f64` (0 below −745.2, ∞ above
/// 709.8, NaN for NaN), with no branches so that loops of it vectorise.
///
/// The method is fdlibm's `e_exp.c` (Sun Microsystems 1993, <https://www.netlib.org/fdlibm/>):
/// `x = k ln 2 + r` with `|r| ≤ ln 2 / 2`, `e^r` from a degree-5 rational approximation in
/// `r²`, and `2^k` built from its bits — as two factors, so that results below the smallest
/// normal number are rounded once, like a library `exp`.
#[inline]
pub fn exp(x: f64) -> f64 {
    // Clamped where e^x is already 0 or ∞ at both ends, so 2^k stays in range; written as
    // comparisons (not `max`/`min`) so a NaN passes through, and is propagated by `r`.
    let x = if x < -746.0 { -746.0 } else { x };
    let x = if x > 710.0 { 710.0 } else { x };
    let k = round(x * std::f64::consts::LOG2_E);
    let hi = x - k * LN2_HI;
    let lo = k * LN2_LO;
    let r = hi - lo;
    let t = r * r;
    let c = r - t * (P1 + t * (P2 + t * (P3 + t * (P4 + t * P5))));
    let y = 1.0 - ((lo - (r * c) / (2.0 - c)) - hi);
    let half = round(0.5 * k);
    y * power_of_two(half) * power_of_two(k - half)
}

/// `e^x` in place for every element of `xs` (see [`exp`]); the loop vectorises.
pub fn exp_in_place(xs: &mut [f64]) {
    for x in xs {
        *x = exp(*x);
    }
}

/// ln 2 split so that `k · LN2_HI` is exact for `|k| < 2^20` (fdlibm's `ln2HI`, `ln2LO`; this and
/// the coefficients below are fdlibm's bit patterns, written as shortest round-trip decimals).
const LN2_HI: f64 = 0.693_147_180_369_123_8;
const LN2_LO: f64 = 1.908_214_929_270_587_7e-10;
/// fdlibm's coefficients of `r - t (P1 + t (P2 + …))`, a minimax fit on `[0, (ln 2 / 2)²]`.
const P1: f64 = 0.166_666_666_666_666_02;
const P2: f64 = -2.777_777_777_701_559_3e-3;
const P3: f64 = 6.613_756_321_437_934e-5;
const P4: f64 = -1.653_390_220_546_525_2e-6;
const P5: f64 = 4.138_136_797_057_238_5e-8;
/// Adding 1.5 · 2^52 rounds an `f64` below 2^51 in magnitude to an integer (ties to even) and
/// leaves that integer in the low bits of the sum.
const ROUNDING: f64 = 6_755_399_441_055_744.0;

/// `x` rounded to an integer, ties to even, for `|x| < 2^51` (one add and one subtract, which
/// vectorise; `f64::round_ties_even` needs SSE4.1 to do so).
#[inline]
fn round(x: f64) -> f64 {
    (x + ROUNDING) - ROUNDING
}

/// An integer-valued `x` with `|x| < 2^51` as an `i64`, read off the low bits of `x + 1.5 · 2^52`:
/// no saturation or NaN checks, unlike `as i64` (a few instructions instead of about ten).
#[inline]
pub fn whole_to_i64(x: f64) -> i64 {
    (x + ROUNDING).to_bits() as i64 - ROUNDING.to_bits() as i64
}

/// `2^k` for an integer-valued `k` in `-1022..=1023`: `k + 1023` is the exponent field.
#[inline]
fn power_of_two(k: f64) -> f64 {
    f64::from_bits((k + (ROUNDING + 1023.0)).to_bits() << 52)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{RngExt, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    /// Distance in units in the last place between two finite non-negative `f64`s (or both ∞).
    fn ulps(a: f64, b: f64) -> u64 {
        a.to_bits().abs_diff(b.to_bits())
    }

    fn max_ulps(xs: impl IntoIterator<Item = f64>) -> (u64, f64) {
        xs.into_iter().map(|x| (ulps(exp(x), x.exp()), x)).fold((0, 0.0), |worst, e| if e.0 > worst.0 { e } else { worst })
    }

    #[test]
    fn exp_is_within_one_ulp_of_std_over_the_whole_range() {
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        // Uniform over the whole domain, then dense where the model's shocks live.
        let wide = (0..400_000).map(|_| rng.random_range(-746.0..711.0));
        let (worst, at) = max_ulps(wide.collect::<Vec<_>>());
        assert!(worst <= 1, "{worst} ulps at {at}");
        let narrow = (0..400_000).map(|_| rng.random_range(-20.0..20.0));
        let (worst, at) = max_ulps(narrow.collect::<Vec<_>>());
        assert!(worst <= 1, "{worst} ulps at {at}");
        // Tiny arguments, where e^x is 1 or one of its neighbours.
        let tiny = (-60..0).flat_map(|e| [2f64.powi(e), -(2f64.powi(e))]);
        let (worst, at) = max_ulps(tiny);
        assert!(worst <= 1, "{worst} ulps at {at}");
    }

    #[test]
    fn exp_edge_cases_match_std() {
        let edges = [
            0.0,
            -0.0,
            1.0,
            -1.0,
            std::f64::consts::LN_2,
            709.782_712_893_383_9, // largest x with a finite e^x
            709.782_712_893_384_1,
            -708.396_418_532_264, // e^x near the smallest normal number
            -720.0,               // subnormal results
            -744.0,
            -745.133_219_101_941, // smallest subnormal
            -745.2,
            -1.0e6,
            1.0e6,
            f64::MAX,
            f64::MIN,
            f64::INFINITY,
            f64::NEG_INFINITY,
        ];
        for x in edges {
            assert!(ulps(exp(x), x.exp()) <= 1, "exp({x}) = {} vs {}", exp(x), x.exp());
        }
        assert_eq!(exp(0.0), 1.0);
        assert_eq!(exp(f64::INFINITY), f64::INFINITY);
        assert_eq!(exp(f64::NEG_INFINITY), 0.0);
        assert!(exp(f64::NAN).is_nan());
    }

    #[test]
    fn exp_in_place_matches_exp() {
        let mut xs: Vec<f64> = (0..37).map(|i| f64::from(i) * 0.7 - 12.0).collect();
        let expected: Vec<f64> = xs.iter().map(|&x| exp(x)).collect();
        exp_in_place(&mut xs);
        assert_eq!(xs, expected);
    }

    /// The blocked product gives the row-by-row dot products to the bit, for sizes that are and
    /// are not a multiple of the block.
    #[test]
    fn multiply_is_the_row_by_row_product() {
        let mut rng = ChaCha8Rng::seed_from_u64(8);
        for n in 1..=11 {
            let square = ndarray::Array2::from_shape_fn((n, n), |_| rng.random_range(-2.0..2.0));
            let l = LowerTriangular::from_square(&square);
            assert_eq!(l.dim(), n);
            let z: Vec<f64> = (0..n).map(|_| rng.random_range(-3.0..3.0)).collect();
            let mut out = vec![f64::NAN; n];
            l.multiply(&z, &mut out);
            for (i, &o) in out.iter().enumerate() {
                let expected: f64 = (0..=i).map(|j| square[[i, j]] * z[j]).sum();
                assert_eq!(o.to_bits(), expected.to_bits(), "n {n}, row {i}");
            }
        }
    }
}
