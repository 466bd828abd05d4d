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
        rosetta_core::kernels::linalg::lower_gram_f32(&x, rows, d, &mut g);
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
        rosetta_core::kernels::linalg::dot_tile_into(&a, m, &b, n, k, &mut c);
    }
    clock() - t + 0.0 * f64::from(c[1])
}

/// `reps` preparations of n × d rows of the bench's data for the i16 screen
/// (`UnitRowsI16::new`), ms.
#[no_mangle]
pub extern "C" fn prep(n: usize, d: usize, reps: usize) -> f64 {
    let x = rosetta_bench::embeddings(n, d, 6);
    let v = rosetta_core::MatView::new(&x, n, d).expect("shape");
    let t = clock();
    for _ in 0..reps {
        std::hint::black_box(rosetta_core::kernels::quant::UnitRowsI16::new(v));
    }
    clock() - t
}

/// `reps` i16 score tiles of 512 × 512 at depth `depth` as the screens compute them
/// (`UnitRowsI16::cos_tile`: the products and their scaling to f32), ms.
#[no_mangle]
pub extern "C" fn i16_tiles(depth: usize, reps: usize) -> f64 {
    use rosetta_core::kernels::quant::UnitRowsI16;
    let n = 512;
    let (x, y) = (data(n * depth), data(n * depth));
    let qx = UnitRowsI16::new(rosetta_core::MatView::new(&x, n, depth).expect("shape"));
    let qy = UnitRowsI16::new(rosetta_core::MatView::new(&y, n, depth).expect("shape"));
    let mut out = Vec::new();
    let t = clock();
    for _ in 0..reps {
        qx.cos_tile(0..n, &qy, 0..n, &mut out);
    }
    clock() - t + 0.0 * f64::from(out[1])
}

/// i16 score tiles as a kNN share computes them: 2,048 rows in 512-row tiles against `total`
/// rows in 512-column tiles (cold data past the cache, unlike [`i16_tiles`]), ms.
#[no_mangle]
pub extern "C" fn i16_sweep(depth: usize, total: usize) -> f64 {
    use rosetta_core::kernels::quant::UnitRowsI16;
    let (x, y) = (data(2048 * depth), data(total * depth));
    let qx = UnitRowsI16::new(rosetta_core::MatView::new(&x, 2048, depth).expect("shape"));
    let qy = UnitRowsI16::new(rosetta_core::MatView::new(&y, total, depth).expect("shape"));
    let mut out = Vec::new();
    let mut sink = 0.0f32;
    let t = clock();
    for r in (0..2048).step_by(512) {
        for c in (0..total).step_by(512) {
            qx.cos_tile(r..r + 512, &qy, c..(c + 512).min(total), &mut out);
            sink += out[1];
        }
    }
    clock() - t + 0.0 * f64::from(sink)
}
