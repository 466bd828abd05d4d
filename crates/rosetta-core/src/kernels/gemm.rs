//! Packed f32 matrix products with a 4 × 8 register tile: the wasm32 GEMM.
//!
//! Why not faer's GEMM in the tab: its wasm kernel keeps 12 × 4 accumulators, more than the 15
//! xmm registers V8 allocates, and spills. This 8-accumulator tile measured 20–25 % faster in
//! Chromium, interleaved with faer in one page (BENCHMARKS.md, `bench/wasm-kernels`); 5 × 8 and
//! 6 × 8 tiles spill and run at half the rate. Natively faer (AVX2 kernels) stays faster, so
//! [`crate::linalg`] calls this module only on wasm32; native tests call it directly and check
//! it against f64 sums, and the browser tests check the SIMD128 kernel.
//!
//! Layout (BLIS): the left factor is packed in panels of `MR` rows × `KC` depth, the right one in
//! panels of `NR` columns; each panel is one contiguous stream for the kernel. Sums run over the
//! depth in order, one multiply and one add per term.

/// Rows of the register tile: four broadcast scalars.
const MR: usize = 4;
/// Columns of the register tile: two SIMD128 vectors, so a tile row stores as one contiguous run.
const NR: usize = 8;
/// Depth of one packed panel. Deep panels mean fewer read-modify-write passes over the output
/// (one for D ≤ 384): measured in Chromium, 128 to 768 were within the VM's noise on the GEMM
/// rates and 384–768 about 10 % faster on the relative representation (768-deep, 300 wide).
const KC: usize = 384;
/// Columns of the right factor packed per pass (`NC × KC` f32: 786 KB, in L2 + L3).
const NC: usize = 512;

/// `out = A·Bᵀ` for row-major `a` (m×d) and `b` (n×d); `out` is m×n row-major. O(m·n·d).
pub fn dot_tile_into(a: &[f32], m: usize, b: &[f32], n: usize, d: usize, out: &mut [f32]) {
    product(
        m,
        n,
        d,
        |i0, k0, k1, p| pack_rows_t::<MR>(a, d, m, i0, k0, k1, p),
        |j0, k0, k1, p| pack_rows_t::<NR>(b, d, n, j0, k0, k1, p),
        false,
        out,
    );
}

/// `out = AᵀB` for row-major `a` (rows×m) and `b` (rows×n); `out` is m×n row-major.
/// O(rows·m·n).
pub fn cross_into(a: &[f32], m: usize, b: &[f32], n: usize, rows: usize, out: &mut [f32]) {
    product(
        m,
        n,
        rows,
        |i0, k0, k1, p| pack_cols::<MR>(a, m, i0, k0, k1, p),
        |j0, k0, k1, p| pack_cols::<NR>(b, n, j0, k0, k1, p),
        false,
        out,
    );
}

/// The lower triangle (and some entries just above the diagonal) of `BᵀB` for a row-major
/// rows×d block, into the d×d row-major `out`; entries above the diagonal are unspecified.
/// O(rows·d²/2).
pub fn lower_gram_into(block: &[f32], rows: usize, d: usize, out: &mut [f32]) {
    product(
        d,
        d,
        rows,
        |i0, k0, k1, p| pack_cols::<MR>(block, d, i0, k0, k1, p),
        |j0, k0, k1, p| pack_cols::<NR>(block, d, j0, k0, k1, p),
        true,
        out,
    );
}

/// `out (m×n) = Σ_k A[:, k]·B[:, k]ᵀ` over a depth `depth`, the factors given by their packers:
/// `pack_a(i0, k0, k1, panel)` writes rows `i0..i0+MR` over depth `k0..k1` as `panel[k·MR + i]`
/// (zeros past the edge); `pack_b` the same with `NR` columns. `lower`: only tiles that touch
/// the lower triangle.
fn product(
    m: usize,
    n: usize,
    depth: usize,
    pack_a: impl Fn(usize, usize, usize, &mut [f32]),
    pack_b: impl Fn(usize, usize, usize, &mut [f32]),
    lower: bool,
    out: &mut [f32],
) {
    debug_assert!(out.len() >= m * n);
    if depth == 0 {
        out[..m * n].fill(0.0);
        return;
    }
    let mut a_panel = vec![0.0f32; MR * KC];
    let mut b_panels = vec![0.0f32; NC.next_multiple_of(NR) * KC];
    let mut tile = [0.0f32; MR * NR];
    for jc in (0..n).step_by(NC) {
        let nc = NC.min(n - jc);
        for k0 in (0..depth).step_by(KC) {
            let k1 = (k0 + KC).min(depth);
            let kc = k1 - k0;
            for (q, j0) in (jc..jc + nc).step_by(NR).enumerate() {
                pack_b(j0, k0, k1, &mut b_panels[q * NR * kc..(q + 1) * NR * kc]);
            }
            for i0 in (0..m).step_by(MR) {
                if lower && jc > i0 + MR - 1 {
                    continue;
                }
                let panel = Panel {
                    i0,
                    k0,
                    k1,
                    jc,
                    nc,
                    lower,
                };
                row_panel(
                    &pack_a,
                    panel,
                    &mut a_panel,
                    &b_panels,
                    &mut tile,
                    (m, n),
                    out,
                );
            }
        }
    }
}

/// Where one row panel of `product` sits: rows `i0..i0 + MR`, depth `k0..k1`, columns
/// `jc..jc + nc`; `lower`: only tiles that touch the lower triangle.
#[derive(Clone, Copy)]
struct Panel {
    i0: usize,
    k0: usize,
    k1: usize,
    jc: usize,
    nc: usize,
    lower: bool,
}

/// One row panel of `product`: pack it, multiply it by every packed column panel, store.
/// Not inlined: V8 optimises a wasm function only from its next call on, so one long product
/// (a relative representation, a Gram) must do its work in a function it calls many times,
/// or all of it runs in the baseline tier.
#[inline(never)]
fn row_panel(
    pack_a: &impl Fn(usize, usize, usize, &mut [f32]),
    p: Panel,
    a_panel: &mut [f32],
    b_panels: &[f32],
    tile: &mut [f32; MR * NR],
    (m, n): (usize, usize),
    out: &mut [f32],
) {
    let kc = p.k1 - p.k0;
    pack_a(p.i0, p.k0, p.k1, &mut a_panel[..MR * kc]);
    for (q, j0) in (p.jc..p.jc + p.nc).step_by(NR).enumerate() {
        if p.lower && j0 > p.i0 + MR - 1 {
            break;
        }
        kernel(
            &a_panel[..MR * kc],
            &b_panels[q * NR * kc..(q + 1) * NR * kc],
            tile,
        );
        store(tile, out, n, p.i0, j0, m, p.k0 > 0);
    }
}

/// The row-major tile into `out` at (i0, j0), clipped to m × n.
fn store(
    tile: &[f32; MR * NR],
    out: &mut [f32],
    n: usize,
    i0: usize,
    j0: usize,
    m: usize,
    add: bool,
) {
    let cols = NR.min(n - j0);
    for (i, src) in (i0..m.min(i0 + MR)).zip(tile.chunks_exact(NR)) {
        let dst = &mut out[i * n + j0..i * n + j0 + cols];
        if add {
            for (d, &t) in dst.iter_mut().zip(src) {
                *d += t;
            }
        } else {
            dst.copy_from_slice(&src[..cols]);
        }
    }
}

/// Panel of the `W` columns `c0..` of a row-major `src` with `ncols` columns, over its rows
/// `k0..k1`: `panel[(k − k0)·W + l] = src[k][c0 + l]`.
fn pack_cols<const W: usize>(
    src: &[f32],
    ncols: usize,
    c0: usize,
    k0: usize,
    k1: usize,
    panel: &mut [f32],
) {
    let w = W.min(ncols - c0);
    for (k, dst) in (k0..k1).zip(panel.chunks_exact_mut(W)) {
        dst[..w].copy_from_slice(&src[k * ncols + c0..k * ncols + c0 + w]);
        dst[w..].fill(0.0);
    }
}

/// Panel of the `W` rows `r0..` of a row-major `src` (`nrows` × `ld`), transposed, over its
/// columns `k0..k1`: `panel[(k − k0)·W + l] = src[r0 + l][k]`.
fn pack_rows_t<const W: usize>(
    src: &[f32],
    ld: usize,
    nrows: usize,
    r0: usize,
    k0: usize,
    k1: usize,
    panel: &mut [f32],
) {
    let w = W.min(nrows - r0);
    let kc = k1 - k0;
    for l in 0..w {
        let row = &src[(r0 + l) * ld + k0..(r0 + l) * ld + k1];
        for (k, &v) in row.iter().enumerate() {
            panel[k * W + l] = v;
        }
    }
    if w < W {
        for k in 0..kc {
            panel[k * W + w..(k + 1) * W].fill(0.0);
        }
    }
}

/// `tile[i·NR + j] = Σ_k a[k·MR + i]·b[k·NR + j]` for packed panels `a` (k × MR), `b` (k × NR).
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
fn kernel(a: &[f32], b: &[f32], tile: &mut [f32; MR * NR]) {
    simd::kernel(a, b, tile);
}

/// `tile[i·NR + j] = Σ_k a[k·MR + i]·b[k·NR + j]` for packed panels `a` (k × MR), `b` (k × NR).
#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
fn kernel(a: &[f32], b: &[f32], tile: &mut [f32; MR * NR]) {
    let mut acc = [[0.0f32; NR]; MR];
    for (ak, bk) in a.chunks_exact(MR).zip(b.chunks_exact(NR)) {
        for (row, &ai) in acc.iter_mut().zip(ak) {
            for (c, &bj) in row.iter_mut().zip(bk) {
                *c += ai * bj;
            }
        }
    }
    for (dst, row) in tile.chunks_exact_mut(NR).zip(&acc) {
        dst.copy_from_slice(row);
    }
}

#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
#[allow(unsafe_code)] // reason: SIMD128 loads and stores through pointers into checked slices
mod simd {
    use super::{MR, NR};
    use core::arch::wasm32::{f32x4_splat, v128, v128_load, v128_load32_splat, v128_store};

    /// `c + a·b` as a multiply and an add (SIMD128 has no fused multiply-add).
    #[inline(always)]
    fn madd(a: v128, b: v128, c: v128) -> v128 {
        core::arch::wasm32::f32x4_add(c, core::arch::wasm32::f32x4_mul(a, b))
    }

    pub(super) fn kernel(a: &[f32], b: &[f32], tile: &mut [f32; MR * NR]) {
        let depth = (a.len() / MR).min(b.len() / NR);
        // SAFETY: `pa` walks a[..depth·MR] and `pb` b[..depth·NR] in steps of MR and NR, so
        // every load reads inside the slices; the loads have no alignment requirement and the
        // stores write the 8 vectors of `tile` (32 f32).
        unsafe {
            let zero = f32x4_splat(0.0);
            let [mut c00, mut c01, mut c10, mut c11, mut c20, mut c21, mut c30, mut c31] =
                [zero; 8];
            // Pointers bumped once per step (not k·MR + i): V8 folds the constant offsets into
            // the loads and the loop stays at 8 accumulators + 2 + 4 operands, no spills.
            let (mut pa, mut pb) = (a.as_ptr(), b.as_ptr());
            for _ in 0..depth {
                let b0 = v128_load(pb.cast::<v128>());
                let b1 = v128_load(pb.add(4).cast::<v128>());
                let a0 = v128_load32_splat(pa.cast::<u32>());
                c00 = madd(a0, b0, c00);
                c01 = madd(a0, b1, c01);
                let a1 = v128_load32_splat(pa.add(1).cast::<u32>());
                c10 = madd(a1, b0, c10);
                c11 = madd(a1, b1, c11);
                let a2 = v128_load32_splat(pa.add(2).cast::<u32>());
                c20 = madd(a2, b0, c20);
                c21 = madd(a2, b1, c21);
                let a3 = v128_load32_splat(pa.add(3).cast::<u32>());
                c30 = madd(a3, b0, c30);
                c31 = madd(a3, b1, c31);
                pa = pa.add(MR);
                pb = pb.add(NR);
            }
            let t = tile.as_mut_ptr().cast::<v128>();
            for (i, v) in [c00, c01, c10, c11, c20, c21, c30, c31]
                .into_iter()
                .enumerate()
            {
                v128_store(t.add(i), v);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn data(len: usize, seed: u64) -> Vec<f32> {
        let mut r = crate::Rng::new(seed);
        (0..len).map(|_| r.normal() as f32).collect()
    }

    fn close(got: f32, want: f64, scale: f64) -> bool {
        (f64::from(got) - want).abs() <= 1e-5 * scale
    }

    #[test]
    fn dot_tile_matches_f64_sums_at_every_edge() {
        for &(m, n, d) in &[
            (1, 1, 1),
            (7, 3, 5),
            (8, 4, 128),
            (9, 5, 129),
            (21, 517, 400),
            (16, 4, 0),
        ] {
            let (a, b) = (data(m * d, 1), data(n * d, 2));
            let mut out = vec![f32::NAN; m * n];
            dot_tile_into(&a, m, &b, n, d, &mut out);
            for i in 0..m {
                for j in 0..n {
                    let want: f64 = (0..d)
                        .map(|k| f64::from(a[i * d + k]) * f64::from(b[j * d + k]))
                        .sum();
                    assert!(
                        close(out[i * n + j], want, (d as f64).sqrt().max(1.0)),
                        "{m}×{n}×{d} at ({i},{j})"
                    );
                }
            }
        }
    }

    #[test]
    fn cross_and_lower_gram_match_f64_sums() {
        for &(rows, m, n) in &[(1, 1, 1), (3, 9, 5), (400, 13, 515), (256, 40, 40)] {
            let (a, b) = (data(rows * m, 3), data(rows * n, 4));
            let mut out = vec![f32::NAN; m * n];
            cross_into(&a, m, &b, n, rows, &mut out);
            let mut gram = vec![f32::NAN; m * m];
            lower_gram_into(&a, rows, m, &mut gram);
            let scale = (rows as f64).sqrt().max(1.0);
            for i in 0..m {
                for j in 0..n {
                    let want: f64 = (0..rows)
                        .map(|k| f64::from(a[k * m + i]) * f64::from(b[k * n + j]))
                        .sum();
                    assert!(
                        close(out[i * n + j], want, scale),
                        "cross {rows}×{m}×{n} at ({i},{j})"
                    );
                }
                for j in 0..=i {
                    let want: f64 = (0..rows)
                        .map(|k| f64::from(a[k * m + i]) * f64::from(a[k * m + j]))
                        .sum();
                    assert!(
                        close(gram[i * m + j], want, scale),
                        "gram {rows}×{m} at ({i},{j})"
                    );
                }
            }
        }
    }
}
