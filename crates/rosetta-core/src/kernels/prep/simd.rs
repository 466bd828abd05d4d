//! The lane passes in SIMD128: the portable loops' operations in the same lanes and order.

use core::arch::wasm32::{
    f64x2_abs, f64x2_add, f64x2_extract_lane, f64x2_gt, f64x2_mul, f64x2_nearest, f64x2_pmax,
    f64x2_pmin, f64x2_promote_low_f32x4, f64x2_splat, f64x2_sub, i16x8_narrow_i32x4, i32x4_shuffle,
    i64x2_shuffle, v128, v128_bitselect, v128_load, v128_store, v128_store64_lane,
};

/// Lanes (0, 1) and (2, 3) as two f64x2.
type Lanes = [v128; 2];

fn lanes(v: Lanes) -> [f64; 4] {
    [
        f64x2_extract_lane::<0>(v[0]),
        f64x2_extract_lane::<1>(v[0]),
        f64x2_extract_lane::<0>(v[1]),
        f64x2_extract_lane::<1>(v[1]),
    ]
}

/// Four f64 at `unit[k..k + 4]`.
fn load4(unit: &[f64], k: usize) -> Lanes {
    let q = &unit[k..k + 4];
    // SAFETY: `q` holds four f64 (32 bytes); wasm loads need no alignment.
    unsafe {
        [
            v128_load(q.as_ptr().cast()),
            v128_load(q.as_ptr().add(2).cast()),
        ]
    }
}

/// `if a > m { a } else { m }` per lane (the portable loops' select).
fn select_max(a: v128, m: v128) -> v128 {
    v128_bitselect(a, m, f64x2_gt(a, m))
}

/// Integral values |v| < 2⁵¹ plus 1.5·2⁵²: exact, and the sum's low 32 bits are v as an
/// i32 (two's complement). (`i32x4.trunc_sat_f64x2_s_zero` does the same in one
/// instruction, but LLVM splits it into scalar conversions here.)
fn integer_bits(v: v128) -> v128 {
    f64x2_add(v, f64x2_splat(6_755_399_441_055_744.0))
}

/// clamp(round(x), ±levels) as `f64::round_ties_even` and `f64::clamp` compute it.
fn level(x: v128, levels: f64) -> v128 {
    let r = f64x2_nearest(x);
    // clamp: r < −levels → −levels (pmax(r, lo) = r < lo ? lo : r), then r > levels → levels.
    f64x2_pmin(f64x2_pmax(r, f64x2_splat(-levels)), f64x2_splat(levels))
}

pub fn unit_scan(row: &[f32], inv: f64, unit: &mut [f64]) -> ([f64; 4], [f64; 4]) {
    let body = unit.len() / 4 * 4;
    let (row, unit) = (&row[..body], &mut unit[..body]);
    let scale = f64x2_splat(inv);
    let (mut m, mut s) = ([f64x2_splat(0.0); 2], [f64x2_splat(0.0); 2]);
    for (us, vs) in unit.chunks_exact_mut(4).zip(row.chunks_exact(4)) {
        // SAFETY: `vs` holds four f32 (16 bytes), `us` four f64 (32 bytes).
        let v = unsafe { v128_load(vs.as_ptr().cast()) };
        let halves = [v, i64x2_shuffle::<1, 1>(v, v)];
        for h in 0..2 {
            let u = f64x2_mul(f64x2_promote_low_f32x4(halves[h]), scale);
            // SAFETY: as above; lanes 2h and 2h + 1 of `us`.
            unsafe { v128_store(us.as_mut_ptr().add(2 * h).cast(), u) };
            m[h] = select_max(f64x2_abs(u), m[h]);
            s[h] = f64x2_add(s[h], f64x2_mul(u, u));
        }
    }
    (lanes(m), lanes(s))
}

pub fn levels_i16(unit: &[f64], per_step: f64, s: f64, q: &mut [i16]) -> ([f64; 4], [f64; 4]) {
    let body = unit.len() / 4 * 4;
    let (ps, st) = (f64x2_splat(per_step), f64x2_splat(s));
    let (mut n, mut e) = ([f64x2_splat(0.0); 2], [f64x2_splat(0.0); 2]);
    for (k, qs) in (0..body).step_by(4).zip(q[..body].chunks_exact_mut(4)) {
        let u = load4(unit, k);
        let mut bits = [f64x2_splat(0.0); 2];
        for h in 0..2 {
            let v = level(f64x2_mul(u[h], ps), 32_767.0);
            // v is integral: `f64::from(v as i32)` is v itself.
            n[h] = f64x2_add(n[h], f64x2_mul(v, v));
            let err = f64x2_sub(u[h], f64x2_mul(st, v));
            e[h] = f64x2_add(e[h], f64x2_mul(err, err));
            bits[h] = integer_bits(v);
        }
        let v = i32x4_shuffle::<0, 2, 4, 6>(bits[0], bits[1]);
        // |v| ≤ 32,767: the narrowing keeps every value.
        // SAFETY: `qs` holds four i16 (8 bytes).
        unsafe { v128_store64_lane::<0>(i16x8_narrow_i32x4(v, v), qs.as_mut_ptr().cast()) };
    }
    (lanes(n), lanes(e))
}
