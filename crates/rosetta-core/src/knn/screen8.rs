//! kNN's i8 screen ([`Screen::I8`], the worker's relaxed-simd bundle): each cosine tile is first
//! multiplied in i8 ([`crate::quant_i8`], three times the i16 GEMM's rate there), and only the
//! scores that might beat a list's floor are computed again, one pair at a time, from the i16
//! rows. The lists end as the i16 scan leaves them: the same candidates, up to which of several
//! pairs tied at a list's floor it keeps.
//!
//! Why they are the same: the i16 score t16 of a pair and its i8 score t8 are both within their
//! bounds of the exact cosine, so |t16 − t8| ≤ margin with margin = e8 + eps16, e8 that pair's i8
//! bound ([`crate::quant_i8::PairBound`]) and eps16 the i16 rows' (plus slack for the
//! f32 sum). The i16 scan walks a chunk when some t16 beats a floor; here a chunk is walked when
//! some t8 + margin does, which includes every chunk the i16 scan walks. Inside it, a pair whose
//! t8 + margin beats neither floor has a t16 that beats neither, so offering it would change
//! nothing (a list still filling has floor −∞, which every score beats); every other pair is
//! offered its i16 score ([`UnitRowsI16::cos_pair`], bit for bit the tile's), in the same order.
//!
//! Lists early in a scan are still filling: in its first tile row no column has been seen, so
//! every score passes. Such a tile first raises the bars of its lists still filling
//! ([`Screen8::raise_bars`]): t8 − margin ≤ t16, so the cap-th best of t8 − margin over the
//! tile's rows is at most the cap-th best t16 of that column over all rows, and a list that
//! ignores scores at or below it still ends with the column's best cap (ties at the floor
//! aside). A tile with more than 1/CROWDED of its scores above `floor − margin` even then (the
//! first diagonal tile: every list empty) is computed as a whole i16 tile. On 20,000 rows of the
//! bench's data, 1 of 820 tiles is (40 without the bars); on 8,192 rows 1.5 % of all scores were
//! computed again (2.3 % with one i8 bound for every pair), on their uncentred relative
//! representations 1.4 % (4.5 %), after the rotation ([`crate::rotation`]) and with the rows'
//! shared direction split off ([`crate::quant_i8`]).

use crate::quant::{Screen, UnitRowsI16};
use crate::quant_i8::{PairBound, RowBound, UnitRowsI8};

use super::select::{Best, Scorer};
use super::{first_col, mask, Lists, Metric, CHUNK};

/// A tile with more than 1/CROWDED of its scores above `floor − margin` is computed as an i16
/// tile: a single i16 score costs about four times a tile's per score, and the i8 tile is spent.
const CROWDED: usize = 8;

pub(super) struct Screen8<'s> {
    query: UnitRowsI8,
    candidate: UnitRowsI8,
    i16: &'s UnitRowsI16,
    /// The i16 rows, row-major.
    rows16: Vec<i16>,
    /// A bound on t16 − t8 per pair: the i8 pair bound with the i16 bound in its slack.
    margin: PairBound,
    t8: Vec<f32>,
    /// Per tile row and chunk of [`CHUNK`] scores: which might beat a floor (see [`passing`]).
    masks: Vec<u32>,
    /// Tiles screened in i8, and those of them computed again as i16 tiles.
    pub(super) tried: usize,
    pub(super) crowded: usize,
}

impl<'s> Screen8<'s> {
    /// The screen for a cosine scan with [`Screen::I8`] over rows no deeper than the i8 GEMM
    /// takes; `None` otherwise (the scan then uses its i16 or f32 tiles). O(N·D·log D).
    pub(super) fn new(scorer: &'s Scorer<'_>) -> Option<Self> {
        let x = scorer.x;
        let i16 = scorer.quant()?;
        if scorer.screen != Screen::I8
            || scorer.metric != Metric::Cosine
            || x.d() > crate::quant_i8::MAX_DEPTH
        {
            return None;
        }
        // Cosine: the scorer's norms are the rows' inverse norms.
        let (query, candidate) = UnitRowsI8::both_with_norms(x, &scorer.norm);
        let margin = query.bound_with(&candidate).widened(i16.eps_with(i16));
        Some(Self {
            margin,
            query,
            candidate,
            i16,
            rows16: i16.row_major(),
            t8: Vec::new(),
            masks: Vec::new(),
            tried: 0,
            crowded: 0,
        })
    }

    /// Offers the scores of the tile of rows `r` × columns `c` (only j > i on the diagonal
    /// tile) to the lists, as [`Lists::offer_tile`] would offer the i16 tile's; false when the
    /// tile is crowded and the caller must compute that tile.
    pub(super) fn offer_tile(
        &mut self,
        lists: &mut Lists,
        r: std::ops::Range<usize>,
        c: std::ops::Range<usize>,
    ) -> bool {
        self.query
            .cos_tile(r.clone(), &self.candidate, c.clone(), &mut self.t8);
        self.tried += 1;
        let count = |s: &mut Self, floors: &[f32]| {
            passing(
                &s.t8,
                &s.margin,
                floors,
                (r.clone(), c.clone()),
                &mut s.masks,
            )
        };
        let mut passing = count(self, &lists.floors);
        let crowded = |passing: usize| passing * CROWDED > r.len() * c.len();
        if crowded(passing) && self.raise_bars(lists, r.clone(), c.clone()) {
            passing = count(self, &lists.floors);
        }
        if crowded(passing) {
            self.crowded += 1;
            return false;
        }
        self.walk(lists, r, c);
        true
    }

    /// Raises the bars ([`Best::raise`]) of the tile's rows and columns whose lists are still
    /// filling to the cap-th best lower bound t8 − margin ≤ t16 among the tile's scores: a
    /// subset of each row's pairs, so below its cap-th best score overall. Without them the
    /// first tile row of a scan is crowded (its columns' lists are empty, every score passes).
    /// Off-diagonal tiles only (a diagonal one holds each pair once); true if a bar rose.
    /// O(|r|·|c|) plus a selection per row and column.
    #[inline(never)]
    fn raise_bars(
        &mut self,
        lists: &mut Lists,
        r: std::ops::Range<usize>,
        c: std::ops::Range<usize>,
    ) -> bool {
        let Some(cap) = lists.best.first().map(|b| b.cap) else {
            return false;
        };
        if r.start == c.start || cap == 0 {
            return false;
        }
        let w = c.len();
        let (c_err, c_norm) = self.margin.cols(c.clone());
        let rows: Vec<RowBound> = r.clone().map(|i| self.margin.row(i)).collect();
        let lower =
            |ii: usize, jj: usize| self.t8[ii * w + jj] - rows[ii].with(c_err[jj], c_norm[jj]);
        let mut raised = false;
        let mut values = Vec::with_capacity(r.len().max(w));
        let mut raise = |best: &mut Best, floor: &mut f32, values: &mut Vec<f32>| {
            let (_, bar, _) = values.select_nth_unstable_by(cap - 1, |a, b| b.total_cmp(a));
            best.raise(*bar);
            *floor = best.floor;
            raised = true;
        };
        if r.len() >= cap {
            for (jj, j) in c.clone().enumerate() {
                if !lists.best[j].is_full() {
                    values.clear();
                    values.extend((0..r.len()).map(|ii| lower(ii, jj)));
                    raise(&mut lists.best[j], &mut lists.floors[j], &mut values);
                }
            }
        }
        if w >= cap {
            for (ii, i) in r.clone().enumerate() {
                if !lists.best[i].is_full() {
                    values.clear();
                    values.extend((0..w).map(|jj| lower(ii, jj)));
                    raise(&mut lists.best[i], &mut lists.floors[i], &mut values);
                }
            }
        }
        raised
    }

    /// Offers the scores that `passing` marked, in order. Not inlined: V8 optimises a wasm
    /// function only from its next call on.
    #[inline(never)]
    fn walk(&self, lists: &mut Lists, r: std::ops::Range<usize>, c: std::ops::Range<usize>) {
        let (best, floors) = (&mut lists.best, &mut lists.floors);
        let w = c.len();
        let per_row = w.div_ceil(CHUNK);
        let (c_err, c_norm) = self.margin.cols(0..floors.len());
        for i in r.clone() {
            let start = first_col(i, &r, &c);
            let bound = self.margin.row(i);
            let row = &self.t8[(i - r.start) * w + start..(i - r.start + 1) * w];
            let masks = &self.masks[(i - r.start) * per_row..];
            for (q, chunk) in row.chunks(CHUNK).enumerate() {
                let j0 = c.start + start + q * CHUNK;
                // Marked with the floors at the tile's start; they only rose since, so the
                // unmarked scores still could not change a list.
                let mut hits = masks[q];
                while hits != 0 {
                    let k = hits.trailing_zeros() as usize;
                    hits &= hits - 1;
                    let (j, t) = (j0 + k, chunk[k]);
                    // As `passing` computes it, in the same order.
                    let t = t + bound.with(c_err[j], c_norm[j]);
                    if !(t > best[i].floor || t > floors[j]) {
                        continue;
                    }
                    let s = self.i16.cos_pair(&self.rows16, i, j);
                    best[i].offer(s, j as u32);
                    if s > floors[j] {
                        best[j].offer(s, i as u32);
                        floors[j] = best[j].floor;
                    }
                }
            }
            floors[i] = best[i].floor;
        }
    }
}

/// How many of the tile's scores (j > i on the diagonal tile) are within `margin` of beating
/// their row's or their column's floor; `masks` gets which, per row and chunk of [`CHUNK`]
/// (the chunks of [`Screen8::walk`]). Branch-free; not inlined (see [`Screen8::walk`]).
#[inline(never)]
fn passing(
    t8: &[f32],
    margin: &PairBound,
    floors: &[f32],
    (r, c): (std::ops::Range<usize>, std::ops::Range<usize>),
    masks: &mut Vec<u32>,
) -> usize {
    let w = c.len();
    let per_row = w.div_ceil(CHUNK);
    masks.clear();
    masks.resize(r.len() * per_row, 0);
    let mut total = 0usize;
    for i in r.clone() {
        let start = first_col(i, &r, &c);
        let row = &t8[(i - r.start) * w + start..(i - r.start + 1) * w];
        let floor_i = floors[i];
        let bound = margin.row(i);
        let cs = c.start + start..c.end;
        let (c_err, c_norm) = margin.cols(cs.clone());
        let cols = floors[cs]
            .chunks(CHUNK)
            .zip(c_err.chunks(CHUNK))
            .zip(c_norm.chunks(CHUNK));
        let out = &mut masks[(i - r.start) * per_row..(i - r.start + 1) * per_row];
        for ((chunk, ((fj, ce), cn)), m) in row.chunks(CHUNK).zip(cols).zip(out) {
            *m = mask(
                chunk
                    .iter()
                    .zip(fj)
                    .zip(ce.iter().zip(cn))
                    .map(|((&t, &f), (&ce, &cn))| {
                        let t = t + bound.with(ce, cn);
                        (t > floor_i) | (t > f)
                    }),
            );
            total += m.count_ones() as usize;
        }
    }
    total
}
