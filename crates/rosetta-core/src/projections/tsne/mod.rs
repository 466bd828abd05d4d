//! t-SNE (van der Maaten & Hinton 2008; van der Maaten 2014 for Barnes–Hut) as openTSNE 1.0 runs
//! it by default: affinities from each item's 3·perplexity nearest neighbours (the core's exact
//! kNN, cosine by default; [`affinity`]), the PCA initialisation rescaled to a standard deviation
//! of 10⁻⁴ with 1 % jitter, 250 iterations of early exaggeration 12 then 500, learning rate
//! N / exaggeration, Barnes–Hut θ = 0.5 ([`tree`], [`layout`]). Seeded (the jitter), and the same
//! layout natively and in wasm (f64 in a fixed order, `libm`, [`principal_coords`]).
//!
//! Not linfa-tsne: it wraps the `bhtsne` crate, whose random initialisation calls
//! `rand::thread_rng()` (no seed; on wasm32 it needs getrandom's JavaScript backend, a web
//! dependency in the core), whose kNN is Euclidean only, and whose learning rate is fixed at 200.

pub mod affinity;
pub mod layout;
#[cfg(test)]
mod tests;
pub mod tree;

use crate::error::CoreError;
use crate::matrix::MatView;
use crate::projections::pca::PcaParams;
use crate::projections::start::{principal_coords, MIN_ITEMS};
use crate::rng::Rng;
use crate::screens::knn::{knn, Metric, Neighbors};
pub use affinity::{affinities, Affinities};
pub use layout::{Schedule, TsneLayout};

/// t-SNE's parameters, openTSNE's defaults.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct TsneParams {
    pub perplexity: f64,
    pub metric: Metric,
    /// Barnes–Hut's accuracy: a cell whose width over its distance is below θ counts as one.
    pub theta: f64,
    pub early_exaggeration: f64,
    pub early_iterations: usize,
    /// Iterations after the early exaggeration.
    pub iterations: usize,
    pub seed: u64,
}

impl Default for TsneParams {
    fn default() -> Self {
        Self {
            perplexity: 30.0,
            metric: Metric::Cosine,
            theta: 0.5,
            early_exaggeration: 12.0,
            early_iterations: 250,
            iterations: 500,
            seed: 0,
        }
    }
}

/// The initial layout's standard deviation along its first axis (openTSNE's `rescale`).
const INITIAL_STD: f64 = 1e-4;
/// Jitter added to it, as a share of that deviation (openTSNE's `jitter`).
const JITTER: f64 = 0.01;

impl TsneParams {
    /// Whether the parameters suit `n` items; the message names the parameter and its limit.
    pub fn check(&self, n: usize) -> Result<(), CoreError> {
        let bad = |m: String| Err(CoreError::InvalidParameter(m));
        if n < MIN_ITEMS {
            return Err(CoreError::TooFewItems {
                needed: MIN_ITEMS,
                found: n,
            });
        }
        let limit = n as f64 / 3.0;
        if !(self.perplexity.is_finite() && self.perplexity > 0.0 && self.perplexity < limit) {
            return bad(format!(
                "t-SNE perplexity must be positive and below a third of the items ({limit:.2}); got {}",
                self.perplexity
            ));
        }
        if !(self.theta.is_finite() && self.theta >= 0.0) {
            return bad(format!(
                "t-SNE theta must be at least 0; got {}",
                self.theta
            ));
        }
        if !(self.early_exaggeration.is_finite() && self.early_exaggeration >= 1.0) {
            return bad(format!(
                "t-SNE exaggeration must be at least 1; got {}",
                self.early_exaggeration
            ));
        }
        if self.iterations == 0 {
            return bad("t-SNE iterations must be at least 1; got 0".into());
        }
        Ok(())
    }

    /// Neighbours per item the affinities use: 3·perplexity (at most N − 1).
    pub fn knn_k(&self, n: usize) -> usize {
        ((3.0 * self.perplexity) as usize).clamp(1, n.saturating_sub(1).max(1))
    }

    /// The layout ready to run, from the kNN lists ([`Self::knn_k`] per item) and an initial
    /// layout ([`initial_layout`]).
    pub fn layout(&self, neighbors: &Neighbors, init: &[f32]) -> Result<TsneLayout, CoreError> {
        let n = neighbors.rows();
        self.check(n)?;
        if neighbors.k != self.knn_k(n) || init.len() != 2 * n {
            return Err(CoreError::InvalidParameter(format!(
                "t-SNE needs {} neighbours and 2 initial coordinates per item",
                self.knn_k(n)
            )));
        }
        let p = affinities(neighbors, self.metric, self.perplexity);
        let schedule = Schedule {
            early_exaggeration: self.early_exaggeration,
            early_iterations: self.early_iterations,
            iterations: self.iterations,
            theta: self.theta,
        };
        Ok(TsneLayout::new(p, init, schedule))
    }
}

/// A layout to start from: `coords` (n × 2) rescaled so that the first axis's standard deviation
/// is 10⁻⁴, plus N(0, (10⁻⁶)²) jitter, seeded.
pub fn initial_layout(coords: &[f32], seed: u64) -> Vec<f32> {
    let n = (coords.len() / 2).max(1) as f64;
    let mean = coords.iter().step_by(2).map(|&v| f64::from(v)).sum::<f64>() / n;
    let var = coords
        .iter()
        .step_by(2)
        .map(|&v| (f64::from(v) - mean).powi(2))
        .sum::<f64>()
        / n;
    let scale = if var > 0.0 {
        INITIAL_STD / var.sqrt()
    } else {
        1.0
    };
    let mut rng = Rng::new(seed ^ 0x75_4E5E_0F1A);
    coords
        .iter()
        .map(|&v| (f64::from(v) * scale + rng.normal() * INITIAL_STD * JITTER) as f32)
        .collect()
}

/// The initial layout from the space's first two principal axes.
pub fn pca_init(x: MatView<'_>, components: &[f64], seed: u64) -> Result<Vec<f32>, CoreError> {
    Ok(initial_layout(&principal_coords(x, components)?, seed))
}

/// The t-SNE of `x` in one call (the CLI's; the page runs the same steps in the worker).
pub fn tsne(x: MatView<'_>, params: &TsneParams) -> Result<Vec<f32>, CoreError> {
    params.check(x.n())?;
    let neighbors = knn(x, params.knn_k(x.n()), params.metric)?;
    let pca = PcaParams::new(2).fit(x)?;
    let init = pca_init(x, &pca.components, params.seed)?;
    let mut layout = params.layout(&neighbors, &init)?;
    layout.run(usize::MAX);
    Ok(layout.into_coords())
}
