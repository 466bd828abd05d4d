//! The bulk products everything else is built on: [`gemm`] (packed f32, the wasm32 kernel),
//! [`linalg`] (blocked products with f64 sums, faer natively), [`gemm_i16`] with [`quant`] (unit
//! rows as i16 with a proven bound on their cosines' error) and [`prep`] (the passes that make
//! those rows). Nothing outside this folder knows registers or packing.

pub mod gemm;
pub mod gemm_i16;
pub mod linalg;
pub mod prep;
pub mod quant;
