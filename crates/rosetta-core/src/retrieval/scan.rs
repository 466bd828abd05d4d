//! Counting one tile of retrieval scores against the matches' scores: the sure counts in one
//! vectorised pass that also marks the unsure pairs, then only the marked pairs settled one by one.

use std::ops::Range;

use crate::quant_i8::{f32_at_least, f32_at_most, PairBound};

/// Each match's exact score, rounded down and up to f32, and the tiles' bound per pair: a tile
/// score s with s + e ≤ lo[i] cannot beat the match (its exact value is within e), one with
/// s − e > hi[i] surely does; only those between are checked again ([`PairBound`]'s slack
/// covers the f32 rounding of s ± e).
pub(super) struct Bounds {
    lo: Vec<f32>,
    hi: Vec<f32>,
    /// Per pair of (share row, column); its query side is indexed from `first_row`.
    pair: PairBound,
    first_row: usize,
}

impl Bounds {
    pub(super) fn new(diag: &[f64], pair: PairBound, first_row: usize) -> Self {
        Self {
            lo: diag.iter().map(|&v| f32_at_most(v)).collect(),
            hi: diag.iter().map(|&v| f32_at_least(v)).collect(),
            pair,
            first_row,
        }
    }

    pub(super) fn first_row(&self) -> usize {
        self.first_row
    }
}

/// One tile's counts before they are added: a crowded i8 tile is dropped and computed again.
/// Its buffers are reused from tile to tile.
#[derive(Default)]
pub(super) struct Scan {
    rows: Range<usize>,
    cols: Range<usize>,
    /// Per tile row: candidates that surely beat the row's match.
    row_sure: Vec<u32>,
    /// Per tile column: queries that surely beat the column's match.
    col_sure: Vec<u32>,
    /// The unsure pairs' columns (from the tile's first), row after row: unsure for their row's
    /// match or their column's.
    unsure: Vec<u32>,
    /// Where each tile row's unsure pairs start in `unsure`, and where the last one's end.
    row_start: Vec<u32>,
    /// Per column of the row being screened (pad to 8 zero): 1 where the pair is within the
    /// row's widest bound of its row's or its column's thresholds without being surely above
    /// them, the only pairs looked at one by one.
    marks: Vec<u8>,
}

impl Scan {
    /// Screens a tile (rows `r` of X, columns `c` of Y) with `bounds`; returns how many of its
    /// pairs are unsure. The match itself (inside its bound whenever the bound holds) is never
    /// unsure, nor sure. Not inlined, since V8 optimises a wasm function only from its next call
    /// on (the per-tile work must be its own function, not part of the one long call over all
    /// tiles, which stays in the baseline tier).
    /// With `cols` false only the rows' matches are counted (a retrieval one way, X → Y): the
    /// column counts stay 0 and a pair is unsure only for its row.
    pub(super) fn tile(
        &mut self,
        tile: &[f32],
        r: Range<usize>,
        c: Range<usize>,
        bounds: &Bounds,
        cols: bool,
    ) -> usize {
        if cols {
            self.tile_with::<true>(tile, r, c, bounds)
        } else {
            self.tile_with::<false>(tile, r, c, bounds)
        }
    }

    #[inline(never)]
    fn tile_with<const COLS: bool>(
        &mut self,
        tile: &[f32],
        r: Range<usize>,
        c: Range<usize>,
        bounds: &Bounds,
    ) -> usize {
        let w = c.len();
        self.row_sure.clear();
        self.col_sure.clear();
        self.col_sure.resize(w, 0);
        self.unsure.clear();
        self.row_start.clear();
        let (lo, hi) = (&bounds.lo, &bounds.hi);
        let (lo_c, hi_c) = (&lo[c.clone()], &hi[c.clone()]);
        let (c_err, c_norm) = bounds.pair.cols(c.clone());
        // The tile's widest column terms of the bound.
        let widest_err = c_err.iter().fold(0.0f32, |m, &v| m.max(v));
        let widest_norm = c_norm.iter().fold(0.0f32, |m, &v| m.max(v));
        let stride = w.next_multiple_of(8);
        self.marks.clear();
        self.marks.resize(stride, 0);
        for i in r.clone() {
            self.row_start.push(self.unsure.len() as u32);
            let row = &tile[(i - r.start) * w..(i - r.start + 1) * w];
            let bound = bounds.pair.row(i - bounds.first_row);
            let (lo_i, hi_i) = (lo[i], hi[i]);
            let mut sure = 0u32;
            // Row i: candidate y_j against the match y_i; column j: candidate x_i against the
            // match x_j, querying with y_j. First, with the row's widest bound over the tile's
            // columns (f32 rounding is monotonic: ≥ every pair's own bound), one branch-free
            // pass (it vectorises) counts the surely sure pairs and marks those within that
            // bound of a threshold — a few in a hundred — which alone are then looked at with
            // their own bound.
            let widest = bound.with(widest_err, widest_norm);
            for ((((m, &s), &l), &h), col) in self.marks[..w]
                .iter_mut()
                .zip(row)
                .zip(lo_c)
                .zip(hi_c)
                .zip(self.col_sure.iter_mut())
            {
                let (below, above) = (s - widest, s + widest);
                sure += u32::from(below > hi_i);
                let mut mark = (above > lo_i) & (below <= hi_i);
                if COLS {
                    *col += u32::from(below > h);
                    mark |= (above > l) & (below <= h);
                }
                *m = u8::from(mark);
            }
            // A marked pair: counted as sure above for its row or column if surely so, else
            // sure or unsure by its own bound.
            let mut pair = |jj: usize, unsure: &mut Vec<u32>, col_sure: &mut [u32]| {
                let (s, e) = (row[jj], bound.with(c_err[jj], c_norm[jj]));
                let (below, above) = (s - e, s + e);
                let counted = s - widest > hi_i;
                sure += u32::from(below > hi_i && !counted);
                let mut flag = !counted && above > lo_i && below <= hi_i;
                if COLS {
                    let counted = s - widest > hi_c[jj];
                    col_sure[jj] += u32::from(below > hi_c[jj] && !counted);
                    flag |= !counted && above > lo_c[jj] && below <= hi_c[jj];
                }
                if flag && c.start + jj != i {
                    unsure.push(jj as u32);
                }
            };
            for (at, word) in self.marks[..stride].chunks_exact(8).enumerate() {
                let mut word = u64::from_le_bytes(word.try_into().unwrap_or_default());
                while word != 0 {
                    let byte = word.trailing_zeros() as usize / 8;
                    word &= !(0xffu64 << (8 * byte));
                    pair(at * 8 + byte, &mut self.unsure, &mut self.col_sure);
                }
            }
            self.row_sure.push(sure);
        }
        self.row_start.push(self.unsure.len() as u32);
        (self.rows, self.cols) = (r, c);
        self.unsure.len()
    }
}

/// The better-counts of one share while its tiles are screened.
pub(super) struct Counts {
    pub(super) rows: Range<usize>,
    pub(super) x_better: Vec<u32>,
    /// Empty when only X → Y is counted.
    pub(super) y_better: Vec<u32>,
}

impl Counts {
    /// Whether Y → X is counted too.
    pub(super) fn both(&self) -> bool {
        !self.y_better.is_empty()
    }
}

impl Counts {
    /// Adds a [`Scan`] of `tile` (with the same `bounds`): its sure counts, then its unsure
    /// pairs settled with `refine`'s (score, bound) first when given, then in f64 (`exact`);
    /// `diag` holds each match's exact score. Not inlined: see [`Scan::tile`].
    #[inline(never)]
    pub(super) fn add(
        &mut self,
        scan: &Scan,
        tile: &[f32],
        bounds: &Bounds,
        diag: &[f64],
        exact: &dyn Fn(usize, usize) -> f64,
        mut refine: Option<&mut dyn FnMut(usize, usize) -> (f32, f32)>,
    ) {
        let (r, c) = (scan.rows.clone(), scan.cols.clone());
        for (b, &s) in self.x_better[r.start - self.rows.start..]
            .iter_mut()
            .zip(&scan.row_sure)
        {
            *b += s;
        }
        let both = self.both();
        if both {
            for (b, &s) in self.y_better[c.clone()].iter_mut().zip(&scan.col_sure) {
                *b += s;
            }
        }
        let (lo, hi) = (&bounds.lo, &bounds.hi);
        let (c_err, c_norm) = bounds.pair.cols(c.clone());
        let w = c.len();
        for (i, at) in r.clone().zip(scan.row_start.windows(2)) {
            let row = &tile[(i - r.start) * w..(i - r.start + 1) * w];
            let bound = bounds.pair.row(i - bounds.first_row);
            let (lo_i, hi_i) = (lo[i], hi[i]);
            for &jj in &scan.unsure[at[0] as usize..at[1] as usize] {
                let jj = jj as usize;
                let j = c.start + jj;
                let s = row[jj];
                let e = bound.with(c_err[jj], c_norm[jj]);
                let (below, above) = (s - e, s + e);
                let for_row = above > lo_i && below <= hi_i;
                let for_col = both && above > lo[j] && below <= hi[j];
                let fine = refine.as_mut().map(|f| f(i, j));
                let mut cos = None;
                let mut better = |lo: f32, hi: f32, d: f64| {
                    if let Some((t, e)) = fine {
                        if t - e > hi {
                            return true;
                        }
                        if t + e <= lo {
                            return false;
                        }
                    }
                    *cos.get_or_insert_with(|| exact(i, j)) > d
                };
                if for_row && better(lo_i, hi_i, diag[i]) {
                    self.x_better[i - self.rows.start] += 1;
                }
                if for_col && better(lo[j], hi[j], diag[j]) {
                    self.y_better[j] += 1;
                }
            }
        }
    }
}
