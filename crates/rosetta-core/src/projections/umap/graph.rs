//! UMAP's fuzzy kNN graph (umap-learn's `fuzzy_simplicial_set` with local connectivity 1 and
//! set_op_mix_ratio 1): per item ρ (distance to the nearest other item at a positive distance)
//! and σ (binary search so that Σⱼ exp(−max(0, dᵢⱼ − ρ)/σ) = log₂ k), memberships
//! wᵢⱼ = exp(−max(0, dᵢⱼ − ρᵢ)/σᵢ), then the fuzzy union W + Wᵀ − W∘Wᵀ. `libm`'s exp and log2:
//! the same graph natively and in wasm.

use crate::screens::knn::{Metric, Neighbors};

/// Binary-search steps for σ, as umap-learn.
const SIGMA_STEPS: usize = 64;
/// When the search for σ stops, as umap-learn's SMOOTH_K_TOLERANCE.
const SIGMA_TOLERANCE: f64 = 1e-5;
/// σ is at least this share of the mean distance (umap-learn's MIN_K_DIST_SCALE).
const MIN_SIGMA_SCALE: f64 = 1e-3;

/// The symmetric graph as directed edges (both directions), sorted by (head, tail).
#[derive(Debug, Clone, PartialEq)]
pub struct FuzzyGraph {
    pub n: usize,
    pub head: Vec<u32>,
    pub tail: Vec<u32>,
    pub weight: Vec<f32>,
}

/// Each row's distances to itself (0) and its neighbours, nearest first: `n_neighbors` per row,
/// as umap-learn's kNN with the item as its own first neighbour. Cosine distance is 1 − cos.
fn distances(neighbors: &Neighbors, metric: Metric) -> Vec<f64> {
    let k = neighbors.k;
    let mut out = Vec::with_capacity(neighbors.rows() * (k + 1));
    for row in neighbors.scores.chunks_exact(k) {
        out.push(0.0);
        out.extend(row.iter().map(|&s| match metric {
            Metric::Cosine => (1.0 - s).max(0.0),
            Metric::Euclidean => s,
        }));
    }
    out
}

/// ρ and σ of one row's distances (self first).
fn rho_sigma(row: &[f64], mean_all: f64) -> (f64, f64) {
    let target = libm::log2(row.len() as f64);
    let rho = row.iter().copied().find(|&d| d > 0.0).unwrap_or(0.0);
    let (mut lo, mut hi, mut mid) = (0.0, f64::INFINITY, 1.0);
    for _ in 0..SIGMA_STEPS {
        let psum: f64 = row[1..]
            .iter()
            .map(|&d| {
                let over = d - rho;
                if over > 0.0 {
                    libm::exp(-(over / mid))
                } else {
                    1.0
                }
            })
            .sum();
        if (psum - target).abs() < SIGMA_TOLERANCE {
            break;
        }
        if psum > target {
            hi = mid;
            mid = (lo + hi) / 2.0;
        } else {
            lo = mid;
            mid = if hi.is_infinite() {
                mid * 2.0
            } else {
                (lo + hi) / 2.0
            };
        }
    }
    let mean = if rho > 0.0 {
        row.iter().sum::<f64>() / row.len() as f64
    } else {
        mean_all
    };
    (rho, mid.max(MIN_SIGMA_SCALE * mean))
}

/// The fuzzy union graph of the kNN lists (the item itself excluded; `n_neighbors` − 1 each).
pub fn fuzzy_graph(neighbors: &Neighbors, metric: Metric) -> FuzzyGraph {
    let n = neighbors.rows();
    let width = neighbors.k + 1;
    let dist = distances(neighbors, metric);
    let mean_all = dist.iter().sum::<f64>() / dist.len().max(1) as f64;
    // Directed memberships, row i: (neighbour, w), self left out (its membership is 0).
    let mut directed: Vec<(u32, u32, f64)> = Vec::with_capacity(n * neighbors.k);
    for i in 0..n {
        let row = &dist[i * width..(i + 1) * width];
        let (rho, sigma) = rho_sigma(row, mean_all);
        for (&j, &d) in neighbors.row(i).iter().zip(&row[1..]) {
            let over = d - rho;
            let w = if over <= 0.0 || sigma == 0.0 {
                1.0
            } else {
                libm::exp(-(over / sigma))
            };
            if w > 0.0 && j as usize != i {
                directed.push((i as u32, j, w));
            }
        }
    }
    union(n, directed)
}

/// W + Wᵀ − W∘Wᵀ as sorted directed edges in both directions.
fn union(n: usize, mut directed: Vec<(u32, u32, f64)>) -> FuzzyGraph {
    directed.sort_unstable_by_key(|&(i, j, _)| (i, j));
    let lookup = |i: u32, j: u32| -> f64 {
        directed
            .binary_search_by_key(&(i, j), |&(a, b, _)| (a, b))
            .map_or(0.0, |at| directed[at].2)
    };
    let mut edges: Vec<(u32, u32, f64)> = Vec::with_capacity(directed.len() * 2);
    for &(i, j, w) in &directed {
        let back = lookup(j, i);
        let u = w + back - w * back;
        edges.push((i, j, u));
        if back == 0.0 {
            edges.push((j, i, u));
        }
    }
    // Weights are kept as f32 (umap-learn's): one too small for that is no edge.
    edges.retain(|e| e.2 as f32 > 0.0);
    edges.sort_unstable_by_key(|&(i, j, _)| (i, j));
    FuzzyGraph {
        n,
        head: edges.iter().map(|e| e.0).collect(),
        tail: edges.iter().map(|e| e.1).collect(),
        weight: edges.iter().map(|e| e.2 as f32).collect(),
    }
}
