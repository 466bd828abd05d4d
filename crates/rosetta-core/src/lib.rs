//! Rosetta's numerical core: PCA, anchors, relative representations, similarity and alignment.
//!
//! Pure Rust with no web dependency: the browser's worker, the native CLI and the tests all call
//! this one implementation. Storage is f32; reductions accumulate in f64. Every function states its
//! complexity; nothing materialises an N×N matrix.
//!
//! - [`kernels`]: the bulk products (f32 GEMM, the i16 one and the unit rows it multiplies);
//!   nothing above them knows registers;
//! - [`screens`]: exact kNN and cross-space retrieval, screened by those kernels' scores with a
//!   proven bound and settled in f64;
//! - [`metrics`]: CKA (linear, debiased, RBF), RSA, neighbour agreement;
//! - [`align`]: orthogonal Procrustes and least squares;
//! - [`projections`]: exact PCA and relative representations;
//! - [`anchors`], [`stitching`].

mod error;
mod matrix;
pub mod rng;

pub mod align;
pub mod anchors;
pub mod kernels;
pub mod metrics;
pub mod projections;
pub mod screens;
pub mod stitching;

pub use error::CoreError;
pub use matrix::{MatView, Matrix};
pub use projections::pca::{Pca, PcaParams, PcaSolver};
pub use rng::Rng;
pub use screens::knn::{knn, knn_of, Metric, Neighbors};
