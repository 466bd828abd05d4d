//! Choosing anchors: the items every space is described against. Seeded and deterministic, so a
//! seed reproduces the same anchors in the page, the worker and the CLI. The same anchor rows are
//! used in every space of a collection.

use crate::error::CoreError;
use crate::kernels::linalg::{dot64, dot_tile, normalized_rows};
use crate::matrix::MatView;
use crate::rng::Rng;

/// How anchors are chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum AnchorStrategy {
    /// Uniformly at random, without replacement.
    Random,
    /// Farthest-point sampling on L2-normalised vectors, from a random start.
    Fps,
    /// k-means (k-means++ init) on L2-normalised vectors; each centroid replaced by its nearest item
    /// (cosine), duplicates removed — so fewer than K anchors can come back.
    KMeans,
    /// Uniform per class of a label column: round-robin over the classes after a seeded shuffle.
    PerClass,
}

impl AnchorStrategy {
    pub fn parse(name: &str) -> Option<Self> {
        match name.to_ascii_lowercase().as_str() {
            "random" | "uniform" => Some(Self::Random),
            "fps" | "farthest" => Some(Self::Fps),
            "kmeans" | "k-means" => Some(Self::KMeans),
            "per-class" | "perclass" | "class" => Some(Self::PerClass),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::Random => "random",
            Self::Fps => "fps",
            Self::KMeans => "kmeans",
            Self::PerClass => "per-class",
        }
    }
}

/// Parameters of an anchor selection (checked before any work).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AnchorParams {
    pub strategy: AnchorStrategy,
    pub k: usize,
    pub seed: u64,
}

/// Choose anchor rows of `x` (one space of the collection; the rows are valid in all of them).
/// `labels` is needed by `PerClass` only. K is clamped to N.
pub fn select_anchors(
    x: MatView<'_>,
    params: AnchorParams,
    labels: Option<&[String]>,
) -> Result<Vec<usize>, CoreError> {
    let n = x.n();
    if params.k == 0 {
        return Err(CoreError::InvalidParameter(
            "the number of anchors must be at least 1".into(),
        ));
    }
    if n == 0 {
        return Err(CoreError::TooFewItems {
            needed: 1,
            found: 0,
        });
    }
    let k = params.k.min(n);
    let mut rng = Rng::new(params.seed);
    Ok(match params.strategy {
        AnchorStrategy::Random => rng.sample(n, k),
        AnchorStrategy::Fps => {
            let start = rng.below(n);
            farthest_point(x, k, start)
        }
        AnchorStrategy::KMeans => kmeans_anchors(x, k, &mut rng),
        AnchorStrategy::PerClass => {
            let labels = labels.ok_or_else(|| {
                CoreError::InvalidParameter("per-class anchors need a label column".into())
            })?;
            if labels.len() != n {
                return Err(CoreError::InvalidParameter(format!(
                    "the label column has {} values for {n} items",
                    labels.len()
                )));
            }
            per_class(labels, k, &mut rng)
        }
    })
}

/// Check user-given anchor rows: in range and distinct.
pub fn check_indices(indices: &[usize], n: usize) -> Result<(), CoreError> {
    if indices.is_empty() {
        return Err(CoreError::InvalidParameter(
            "the anchor list is empty".into(),
        ));
    }
    let mut seen = vec![false; n];
    for (pos, &i) in indices.iter().enumerate() {
        if i >= n {
            return Err(CoreError::InvalidParameter(format!(
                "anchor {} (line {}) is out of range: there are {n} items (rows 0..{})",
                i,
                pos + 1,
                n.saturating_sub(1)
            )));
        }
        if seen[i] {
            return Err(CoreError::InvalidParameter(format!(
                "anchor row {i} (line {}) appears twice",
                pos + 1
            )));
        }
        seen[i] = true;
    }
    Ok(())
}

/// Rows of the given item ids in an id column, in the order given.
pub fn anchors_from_ids(id_column: &[String], wanted: &[String]) -> Result<Vec<usize>, CoreError> {
    let index: std::collections::HashMap<&str, usize> = id_column
        .iter()
        .enumerate()
        .map(|(i, id)| (id.as_str(), i))
        .collect();
    let rows = wanted
        .iter()
        .map(|id| {
            index
                .get(id.as_str())
                .copied()
                .ok_or_else(|| CoreError::InvalidParameter(format!("no item has the id '{id}'")))
        })
        .collect::<Result<Vec<_>, _>>()?;
    check_indices(&rows, id_column.len())?;
    Ok(rows)
}

/// Farthest-point sampling on unit vectors from `start`: repeatedly add the item whose distance to
/// the chosen set is largest (ties: lowest index). O(N·K·D).
pub fn farthest_point(x: MatView<'_>, k: usize, start: usize) -> Vec<usize> {
    let n = x.n();
    let unit = normalized_rows(x);
    let mut chosen = vec![start];
    // Squared distance between unit vectors: 2 − 2·cos (f64 from the unit rows).
    let mut min_d2: Vec<f64> = (0..n)
        .map(|i| sq_dist(unit.row(i), unit.row(start)))
        .collect();
    min_d2[start] = f64::NEG_INFINITY;
    while chosen.len() < k.min(n) {
        let mut best = 0;
        for i in 1..n {
            if min_d2[i] > min_d2[best] {
                best = i;
            }
        }
        chosen.push(best);
        min_d2[best] = f64::NEG_INFINITY;
        let b = unit.row(best);
        for (i, m) in min_d2.iter_mut().enumerate() {
            if *m > f64::NEG_INFINITY {
                let d = sq_dist(unit.row(i), b);
                if d < *m {
                    *m = d;
                }
            }
        }
    }
    chosen
}

fn sq_dist(a: &[f32], b: &[f32]) -> f64 {
    a.iter()
        .zip(b)
        .map(|(&p, &q)| {
            let t = f64::from(p) - f64::from(q);
            t * t
        })
        .sum()
}

/// Round-robin over the classes (sorted by name), each class's items in a seeded shuffled order.
fn per_class(labels: &[String], k: usize, rng: &mut Rng) -> Vec<usize> {
    let mut order: Vec<usize> = (0..labels.len()).collect();
    rng.shuffle(&mut order);
    let mut classes: std::collections::BTreeMap<&str, std::collections::VecDeque<usize>> =
        std::collections::BTreeMap::new();
    for i in order {
        classes.entry(labels[i].as_str()).or_default().push_back(i);
    }
    let mut out = Vec::with_capacity(k);
    while out.len() < k {
        let before = out.len();
        for queue in classes.values_mut() {
            if out.len() == k {
                break;
            }
            if let Some(i) = queue.pop_front() {
                out.push(i);
            }
        }
        if out.len() == before {
            break;
        }
    }
    out
}

/// Lloyd iterations at most.
const KMEANS_MAX_ITER: usize = 100;

/// k-means on unit vectors, then each centroid's nearest item by cosine; duplicates removed.
fn kmeans_anchors(x: MatView<'_>, k: usize, rng: &mut Rng) -> Vec<usize> {
    let (n, d) = (x.n(), x.d());
    let unit = normalized_rows(x);
    let mut centroids = kmeans_pp(&unit.data, n, d, k, rng);
    let mut assign = vec![usize::MAX; n];
    let mut tile = Vec::new();
    for _ in 0..KMEANS_MAX_ITER {
        let changed = assign_nearest(&unit.data, n, d, &centroids, k, &mut assign, &mut tile);
        // Update: mean of the members; an empty cluster takes the item farthest from its centroid.
        let mut sums = vec![0.0f64; k * d];
        let mut counts = vec![0usize; k];
        for (i, &c) in assign.iter().enumerate() {
            counts[c] += 1;
            for (s, &v) in sums[c * d..(c + 1) * d].iter_mut().zip(unit.row(i)) {
                *s += f64::from(v);
            }
        }
        for c in 0..k {
            if counts[c] > 0 {
                for j in 0..d {
                    centroids[c * d + j] = (sums[c * d + j] / counts[c] as f64) as f32;
                }
            } else {
                let far = (0..n)
                    .max_by(|&a, &b| {
                        let da =
                            sq_dist(unit.row(a), &centroids[assign[a] * d..(assign[a] + 1) * d]);
                        let db =
                            sq_dist(unit.row(b), &centroids[assign[b] * d..(assign[b] + 1) * d]);
                        da.total_cmp(&db).then(b.cmp(&a))
                    })
                    .unwrap_or(0);
                centroids[c * d..(c + 1) * d].copy_from_slice(unit.row(far));
            }
        }
        if !changed {
            break;
        }
    }
    // Each centroid → its nearest real item by cosine (exact, f64).
    let mut out = Vec::with_capacity(k);
    let mut taken = vec![false; n];
    for c in 0..k {
        let cen = &centroids[c * d..(c + 1) * d];
        let cn = dot64(cen, cen).sqrt();
        let mut best = (f64::NEG_INFINITY, 0usize);
        for i in 0..n {
            let cos = if cn > 0.0 {
                dot64(unit.row(i), cen) / cn
            } else {
                0.0
            };
            if cos > best.0 {
                best = (cos, i);
            }
        }
        if !taken[best.1] {
            taken[best.1] = true;
            out.push(best.1);
        }
    }
    out
}

/// k-means++: first centre uniform, then each next with probability ∝ squared distance.
fn kmeans_pp(data: &[f32], n: usize, d: usize, k: usize, rng: &mut Rng) -> Vec<f32> {
    let mut centroids = Vec::with_capacity(k * d);
    let first = rng.below(n);
    centroids.extend_from_slice(&data[first * d..(first + 1) * d]);
    let mut d2: Vec<f64> = (0..n)
        .map(|i| sq_dist(&data[i * d..(i + 1) * d], &data[first * d..(first + 1) * d]))
        .collect();
    for _ in 1..k {
        let total: f64 = d2.iter().sum();
        let pick = if total > 0.0 {
            let mut target = rng.next_f64() * total;
            let mut chosen = n - 1;
            for (i, &w) in d2.iter().enumerate() {
                if target < w {
                    chosen = i;
                    break;
                }
                target -= w;
            }
            chosen
        } else {
            rng.below(n)
        };
        let c = &data[pick * d..(pick + 1) * d];
        centroids.extend_from_slice(c);
        for (i, m) in d2.iter_mut().enumerate() {
            let v = sq_dist(&data[i * d..(i + 1) * d], c);
            if v < *m {
                *m = v;
            }
        }
    }
    centroids
}

/// Assign each row to its nearest centroid (argmax x·c − ‖c‖²/2 from f32 tiles). Returns whether
/// any assignment changed.
fn assign_nearest(
    data: &[f32],
    n: usize,
    d: usize,
    centroids: &[f32],
    k: usize,
    assign: &mut [usize],
    tile: &mut Vec<f32>,
) -> bool {
    let half_norms: Vec<f32> = (0..k)
        .map(|c| {
            (dot64(
                &centroids[c * d..(c + 1) * d],
                &centroids[c * d..(c + 1) * d],
            ) / 2.0) as f32
        })
        .collect();
    let mut changed = false;
    const BLOCK: usize = 1024;
    for r0 in (0..n).step_by(BLOCK) {
        let r1 = (r0 + BLOCK).min(n);
        dot_tile(&data[r0 * d..r1 * d], r1 - r0, centroids, k, d, tile);
        for i in r0..r1 {
            let row = &tile[(i - r0) * k..(i - r0 + 1) * k];
            let mut best = (f32::NEG_INFINITY, 0usize);
            for (c, &v) in row.iter().enumerate() {
                let s = v - half_norms[c];
                if s > best.0 {
                    best = (s, c);
                }
            }
            if assign[i] != best.1 {
                assign[i] = best.1;
                changed = true;
            }
        }
    }
    changed
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Three tight, well separated clusters on the unit circle (angles 0, 120, 240 degrees).
    fn clusters(per: usize) -> Vec<f32> {
        let mut r = Rng::new(11);
        let mut out = Vec::new();
        for c in 0..3 {
            let a = c as f64 * std::f64::consts::TAU / 3.0;
            for _ in 0..per {
                out.push((a.cos() + 0.02 * r.normal()) as f32);
                out.push((a.sin() + 0.02 * r.normal()) as f32);
            }
        }
        out
    }

    fn cluster_of(i: usize, per: usize) -> usize {
        i / per
    }

    #[test]
    fn every_strategy_is_deterministic_and_distinct() {
        let x = clusters(30);
        let v = MatView::new(&x, 90, 2).unwrap();
        let labels: Vec<String> = (0..90).map(|i| format!("c{}", i / 30)).collect();
        for strategy in [
            AnchorStrategy::Random,
            AnchorStrategy::Fps,
            AnchorStrategy::KMeans,
            AnchorStrategy::PerClass,
        ] {
            let p = AnchorParams {
                strategy,
                k: 6,
                seed: 42,
            };
            let a = select_anchors(v, p, Some(&labels)).unwrap();
            let b = select_anchors(v, p, Some(&labels)).unwrap();
            assert_eq!(a, b, "{strategy:?}");
            let mut s = a.clone();
            s.sort_unstable();
            s.dedup();
            assert_eq!(s.len(), a.len(), "{strategy:?} repeats an anchor");
        }
    }

    #[test]
    fn fps_and_kmeans_cover_every_cluster() {
        let x = clusters(30);
        let v = MatView::new(&x, 90, 2).unwrap();
        for strategy in [AnchorStrategy::Fps, AnchorStrategy::KMeans] {
            let a = select_anchors(
                v,
                AnchorParams {
                    strategy,
                    k: 3,
                    seed: 1,
                },
                None,
            )
            .unwrap();
            let mut c: Vec<usize> = a.iter().map(|&i| cluster_of(i, 30)).collect();
            c.sort_unstable();
            assert_eq!(c, vec![0, 1, 2], "{strategy:?}: {a:?}");
        }
    }

    #[test]
    fn per_class_is_balanced() {
        let labels: Vec<String> = (0..100)
            .map(|i| if i < 80 { "a".into() } else { "b".into() })
            .collect();
        let x = vec![0.0f32; 100];
        let v = MatView::new(&x, 100, 1).unwrap();
        let a = select_anchors(
            v,
            AnchorParams {
                strategy: AnchorStrategy::PerClass,
                k: 10,
                seed: 3,
            },
            Some(&labels),
        )
        .unwrap();
        let b_count = a.iter().filter(|&&i| i >= 80).count();
        assert_eq!(b_count, 5);
    }

    #[test]
    fn k_larger_than_n_is_clamped() {
        let x = clusters(2);
        let v = MatView::new(&x, 6, 2).unwrap();
        let a = select_anchors(
            v,
            AnchorParams {
                strategy: AnchorStrategy::Random,
                k: 50,
                seed: 0,
            },
            None,
        )
        .unwrap();
        assert_eq!(a.len(), 6);
    }

    #[test]
    fn ids_map_to_rows_and_unknown_ids_are_named() {
        let ids: Vec<String> = ["a", "b", "c"].iter().map(|s| s.to_string()).collect();
        assert_eq!(
            anchors_from_ids(&ids, &["c".into(), "a".into()]).unwrap(),
            vec![2, 0]
        );
        let e = anchors_from_ids(&ids, &["zz".into()]).unwrap_err();
        assert!(e.to_string().contains("zz"));
        assert!(check_indices(&[0, 0], 3).is_err());
        assert!(check_indices(&[3], 3).is_err());
    }
}
