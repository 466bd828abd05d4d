//! Retrieval across two spaces of the same items: query row i of X among all rows of Y by cosine;
//! `rank_i = 1 + #{j : s(i, j) > s(i, i)}`. Both directions come from one pass over the tiles.

use crate::error::CoreError;
use crate::linalg::{dot64, dot_tile, inverse_norms, norm64, normalized_rows};
use crate::matrix::MatView;
use crate::quant::{Screen, UnitRowsI16};
use crate::quant_i8::{f32_at_least, PairBound, UnitRowsI8};

mod scan;
use scan::{Bounds, Counts, Scan};

/// Mean reciprocal rank and hit rates of one direction.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RetrievalScores {
    pub mrr: f64,
    pub top1: f64,
    pub top5: f64,
}

impl RetrievalScores {
    /// From 0-based counts of candidates scoring strictly higher than the true match.
    pub fn from_better_counts(better: &[u32]) -> Self {
        let n = better.len().max(1) as f64;
        Self {
            mrr: better
                .iter()
                .map(|&b| 1.0 / (f64::from(b) + 1.0))
                .sum::<f64>()
                / n,
            top1: better.iter().filter(|&&b| b == 0).count() as f64 / n,
            top5: better.iter().filter(|&&b| b < 5).count() as f64 / n,
        }
    }
}

/// Ranks in both directions.
#[derive(Debug, Clone, PartialEq)]
pub struct Retrieval {
    pub x_to_y: RetrievalScores,
    pub y_to_x: RetrievalScores,
    /// Per item: how many candidates of Y beat its match when querying with X (rank − 1).
    pub x_better: Vec<u32>,
    pub y_better: Vec<u32>,
}

const TILE: usize = 512;

/// Cosine retrieval X → Y and Y → X (equal dims). Exact: tile scores (f32; in the tab i16,
/// [`crate::quant`], or i8 in the relaxed-simd bundle, [`crate::quant_i8`]) within their error
/// bound of the true match's score are re-checked (i8 ones with a single i16 product first),
/// then in f64 if still unsure.
/// O(N²·D) time, O(N + TILE²) memory.
pub fn retrieval(x: MatView<'_>, y: MatView<'_>) -> Result<Retrieval, CoreError> {
    let (x_better, y_better) = retrieval_counts(x, y, 0..x.n())?;
    Ok(Retrieval::from_counts(x_better, y_better))
}

impl Retrieval {
    /// Scores from the counts of [`retrieval_counts`] (the shares' `x_better` joined in row order,
    /// their `y_better` summed).
    pub fn from_counts(x_better: Vec<u32>, y_better: Vec<u32>) -> Self {
        Self {
            x_to_y: RetrievalScores::from_better_counts(&x_better),
            y_to_x: RetrievalScores::from_better_counts(&y_better),
            x_better,
            y_better,
        }
    }
}

/// One share of [`retrieval`]: rows `rows` of X against every row of Y. Returns the better-counts
/// of those rows querying Y (`rows.len()` values) and, for every item j, how many of those rows'
/// x_i beat x_j when querying X with y_j (N values; the shares' counts add up).
/// O(|rows|·N·D + N·D).
pub fn retrieval_counts(
    x: MatView<'_>,
    y: MatView<'_>,
    rows: std::ops::Range<usize>,
) -> Result<(Vec<u32>, Vec<u32>), CoreError> {
    retrieval_counts_with(x, y, rows, Screen::RETRIEVAL)
}

/// [`retrieval_counts`] from the tiles of `screen` (the same counts).
pub fn retrieval_counts_with(
    x: MatView<'_>,
    y: MatView<'_>,
    rows: std::ops::Range<usize>,
    screen: Screen,
) -> Result<(Vec<u32>, Vec<u32>), CoreError> {
    let s = screened(x, y, rows, screen, true)?;
    Ok((s.x_better, s.y_better))
}

/// Retrieval X → Y only (Procrustes' aligned rows: Y → X is not reported): the same scores as
/// [`retrieval`]'s `x_to_y`, and cheaper — no column counts, and a pair is re-checked only when
/// it is unsure for its row's match. O(N²·D).
pub fn retrieval_x_to_y(x: MatView<'_>, y: MatView<'_>) -> Result<RetrievalScores, CoreError> {
    let better = retrieval_counts_x_to_y(x, y, 0..x.n())?;
    Ok(RetrievalScores::from_better_counts(&better))
}

/// One share of [`retrieval_x_to_y`]: the better-counts of rows `rows` querying Y (the first of
/// [`retrieval_counts`]). O(|rows|·N·D + N·D).
pub fn retrieval_counts_x_to_y(
    x: MatView<'_>,
    y: MatView<'_>,
    rows: std::ops::Range<usize>,
) -> Result<Vec<u32>, CoreError> {
    Ok(screened(x, y, rows, Screen::RETRIEVAL, false)?.x_better)
}

/// [`retrieval_counts_with`], with how its i8 tiles went; Y → X is counted only when `both`.
fn screened(
    x: MatView<'_>,
    y: MatView<'_>,
    rows: std::ops::Range<usize>,
    screen: Screen,
    both: bool,
) -> Result<Screened, CoreError> {
    let n = x.n();
    if y.n() != n {
        return Err(CoreError::ItemCountMismatch(n, y.n()));
    }
    if x.d() != y.d() {
        return Err(CoreError::InvalidParameter(format!(
            "retrieval needs equal dimensions, found {} and {}",
            x.d(),
            y.d()
        )));
    }
    if rows.start > rows.end || rows.end > n {
        return Err(CoreError::InvalidParameter(format!(
            "rows {rows:?} out of 0..{n}"
        )));
    }
    // The i8 GEMM's i32 sums could overflow past its MAX_DEPTH (the i16 rows bound their norms).
    let screen = if screen == Screen::I8 && x.d() > crate::quant_i8::MAX_DEPTH {
        Screen::I16
    } else {
        screen
    };
    let share = x.rows(rows.start, rows.end);
    let tiles = Tiles::new(share, y, screen);
    let (ix, iy) = (inverse_norms(x), inverse_norms(y));
    let exact = |i: usize, j: usize| dot64(x.row(i), y.row(j)) * ix[i] * iy[j];
    let diag: Vec<f64> = (0..n).map(|i| exact(i, i)).collect();
    let bounds = Bounds::new(&diag, tiles.bound(x.d()), rows.start);
    let mut counts = Counts {
        rows: rows.clone(),
        x_better: vec![0u32; rows.len()],
        y_better: if both { vec![0u32; n] } else { Vec::new() },
    };
    // I8 only: the i16 rows and their bounds, made when a tile first needs them.
    let mut fine: Option<Fine> = None;
    let make_fine = || Fine::new(share, y, &diag, rows.start);
    let is_i8 = matches!(tiles, Tiles::I8 { .. });
    let (mut tried, mut crowded) = (0usize, 0usize);
    let (mut tile, mut scan) = (Vec::new(), Scan::default());
    for r0 in rows.clone().step_by(TILE) {
        let r1 = (r0 + TILE).min(rows.end);
        let local = r0 - rows.start..r1 - rows.start;
        for c0 in (0..n).step_by(TILE) {
            let c1 = (c0 + TILE).min(n);
            if !is_i8 {
                tiles.tile(local.clone(), c0..c1, &mut tile);
                scan.tile(&tile, r0..r1, c0..c1, &bounds, both);
                counts.add(&scan, &tile, &bounds, &diag, &exact, None);
                continue;
            }
            // An i8 tile's unsure scores are computed again one by one from i16 rows (then in
            // f64 if still unsure); a tile with too many of them is computed again as a whole
            // i16 tile, and once most tiles are, the rest go straight to i16.
            if tried < 4 || crowded * 2 <= tried {
                tiles.tile(local.clone(), c0..c1, &mut tile);
                tried += 1;
                if scan.tile(&tile, r0..r1, c0..c1, &bounds, both)
                    <= (r1 - r0) * (c1 - c0) / CROWDED
                {
                    let mut refine =
                        |i: usize, j: usize| fine.get_or_insert_with(make_fine).score(i, j);
                    let refine: &mut dyn FnMut(usize, usize) -> (f32, f32) = &mut refine;
                    counts.add(&scan, &tile, &bounds, &diag, &exact, Some(refine));
                    continue;
                }
                crowded += 1;
            }
            let f = fine.get_or_insert_with(make_fine);
            f.x.cos_tile(local.clone(), &f.y, c0..c1, &mut tile);
            scan.tile(&tile, r0..r1, c0..c1, &f.bounds, both);
            counts.add(&scan, &tile, &f.bounds, &diag, &exact, None);
        }
    }
    let Counts {
        x_better, y_better, ..
    } = counts;
    Ok(Screened {
        x_better,
        y_better,
        i8_tiles: tried,
        crowded,
    })
}

/// The counts of a share and how its i8 tiles went (0 and 0 for another screen).
struct Screened {
    x_better: Vec<u32>,
    y_better: Vec<u32>,
    /// i8 tiles computed, and how many of them were computed again from i16 rows.
    #[cfg_attr(not(test), allow(dead_code))] // reason: read by the tests only
    i8_tiles: usize,
    #[cfg_attr(not(test), allow(dead_code))] // reason: as `i8_tiles`
    crowded: usize,
}

/// An i8 tile is computed again as an i16 tile when more than 1/CROWDED of its scores fall inside
/// their bound: a single i16 score costs about four times an i16 tile's per score, which costs
/// twice an i8 tile's (an f64 re-check, ~50 times an i16 tile's, is left for the few scores the
/// i16 one does not settle).
const CROWDED: usize = 8;

/// The i16 rows of a share and of Y with their bounds: whole tiles for crowded i8 tiles, single
/// scores for the others' unsure ones.
struct Fine {
    x: UnitRowsI16,
    y: UnitRowsI16,
    /// Both, row-major ([`UnitRowsI16::row_major`]).
    x_rows: Vec<i16>,
    y_rows: Vec<i16>,
    bounds: Bounds,
    /// The i16 bound with the comparisons' slack, rounded up.
    eps: f32,
}

impl Fine {
    fn new(share: MatView<'_>, y: MatView<'_>, diag: &[f64], first_row: usize) -> Self {
        let (x, y) = (UnitRowsI16::new(share), UnitRowsI16::new(y));
        let eps16 = x.eps_with(&y);
        Self {
            x_rows: x.row_major(),
            y_rows: y.row_major(),
            bounds: Bounds::new(diag, PairBound::constant(eps16, x.n(), y.n()), first_row),
            eps: f32_at_least(eps16 + PairBound::SLACK),
            x,
            y,
        }
    }

    /// The i16 score of X's row i (of the whole space) and Y's row j, and its bound.
    fn score(&self, i: usize, j: usize) -> (f32, f32) {
        let li = i - self.bounds.first_row();
        let t = (self.x).cos_pair_across(&self.x_rows, li, &self.y, &self.y_rows, j);
        (t, self.eps)
    }
}

/// Cosine tiles of unit rows of X (one share's rows) against those of Y.
enum Tiles {
    F32 { x: crate::Matrix, y: crate::Matrix },
    I16 { x: UnitRowsI16, y: UnitRowsI16 },
    I8 { x: UnitRowsI8, y: UnitRowsI8 },
}

impl Tiles {
    fn new(x: MatView<'_>, y: MatView<'_>, screen: Screen) -> Self {
        match screen {
            Screen::F32 => Tiles::F32 {
                x: normalized_rows(x),
                y: normalized_rows(y),
            },
            Screen::I16 => Tiles::I16 {
                x: UnitRowsI16::new(x),
                y: UnitRowsI16::new(y),
            },
            Screen::I8 => {
                let (x, y) = UnitRowsI8::pair(x, y);
                Tiles::I8 { x, y }
            }
        }
    }

    /// A bound on |tile score − exact cosine| per pair (share row, column).
    fn bound(&self, d: usize) -> PairBound {
        match self {
            // f32 dot products of length d: |error| ≤ d·u·Σ|a||b|, doubled for the unit rows'
            // own rounding and for safety.
            Tiles::F32 { x, y } => {
                PairBound::constant(2.0 * (d as f64 + 8.0) * f64::from(f32::EPSILON), x.n, y.n)
            }
            Tiles::I16 { x, y } => PairBound::constant(x.eps_with(y), x.n(), y.n()),
            Tiles::I8 { x, y } => x.bound_with(y),
        }
    }

    /// Scores of (local) rows `r` of X against rows `c` of Y into `out`.
    fn tile(&self, r: std::ops::Range<usize>, c: std::ops::Range<usize>, out: &mut Vec<f32>) {
        match self {
            Tiles::F32 { x, y } => {
                let d = x.d;
                let (a, b) = (
                    &x.data[r.start * d..r.end * d],
                    &y.data[c.start * d..c.end * d],
                );
                dot_tile(a, r.len(), b, c.len(), d, out);
            }
            Tiles::I16 { x, y } => x.cos_tile(r, y, c, out),
            Tiles::I8 { x, y } => x.cos_tile(r, y, c, out),
        }
    }
}

/// Mean cosine between matching rows of two spaces of equal dims. O(N·D).
pub fn mean_row_cosine(x: MatView<'_>, y: MatView<'_>) -> Result<f64, CoreError> {
    if x.n() != y.n() || x.d() != y.d() || x.n() == 0 {
        return Err(CoreError::InvalidParameter(
            "matching-row cosine needs two non-empty spaces of the same shape".into(),
        ));
    }
    let total: f64 = (0..x.n())
        .map(|i| {
            let (a, b) = (x.row(i), y.row(i));
            let den = norm64(a) * norm64(b);
            if den > 0.0 {
                dot64(a, b) / den
            } else {
                0.0
            }
        })
        .sum();
    Ok(total / x.n() as f64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::Rng;

    fn brute(x: &[f32], y: &[f32], n: usize, d: usize) -> (Vec<u32>, Vec<u32>) {
        let vx = MatView::new(x, n, d).unwrap();
        let vy = MatView::new(y, n, d).unwrap();
        let (nx, ny): (Vec<f64>, Vec<f64>) = (0..n)
            .map(|i| (norm64(vx.row(i)), norm64(vy.row(i))))
            .unzip();
        let cos = |i: usize, j: usize| dot64(vx.row(i), vy.row(j)) / (nx[i] * ny[j]);
        let diag: Vec<f64> = (0..n).map(|i| cos(i, i)).collect();
        let xb = (0..n)
            .map(|i| (0..n).filter(|&j| cos(i, j) > diag[i]).count() as u32)
            .collect();
        let yb = (0..n)
            .map(|j| (0..n).filter(|&i| cos(i, j) > diag[j]).count() as u32)
            .collect();
        (xb, yb)
    }

    /// `retrieval(x, y)`, asserted to give the brute force's counts in both directions.
    fn equals_brute_force(x: &[f32], y: &[f32], n: usize, d: usize) -> Retrieval {
        let got = retrieval(
            MatView::new(x, n, d).unwrap(),
            MatView::new(y, n, d).unwrap(),
        )
        .unwrap();
        let (xb, yb) = brute(x, y, n, d);
        assert_eq!(got.x_better, xb);
        assert_eq!(got.y_better, yb);
        for screen in [Screen::F32, Screen::I16, Screen::I8] {
            let (vx, vy) = (
                MatView::new(x, n, d).unwrap(),
                MatView::new(y, n, d).unwrap(),
            );
            let (sxb, syb) = retrieval_counts_with(vx, vy, 0..n, screen).unwrap();
            assert_eq!((sxb, syb), (xb.clone(), yb.clone()), "{screen:?}");
            // One way (X → Y): the same counts of X's rows, in two shares too.
            let one_way = screened(vx, vy, 0..n, screen, false).unwrap();
            assert_eq!(one_way.x_better, xb, "{screen:?}, one way");
            assert!(one_way.y_better.is_empty());
            let mut halves = screened(vx, vy, 0..n / 3, screen, false).unwrap().x_better;
            halves.extend(screened(vx, vy, n / 3..n, screen, false).unwrap().x_better);
            assert_eq!(halves, xb, "{screen:?}, one way in shares");
        }
        let scores = retrieval_x_to_y(
            MatView::new(x, n, d).unwrap(),
            MatView::new(y, n, d).unwrap(),
        );
        assert_eq!(scores.unwrap(), got.x_to_y);
        got
    }

    #[test]
    fn shares_of_the_rows_give_the_same_ranks() {
        let mut r = crate::rng::Rng::new(21);
        let (n, d) = (1300, 6);
        let x: Vec<f32> = (0..n * d).map(|_| r.normal() as f32).collect();
        let y: Vec<f32> = x.iter().map(|&v| v + 0.8 * r.normal() as f32).collect();
        let (vx, vy) = (
            MatView::new(&x, n, d).unwrap(),
            MatView::new(&y, n, d).unwrap(),
        );
        let whole = retrieval(vx, vy).unwrap();
        let (mut xb, mut yb) = (Vec::new(), vec![0u32; n]);
        for (r0, r1) in [(0, 700), (700, 701), (701, n)] {
            let (a, b) = retrieval_counts(vx, vy, r0..r1).unwrap();
            xb.extend(a);
            yb.iter_mut().zip(b).for_each(|(t, v)| *t += v);
        }
        assert_eq!(Retrieval::from_counts(xb, yb), whole);
        assert!(retrieval_counts(vx, vy, 5..n + 1).is_err());
    }

    #[test]
    fn matches_brute_force() {
        let (n, d) = (600, 6);
        let mut r = Rng::new(4);
        let x: Vec<f32> = (0..n * d).map(|_| r.normal() as f32).collect();
        let y: Vec<f32> = x.iter().map(|&v| v + 0.8 * r.normal() as f32).collect();
        let got = equals_brute_force(&x, &y, n, d);
        assert!(got.x_to_y.top1 > 0.1 && got.x_to_y.top1 <= got.x_to_y.top5);
    }

    #[test]
    fn near_ties_are_settled_exactly_across_tiles() {
        // Groups of four rows a few 1e-4 apart: their cosines differ by ~1e-7, inside the f32
        // error bound (~3e-6 at d = 5) but far above f64 rounding, so the f64 check decides.
        let (n, d) = (1100, 5);
        let mut r = Rng::new(8);
        let base: Vec<f32> = (0..(n / 4 + 1) * d).map(|_| r.normal() as f32).collect();
        let x: Vec<f32> = (0..n * d)
            .map(|e| base[(e / d / 4) * d + e % d] + 3e-4 * r.normal() as f32)
            .collect();
        let y: Vec<f32> = x.iter().map(|&v| v + 3e-4 * r.normal() as f32).collect();
        let xb = equals_brute_force(&x, &y, n, d).x_better;
        assert!(xb.iter().any(|&b| b > 0) && xb.contains(&0));
    }

    #[test]
    fn near_ties_within_the_i16_bound_are_settled_exactly() {
        // 64 dims, groups of four rows 1e-3 apart: cosines within a group differ by ~1e-6,
        // far inside the i16 tiles' bound (~1e-4), so the f64 check decides every one.
        let (n, d) = (800, 64);
        let mut r = Rng::new(17);
        let base: Vec<f32> = (0..(n / 4 + 1) * d)
            .map(|_| r.normal() as f32 + 0.2)
            .collect();
        let x: Vec<f32> = (0..n * d)
            .map(|e| base[(e / d / 4) * d + e % d] + 1e-3 * r.normal() as f32)
            .collect();
        let y: Vec<f32> = x.iter().map(|&v| v + 2e-3 * r.normal() as f32).collect();
        let xb = equals_brute_force(&x, &y, n, d).x_better;
        assert!(xb.iter().any(|&b| b > 0) && xb.contains(&0));
    }

    /// Retrieval with the i8 screen, asserted equal to the brute force; (i8 tiles, crowded).
    fn i8_equals_brute_force(x: &[f32], y: &[f32], n: usize, d: usize) -> (usize, usize) {
        let (vx, vy) = (
            MatView::new(x, n, d).unwrap(),
            MatView::new(y, n, d).unwrap(),
        );
        let s = screened(vx, vy, 0..n, Screen::I8, true).unwrap();
        let (xb, yb) = brute(x, y, n, d);
        assert_eq!(
            screened(vx, vy, 0..n, Screen::I8, false).unwrap().x_better,
            xb
        );
        assert_eq!((s.x_better, s.y_better), (xb, yb));
        (s.i8_tiles, s.crowded)
    }

    #[test]
    fn the_i8_screen_counts_exactly_and_recomputes_only_crowded_tiles() {
        let mut r = Rng::new(31);
        let (n, d) = (1030, 24);
        // The bench's kind of pair (a decaying spectrum, Y = X + noise): some scores of each
        // tile fall inside their i8 bound and are settled one by one, few enough that every
        // i8 tile is used as it is.
        let x: Vec<f32> = (0..n * d)
            .map(|e| (r.normal() / (1.0 + (e % d) as f64 / 8.0)) as f32 + 0.1)
            .collect();
        let y: Vec<f32> = x.iter().map(|&v| v + 0.5 * r.normal() as f32).collect();
        assert_eq!(i8_equals_brute_force(&x, &y, n, d), (9, 0));
        // Unrelated spaces of 256 dims: scores spread by ~1/16, about the i8 bound, and
        // matches no closer than the rest, so a large share of every tile's scores sit inside
        // the bound of their match: the first tiles are crowded, recomputed from i16 rows, and
        // the screen stops trying i8 after four.
        let d = 256;
        let x: Vec<f32> = (0..n * d).map(|_| r.normal() as f32).collect();
        let y: Vec<f32> = (0..n * d).map(|_| r.normal() as f32).collect();
        assert_eq!(i8_equals_brute_force(&x, &y, n, d), (4, 4));
    }

    #[test]
    fn rows_sharing_a_direction_keep_their_i8_tiles() {
        // Every row near one direction (like uncentred relative representations), matches a
        // little closer than the rest. With one bound for every pair, 3 of the first 4 tiles
        // were crowded and the screen gave up on i8; with the shared direction split off and
        // bounds per pair, none is.
        let mut r = Rng::new(32);
        let (n, d) = (1030, 48);
        let shared: Vec<f64> = (0..d).map(|_| r.normal()).collect();
        let x: Vec<f32> = (0..n * d)
            .map(|e| (shared[e % d] + 0.2 * r.normal()) as f32)
            .collect();
        let y: Vec<f32> = x.iter().map(|&v| v + 0.15 * r.normal() as f32).collect();
        assert_eq!(i8_equals_brute_force(&x, &y, n, d), (9, 0));
    }

    #[test]
    fn rows_too_deep_for_i8_sums_use_the_i16_screen() {
        // Constant rows quantise to the largest levels: at this depth i8 sums would pass 2³¹
        // (the portable kernel's checked adds would panic in a debug build).
        let (n, d) = (9, 140_000);
        let mut x = vec![1.0f32; n * d];
        x[0] = -1.0;
        let y: Vec<f32> = x.iter().rev().copied().collect();
        let (vx, vy) = (
            MatView::new(&x, n, d).unwrap(),
            MatView::new(&y, n, d).unwrap(),
        );
        let s = screened(vx, vy, 0..n, Screen::I8, true).unwrap();
        assert_eq!(s.i8_tiles, 0);
        assert_eq!((s.x_better, s.y_better), brute(&x, &y, n, d));
    }

    #[test]
    fn identical_spaces_retrieve_perfectly() {
        let mut r = Rng::new(5);
        let x: Vec<f32> = (0..40 * 3).map(|_| r.normal() as f32).collect();
        let v = MatView::new(&x, 40, 3).unwrap();
        let got = retrieval(v, v).unwrap();
        assert_eq!(got.x_to_y.mrr, 1.0);
        assert_eq!(got.y_to_x.top1, 1.0);
    }
}
