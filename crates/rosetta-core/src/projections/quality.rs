//! How far a 2-D map of a space can be trusted: trustworthiness@k (Venna & Kaski 2001, as
//! `sklearn.manifold.trustworthiness` computes it) and kNN preservation@k (the share of each
//! item's k nearest neighbours in the space that stay among its k nearest on the map).
//!
//! Neighbours in the space are by `metric` (self excluded, ties to the lower index, as
//! [`knn`] breaks them), on the map by Euclidean distance. Trustworthiness penalises each map
//! neighbour j of i that is not among i's k nearest in the space by r(i, j) − k, where r(i, j) is
//! j's rank among i's neighbours in the space (1 = nearest):
//! T = 1 − 2/(N·k·(2N − 3k − 1)) · Σ (r(i, j) − k). 1 means no false neighbours.

use crate::kernels::linalg::{dot64, inverse_norms};
use crate::screens::knn::{knn, Metric};
use crate::{CoreError, MatView};

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
/// bound). O(N²·D) in the worst case: the rank of each false neighbour needs i's distances to
/// every item, computed only for items with one.
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
    for i in 0..n {
        let (a, b) = (near.row(i), on_map.row(i));
        let false_ones: Vec<u32> = b.iter().copied().filter(|j| !a.contains(j)).collect();
        kept += k - false_ones.len();
        if !false_ones.is_empty() {
            penalty += ranks.penalty(i, &false_ones, k);
        }
    }
    let (nf, kf) = (n as f64, k as f64);
    Ok(MapQuality {
        trustworthiness: 1.0 - penalty as f64 * 2.0 / (nf * kf * (2.0 * nf - 3.0 * kf - 1.0)),
        knn_preservation: kept as f64 / (nf * kf),
        items: n,
    })
}

/// Ranks of items among an item's neighbours in the space, from distances in f64.
struct SpaceRanks<'a> {
    space: MatView<'a>,
    metric: Metric,
    /// 1/‖x_i‖ (cosine) or ‖x_i‖² (Euclidean).
    per_row: Vec<f64>,
}

impl<'a> SpaceRanks<'a> {
    fn new(space: MatView<'a>, metric: Metric) -> Self {
        let per_row = match metric {
            Metric::Cosine => inverse_norms(space),
            Metric::Euclidean => (0..space.n())
                .map(|i| dot64(space.row(i), space.row(i)))
                .collect(),
        };
        Self {
            space,
            metric,
            per_row,
        }
    }

    /// A distance from item i that orders as the metric's (smaller = nearer): 1 − cos, or
    /// ‖x_j‖² − 2 x_i·x_j (‖x_i − x_j‖² less the constant ‖x_i‖²).
    fn distances(&self, i: usize) -> Vec<f64> {
        let xi = self.space.row(i);
        (0..self.space.n())
            .map(|j| {
                let dot = dot64(xi, self.space.row(j));
                match self.metric {
                    Metric::Cosine => 1.0 - dot * self.per_row[i] * self.per_row[j],
                    Metric::Euclidean => self.per_row[j] - 2.0 * dot,
                }
            })
            .collect()
    }

    /// Σ (r(i, j) − k) over `false_ones`, each ranked 1 + the number of items nearer to i (ties
    /// to the lower index), i itself excluded. O(N·D + N·|false_ones|).
    fn penalty(&self, i: usize, false_ones: &[u32], k: usize) -> u64 {
        let d = self.distances(i);
        false_ones
            .iter()
            .map(|&j| {
                let (j, dj) = (j as usize, d[j as usize]);
                let nearer = d
                    .iter()
                    .enumerate()
                    .filter(|&(l, &dl)| l != i && (dl < dj || (dl == dj && l < j)))
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
