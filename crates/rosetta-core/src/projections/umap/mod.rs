//! UMAP (McInnes, Healy & Melville 2018) as umap-learn 0.5 defines it: the exact kNN graph of
//! the core ([`crate::knn`], cosine by default), the fuzzy union graph ([`graph`]), the curve's
//! a and b fitted from `min_dist` and `spread` ([`curve`]), and SGD with negative sampling from
//! a seeded generator ([`layout`]).
//!
//! Initialisation ([`pca_init`]): the space's first two principal axes, scaled so that the
//! largest coordinate is 10, with N(0, 10⁻⁴) noise (umap-learn's `init="pca"`), then each axis
//! rescaled to [0, 10] as umap-learn does with every initialisation. PCA rather than
//! umap-learn's default spectral layout: it is exact and already at hand, needs no sparse
//! eigensolver, and a layout can as well start from another space's (aligned maps,
//! [`initial_layout`] of any coordinates).
//!
//! The same file, parameters and seed give the same layout natively and in wasm: the kNN is
//! exact (its scores f64 in a fixed order), every transcendental function is `libm`'s, and the
//! initial layout comes from [`principal_coords`].

pub mod curve;
pub mod graph;
pub mod layout;
#[cfg(test)]
mod tests;

use crate::error::CoreError;
use crate::matrix::MatView;
use crate::projections::pca::PcaParams;
use crate::projections::start::{principal_coords, MIN_ITEMS};
use crate::rng::Rng;
use crate::screens::knn::{knn, Metric, Neighbors};
pub use graph::{fuzzy_graph, FuzzyGraph};
pub use layout::{Layout, Schedule};

/// UMAP's parameters, umap-learn's defaults.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct UmapParams {
    /// Neighbours per item, the item itself counted (umap-learn's `n_neighbors`).
    pub n_neighbors: usize,
    pub min_dist: f64,
    pub spread: f64,
    pub metric: Metric,
    /// None: 500 epochs up to 10,000 items, else 200 (umap-learn's rule).
    pub n_epochs: Option<usize>,
    pub negative_sample_rate: usize,
    pub seed: u64,
}

impl Default for UmapParams {
    fn default() -> Self {
        Self {
            n_neighbors: 15,
            min_dist: 0.1,
            spread: 1.0,
            metric: Metric::Cosine,
            n_epochs: None,
            negative_sample_rate: 5,
            seed: 0,
        }
    }
}

impl UmapParams {
    /// Whether the parameters suit `n` items; the message names the parameter and its limit.
    pub fn check(&self, n: usize) -> Result<(), CoreError> {
        let bad = |m: String| Err(CoreError::InvalidParameter(m));
        if n < MIN_ITEMS {
            return Err(CoreError::TooFewItems {
                needed: MIN_ITEMS,
                found: n,
            });
        }
        if self.n_neighbors < 2 || self.n_neighbors >= n {
            return bad(format!(
                "UMAP neighbours must be at least 2 and below the number of items ({n}); got {}",
                self.n_neighbors
            ));
        }
        if !(self.spread.is_finite() && self.spread > 0.0) {
            return bad(format!("UMAP spread must be positive; got {}", self.spread));
        }
        if !(self.min_dist.is_finite() && self.min_dist >= 0.0 && self.min_dist <= self.spread) {
            return bad(format!(
                "UMAP min-dist must be between 0 and the spread ({}); got {}",
                self.spread, self.min_dist
            ));
        }
        if self.n_epochs == Some(0) {
            return bad("UMAP epochs must be at least 1; got 0".into());
        }
        if self.negative_sample_rate == 0 {
            return bad("UMAP negative samples must be at least 1; got 0".into());
        }
        Ok(())
    }

    /// Epochs for `n` items.
    pub fn epochs(&self, n: usize) -> usize {
        self.n_epochs.unwrap_or(if n <= 10_000 { 500 } else { 200 })
    }

    /// Neighbours asked of the kNN (the item itself is not among them).
    pub fn knn_k(&self) -> usize {
        self.n_neighbors - 1
    }

    /// The layout ready to run, from the kNN lists ([`Self::knn_k`] per item) and an initial
    /// layout ([`initial_layout`]).
    pub fn layout(&self, neighbors: &Neighbors, init: Vec<f32>) -> Result<Layout, CoreError> {
        let n = neighbors.rows();
        self.check(n)?;
        if neighbors.k != self.knn_k() || init.len() != 2 * n {
            return Err(CoreError::InvalidParameter(format!(
                "UMAP needs {} neighbours and 2 initial coordinates per item",
                self.knn_k()
            )));
        }
        let graph = fuzzy_graph(neighbors, self.metric);
        let (a, b) = curve::fit_ab(self.spread, self.min_dist);
        let schedule = Schedule {
            a,
            b,
            n_epochs: self.epochs(n),
            negative_sample_rate: self.negative_sample_rate,
            seed: self.seed,
        };
        Ok(Layout::new(&graph, init, schedule))
    }
}

/// A layout to start from: `coords` (n × 2, e.g. the PCA map or another space's layout) scaled
/// so that the largest coordinate is 10, with N(0, 10⁻⁴) noise (seeded), then each axis
/// rescaled to [0, 10].
pub fn initial_layout(coords: &[f32], seed: u64) -> Vec<f32> {
    let largest = coords.iter().fold(0.0f32, |m, c| m.max(c.abs()));
    let expansion = if largest > 0.0 { 10.0 / largest } else { 1.0 };
    let mut rng = Rng::new(seed ^ 0x5EED_0F1A_7A17);
    let mut out: Vec<f32> = coords
        .iter()
        .map(|&c| c * expansion + (rng.normal() * 1e-4) as f32)
        .collect();
    for axis in 0..2 {
        let values = out.iter().skip(axis).step_by(2);
        let (lo, hi) = values.fold((f32::INFINITY, f32::NEG_INFINITY), |(lo, hi), &v| {
            (lo.min(v), hi.max(v))
        });
        let range = hi - lo;
        for v in out.iter_mut().skip(axis).step_by(2) {
            *v = if range > 0.0 {
                10.0 * (*v - lo) / range
            } else {
                0.0
            };
        }
    }
    out
}

/// The initial layout from the space's first two principal axes ([`principal_coords`]), then
/// [`initial_layout`].
pub fn pca_init(x: MatView<'_>, components: &[f64], seed: u64) -> Result<Vec<f32>, CoreError> {
    Ok(initial_layout(&principal_coords(x, components)?, seed))
}

/// The UMAP of `x` in one call (the CLI's; the page runs the same steps in the worker): exact
/// kNN, PCA initialisation, every epoch. n × 2 interleaved.
pub fn umap(x: MatView<'_>, params: &UmapParams) -> Result<Vec<f32>, CoreError> {
    params.check(x.n())?;
    let neighbors = knn(x, params.knn_k(), params.metric)?;
    let pca = PcaParams::new(2).fit(x)?;
    let init = pca_init(x, &pca.components, params.seed)?;
    let mut layout = params.layout(&neighbors, init)?;
    layout.run(usize::MAX);
    Ok(layout.into_coords())
}
