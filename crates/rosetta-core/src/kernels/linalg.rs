//! Bulk products in f32 (SIMD kernels on native and wasm), accumulated across row blocks in f64.
//!
//! Why blocks: on wasm32 only the f32 GEMM kernel is vectorised (f64 runs ~3× slower), while one
//! f32 sum over 100,000 rows would lose digits. Each block's product has `BLOCK_ROWS` terms, then
//! the blocks are summed in f64, keeping the error near f32 rounding of a 256-term dot product.

#[cfg(not(target_arch = "wasm32"))]
use faer::linalg::matmul::triangular::{self, BlockStructure};
use faer::{Accum, MatMut, MatRef, Par};

use crate::matrix::MatView;

/// Rows per block: small enough that f32 sums stay accurate, large enough for GEMM efficiency.
pub const BLOCK_ROWS: usize = 256;

/// Copy rows `start..end` of `x` into `out` with `mean` subtracted (row-major, f32).
pub(crate) fn centred_block(
    x: MatView<'_>,
    mean: &[f64],
    start: usize,
    end: usize,
    out: &mut Vec<f32>,
) {
    let d = x.d();
    out.clear();
    out.reserve((end - start) * d);
    let mean32: Vec<f32> = mean.iter().map(|&m| m as f32).collect();
    for i in start..end {
        out.extend(x.row(i).iter().zip(&mean32).map(|(&v, &m)| v - m));
    }
}

/// `X̄ᵀX̄` (D×D, row-major, symmetric) of the rows of `x` centred by `mean`. O(N·D²/2).
pub fn centred_gram(x: MatView<'_>, mean: &[f64]) -> Vec<f64> {
    let d = x.d();
    let mut acc = vec![0.0f64; d * d];
    let mut block = Vec::new();
    let mut g = vec![0.0f32; d * d];
    let mut start = 0;
    while start < x.n() {
        let end = (start + BLOCK_ROWS).min(x.n());
        centred_block(x, mean, start, end, &mut block);
        lower_gram_f32(&block, end - start, d, &mut g);
        for i in 0..d {
            for (a, &v) in acc[i * d..=i * d + i].iter_mut().zip(&g[i * d..=i * d + i]) {
                *a += f64::from(v);
            }
        }
        start = end;
    }
    for i in 0..d {
        for j in 0..i {
            acc[j * d + i] = acc[i * d + j];
        }
    }
    acc
}

/// The lower triangle of `BᵀB` for a row-major `rows × d` block B, into the d×d row-major `g`
/// (f32; entries above the diagonal unspecified). O(rows·d²/2).
pub fn lower_gram_f32(block: &[f32], rows: usize, d: usize, g: &mut [f32]) {
    #[cfg(target_arch = "wasm32")]
    crate::kernels::gemm::lower_gram_into(block, rows, d, g);
    #[cfg(not(target_arch = "wasm32"))]
    {
        let b = MatRef::from_row_major_slice(block, rows, d);
        triangular::matmul(
            MatMut::from_row_major_slice_mut(g, d, d),
            BlockStructure::TriangularLower,
            Accum::Replace,
            b.transpose(),
            BlockStructure::Rectangular,
            b,
            BlockStructure::Rectangular,
            1.0f32,
            Par::Seq,
        );
    }
}

/// `AᵀB` (m×n, row-major) for row-major `a` (rows×m) and `b` (rows×n), f32. O(rows·m·n).
pub fn cross_f32(a: &[f32], m: usize, b: &[f32], n: usize, rows: usize, out: &mut [f32]) {
    #[cfg(target_arch = "wasm32")]
    crate::kernels::gemm::cross_into(a, m, b, n, rows, out);
    #[cfg(not(target_arch = "wasm32"))]
    {
        let a = MatRef::from_row_major_slice(a, rows, m);
        let b = MatRef::from_row_major_slice(b, rows, n);
        let dst = MatMut::from_row_major_slice_mut(out, m, n);
        faer::linalg::matmul::matmul(dst, Accum::Replace, a.transpose(), b, 1.0f32, Par::Seq);
    }
}

/// `(X − mean) · Bᵀ` for a `k × D` row-major basis `B`: the N×k coordinates, row-major f32.
pub fn project(x: MatView<'_>, mean: &[f64], basis: &[f64], k: usize) -> Vec<f32> {
    let d = x.d();
    let basis32: Vec<f32> = basis.iter().map(|&v| v as f32).collect();
    let mut out = vec![0.0f32; x.n() * k];
    let mut block = Vec::new();
    let mut start = 0;
    while start < x.n() {
        let end = (start + BLOCK_ROWS * 4).min(x.n());
        centred_block(x, mean, start, end, &mut block);
        let dst = &mut out[start * k..end * k];
        dot_tile_into(&block, end - start, &basis32, k, d, dst);
        start = end;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn naive_gram(x: &[f32], n: usize, d: usize, mean: &[f64]) -> Vec<f64> {
        let mut g = vec![0.0; d * d];
        for r in 0..n {
            for i in 0..d {
                for j in 0..d {
                    g[i * d + j] +=
                        (f64::from(x[r * d + i]) - mean[i]) * (f64::from(x[r * d + j]) - mean[j]);
                }
            }
        }
        g
    }

    #[test]
    fn centred_block_is_the_rows_minus_the_f32_means() {
        let (n, d) = (10, 5);
        let x: Vec<f32> = (0..n * d).map(|i| (i as f32).sin() * 3.0).collect();
        let v = MatView::new(&x, n, d).unwrap();
        let mean: Vec<f64> = (0..d).map(|j| 0.1 * j as f64 + 1.0 / 3.0).collect();
        let mut out = vec![7.0f32; 3];
        centred_block(v, &mean, 3, 7, &mut out);
        let want: Vec<f32> = (3..7)
            .flat_map(|i| (0..d).map(move |j| (i, j)))
            .map(|(i, j)| x[i * d + j] - mean[j] as f32)
            .collect();
        assert_eq!(out, want);
        centred_block(v, &mean, 4, 4, &mut out);
        assert!(out.is_empty());
        let empty = MatView::new(&[], 3, 0).unwrap();
        centred_block(empty, &[], 0, 3, &mut out);
        assert!(out.is_empty());
    }

    #[test]
    fn gram_matches_f64_reference() {
        let (n, d) = (1000, 7);
        let x: Vec<f32> = (0..n * d)
            .map(|i| ((i * 7919) % 1013) as f32 / 97.0 + 3.0)
            .collect();
        let v = MatView::new(&x, n, d).unwrap();
        let mean = v.column_means();
        let g = centred_gram(v, &mean);
        let r = naive_gram(&x, n, d, &mean);
        let scale = r.iter().fold(0.0f64, |a, b| a.max(b.abs()));
        for (a, b) in g.iter().zip(&r) {
            assert!((a - b).abs() <= 2e-6 * scale, "{a} vs {b}");
        }
    }

    #[test]
    fn f64_cross_of_a_space_with_itself_is_its_gram() {
        // 600 rows: three blocks, the last partial; the Gram path (same rows, or a copy of
        // them) and the full product (other rows) both against the f64 reference.
        let (n, d) = (600, 9);
        let x: Vec<f32> = (0..n * d)
            .map(|i| ((i * 7919) % 1013) as f32 / 97.0 + 3.0)
            .collect();
        let mut y = x.clone();
        let v = MatView::new(&x, n, d).unwrap();
        let mean = v.column_means();
        let want = naive_gram(&x, n, d, &mean);
        let scale = want.iter().fold(0.0f64, |a, b| a.max(b.abs()));
        let close = |got: &[f64], want: &[f64]| {
            for (a, b) in got.iter().zip(want) {
                assert!((a - b).abs() <= 1e-12 * scale, "{a} vs {b}");
            }
        };
        close(&centred_cross(v, &mean, v, &mean, Precision::F64), &want);
        let copy = MatView::new(&y, n, d).unwrap();
        close(&centred_cross(v, &mean, copy, &mean, Precision::F64), &want);
        y[5] += 1.0;
        let other = MatView::new(&y, n, d).unwrap();
        let cross = centred_cross(v, &mean, other, &mean, Precision::F64);
        let mut want = want;
        // Row 0, column 5 of y moved by 1: column 5 of X̄ᵀȲ gains row 0 of X̄.
        for i in 0..d {
            want[i * d + 5] += f64::from(x[i]) - mean[i];
        }
        close(&cross, &want);
    }

    #[test]
    fn project_matches_naive() {
        let (n, d, k) = (1100, 3, 2);
        let x: Vec<f32> = (0..n * d).map(|i| (i % 17) as f32).collect();
        let v = MatView::new(&x, n, d).unwrap();
        let mean = v.column_means();
        let basis = [1.0, 0.0, 0.5, 0.0, 1.0, -1.0];
        let p = project(v, &mean, &basis, k);
        for r in [0, 555, 1099] {
            for c in 0..k {
                let want: f64 = (0..d)
                    .map(|j| (f64::from(x[r * d + j]) - mean[j]) * basis[c * d + j])
                    .sum();
                assert!((f64::from(p[r * k + c]) - want).abs() < 1e-4);
            }
        }
    }
}

/// Arithmetic of a bulk product.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Precision {
    /// f32 products in 256-row blocks, blocks summed in f64: fast (SIMD on native and wasm),
    /// relative error ~1e-7 of the largest entries.
    F32Blocks,
    /// f64 throughout: for results that cancel, such as a Procrustes residual near 0.
    F64,
}

/// `X̄ᵀȲ` (Dx×Dy, row-major) for two spaces of the same items, each centred by its own mean.
/// O(N·Dx·Dy).
pub fn centred_cross(
    x: MatView<'_>,
    mean_x: &[f64],
    y: MatView<'_>,
    mean_y: &[f64],
    precision: Precision,
) -> Vec<f64> {
    let (dx, dy) = (x.d(), y.d());
    let mut acc = vec![0.0f64; dx * dy];
    match precision {
        Precision::F32Blocks => {
            let (mut bx, mut by) = (Vec::new(), Vec::new());
            let mut g = vec![0.0f32; dx * dy];
            let mut start = 0;
            while start < x.n() {
                let end = (start + BLOCK_ROWS).min(x.n());
                centred_block(x, mean_x, start, end, &mut bx);
                centred_block(y, mean_y, start, end, &mut by);
                cross_f32(&bx, dx, &by, dy, end - start, &mut g);
                for (a, &v) in acc.iter_mut().zip(&g) {
                    *a += f64::from(v);
                }
                start = end;
            }
        }
        Precision::F64 => {
            let centred64 = |m: MatView<'_>, mean: &[f64], s: usize, e: usize| -> Vec<f64> {
                (s..e)
                    .flat_map(|i| m.row(i).iter().zip(mean).map(|(&v, mu)| f64::from(v) - mu))
                    .collect()
            };
            // A Gram (the same rows and means on both sides, as the stitching probes ask):
            // only its lower triangle is multiplied, then mirrored. Compared by value, since a
            // helper receives the two sides as two copies; O(N·D), against O(N·D²) saved.
            let gram = x.n() == y.n()
                && dx == dy
                && mean_x == mean_y
                && (std::ptr::eq(x.data(), y.data()) || x.data() == y.data());
            let mut dst = MatMut::from_row_major_slice_mut(&mut acc, dx, dy);
            let mut start = 0;
            while start < x.n() {
                let end = (start + BLOCK_ROWS).min(x.n());
                let bx = centred64(x, mean_x, start, end);
                let a = MatRef::from_row_major_slice(&bx, end - start, dx);
                if gram {
                    use faer::linalg::matmul::triangular::{matmul, BlockStructure};
                    let full = BlockStructure::Rectangular;
                    let lower = BlockStructure::TriangularLower;
                    let at = a.transpose();
                    matmul(
                        dst.as_mut(),
                        lower,
                        Accum::Add,
                        at,
                        full,
                        a,
                        full,
                        1.0f64,
                        Par::Seq,
                    );
                } else {
                    let by = centred64(y, mean_y, start, end);
                    let b = MatRef::from_row_major_slice(&by, end - start, dy);
                    let at = a.transpose();
                    faer::linalg::matmul::matmul(dst.as_mut(), Accum::Add, at, b, 1.0f64, Par::Seq);
                }
                start = end;
            }
            if gram {
                for i in 0..dx {
                    for j in 0..i {
                        acc[j * dx + i] = acc[i * dx + j];
                    }
                }
            }
        }
    }
    acc
}

/// `A · Bᵀ` for row-major `A` (m×d) and `B` (n×d): the m×n f32 tile of pairwise dot products.
pub(crate) fn dot_tile(a: &[f32], m: usize, b: &[f32], n: usize, d: usize, out: &mut Vec<f32>) {
    out.clear();
    out.resize(m * n, 0.0);
    dot_tile_into(a, m, b, n, d, out);
}

/// [`dot_tile`] into a caller's m×n row-major slice (every value overwritten).
pub fn dot_tile_into(a: &[f32], m: usize, b: &[f32], n: usize, d: usize, out: &mut [f32]) {
    #[cfg(target_arch = "wasm32")]
    crate::kernels::gemm::dot_tile_into(a, m, b, n, d, out);
    #[cfg(not(target_arch = "wasm32"))]
    {
        let a = MatRef::from_row_major_slice(a, m, d);
        let b = MatRef::from_row_major_slice(b, n, d);
        let dst = MatMut::from_row_major_slice_mut(out, m, n);
        faer::linalg::matmul::matmul(dst, Accum::Replace, a, b.transpose(), 1.0f32, Par::Seq);
    }
}

/// Σ a_k·b_k accumulated in f64, for f32 or f64 values on either side. Four running sums, each
/// in its own order: fixed-size chunks without index checks, so the compiler keeps them in two
/// f64x2 registers (one chain of dependent adds would run at the add's latency; the exact pass
/// and the quantisers call this millions of times). O(n).
pub fn dot64<A: Copy + Into<f64>, B: Copy + Into<f64>>(a: &[A], b: &[B]) -> f64 {
    debug_assert_eq!(a.len(), b.len());
    let mut s = [0.0f64; 4];
    let (ac, bc) = (a.chunks_exact(4), b.chunks_exact(4));
    let (ar, br) = (ac.remainder(), bc.remainder());
    for (x, y) in ac.zip(bc) {
        for l in 0..4 {
            s[l] += x[l].into() * y[l].into();
        }
    }
    let mut tail = 0.0;
    for (&x, &y) in ar.iter().zip(br) {
        tail += x.into() * y.into();
    }
    s[0] + s[1] + s[2] + s[3] + tail
}

/// Σ (a_k − b_k)² accumulated in f64: the RBF kernel's squared distances as differences, not
/// ‖a‖² + ‖b‖² − 2a·b (which cancels). Eight running sums (four f64x2 chains; with two the loop
/// waited on the add's latency: ~1.2× slower natively). O(n).
pub(crate) fn squared_distance64(a: &[f64], b: &[f64]) -> f64 {
    debug_assert_eq!(a.len(), b.len());
    let mut s = [0.0f64; 8];
    let (ac, bc) = (a.chunks_exact(8), b.chunks_exact(8));
    let (ar, br) = (ac.remainder(), bc.remainder());
    for (x, y) in ac.zip(bc) {
        for l in 0..8 {
            let t = x[l] - y[l];
            s[l] += t * t;
        }
    }
    let mut tail = 0.0;
    for (&x, &y) in ar.iter().zip(br) {
        let t = x - y;
        tail += t * t;
    }
    (s[0] + s[1]) + (s[2] + s[3]) + (s[4] + s[5]) + (s[6] + s[7]) + tail
}

/// Euclidean norm, accumulated in f64.
pub fn norm64(a: &[f32]) -> f64 {
    dot64(a, a).sqrt()
}

/// 1/‖row‖ for every row, in f64 (0 for a zero row). O(N·D).
pub(crate) fn inverse_norms(x: MatView<'_>) -> Vec<f64> {
    (0..x.n())
        .map(|i| {
            let norm = norm64(x.row(i));
            if norm > 0.0 {
                1.0 / norm
            } else {
                0.0
            }
        })
        .collect()
}

/// Rows scaled to unit length (zero rows stay zero), f32. O(N·D).
pub(crate) fn normalized_rows(x: MatView<'_>) -> crate::Matrix {
    let d = x.d();
    let mut data = Vec::with_capacity(x.n() * d);
    for i in 0..x.n() {
        let row = x.row(i);
        let norm = norm64(row);
        let inv = if norm > 0.0 { (1.0 / norm) as f32 } else { 0.0 };
        data.extend(row.iter().map(|&v| v * inv));
    }
    crate::Matrix { data, n: x.n(), d }
}
