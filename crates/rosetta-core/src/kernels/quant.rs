//! Unit rows as i16, for the cosine screens of kNN and retrieval: scores from integer products,
//! with a proven bound on their distance to the exact cosine.
//!
//! Each row x_i becomes u_i = x_i/‖x_i‖ (f64), then q_i = round(u_i / s_i) with a per-row step s_i
//! (f32). With e_i = u_i − s_i·q_i and r = max_i ‖e_i‖ (both computed in f64), the screen's score
//! t_ij = f32(q_i·q_j)·s_i·s_j (the i16 GEMM, [`crate::gemm_i16`]) satisfies
//!
//! |cos(x_i, x_j) − t_ij| ≤ ‖s_i q_i‖·‖e_j‖ + ‖e_i‖·‖u_j‖ + rounding ≤ r_a + r_b + r_a·r_b + rounding,
//!
//! since u_i·u_j − s_i q_i·s_j q_j = s_i q_i·e_j + e_i·u_j. The steps keep |q| ≤ 32,767 and
//! ‖q‖² < 2³¹ (so the i32 sums cannot overflow): for unit rows of 384 values r ≈ 1.2·10⁻⁴, a bound
//! about three times the f32 GEMM's (which the screens used before) for half its time in the
//! tab. Callers re-check in f64 whatever falls within the bound, so results stay exact.

use crate::kernels::gemm_i16::{packed_at, packed_len, GROUP};
use crate::kernels::prep;
use crate::matrix::MatView;

/// Which products the cosine screens use: f32 (faer natively) or the i16 GEMM. Both give the
/// same exact results; only speed differs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Screen {
    F32,
    I16,
}

impl Screen {
    /// I16 in the tab (twice the f32 kernel's rate there); natively faer's AVX2 f32 GEMM is faster
    /// than the portable integer kernel.
    pub(crate) const DEFAULT: Screen = if cfg!(target_arch = "wasm32") {
        Screen::I16
    } else {
        Screen::F32
    };
}

/// Largest |q|: i16's range.
const Q_MAX: f64 = 32_767.0;
/// Largest ‖q‖, a little below √(2³¹) = 46,340.95 to leave room for rounding.
const NORM_MAX: f64 = 46_000.0;

/// Unit rows quantised to i16 (see the module's comment).
#[derive(Debug, Clone)]
pub struct UnitRowsI16 {
    /// D rounded up to even (the GEMM takes depth in pairs); the pad is zero.
    depth: usize,
    /// q, in the GEMM's packed layout ([`crate::kernels::gemm_i16::packed_at`]).
    data: Vec<i16>,
    /// s_i per row.
    steps: Vec<f32>,
    /// max_i ‖u_i − s_i·q_i‖.
    radius: f64,
}

impl UnitRowsI16 {
    /// O(N·D). Zero rows (cosine 0 with everything) stay zero. The screens call
    /// [`Self::with_norms`]; this one serves the tests and the bench.
    #[cfg(any(test, feature = "bench"))]
    pub fn new(x: MatView<'_>) -> Self {
        Self::with_norms(x, &crate::kernels::linalg::inverse_norms(x))
    }

    /// [`Self::new`] with the rows' inverse norms ([`crate::kernels::linalg::inverse_norms`])
    /// already known.
    pub(crate) fn with_norms(x: MatView<'_>, inv: &[f64]) -> Self {
        debug_assert_eq!(inv.len(), x.n());
        let (n, d) = (x.n(), x.d());
        let depth = d + d % 2;
        let mut data = vec![0i16; packed_len(n, depth)];
        let mut steps = vec![0.0f32; n];
        let mut radius = 0.0f64;
        let mut unit = vec![0.0f64; d];
        let mut q = vec![0i16; depth];
        for (i, &inv_i) in inv.iter().enumerate() {
            if let Some((step, err)) = quantise_row(x.row(i), inv_i, &mut unit, &mut q) {
                steps[i] = step;
                radius = radius.max(err);
                // Row i's pairs sit GROUP pairs apart from its first ([`packed_at`]).
                let rows = data[packed_at(i, 0, depth)..].chunks_mut(2 * GROUP);
                for (at, pair) in rows.zip(q.chunks_exact(2)) {
                    at[..2].copy_from_slice(pair);
                }
            }
        }
        Self {
            depth,
            data,
            steps,
            radius,
        }
    }

    #[cfg(any(test, feature = "bench"))]
    pub fn n(&self) -> usize {
        self.steps.len()
    }

    /// A bound on |score − exact cosine| for every score of [`Self::cos_tile`] between these rows
    /// and `other`'s ([`screen_eps`]).
    pub(crate) fn eps_with(&self, other: &Self) -> f64 {
        screen_eps(self.radius, other.radius)
    }

    /// Approximate cosines of rows `rows` of `self` against rows `cols` of `other` (same D) into
    /// `out` (rows × cols, row-major), each within [`Self::eps_with`] of the exact cosine. Both
    /// ranges start at a multiple of 8 (the packed groups; the screens' tiles are 512 wide).
    /// O(|rows|·|cols|·D).
    pub fn cos_tile(
        &self,
        rows: std::ops::Range<usize>,
        other: &Self,
        cols: std::ops::Range<usize>,
        out: &mut Vec<f32>,
    ) {
        debug_assert_eq!(self.depth, other.depth);
        debug_assert!(rows.start.is_multiple_of(GROUP) && cols.start.is_multiple_of(GROUP));
        let dp = self.depth;
        out.clear();
        out.resize(rows.len() * cols.len(), 0.0);
        crate::kernels::gemm_i16::scaled_dot_tile_into(
            &self.data[rows.start * dp..packed_len(rows.end, dp)],
            &self.steps[rows.clone()],
            rows.len(),
            &other.data[cols.start * dp..packed_len(cols.end, dp)],
            &other.steps[cols.clone()],
            cols.len(),
            dp,
            out,
        );
    }
}

/// The bound on |score − exact cosine| of a screen whose two sides' unit rows are within `ra`
/// and `rb` of what they multiply: the quantisation terms, the f32 rounding of the scaled sum
/// (three roundings of a value of magnitude ≤ (1 + r_a)(1 + r_b)), and slack for the f64 cosine.
pub(crate) fn screen_eps(ra: f64, rb: f64) -> f64 {
    let rounding = 4.0 * f64::from(f32::EPSILON) * (1.0 + ra) * (1.0 + rb);
    ra + rb + ra * rb + rounding + 1e-9
}

/// Row `row` (1/‖row‖ = `inv`) as i16 values `q` (its pad stays zero) with their step, and
/// ‖u − step·q‖ for the unit row u; `None` for a zero (or non-finite) row, which stays zero.
/// `unit` is scratch. The passes over the body run in four lanes ([`crate::prep`]: SIMD128 in
/// the tab). Not inlined: V8 optimises a wasm function only from its next call on.
#[inline(never)]
fn quantise_row(row: &[f32], inv: f64, unit: &mut [f64], q: &mut [i16]) -> Option<(f32, f64)> {
    // One pass for the unit row, its largest |value| and ‖u‖² (as `dot64(unit, unit)` sums it).
    let (max_abs, norm2) = prep::unit_row(row, inv, unit);
    let norm = norm2.sqrt();
    // A NaN or infinite value makes ‖u‖ NaN or infinite (whatever the max made of it).
    if !(max_abs > 0.0 && max_abs.is_finite() && norm.is_finite()) {
        return None;
    }
    let mut step = (max_abs / Q_MAX).max(norm / NORM_MAX) as f32;
    // Rounding can add up to √D/2 to ‖q‖: widen the step until the bound holds.
    loop {
        let (per_step, s) = (1.0 / f64::from(step), f64::from(step));
        // ‖q‖² is exact and from the stored integers, so that no value can keep the loop going.
        // Any q is valid: the bound uses the error of the q actually stored, ‖u − s·q‖.
        let (q_norm2, err2) = prep::levels_i16(unit, per_step, s, q);
        if q_norm2 < f64::from(1u32 << 31) {
            return Some((step, err2.sqrt()));
        }
        step *= 1.001;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernels::linalg::{dot64, inverse_norms};

    fn check_bound(x: &[f32], n: usize, d: usize) {
        let v = MatView::new(x, n, d).unwrap();
        let q = UnitRowsI16::new(v);
        let eps = q.eps_with(&q);
        let inv = inverse_norms(v);
        let mut tile = Vec::new();
        q.cos_tile(0..n, &q, 0..n, &mut tile);
        let mut worst = 0.0f64;
        for i in 0..n {
            for j in 0..n {
                let exact = dot64(v.row(i), v.row(j)) * inv[i] * inv[j];
                let err = (f64::from(tile[i * n + j]) - exact).abs();
                assert!(
                    err <= eps,
                    "({i},{j}): |{} − {exact}| > {eps}",
                    tile[i * n + j]
                );
                worst = worst.max(err);
            }
        }
        // The bound is not vacuous: errors reach a fair share of it, and it stays small.
        assert!(eps < 1e-3 && worst > 0.0, "eps {eps}, worst {worst}");
    }

    #[test]
    fn scores_stay_within_the_bound() {
        let mut r = crate::Rng::new(3);
        for &(n, d) in &[(40, 384), (33, 7), (20, 1), (25, 2000)] {
            let x: Vec<f32> = (0..n * d).map(|_| r.normal() as f32 + 0.1).collect();
            check_bound(&x, n, d);
        }
    }

    /// Six rows of 64 that stress a quantiser: one-hot, huge, zero, tiny, constant, spiky.
    fn spiky_rows() -> (Vec<f32>, usize, usize) {
        let d = 64;
        let mut x = vec![0.0f32; 6 * d];
        x[0] = 1.0; // one-hot: max |u| = 1
        x[d..2 * d].fill(1e30); // every value equal and huge
                                // row 2 stays zero
        for (k, v) in x[3 * d..4 * d].iter_mut().enumerate() {
            *v = if k % 2 == 0 { 1e-30 } else { -3e-30 };
        }
        x[4 * d..5 * d].fill(-1.0);
        x[5 * d + 3] = 2.0;
        x[5 * d + 4] = -1e-3;
        (x, 6, d)
    }

    #[test]
    fn spiky_zero_and_huge_rows_stay_within_the_bound() {
        let (x, n, d) = spiky_rows();
        check_bound(&x, n, d);
    }

    #[test]
    fn rows_with_a_nan_or_an_infinity_are_zero_rows() {
        let d = 9;
        let mut x = vec![0.5f32; 4 * d];
        x[3] = f32::NAN;
        x[d + 8] = f32::INFINITY;
        x[2 * d] = f32::NEG_INFINITY;
        let q = UnitRowsI16::new(MatView::new(&x, 4, d).unwrap());
        assert_eq!(q.steps[..3], [0.0; 3]);
        assert!(q.steps[3] > 0.0);
        // Their packed values are zero (rows 0..3 of the first group, every depth pair).
        for s in 0..q.depth / 2 {
            for i in 0..3 {
                let at = packed_at(i, s, q.depth);
                assert_eq!(q.data[at..at + 2], [0, 0], "row {i}, pair {s}");
            }
        }
        assert!(q.radius.is_finite());
    }
}
