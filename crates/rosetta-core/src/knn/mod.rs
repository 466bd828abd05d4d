//! Exact k nearest neighbours without an N×N matrix.
//!
//! Scores come from GEMM tiles (vectorised: f32, or for cosine in the tab i16 with a proven error
//! bound, [`crate::quant`]); each row keeps its best 2k candidates, which are then re-scored in f64
//! from the original vectors. A row whose candidate list cannot prove that nothing outside it beats
//! the k-th (the tiles' error bound says it might) is re-scanned exactly, so the result equals an
//! f64 brute force, ties broken by the lower index.

use crate::error::CoreError;
use crate::linalg::dot_tile;
use crate::matrix::MatView;
use crate::quant::Screen;

mod screen8;
mod select;
mod shares;
#[cfg(test)]
use select::sort_best_first;
use select::{exact_row, finish, Best, Scorer};
#[cfg(test)]
use shares::{candidates_with, knn_merge_with, settle_with};
pub use shares::{knn_candidates, knn_join, knn_merge, knn_settle, Candidates};

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
/// Scores screened together: a chunk is walked one score at a time only when one of them beats
/// a floor. Short enough that most chunks of a row with a few hits are skipped.
const CHUNK: usize = 32;

/// The k nearest neighbours of every row of `x` among the other rows (the item itself excluded).
/// `k` is clamped to N − 1. O(N²·D) time (half of it, by symmetry), O(N·k + TILE²) memory.
pub fn knn(x: MatView<'_>, k: usize, metric: Metric) -> Result<Neighbors, CoreError> {
    knn_with(x, k, metric, Screen::KNN)
}

/// [`knn`] with the tiles of `screen` (the same result; for tests and benchmarks: only speed
/// differs).
pub fn knn_with(
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
    Ok((k, (2 * k).min(n - 1)))
}

/// Offer the scores of tiles `tiles` (upper triangle, row-major order) to every row's list.
/// Each tile row is screened in chunks, branch-free (it vectorises), against the lists' floors:
/// once the lists are full, few scores beat them, and only chunks with such a score are walked.
fn scan(scorer: &Scorer<'_>, cap: usize, tiles: std::ops::Range<usize>) -> Vec<Best> {
    scan_counted(scorer, cap, tiles).best
}

/// A scan's lists, and how many tiles it screened in i8 and computed again as i16 tiles.
struct Scanned {
    best: Vec<Best>,
    #[cfg_attr(not(test), allow(dead_code))] // reason: the tests check which tiles took i8
    i8_tiles: (usize, usize),
}

fn scan_counted(scorer: &Scorer<'_>, cap: usize, tiles: std::ops::Range<usize>) -> Scanned {
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
    // Built only if this share has tiles: the i8 rows cost a pass over the data.
    let mut screen8 = if tiles.is_empty() {
        None
    } else {
        screen8::Screen8::new(scorer)
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
            if let Some(s8) = &mut screen8 {
                if s8.offer_tile(&mut lists, r0..r1, c0..c1) {
                    continue;
                }
            }
            scorer.tile(r0..r1, c0..c1, &mut tile);
            lists.offer_tile(scorer, &tile, r0..r1, c0..c1);
        }
    }
    Scanned {
        best: lists.best,
        i8_tiles: screen8.map_or((0, 0), |s| (s.tried, s.crowded)),
    }
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
mod tests {
    use super::*;
    use crate::rng::Rng;

    /// Every metric with every tile kind it can use (integer tiles are for cosine only).
    const SCREENS: [(Metric, Screen); 4] = [
        (Metric::Cosine, Screen::F32),
        (Metric::Cosine, Screen::I16),
        (Metric::Cosine, Screen::I8),
        (Metric::Euclidean, Screen::F32),
    ];

    fn brute(x: &[f32], n: usize, d: usize, k: usize, metric: Metric) -> Vec<u32> {
        let v = MatView::new(x, n, d).unwrap();
        let s = Scorer::new(v, metric, Screen::F32);
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
        for (metric, screen) in SCREENS {
            let got = knn_with(MatView::new(&x, n, d).unwrap(), k, metric, screen).unwrap();
            assert_eq!(
                got.indices,
                brute(&x, n, d, k, metric),
                "{metric:?} {screen:?}"
            );
        }
    }

    #[test]
    fn shares_of_the_tiles_merge_into_the_same_neighbours() {
        let (n, d, k) = (1700, 6, 5);
        let x = data(n, d, 8);
        let v = MatView::new(&x, n, d).unwrap();
        let tiles = knn_tiles(n);
        assert_eq!(tiles, 10);
        for (metric, screen) in SCREENS {
            let whole = knn_with(v, k, metric, screen).unwrap();
            for cuts in [vec![0, tiles], vec![0, 3, tiles], vec![0, 1, 1, 7, tiles]] {
                let computed: Vec<Candidates> = cuts
                    .windows(2)
                    .map(|w| candidates_with(v, k, metric, w[0]..w[1], screen).unwrap())
                    .collect();
                // As a pool merges them: the first share as computed here (it carries the i16
                // bound, so the merge does not quantise again), the others as sent back (not);
                // and every share as sent back (the merge measures the bound itself).
                let sent = |c: &Candidates| {
                    let (cap, s, i) = c.clone().into_parts();
                    Candidates::from_parts(cap, s, i)
                };
                let pooled: Vec<Candidates> = computed
                    .iter()
                    .enumerate()
                    .map(|(p, c)| if p == 0 { c.clone() } else { sent(c) })
                    .collect();
                let all_sent: Vec<Candidates> = computed.iter().map(sent).collect();
                for parts in [&pooled, &all_sent] {
                    let merged = knn_merge_with(v, k, metric, parts, screen).unwrap();
                    assert_eq!(merged, whole, "{metric:?} {screen:?} {cuts:?}");
                }
                // Joined once, settled in shares of rows (each from its rows' lists only, as
                // sent to a helper with the bound): the same neighbours.
                let joined = knn_join(n, k, &pooled).unwrap();
                let mut settled = Neighbors {
                    k,
                    indices: Vec::new(),
                    scores: Vec::new(),
                };
                for rows in [0..0, 0..700, 700..701, 701..n] {
                    let (cap, s, i) = joined.rows(rows.clone()).into_parts();
                    let lists =
                        Candidates::from_parts(cap, s, i).with_quant_eps(joined.quant_eps());
                    let part = settle_with(v, k, metric, &lists, rows, screen).unwrap();
                    settled.indices.extend(part.indices);
                    settled.scores.extend(part.scores);
                }
                assert_eq!(settled, whole, "settled: {metric:?} {screen:?} {cuts:?}");
            }
        }
        assert!(knn_candidates(v, k, Metric::Cosine, 0..tiles + 1).is_err());
        let bad = Candidates::from_parts(10, vec![0.0; 10], vec![0; 10]);
        assert!(knn_merge(v, k, Metric::Cosine, &[bad]).is_err());
        // A settle refuses lists of another shape, rows past the end and bad indices.
        let cap = 2 * k;
        let lists = |i: u32| Candidates::from_parts(cap, vec![0.5; cap], vec![i; cap]);
        assert!(knn_settle(v, k, Metric::Cosine, &lists(3), 0..2).is_err());
        assert!(knn_settle(v, k, Metric::Cosine, &lists(3), n..n + 1).is_err());
        assert!(knn_settle(v, k, Metric::Cosine, &lists(n as u32), 5..6).is_err());
        assert!(knn_settle(v, k, Metric::Cosine, &lists(5), 5..6).is_err());
        assert!(knn_settle(v, k, Metric::Cosine, &lists(3), 5..6).is_ok());
    }

    /// n × d rows in groups of `size` around random centres (normal + `offset`), each row its
    /// centre plus `spread` × normal noise.
    fn clusters(
        (n, d): (usize, usize),
        size: usize,
        offset: f32,
        spread: f32,
        seed: u64,
    ) -> Vec<f32> {
        let mut r = Rng::new(seed);
        let mut x = Vec::with_capacity(n * d);
        for _ in 0..n / size {
            let centre: Vec<f32> = (0..d).map(|_| r.normal() as f32 + offset).collect();
            for _ in 0..size {
                x.extend(centre.iter().map(|&c| c + spread * r.normal() as f32));
            }
        }
        x
    }

    #[test]
    fn near_ties_are_ranked_exactly() {
        // Groups of 5 rows a hair apart (their scores within each other's f32 error bound), the
        // groups far apart: each row's list holds its 4 group-mates, which only the f64 pass can
        // order, and two far rows that prove nothing outside the list matters (no re-scan).
        let (n, d, k) = (1000, 24, 3);
        let x = clusters((n, d), 5, 0.0, 1e-4, 12);
        for (metric, screen) in SCREENS {
            let got = knn_with(MatView::new(&x, n, d).unwrap(), k, metric, screen).unwrap();
            assert_eq!(
                got.indices,
                brute(&x, n, d, k, metric),
                "{metric:?} {screen:?}"
            );
        }
    }

    #[test]
    fn near_ties_within_the_i16_bound_are_ranked_exactly() {
        // Clusters of 8 rows 1e-3 apart in 64 dims: neighbours' cosines differ by ~1e-6, far
        // inside the i16 tiles' error bound (~1e-4), so the exact pass and re-scans decide.
        let (n, d, k) = (1200, 64, 5);
        let x = clusters((n, d), 8, 0.3, 1e-3, 31);
        let v = MatView::new(&x, n, d).unwrap();
        for screen in [Screen::I16, Screen::I8] {
            let got = knn_with(v, k, Metric::Cosine, screen).unwrap();
            assert_eq!(
                got.indices,
                brute(&x, n, d, k, Metric::Cosine),
                "{screen:?}"
            );
        }
    }

    #[test]
    fn the_i8_screen_leaves_the_lists_of_the_i16_scan() {
        // 2,000 rows with a decaying spectrum and an offset: past the first tile row, most tiles
        // are screened in i8 and only the scores near a floor are computed in i16.
        let (n, d, k) = (2000, 24, 5);
        let mut r = Rng::new(40);
        let x: Vec<f32> = (0..n * d)
            .map(|i| (r.normal() / (1.0 + (i % d) as f64 / 4.0)) as f32 + 0.1)
            .collect();
        let v = MatView::new(&x, n, d).unwrap();
        let (_, cap) = checked_k(n, k).unwrap();
        let lists = |screen| {
            let scanned = scan_counted(&Scorer::new(v, Metric::Cosine, screen), cap, 0..10);
            (scanned.best, scanned.i8_tiles)
        };
        let (want, none) = lists(Screen::I16);
        let (got, (tried, crowded)) = lists(Screen::I8);
        assert_eq!(none, (0, 0));
        assert!(same_lists(got, want), "the i8 screen's lists differ");
        // Only the first diagonal tile is crowded (every list empty); the first tile row's
        // other tiles raise their columns' bars from their own i8 scores and stay in i8.
        assert_eq!(tried, knn_tiles(n));
        assert_eq!(crowded, 1, "{crowded} of {tried} tiles crowded");
        // A share that starts inside a tile row: its rows' lists are empty too.
        let want = scan_counted(&Scorer::new(v, Metric::Cosine, Screen::I16), cap, 2..10);
        let got = scan_counted(&Scorer::new(v, Metric::Cosine, Screen::I8), cap, 2..10);
        assert!(
            got.i8_tiles.1 <= 2,
            "{:?} tiles tried, crowded",
            got.i8_tiles
        );
        assert!(same_lists(got.best, want.best), "a share's i8 lists differ");
    }

    /// The same candidates in every row, up to ties at its floor: the same scores, and the same
    /// items above the lowest. (Which of several pairs tied at the floor a list keeps depends
    /// on what it was offered before, and the i8 screen's bars change that; the exact pass
    /// treats a tie at the floor as a score outside the list.)
    fn same_lists(a: Vec<Best>, b: Vec<Best>) -> bool {
        let sorted = |best: Vec<Best>| -> Vec<Vec<(f32, u32)>> {
            best.into_iter()
                .map(|b| {
                    let mut items = b.items;
                    items.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
                    items
                })
                .collect()
        };
        let above = |items: &[(f32, u32)]| -> Vec<(f32, u32)> {
            let floor = items.last().map_or(f32::NEG_INFINITY, |it| it.0);
            items.iter().copied().filter(|it| it.0 > floor).collect()
        };
        let scores = |items: &[(f32, u32)]| -> Vec<f32> { items.iter().map(|it| it.0).collect() };
        a.len() == b.len()
            && sorted(a)
                .iter()
                .zip(&sorted(b))
                .all(|(x, y)| scores(x) == scores(y) && above(x) == above(y))
    }

    #[test]
    fn rows_sharing_a_direction_are_screened_in_i8() {
        // Every row near one direction (like uncentred relative representations): with one
        // i8 bound for every pair all 10 tiles were crowded; with the shared direction split
        // off and bounds per pair, only the first tile row's (lists still filling) are.
        let (n, d, k) = (2000, 48, 5);
        let mut r = Rng::new(41);
        let shared: Vec<f64> = (0..d).map(|_| r.normal()).collect();
        let x: Vec<f32> = (0..n * d)
            .map(|e| (shared[e % d] + 0.2 * r.normal()) as f32)
            .collect();
        let v = MatView::new(&x, n, d).unwrap();
        let (_, cap) = checked_k(n, k).unwrap();
        let scan = |screen| scan_counted(&Scorer::new(v, Metric::Cosine, screen), cap, 0..10);
        let (want, got) = (scan(Screen::I16), scan(Screen::I8));
        let (tried, crowded) = got.i8_tiles;
        assert!(same_lists(got.best, want.best), "lists differ");
        assert_eq!(tried, 10);
        assert!(crowded <= 1, "{crowded} of {tried} tiles crowded");
    }

    #[test]
    fn ties_break_by_lower_index() {
        // Rows 1, 2, 3 are identical: the neighbours of row 0 among them come in index order.
        let x = vec![1.0f32, 0.0, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, -1.0, 0.0];
        for screen in [Screen::F32, Screen::I16, Screen::I8] {
            let got = knn_with(MatView::new(&x, 5, 2).unwrap(), 3, Metric::Cosine, screen).unwrap();
            assert_eq!(got.row(0), &[1, 2, 3], "{screen:?}");
            assert_eq!(got.row(1), &[2, 3, 0], "{screen:?}");
        }
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
        for screen in [Screen::F32, Screen::I16, Screen::I8] {
            let got = knn_with(MatView::new(&x, 4, 3).unwrap(), 2, Metric::Cosine, screen).unwrap();
            assert_eq!(got.row(0), &[1, 2], "{screen:?}");
        }
    }
}
