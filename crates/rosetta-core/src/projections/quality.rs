//! How far a 2-D map of a space can be trusted: trustworthiness@k (Venna & Kaski 2001, as
//! `sklearn.manifold.trustworthiness` computes it) and kNN preservation@k (the share of each
//! item's k nearest neighbours in the space that stay among its k nearest on the map).
//!
//! Neighbours in the space are by `metric` (self excluded, ties to the lower index, as
//! [`knn`] breaks them), on the map by Euclidean distance. Trustworthiness penalises each map
//! neighbour j of i that is not among i's k nearest in the space by r(i, j) − k, where r(i, j) is
//! j's rank among i's neighbours in the space (1 = nearest):
//! T = 1 − 2/(N·k·(2N − 3k − 1)) · Σ (r(i, j) − k). 1 means no false neighbours.

use crate::kernels::linalg::{dot64, dot_tile_into, inverse_norms, norm64, normalized_rows};
use crate::screens::knn::{knn, Metric};
use crate::{CoreError, MatView, Matrix};

/// The two scores of a map, each in [0, 1], 1 best, and how many items they were computed on.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MapQuality {
    pub trustworthiness: f64,
    pub knn_preservation: f64,
    pub items: usize,
}

/// [`map_quality`] on at most `max_items` items: all of them, or a seeded sample (the same rows
/// of the space and of the map; neighbours are then among the sampled items). O(M²·D) for M
/// items scored.
pub fn map_quality_sampled(
    space: MatView<'_>,
    map: MatView<'_>,
    k: usize,
    metric: Metric,
    (max_items, seed): (usize, u64),
) -> Result<MapQuality, CoreError> {
    let n = space.n();
    if map.n() != n {
        return Err(CoreError::ItemCountMismatch(n, map.n()));
    }
    if n <= max_items {
        return map_quality(space, map, k, metric);
    }
    let mut rows = crate::Rng::new(seed).sample(n, max_items);
    rows.sort_unstable();
    let (s, m) = (space.gather(&rows), map.gather(&rows));
    map_quality(s.view(), m.view(), k, metric)
}

/// Trustworthiness@k and kNN preservation@k of `map` (N × 2, or any width) as a map of `space`
/// (N × D), neighbours in the space by `metric`. Needs 1 ≤ k < N/2 (trustworthiness's own
/// bound). O(N²·D) in f32 products, O(N²·k) comparisons, and O(D) in f64 for each distance
/// compared within the products' error bound.
pub fn map_quality(
    space: MatView<'_>,
    map: MatView<'_>,
    k: usize,
    metric: Metric,
) -> Result<MapQuality, CoreError> {
    let n = space.n();
    if map.n() != n {
        return Err(CoreError::ItemCountMismatch(n, map.n()));
    }
    if k == 0 || 2 * k >= n {
        return Err(CoreError::InvalidParameter(format!(
            "map quality needs 1 ≤ k < N/2; k = {k}, N = {n}"
        )));
    }
    let near = knn(space, k, metric)?;
    let on_map = knn(map, k, Metric::Euclidean)?;
    let ranks = SpaceRanks::new(space, metric);
    let (mut kept, mut penalty) = (0usize, 0u64);
    let mut tile = Vec::new();
    for start in (0..n).step_by(BLOCK) {
        let rows = start..(start + BLOCK).min(n);
        ranks.tile(rows.clone(), &mut tile);
        for (i, scores) in rows.zip(tile.chunks_exact(n)) {
            let (a, b) = (near.row(i), on_map.row(i));
            let false_ones: Vec<u32> = b.iter().copied().filter(|j| !a.contains(j)).collect();
            kept += k - false_ones.len();
            penalty += ranks.penalty(i, &false_ones, k, scores);
        }
    }
    let (nf, kf) = (n as f64, k as f64);
    Ok(MapQuality {
        trustworthiness: 1.0 - penalty as f64 * 2.0 / (nf * kf * (2.0 * nf - 3.0 * kf - 1.0)),
        knn_preservation: kept as f64 / (nf * kf),
        items: n,
    })
}

/// Rows whose products with every item are computed at once (a BLOCK × N f32 tile).
const BLOCK: usize = 64;

/// Ranks of items among an item's neighbours in the space. Distances come from f32 products
/// (the core's GEMM) with a bound on their error; where a distance is within that bound of the
/// one it is compared with, both are computed in f64, so the ranks are those of f64 distances.
struct SpaceRanks<'a> {
    space: MatView<'a>,
    metric: Metric,
    /// Unit rows, which the tiles multiply for cosine (Euclidean multiplies the space's rows).
    unit: Option<Matrix>,
    /// 1/‖x_i‖ (cosine) or ‖x_i‖² (Euclidean), f64.
    per_row: Vec<f64>,
    /// ‖row_i‖ of `rows`, for the products' error bound.
    norms: Vec<f64>,
    /// The f32 products' relative error bound, 2·(D + 8)·2⁻²⁴ (γ_D with room for the unit rows'
    /// rounding, doubled).
    gamma: f64,
}

impl<'a> SpaceRanks<'a> {
    fn new(space: MatView<'a>, metric: Metric) -> Self {
        let (unit, per_row) = match metric {
            Metric::Cosine => (Some(normalized_rows(space)), inverse_norms(space)),
            Metric::Euclidean => (
                None,
                (0..space.n())
                    .map(|i| dot64(space.row(i), space.row(i)))
                    .collect(),
            ),
        };
        let rows = unit.as_ref().map_or(space, Matrix::view);
        let norms = (0..rows.n()).map(|i| norm64(rows.row(i))).collect();
        let gamma = (space.d() as f64 + 8.0) * f64::from(f32::EPSILON);
        Self {
            space,
            metric,
            unit,
            per_row,
            norms,
            gamma,
        }
    }

    /// The f32 products of rows `rows` with every row, `rows.len()` × N.
    fn tile(&self, rows: std::ops::Range<usize>, out: &mut Vec<f32>) {
        let all = self.unit.as_ref().map_or(self.space, Matrix::view);
        let (n, d) = (all.n(), all.d());
        out.clear();
        out.resize(rows.len() * n, 0.0);
        let a = all.rows(rows.start, rows.end).data();
        dot_tile_into(a, rows.len(), all.data(), n, d, out);
    }

    /// A distance from item i that orders as the metric's (smaller = nearer), in f64: 1 − cos, or
    /// ‖x_j‖² − 2 x_i·x_j (‖x_i − x_j‖² less the constant ‖x_i‖²).
    fn exact(&self, i: usize, j: usize) -> f64 {
        let dot = dot64(self.space.row(i), self.space.row(j));
        match self.metric {
            Metric::Cosine => 1.0 - dot * self.per_row[i] * self.per_row[j],
            Metric::Euclidean => self.per_row[j] - 2.0 * dot,
        }
    }

    /// [`Self::exact`] from the f32 product `t` of rows i and j, and a bound on their difference
    /// (with a slack far above f64's rounding).
    fn approx(&self, i: usize, j: usize, t: f32) -> (f64, f64) {
        let bound = self.gamma * self.norms[i] * self.norms[j];
        match self.metric {
            Metric::Cosine => (1.0 - f64::from(t), bound + 1e-9),
            Metric::Euclidean => {
                let sq = self.per_row[j];
                (sq - 2.0 * f64::from(t), 2.0 * bound + 1e-9 * (sq + bound))
            }
        }
    }

    /// Σ (r(i, j) − k) over `false_ones`, each ranked 1 + the number of items nearer to i in f64
    /// (ties to the lower index), i itself excluded; `scores`: row i's f32 products with every
    /// row. O(N·|false_ones|), plus O(D) per item within the bound.
    fn penalty(&self, i: usize, false_ones: &[u32], k: usize, scores: &[f32]) -> u64 {
        false_ones
            .iter()
            .map(|&j| {
                let j = j as usize;
                let dj = self.exact(i, j);
                let nearer = scores
                    .iter()
                    .enumerate()
                    .filter(|&(l, &t)| {
                        if l == i {
                            return false;
                        }
                        let (dl, bound) = self.approx(i, l, t);
                        if dl + bound < dj {
                            true
                        } else if dl - bound > dj {
                            false
                        } else {
                            let dl = self.exact(i, l);
                            dl < dj || (dl == dj && l < j)
                        }
                    })
                    .count();
                (nearer + 1).saturating_sub(k) as u64
            })
            .sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_map_that_is_the_space_scores_one() {
        let mut r = crate::Rng::new(3);
        let x: Vec<f32> = (0..200 * 2).map(|_| r.normal() as f32).collect();
        let v = MatView::new(&x, 200, 2).unwrap();
        let q = map_quality(v, v, 10, Metric::Euclidean).unwrap();
        assert_eq!(q.trustworthiness, 1.0);
        assert_eq!(q.knn_preservation, 1.0);
    }

    #[test]
    fn a_shuffled_map_scores_low_and_bad_parameters_are_errors() {
        let mut r = crate::Rng::new(4);
        let x: Vec<f32> = (0..300 * 8).map(|_| r.normal() as f32).collect();
        let y: Vec<f32> = (0..300 * 2).map(|_| r.normal() as f32).collect();
        let (vx, vy) = (
            MatView::new(&x, 300, 8).unwrap(),
            MatView::new(&y, 300, 2).unwrap(),
        );
        let q = map_quality(vx, vy, 10, Metric::Cosine).unwrap();
        assert!(
            q.trustworthiness < 0.6 && q.knn_preservation < 0.15,
            "{q:?}"
        );
        assert!(map_quality(vx, vy, 0, Metric::Cosine).is_err());
        assert!(map_quality(vx, vy, 150, Metric::Cosine).is_err());
        let short = MatView::new(&y[..200], 100, 2).unwrap();
        assert!(map_quality(vx, short, 10, Metric::Cosine).is_err());
    }

    /// Trustworthiness from every distance in f64, for the screened ranks to equal.
    fn brute_trust(space: MatView<'_>, map: MatView<'_>, k: usize, metric: Metric) -> f64 {
        let n = space.n();
        let ranks = SpaceRanks::new(space, metric);
        let (near, on_map) = (
            knn(space, k, metric).unwrap(),
            knn(map, k, Metric::Euclidean).unwrap(),
        );
        let mut penalty = 0usize;
        for i in 0..n {
            for &j in on_map.row(i).iter().filter(|j| !near.row(i).contains(j)) {
                let (j, dj) = (j as usize, ranks.exact(i, j as usize));
                let nearer = (0..n)
                    .filter(|&l| l != i)
                    .filter(|&l| {
                        let dl = ranks.exact(i, l);
                        dl < dj || (dl == dj && l < j)
                    })
                    .count();
                penalty += (nearer + 1).saturating_sub(k);
            }
        }
        let (nf, kf) = (n as f64, k as f64);
        1.0 - penalty as f64 * 2.0 / (nf * kf * (2.0 * nf - 3.0 * kf - 1.0))
    }

    #[test]
    fn screened_ranks_equal_f64_ranks_with_ties_and_near_ties() {
        let mut r = crate::Rng::new(6);
        let (n, d) = (240, 48);
        let base: Vec<f32> = (0..60 * d).map(|_| r.normal() as f32).collect();
        let mut x = Vec::with_capacity(n * d);
        x.extend_from_slice(&base); // 60 rows
        x.extend_from_slice(&base); // exact duplicates: ties in both metrics
        x.extend(base.iter().map(|v| v * 2.0)); // scaled: cosine ties
        x.extend(base.iter().map(|v| v + 1e-6 * r.normal() as f32)); // near-ties
        let y: Vec<f32> = (0..n * 2).map(|_| r.normal() as f32).collect();
        let (vx, vy) = (
            MatView::new(&x, n, d).unwrap(),
            MatView::new(&y, n, 2).unwrap(),
        );
        for metric in [Metric::Cosine, Metric::Euclidean] {
            for k in [3, 10] {
                let got = map_quality(vx, vy, k, metric).unwrap().trustworthiness;
                assert_eq!(got, brute_trust(vx, vy, k, metric), "{metric:?} k={k}");
            }
        }
    }

    #[test]
    fn a_sample_scores_its_own_items() {
        let mut r = crate::Rng::new(5);
        let x: Vec<f32> = (0..400 * 6).map(|_| r.normal() as f32).collect();
        let v = MatView::new(&x, 400, 6).unwrap();
        let map = v.gather(&(0..400).collect::<Vec<_>>());
        let all = map_quality_sampled(v, v, 5, Metric::Euclidean, (1000, 0)).unwrap();
        assert_eq!(all, map_quality(v, v, 5, Metric::Euclidean).unwrap());
        let some = map_quality_sampled(v, map.view(), 5, Metric::Euclidean, (100, 9)).unwrap();
        assert_eq!((some.items, some.trustworthiness), (100, 1.0));
    }
}
