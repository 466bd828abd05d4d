//! kNN in shares: [`knn_candidates`] scores a range of tiles (one worker's share), [`knn_join`]
//! joins the shares' lists, [`knn_settle`] re-scores a range of rows' joined lists exactly (also
//! in shares: each needs only its rows' lists); `knn_merge` is join + settle of every row.

use std::ops::Range;

use super::select::{finish, Best, Scorer};
use super::{checked_k, knn_tiles, scan, Metric, Neighbors};
use crate::error::CoreError;
use crate::kernels::quant::Screen;
use crate::matrix::MatView;

/// Every row's candidate list from the score tiles `tiles` only (of `0..knn_tiles(N)`): one
/// worker's share of `knn`. Rows × cap (score, index) pairs; index `u32::MAX` marks an empty slot.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidates {
    cap: usize,
    scores: Vec<f32>,
    indices: Vec<u32>,
    /// The i16 tiles' bound, when this worker computed them (not sent: every share's is the
    /// same, and a merge holding one need not quantise the rows again).
    quant_eps: Option<f64>,
}

impl Candidates {
    /// Every row's list (`best`, one per row) in slots of `cap`; empty slots score −∞ with
    /// index `u32::MAX`.
    fn of_lists(best: &[Best], cap: usize, quant_eps: Option<f64>) -> Self {
        let mut scores = vec![f32::NEG_INFINITY; best.len() * cap];
        let mut indices = vec![u32::MAX; best.len() * cap];
        for (i, b) in best.iter().enumerate() {
            for (slot, &(s, j)) in b.items.iter().enumerate() {
                scores[i * cap + slot] = s;
                indices[i * cap + slot] = j;
            }
        }
        Self {
            cap,
            scores,
            indices,
            quant_eps,
        }
    }

    /// (cap, scores, indices), rows × cap each, for a trip to another worker.
    pub fn into_parts(self) -> (usize, Vec<f32>, Vec<u32>) {
        (self.cap, self.scores, self.indices)
    }

    /// Slots per row: k + max(k/2, 5), at most N − 1 (`checked_k`).
    pub fn cap(&self) -> usize {
        self.cap
    }

    /// Candidates back from their parts (shapes are checked by `knn_merge`).
    pub fn from_parts(cap: usize, scores: Vec<f32>, indices: Vec<u32>) -> Self {
        Self {
            cap,
            scores,
            indices,
            quant_eps: None,
        }
    }

    /// The (scores, indices) of every list, rows × cap each.
    pub fn lists(&self) -> (&[f32], &[u32]) {
        (&self.scores, &self.indices)
    }

    /// The lists of rows `rows` (for [`knn_settle`]), with the i16 bound.
    pub fn rows(&self, rows: Range<usize>) -> Self {
        let span = rows.start * self.cap..rows.end * self.cap;
        Self {
            cap: self.cap,
            scores: self.scores[span.clone()].to_vec(),
            indices: self.indices[span].to_vec(),
            quant_eps: self.quant_eps,
        }
    }

    /// The i16 tiles' bound, when the worker that made these computed them.
    pub fn quant_eps(&self) -> Option<f64> {
        self.quant_eps
    }

    /// These lists with the i16 tiles' bound `eps` (as [`Self::quant_eps`] gave it where they
    /// were made): a settle need not quantise the rows again.
    pub fn with_quant_eps(mut self, eps: Option<f64>) -> Self {
        self.quant_eps = eps;
        self
    }
}

/// One share of [`knn`]: the candidates from score tiles `tiles`. O(|tiles|·TILE²·D).
pub fn knn_candidates(
    x: MatView<'_>,
    k: usize,
    metric: Metric,
    tiles: Range<usize>,
) -> Result<Candidates, CoreError> {
    candidates_with(x, k, metric, tiles, Screen::DEFAULT)
}

/// [`knn_candidates`] with the tiles of `screen` (the merge must use the same).
pub(crate) fn candidates_with(
    x: MatView<'_>,
    k: usize,
    metric: Metric,
    tiles: Range<usize>,
    screen: Screen,
) -> Result<Candidates, CoreError> {
    let (_, cap) = checked_k(x.n(), k)?;
    if tiles.end > knn_tiles(x.n()) || tiles.start > tiles.end {
        return Err(CoreError::InvalidParameter(format!(
            "tiles {tiles:?} out of 0..{}",
            knn_tiles(x.n())
        )));
    }
    let scorer = Scorer::new(x, metric, screen);
    let best = scan(&scorer, cap, tiles);
    Ok(Candidates::of_lists(&best, cap, scorer.quant_eps()))
}

/// [`knn`] from the candidates of shares that together cover every tile once: the same result.
/// O(N·cap·(parts + D)) plus an exact re-scan of any row the candidates cannot settle.
#[cfg(test)]
pub(crate) fn knn_merge(
    x: MatView<'_>,
    k: usize,
    metric: Metric,
    parts: &[Candidates],
) -> Result<Neighbors, CoreError> {
    knn_merge_with(x, k, metric, parts, Screen::DEFAULT)
}

/// `knn_merge` of candidates from tiles of `screen` (its error bound decides the exact pass).
#[cfg(test)]
pub(crate) fn knn_merge_with(
    x: MatView<'_>,
    k: usize,
    metric: Metric,
    parts: &[Candidates],
    screen: Screen,
) -> Result<Neighbors, CoreError> {
    let joined = knn_join(x.n(), k, parts)?;
    settle_with(x, k, metric, &joined, 0..x.n(), screen)
}

/// The candidate lists of shares that together cover every tile once, joined: each row's best
/// `cap` of them, as one pass over every tile would keep. Errs on lists of another shape or with
/// an index out of range. O(N·cap·parts).
pub fn knn_join(n: usize, k: usize, parts: &[Candidates]) -> Result<Candidates, CoreError> {
    let (_, cap) = checked_k(n, k)?;
    let mut best = vec![Best::new(cap); n];
    for p in parts {
        if p.cap != cap || p.scores.len() != n * cap || p.indices.len() != n * cap {
            return Err(CoreError::InvalidParameter(format!(
                "candidates of {} values (cap {}) for {n} rows with cap {cap}",
                p.indices.len(),
                p.cap
            )));
        }
        offer_lists(&mut best, p, 0, n)?;
    }
    let quant_eps = parts.iter().find_map(|p| p.quant_eps);
    Ok(Candidates::of_lists(&best, cap, quant_eps))
}

/// Offer the lists of `c` (rows `first..`) to `best` (one per row of `c`).
fn offer_lists(best: &mut [Best], c: &Candidates, first: usize, n: usize) -> Result<(), CoreError> {
    let cap = c.cap;
    for (r, b) in best.iter_mut().enumerate() {
        let i = first + r;
        let row = r * cap..(r + 1) * cap;
        for (&s, &j) in c.scores[row.clone()].iter().zip(&c.indices[row]) {
            if j == u32::MAX {
                continue;
            }
            if j as usize >= n || j as usize == i {
                return Err(CoreError::InvalidParameter(format!(
                    "candidate {j} of row {i} is out of range (N = {n})"
                )));
            }
            b.offer(s, j);
        }
    }
    Ok(())
}

/// The neighbours of rows `rows` from their joined lists (`lists`: those rows' lists only, cut
/// from [`knn_join`]'s by [`Candidates::rows`]): each list re-scored exactly, a row its list
/// cannot settle scanned exactly — the same rows as `knn_merge`'s. O(|rows|·cap·D) plus those
/// scans (O(N·D) each) and the rows' norms (O(N·D)).
pub fn knn_settle(
    x: MatView<'_>,
    k: usize,
    metric: Metric,
    lists: &Candidates,
    rows: Range<usize>,
) -> Result<Neighbors, CoreError> {
    settle_with(x, k, metric, lists, rows, Screen::DEFAULT)
}

pub(super) fn settle_with(
    x: MatView<'_>,
    k: usize,
    metric: Metric,
    lists: &Candidates,
    rows: Range<usize>,
    screen: Screen,
) -> Result<Neighbors, CoreError> {
    let n = x.n();
    let (k, cap) = checked_k(n, k)?;
    let m = rows.len();
    if rows.end > n
        || lists.cap != cap
        || lists.scores.len() != m * cap
        || lists.indices.len() != m * cap
    {
        return Err(CoreError::InvalidParameter(format!(
            "lists of {} values (cap {}) for rows {rows:?} of {n} with cap {cap}",
            lists.indices.len(),
            lists.cap
        )));
    }
    // The lists as the join held them: the same candidates give the same floor.
    let mut best = vec![Best::new(cap); m];
    offer_lists(&mut best, lists, rows.start, n)?;
    let scorer = match lists.quant_eps {
        Some(eps) => Scorer::for_exact(x, metric, screen, eps),
        None => Scorer::new(x, metric, screen),
    };
    Ok(finish(&scorer, best, k, rows))
}
