//! In-browser tests (wasm-bindgen-test in headless Chromium): the renderers really paint, and the
//! pure crates give the same answers compiled to wasm32 as natively.
//! Run: `cargo test --target wasm32-unknown-unknown --test browser` (see scripts/test.sh).
#![cfg(target_arch = "wasm32")]
#![allow(clippy::unwrap_used)] // reason: test code, where a panic is the failure report

use rosetta_app::render::{Backend, Scatter, Viewport};
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web_sys::{CanvasRenderingContext2d, HtmlCanvasElement, WebGl2RenderingContext as Gl};

wasm_bindgen_test_configure!(run_in_browser);

fn canvas(w: u32, h: u32) -> HtmlCanvasElement {
    let doc = web_sys::window().unwrap().document().unwrap();
    let c: HtmlCanvasElement = doc.create_element("canvas").unwrap().dyn_into().unwrap();
    c.set_width(w);
    c.set_height(h);
    c.style().set_property("width", &format!("{w}px")).unwrap();
    c.style().set_property("height", &format!("{h}px")).unwrap();
    doc.body().unwrap().append_child(&c).unwrap();
    c
}

/// One red point at the centre and one blue point near the top-left corner.
fn draw_two_points(scatter: &mut Scatter) {
    scatter.set_points(
        &[0.0, -0.9],
        &[0.0, 0.9],
        &[[255, 0, 0, 255], [0, 0, 255, 255]],
    );
    let vp = Viewport {
        center_x: 0.0,
        center_y: 0.0,
        scale: 50.0,
        width_css: 100.0,
        height_css: 100.0,
        dpr: 1.0,
    };
    scatter.draw(&vp);
}

#[wasm_bindgen_test]
fn webgl2_paints_points_where_the_viewport_says() {
    let c = canvas(100, 100);
    let mut s = Scatter::new(&c, false).unwrap();
    assert_eq!(s.backend(), Backend::WebGl2);
    draw_two_points(&mut s);
    let gl: Gl = c
        .get_context("webgl2")
        .unwrap()
        .unwrap()
        .dyn_into()
        .unwrap();
    let mut px = [0u8; 4];
    gl.read_pixels_with_opt_u8_array(50, 50, 1, 1, Gl::RGBA, Gl::UNSIGNED_BYTE, Some(&mut px))
        .unwrap();
    assert!(px[0] > 100 && px[2] < 50, "centre pixel {px:?}");
    // (-0.9, 0.9) → css (5, 5) from the top-left; GL rows count from the bottom.
    gl.read_pixels_with_opt_u8_array(5, 94, 1, 1, Gl::RGBA, Gl::UNSIGNED_BYTE, Some(&mut px))
        .unwrap();
    assert!(px[2] > 100 && px[0] < 50, "corner pixel {px:?}");
    gl.read_pixels_with_opt_u8_array(80, 20, 1, 1, Gl::RGBA, Gl::UNSIGNED_BYTE, Some(&mut px))
        .unwrap();
    assert_eq!(px[3], 0, "empty pixel {px:?}");
}

#[wasm_bindgen_test]
fn canvas2d_fallback_paints_the_same_picture() {
    let c = canvas(100, 100);
    let mut s = Scatter::new(&c, true).unwrap();
    assert_eq!(s.backend(), Backend::Canvas2d);
    draw_two_points(&mut s);
    let ctx: CanvasRenderingContext2d = c.get_context("2d").unwrap().unwrap().dyn_into().unwrap();
    let centre = ctx.get_image_data(50.0, 50.0, 1.0, 1.0).unwrap().data();
    assert!(
        centre[0] > 100 && centre[2] < 50,
        "centre pixel {:?}",
        centre.0
    );
    let corner = ctx.get_image_data(5.0, 5.0, 1.0, 1.0).unwrap().data();
    assert!(
        corner[2] > 100 && corner[0] < 50,
        "corner pixel {:?}",
        corner.0
    );
    let empty = ctx.get_image_data(80.0, 80.0, 1.0, 1.0).unwrap().data();
    assert_eq!(empty[3], 0);
}

#[wasm_bindgen_test]
fn npy_parses_in_wasm_like_natively() {
    let values: Vec<f32> = (0..12).map(|i| i as f32 * 0.5).collect();
    let bytes = rosetta_io::npy::write_f32(4, 3, &values);
    let parsed = rosetta_io::parse_file("x.npy", &bytes).unwrap();
    assert_eq!(parsed.spaces[0].vectors.values, values);
    let err = rosetta_io::parse_file("x.npy", &bytes[..40]).unwrap_err();
    assert!(err.to_string().starts_with("x.npy: "), "{err}");
}

#[wasm_bindgen_test]
fn pca_in_wasm_matches_scikit_learn() {
    let x: Vec<f32> = vec![-1., -1., -2., -1., -3., -2., 1., 1., 2., 1., 3., 2.];
    let view = rosetta_core::MatView::new(&x, 6, 2).unwrap();
    let p = rosetta_core::PcaParams::new(2).fit(view).unwrap();
    assert!((p.singular_values[0] - 6.30061232).abs() < 1e-6);
    assert!((p.explained_variance_ratio[0] - 0.99244289).abs() < 1e-7);
}

/// Deterministic values in [−1, 1) without an RNG crate.
fn values(len: usize, seed: usize) -> Vec<f32> {
    (0..len)
        .map(|i| ((i * 7919 + seed * 104_729) % 2003) as f32 / 1001.5 - 1.0)
        .collect()
}

/// The SIMD128 4 × 8 kernel behind every bulk product in the tab (rosetta_core::kernels::gemm), at sizes
/// that leave partial tiles, several depth panels and several column passes.
#[wasm_bindgen_test]
fn packed_products_in_wasm_match_f64_sums() {
    use rosetta_core::kernels::linalg::{cross_f32, dot_tile_into, lower_gram_f32};
    let close = |got: f32, want: f64, terms: usize| {
        (f64::from(got) - want).abs() <= 1e-5 * (terms as f64).sqrt().max(1.0)
    };
    for &(m, n, d) in &[(1, 1, 1), (5, 9, 3), (4, 8, 128), (13, 517, 400)] {
        let (a, b) = (values(m * d, 1), values(n * d, 2));
        let mut out = vec![f32::NAN; m * n];
        dot_tile_into(&a, m, &b, n, d, &mut out);
        for i in 0..m {
            for j in 0..n {
                let want: f64 = (0..d)
                    .map(|k| f64::from(a[i * d + k]) * f64::from(b[j * d + k]))
                    .sum();
                assert!(
                    close(out[i * n + j], want, d),
                    "A·Bᵀ {m}×{n}×{d} at ({i},{j})"
                );
            }
        }
    }
    for &(rows, m, n) in &[(3, 9, 5), (400, 21, 515)] {
        let (a, b) = (values(rows * m, 3), values(rows * n, 4));
        let mut cross = vec![f32::NAN; m * n];
        cross_f32(&a, m, &b, n, rows, &mut cross);
        let mut gram = vec![f32::NAN; m * m];
        lower_gram_f32(&a, rows, m, &mut gram);
        for i in 0..m {
            for j in 0..n {
                let want: f64 = (0..rows)
                    .map(|k| f64::from(a[k * m + i]) * f64::from(b[k * n + j]))
                    .sum();
                assert!(close(cross[i * n + j], want, rows), "AᵀB at ({i},{j})");
            }
            for j in 0..=i {
                let want: f64 = (0..rows)
                    .map(|k| f64::from(a[k * m + i]) * f64::from(a[k * m + j]))
                    .sum();
                assert!(close(gram[i * m + j], want, rows), "lower AᵀA at ({i},{j})");
            }
        }
    }
}

/// Retrieval in the tab screens with i16 tiles (SIMD128 products): its ranks equal an f64 brute
/// force's, in both directions, across several tiles.
#[wasm_bindgen_test]
fn retrieval_in_wasm_equals_the_brute_force() {
    use rosetta_core::kernels::linalg::{dot64, norm64};
    let (n, d) = (1030, 24);
    let x: Vec<f32> = values(n * d, 5)
        .iter()
        .enumerate()
        .map(|(e, &v)| v / (1.0 + (e % d) as f32 / 8.0) + 0.1)
        .collect();
    let y: Vec<f32> = x
        .iter()
        .zip(values(n * d, 6))
        .map(|(&v, w)| v + 0.3 * w)
        .collect();
    let (vx, vy) = (
        rosetta_core::MatView::new(&x, n, d).unwrap(),
        rosetta_core::MatView::new(&y, n, d).unwrap(),
    );
    let got = rosetta_core::screens::retrieval::retrieval(vx, vy).unwrap();
    let (nx, ny): (Vec<f64>, Vec<f64>) = (0..n)
        .map(|i| (norm64(vx.row(i)), norm64(vy.row(i))))
        .unzip();
    let cos = |i: usize, j: usize| dot64(vx.row(i), vy.row(j)) / (nx[i] * ny[j]);
    let diag: Vec<f64> = (0..n).map(|i| cos(i, i)).collect();
    let xb: Vec<u32> = (0..n)
        .map(|i| (0..n).filter(|&j| cos(i, j) > diag[i]).count() as u32)
        .collect();
    let yb: Vec<u32> = (0..n)
        .map(|j| (0..n).filter(|&i| cos(i, j) > diag[j]).count() as u32)
        .collect();
    assert_eq!(got.x_better, xb);
    assert_eq!(got.y_better, yb);
    assert!(xb.iter().any(|&b| b > 0) && xb.contains(&0));
}

/// kNN in the tab screens with i16 tiles (SIMD128 products): its neighbours equal an f64 brute
/// force's.
#[wasm_bindgen_test]
fn knn_in_wasm_equals_the_brute_force() {
    use rosetta_core::kernels::linalg::{dot64, norm64};
    let (n, d, k) = (2000, 24, 5);
    let x: Vec<f32> = values(n * d, 7)
        .iter()
        .enumerate()
        .map(|(e, &v)| v / (1.0 + (e % d) as f32 / 4.0) + 0.1)
        .collect();
    let v = rosetta_core::MatView::new(&x, n, d).unwrap();
    let got = rosetta_core::knn(v, k, rosetta_core::Metric::Cosine).unwrap();
    let norms: Vec<f64> = (0..n).map(|i| norm64(v.row(i))).collect();
    for i in 0..n {
        let mut all: Vec<(f64, usize)> = (0..n)
            .filter(|&j| j != i)
            .map(|j| (dot64(v.row(i), v.row(j)) / (norms[i] * norms[j]), j))
            .collect();
        all.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        let want: Vec<u32> = all[..k].iter().map(|&(_, j)| j as u32).collect();
        assert_eq!(got.row(i), &want[..], "row {i}");
    }
}

/// The row preparations' lane passes in SIMD128 (`rosetta_core::kernels::prep::lanes`) give the portable
/// loops' values bit for bit: the levels, stored integers and lanes' sums for rows of several
/// scales (values on rounding ties, beyond the clamp, zero, −0 and infinities).
#[wasm_bindgen_test]
fn prep_passes_match_the_portable_loops() {
    use rosetta_core::kernels::prep::{lanes, portable};
    let bits = |v: [f64; 4]| v.map(f64::to_bits);
    for (seed, len) in [(1, 4), (2, 8), (3, 384), (4, 385), (5, 1000)] {
        let raw = values(len, seed);
        for scale in [1e-3f64, 0.05, 1.0, 40.0] {
            let mut row: Vec<f32> = raw.iter().map(|&v| (f64::from(v) * scale) as f32).collect();
            let mut special = [0.5f32, -1.5, 2.5, 0.0, -0.0, 3e4, -7e4];
            if scale == 40.0 {
                special[1..3].copy_from_slice(&[f32::INFINITY, f32::NEG_INFINITY]);
            }
            for (v, s) in row.iter_mut().step_by(3).zip(special) {
                *v = s;
            }
            let (mut u1, mut u2) = (vec![0.0f64; len], vec![0.0f64; len]);
            let inv = 1.0 / scale;
            let (a, b) = (
                lanes::unit_scan(&row, inv, &mut u1),
                portable::unit_scan(&row, inv, &mut u2),
            );
            assert_eq!((bits(a.0), bits(a.1)), (bits(b.0), bits(b.1)), "unit_scan");
            let body = len / 4 * 4;
            let same = u1[..body].iter().zip(&u2[..body]);
            assert!(
                same.clone().all(|(x, y)| x.to_bits() == y.to_bits()),
                "unit rows"
            );
            // No NaN: the quantisers turn a row with one into a zero row before these passes.
            for per_step in [1.0, 3.7, 1e4] {
                let (mut q1, mut q2) = (vec![7i16; len], vec![7i16; len]);
                let a = lanes::levels_i16(&u1, per_step, 1.0 / per_step, &mut q1);
                let b = portable::levels_i16(&u1, per_step, 1.0 / per_step, &mut q2);
                assert_eq!((bits(a.0), bits(a.1)), (bits(b.0), bits(b.1)), "levels_i16");
                assert_eq!(q1, q2, "i16 levels at {per_step}");
            }
        }
    }
}
