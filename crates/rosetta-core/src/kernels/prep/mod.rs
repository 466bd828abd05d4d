//! The i16 screen's row preparations: the passes over one row that the quantiser
//! ([`crate::quant`]) runs for every row of every kNN and retrieval. Each pass over a row's body (its first ⌊D/4⌋·4 values) runs
//! in four lanes, lane l taking the values 4k + l ([`lanes`]); the functions here add the rest
//! of the row and combine the lanes, so that the results are the same in every build. On wasm32
//! with SIMD128 two f64x2 registers hold the four lanes and every value comes out bit for bit
//! as the [`portable`] loops' (the browser tests check it) for rows without a NaN, which the
//! quantisers turn into zero rows first. Each pass is O(D).

pub mod portable;
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
#[allow(unsafe_code)] // reason: SIMD128 loads and stores through pointers into checked slices
mod simd;

/// The lane passes this build runs: SIMD128 on wasm32, else the [`portable`] loops.
pub mod lanes {
    #[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
    pub use super::portable::{levels_i16, unit_scan};
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    pub use super::simd::{levels_i16, unit_scan};
}

use portable::level;

/// Row `row` scaled by `inv` into `unit` (as long as `row`): (max |u|, ‖u‖²), ‖u‖² summed as
/// [`crate::kernels::linalg::dot64`] sums it (the same lanes, the same order). A NaN or an infinity
/// makes ‖u‖² NaN or infinite, whatever the max made of it: the caller checks ‖u‖².
pub(crate) fn unit_row(row: &[f32], inv: f64, unit: &mut [f64]) -> (f64, f64) {
    let (mut m4, s4) = lanes::unit_scan(row, inv, unit);
    let body = unit.len() / 4 * 4;
    let mut tail = 0.0f64;
    for (u, &v) in unit[body..].iter_mut().zip(&row[body..]) {
        *u = f64::from(v) * inv;
        m4[0] = m4[0].max(u.abs());
        tail += *u * *u;
    }
    (
        m4[0].max(m4[1]).max(m4[2]).max(m4[3]),
        s4[0] + s4[1] + s4[2] + s4[3] + tail,
    )
}

/// The i16 levels v = clamp(round(u·per_step), ±32,767) of the unit row `unit` into `q`:
/// (‖v‖², ‖u − s·v‖²), the first exact (each v² < 2³⁰, their sum far below 2⁵³). For rows
/// without a NaN.
pub fn levels_i16(unit: &[f64], per_step: f64, s: f64, q: &mut [i16]) -> (f64, f64) {
    let (mut n4, e4) = lanes::levels_i16(unit, per_step, s, q);
    let body = unit.len() / 4 * 4;
    let mut err_tail = 0.0f64;
    for (qk, &u) in q[body..unit.len()].iter_mut().zip(&unit[body..]) {
        let v = level(u * per_step, 32_767.0) as i32;
        *qk = v as i16;
        n4[0] += f64::from(v * v);
        err_tail += (u - s * f64::from(v)).powi(2);
    }
    (
        n4[0] + n4[1] + n4[2] + n4[3],
        e4[0] + e4[1] + e4[2] + e4[3] + err_tail,
    )
}

#[cfg(test)]
mod tests;
