//! Packed i16 products with a 4 × 8 register tile: the integer GEMM behind the cosine screens
//! ([`crate::quant`]).
//!
//! `i32x4.dot_i16x8_s` multiplies eight pairs per instruction, twice the f32 kernel's four (plain
//! SIMD128, so every browser has it); V8 fuses it with the following add into one VNNI
//! instruction where the CPU has one. In Chromium about twice the f32 kernel's multiply-adds
//! per second where V8 fuses them (BENCHMARKS.md). Sums run over the whole depth in i32 and are exact:
//! the caller keeps every ‖row‖² < 2³¹, so by Cauchy–Schwarz no partial sum can overflow. Only the
//! final scaling to f32 rounds.
//!
//! Layout: like [`crate::gemm`]'s packed panels (BLIS), with depth taken in pairs — a step holds,
//! per row, two consecutive depth values, the pair one `dot_i16x8` lane multiplies — but packed
//! once, when the rows are quantised ([`packed_at`]), not per product.

/// Rows of the register tile: four broadcast pairs.
const MR: usize = 4;
/// Columns of the register tile: two SIMD128 vectors of four i32 sums.
const NR: usize = 8;
/// Rows per group of the packed layout (see [`pack_rows`]): one register tile's columns, or two
/// tiles' rows.
pub(crate) const GROUP: usize = NR;
/// Columns multiplied per pass (`NC × depth` i16: 384 KB at depth 384, kept in L2).
const NC: usize = 512;

/// The packed layout of rows (`rows` × `depth`, depth even): groups of [`GROUP`] rows, within a
/// group the depth in pairs, each pair of the group's rows side by side:
/// `packed[((g·depth/2 + s)·GROUP + l)·2 + t] = row(g·GROUP + l)[2s + t]`, zero rows past the last.
/// Rows are quantised once and multiplied many times, so they are stored this way: no product
/// packs anything.
pub(crate) fn packed_len(rows: usize, depth: usize) -> usize {
    rows.next_multiple_of(GROUP) * depth
}

/// Where row `i`'s depth pair `s` starts in the packed layout.
#[inline]
pub(crate) fn packed_at(i: usize, s: usize, depth: usize) -> usize {
    ((i / GROUP * depth / 2 + s) * GROUP + i % GROUP) * 2
}

/// `out[i·n + j] = f32(a_i · b_j) · sa[i] · sb[j]` for packed rows `a` (m of them) and `b` (n),
/// both starting at a group boundary, depth even; `out` is m × n row-major. The caller
/// guarantees |a_i · b_j| < 2³¹ for every partial sum (e.g. ‖a_i‖², ‖b_j‖² < 2³¹).
/// O(m·n·depth).
#[allow(clippy::too_many_arguments)] // reason: two factors, each with rows, scales and a count
#[inline(never)] // V8 optimises a wasm function from its next call on: keep this one per tile
pub(crate) fn scaled_dot_tile_into(
    a: &[i16],
    sa: &[f32],
    m: usize,
    b: &[i16],
    sb: &[f32],
    n: usize,
    depth: usize,
    out: &mut [f32],
) {
    debug_assert!(depth.is_multiple_of(2) && a.len() >= packed_len(m, depth));
    debug_assert!(b.len() >= packed_len(n, depth));
    debug_assert!(sa.len() >= m && sb.len() >= n && out.len() >= m * n);
    let steps = depth / 2;
    let group = GROUP * depth;
    let mut tile = [0i32; MR * NR];
    for jc in (0..n).step_by(NC) {
        let nc = NC.min(n - jc);
        for i0 in (0..m).step_by(MR) {
            // Rows i0..i0+4 are one half of their group: every step reads 8 of its 16 values.
            let a_panel = &a[i0 / GROUP * group + (i0 % GROUP) * 2..(i0 / GROUP + 1) * group];
            for j0 in (jc..jc + nc).step_by(NR) {
                let b_panel = &b[j0 / GROUP * group..(j0 / GROUP + 1) * group];
                kernel(a_panel, b_panel, steps, &mut tile);
                let cols = NR.min(n - j0);
                for (i, t) in (i0..m.min(i0 + MR)).zip(tile.chunks_exact(NR)) {
                    let dst = &mut out[i * n + j0..i * n + j0 + cols];
                    for ((d, &v), &s) in dst.iter_mut().zip(t).zip(&sb[j0..j0 + cols]) {
                        *d = v as f32 * sa[i] * s;
                    }
                }
            }
        }
    }
}

/// `tile[i·NR + j] = Σ_s Σ_t a[s·2·GROUP + 2i + t]·b[s·2·GROUP + 2j + t]` over `steps` pairs.
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
fn kernel(a: &[i16], b: &[i16], steps: usize, tile: &mut [i32; MR * NR]) {
    simd::kernel(a, b, steps, tile);
}

/// `tile[i·NR + j] = Σ_s Σ_t a[s·2·GROUP + 2i + t]·b[s·2·GROUP + 2j + t]` over `steps` pairs.
#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
fn kernel(a: &[i16], b: &[i16], steps: usize, tile: &mut [i32; MR * NR]) {
    let mut acc = [[0i32; NR]; MR];
    for s in 0..steps {
        let (ak, bk) = (
            &a[s * 2 * GROUP..],
            &b[s * 2 * GROUP..s * 2 * GROUP + 2 * NR],
        );
        for (row, ai) in acc.iter_mut().zip(ak[..2 * MR].chunks_exact(2)) {
            for (c, bj) in row.iter_mut().zip(bk.chunks_exact(2)) {
                *c += i32::from(ai[0]) * i32::from(bj[0]) + i32::from(ai[1]) * i32::from(bj[1]);
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
    use super::{GROUP, MR, NR};
    use core::arch::wasm32::{
        i32x4_add, i32x4_dot_i16x8, i32x4_splat, v128, v128_load, v128_load32_splat, v128_store,
    };

    pub(super) fn kernel(a: &[i16], b: &[i16], steps: usize, tile: &mut [i32; MR * NR]) {
        // a's last step reads 2·MR values, b's 2·NR, each step 2·GROUP further on.
        let steps = steps
            .min((a.len() + 2 * GROUP - 2 * MR) / (2 * GROUP))
            .min((b.len() + 2 * GROUP - 2 * NR) / (2 * GROUP));
        // SAFETY: `pa` and `pb` advance 2·GROUP per step; the clamp above keeps the last step's
        // reads (a[..2MR], b[..2NR] from there) inside the slices. Loads have no alignment
        // requirement; the stores write the 8 vectors of `tile` (32 i32).
        unsafe {
            let zero = i32x4_splat(0);
            let [mut c00, mut c01, mut c10, mut c11, mut c20, mut c21, mut c30, mut c31] =
                [zero; 8];
            let (mut pa, mut pb) = (a.as_ptr(), b.as_ptr());
            for _ in 0..steps {
                let b0 = v128_load(pb.cast::<v128>());
                let b1 = v128_load(pb.add(8).cast::<v128>());
                let a0 = v128_load32_splat(pa.cast::<u32>());
                c00 = i32x4_add(c00, i32x4_dot_i16x8(a0, b0));
                c01 = i32x4_add(c01, i32x4_dot_i16x8(a0, b1));
                let a1 = v128_load32_splat(pa.add(2).cast::<u32>());
                c10 = i32x4_add(c10, i32x4_dot_i16x8(a1, b0));
                c11 = i32x4_add(c11, i32x4_dot_i16x8(a1, b1));
                let a2 = v128_load32_splat(pa.add(4).cast::<u32>());
                c20 = i32x4_add(c20, i32x4_dot_i16x8(a2, b0));
                c21 = i32x4_add(c21, i32x4_dot_i16x8(a2, b1));
                let a3 = v128_load32_splat(pa.add(6).cast::<u32>());
                c30 = i32x4_add(c30, i32x4_dot_i16x8(a3, b0));
                c31 = i32x4_add(c31, i32x4_dot_i16x8(a3, b1));
                pa = pa.add(2 * GROUP);
                pb = pb.add(2 * GROUP);
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

    fn data(len: usize, seed: u64) -> Vec<i16> {
        let mut r = crate::Rng::new(seed);
        (0..len)
            .map(|_| (r.normal() * 3000.0).clamp(-32767.0, 32767.0) as i16)
            .collect()
    }

    #[test]
    fn scaled_products_match_exact_sums_at_every_edge() {
        for &(m, n, depth) in &[
            (1, 1, 2),
            (7, 3, 6),
            (8, 4, 128),
            (9, 5, 130),
            (21, 517, 400),
        ] {
            let (a, b) = (data(m * depth, 1), data(n * depth, 2));
            let pack = |src: &[i16], rows: usize| {
                let mut p = vec![0i16; packed_len(rows, depth)];
                for i in 0..rows {
                    for s in 0..depth / 2 {
                        let at = packed_at(i, s, depth);
                        p[at..at + 2]
                            .copy_from_slice(&src[i * depth + 2 * s..i * depth + 2 * s + 2]);
                    }
                }
                p
            };
            let sa: Vec<f32> = (0..m).map(|i| 1.0 / (1.0 + i as f32)).collect();
            let sb: Vec<f32> = (0..n).map(|j| 0.5 + j as f32).collect();
            let mut out = vec![f32::NAN; m * n];
            scaled_dot_tile_into(&pack(&a, m), &sa, m, &pack(&b, n), &sb, n, depth, &mut out);
            for i in 0..m {
                for j in 0..n {
                    let dot: i64 = (0..depth)
                        .map(|k| i64::from(a[i * depth + k]) * i64::from(b[j * depth + k]))
                        .sum();
                    let want = dot as f64 * f64::from(sa[i]) * f64::from(sb[j]);
                    let got = f64::from(out[i * n + j]);
                    assert!(
                        (got - want).abs() <= 4.0 * f64::from(f32::EPSILON) * want.abs(),
                        "{m}×{n}×{depth} at ({i},{j}): {got} vs {want}"
                    );
                }
            }
        }
    }
}
