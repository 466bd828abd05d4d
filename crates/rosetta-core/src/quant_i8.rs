//! Unit rows as i8, for the kNN and retrieval screens of the worker's relaxed-simd bundle: scores
//! from [`crate::gemm_i8`] (three times the i16 GEMM's rate there) with a proven bound per pair.
//!
//! Each row becomes a unit row u_i = x_i/‖x_i‖, rotated ([`crate::rotation`], the same orthogonal
//! transform on both sides, so cosines are unchanged: a row's step follows its largest |value|,
//! which the rotation makes that of a random row). Then the part along a direction m̂ shared by
//! both sides (their mean unit row) is split off, u_i = α_i·m̂ + w_i with w_i ⊥ m̂, and only w_i is
//! quantised: q_i = round(w_i/s_i). The score is t_ij = α_i·β_j + s_i·s_j·(q_i·q_j), and with
//! e_i = w_i − s_i·q_i, r_i = ‖e_i‖ (f64):
//!
//! |cos_ij − t_ij| = |s_i q_i·e_j + e_i·w_j| ≤ (‖w_i‖ + r_i)·r_j + r_i·‖w_j‖ + rounding,
//!
//! since u_i·u_j = α_iβ_j + w_i·w_j. Embeddings tend to share a direction (and uncentred relative
//! representations, cosines to the same anchors, nearly all do): there ‖w‖ is a fraction of 1, and
//! r scales with it, so the bound shrinks with ‖w‖². Kept per row, a few rows far from m̂ do not
//! widen every pair's bound. Numpy on the bench's uncentred relative representations (5,000 rows):
//! median bound 0.034 → 0.009; scores of a retrieval within their bound of the match 9.4 % → 2.4 %.
//!
//! The query side (signed) keeps |q| ≤ 127, the candidate side |q| ≤ 63, stored as q + 64 (the
//! GEMM's second factor must lie in 0..=127); the product then carries 64·Σ_k a_k, which each
//! query row's `shift` removes exactly.

use crate::gemm_i8::{packed_at, packed_len, Factor, PAIR_LIMIT, QUAD};
use crate::linalg::{dot64, inverse_norms};
use crate::matrix::MatView;
use crate::prep;
use crate::rotation::Rotation;

/// Rows with their inverse norms ([`inverse_norms`]), computed once per kernel and side.
pub(crate) type Normed<'a> = (MatView<'a>, &'a [f64]);

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
    /// α_i, the part of each unit row along the shared direction (f32).
    along: Vec<f32>,
    /// ‖w_i‖ per row (rounded up to f32).
    norm: Vec<f32>,
    /// r_i = ‖w_i − s_i·q_i‖ per row (rounded up to f32).
    err: Vec<f32>,
}

impl UnitRowsI8 {
    /// Both sides of the same rows (for products of a space with itself), rotated once.
    /// O(N·D·log D). Zero rows (cosine 0 with everything) score 0. (Two sides made by separate
    /// calls would split off different directions: their products would mean nothing.)
    pub fn both(x: MatView<'_>) -> (Self, Self) {
        Self::both_with_norms(x, &inverse_norms(x))
    }

    /// [`Self::both`] with the rows' inverse norms ([`inverse_norms`]) already known.
    pub(crate) fn both_with_norms(x: MatView<'_>, inv: &[f64]) -> (Self, Self) {
        debug_assert_eq!(inv.len(), x.n());
        let direction = Direction::of(&[(x, inv)]);
        let [query, candidate] = Self::sides((x, inv), [Side::Query, Side::Candidate], &direction);
        (query, candidate)
    }

    /// Query rows of `x` and candidate rows of `y` (same D), with one direction from both.
    pub fn pair(x: MatView<'_>, y: MatView<'_>) -> (Self, Self) {
        Self::pair_with_norms((x, &inverse_norms(x)), (y, &inverse_norms(y)))
    }

    /// [`Self::pair`] with each side's inverse norms ([`inverse_norms`]) already known.
    pub(crate) fn pair_with_norms(x: Normed<'_>, y: Normed<'_>) -> (Self, Self) {
        debug_assert!(x.1.len() == x.0.n() && y.1.len() == y.0.n());
        let direction = Direction::of(&[x, y]);
        let [query] = Self::sides(x, [Side::Query], &direction);
        let [candidate] = Self::sides(y, [Side::Candidate], &direction);
        (query, candidate)
    }

    fn sides<const S: usize>(
        (x, inv): Normed<'_>,
        sides: [Side; S],
        direction: &Direction,
    ) -> [Self; S] {
        let (n, d) = (x.n(), x.d());
        debug_assert_eq!(d, direction.rotation_len);
        let depth = d.next_multiple_of(QUAD);
        let mut out = sides.map(|side| Self {
            side,
            depth,
            data: vec![0i8; packed_len(n, depth)],
            steps: vec![0.0f32; n],
            shift: vec![0i32; if side == Side::Query { n } else { 0 }],
            along: vec![0.0f32; n],
            norm: vec![0.0f32; n],
            err: vec![0.0f32; n],
        });
        let (mut unit, mut scratch) = (vec![0.0f64; d], vec![0.0f64; d]);
        let mut q = vec![0i8; depth];
        for (i, &inv_i) in inv.iter().enumerate() {
            if !unit_row(
                x.row(i),
                inv_i,
                &direction.rotation,
                &mut unit,
                &mut scratch,
            ) {
                continue;
            }
            let (along, norm) = direction.split(&mut unit);
            for rows in &mut out {
                let (step, err) = quantise_row(&unit, rows.side, &mut q);
                rows.steps[i] = step;
                rows.along[i] = along as f32;
                rows.norm[i] = f32_at_least(norm);
                rows.err[i] = f32_at_least(err);
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

    /// The bound on |score − exact cosine| of each pair of [`Self::cos_tile`] against `other`
    /// (query rows × candidate rows; see the module's comment).
    pub(crate) fn bound_with(&self, other: &Self) -> PairBound {
        debug_assert!(self.side == Side::Query && other.side == Side::Candidate);
        let widest = |v: &[f32]| v.iter().fold(0.0f64, |m, &e| m.max(f64::from(e)));
        let (ra, rb) = (widest(&self.err), widest(&other.err));
        // The f32 scaling of the i32 sum (three roundings of a value ≤ (1 + r_a)(1 + r_b)), the
        // f32 α's, their product and the sum (four roundings of values ≤ 1).
        let rounding = f64::from(f32::EPSILON) * (4.0 * (1.0 + ra) * (1.0 + rb) + 4.0);
        PairBound {
            lead: self
                .norm
                .iter()
                .zip(&self.err)
                .map(|(&w, &r)| inflate(f64::from(w) + f64::from(r)))
                .collect(),
            q_err: self.err.clone(),
            c_err: other.err.clone(),
            c_norm: other.norm.iter().map(|&w| inflate(f64::from(w))).collect(),
            slack: f32_at_least(rounding + PairBound::SLACK),
        }
    }

    /// Approximate cosines of query rows `rows` of `self` against candidate rows `cols` of
    /// `other` (same D) into `out` (rows × cols, row-major), each within its
    /// [`Self::bound_with`] of the exact cosine. Both ranges start at a multiple of 8.
    /// O(|rows|·|cols|·D).
    pub(crate) fn cos_tile(
        &self,
        rows: std::ops::Range<usize>,
        other: &Self,
        cols: std::ops::Range<usize>,
        out: &mut Vec<f32>,
    ) {
        debug_assert!(self.side == Side::Query && other.side == Side::Candidate);
        debug_assert_eq!(self.depth, other.depth);
        let group = crate::gemm_i8::GROUP;
        debug_assert!(rows.start.is_multiple_of(group) && cols.start.is_multiple_of(group));
        let dp = self.depth;
        out.clear();
        out.resize(rows.len() * cols.len(), 0.0);
        let a = Factor {
            packed: &self.data[rows.start * dp..packed_len(rows.end, dp)],
            steps: &self.steps[rows.clone()],
            along: &self.along[rows.clone()],
        };
        let b = Factor {
            packed: &other.data[cols.start * dp..packed_len(cols.end, dp)],
            steps: &other.steps[cols.clone()],
            along: &other.along[cols.clone()],
        };
        crate::gemm_i8::scaled_dot_tile_into(a, &self.shift[rows], b, dp, out);
    }
}

/// A bound on |score − exact cosine| per pair, evaluated in f32 by the screens' vectorised
/// loops: `lead[i]·c_err[j] + q_err[i]·c_norm[j] + slack` ([`RowBound::with`]). The factors are
/// rounded up and `lead`, `c_norm` inflated by 8 f32 ulps, so the f32 evaluation (three roundings)
/// never falls below the real bound; `slack` also covers the screens' own f32 comparisons.
#[derive(Debug, Clone)]
pub(crate) struct PairBound {
    /// Query rows: ‖s_i·q_i‖ ≤ ‖w_i‖ + r_i.
    lead: Vec<f32>,
    /// Query rows: r_i.
    q_err: Vec<f32>,
    /// Candidate rows: r_j.
    c_err: Vec<f32>,
    /// Candidate rows: ‖w_j‖.
    c_norm: Vec<f32>,
    slack: f32,
}

/// One query row's terms of a [`PairBound`].
#[derive(Debug, Clone, Copy)]
pub(crate) struct RowBound {
    lead: f32,
    q_err: f32,
    slack: f32,
}

impl RowBound {
    /// The bound of this row's pair with the candidate row of (error, norm) `(c_err, c_norm)`
    /// ([`PairBound::cols`]): one expression, so every loop computes the same f32 value.
    #[inline]
    pub(crate) fn with(self, c_err: f32, c_norm: f32) -> f32 {
        self.lead * c_err + self.q_err * c_norm + self.slack
    }
}

impl PairBound {
    /// Room for the f32 comparisons of a score and its bound with a threshold (each rounds by
    /// at most 2⁻²⁴ of a value ≤ 4) and the f64 cosine the bound is measured against.
    pub(crate) const SLACK: f64 = 1e-6;

    /// The same bound `eps` for every pair of `rows` × `cols` (the i16 and f32 screens).
    pub(crate) fn constant(eps: f64, rows: usize, cols: usize) -> Self {
        Self {
            lead: vec![0.0; rows],
            q_err: vec![0.0; rows],
            c_err: vec![0.0; cols],
            c_norm: vec![0.0; cols],
            slack: f32_at_least(eps + Self::SLACK),
        }
    }

    /// The bound plus `eps` for every pair (rounded up).
    pub(crate) fn widened(mut self, eps: f64) -> Self {
        self.slack = f32_at_least(f64::from(self.slack) + eps);
        self
    }

    /// Query row i's terms.
    #[inline]
    pub(crate) fn row(&self, i: usize) -> RowBound {
        RowBound {
            lead: self.lead[i],
            q_err: self.q_err[i],
            slack: self.slack,
        }
    }

    /// Candidate rows `c`'s terms: (errors, norms).
    #[inline]
    pub(crate) fn cols(&self, c: std::ops::Range<usize>) -> (&[f32], &[f32]) {
        (&self.c_err[c.clone()], &self.c_norm[c])
    }

    /// The bound of pair (i, j).
    #[cfg(test)]
    pub(crate) fn at(&self, i: usize, j: usize) -> f32 {
        self.row(i).with(self.c_err[j], self.c_norm[j])
    }
}

/// `v`, a little more (8 f32 ulps), rounded up to f32.
fn inflate(v: f64) -> f32 {
    f32_at_least(v * (1.0 + 8.0 * f64::from(f32::EPSILON)))
}

/// The largest f32 that is ≤ v.
pub(crate) fn f32_at_most(v: f64) -> f32 {
    let f = v as f32;
    if f64::from(f) > v {
        f.next_down()
    } else {
        f
    }
}

/// The smallest f32 that is ≥ v.
pub(crate) fn f32_at_least(v: f64) -> f32 {
    let f = v as f32;
    if f64::from(f) < v {
        f.next_up()
    } else {
        f
    }
}

/// The rotation for rows of D values and the unit direction the rows share (rotated; `None`
/// when their unit rows sum to zero).
struct Direction {
    rotation: Rotation,
    rotation_len: usize,
    unit: Option<Vec<f64>>,
}

impl Direction {
    /// The mean of the unit rows of `spaces` (same D), rotated and normalised. O(N·D).
    fn of(spaces: &[Normed<'_>]) -> Self {
        let d = spaces.first().map_or(0, |(x, _)| x.d());
        let rotation = Rotation::new(d);
        let mut sum = vec![0.0f64; d];
        for &(x, inv) in spaces {
            for (i, &inv) in inv.iter().enumerate() {
                for (s, &v) in sum.iter_mut().zip(x.row(i)) {
                    *s += f64::from(v) * inv;
                }
            }
        }
        let norm = norm(&sum);
        let unit = (norm.is_finite() && norm > 0.0).then(|| {
            sum.iter_mut().for_each(|s| *s /= norm);
            let mut scratch = vec![0.0f64; d];
            rotation.apply(&mut sum, &mut scratch);
            sum
        });
        Self {
            rotation,
            rotation_len: d,
            unit,
        }
    }

    /// Removes the part of the (rotated unit) row `u` along the direction: (α, ‖w‖) of
    /// u = α·m̂ + w.
    fn split(&self, u: &mut [f64]) -> (f64, f64) {
        let along = self.unit.as_ref().map_or(0.0, |m| {
            let a = dot64(u, m);
            u.iter_mut().zip(m).for_each(|(x, y)| *x -= a * y);
            a
        });
        (along, norm(u))
    }
}

fn norm(v: &[f64]) -> f64 {
    dot64(v, v).sqrt()
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
    // Both checks in the same pass, without early exits (so that it vectorises).
    let (mut finite, mut nonzero) = (true, false);
    for (u, &v) in unit.iter_mut().zip(row) {
        *u = f64::from(v) * inv;
        finite &= u.is_finite();
        nonzero |= *u != 0.0;
    }
    if !finite || !nonzero {
        return false;
    }
    rotation.apply(unit, scratch);
    true
}

/// A rotated unit row's part off the shared direction as stored i8 values `q` (pad zero) with
/// its step and ‖w − step·q‖. The passes over the body run in four lanes ([`crate::prep`]:
/// SIMD128 in the tab). Not inlined: V8 optimises a wasm function only from its next call on.
#[inline(never)]
fn quantise_row(unit: &[f64], side: Side, q: &mut [i8]) -> (f32, f64) {
    let max_abs = prep::max_abs(unit);
    let levels = side.levels();
    // Query rows keep the pair kernel's limit (crate::gemm_i8::PAIR_LIMIT) on every build, so
    // both kernels give the same sums: the rounding adds at most 4 · 0.5 to a group's sum.
    let widest_group = if side == Side::Query {
        prep::widest_pair_group(unit) / f64::from(PAIR_LIMIT - 2)
    } else {
        0.0
    };
    // A positive step even if only tiny values are left (a row along the direction).
    let step = ((max_abs / levels).max(widest_group) as f32).max(f32::MIN_POSITIVE);
    let (s, per_step) = (f64::from(step), 1.0 / f64::from(step));
    let offset = if side == Side::Candidate { OFFSET } else { 0 };
    // Clamped: f32 rounding of the step can put max |u|/step a hair above the levels.
    let err2 = prep::levels_i8(unit, (per_step, s, levels), offset, q);
    (step, err2.sqrt())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::linalg::dot64;

    /// Asserts every score of `x` × `y` within its pair's bound; the median bound.
    fn check_bound(x: &[f32], y: &[f32], n: usize, d: usize) -> f64 {
        let (vx, vy) = (
            MatView::new(x, n, d).unwrap(),
            MatView::new(y, n, d).unwrap(),
        );
        let (qx, qy) = UnitRowsI8::pair(vx, vy);
        let bound = qx.bound_with(&qy);
        let (ix, iy) = (inverse_norms(vx), inverse_norms(vy));
        let mut tile = Vec::new();
        qx.cos_tile(0..n, &qy, 0..n, &mut tile);
        let (mut worst, mut bounds) = (0.0f64, Vec::new());
        for i in 0..n {
            for j in 0..n {
                let exact = dot64(vx.row(i), vy.row(j)) * ix[i] * iy[j];
                let err = (f64::from(tile[i * n + j]) - exact).abs();
                let eps = f64::from(bound.at(i, j));
                assert!(
                    err <= eps,
                    "({i},{j}): |{} − {exact}| > {eps}",
                    tile[i * n + j]
                );
                worst = worst.max(err);
                bounds.push(eps);
            }
        }
        assert!(worst > 0.0, "worst {worst}");
        bounds.sort_by(f64::total_cmp);
        bounds[bounds.len() / 2]
    }

    #[test]
    fn scores_stay_within_the_bound() {
        let mut r = crate::Rng::new(3);
        for &(n, d) in &[(40, 384), (33, 7), (20, 1), (25, 2000), (17, 3)] {
            let x: Vec<f32> = (0..n * d).map(|_| r.normal() as f32 + 0.1).collect();
            let y: Vec<f32> = (0..n * d).map(|_| r.normal() as f32 - 0.3).collect();
            assert!(check_bound(&x, &y, n, d) < 0.2);
        }
    }

    #[test]
    fn rows_sharing_a_direction_get_a_far_narrower_bound() {
        // Every row near one direction (like uncentred relative representations): the part
        // off it is small, and so is its quantisation error.
        let mut r = crate::Rng::new(9);
        let (n, d) = (60, 384);
        let shared: Vec<f32> = (0..d).map(|_| r.normal() as f32).collect();
        let near = |r: &mut crate::Rng| -> Vec<f32> {
            (0..n * d)
                .map(|e| shared[e % d] + 0.3 * r.normal() as f32)
                .collect()
        };
        let (x, y) = (near(&mut r), near(&mut r));
        let narrow = check_bound(&x, &y, n, d);
        // The same rows, centred on their shared direction's opposite sides: no direction
        // to split off.
        let spread: Vec<f32> = (0..n * d).map(|_| r.normal() as f32).collect();
        let wide = check_bound(
            &spread,
            &spread.iter().map(|v| -v).collect::<Vec<_>>(),
            n,
            d,
        );
        assert!(narrow < wide / 5.0, "{narrow} vs {wide}");
    }

    #[test]
    fn query_rows_keep_the_pair_kernels_limit() {
        // Random rows with a few large values (after the rotation, a step from the largest
        // |value| alone leaves some pair groups above the limit: this test fails without the
        // quantiser's group term) and the spiky test rows: every query row keeps PAIR_LIMIT.
        let mut r = crate::Rng::new(17);
        let (n, d) = (64, 100);
        let mut x: Vec<f32> = (0..n * d).map(|_| r.normal() as f32).collect();
        for (i, row) in x.chunks_exact_mut(d).enumerate() {
            for k in [0, 1, 4, 5] {
                row[(8 * i + k) % d] = 40.0;
            }
        }
        let (spiky, sn, sd) = crate::quant::tests::spiky_rows();
        for (x, n, d) in [(x, n, d), (spiky, sn, sd)] {
            let (query, _) = UnitRowsI8::both(MatView::new(&x, n, d).unwrap());
            for i in 0..n {
                let row: Vec<i8> = (0..query.depth)
                    .map(|k| query.data[packed_at(i, k / QUAD, query.depth) + k % QUAD])
                    .collect();
                assert!(crate::gemm_i8::pairs_fit(&row), "row {i} of {n} × {d}");
            }
        }
    }

    #[test]
    fn spiky_zero_and_huge_rows_stay_within_the_bound() {
        let (x, n, d) = crate::quant::tests::spiky_rows();
        let y: Vec<f32> = x.iter().rev().copied().collect();
        check_bound(&x, &y, n, d);
    }
}
