//! Exact answers screened by fast, bounded scores: [`knn`] (the k nearest neighbours of every
//! row) and [`retrieval`] (each item's rank among the other space's items). Tiles of f32 or i16
//! scores ([`crate::kernels::quant::Screen`]) decide which scores to compute again in f64; the
//! results equal an f64 brute force whatever the screen.

pub mod knn;
pub mod retrieval;
