//! Exact k nearest neighbours without an N×N matrix.
//!
//! Scores come from f32 GEMM tiles (vectorised); each row keeps its best 2k candidates, which are
//! then re-scored in f64 from the original vectors. A row whose candidate list cannot prove that
//! nothing outside it beats the k-th (the f32 error bound says it might) is re-scanned exactly, so the
//! result equals an f64 brute force, ties broken by the lower index.

use crate::error::CoreError;
use crate::linalg::{dot64, dot_tile, norm64, normalized_rows};
use crate::matrix::MatView;

/// How neighbours are ranked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Metric {
    /// Largest cosine similarity first.
    Cosine,
    /// Smallest Euclidean distance first.
    Euclidean,
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

/// The per-row candidate list: the best `cap` (score, index) pairs seen so far (f32 scores).
#[derive(Clone)]
struct Best {
    items: Vec<(f32, u32)>,
    cap: usize,
    /// Smallest score held once full; candidates must beat it.
    floor: f32,
}

impl Best {
    fn new(cap: usize) -> Self {
        Self {
            items: Vec::with_capacity(cap),
            cap,
            floor: f32::NEG_INFINITY,
        }
    }

    #[inline]
    fn offer(&mut self, score: f32, index: u32) {
        if self.items.len() < self.cap {
            self.items.push((score, index));
            if self.items.len() == self.cap {
                self.floor = self.min().1;
            }
        } else if score > self.floor {
            let (pos, _) = self.min();
            self.items[pos] = (score, index);
            self.floor = self.min().1;
        }
    }

    fn min(&self) -> (usize, f32) {
        let mut pos = 0;
        for (i, it) in self.items.iter().enumerate() {
            if it.0 < self.items[pos].0 {
                pos = i;
            }
        }
        (
            pos,
            self.items.get(pos).map_or(f32::NEG_INFINITY, |it| it.0),
        )
    }
}

/// Scores as "larger is better" in f32 (for tiles) and f64 (exact), for one metric.
struct Scorer<'a> {
    x: MatView<'a>,
    metric: Metric,
    /// f32 rows the tiles multiply: unit rows (cosine) or the raw rows (Euclidean).
    rows: Vec<f32>,
    /// Per row: 1/‖x‖ (cosine) or ‖x‖² (Euclidean), in f64.
    norm: Vec<f64>,
    /// Bound on |f32 tile score − exact score| per row pair, as a factor of per-row magnitudes.
    eps_unit: f64,
}

impl<'a> Scorer<'a> {
    fn new(x: MatView<'a>, metric: Metric) -> Self {
        let d = x.d();
        let (rows, norm) = match metric {
            Metric::Cosine => {
                let unit = normalized_rows(x);
                let inv = (0..x.n())
                    .map(|i| {
                        let n = norm64(x.row(i));
                        if n > 0.0 {
                            1.0 / n
                        } else {
                            0.0
                        }
                    })
                    .collect();
                (unit.data, inv)
            }
            Metric::Euclidean => (
                x.data().to_vec(),
                (0..x.n()).map(|i| dot64(x.row(i), x.row(i))).collect(),
            ),
        };
        // f32 dot products of length d: |error| ≤ d·u·Σ|a||b| with u = 2⁻²⁴; doubled for safety,
        // plus the rounding of unit rows to f32.
        let eps_unit = (d as f64 + 8.0) * f64::from(f32::EPSILON);
        Self {
            x,
            metric,
            rows,
            norm,
            eps_unit,
        }
    }

    /// Tile value → comparable f32 score for column j.
    #[inline]
    fn tile_score(&self, dot: f32, j: usize) -> f32 {
        match self.metric {
            Metric::Cosine => dot,
            Metric::Euclidean => 2.0 * dot - self.norm[j] as f32,
        }
    }

    /// How far a tile score of row i may be from the exact one (same units as `tile_score`).
    fn eps(&self, i: usize, max_norm: f64) -> f64 {
        match self.metric {
            Metric::Cosine => self.eps_unit * 2.0,
            Metric::Euclidean => self.eps_unit * 4.0 * (self.norm[i] + max_norm) + 1e-30,
        }
    }

    /// Exact score (larger is better) in the same units as `tile_score`.
    fn exact(&self, i: usize, j: usize) -> f64 {
        let (a, b) = (self.x.row(i), self.x.row(j));
        match self.metric {
            Metric::Cosine => dot64(a, b) * self.norm[i] * self.norm[j],
            Metric::Euclidean => {
                let d2: f64 = a
                    .iter()
                    .zip(b)
                    .map(|(&p, &q)| {
                        let t = f64::from(p) - f64::from(q);
                        t * t
                    })
                    .sum();
                // −‖a−b‖² + ‖a‖², the same ordering as 2a·b − ‖b‖².
                self.norm[i] - d2
            }
        }
    }

    /// The score reported to the user: cosine, or the Euclidean distance.
    fn reported(&self, i: usize, exact: f64) -> f64 {
        match self.metric {
            Metric::Cosine => exact,
            Metric::Euclidean => (self.norm[i] - exact).max(0.0).sqrt(),
        }
    }
}

/// The k nearest neighbours of every row of `x` among the other rows (the item itself excluded).
/// `k` is clamped to N − 1. O(N²·D) time (half of it, by symmetry), O(N·k + TILE²) memory.
pub fn knn(x: MatView<'_>, k: usize, metric: Metric) -> Result<Neighbors, CoreError> {
    let n = x.n();
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
    let d = x.d();
    let scorer = Scorer::new(x, metric);
    let cap = (2 * k).min(n - 1);
    let mut best = vec![Best::new(cap); n];
    let mut tile = Vec::new();
    for r0 in (0..n).step_by(TILE) {
        let r1 = (r0 + TILE).min(n);
        for c0 in (r0..n).step_by(TILE) {
            let c1 = (c0 + TILE).min(n);
            dot_tile(
                &scorer.rows[r0 * d..r1 * d],
                r1 - r0,
                &scorer.rows[c0 * d..c1 * d],
                c1 - c0,
                d,
                &mut tile,
            );
            let w = c1 - c0;
            for i in r0..r1 {
                let t = &tile[(i - r0) * w..(i - r0 + 1) * w];
                for (jj, &dot) in t.iter().enumerate() {
                    let j = c0 + jj;
                    if j == i || (c0 == r0 && j < i) {
                        continue;
                    }
                    best[i].offer(scorer.tile_score(dot, j), j as u32);
                    if c0 != r0 || j > i {
                        let s_ji = match metric {
                            Metric::Cosine => dot,
                            Metric::Euclidean => 2.0 * dot - scorer.norm[i] as f32,
                        };
                        best[j].offer(s_ji, i as u32);
                    }
                }
            }
        }
    }
    Ok(finish(&scorer, best, k, 0..n))
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
    let scorer = Scorer::new(x, metric);
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

fn finish(
    scorer: &Scorer<'_>,
    best: Vec<Best>,
    k: usize,
    rows: std::ops::Range<usize>,
) -> Neighbors {
    let max_norm = scorer.norm.iter().copied().fold(0.0, f64::max);
    let mut out = Neighbors {
        k,
        indices: Vec::with_capacity(rows.len() * k),
        scores: Vec::with_capacity(rows.len() * k),
    };
    for (i, b) in rows.zip(&best) {
        let (idx, sc) = exact_row(scorer, i, b, k, max_norm);
        out.indices.extend(idx);
        out.scores.extend(sc);
    }
    out
}

/// Re-score row i's candidates exactly; fall back to an exact scan when the list cannot prove
/// that nothing outside it beats the k-th.
fn exact_row(
    scorer: &Scorer<'_>,
    i: usize,
    b: &Best,
    k: usize,
    max_norm: f64,
) -> (Vec<u32>, Vec<f64>) {
    let mut cand: Vec<(f64, u32)> = b
        .items
        .iter()
        .map(|&(_, j)| (scorer.exact(i, j as usize), j))
        .collect();
    sort_best_first(&mut cand);
    let n = scorer.x.n();
    let complete = b.items.len() >= n - 1;
    let kth = cand.get(k - 1).map_or(f64::NEG_INFINITY, |c| c.0);
    let floor = f64::from(b.floor);
    if !complete && floor + scorer.eps(i, max_norm) >= kth {
        cand = (0..n)
            .filter(|&j| j != i)
            .map(|j| (scorer.exact(i, j), j as u32))
            .collect();
        sort_best_first(&mut cand);
    }
    cand.truncate(k);
    let idx = cand.iter().map(|c| c.1).collect();
    let sc = cand.iter().map(|c| scorer.reported(i, c.0)).collect();
    (idx, sc)
}

fn sort_best_first(c: &mut [(f64, u32)]) {
    c.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::Rng;

    fn brute(x: &[f32], n: usize, d: usize, k: usize, metric: Metric) -> Vec<u32> {
        let v = MatView::new(x, n, d).unwrap();
        let s = Scorer::new(v, metric);
        let mut out = Vec::new();
        for i in 0..n {
            let mut c: Vec<(f64, u32)> = (0..n)
                .filter(|&j| j != i)
                .map(|j| (s.exact(i, j), j as u32))
                .collect();
            sort_best_first(&mut c);
            out.extend(c[..k].iter().map(|c| c.1));
        }
        out
    }

    fn data(n: usize, d: usize, seed: u64) -> Vec<f32> {
        let mut r = Rng::new(seed);
        (0..n * d).map(|_| r.normal() as f32).collect()
    }

    #[test]
    fn matches_brute_force_across_tiles() {
        let (n, d, k) = (1100, 9, 7);
        let x = data(n, d, 5);
        for metric in [Metric::Cosine, Metric::Euclidean] {
            let got = knn(MatView::new(&x, n, d).unwrap(), k, metric).unwrap();
            assert_eq!(got.indices, brute(&x, n, d, k, metric), "{metric:?}");
        }
    }

    #[test]
    fn ties_break_by_lower_index() {
        // Rows 1, 2, 3 are identical: the neighbours of row 0 among them come in index order.
        let x = vec![1.0f32, 0.0, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, -1.0, 0.0];
        let got = knn(MatView::new(&x, 5, 2).unwrap(), 3, Metric::Cosine).unwrap();
        assert_eq!(got.row(0), &[1, 2, 3]);
        assert_eq!(got.row(1), &[2, 3, 0]);
    }

    #[test]
    fn k_is_clamped_to_n_minus_one() {
        let x = data(4, 3, 1);
        let got = knn(MatView::new(&x, 4, 3).unwrap(), 10, Metric::Cosine).unwrap();
        assert_eq!(got.k, 3);
        assert_eq!(got.indices.len(), 12);
    }

    #[test]
    fn knn_of_matches_knn() {
        let (n, d) = (700, 5);
        let x = data(n, d, 9);
        let v = MatView::new(&x, n, d).unwrap();
        let all = knn(v, 4, Metric::Cosine).unwrap();
        let some = knn_of(v, &[0, 650, 3], 4, Metric::Cosine).unwrap();
        assert_eq!(some.row(0), all.row(0));
        assert_eq!(some.row(1), all.row(650));
        assert_eq!(some.row(2), all.row(3));
    }

    #[test]
    fn zero_vectors_do_not_panic() {
        let x = vec![0.0f32; 12];
        let got = knn(MatView::new(&x, 4, 3).unwrap(), 2, Metric::Cosine).unwrap();
        assert_eq!(got.row(0), &[1, 2]);
    }
}
