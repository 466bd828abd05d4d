//! The lane passes as plain loops: the meaning of every pass, and what the SIMD128 ones
//! ([`super::lanes`] on wasm32) must equal bit for bit.

/// Row `row`'s body scaled by `inv` into `unit`, and per lane max |u| and Σ u²: the i16
/// quantiser's first pass. What the max makes of a NaN is unspecified; Σ u² is NaN then, which
/// the caller checks.
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

/// `v` rounded to a level: ties to even (one wasm instruction, `f64.nearest`; `round` is a
/// libm call), clamped to ±`levels`. A NaN stays NaN (its `as` cast gives 0).
#[inline(always)]
pub fn level(v: f64, levels: f64) -> f64 {
    v.round_ties_even().clamp(-levels, levels)
}
