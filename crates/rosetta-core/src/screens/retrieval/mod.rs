//! Retrieval across two spaces of the same items: query row i of X among all rows of Y by cosine;
//! `rank_i = 1 + #{j : s(i, j) > s(i, i)}`. Both directions come from one pass over the tiles.

use crate::error::CoreError;
use crate::kernels::linalg::{dot64, dot_tile, inverse_norms, norm64, normalized_rows};
use crate::kernels::quant::{Screen, UnitRowsI16};
use crate::matrix::MatView;

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
/// [`crate::quant`]) within their error bound of the true match's score are re-checked in f64.
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
    retrieval_counts_with(x, y, rows, Screen::DEFAULT)
}

/// [`retrieval_counts`] from the tiles of `screen` (the same counts).
pub(crate) fn retrieval_counts_with(
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
    Ok(screened(x, y, rows, Screen::DEFAULT, false)?.x_better)
}

/// [`retrieval_counts_with`]; Y → X is counted only when `both` (its counts are then empty).
fn screened(
    x: MatView<'_>,
    y: MatView<'_>,
    rows: std::ops::Range<usize>,
    screen: Screen,
    both: bool,
) -> Result<Counts, CoreError> {
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
    let share = x.rows(rows.start, rows.end);
    let (ix, iy) = (inverse_norms(x), inverse_norms(y));
    let tiles = Tiles::new((share, &ix[rows.clone()]), (y, &iy), screen);
    let exact = |i: usize, j: usize| dot64(x.row(i), y.row(j)) * ix[i] * iy[j];
    let diag: Vec<f64> = (0..n).map(|i| exact(i, i)).collect();
    let bounds = Bounds::new(&diag, tiles.bound(x.d()));
    let mut counts = Counts {
        rows: rows.clone(),
        x_better: vec![0u32; rows.len()],
        y_better: if both { vec![0u32; n] } else { Vec::new() },
    };
    let (mut tile, mut scan) = (Vec::new(), Scan::default());
    for r0 in rows.clone().step_by(TILE) {
        let r1 = (r0 + TILE).min(rows.end);
        let local = r0 - rows.start..r1 - rows.start;
        for c0 in (0..n).step_by(TILE) {
            let c1 = (c0 + TILE).min(n);
            tiles.tile(local.clone(), c0..c1, &mut tile);
            scan.tile(&tile, r0..r1, c0..c1, &bounds, both);
            counts.add(&scan, &tile, &bounds, &diag, &exact);
        }
    }
    Ok(counts)
}

/// A share's rows and Y's, with their inverse norms ([`inverse_norms`]).
type Normed<'a> = (MatView<'a>, &'a [f64]);

/// Cosine tiles of unit rows of X (one share's rows) against those of Y.
enum Tiles {
    F32 { x: crate::Matrix, y: crate::Matrix },
    I16 { x: UnitRowsI16, y: UnitRowsI16 },
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
        }
    }

    /// A bound on |tile score − exact cosine|, the same for every pair.
    fn bound(&self, d: usize) -> f64 {
        match self {
            // f32 dot products of length d: |error| ≤ d·u·Σ|a||b|, doubled for the unit rows'
            // own rounding and for safety.
            Tiles::F32 { .. } => 2.0 * (d as f64 + 8.0) * f64::from(f32::EPSILON),
            Tiles::I16 { x, y } => x.eps_with(y),
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
