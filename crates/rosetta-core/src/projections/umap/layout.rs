//! UMAP's layout optimisation (umap-learn's `optimize_layout_euclidean`, one thread): each
//! epoch visits the edges due (an edge of weight w every w_max / w epochs), pulls its two ends
//! together, and pushes the head away from `negative_sample_rate` random items per visit; the
//! learning rate falls linearly from 1, each coordinate's step clipped to ±4. One difference:
//! a visit's pushes are summed before they are applied ([`Layout::repel`]).
//!
//! f32 coordinates as umap-learn; d^b from [`pow_positive`] (plain f32 arithmetic), so the same
//! seed gives the same layout natively and in wasm.

use super::graph::FuzzyGraph;
use crate::rng::Rng;

/// Largest step of one coordinate per update, as umap-learn's `clip`.
const CLIP: f32 = 4.0;
/// Weight of the repulsion against the attraction (umap-learn's `repulsion_strength`).
const GAMMA: f32 = 1.0;
/// Pushes computed together ([`Layout::repel`]): a visit makes `negative_sample_rate` of them
/// (5 by default), more when an edge is visited after a gap.
const BATCH: usize = 8;

/// The layout while it converges: [`Layout::run`] a few epochs at a time, read
/// [`Layout::coords`] between.
#[derive(Debug, Clone)]
pub struct Layout {
    coords: Vec<f32>,
    head: Vec<u32>,
    tail: Vec<u32>,
    epochs_per_sample: Vec<f64>,
    next_sample: Vec<f64>,
    epochs_per_negative: Vec<f64>,
    next_negative: Vec<f64>,
    a: f32,
    b: f32,
    epoch: usize,
    n_epochs: usize,
    rng: Rng,
}

/// The curve's parameters and the schedule.
#[derive(Debug, Clone, Copy)]
pub struct Schedule {
    pub a: f64,
    pub b: f64,
    pub n_epochs: usize,
    pub negative_sample_rate: usize,
    pub seed: u64,
}

impl Layout {
    /// Start from `init` (n × 2, interleaved). Edges lighter than max / n_epochs are dropped, as
    /// umap-learn does.
    pub fn new(graph: &FuzzyGraph, init: Vec<f32>, s: Schedule) -> Self {
        let max = graph.weight.iter().copied().fold(0.0f32, f32::max);
        let floor = max / s.n_epochs as f32;
        let kept: Vec<usize> = (0..graph.weight.len())
            .filter(|&e| graph.weight[e] >= floor && graph.weight[e] > 0.0)
            .collect();
        let epochs_per_sample: Vec<f64> = kept
            .iter()
            .map(|&e| f64::from(max) / f64::from(graph.weight[e]))
            .collect();
        let rate = s.negative_sample_rate.max(1) as f64;
        let epochs_per_negative: Vec<f64> = epochs_per_sample.iter().map(|e| e / rate).collect();
        Self {
            coords: init,
            head: kept.iter().map(|&e| graph.head[e]).collect(),
            tail: kept.iter().map(|&e| graph.tail[e]).collect(),
            next_sample: epochs_per_sample.clone(),
            next_negative: epochs_per_negative.clone(),
            epochs_per_sample,
            epochs_per_negative,
            a: s.a as f32,
            b: s.b as f32,
            epoch: 0,
            n_epochs: s.n_epochs,
            rng: Rng::new(s.seed),
        }
    }

    pub fn coords(&self) -> &[f32] {
        &self.coords
    }

    pub fn into_coords(self) -> Vec<f32> {
        self.coords
    }

    /// Epochs done so far.
    pub fn epoch(&self) -> usize {
        self.epoch
    }

    pub fn n_epochs(&self) -> usize {
        self.n_epochs
    }

    /// Edges the optimisation visits (both directions of each).
    pub fn edges(&self) -> usize {
        self.head.len()
    }

    pub fn is_done(&self) -> bool {
        self.epoch >= self.n_epochs
    }

    /// Run up to `count` more epochs; returns the epochs done so far.
    pub fn run(&mut self, count: usize) -> usize {
        let end = (self.epoch + count).min(self.n_epochs);
        while self.epoch < end {
            let alpha = 1.0 - self.epoch as f32 / self.n_epochs as f32;
            self.epoch_pass(self.epoch as f64, alpha);
            self.epoch += 1;
        }
        self.epoch
    }

    /// One epoch: every edge due at `now`, with its negative samples.
    fn epoch_pass(&mut self, now: f64, alpha: f32) {
        let n = (self.coords.len() / 2) as u32;
        for e in 0..self.head.len() {
            if self.next_sample[e] > now {
                continue;
            }
            let (j, k) = (self.head[e] as usize, self.tail[e] as usize);
            self.attract(j, k, alpha);
            self.next_sample[e] += self.epochs_per_sample[e];
            let negatives = ((now - self.next_negative[e]) / self.epochs_per_negative[e]) as usize;
            self.repel(j, negatives, n as usize, alpha);
            self.next_negative[e] += negatives as f64 * self.epochs_per_negative[e];
        }
    }

    /// (current − other) of two items and its squared length.
    #[inline]
    fn delta(&self, j: usize, k: usize) -> (f32, f32, f32) {
        let dx = self.coords[2 * j] - self.coords[2 * k];
        let dy = self.coords[2 * j + 1] - self.coords[2 * k + 1];
        (dx, dy, dx * dx + dy * dy)
    }

    /// Pull j and k together along the curve's gradient.
    #[inline]
    fn attract(&mut self, j: usize, k: usize, alpha: f32) {
        let (dx, dy, d2) = self.delta(j, k);
        if d2 <= 0.0 {
            return;
        }
        let pb = pow_positive(d2, self.b);
        let coeff = -2.0 * self.a * self.b * pb / d2 / (self.a * pb + 1.0);
        let gx = (coeff * dx).clamp(-CLIP, CLIP) * alpha;
        let gy = (coeff * dy).clamp(-CLIP, CLIP) * alpha;
        self.coords[2 * j] += gx;
        self.coords[2 * j + 1] += gy;
        self.coords[2 * k] -= gx;
        self.coords[2 * k + 1] -= gy;
    }

    /// Push j away from `count` random items (j moves, they stay). Each push is computed from
    /// j's place before the first and their sum applied once: umap-learn applies them one after
    /// another, but its steps are clipped and small beside the distances to random items, and
    /// independent pushes are computed side by side (a batch of powers vectorises).
    #[inline]
    fn repel(&mut self, j: usize, count: usize, n: usize, alpha: f32) {
        let (cx, cy) = (self.coords[2 * j], self.coords[2 * j + 1]);
        let (mut gx, mut gy) = (0.0f32, 0.0f32);
        let mut left = count;
        while left > 0 {
            let m = left.min(BATCH);
            left -= m;
            let mut dx = [0.0f32; BATCH];
            let mut dy = [0.0f32; BATCH];
            let mut d2 = [0.0f32; BATCH];
            for s in 0..m {
                let k = self.rng.below(n);
                dx[s] = cx - self.coords[2 * k];
                dy[s] = cy - self.coords[2 * k + 1];
                // j itself, or an item on the same spot: no push (d² = 0).
                d2[s] = if k == j {
                    0.0
                } else {
                    dx[s] * dx[s] + dy[s] * dy[s]
                };
            }
            let mut coeff = [0.0f32; BATCH];
            for s in 0..BATCH {
                let pb = pow_positive(d2[s], self.b);
                let c = 2.0 * GAMMA * self.b / ((0.001 + d2[s]) * (self.a * pb + 1.0));
                coeff[s] = if d2[s] > 0.0 { c } else { 0.0 };
            }
            for s in 0..m {
                gx += (coeff[s] * dx[s]).clamp(-CLIP, CLIP) * alpha;
                gy += (coeff[s] * dy[s]).clamp(-CLIP, CLIP) * alpha;
            }
        }
        self.coords[2 * j] += gx;
        self.coords[2 * j + 1] += gy;
    }
}

/// log₂(1 + t) on [0, 1): least-squares polynomial on Chebyshev nodes (no constant term),
/// error 1.7·10⁻⁵.
const LOG2: [f32; 5] = [
    1.441_879_9,
    -0.708_865_2,
    0.415_245_56,
    -0.193_516_52,
    0.045_268_293,
];
/// 2^f on [0, 1): least-squares polynomial, relative error 3.6·10⁻⁶.
const EXP2: [f32; 5] = [
    1.000_003_6,
    0.692_969_56,
    0.241_621_32,
    0.051_717_736,
    0.013_683_983,
];

/// x^b for x > 0 as 2^(b·log₂ x) from two short polynomials: relative error below 2·10⁻⁵
/// (umap-learn uses numba's fast-math pow; the optimisation's steps are far coarser), a fraction
/// of the time of `libm`'s powf, branch-free (a loop of them vectorises), and the same bits on
/// every platform (plain f32 arithmetic, no fused multiply-add). UMAP's gradients spend most of
/// their time here.
#[inline]
pub fn pow_positive(x: f32, b: f32) -> f32 {
    let bits = x.max(f32::MIN_POSITIVE).to_bits();
    let exponent = ((bits >> 23) & 0xff) as i32 - 127;
    let t = f32::from_bits((bits & 0x007f_ffff) | 0x3f80_0000) - 1.0;
    let log = t * (LOG2[0] + t * (LOG2[1] + t * (LOG2[2] + t * (LOG2[3] + t * LOG2[4]))));
    let y = b * (exponent as f32 + log);
    // floor(y) without `floorf` (a library call on x86-64's baseline).
    let truncated = y as i32;
    let whole = truncated - i32::from(truncated as f32 > y);
    let f = y - whole as f32;
    let p = EXP2[0] + f * (EXP2[1] + f * (EXP2[2] + f * (EXP2[3] + f * EXP2[4])));
    let scale = (whole.clamp(-126, 127) + 127) as u32;
    f32::from_bits(scale << 23) * p
}
