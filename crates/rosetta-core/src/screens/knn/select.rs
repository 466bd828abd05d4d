//! Candidate lists and the exact pass: each row keeps its best f32 candidates, re-scored in f64.

use crate::kernels::linalg::{dot64, dot_tile, inverse_norms, normalized_rows};
use crate::kernels::quant::{Screen, UnitRowsI16};
use crate::matrix::MatView;

use super::{Metric, Neighbors};

/// The per-row candidate list: the best `cap` (score, index) pairs seen so far (f32 scores).
#[derive(Clone)]
pub(super) struct Best {
    pub(super) items: Vec<(f32, u32)>,
    pub(super) cap: usize,
    /// Candidates must beat it once the list is full: the smallest score held.
    pub(super) floor: f32,
    /// Once full: where the smallest score sits (the slot a better candidate replaces).
    min_at: usize,
}

impl Best {
    pub(super) fn new(cap: usize) -> Self {
        Self {
            items: Vec::with_capacity(cap),
            cap,
            floor: f32::NEG_INFINITY,
            min_at: 0,
        }
    }

    #[inline]
    pub(super) fn offer(&mut self, score: f32, index: u32) {
        if self.items.len() < self.cap {
            self.items.push((score, index));
            if self.items.len() == self.cap {
                self.find_min();
            }
        } else if score > self.floor {
            self.items[self.min_at] = (score, index);
            self.find_min();
        }
    }

    /// The smallest score's slot (the first of equal ones) and the floor it makes: one pass.
    fn find_min(&mut self) {
        let (pos, min) = self.min();
        self.min_at = pos;
        self.floor = min;
    }

    fn min(&self) -> (usize, f32) {
        let first = self.items.first().map_or(f32::NEG_INFINITY, |it| it.0);
        let mut min = (0, first);
        for (i, it) in self.items.iter().enumerate().skip(1) {
            if it.0 < min.1 {
                min = (i, it.0);
            }
        }
        min
    }
}

/// Scores as "larger is better" in f32 (for tiles) and f64 (exact), for one metric.
pub(super) struct Scorer<'a> {
    pub(super) x: MatView<'a>,
    pub(super) metric: Metric,
    /// f32 rows the tiles multiply: unit rows (cosine) or the raw rows (Euclidean); empty when
    /// `quant` makes the tiles.
    pub(super) rows: Vec<f32>,
    /// The cosine tiles' i16 rows ([`Screen::I16`]).
    quant: Option<UnitRowsI16>,
    /// Their bound on |tile score − exact cosine| (kept when a merge skips the rows).
    quant_eps: Option<f64>,
    /// Per row: 1/‖x‖ (cosine) or ‖x‖² (Euclidean), in f64.
    pub(super) norm: Vec<f64>,
    /// Bound on |f32 tile score − exact score| per row pair, as a factor of per-row magnitudes.
    eps_unit: f64,
}

impl<'a> Scorer<'a> {
    pub(super) fn new(x: MatView<'a>, metric: Metric, screen: Screen) -> Self {
        let d = x.d();
        let mut quant = None;
        let (rows, norm) = match metric {
            Metric::Cosine if screen != Screen::F32 => {
                let inv = inverse_norms(x);
                quant = Some(UnitRowsI16::with_norms(x, &inv));
                (Vec::new(), inv)
            }
            Metric::Cosine => {
                let unit = normalized_rows(x);
                let inv = inverse_norms(x);
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
            quant_eps: quant.as_ref().map(|q| q.eps_with(q)),
            quant,
            norm,
            eps_unit,
        }
    }

    /// A scorer for the exact pass of candidates whose i16 tiles had the bound `quant_eps` (as
    /// [`Self::new`] measured it on the same rows): the rows are not quantised again. O(N·D).
    pub(super) fn for_exact(
        x: MatView<'a>,
        metric: Metric,
        screen: Screen,
        quant_eps: f64,
    ) -> Self {
        if metric != Metric::Cosine || screen == Screen::F32 {
            return Self::new(x, metric, screen);
        }
        Self {
            x,
            metric,
            rows: Vec::new(),
            quant: None,
            quant_eps: Some(quant_eps),
            norm: inverse_norms(x),
            eps_unit: (x.d() as f64 + 8.0) * f64::from(f32::EPSILON),
        }
    }

    /// The i16 tiles' bound, when the tiles come from i16 rows.
    pub(super) fn quant_eps(&self) -> Option<f64> {
        self.quant_eps
    }

    /// Tile values (see `tile_score`) of rows `r` against rows `c`, into `out` (|r| × |c|).
    pub(super) fn tile(
        &self,
        r: std::ops::Range<usize>,
        c: std::ops::Range<usize>,
        out: &mut Vec<f32>,
    ) {
        match &self.quant {
            Some(q) => q.cos_tile(r, q, c, out),
            None => {
                let d = self.x.d();
                let (a, b) = (
                    &self.rows[r.start * d..r.end * d],
                    &self.rows[c.start * d..c.end * d],
                );
                dot_tile(a, r.len(), b, c.len(), d, out);
            }
        }
    }

    /// Tile value → comparable f32 score for column j.
    #[inline]
    pub(super) fn tile_score(&self, dot: f32, j: usize) -> f32 {
        match self.metric {
            Metric::Cosine => dot,
            Metric::Euclidean => 2.0 * dot - self.norm[j] as f32,
        }
    }

    /// How far a tile score of row i may be from the exact one (same units as `tile_score`).
    fn eps(&self, i: usize, max_norm: f64) -> f64 {
        match self.metric {
            Metric::Cosine => self.quant_eps.unwrap_or(self.eps_unit * 2.0),
            Metric::Euclidean => self.eps_unit * 4.0 * (self.norm[i] + max_norm) + 1e-30,
        }
    }

    /// Exact score (larger is better) in the same units as `tile_score`.
    pub(super) fn exact(&self, i: usize, j: usize) -> f64 {
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

pub(super) fn finish(
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
/// that nothing outside it beats the k-th. Not inlined: V8 optimises a wasm function only from
/// its next call on, and this one is called once per row.
#[inline(never)]
pub(super) fn exact_row(
    scorer: &Scorer<'_>,
    i: usize,
    b: &Best,
    k: usize,
    max_norm: f64,
) -> (Vec<u32>, Vec<f64>) {
    let eps = scorer.eps(i, max_norm);
    // Only candidates that may reach the exact top k are re-scored: one whose f32 score is more
    // than 2·eps below the k-th best f32 score is beaten, exactly, by each of those k.
    let mut f32_scores: Vec<f32> = b.items.iter().map(|&(s, _)| s).collect();
    let cut = if f32_scores.len() > k {
        let (_, kth, _) = f32_scores.select_nth_unstable_by(k - 1, |a, b| b.total_cmp(a));
        f64::from(*kth) - 2.0 * eps
    } else {
        f64::NEG_INFINITY
    };
    let mut cand: Vec<(f64, u32)> = b
        .items
        .iter()
        .filter(|&&(s, _)| f64::from(s) >= cut)
        .map(|&(_, j)| (scorer.exact(i, j as usize), j))
        .collect();
    sort_best_first(&mut cand);
    let n = scorer.x.n();
    let complete = b.items.len() >= n - 1;
    let kth = cand.get(k - 1).map_or(f64::NEG_INFINITY, |c| c.0);
    let floor = f64::from(b.floor);
    if !complete && floor + eps >= kth {
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

pub(super) fn sort_best_first(c: &mut [(f64, u32)]) {
    c.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
}
