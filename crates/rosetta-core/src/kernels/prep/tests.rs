use super::*;
use crate::rng::Rng;

/// Rows of every length up to 20 and a few longer ones, values of mixed scales with exact ties
/// for the rounding (x.5 after the scaling) and zeros.
fn rows() -> Vec<Vec<f64>> {
    let mut r = Rng::new(11);
    let mut out: Vec<Vec<f64>> = (1..=20)
        .chain([383, 384, 385])
        .map(|len| {
            (0..len)
                .map(|k| match k % 7 {
                    3 => 0.0,
                    5 => 2.5 / 16.0,
                    _ => r.normal() * 0.1,
                })
                .collect()
        })
        .collect();
    out.push(Vec::new());
    out
}

#[test]
fn whole_rows_are_the_per_value_definitions() {
    for unit in rows() {
        let len = unit.len();
        let row: Vec<f32> = unit.iter().map(|&u| (u * 3.0) as f32).collect();
        let mut scaled = vec![f64::NAN; len];
        let (max, norm2) = unit_row(&row, 0.5, &mut scaled);
        let want: Vec<f64> = row.iter().map(|&v| f64::from(v) * 0.5).collect();
        assert_eq!(scaled, want, "unit row of {len}");
        assert_eq!(max, want.iter().fold(0.0f64, |m, u| m.max(u.abs())));
        assert_eq!(
            norm2,
            crate::kernels::linalg::dot64(&want, &want),
            "‖u‖² as dot64 sums it"
        );
        for per_step in [16.0, 1e3, 1e6] {
            let s = 1.0 / per_step;
            let v: Vec<f64> = unit
                .iter()
                .map(|&u| (u * per_step).round_ties_even())
                .collect();
            let err2: f64 = unit
                .iter()
                .zip(&v)
                .map(|(&u, &v)| (u - s * v).powi(2))
                .sum();
            let mut q = vec![7i16; len];
            let (n2, e2) = levels_i16(&unit, per_step, s, &mut q);
            let clamped: Vec<f64> = v.iter().map(|&v| v.clamp(-32_767.0, 32_767.0)).collect();
            assert_eq!(q, clamped.iter().map(|&v| v as i16).collect::<Vec<_>>());
            assert_eq!(
                n2,
                clamped.iter().map(|v| v * v).sum::<f64>(),
                "‖v‖² is exact"
            );
            if per_step < 1e6 {
                // No clamping: the error is the rounding's.
                assert!(
                    (e2 - err2).abs() <= 1e-12 * err2.max(1e-300),
                    "{e2} vs {err2}"
                );
            }
        }
    }
}

#[test]
fn a_row_with_a_nan_or_an_infinity_has_no_finite_norm() {
    for bad in [f32::NAN, f32::INFINITY] {
        for at in [0, 5, 8] {
            let mut row = vec![0.25f32; 9];
            row[at] = bad;
            let mut unit = vec![0.0; 9];
            let (_, norm2) = unit_row(&row, 1.0, &mut unit);
            assert!(!norm2.is_finite(), "{bad} at {at}");
        }
    }
}
