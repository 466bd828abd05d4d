//! Rosetta's numerical core: PCA, anchors, relative representations, similarity and alignment.
//!
//! Pure Rust with no web dependency: the browser's worker, the native CLI and the tests all call
//! this one implementation. Storage is f32; reductions accumulate in f64. Every function states its
//! complexity; nothing materialises an N×N matrix.

mod error;
pub mod gemm;
pub mod gemm_i16;
pub mod knn;
pub mod linalg;
mod matrix;
pub mod pca;
pub mod prep;
pub mod rng;

pub use error::CoreError;
pub use knn::{knn, knn_of, Metric, Neighbors};
pub use matrix::{MatView, Matrix};
pub use pca::{Pca, PcaParams, PcaSolver};
pub use rng::Rng;
pub mod agreement;
pub mod anchors;
pub mod cka;
pub mod lstsq;
pub mod procrustes;
pub mod quant;
pub mod relative;
pub mod retrieval;
pub mod rsa;
pub mod stitching;
