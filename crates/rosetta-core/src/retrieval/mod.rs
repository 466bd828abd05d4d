//! Retrieval across two spaces of the same items: query row i of X among all rows of Y by cosine;
//! `rank_i = 1 + #{j : s(i, j) > s(i, i)}`. Both directions come from one pass over the tiles.

use crate::error::CoreError;
use crate::linalg::{dot64, dot_tile, inverse_norms, norm64, normalized_rows};
use crate::matrix::MatView;
use crate::quant::{Screen, UnitRowsI16};
use crate::quant_i8::{f32_at_least, Normed, PairBound, UnitRowsI8};

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
    let s = screened(x, y, rows, screen, true, FINE_AFTER)?;
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
    Ok(screened(x, y, rows, Screen::RETRIEVAL, false, FINE_AFTER)?.x_better)
}

/// [`retrieval_counts_with`], with how its i8 tiles went; Y → X is counted only when `both`.
/// The i16 rows of a share's i8 tiles are made once `fine_after` unsure scores per row
/// quantised were settled in f64 alone ([`FINE_AFTER`] in use; the counts are the same whatever
/// it is, which the tests check).
fn screened(
    x: MatView<'_>,
    y: MatView<'_>,
    rows: std::ops::Range<usize>,
    screen: Screen,
    both: bool,
    fine_after: usize,
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
    let (ix, iy) = (inverse_norms(x), inverse_norms(y));
    let normed_share = (share, &ix[rows.clone()]);
    let tiles = Tiles::new(normed_share, (y, &iy), screen);
    let exact = |i: usize, j: usize| dot64(x.row(i), y.row(j)) * ix[i] * iy[j];
    let diag: Vec<f64> = (0..n).map(|i| exact(i, i)).collect();
    let bounds = Bounds::new(&diag, tiles.bound(x.d()), rows.start);
    let mut counts = Counts {
        rows: rows.clone(),
        x_better: vec![0u32; rows.len()],
        y_better: if both { vec![0u32; n] } else { Vec::new() },
    };
    // I8 only: the i16 rows and their bounds, made once the unsure scores settled in f64 alone
    // would have cost about as much as making them (see `FINE_AFTER`), or a tile is crowded.
    let mut fine: Option<Fine> = None;
    let make_fine = || Fine::new(normed_share, (y, &iy), &diag, rows.start);
    let f64_alone_up_to = (share.n() + n) * fine_after;
    let is_i8 = matches!(tiles, Tiles::I8 { .. });
    let (mut tried, mut crowded, mut unsure) = (0usize, 0usize, 0usize);
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
                let tile_unsure = scan.tile(&tile, r0..r1, c0..c1, &bounds, both);
                if tile_unsure <= (r1 - r0) * (c1 - c0) / CROWDED {
                    unsure += tile_unsure;
                    if fine.is_none() && unsure <= f64_alone_up_to {
                        counts.add(&scan, &tile, &bounds, &diag, &exact, None);
                        continue;
                    }
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
        unsure,
        fine: fine.is_some(),
    })
}

/// The counts of a share and how its i8 tiles went (0, 0, 0 and false for another screen).
struct Screened {
    x_better: Vec<u32>,
    y_better: Vec<u32>,
    /// i8 tiles computed, and how many of them were computed again from i16 rows.
    #[cfg_attr(not(test), allow(dead_code))] // reason: read by the tests only
    i8_tiles: usize,
    #[cfg_attr(not(test), allow(dead_code))] // reason: as `i8_tiles`
    crowded: usize,
    /// Unsure scores of the i8 tiles kept, and whether i16 rows were made.
    #[cfg_attr(not(test), allow(dead_code))] // reason: as `i8_tiles`
    unsure: usize,
    #[cfg_attr(not(test), allow(dead_code))] // reason: as `i8_tiles`
    fine: bool,
}

/// An i8 tile is computed again as an i16 tile when more than 1/CROWDED of its scores fall inside
/// their bound: a single i16 score costs about four times an i16 tile's per score, which costs
/// twice an i8 tile's (an f64 re-check, ~50 times an i16 tile's, is left for the few scores the
/// i16 one does not settle).
const CROWDED: usize = 8;

/// Unsure scores of an i8 share settled in f64 alone (~70 ns each in the tab) before its i16 rows
/// are made, per row quantised (~1.2 µs each, the share's and Y's; an i16 score costs ~20 ns):
/// a retrieval of absolute or aligned rows leaves too few unsure scores to pay for the i16 rows
/// (~0.01 % of the pairs on the bench's data), one of relative rows many (~3 %).
const FINE_AFTER: usize = 16;

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
    fn new(share: Normed<'_>, y: Normed<'_>, diag: &[f64], first_row: usize) -> Self {
        let (x, y) = (
            UnitRowsI16::with_norms(share.0, share.1),
            UnitRowsI16::with_norms(y.0, y.1),
        );
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
    fn new(x: Normed<'_>, y: Normed<'_>, screen: Screen) -> Self {
        match screen {
            Screen::F32 => Tiles::F32 {
                x: normalized_rows(x.0),
                y: normalized_rows(y.0),
            },
            Screen::I16 => Tiles::I16 {
                x: UnitRowsI16::with_norms(x.0, x.1),
                y: UnitRowsI16::with_norms(y.0, y.1),
            },
            Screen::I8 => {
                let (x, y) = UnitRowsI8::pair_with_norms(x, y);
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
mod tests;
