//! Exports for `run.mjs`: the rosetta-bench workloads, and faer's f32 products on their own
//! (cache-resident blocks, repeated) to read off the wasm GEMM rate.
#![allow(unsafe_code)] // reason: the host imports (clock, log) are extern "C" functions

use faer::{Accum, Mat, MatMut, MatRef, Par};

extern "C" {
    /// performance.now()
    fn now() -> f64;
    /// One line of output (UTF-8 in this module's memory). Not `log`: libm's `ln` links to that.
    fn host_log(ptr: *const u8, len: usize);
}

fn clock() -> f64 {
    // SAFETY: an imported JS function without arguments.
    unsafe { now() }
}

fn data(len: usize) -> Vec<f32> {
    let mut r = rosetta_core::Rng::new(1);
    (0..len).map(|_| r.normal() as f32).collect()
}

/// Workload 0..4 of rosetta-bench (pca-steps, pca, relative, compare) at `scale`.
#[no_mangle]
pub extern "C" fn run_bench(which: u32, scale: f64) {
    let name = ["pca-steps", "pca", "relative", "compare"][which.min(3) as usize];
    for t in rosetta_bench::run(name, &clock, scale) {
        let s = t.to_json();
        // SAFETY: the pointer and length of a live string.
        unsafe { host_log(s.as_ptr(), s.len()) };
    }
}

/// `reps` lower-triangular Grams XᵀX of one rows × d block (what PCA's Gram does per block), ms.
#[no_mangle]
pub extern "C" fn gram_lower(rows: usize, d: usize, reps: usize) -> f64 {
    let x = data(rows * d);
    let mut g = Mat::<f32>::zeros(d, d);
    let t = clock();
    for _ in 0..reps {
        rosetta_core::linalg::lower_gram_f32(&x, rows, &mut g);
    }
    clock() - t + 0.0 * f64::from(g[(1, 0)])
}

/// `reps` products A·Bᵀ of m × k and n × k (what kNN and retrieval tiles do), ms.
#[no_mangle]
pub extern "C" fn product_nt(m: usize, n: usize, k: usize, reps: usize) -> f64 {
    let (a, b) = (data(m * k), data(n * k));
    let mut c = vec![0.0f32; m * n];
    let t = clock();
    for _ in 0..reps {
        let am = MatRef::from_row_major_slice(&a, m, k);
        let bm = MatRef::from_row_major_slice(&b, n, k);
        let dst = MatMut::from_row_major_slice_mut(&mut c, m, n);
        faer::linalg::matmul::matmul(dst, Accum::Replace, am, bm.transpose(), 1.0f32, Par::Seq);
    }
    clock() - t + 0.0 * f64::from(c[1])
}
