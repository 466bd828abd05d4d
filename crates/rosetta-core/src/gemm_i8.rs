//! Packed i8 × u7 products with a 4 × 8 register tile: the retrieval screen's GEMM in the worker's
//! relaxed-simd bundle ([`crate::quant_i8`]).
//!
//! `i32x4.relaxed_dot_i8x16_i7x16_add_s` multiplies sixteen pairs and adds them to four i32 sums
//! in one instruction (one VNNI `vpdpbusd` where the CPU has it). Measured in Chromium on this
//! repo's VM: 55 GMAC/s against the i16 kernel's 17 (BENCHMARKS.md). Its result is defined only
//! when the second operand's bytes are in 0..=127, so the column side is stored with an offset
//! (see [`crate::quant_i8`]) and every sum here is exact: |sum| ≤ depth·127² < 2³¹ for any depth
//! below 133,000, and the x86 fallback's i16 pair sums (≤ 2·128·127) cannot saturate. Only the
//! final scaling to f32 rounds.
//!
//! Layout: like [`crate::gemm_i16`], with depth taken in quads — a step holds, per row, four
//! consecutive depth values, the four one i32 lane of the dot multiplies.

/// Rows of the register tile: four broadcast quads.
const MR: usize = 4;
/// Columns of the register tile: two SIMD128 vectors of four i32 sums.
const NR: usize = 8;
/// Rows per group of the packed layout: one register tile's columns, or two tiles' rows.
pub const GROUP: usize = NR;
/// Depth values per step.
pub const QUAD: usize = 4;

/// The packed layout of rows (`rows` × `depth`, depth a multiple of 4): groups of [`GROUP`] rows,
/// within a group the depth in quads, each quad of the group's rows side by side:
/// `packed[((g·depth/4 + s)·GROUP + l)·4 + t] = row(g·GROUP + l)[4s + t]`, zero rows past the last.
pub fn packed_len(rows: usize, depth: usize) -> usize {
    rows.next_multiple_of(GROUP) * depth
}

/// Where row `i`'s depth quad `s` starts in the packed layout.
#[inline]
pub fn packed_at(i: usize, s: usize, depth: usize) -> usize {
    ((i / GROUP * depth / QUAD + s) * GROUP + i % GROUP) * QUAD
}

/// One factor of [`scaled_dot_tile_into`]: packed rows starting at a group boundary, with a
/// step and a part along the shared direction per row (as many rows as steps).
#[derive(Debug, Clone, Copy)]
pub struct Factor<'a> {
    pub packed: &'a [i8],
    pub steps: &'a [f32],
    pub along: &'a [f32],
}

/// `out[i·n + j] = f32(a_i · b_j − shift[i]) · sa[i] · sb[j] + along_a[i] · along_b[j]` for
/// packed signed rows `a` (m of them) and packed rows `b` (n) whose every value is in 0..=127,
/// depth a multiple of 4; `out` is m × n row-major. O(m·n·depth).
#[inline(never)] // V8 optimises a wasm function from its next call on: keep this one per tile
pub fn scaled_dot_tile_into(
    a: Factor<'_>,
    shift: &[i32],
    b: Factor<'_>,
    depth: usize,
    out: &mut [f32],
) {
    let (m, n) = (a.steps.len(), b.steps.len());
    debug_assert!(depth.is_multiple_of(QUAD) && a.packed.len() >= packed_len(m, depth));
    debug_assert!(b.packed.len() >= packed_len(n, depth));
    debug_assert!(a.along.len() == m && shift.len() >= m);
    debug_assert!(b.along.len() == n && out.len() >= m * n);
    let steps = depth / QUAD;
    let group = GROUP * depth;
    let mut tile = [0i32; MR * NR];
    for i0 in (0..m).step_by(MR) {
        // Rows i0..i0+4 are one half of their group: every step reads 16 of its 32 values.
        let a_panel = &a.packed[i0 / GROUP * group + (i0 % GROUP) * QUAD..(i0 / GROUP + 1) * group];
        for j0 in (0..n).step_by(NR) {
            let b_panel = &b.packed[j0 / GROUP * group..(j0 / GROUP + 1) * group];
            kernel(a_panel, b_panel, steps, &mut tile);
            let cols = j0..j0 + NR.min(n - j0);
            for (i, t) in (i0..m.min(i0 + MR)).zip(tile.chunks_exact(NR)) {
                let (sa, la) = (a.steps[i], a.along[i]);
                let dst = &mut out[i * n + cols.start..i * n + cols.end];
                for (((d, &v), &sb), &lb) in dst
                    .iter_mut()
                    .zip(t)
                    .zip(&b.steps[cols.clone()])
                    .zip(&b.along[cols.clone()])
                {
                    *d = (v - shift[i]) as f32 * sa * sb + la * lb;
                }
            }
        }
    }
}

/// `tile[i·NR + j] = Σ_s Σ_t a[s·4·GROUP + 4i + t]·b[s·4·GROUP + 4j + t]` over `steps` quads.
#[cfg(all(
    target_arch = "wasm32",
    target_feature = "simd128",
    feature = "relaxed-simd"
))]
fn kernel(a: &[i8], b: &[i8], steps: usize, tile: &mut [i32; MR * NR]) {
    simd::kernel(a, b, steps, tile);
}

/// `tile[i·NR + j] = Σ_s Σ_t a[s·4·GROUP + 4i + t]·b[s·4·GROUP + 4j + t]` over `steps` quads.
/// Portable: the screen that uses this GEMM is chosen only in the relaxed-simd bundle, so this
/// runs in tests.
#[cfg(not(all(
    target_arch = "wasm32",
    target_feature = "simd128",
    feature = "relaxed-simd"
)))]
fn kernel(a: &[i8], b: &[i8], steps: usize, tile: &mut [i32; MR * NR]) {
    let mut acc = [[0i32; NR]; MR];
    for s in 0..steps {
        let (ak, bk) = (
            &a[s * QUAD * GROUP..],
            &b[s * QUAD * GROUP..s * QUAD * GROUP + QUAD * NR],
        );
        for (row, ai) in acc.iter_mut().zip(ak[..QUAD * MR].chunks_exact(QUAD)) {
            for (c, bj) in row.iter_mut().zip(bk.chunks_exact(QUAD)) {
                *c += ai
                    .iter()
                    .zip(bj)
                    .map(|(&p, &q)| i32::from(p) * i32::from(q))
                    .sum::<i32>();
            }
        }
    }
    for (dst, row) in tile.chunks_exact_mut(NR).zip(&acc) {
        dst.copy_from_slice(row);
    }
}

#[cfg(all(
    target_arch = "wasm32",
    target_feature = "simd128",
    feature = "relaxed-simd"
))]
#[allow(unsafe_code)] // reason: SIMD128 loads and stores through pointers into checked slices
mod simd {
    use super::{GROUP, MR, NR, QUAD};
    use core::arch::wasm32::{
        i32x4_relaxed_dot_i8x16_i7x16_add as dot_add, i32x4_splat, v128, v128_load,
        v128_load32_splat, v128_store,
    };

    #[target_feature(enable = "relaxed-simd")]
    pub(super) fn kernel(a: &[i8], b: &[i8], steps: usize, tile: &mut [i32; MR * NR]) {
        // a's last step reads 4·MR values, b's 4·NR, each step 4·GROUP further on.
        let steps = steps
            .min((a.len() + QUAD * GROUP - QUAD * MR) / (QUAD * GROUP))
            .min((b.len() + QUAD * GROUP - QUAD * NR) / (QUAD * GROUP));
        // SAFETY: `pa` and `pb` advance 4·GROUP per step; the clamp above keeps the last step's
        // reads (a[..4MR], b[..4NR] from there) inside the slices. Loads have no alignment
        // requirement; the stores write the 8 vectors of `tile` (32 i32).
        unsafe {
            let zero = i32x4_splat(0);
            let [mut c00, mut c01, mut c10, mut c11, mut c20, mut c21, mut c30, mut c31] =
                [zero; 8];
            let (mut pa, mut pb) = (a.as_ptr(), b.as_ptr());
            for _ in 0..steps {
                let b0 = v128_load(pb.cast::<v128>());
                let b1 = v128_load(pb.add(16).cast::<v128>());
                let a0 = v128_load32_splat(pa.cast::<u32>());
                c00 = dot_add(a0, b0, c00);
                c01 = dot_add(a0, b1, c01);
                let a1 = v128_load32_splat(pa.add(4).cast::<u32>());
                c10 = dot_add(a1, b0, c10);
                c11 = dot_add(a1, b1, c11);
                let a2 = v128_load32_splat(pa.add(8).cast::<u32>());
                c20 = dot_add(a2, b0, c20);
                c21 = dot_add(a2, b1, c21);
                let a3 = v128_load32_splat(pa.add(12).cast::<u32>());
                c30 = dot_add(a3, b0, c30);
                c31 = dot_add(a3, b1, c31);
                pa = pa.add(QUAD * GROUP);
                pb = pb.add(QUAD * GROUP);
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

/// Rows packed into the layout above (for tests here and in the browser).
pub fn pack(src: &[i8], rows: usize, depth: usize) -> Vec<i8> {
    let mut p = vec![0i8; packed_len(rows, depth)];
    for i in 0..rows {
        for s in 0..depth / QUAD {
            let at = packed_at(i, s, depth);
            p[at..at + QUAD]
                .copy_from_slice(&src[i * depth + QUAD * s..i * depth + QUAD * (s + 1)]);
        }
    }
    p
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scaled_products_match_exact_sums_at_every_edge() {
        let mut r = crate::Rng::new(5);
        for &(m, n, depth) in &[
            (1, 1, 4),
            (7, 3, 8),
            (8, 4, 128),
            (9, 5, 132),
            (21, 517, 400),
        ] {
            let a: Vec<i8> = (0..m * depth)
                .map(|_| (r.normal() * 60.0).clamp(-127.0, 127.0) as i8)
                .collect();
            let b: Vec<i8> = (0..n * depth)
                .map(|_| (r.normal() * 40.0 + 64.0).clamp(0.0, 127.0) as i8)
                .collect();
            let sa: Vec<f32> = (0..m).map(|i| 1.0 / (1.0 + i as f32)).collect();
            let shift: Vec<i32> = (0..m).map(|i| i as i32 * 7 - 20).collect();
            let sb: Vec<f32> = (0..n).map(|j| 0.5 + j as f32).collect();
            let la: Vec<f32> = (0..m).map(|i| 0.25 - i as f32 / 64.0).collect();
            let lb: Vec<f32> = (0..n).map(|j| (j as f32 / 9.0).sin()).collect();
            let mut out = vec![f32::NAN; m * n];
            let (pa, pb) = (pack(&a, m, depth), pack(&b, n, depth));
            let fa = Factor {
                packed: &pa,
                steps: &sa,
                along: &la,
            };
            let fb = Factor {
                packed: &pb,
                steps: &sb,
                along: &lb,
            };
            scaled_dot_tile_into(fa, &shift, fb, depth, &mut out);
            for i in 0..m {
                for j in 0..n {
                    let dot: i64 = (0..depth)
                        .map(|k| i64::from(a[i * depth + k]) * i64::from(b[j * depth + k]))
                        .sum();
                    let product =
                        (dot - i64::from(shift[i])) as f64 * f64::from(sa[i]) * f64::from(sb[j]);
                    let along = f64::from(la[i]) * f64::from(lb[j]);
                    let want = product + along;
                    let got = f64::from(out[i * n + j]);
                    let tol = 4.0 * f64::from(f32::EPSILON) * (product.abs() + along.abs());
                    assert!(
                        (got - want).abs() <= tol,
                        "{m}×{n}×{depth} at ({i},{j}): {got} vs {want}"
                    );
                }
            }
        }
    }
}
