//! The lane passes as plain loops: the meaning of every pass, and what the SIMD128 ones
//! ([`super::lanes`] on wasm32) must equal bit for bit.

/// Row `row`'s body scaled by `inv` into `unit`, and per lane max |u| and Σ u²: the i16
/// quantiser's first pass. What the max makes of a NaN depends on the build (a relaxed-simd one
/// may lower its select to `f64x2.relaxed_max`); Σ u² is NaN then, which the caller checks.
pub fn unit_scan(row: &[f32], inv: f64, unit: &mut [f64]) -> ([f64; 4], [f64; 4]) {
    let (mut m4, mut s4) = ([0.0f64; 4], [0.0f64; 4]);
    let body = unit.len() / 4 * 4;
    for (us, vs) in unit[..body]
        .chunks_exact_mut(4)
        .zip(row[..body].chunks_exact(4))
    {
        for l in 0..4 {
            let u = f64::from(vs[l]) * inv;
            us[l] = u;
            // `f64::max` without its NaN rule: a select.
            m4[l] = if u.abs() > m4[l] { u.abs() } else { m4[l] };
            s4[l] += u * u;
        }
    }
    (m4, s4)
}

/// The unit body's i16 levels v = clamp(round(u·per_step), ±32,767) into `q`, and per lane
/// Σ v² and Σ (u − s·v)². For rows without a NaN.
pub fn levels_i16(unit: &[f64], per_step: f64, s: f64, q: &mut [i16]) -> ([f64; 4], [f64; 4]) {
    let (mut n4, mut e4) = ([0.0f64; 4], [0.0f64; 4]);
    let body = unit.len() / 4 * 4;
    for (qs, us) in q[..body]
        .chunks_exact_mut(4)
        .zip(unit[..body].chunks_exact(4))
    {
        for l in 0..4 {
            let v = level(us[l] * per_step, 32_767.0) as i32;
            qs[l] = v as i16;
            // Exact: v² < 2³⁰.
            n4[l] += f64::from(v * v);
            let e = us[l] - s * f64::from(v);
            e4[l] += e * e;
        }
    }
    (n4, e4)
}

/// Per lane max |u| of the body. For finite rows.
pub fn max_abs(unit: &[f64]) -> [f64; 4] {
    let mut m4 = [0.0f64; 4];
    let body = unit.len() / 4 * 4;
    for us in unit[..body].chunks_exact(4) {
        for l in 0..4 {
            let a = us[l].abs();
            m4[l] = if a > m4[l] { a } else { m4[l] };
        }
    }
    m4
}

/// The largest sum of |u| over a pair group ([`crate::gemm_i8::pair_group`]: values {0, 1, 4, 5}
/// and {2, 3, 6, 7} of each eight, each summed in that order) over the whole eights of `unit`;
/// 0 if none. For finite rows (a max has no order then).
pub fn widest_eights(unit: &[f64]) -> f64 {
    let mut widest = 0.0f64;
    for c in unit.chunks_exact(8) {
        let a = c[0].abs() + c[1].abs() + c[4].abs() + c[5].abs();
        let b = c[2].abs() + c[3].abs() + c[6].abs() + c[7].abs();
        widest = widest.max(a).max(b);
    }
    widest
}

/// The unit body's i8 levels v = clamp(round(u·per_step), ±levels), stored as v + offset in
/// `q`, and per lane Σ (u − s·v)². For finite rows and levels + |offset| ≤ 127.
pub fn levels_i8(
    unit: &[f64],
    (per_step, s, levels): (f64, f64, f64),
    offset: i32,
    q: &mut [i8],
) -> [f64; 4] {
    let mut e4 = [0.0f64; 4];
    let body = unit.len() / 4 * 4;
    for (qs, us) in q[..body]
        .chunks_exact_mut(4)
        .zip(unit[..body].chunks_exact(4))
    {
        for l in 0..4 {
            let v = level(us[l] * per_step, levels);
            let e = us[l] - s * v;
            e4[l] += e * e;
            qs[l] = (v as i32 + offset) as i8;
        }
    }
    e4
}

/// The orthonormal Walsh–Hadamard transform of a power-of-two block, in place
/// ([`crate::rotation`]). Two levels per
/// pass over the block (radix 4: the same sums as one level at a time, in the same order, with
/// half the passes), a last single level when log₂ n is odd; the last pass scales as it goes.
pub fn hadamard(v: &mut [f64]) {
    let n = v.len();
    let scale = 1.0 / (n as f64).sqrt();
    let mut h = 1;
    while 4 * h <= n {
        let s = if 4 * h == n { scale } else { 1.0 };
        for c in v.chunks_exact_mut(4 * h) {
            let (ab, cd) = c.split_at_mut(2 * h);
            let (a, b) = ab.split_at_mut(h);
            let (c, d) = cd.split_at_mut(h);
            for (((a, b), c), d) in a.iter_mut().zip(b).zip(c).zip(d) {
                let (p, q, r, t) = (*a + *b, *a - *b, *c + *d, *c - *d);
                (*a, *b, *c, *d) = ((p + r) * s, (q + t) * s, (p - r) * s, (q - t) * s);
            }
        }
        h *= 4;
    }
    if h < n {
        // 2h == n: the last level.
        let (lo, hi) = v.split_at_mut(h);
        for (a, b) in lo.iter_mut().zip(hi) {
            (*a, *b) = ((*a + *b) * scale, (*a - *b) * scale);
        }
    } else if h == 1 {
        // n == 1: only the scale (1).
        v.iter_mut().for_each(|x| *x *= scale);
    }
}

/// `v` rounded to a level: ties to even (one wasm instruction, `f64.nearest`; `round` is a
/// libm call), clamped to ±`levels`. A NaN stays NaN (its `as` cast gives 0).
#[inline(always)]
pub fn level(v: f64, levels: f64) -> f64 {
    v.round_ties_even().clamp(-levels, levels)
}
