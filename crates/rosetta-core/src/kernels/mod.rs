//! The bulk products everything else is built on: [`gemm`] (packed f32, the wasm32 kernel),
//! [`linalg`] (blocked products with f64 sums, faer natively), [`gemm_i16`] with [`quant`] (unit
//! rows as i16 with a proven bound on their cosines' error) and [`prep`] (the passes that make
//! those rows). Nothing outside this folder knows registers or packing.

#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
// reason: natively `linalg` calls faer; this runs on wasm32 (natively in its tests)
pub(crate) mod gemm;
pub(crate) mod gemm_i16;
pub mod linalg;
/// Public for the in-browser tests, which check the SIMD128 passes against the portable loops.
pub mod prep;
#[cfg(not(feature = "bench"))]
#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
// reason: natively the screens multiply f32 (faer); i16 rows are made on wasm32 (natively in the tests)
pub(crate) mod quant;
/// Public in a bench build: `bench/wasm-kernels` times [`quant::UnitRowsI16::cos_tile`].
#[cfg(feature = "bench")]
pub mod quant;
