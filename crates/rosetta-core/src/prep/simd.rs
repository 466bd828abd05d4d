//! The lane passes in SIMD128: the portable loops' operations in the same lanes and order.

use core::arch::wasm32::{
    f64x2_abs, f64x2_add, f64x2_extract_lane, f64x2_gt, f64x2_max, f64x2_mul, f64x2_nearest,
    f64x2_pmax, f64x2_pmin, f64x2_promote_low_f32x4, f64x2_splat, f64x2_sub, i16x8_narrow_i32x4,
    i32x4_add, i32x4_shuffle, i32x4_splat, i64x2_shuffle, i8x16_narrow_i16x8, v128, v128_bitselect,
    v128_load, v128_store, v128_store32_lane, v128_store64_lane,
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

/// Two f64 at `p + k`.
///
/// SAFETY: the caller keeps k + 2 within the block `p` points into.
unsafe fn load2(p: *const f64, k: usize) -> v128 {
    // wasm loads need no alignment.
    unsafe { v128_load(p.add(k).cast()) }
}

/// SAFETY: as in `load2`.
unsafe fn store2(p: *mut f64, k: usize, x: v128) {
    unsafe { v128_store(p.add(k).cast(), x) }
}

/// [`super::portable::hadamard`]: the same sums in the same order, two values per operation; the
/// first pass (butterflies inside each four values) with lanes shuffled.
pub fn hadamard(v: &mut [f64]) {
    let n = v.len();
    if n < 8 || !n.is_power_of_two() {
        return super::portable::hadamard(v);
    }
    let scale = 1.0 / (n as f64).sqrt();
    let p = v.as_mut_ptr();
    // SAFETY (every load2 and store2 below): n is a power of two ≥ 8 and each index k
    // read or written is even with k + 2 ≤ n — the first pass's k < n steps by 4, later
    // passes' i + 3h + 2 ≤ c + 4h ≤ n, the last level's i + h + 2 ≤ 2h = n.
    unsafe {
        // h = 1 (not the last pass: n ≥ 8). Of a, b, c, d: p, q, r, t = a + b, a − b,
        // c + d, c − d, then p + r, q + t, p − r, q − t.
        for k in (0..n).step_by(4) {
            let (ab, cd) = (load2(p, k), load2(p, k + 2));
            let (ac, bd) = (i64x2_shuffle::<0, 2>(ab, cd), i64x2_shuffle::<1, 3>(ab, cd));
            let (pr, qt) = (f64x2_add(ac, bd), f64x2_sub(ac, bd));
            let (pq, rt) = (i64x2_shuffle::<0, 2>(pr, qt), i64x2_shuffle::<1, 3>(pr, qt));
            store2(p, k, f64x2_add(pq, rt));
            store2(p, k + 2, f64x2_sub(pq, rt));
        }
        let mut h = 4;
        while 4 * h <= n {
            // The last pass scales (× 1 elsewhere: exact, so skipped).
            let s = (4 * h == n).then(|| f64x2_splat(scale));
            let scaled = |x: v128| s.map_or(x, |s| f64x2_mul(x, s));
            for c in (0..n).step_by(4 * h) {
                for i in (c..c + h).step_by(2) {
                    let (a, b) = (load2(p, i), load2(p, i + h));
                    let (c, d) = (load2(p, i + 2 * h), load2(p, i + 3 * h));
                    let (pp, q) = (f64x2_add(a, b), f64x2_sub(a, b));
                    let (r, t) = (f64x2_add(c, d), f64x2_sub(c, d));
                    store2(p, i, scaled(f64x2_add(pp, r)));
                    store2(p, i + h, scaled(f64x2_add(q, t)));
                    store2(p, i + 2 * h, scaled(f64x2_sub(pp, r)));
                    store2(p, i + 3 * h, scaled(f64x2_sub(q, t)));
                }
            }
            h *= 4;
        }
        if h < n {
            // 2h == n: the last level.
            let s = f64x2_splat(scale);
            for i in (0..h).step_by(2) {
                let (a, b) = (load2(p, i), load2(p, i + h));
                store2(p, i, f64x2_mul(f64x2_add(a, b), s));
                store2(p, i + h, f64x2_mul(f64x2_sub(a, b), s));
            }
        }
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

pub fn max_abs(unit: &[f64]) -> [f64; 4] {
    let body = unit.len() / 4 * 4;
    let mut m = [f64x2_splat(0.0); 2];
    for k in (0..body).step_by(4) {
        let u = load4(unit, k);
        for h in 0..2 {
            m[h] = select_max(f64x2_abs(u[h]), m[h]);
        }
    }
    lanes(m)
}

pub fn widest_eights(unit: &[f64]) -> f64 {
    let mut widest = f64x2_splat(0.0);
    for k in (0..unit.len() / 8 * 8).step_by(8) {
        let [c01, c23] = load4(unit, k);
        let [c45, c67] = load4(unit, k + 4);
        // Lanes (a, b): a = |c0| + |c1| + |c4| + |c5|, b likewise from c2, c3, c6, c7.
        let sum = f64x2_add(
            f64x2_add(
                f64x2_add(
                    f64x2_abs(i64x2_shuffle::<0, 2>(c01, c23)),
                    f64x2_abs(i64x2_shuffle::<1, 3>(c01, c23)),
                ),
                f64x2_abs(i64x2_shuffle::<0, 2>(c45, c67)),
            ),
            f64x2_abs(i64x2_shuffle::<1, 3>(c45, c67)),
        );
        // Finite sums of |u| (≥ +0): every max order gives the same value.
        widest = f64x2_max(widest, sum);
    }
    f64x2_extract_lane::<0>(widest).max(f64x2_extract_lane::<1>(widest))
}

pub fn levels_i8(
    unit: &[f64],
    (per_step, s, levels): (f64, f64, f64),
    offset: i32,
    q: &mut [i8],
) -> [f64; 4] {
    let body = unit.len() / 4 * 4;
    let (ps, st, off) = (f64x2_splat(per_step), f64x2_splat(s), i32x4_splat(offset));
    let mut e = [f64x2_splat(0.0); 2];
    for (k, qs) in (0..body).step_by(4).zip(q[..body].chunks_exact_mut(4)) {
        let u = load4(unit, k);
        let mut bits = [f64x2_splat(0.0); 2];
        for h in 0..2 {
            let v = level(f64x2_mul(u[h], ps), levels);
            let err = f64x2_sub(u[h], f64x2_mul(st, v));
            e[h] = f64x2_add(e[h], f64x2_mul(err, err));
            bits[h] = integer_bits(v);
        }
        // |v + offset| ≤ 127: both narrowings keep every value.
        let v = i32x4_add(i32x4_shuffle::<0, 2, 4, 6>(bits[0], bits[1]), off);
        let w = i16x8_narrow_i32x4(v, v);
        // SAFETY: `qs` holds four i8 (4 bytes).
        unsafe { v128_store32_lane::<0>(i8x16_narrow_i16x8(w, w), qs.as_mut_ptr().cast()) };
    }
    lanes(e)
}
