//! Exports for `run.mjs`: the rosetta-bench workloads, and the f32 products on their own
//! (cache-resident blocks, repeated) to read off the wasm GEMM rate: faer's against rosetta-core's.
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

/// Workload 0..5 of rosetta-bench (pca-steps, pca, relative, compare, knn) at `scale`.
#[no_mangle]
pub extern "C" fn run_bench(which: u32, scale: f64) {
    let name = ["pca-steps", "pca", "relative", "compare", "knn"][which.min(4) as usize];
    for t in rosetta_bench::run(name, &clock, scale) {
        let s = t.to_json();
        // SAFETY: the pointer and length of a live string.
        unsafe { host_log(s.as_ptr(), s.len()) };
    }
}

/// `reps` lower-triangular Grams XᵀX of one rows × d block with faer's GEMM (what PCA's Gram
/// used before rosetta-core's packed kernel), ms.
#[no_mangle]
pub extern "C" fn gram_lower(rows: usize, d: usize, reps: usize) -> f64 {
    use faer::linalg::matmul::triangular::{matmul, BlockStructure};
    let x = data(rows * d);
    let mut g = Mat::<f32>::zeros(d, d);
    let t = clock();
    for _ in 0..reps {
        let b = MatRef::from_row_major_slice(&x, rows, d);
        let r = BlockStructure::Rectangular;
        let lower = BlockStructure::TriangularLower;
        matmul(
            g.as_mut(),
            lower,
            Accum::Replace,
            b.transpose(),
            r,
            b,
            r,
            1.0f32,
            Par::Seq,
        );
    }
    clock() - t + 0.0 * f64::from(g[(1, 0)])
}

/// `reps` products A·Bᵀ of m × k and n × k with faer's GEMM, ms.
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

/// `reps` lower Grams of one rows × d block as PCA computes them (rosetta-core's packed 4 × 8
/// kernel on wasm32), ms.
#[no_mangle]
pub extern "C" fn packed_gram_lower(rows: usize, d: usize, reps: usize) -> f64 {
    let x = data(rows * d);
    let mut g = vec![0.0f32; d * d];
    let t = clock();
    for _ in 0..reps {
        rosetta_core::linalg::lower_gram_f32(&x, rows, d, &mut g);
    }
    clock() - t + 0.0 * f64::from(g[d])
}

/// `reps` products A·Bᵀ as kNN, retrieval and relative tiles compute them (rosetta-core), ms.
#[no_mangle]
pub extern "C" fn packed_product_nt(m: usize, n: usize, k: usize, reps: usize) -> f64 {
    let (a, b) = (data(m * k), data(n * k));
    let mut c = vec![0.0f32; m * n];
    let t = clock();
    for _ in 0..reps {
        rosetta_core::linalg::dot_tile_into(&a, m, &b, n, k, &mut c);
    }
    clock() - t + 0.0 * f64::from(c[1])
}

/// `reps` preparations of n × d rows of the bench's data for a screen, ms: `which` 0 the i16
/// rows (`UnitRowsI16::new`), 1 the i8 rows of both sides (`UnitRowsI8::both`).
#[no_mangle]
pub extern "C" fn prep(which: u32, n: usize, d: usize, reps: usize) -> f64 {
    let x = rosetta_bench::embeddings(n, d, 6);
    let v = rosetta_core::MatView::new(&x, n, d).expect("shape");
    let t = clock();
    for _ in 0..reps {
        if which == 0 {
            std::hint::black_box(rosetta_core::quant::UnitRowsI16::new(v));
        } else {
            std::hint::black_box(rosetta_core::quant_i8::UnitRowsI8::both(v));
        }
    }
    clock() - t
}

/// `reps` i8 score tiles of m × n × depth as the screens compute them
/// (`rosetta_core::gemm_i8::scaled_dot_tile_into`: the products and their scaling to f32), ms.
/// Build with `--features relaxed` for the relaxed-simd kernels; `kernel` 0 lets the browser
/// choose, 1 forces `DotAdd`, 2 `Pairs`.
#[no_mangle]
pub extern "C" fn i8_tiles(m: usize, n: usize, depth: usize, kernel: u32, reps: usize) -> f64 {
    use rosetta_core::gemm_i8::{scaled_dot_tile_into, Factor};
    let (pa, pb) = i8_factors((m, n), depth, kernel);
    let (sa, la) = (data(m), data(m));
    let (sb, lb) = (data(n), data(n));
    let shift: Vec<i32> = (0..m as i32).collect();
    let mut out = vec![0.0f32; m * n];
    let t = clock();
    for _ in 0..reps {
        let fa = Factor::new(&pa, &sa, &la);
        let fb = Factor::new(&pb, &sb, &lb);
        scaled_dot_tile_into(fa, &shift, fb, depth, &mut out);
    }
    clock() - t + 0.0 * f64::from(out[1])
}

/// The i8 tiles of a kNN-like scan (every 512 × 512 tile on or above the diagonal of an
/// n × n product, depth `depth`, each tile from its own packed rows, one reused output), ms:
/// `i8_tiles` on cache-resident blocks against the same products over a whole matrix.
#[no_mangle]
pub extern "C" fn i8_scan(n: usize, depth: usize, kernel: u32) -> f64 {
    use rosetta_core::gemm_i8::{packed_len, scaled_dot_tile_into, Factor};
    let (pa, pb) = i8_factors((n, n), depth, kernel);
    let (s, l) = (data(n), data(n));
    let shift: Vec<i32> = (0..n as i32).collect();
    let mut out = vec![0.0f32; 512 * 512];
    let t = clock();
    for r in (0..n).step_by(512) {
        let re = (r + 512).min(n);
        for c in (r..n).step_by(512) {
            let ce = (c + 512).min(n);
            let fa = Factor {
                packed: &pa[r * depth..packed_len(re, depth)],
                steps: &s[r..re],
                along: &l[r..re],
            };
            let fb = Factor {
                packed: &pb[c * depth..packed_len(ce, depth)],
                steps: &s[c..ce],
                along: &l[c..ce],
            };
            scaled_dot_tile_into(fa, &shift[r..re], fb, depth, &mut out);
        }
    }
    clock() - t + 0.0 * f64::from(out[1])
}

/// Packed i8 factors of m and n rows (values inside the pair kernel's limit, |a| ≤ 63: four add
/// up to ≤ 252; and 0..=127), with `kernel` chosen: 0 the browser's choice, 1 `DotAdd`, 2 `Pairs`.
fn i8_factors((m, n): (usize, usize), depth: usize, kernel: u32) -> (Vec<i8>, Vec<i8>) {
    use rosetta_core::gemm_i8::{pack, set_kernel, Kernel};
    match kernel {
        1 => set_kernel(Kernel::DotAdd),
        2 => set_kernel(Kernel::Pairs),
        _ => {}
    }
    let a: Vec<i8> = data(m * depth)
        .iter()
        .map(|v| (v * 20.0).clamp(-63.0, 63.0) as i8)
        .collect();
    let b: Vec<i8> = data(n * depth)
        .iter()
        .map(|v| (v * 30.0 + 64.0).clamp(0.0, 127.0) as i8)
        .collect();
    (pack(&a, m, depth), pack(&b, n, depth))
}
