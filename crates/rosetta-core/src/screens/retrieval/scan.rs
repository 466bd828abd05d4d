//! Counting one tile of retrieval scores against the matches' scores: the sure counts in one
//! vectorised pass that also marks the unsure pairs, then only the marked pairs settled one by one.

use std::ops::Range;

/// Each match's exact score, rounded down and up to f32, and the tiles' bound: a tile score s
/// with s + e ≤ lo[i] cannot beat the match (its exact value is within e), one with s − e > hi[i]
/// surely does; only those between are checked again (`e` has room for the f32 rounding of
/// s ± e).
pub(super) struct Bounds {
    lo: Vec<f32>,
    hi: Vec<f32>,
    e: f32,
}

/// Room for the f32 comparisons of a score and its bound with a threshold (each rounds by at
/// most 2⁻²⁴ of a value ≤ 4) and the f64 cosine the bound is measured against.
const SLACK: f64 = 1e-6;

impl Bounds {
    /// From the matches' exact scores and the tiles' bound on |tile score − exact cosine|.
    pub(super) fn new(diag: &[f64], eps: f64) -> Self {
        Self {
            lo: diag.iter().map(|&v| f32_at_most(v)).collect(),
            hi: diag.iter().map(|&v| f32_at_least(v)).collect(),
            e: f32_at_least(eps + SLACK),
        }
    }
}

/// The largest f32 that is ≤ v.
fn f32_at_most(v: f64) -> f32 {
    let f = v as f32;
    if f64::from(f) > v {
        f.next_down()
    } else {
        f
    }
}

/// The smallest f32 that is ≥ v.
fn f32_at_least(v: f64) -> f32 {
    let f = v as f32;
    if f64::from(f) < v {
        f.next_up()
    } else {
        f
    }
}

/// One tile's sure counts and unsure pairs before they are added. Its buffers are reused from
/// tile to tile.
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
    /// bound of its row's or its column's thresholds without being surely above them.
    marks: Vec<u8>,
}

impl Scan {
    /// Screens a tile (rows `r` of X, columns `c` of Y) with `bounds`. The match itself (inside
    /// its bound whenever the bound holds) is never unsure, nor sure. Not inlined, since V8
    /// optimises a wasm function only from its next call on (the per-tile work must be its own
    /// function, not part of the one long call over all tiles, which stays in the baseline tier).
    /// With `cols` false only the rows' matches are counted (a retrieval one way, X → Y): the
    /// column counts stay 0 and a pair is unsure only for its row.
    pub(super) fn tile(
        &mut self,
        tile: &[f32],
        r: Range<usize>,
        c: Range<usize>,
        bounds: &Bounds,
        cols: bool,
    ) {
        if cols {
            self.tile_with::<true>(tile, r, c, bounds);
        } else {
            self.tile_with::<false>(tile, r, c, bounds);
        }
    }

    #[inline(never)]
    fn tile_with<const COLS: bool>(
        &mut self,
        tile: &[f32],
        r: Range<usize>,
        c: Range<usize>,
        bounds: &Bounds,
    ) {
        let w = c.len();
        self.row_sure.clear();
        self.col_sure.clear();
        self.col_sure.resize(w, 0);
        self.unsure.clear();
        self.row_start.clear();
        let (lo, hi, e) = (&bounds.lo, &bounds.hi, bounds.e);
        let (lo_c, hi_c) = (&lo[c.clone()], &hi[c.clone()]);
        let stride = w.next_multiple_of(8);
        self.marks.clear();
        self.marks.resize(stride, 0);
        for i in r.clone() {
            self.row_start.push(self.unsure.len() as u32);
            let row = &tile[(i - r.start) * w..(i - r.start + 1) * w];
            let (lo_i, hi_i) = (lo[i], hi[i]);
            let mut sure = 0u32;
            // Row i: candidate y_j against the match y_i; column j: candidate x_i against the
            // match x_j, querying with y_j. One branch-free pass (it vectorises) counts the
            // sure pairs and marks the unsure ones — a few in a hundred — which alone are then
            // listed.
            for ((((m, &s), &l), &h), col) in self.marks[..w]
                .iter_mut()
                .zip(row)
                .zip(lo_c)
                .zip(hi_c)
                .zip(self.col_sure.iter_mut())
            {
                let (below, above) = (s - e, s + e);
                sure += u32::from(below > hi_i);
                let mut mark = (above > lo_i) & (below <= hi_i);
                if COLS {
                    *col += u32::from(below > h);
                    mark |= (above > l) & (below <= h);
                }
                *m = u8::from(mark);
            }
            for (at, word) in self.marks[..stride].chunks_exact(8).enumerate() {
                let mut word = u64::from_le_bytes(word.try_into().unwrap_or_default());
                while word != 0 {
                    let byte = word.trailing_zeros() as usize / 8;
                    word &= !(0xffu64 << (8 * byte));
                    let jj = at * 8 + byte;
                    if c.start + jj != i {
                        self.unsure.push(jj as u32);
                    }
                }
            }
            self.row_sure.push(sure);
        }
        self.row_start.push(self.unsure.len() as u32);
        (self.rows, self.cols) = (r, c);
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
    /// pairs settled in f64 (`exact`); `diag` holds each match's exact score. Not inlined: see
    /// [`Scan::tile`].
    #[inline(never)]
    pub(super) fn add(
        &mut self,
        scan: &Scan,
        tile: &[f32],
        bounds: &Bounds,
        diag: &[f64],
        exact: &dyn Fn(usize, usize) -> f64,
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
        let (lo, hi, e) = (&bounds.lo, &bounds.hi, bounds.e);
        let w = c.len();
        for (i, at) in r.clone().zip(scan.row_start.windows(2)) {
            let row = &tile[(i - r.start) * w..(i - r.start + 1) * w];
            let (lo_i, hi_i) = (lo[i], hi[i]);
            for &jj in &scan.unsure[at[0] as usize..at[1] as usize] {
                let jj = jj as usize;
                let j = c.start + jj;
                let s = row[jj];
                let (below, above) = (s - e, s + e);
                let for_row = above > lo_i && below <= hi_i;
                let for_col = both && above > lo[j] && below <= hi[j];
                let cos = exact(i, j);
                if for_row && cos > diag[i] {
                    self.x_better[i - self.rows.start] += 1;
                }
                if for_col && cos > diag[j] {
                    self.y_better[j] += 1;
                }
            }
        }
    }
}
