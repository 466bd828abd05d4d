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
    /// Per tile row: pairs marked unsure.
    row_unsure: Vec<u32>,
    /// Per tile column: queries that surely beat the column's match.
    col_sure: Vec<u32>,
    /// Rows × `stride` (the columns rounded up to 8, the rest 0): 1 where the pair is unsure for
    /// its row's match or its column's.
    flags: Vec<u8>,
    stride: usize,
}

impl Scan {
    /// Screens a tile (rows `r` of X, columns `c` of Y) with `bounds`; returns how many of its
    /// pairs are unsure. The match itself (inside its bound whenever the bound holds) is never
    /// unsure, nor sure. Branch-free, so it vectorises; not inlined, since V8 optimises a wasm
    /// function only from its next call on (the per-tile work must be its own function, not
    /// part of the one long call over all tiles, which stays in the baseline tier).
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
        let stride = w.next_multiple_of(8).max(8);
        self.row_sure.clear();
        self.row_unsure.clear();
        self.col_sure.clear();
        self.col_sure.resize(w, 0);
        self.flags.resize(r.len() * stride, 0);
        let (lo, hi) = (&bounds.lo, &bounds.hi);
        let (lo_c, hi_c) = (&lo[c.clone()], &hi[c.clone()]);
        let (c_err, c_norm) = bounds.pair.cols(c.clone());
        let mut total = 0usize;
        for (i, flags) in r.clone().zip(self.flags.chunks_exact_mut(stride)) {
            let row = &tile[(i - r.start) * w..(i - r.start + 1) * w];
            let bound = bounds.pair.row(i - bounds.first_row);
            let (lo_i, hi_i) = (lo[i], hi[i]);
            // Row i: candidate y_j against the match y_i; column j: candidate x_i against the
            // match x_j, querying with y_j.
            let (mut sure, mut unsure) = (0u32, 0u32);
            for (((((&s, &l), &h), col), flag), (&ce, &cn)) in row
                .iter()
                .zip(lo_c)
                .zip(hi_c)
                .zip(&mut self.col_sure)
                .zip(&mut flags[..w])
                .zip(c_err.iter().zip(c_norm))
            {
                let e = bound.with(ce, cn);
                let (below, above) = (s - e, s + e);
                sure += u32::from(below > hi_i);
                *flag = u8::from((above > lo_i) & (below <= hi_i));
                if COLS {
                    *col += u32::from(below > h);
                    *flag |= u8::from((above > l) & (below <= h));
                }
                unsure += u32::from(*flag);
            }
            flags[w..].fill(0);
            if c.contains(&i) {
                let j = i - c.start;
                unsure -= u32::from(flags[j]);
                flags[j] = 0;
            }
            self.row_sure.push(sure);
            self.row_unsure.push(unsure);
            total += unsure as usize;
        }
        (self.rows, self.cols, self.stride) = (r, c, stride);
        total
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
        for ((i, flags), &unsure) in r
            .clone()
            .zip(scan.flags.chunks_exact(scan.stride))
            .zip(&scan.row_unsure)
        {
            if unsure == 0 {
                continue;
            }
            let row = &tile[(i - r.start) * w..(i - r.start + 1) * w];
            let bound = bounds.pair.row(i - bounds.first_row);
            let (lo_i, hi_i) = (lo[i], hi[i]);
            for (at, word) in flags.chunks_exact(8).enumerate() {
                let mut word = u64::from_le_bytes(word.try_into().unwrap_or_default());
                while word != 0 {
                    let byte = word.trailing_zeros() as usize / 8;
                    word &= !(0xffu64 << (8 * byte));
                    let jj = at * 8 + byte;
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
}
