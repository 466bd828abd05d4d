//! Packed i8 × u7 products with a 4 × 8 register tile: the retrieval screen's GEMM in the worker's
//! relaxed-simd bundle ([`crate::quant_i8`]).
//!
//! `i32x4.relaxed_dot_i8x16_i7x16_add_s` multiplies sixteen pairs and adds them to four i32 sums
//! in one instruction where the CPU has one (`vpdpbusd` with AVX-VNNI, `sdot` on ARM). Measured in
//! Chromium on a Xeon with AVX-VNNI: 55 GMAC/s against the i16 kernel's 17 (BENCHMARKS.md). Its
//! result is defined only when the second operand's bytes are in 0..=127, so the column side is
//! stored with an offset (see [`crate::quant_i8`]) and every sum here is exact: |sum| ≤
//! depth·127² < 2³¹ for any depth below 133,000. Only the final scaling to f32 rounds.
//!
//! Where V8 does not emit `vpdpbusd` (x86 without AVX-VNNI; measured on a Zen 4, whose
//! AVX512-VNNI it does not use) it lowers that instruction to `pmaddubsw`, `pmaddwd` by ones and
//! `paddd`: two multiplies per sixteen products. [`Kernel::Pairs`] then adds
//! two steps' `pmaddubsw` results (`i16x8.relaxed_dot_i8x16_i7x16_s`) in i16 and widens once:
//! three multiplies per thirty-two (measured on a Zen 4 in Chromium: 60 against 42 GMAC/s). That
//! sum of four products must fit in i16, hence [`PAIR_LIMIT`] on the first factor's rows, which
//! the quantiser keeps on every build so that both kernels give the same sums. Which kernel runs
//! is told apart by what the instruction does outside its defined range ([`kernel`]), not by a
//! timing: the result never depends on it.
//!
//! Layout: like [`crate::gemm_i16`], with depth taken in quads — a step holds, per row, four
//! consecutive depth values, the four one i32 lane of the dot multiplies.

use std::sync::atomic::{AtomicI8, AtomicU8, Ordering};

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

/// The most a first-factor row's |values| may add up to over any of its pair groups
/// ([`pair_group`]): with second-factor values ≤ 127, the four products [`Kernel::Pairs`] adds
/// in i16 stay within ±127·255 < 2¹⁵.
pub const PAIR_LIMIT: u32 = 255;

/// The pair group of depth position k: the positions whose products [`Kernel::Pairs`] adds in
/// one i16 lane — two adjacent values of a quad with the same two of the next quad ({0, 1, 4, 5}
/// and {2, 3, 6, 7} of every eight; a last odd quad's pairs stand alone).
#[inline]
pub fn pair_group(k: usize) -> usize {
    k / 8 * 2 + k % 4 / 2
}

/// The largest sum of |values| over a first-factor row's (depth order) pair groups.
pub fn widest_pair_group(row: &[i8]) -> u32 {
    let mut sums = vec![0u32; row.len().div_ceil(8) * 2];
    for (k, &v) in row.iter().enumerate() {
        sums[pair_group(k)] += u32::from(v.unsigned_abs());
    }
    sums.into_iter().max().unwrap_or(0)
}

/// Whether a first-factor row (depth order) keeps [`PAIR_LIMIT`].
pub fn pairs_fit(row: &[i8]) -> bool {
    widest_pair_group(row) <= PAIR_LIMIT
}

/// The inner loop of [`scaled_dot_tile_into`] (see the module's comment); both give the same
/// sums.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kernel {
    /// One `i32x4.relaxed_dot_i8x16_i7x16_add_s` per step.
    DotAdd,
    /// Two steps of `i16x8.relaxed_dot_i8x16_i7x16_s` added in i16, widened once.
    Pairs,
}

/// 0: not chosen yet; 1: [`Kernel::DotAdd`]; 2: [`Kernel::Pairs`]. (A wasm instance is one
/// thread; each worker chooses for itself, the same way.)
static KERNEL: AtomicU8 = AtomicU8::new(0);

/// The kernel this build and browser run: [`Kernel::Pairs`] where the relaxed dot saturates its
/// i16 pair sums (V8's lowering without VNNI: `pmaddubsw`), [`Kernel::DotAdd`] elsewhere (and in
/// builds without relaxed-simd, whose portable loop ignores the choice).
pub fn kernel() -> Kernel {
    match KERNEL.load(Ordering::Relaxed) {
        1 => Kernel::DotAdd,
        2 => Kernel::Pairs,
        _ => {
            let chosen = if dot_add_saturates() {
                Kernel::Pairs
            } else {
                Kernel::DotAdd
            };
            set_kernel(chosen);
            chosen
        }
    }
}

/// Runs `chosen` from now on (tests and benchmarks: both kernels give the same sums).
pub fn set_kernel(chosen: Kernel) {
    let code = match chosen {
        Kernel::DotAdd => 1,
        Kernel::Pairs => 2,
    };
    KERNEL.store(code, Ordering::Relaxed);
}

/// A byte outside the relaxed dot's defined range (read from memory, so that no compiler folds
/// the probe).
static PROBE: AtomicI8 = AtomicI8::new(-1);

/// Whether 127·255 + 127·255 comes out of the relaxed dot as 2·32767: `pmaddubsw` saturating
/// its pair sums. (`vpdpbusd` gives 64770 per pair, `sdot` −254.)
fn dot_add_saturates() -> bool {
    #[cfg(all(
        target_arch = "wasm32",
        target_feature = "simd128",
        feature = "relaxed-simd"
    ))]
    {
        simd::dot_add_saturates(PROBE.load(Ordering::Relaxed))
    }
    #[cfg(not(all(
        target_arch = "wasm32",
        target_feature = "simd128",
        feature = "relaxed-simd"
    )))]
    {
        let _ = PROBE.load(Ordering::Relaxed);
        false
    }
}

/// One factor of [`scaled_dot_tile_into`]: packed rows starting at a group boundary, with a
/// step and a part along the shared direction per row (as many rows as steps).
#[derive(Debug, Clone, Copy)]
pub struct Factor<'a> {
    pub packed: &'a [i8],
    pub steps: &'a [f32],
    pub along: &'a [f32],
}

impl<'a> Factor<'a> {
    pub fn new(packed: &'a [i8], steps: &'a [f32], along: &'a [f32]) -> Self {
        Self {
            packed,
            steps,
            along,
        }
    }
}

/// `out[i·n + j] = f32(a_i · b_j − shift[i]) · sa[i] · sb[j] + along_a[i] · along_b[j]` for
/// packed signed rows `a` (m of them) that keep [`PAIR_LIMIT`] and packed rows `b` (n) whose
/// every value is in 0..=127, depth a multiple of 4; `out` is m × n row-major. O(m·n·depth).
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
    let pairs = kernel() == Kernel::Pairs;
    let mut tile = [0i32; MR * NR];
    for i0 in (0..m).step_by(MR) {
        // Rows i0..i0+4 are one half of their group: every step reads 16 of its 32 values.
        let a_panel = &a.packed[i0 / GROUP * group + (i0 % GROUP) * QUAD..(i0 / GROUP + 1) * group];
        let rows = i0..m.min(i0 + MR);
        // Full register tiles in one call per row of them (the call and the slicing per tile
        // cost ~3 % of the kernel's time), the edges by the scalar loop.
        let full_cols = if rows.len() == MR { n / NR * NR } else { 0 };
        if full_cols > 0 {
            let scaling = Scaling {
                rows: (
                    &a.steps[rows.clone()],
                    &a.along[rows.clone()],
                    &shift[rows.clone()],
                ),
                cols: (&b.steps[..full_cols], &b.along[..full_cols]),
            };
            let panels = (a_panel, &b.packed[..full_cols / GROUP * group], steps);
            scaled_tiles(pairs, panels, &scaling, &mut out[i0 * n..], n);
        }
        for j0 in (full_cols..n).step_by(NR) {
            let b_panel = &b.packed[j0 / GROUP * group..(j0 / GROUP + 1) * group];
            let cols = j0..j0 + NR.min(n - j0);
            product(pairs, a_panel, b_panel, steps, &mut tile);
            for (i, t) in rows.clone().zip(tile.chunks_exact(NR)) {
                let (sa, la, sh) = (a.steps[i], a.along[i], shift[i]);
                let dst = &mut out[i * n + cols.start..i * n + cols.end];
                let (sb, lb) = (&b.steps[cols.clone()], &b.along[cols.clone()]);
                for (k, d) in dst.iter_mut().enumerate() {
                    *d = (t[k] - sh) as f32 * sa * sb[k] + la * lb[k];
                }
            }
        }
    }
}

/// The factors of a row of full register tiles' scaling (see [`scaled_dot_tile_into`]): per row
/// (4) its step, part along the shared direction and shift, per column its step and part.
struct Scaling<'a> {
    rows: (&'a [f32], &'a [f32], &'a [i32]),
    cols: (&'a [f32], &'a [f32]),
}

/// A row of full register tiles' products scaled to f32: `out[r·stride + j]` for its 4 rows and
/// the columns of `scaling.cols` (a multiple of 8; `b` their packed groups), by
/// [`scaled_dot_tile_into`]'s formula. The relaxed-simd kernels scale in registers (bit for bit
/// the same values).
fn scaled_tiles(
    pairs: bool,
    (a, b, steps): (&[i8], &[i8], usize),
    scaling: &Scaling<'_>,
    out: &mut [f32],
    stride: usize,
) {
    #[cfg(all(
        target_arch = "wasm32",
        target_feature = "simd128",
        feature = "relaxed-simd"
    ))]
    simd::scaled_tiles(pairs, (a, b, steps), scaling, out, stride);
    #[cfg(not(all(
        target_arch = "wasm32",
        target_feature = "simd128",
        feature = "relaxed-simd"
    )))]
    {
        let mut tile = [0i32; MR * NR];
        let ((sa, la, shift), (sb, lb)) = (scaling.rows, scaling.cols);
        let group = GROUP * steps * QUAD;
        for (g, b_panel) in b.chunks_exact(group).enumerate().take(sb.len() / NR) {
            product(pairs, a, b_panel, steps, &mut tile);
            let j0 = g * NR;
            for (r, t) in tile.chunks_exact(NR).enumerate() {
                let dst = &mut out[r * stride + j0..r * stride + j0 + NR];
                for (k, d) in dst.iter_mut().enumerate() {
                    *d = (t[k] - shift[r]) as f32 * sa[r] * sb[j0 + k] + la[r] * lb[j0 + k];
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
fn product(pairs: bool, a: &[i8], b: &[i8], steps: usize, tile: &mut [i32; MR * NR]) {
    simd::sums(pairs, a, b, steps, tile);
}

/// `tile[i·NR + j] = Σ_s Σ_t a[s·4·GROUP + 4i + t]·b[s·4·GROUP + 4j + t]` over `steps` quads.
/// Portable: the screen that uses this GEMM is chosen only in the relaxed-simd bundle, so this
/// runs in tests (either kernel's sums).
#[cfg(not(all(
    target_arch = "wasm32",
    target_feature = "simd128",
    feature = "relaxed-simd"
)))]
fn product(_pairs: bool, a: &[i8], b: &[i8], steps: usize, tile: &mut [i32; MR * NR]) {
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
        f32x4_add, f32x4_convert_i32x4, f32x4_mul, f32x4_splat, i16x8_add,
        i16x8_relaxed_dot_i8x16_i7x16 as dot16, i16x8_splat, i32x4_add, i32x4_dot_i16x8,
        i32x4_extract_lane, i32x4_relaxed_dot_i8x16_i7x16_add as dot_add4, i32x4_splat, i32x4_sub,
        i8x16_splat, v128, v128_load, v128_load32_splat, v128_store,
    };

    /// What the relaxed dot makes of 127·u + 127·u (u: `byte` read as unsigned) in one lane.
    #[target_feature(enable = "relaxed-simd")]
    pub(super) fn dot_add_saturates(byte: i8) -> bool {
        let sum = dot_add4(i8x16_splat(127), i8x16_splat(byte), i32x4_splat(0));
        // The lane holds two pair sums: 2·32767 when each saturated (127·255·2 = 64770 > 32767).
        i32x4_extract_lane::<0>(sum) == 2 * i32::from(i16::MAX)
    }

    /// Steps a slice pair can take: a's last step reads 4·MR values, b's 4·NR, each step
    /// 4·GROUP further on.
    fn clamped(a: &[i8], b: &[i8], steps: usize) -> usize {
        steps
            .min((a.len() + QUAD * GROUP - QUAD * MR) / (QUAD * GROUP))
            .min((b.len() + QUAD * GROUP - QUAD * NR) / (QUAD * GROUP))
    }

    /// The register tile's sums: row r's columns 0..4 in vector 2r, 4..8 in 2r + 1.
    type Sums = [v128; MR * NR / 4];

    /// The tile's sums into `tile` (row-major), by the `pairs` kernel or the `dot_add` one.
    #[target_feature(enable = "relaxed-simd")]
    pub(super) fn sums(pairs: bool, a: &[i8], b: &[i8], steps: usize, tile: &mut [i32; MR * NR]) {
        let sums = if pairs {
            pairs_sums(a, b, steps)
        } else {
            dot_add_sums(a, b, steps)
        };
        let t = tile.as_mut_ptr().cast::<v128>();
        for (i, v) in sums.into_iter().enumerate() {
            // SAFETY: 8 vectors of 4 i32 are the 32 of `tile`.
            unsafe { v128_store(t.add(i), v) };
        }
    }

    /// [`super::scaled_tiles`]: each register tile's sums scaled in registers.
    #[target_feature(enable = "relaxed-simd")]
    pub(super) fn scaled_tiles(
        pairs: bool,
        (a, b, steps): (&[i8], &[i8], usize),
        scaling: &super::Scaling<'_>,
        out: &mut [f32],
        stride: usize,
    ) {
        let ((sa, la, shift), (sb, lb)) = (scaling.rows, scaling.cols);
        let group = GROUP * steps * QUAD;
        for (g, b_panel) in b.chunks_exact(group).enumerate().take(sb.len() / NR) {
            let j0 = g * NR;
            let rows = (sa, la, shift);
            let cols = (&sb[j0..j0 + NR], &lb[j0..j0 + NR]);
            scaled(
                pairs,
                (a, b_panel, steps),
                rows,
                cols,
                &mut out[j0..],
                stride,
            );
        }
    }

    /// `out[r·stride + k] = f32(sum − shift_r)·sa_r·sb_k + la_r·lb_k` for the tile's 4 rows and
    /// 8 columns: [`super::scaled_dot_tile_into`]'s scalar formula, the same operations in the
    /// same order (no fused multiply-add), so the same f32 values.
    #[target_feature(enable = "relaxed-simd")]
    #[inline]
    fn scaled(
        pairs: bool,
        (a, b, steps): (&[i8], &[i8], usize),
        (sa, la, shift): (&[f32], &[f32], &[i32]),
        (sb, lb): (&[f32], &[f32]),
        out: &mut [f32],
        stride: usize,
    ) {
        let sums = if pairs {
            pairs_sums(a, b, steps)
        } else {
            dot_add_sums(a, b, steps)
        };
        assert!(sa.len() >= MR && la.len() >= MR && shift.len() >= MR);
        assert!(sb.len() >= NR && lb.len() >= NR && out.len() >= (MR - 1) * stride + NR);
        // SAFETY: the asserts above: 8 columns' factors, and each of the 4 rows' 8 values
        // inside `out`.
        unsafe {
            let (sb, lb) = (sb.as_ptr().cast::<v128>(), lb.as_ptr().cast::<v128>());
            let (sb0, sb1, lb0, lb1) = (
                v128_load(sb),
                v128_load(sb.add(1)),
                v128_load(lb),
                v128_load(lb.add(1)),
            );
            for r in 0..MR {
                let (s, l, h) = (
                    f32x4_splat(sa[r]),
                    f32x4_splat(la[r]),
                    i32x4_splat(shift[r]),
                );
                let dst = out.as_mut_ptr().add(r * stride).cast::<v128>();
                for (half, (sbv, lbv)) in [(sb0, lb0), (sb1, lb1)].into_iter().enumerate() {
                    let scaled = f32x4_mul(
                        f32x4_mul(f32x4_convert_i32x4(i32x4_sub(sums[2 * r + half], h)), s),
                        sbv,
                    );
                    v128_store(dst.add(half), f32x4_add(scaled, f32x4_mul(l, lbv)));
                }
            }
        }
    }

    #[target_feature(enable = "relaxed-simd")]
    #[inline]
    fn dot_add_sums(a: &[i8], b: &[i8], steps: usize) -> Sums {
        let steps = clamped(a, b, steps);
        // SAFETY: `pa` and `pb` advance 4·GROUP per step; `clamped` keeps the last step's
        // reads (a[..4MR], b[..4NR] from there) inside the slices. Loads have no alignment
        // requirement.
        unsafe {
            let zero = i32x4_splat(0);
            let [mut c00, mut c01, mut c10, mut c11, mut c20, mut c21, mut c30, mut c31] =
                [zero; 8];
            let (mut pa, mut pb) = (a.as_ptr(), b.as_ptr());
            for _ in 0..steps {
                let b0 = v128_load(pb.cast::<v128>());
                let b1 = v128_load(pb.add(16).cast::<v128>());
                let a0 = v128_load32_splat(pa.cast::<u32>());
                c00 = dot_add4(a0, b0, c00);
                c01 = dot_add4(a0, b1, c01);
                let a1 = v128_load32_splat(pa.add(4).cast::<u32>());
                c10 = dot_add4(a1, b0, c10);
                c11 = dot_add4(a1, b1, c11);
                let a2 = v128_load32_splat(pa.add(8).cast::<u32>());
                c20 = dot_add4(a2, b0, c20);
                c21 = dot_add4(a2, b1, c21);
                let a3 = v128_load32_splat(pa.add(12).cast::<u32>());
                c30 = dot_add4(a3, b0, c30);
                c31 = dot_add4(a3, b1, c31);
                pa = pa.add(QUAD * GROUP);
                pb = pb.add(QUAD * GROUP);
            }
            [c00, c01, c10, c11, c20, c21, c30, c31]
        }
    }

    /// [`dot_add_sums`]'s sums, two steps at a time: each register's two `pmaddubsw` results added
    /// in i16 (exact by [`super::PAIR_LIMIT`]), then widened by one `pmaddwd` with ones.
    #[target_feature(enable = "relaxed-simd")]
    #[inline]
    fn pairs_sums(a: &[i8], b: &[i8], steps: usize) -> Sums {
        const S: usize = QUAD * GROUP;
        let steps = clamped(a, b, steps);
        // SAFETY: as in `dot_add_sums`: the pair loop's second step and the last odd step are
        // steps below `steps`, whose reads `clamped` keeps inside the slices.
        unsafe {
            let zero = i32x4_splat(0);
            let ones = i16x8_splat(1);
            let [mut c00, mut c01, mut c10, mut c11, mut c20, mut c21, mut c30, mut c31] =
                [zero; 8];
            let (mut pa, mut pb) = (a.as_ptr(), b.as_ptr());
            // Row r's two steps against both column vectors, added in i16, widened, summed.
            macro_rules! row {
                ($r:expr, $c0:ident, $c1:ident, $b0:ident, $b1:ident, $n0:ident, $n1:ident) => {
                    let a0 = v128_load32_splat(pa.add(4 * $r).cast::<u32>());
                    let a1 = v128_load32_splat(pa.add(S + 4 * $r).cast::<u32>());
                    $c0 = i32x4_add(
                        $c0,
                        i32x4_dot_i16x8(i16x8_add(dot16(a0, $b0), dot16(a1, $n0)), ones),
                    );
                    $c1 = i32x4_add(
                        $c1,
                        i32x4_dot_i16x8(i16x8_add(dot16(a0, $b1), dot16(a1, $n1)), ones),
                    );
                };
            }
            for _ in 0..steps / 2 {
                let b0 = v128_load(pb.cast::<v128>());
                let b1 = v128_load(pb.add(16).cast::<v128>());
                let n0 = v128_load(pb.add(S).cast::<v128>());
                let n1 = v128_load(pb.add(S + 16).cast::<v128>());
                row!(0, c00, c01, b0, b1, n0, n1);
                row!(1, c10, c11, b0, b1, n0, n1);
                row!(2, c20, c21, b0, b1, n0, n1);
                row!(3, c30, c31, b0, b1, n0, n1);
                pa = pa.add(2 * S);
                pb = pb.add(2 * S);
            }
            if steps % 2 == 1 {
                let b0 = v128_load(pb.cast::<v128>());
                let b1 = v128_load(pb.add(16).cast::<v128>());
                for (r, (c0, c1)) in [
                    (&mut c00, &mut c01),
                    (&mut c10, &mut c11),
                    (&mut c20, &mut c21),
                    (&mut c30, &mut c31),
                ]
                .into_iter()
                .enumerate()
                {
                    let a0 = v128_load32_splat(pa.add(4 * r).cast::<u32>());
                    *c0 = i32x4_add(*c0, i32x4_dot_i16x8(dot16(a0, b0), ones));
                    *c1 = i32x4_add(*c1, i32x4_dot_i16x8(dot16(a0, b1), ones));
                }
            }
            [c00, c01, c10, c11, c20, c21, c30, c31]
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
    fn pair_groups_are_what_the_pair_kernel_adds_in_one_lane() {
        // Lane 0 of a column's i16 pair sums: positions 0, 1 of a quad and of the next quad.
        let groups: Vec<usize> = (0..12).map(pair_group).collect();
        assert_eq!(groups, [0, 0, 1, 1, 0, 0, 1, 1, 2, 2, 3, 3]);
        assert!(pairs_fit(&[127, 127, -127, -127, 1, 0, -1, 0]));
        assert!(!pairs_fit(&[127, 127, 0, 0, 1, 1, 0, 0]));
        assert!(pairs_fit(&[-127, 127, 127, 127]));
    }

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
            let fa = Factor::new(&pa, &sa, &la);
            let fb = Factor::new(&pb, &sb, &lb);
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
