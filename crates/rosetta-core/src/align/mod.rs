//! Maps between two spaces of the same items: orthogonal [`procrustes`] (with held-out scores)
//! and [`lstsq`] (least squares).

pub mod lstsq;
pub mod procrustes;
