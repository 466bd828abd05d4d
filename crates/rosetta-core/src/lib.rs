//! Rosetta's numerical core: PCA, anchors, relative representations, similarity and alignment.
//!
//! Pure Rust with no web dependency: the browser's worker, the native CLI and the tests all call
//! this one implementation. Storage is f32; reductions accumulate in f64. Every function states its
//! complexity; nothing materialises an N×N matrix.

mod error;
pub mod linalg;
mod matrix;
pub mod pca;

pub use error::CoreError;
pub use matrix::{MatView, Matrix};
pub use pca::{Pca, PcaParams, PcaSolver};
