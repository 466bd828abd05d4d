//! Unit rows as i8, for the kNN and retrieval screens of the worker's relaxed-simd bundle: scores
//! from [`crate::gemm_i8`] (three times the i16 GEMM's rate there) with the bound of
//! [`crate::quant`].
//!
//! The same construction as the i16 rows — u_i = x_i/‖x_i‖, q_i = round(u_i/s_i), r = max ‖u_i −
//! s_i·q_i‖, |cos − score| ≤ r_a + r_b + r_a·r_b + rounding — with far fewer levels: the query
//! side (signed) keeps |q| ≤ 127, the candidate side |q| ≤ 63, stored as q + 64 (the GEMM's second
//! factor must lie in 0..=127); the product then carries 64·Σ_k a_k, which each query row's
//! `shift` removes exactly. Each unit row is rotated first ([`crate::rotation`], the same
//! orthogonal transform on both sides, so cosines are unchanged): its step follows its largest
//! |value|, which the rotation makes that of a random row. The bound is still 100× the i16 one
//! (0.034 for unit rows of 384 values with a decaying spectrum, 0.093 without the rotation), so
//! it suits screens whose scores are mostly far from their threshold: retrieval of a good match,
//! kNN once its lists' floors are high (`knn::screen8`).

use crate::gemm_i8::{packed_at, packed_len, GROUP, QUAD};
use crate::linalg::inverse_norms;
use crate::matrix::MatView;
use crate::rotation::Rotation;

/// Which factor of the GEMM a set of rows is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// The first factor: |q| ≤ 127.
    Query,
    /// The second factor: |q| ≤ 63, stored as q + 64.
    Candidate,
}

impl Side {
    fn levels(self) -> f64 {
        match self {
            Side::Query => 127.0,
            Side::Candidate => 63.0,
        }
    }
}

/// The deepest rows the i8 screens take: every i32 sum stays below depth·127² < 2³¹ (see
/// [`crate::gemm_i8`]); deeper rows use the i16 screen, whose rows bound their norms.
pub(crate) const MAX_DEPTH: usize = 130_000;

/// The offset of [`Side::Candidate`] values.
const OFFSET: i32 = 64;

/// Unit rows quantised to i8 (see the module's comment).
#[derive(Debug, Clone)]
pub struct UnitRowsI8 {
    side: Side,
    /// D rounded up to a multiple of 4 (the GEMM takes depth in quads); the pad is zero.
    depth: usize,
    /// Stored values, in the GEMM's packed layout ([`crate::gemm_i8::packed_at`]).
    data: Vec<i8>,
    /// s_i per row.
    steps: Vec<f32>,
    /// Query rows: OFFSET·Σ_k q_ik, what a candidate side's offset adds to each product.
    shift: Vec<i32>,
    /// max_i ‖u_i − s_i·q_i‖.
    radius: f64,
}

impl UnitRowsI8 {
    /// O(N·D·log D). Zero rows (cosine 0 with everything) stay zero (query side) or score 0
    /// (candidate side: their step is 0).
    pub fn new(x: MatView<'_>, side: Side) -> Self {
        let [rows] = Self::sides(x, [side]);
        rows
    }

    /// Both sides of the same rows (for products of a space with itself), rotated once.
    pub fn both(x: MatView<'_>) -> (Self, Self) {
        let [query, candidate] = Self::sides(x, [Side::Query, Side::Candidate]);
        (query, candidate)
    }

    fn sides<const S: usize>(x: MatView<'_>, sides: [Side; S]) -> [Self; S] {
        let (n, d) = (x.n(), x.d());
        let depth = d.next_multiple_of(QUAD);
        let inv = inverse_norms(x);
        let rotation = Rotation::new(d);
        let mut out = sides.map(|side| Self {
            side,
            depth,
            data: vec![0i8; packed_len(n, depth)],
            steps: vec![0.0f32; n],
            shift: vec![0i32; if side == Side::Query { n } else { 0 }],
            radius: 0.0,
        });
        let (mut unit, mut scratch) = (vec![0.0f64; d], vec![0.0f64; d]);
        let mut q = vec![0i8; depth];
        for (i, &inv_i) in inv.iter().enumerate() {
            if !unit_row(x.row(i), inv_i, &rotation, &mut unit, &mut scratch) {
                continue;
            }
            for rows in &mut out {
                let (step, err) = quantise_row(&unit, rows.side, &mut q);
                rows.steps[i] = step;
                rows.radius = rows.radius.max(err);
                if rows.side == Side::Query {
                    rows.shift[i] = OFFSET * q.iter().map(|&v| i32::from(v)).sum::<i32>();
                }
                for (s, quad) in q.chunks_exact(QUAD).enumerate() {
                    let at = packed_at(i, s, depth);
                    rows.data[at..at + QUAD].copy_from_slice(quad);
                }
            }
        }
        out
    }

    /// The bound on |score − exact cosine| for [`Self::cos_tile`] against `other`
    /// ([`crate::quant::screen_eps`]).
    pub fn eps_with(&self, other: &Self) -> f64 {
        crate::quant::screen_eps(self.radius, other.radius)
    }

    /// Approximate cosines of query rows `rows` of `self` against candidate rows `cols` of
    /// `other` (same D) into `out` (rows × cols, row-major), each within [`Self::eps_with`] of
    /// the exact cosine. Both ranges start at a multiple of 8. O(|rows|·|cols|·D).
    pub(crate) fn cos_tile(
        &self,
        rows: std::ops::Range<usize>,
        other: &Self,
        cols: std::ops::Range<usize>,
        out: &mut Vec<f32>,
    ) {
        debug_assert!(self.side == Side::Query && other.side == Side::Candidate);
        debug_assert_eq!(self.depth, other.depth);
        debug_assert!(rows.start.is_multiple_of(GROUP) && cols.start.is_multiple_of(GROUP));
        let dp = self.depth;
        out.clear();
        out.resize(rows.len() * cols.len(), 0.0);
        crate::gemm_i8::scaled_dot_tile_into(
            &self.data[rows.start * dp..packed_len(rows.end, dp)],
            &self.steps[rows.clone()],
            &self.shift[rows.clone()],
            rows.len(),
            &other.data[cols.start * dp..packed_len(cols.end, dp)],
            &other.steps[cols.clone()],
            cols.len(),
            dp,
            out,
        );
    }
}

/// Row `row` (1/‖row‖ = `inv`) as a rotated unit row in `unit`; false for a zero or non-finite
/// row. `scratch` is room for the rotation. Not inlined: V8 optimises a wasm function only from
/// its next call on.
#[inline(never)]
fn unit_row(
    row: &[f32],
    inv: f64,
    rotation: &Rotation,
    unit: &mut [f64],
    scratch: &mut [f64],
) -> bool {
    for (u, &v) in unit.iter_mut().zip(row) {
        *u = f64::from(v) * inv;
    }
    if !unit.iter().all(|u| u.is_finite()) || unit.iter().all(|&u| u == 0.0) {
        return false;
    }
    rotation.apply(unit, scratch);
    true
}

/// A rotated unit row as stored i8 values `q` (pad zero) with its step and ‖u − step·q‖.
#[inline(never)]
fn quantise_row(unit: &[f64], side: Side, q: &mut [i8]) -> (f32, f64) {
    let max_abs = unit.iter().fold(0.0f64, |m, u| m.max(u.abs()));
    let levels = side.levels();
    // A positive step even if rotation rounding left only tiny values.
    let step = ((max_abs / levels) as f32).max(f32::MIN_POSITIVE);
    let (s, per_step) = (f64::from(step), 1.0 / f64::from(step));
    let offset = if side == Side::Candidate { OFFSET } else { 0 };
    let mut err2 = 0.0f64;
    for (qk, &u) in q.iter_mut().zip(unit) {
        // Clamped: f32 rounding of the step can put max |u|/step a hair above the levels.
        let level = (u * per_step).round_ties_even().clamp(-levels, levels);
        let e = u - s * level;
        err2 += e * e;
        *qk = (level as i32 + offset) as i8;
    }
    (step, err2.sqrt())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::linalg::dot64;

    fn check_bound(x: &[f32], y: &[f32], n: usize, d: usize) {
        let (vx, vy) = (
            MatView::new(x, n, d).unwrap(),
            MatView::new(y, n, d).unwrap(),
        );
        let (qx, qy) = (
            UnitRowsI8::new(vx, Side::Query),
            UnitRowsI8::new(vy, Side::Candidate),
        );
        let eps = qx.eps_with(&qy);
        let (ix, iy) = (inverse_norms(vx), inverse_norms(vy));
        let mut tile = Vec::new();
        qx.cos_tile(0..n, &qy, 0..n, &mut tile);
        let mut worst = 0.0f64;
        for i in 0..n {
            for j in 0..n {
                let exact = dot64(vx.row(i), vy.row(j)) * ix[i] * iy[j];
                let err = (f64::from(tile[i * n + j]) - exact).abs();
                assert!(
                    err <= eps,
                    "({i},{j}): |{} − {exact}| > {eps}",
                    tile[i * n + j]
                );
                worst = worst.max(err);
            }
        }
        assert!(eps < 0.2 && worst > 0.0, "eps {eps}, worst {worst}");
    }

    #[test]
    fn scores_stay_within_the_bound() {
        let mut r = crate::Rng::new(3);
        for &(n, d) in &[(40, 384), (33, 7), (20, 1), (25, 2000), (17, 3)] {
            let x: Vec<f32> = (0..n * d).map(|_| r.normal() as f32 + 0.1).collect();
            let y: Vec<f32> = (0..n * d).map(|_| r.normal() as f32 - 0.3).collect();
            check_bound(&x, &y, n, d);
        }
    }

    #[test]
    fn spiky_zero_and_huge_rows_stay_within_the_bound() {
        let (x, n, d) = crate::quant::tests::spiky_rows();
        let y: Vec<f32> = x.iter().rev().copied().collect();
        check_bound(&x, &y, n, d);
    }
}
