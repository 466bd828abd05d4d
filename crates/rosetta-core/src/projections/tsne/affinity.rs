//! t-SNE's input affinities as openTSNE computes them from a kNN graph: per item a Gaussian over
//! its neighbours' squared distances whose entropy is ln(perplexity) (its precision by
//! bisection, tolerance 10⁻⁸, at most 200 steps), then P = (P + Pᵀ) normalised to sum 1. `libm`'s exp and log: the
//! same P natively and in wasm.

use crate::screens::knn::{Metric, Neighbors};

const BISECTION_STEPS: usize = 200;
const ENTROPY_TOLERANCE: f64 = 1e-8;

/// The symmetric affinities as rows (CSR): row i's neighbours `cols[rows[i]..rows[i + 1]]`,
/// ascending, with their P in `values`.
#[derive(Debug, Clone, PartialEq)]
pub struct Affinities {
    pub rows: Vec<usize>,
    pub cols: Vec<u32>,
    pub values: Vec<f64>,
}

impl Affinities {
    pub fn n(&self) -> usize {
        self.rows.len() - 1
    }
}

/// One row's conditional probabilities p(j | i) from its squared distances, as openTSNE finds
/// them: a precision τ by bisection on the entropy of √τ·exp(−d²τ/2) (its sum offset by the
/// machine epsilon, which openTSNE adds), then the row normalised to sum 1.
fn conditional_row(d2: &[f64], perplexity: f64, out: &mut [f64]) {
    let target = libm::log(perplexity);
    let (mut lo, mut hi, mut tau) = (f64::NEG_INFINITY, f64::INFINITY, 1.0f64);
    for _ in 0..BISECTION_STEPS {
        let root = tau.sqrt();
        let mut sum = 0.0;
        for (p, &d) in out.iter_mut().zip(d2) {
            *p = root * libm::exp(-d * tau / 2.0);
            sum += *p;
        }
        sum += f64::EPSILON;
        let weighted: f64 = out.iter().zip(d2).map(|(&p, &d)| p / sum * d).sum();
        let entropy = tau / 2.0 * weighted + libm::log(sum) - libm::log(tau) / 2.0;
        let diff = entropy - target;
        if diff.abs() <= ENTROPY_TOLERANCE {
            break;
        }
        if diff > 0.0 {
            lo = tau;
            tau = if hi.is_infinite() {
                tau * 2.0
            } else {
                (tau + hi) / 2.0
            };
        } else {
            hi = tau;
            tau = if lo.is_infinite() {
                tau / 2.0
            } else {
                (tau + lo) / 2.0
            };
        }
    }
    let sum: f64 = out.iter().sum();
    if sum > 0.0 {
        out.iter_mut().for_each(|p| *p /= sum);
    }
}

/// [`conditional_row`] for the tests.
#[cfg(test)]
pub(super) fn conditional_row_for_tests(d2: &[f64], perplexity: f64, out: &mut [f64]) {
    conditional_row(d2, perplexity, out);
}

/// P from each item's k nearest neighbours (scores as [`crate::knn`] gives them; cosine
/// distance is 1 − cos).
pub fn affinities(neighbors: &Neighbors, metric: Metric, perplexity: f64) -> Affinities {
    let (n, k) = (neighbors.rows(), neighbors.k);
    let mut triples: Vec<(u32, u32, f64)> = Vec::with_capacity(2 * n * k);
    let mut d2 = vec![0.0; k];
    let mut p = vec![0.0; k];
    for i in 0..n {
        for (t, &s) in d2.iter_mut().zip(&neighbors.scores[i * k..(i + 1) * k]) {
            let d = match metric {
                Metric::Cosine => (1.0 - s).max(0.0),
                Metric::Euclidean => s,
            };
            *t = d * d;
        }
        conditional_row(&d2, perplexity, &mut p);
        for (&j, &pj) in neighbors.row(i).iter().zip(&p) {
            triples.push((i as u32, j, pj));
            triples.push((j, i as u32, pj));
        }
    }
    triples.sort_unstable_by_key(|&(i, j, _)| (i, j));
    let mut rows = vec![0usize; n + 1];
    let mut cols = Vec::with_capacity(triples.len());
    let mut values: Vec<f64> = Vec::with_capacity(triples.len());
    for (i, j, v) in triples {
        if cols.last() == Some(&j) && rows[i as usize + 1] > 0 {
            // The same pair from both directions: (P + Pᵀ) sums them.
            if let Some(last) = values.last_mut() {
                *last += v;
            }
            continue;
        }
        cols.push(j);
        values.push(v);
        rows[i as usize + 1] += 1;
    }
    for i in 0..n {
        rows[i + 1] += rows[i];
    }
    let total: f64 = values.iter().sum();
    if total > 0.0 {
        values.iter_mut().for_each(|v| *v /= total);
    }
    Affinities { rows, cols, values }
}
