//! Numeric kernels every path runs: the product with the fields' Cholesky factor.
//!
//! Hand-written because its shape is what makes it cheap: [`LowerTriangular`] stores the factor
//! so that its product is a short run of 4-wide updates the compiler vectorises (ndarray's
//! general products are built for large matrices, and cannot skip the zeros of a triangle).

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
            out_block.copy_from_slice(&sums[..out_block.len()]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{RngExt, SeedableRng};
    use rand_chacha::ChaCha8Rng;

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
