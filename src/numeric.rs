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

/// Rows of `f64` one vector register holds (AVX2, the x86-64-v3 build).
const LANES: usize = 4;
/// Rows handled together by [`LowerTriangular::multiply`]: three registers of [`LANES`], so the
/// base scenario's 11 fields are one panel and their product one pass over the columns.
const PANEL: usize = 3 * LANES;

/// One column of a panel: its [`PANEL`] entries, in groups of [`LANES`]. Grouped, the compiler
/// keeps each group's sums in one register; as a flat `[f64; PANEL]` it keeps twelve scalars and
/// shuffles them into registers at every column.
type PanelColumn = [[f64; LANES]; PANEL / LANES];

/// A lower-triangular n × n matrix, stored for fast products `L z`.
///
/// Rows are grouped in panels of `PANEL`; panel `p` stores, for each column `j` up to its
/// last row, the panel's entries `L[i][j]` (zeros above the diagonal and past the last row), so
/// that [`LowerTriangular::multiply`] updates a panel of rows at once.
#[derive(Debug, Clone, PartialEq)]
pub struct LowerTriangular {
    dim: usize,
    panels: Vec<PanelColumn>,
}

impl LowerTriangular {
    /// The lower triangle of the square matrix `square` (entries above the diagonal are dropped).
    pub fn from_square(square: &ndarray::Array2<f64>) -> LowerTriangular {
        let dim = square.nrows();
        let mut panels = Vec::new();
        for first in (0..dim).step_by(PANEL) {
            for j in 0..(first + PANEL).min(dim) {
                panels.push(std::array::from_fn(|group| {
                    std::array::from_fn(|lane| {
                        let i = first + group * LANES + lane;
                        if i < dim && j <= i { square[[i, j]] } else { 0.0 }
                    })
                }));
            }
        }
        LowerTriangular { dim, panels }
    }

    /// Number of rows (and columns).
    pub fn dim(&self) -> usize {
        self.dim
    }

    /// [`LowerTriangular::dim`] rounded up to whole panels: an `out` this long takes the product
    /// in whole-panel stores.
    pub fn padded_dim(&self) -> usize {
        self.dim.div_ceil(PANEL) * PANEL
    }

    /// `out[..dim] = L z`, for `z` of length [`LowerTriangular::dim`] and `out` at least that
    /// long; up to [`LowerTriangular::padded_dim`], `out` also takes the padding rows' zeros.
    ///
    /// Each `out[i]` adds its terms `L[i][j] z[j]` in column order from `-0.0`, exactly as
    /// `(0..=i).map(|j| l[i][j] * z[j]).sum()` does; the padding zeros come after a row's last
    /// term and leave a nonzero sum unchanged, so the result is the row-by-row dot product's to
    /// the bit (bar the sign of an exactly zero entry).
    #[inline]
    pub fn multiply(&self, z: &[f64], out: &mut [f64]) {
        assert!(z.len() >= self.dim && out.len() >= self.dim, "L z with L {0} x {0}, z {1}, out {2}", self.dim, z.len(), out.len());
        let end = self.padded_dim().min(out.len());
        let mut columns = self.panels.as_slice();
        let mut width = 0;
        // Whole panels first, stored as three vector stores each; a store of variable length
        // would be a call to `memcpy`.
        let mut whole = out[..end].chunks_exact_mut(PANEL);
        for out_panel in &mut whole {
            width = (width + PANEL).min(self.dim);
            let (panel, rest) = columns.split_at(width);
            columns = rest;
            out_panel.copy_from_slice(panel_product(panel, z).as_flattened());
        }
        // An `out` of exactly `dim` ends inside the last panel (whose columns are all that is
        // left): its rows up to `dim`.
        let tail = whole.into_remainder();
        if !tail.is_empty() {
            let rows = tail.len();
            tail.copy_from_slice(&panel_product(columns, z).as_flattened()[..rows]);
        }
    }
}

/// The sums `Σ_j L[i][j] z[j]` of one panel's rows, column by column from `-0.0`.
#[inline]
fn panel_product(panel: &[PanelColumn], z: &[f64]) -> PanelColumn {
    let mut sums = [[-0.0; LANES]; PANEL / LANES];
    for (column, &zj) in panel.iter().zip(z) {
        for (group, entries) in sums.iter_mut().zip(column) {
            for (sum, l) in group.iter_mut().zip(entries) {
                *sum += l * zj;
            }
        }
    }
    sums
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

    /// The panelled product gives the row-by-row dot products to the bit, for sizes that are and
    /// are not a multiple of the panel, into an output of the exact length and a padded one.
    #[test]
    fn multiply_is_the_row_by_row_product() {
        let mut rng = ChaCha8Rng::seed_from_u64(8);
        for n in 1..=27 {
            let square = ndarray::Array2::from_shape_fn((n, n), |_| rng.random_range(-2.0..2.0));
            let l = LowerTriangular::from_square(&square);
            assert_eq!(l.dim(), n);
            assert!(l.padded_dim() >= n && l.padded_dim().is_multiple_of(PANEL) && l.padded_dim() < n + PANEL);
            let z: Vec<f64> = (0..n).map(|_| rng.random_range(-3.0..3.0)).collect();
            for len in [n, l.padded_dim()] {
                let mut out = vec![f64::NAN; len];
                l.multiply(&z, &mut out);
                for (i, &o) in out[..n].iter().enumerate() {
                    let expected: f64 = (0..=i).map(|j| square[[i, j]] * z[j]).sum();
                    assert_eq!(o.to_bits(), expected.to_bits(), "n {n}, row {i}, out of {len}");
                }
                assert!(out[n..].iter().all(|&o| o == 0.0), "padding rows of a product are zero");
            }
        }
    }
}
