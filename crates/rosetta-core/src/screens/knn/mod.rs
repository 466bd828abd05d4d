//! Exact k nearest neighbours without an N×N matrix.
//!
//! Scores come from GEMM tiles (vectorised: f32, or for cosine in the tab i16 with a proven error
//! bound, [`crate::quant`]); each row keeps its best k + max(k/2, 5) candidates, which are then
//! re-scored in f64 from the original vectors. A row whose candidate list cannot prove that
//! nothing outside it beats the k-th (the tiles' error bound says it might) is re-scanned exactly,
//! so the result equals an f64 brute force, ties broken by the lower index.

use crate::error::CoreError;
use crate::kernels::linalg::dot_tile;
use crate::kernels::quant::Screen;
use crate::matrix::MatView;

mod select;
mod shares;
#[cfg(test)]
use select::sort_best_first;
use select::{exact_row, finish, Best, Scorer};
#[cfg(test)]
use shares::{candidates_with, knn_merge, knn_merge_with, settle_with};
pub use shares::{knn_candidates, knn_join, knn_settle, Candidates};

/// How neighbours are ranked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum Metric {
    /// Largest cosine similarity first.
    Cosine,
    /// Smallest Euclidean distance first.
    Euclidean,
}

impl Metric {
    pub fn parse(name: &str) -> Option<Self> {
        match name.to_ascii_lowercase().as_str() {
            "cosine" | "cos" => Some(Self::Cosine),
            "euclidean" | "l2" => Some(Self::Euclidean),
            _ => None,
        }
    }

    /// The name `parse` reads back.
    pub fn name(self) -> &'static str {
        match self {
            Self::Cosine => "cosine",
            Self::Euclidean => "euclidean",
        }
    }
}

/// The k nearest neighbours of each query row.
#[derive(Debug, Clone, PartialEq)]
pub struct Neighbors {
    pub k: usize,
    /// rows × k, best first.
    pub indices: Vec<u32>,
    /// Cosine similarity (Cosine) or distance (Euclidean), in the order of `indices`.
    pub scores: Vec<f64>,
}

impl Neighbors {
    pub fn rows(&self) -> usize {
        self.indices.len().checked_div(self.k).unwrap_or(0)
    }

    pub fn row(&self, i: usize) -> &[u32] {
        &self.indices[i * self.k..(i + 1) * self.k]
    }
}

/// Square tile edge: 512×512 f32 = 1 MB, small enough for cache-friendly selection.
const TILE: usize = 512;
/// Scores screened together: a chunk is walked one score at a time only when one of them beats
/// a floor. Short enough that most chunks of a row with a few hits are skipped.
const CHUNK: usize = 32;

/// The k nearest neighbours of every row of `x` among the other rows (the item itself excluded).
/// `k` is clamped to N − 1. O(N²·D) time (half of it, by symmetry), O(N·k + TILE²) memory.
pub fn knn(x: MatView<'_>, k: usize, metric: Metric) -> Result<Neighbors, CoreError> {
    knn_with(x, k, metric, Screen::DEFAULT)
}

/// [`knn`] with the tiles of `screen` (the same result; for tests and benchmarks: only speed
/// differs).
pub(crate) fn knn_with(
    x: MatView<'_>,
    k: usize,
    metric: Metric,
    screen: Screen,
) -> Result<Neighbors, CoreError> {
    let (k, cap) = checked_k(x.n(), k)?;
    let scorer = Scorer::new(x, metric, screen);
    let best = scan(&scorer, cap, 0..knn_tiles(x.n()));
    Ok(finish(&scorer, best, k, 0..x.n()))
}

/// The number of score tiles `knn` visits for N rows: the upper triangle of the N × N scores in
/// TILE × TILE squares. A pool splits them: [`knn_candidates`] on a range, [`knn_merge`] after.
pub fn knn_tiles(n: usize) -> usize {
    let b = n.div_ceil(TILE);
    b * (b + 1) / 2
}

/// Slots a candidate list holds beyond k: k/2, at least [`MIN_SPARE`]. The exact pass re-scans a
/// row whose list's floor is within the screen's bound of its k-th exact score (`exact_row`,
/// O(N·D)); on the bench's data (20,000 rows, its spaces and their relative representations,
/// i16 scores, k = 10) 4 spare slots left 18 such rows, 5 none. Fewer slots than 2k: each list
/// takes fewer candidates on its way to its best (fewer i16 re-scores and offers in the scan,
/// fewer exact re-scores after).
const MIN_SPARE: usize = 5;

/// (k clamped to N − 1, candidate-list length).
pub(super) fn checked_k(n: usize, k: usize) -> Result<(usize, usize), CoreError> {
    if n < 2 {
        return Err(CoreError::TooFewItems {
            needed: 2,
            found: n,
        });
    }
    if k == 0 {
        return Err(CoreError::InvalidParameter("k must be at least 1".into()));
    }
    let k = k.min(n - 1);
    Ok((k, (k + (k / 2).max(MIN_SPARE)).min(n - 1)))
}

/// Offer the scores of tiles `tiles` (upper triangle, row-major order) to every row's list.
/// Each tile row is screened in chunks, branch-free (it vectorises), against the lists' floors:
/// once the lists are full, few scores beat them, and only chunks with such a score are walked.
fn scan(scorer: &Scorer<'_>, cap: usize, tiles: std::ops::Range<usize>) -> Vec<Best> {
    let n = scorer.x.n();
    let mut lists = Lists {
        best: vec![Best::new(cap); n],
        floors: vec![f32::NEG_INFINITY; n],
        // Euclidean scores are 2a·b − ‖b‖² (f32, as `tile_score` computes them); cosine: a·b.
        norms: if scorer.metric == Metric::Euclidean {
            scorer.norm.iter().map(|&v| v as f32).collect()
        } else {
            Vec::new()
        },
    };
    let mut tile = Vec::new();
    let mut t = 0;
    for r0 in (0..n).step_by(TILE) {
        let r1 = (r0 + TILE).min(n);
        for c0 in (r0..n).step_by(TILE) {
            let here = tiles.contains(&t);
            t += 1;
            if !here {
                continue;
            }
            let c1 = (c0 + TILE).min(n);
            scorer.tile(r0..r1, c0..c1, &mut tile);
            lists.offer_tile(scorer, &tile, r0..r1, c0..c1);
        }
    }
    lists.best
}

/// Every row's candidate list during a scan.
struct Lists {
    best: Vec<Best>,
    /// best[j].floor, kept beside the lists so that a tile row reads its columns' floors in a run.
    floors: Vec<f32>,
    /// ‖x_j‖² in f32 (Euclidean only; empty for cosine).
    norms: Vec<f32>,
}

impl Lists {
    /// Offer one tile's scores (rows `r`, columns `c`; only j > i on the diagonal tile).
    /// Not inlined: V8 optimises a wasm function only from its next call on, so the scan's work
    /// must sit in a function called once per tile — inside the one long call of `scan` it would
    /// run in the baseline tier throughout (measured: 2.7× slower on a first kNN).
    #[inline(never)]
    fn offer_tile(
        &mut self,
        scorer: &Scorer<'_>,
        tile: &[f32],
        r: std::ops::Range<usize>,
        c: std::ops::Range<usize>,
    ) {
        let euclid = !self.norms.is_empty();
        let (best, floors, norms) = (&mut self.best, &mut self.floors, &self.norms);
        let w = c.len();
        for i in r.clone() {
            let start = first_col(i, &r, &c);
            let row = &tile[(i - r.start) * w + start..(i - r.start + 1) * w];
            let norm_i = if euclid { norms[i] } else { 0.0 };
            for (q, chunk) in row.chunks(CHUNK).enumerate() {
                let j0 = c.start + start + q * CHUNK;
                let cols = j0..j0 + chunk.len();
                // Screened against the current floors: a chunk with no score above them
                // offers nothing (the common case once the lists are full) and is skipped;
                // in the others only the scores above a floor are offered (floors only rise,
                // so a score below them now would change nothing later in the chunk either).
                let floor_i = best[i].floor;
                let mut hits = if euclid {
                    mask(
                        chunk
                            .iter()
                            .zip(&norms[cols.clone()])
                            .zip(&floors[cols.clone()])
                            .map(|((&dot, &nj), &fj)| {
                                (2.0 * dot - nj > floor_i) | (2.0 * dot - norm_i > fj)
                            }),
                    )
                } else {
                    mask(
                        chunk
                            .iter()
                            .zip(&floors[cols.clone()])
                            .map(|(&dot, &fj)| (dot > floor_i) | (dot > fj)),
                    )
                };
                while hits != 0 {
                    let k = hits.trailing_zeros() as usize;
                    hits &= hits - 1;
                    let (j, dot) = (j0 + k, chunk[k]);
                    best[i].offer(scorer.tile_score(dot, j), j as u32);
                    let s_ji = if euclid { 2.0 * dot - norm_i } else { dot };
                    if s_ji > floors[j] {
                        best[j].offer(s_ji, i as u32);
                        floors[j] = best[j].floor;
                    }
                }
            }
            floors[i] = best[i].floor;
        }
    }
}

/// The first column offset of row i in the tile r × c: only j > i, so past the diagonal on a
/// diagonal tile (its lower half is the upper half's mirror).
fn first_col(i: usize, r: &std::ops::Range<usize>, c: &std::ops::Range<usize>) -> usize {
    if c.start == r.start {
        i - r.start + 1
    } else {
        0
    }
}

/// Bit k set where the k-th of up to [`CHUNK`] conditions holds. Branch-free.
#[inline]
fn mask(conditions: impl Iterator<Item = bool>) -> u32 {
    conditions
        .enumerate()
        .fold(0u32, |m, (k, c)| m | (u32::from(c) << k))
}

/// The k nearest neighbours of the given rows of `x` among all rows (each query itself excluded).
/// For a click on a point: O(q·N·D).
pub fn knn_of(
    x: MatView<'_>,
    queries: &[usize],
    k: usize,
    metric: Metric,
) -> Result<Neighbors, CoreError> {
    let n = x.n();
    if let Some(&bad) = queries.iter().find(|&&q| q >= n) {
        return Err(CoreError::InvalidParameter(format!(
            "row {bad} is out of range (N = {n})"
        )));
    }
    if n < 2 || k == 0 {
        return Err(CoreError::InvalidParameter("needs N ≥ 2 and k ≥ 1".into()));
    }
    let k = k.min(n - 1);
    let d = x.d();
    // f32 tiles: a few query rows, and their rows are gathered below.
    let scorer = Scorer::new(x, metric, Screen::F32);
    let cap = (2 * k).min(n - 1);
    let mut best = vec![Best::new(cap); queries.len()];
    let q_rows: Vec<f32> = queries
        .iter()
        .flat_map(|&q| scorer.rows[q * d..(q + 1) * d].iter().copied())
        .collect();
    let mut tile = Vec::new();
    for c0 in (0..n).step_by(TILE) {
        let c1 = (c0 + TILE).min(n);
        dot_tile(
            &q_rows,
            queries.len(),
            &scorer.rows[c0 * d..c1 * d],
            c1 - c0,
            d,
            &mut tile,
        );
        let w = c1 - c0;
        for (qi, &q) in queries.iter().enumerate() {
            for (jj, &dot) in tile[qi * w..(qi + 1) * w].iter().enumerate() {
                let j = c0 + jj;
                if j != q {
                    best[qi].offer(scorer.tile_score(dot, j), j as u32);
                }
            }
        }
    }
    // Re-map the candidate lists onto the query rows for the exact pass.
    let mut out = Neighbors {
        k,
        indices: Vec::with_capacity(queries.len() * k),
        scores: Vec::with_capacity(queries.len() * k),
    };
    let max_norm = scorer.norm.iter().copied().fold(0.0, f64::max);
    for (qi, &q) in queries.iter().enumerate() {
        let (idx, sc) = exact_row(&scorer, q, &best[qi], k, max_norm);
        out.indices.extend(idx);
        out.scores.extend(sc);
    }
    Ok(out)
}

#[cfg(test)]
mod tests;
