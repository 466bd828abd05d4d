//! Seeded data for the maps' tests.

use crate::rng::Rng;

/// `clusters` Gaussian blobs of `per` items in `d` dimensions (unit spread, centres ~6 apart),
/// seeded.
pub fn blobs(clusters: usize, per: usize, d: usize, seed: u64) -> Vec<f32> {
    let mut rng = Rng::new(seed);
    let centres: Vec<f64> = (0..clusters * d).map(|_| rng.normal() * 6.0).collect();
    let mut out = Vec::with_capacity(clusters * per * d);
    for c in 0..clusters {
        for _ in 0..per {
            out.extend((0..d).map(|j| (centres[c * d + j] + rng.normal()) as f32));
        }
    }
    out
}
