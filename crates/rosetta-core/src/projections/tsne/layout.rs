//! t-SNE's gradient descent as openTSNE 1.0 runs it: early exaggeration (P × 12, learning rate
//! N / 12) then the plain phase (learning rate N), momentum 0.8 throughout, delta-bar-delta gains
//! (+0.2 when the gradient turns, × 0.8 + 0.01 when it does not), each point's step at most 5
//! long, the layout re-centred after each step. The gradient is openTSNE's (no factor 4):
//! Σⱼ pᵢⱼ·qᵢⱼ·(yᵢ − yⱼ) − Σⱼ qᵢⱼ²·(yᵢ − yⱼ) / Z, qᵢⱼ = 1 / (1 + ‖yᵢ − yⱼ‖²), the second sum by
//! Barnes–Hut ([`super::tree`]). f64 throughout, in a fixed order: the same layout natively and
//! in wasm.

use super::affinity::Affinities;
use super::tree::QuadTree;

const MOMENTUM: f64 = 0.8;
const GAIN_UP: f64 = 0.2;
const GAIN_DECAY: f64 = 0.8;
const MIN_GAIN: f64 = 0.01;
const MAX_STEP: f64 = 5.0;

/// The phases and the Barnes–Hut accuracy.
#[derive(Debug, Clone, Copy)]
pub struct Schedule {
    pub early_exaggeration: f64,
    pub early_iterations: usize,
    pub iterations: usize,
    pub theta: f64,
}

/// The layout while it converges: [`TsneLayout::run`] some iterations, read
/// [`TsneLayout::coords`] between.
pub struct TsneLayout {
    p: Affinities,
    y: Vec<f64>,
    update: Vec<f64>,
    gains: Vec<f64>,
    gradient: Vec<f64>,
    schedule: Schedule,
    iteration: usize,
    coords: Vec<f32>,
}

fn sign(v: f64) -> i8 {
    if v > 0.0 {
        1
    } else if v < 0.0 {
        -1
    } else {
        0
    }
}

impl TsneLayout {
    pub fn new(p: Affinities, init: &[f32], schedule: Schedule) -> Self {
        let y: Vec<f64> = init.iter().map(|&v| f64::from(v)).collect();
        let len = y.len();
        Self {
            p,
            coords: init.to_vec(),
            y,
            update: vec![0.0; len],
            gains: vec![1.0; len],
            gradient: vec![0.0; len],
            schedule,
            iteration: 0,
        }
    }

    /// The layout as f32, n × 2 interleaved.
    pub fn coords(&self) -> &[f32] {
        &self.coords
    }

    pub fn into_coords(self) -> Vec<f32> {
        self.coords
    }

    /// Iterations done, of [`Self::n_iterations`].
    pub fn iteration(&self) -> usize {
        self.iteration
    }

    pub fn n_iterations(&self) -> usize {
        self.schedule.early_iterations + self.schedule.iterations
    }

    pub fn is_done(&self) -> bool {
        self.iteration >= self.n_iterations()
    }

    /// Run up to `count` more iterations; returns the iterations done so far.
    pub fn run(&mut self, count: usize) -> usize {
        let end = (self.iteration + count).min(self.n_iterations());
        while self.iteration < end {
            let early = self.iteration < self.schedule.early_iterations;
            let exaggeration = if early {
                self.schedule.early_exaggeration
            } else {
                1.0
            };
            self.step(exaggeration);
            self.iteration += 1;
        }
        self.coords = self.y.iter().map(|&v| v as f32).collect();
        self.iteration
    }

    /// One gradient step with P × `exaggeration` and learning rate N / exaggeration.
    fn step(&mut self, exaggeration: f64) {
        let n = self.y.len() / 2;
        self.compute_gradient(exaggeration);
        let rate = n as f64 / exaggeration;
        for c in 0..self.y.len() {
            let g = self.gradient[c];
            self.gains[c] = if sign(self.update[c]) != sign(g) {
                self.gains[c] + GAIN_UP
            } else {
                self.gains[c] * GAIN_DECAY + MIN_GAIN
            };
            self.update[c] = MOMENTUM * self.update[c] - rate * self.gains[c] * g;
        }
        let (mut mx, mut my) = (0.0, 0.0);
        for i in 0..n {
            let (ux, uy) = (self.update[2 * i], self.update[2 * i + 1]);
            let norm = (ux * ux + uy * uy).sqrt();
            if norm > MAX_STEP {
                self.update[2 * i] = ux / norm * MAX_STEP;
                self.update[2 * i + 1] = uy / norm * MAX_STEP;
            }
            self.y[2 * i] += self.update[2 * i];
            self.y[2 * i + 1] += self.update[2 * i + 1];
            mx += self.y[2 * i];
            my += self.y[2 * i + 1];
        }
        let (mx, my) = (mx / n as f64, my / n as f64);
        for p in self.y.chunks_exact_mut(2) {
            p[0] -= mx;
            p[1] -= my;
        }
    }

    /// Attraction along P's edges minus Barnes–Hut's repulsion over Z.
    fn compute_gradient(&mut self, exaggeration: f64) {
        let n = self.y.len() / 2;
        let tree = QuadTree::new(&self.y);
        let mut stack = Vec::new();
        let mut q_sums = vec![0.0; n];
        for i in tree.order(n) {
            let i = i as usize;
            let (x, y) = (self.y[2 * i], self.y[2 * i + 1]);
            let [q, fx, fy] = tree.repulsion(i as u32, x, y, self.schedule.theta, &mut stack);
            q_sums[i] = q;
            self.gradient[2 * i] = fx;
            self.gradient[2 * i + 1] = fy;
        }
        // Z summed in item order, whatever order the points were visited in.
        let z: f64 = q_sums.iter().sum();
        let z = if z > 0.0 { z } else { 1.0 };
        for i in 0..n {
            let (x, y) = (self.y[2 * i], self.y[2 * i + 1]);
            let (mut ax, mut ay) = (0.0, 0.0);
            let span = self.p.rows[i]..self.p.rows[i + 1];
            for (&j, &pij) in self.p.cols[span.clone()].iter().zip(&self.p.values[span]) {
                let j = j as usize;
                let (dx, dy) = (x - self.y[2 * j], y - self.y[2 * j + 1]);
                let q = 1.0 / (1.0 + dx * dx + dy * dy);
                let w = exaggeration * pij * q;
                ax += w * dx;
                ay += w * dy;
            }
            self.gradient[2 * i] = ax - self.gradient[2 * i] / z;
            self.gradient[2 * i + 1] = ay - self.gradient[2 * i + 1] / z;
        }
    }
}
