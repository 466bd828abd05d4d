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

/// The SIMD128 4 × 8 kernel behind every bulk product in the tab (rosetta_core::gemm), at sizes
/// that leave partial tiles, several depth panels and several column passes.
#[wasm_bindgen_test]
fn packed_products_in_wasm_match_f64_sums() {
    use rosetta_core::linalg::{cross_f32, dot_tile_into, lower_gram_f32};
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

/// The relaxed-simd i8 kernels behind the screens (rosetta_core::gemm_i8): only in the
/// relaxed-simd build of these tests (scripts/test.sh runs it with `--features relaxed-simd`).
/// Both kernels, whichever this browser would choose, must give exact sums, scaled to f32 by the
/// formula bit for bit, at sizes that leave partial tiles and an odd number of quads, and with
/// first-factor rows at the pair kernel's limit against second-factor values of 127 (the largest
/// i16 sums it forms).
#[cfg(feature = "relaxed-simd")]
#[wasm_bindgen_test]
fn relaxed_simd_i8_products_are_exact() {
    use rosetta_core::gemm_i8::{
        kernel, pack, pairs_fit, scaled_dot_tile_into, set_kernel, widest_pair_group, Factor,
        Kernel, PAIR_LIMIT,
    };
    let chosen = kernel();
    web_sys::console::log_1(&format!("gemm_i8 kernel chosen here: {chosen:?}").into());
    for which in [Kernel::DotAdd, Kernel::Pairs] {
        set_kernel(which);
        for &(m, n, depth) in &[
            (1, 1, 4),
            (5, 9, 12),
            (8, 8, 128),
            (13, 517, 404),
            (9, 16, 64),
        ] {
            // Each pair group's values add up to at most PAIR_LIMIT: a spread of values in
            // most rows, the limit itself (127, 127, 1, 0 and signs) in every third.
            let a: Vec<i8> = (0..m * depth)
                .map(|e| {
                    let (i, k) = (e / depth, e % depth);
                    let v = if i % 3 == 2 {
                        [127, -127, 1, 0][k % 8 / 4 * 2 + k % 2] * if k % 3 == 0 { -1 } else { 1 }
                    } else {
                        ((e * 7919) % 127) as i32 - 63
                    };
                    v as i8
                })
                .collect();
            for row in a.chunks_exact(depth) {
                assert!(pairs_fit(row), "a test row exceeds PAIR_LIMIT");
            }
            let at_limit = a
                .chunks_exact(depth)
                .any(|row| widest_pair_group(row) == PAIR_LIMIT);
            assert!(at_limit || m < 3, "no row at the limit for {m} rows");
            // The second factor's bytes stay in 0..=127, as the kernels require; column 0 is
            // all 127.
            let b: Vec<i8> = (0..n * depth)
                .map(|e| {
                    if e < depth {
                        127
                    } else {
                        ((e * 104_729) % 128) as i8
                    }
                })
                .collect();
            let shift: Vec<i32> = (0..m).map(|i| i as i32 - 3).collect();
            // Steps and parts along a shared direction: full register tiles are scaled in
            // registers, partial ones by a scalar loop; both must give the formula's f32 values
            // from the exact sums, bit for bit.
            let f = |i: usize, salt: usize| ((i * 7 + salt) % 13) as f32 * 0.173 - 1.01;
            let (sa, la): (Vec<f32>, Vec<f32>) = (0..m).map(|i| (f(i, 1), f(i, 5))).unzip();
            let (sb, lb): (Vec<f32>, Vec<f32>) = (0..n).map(|j| (f(j, 3), f(j, 8))).unzip();
            let mut out = vec![f32::NAN; m * n];
            let (pa, pb) = (pack(&a, m, depth), pack(&b, n, depth));
            let fa = Factor::new(&pa, &sa, &la);
            let fb = Factor::new(&pb, &sb, &lb);
            scaled_dot_tile_into(fa, &shift, fb, depth, &mut out);
            for i in 0..m {
                for j in 0..n {
                    let sum: i32 = (0..depth)
                        .map(|k| i32::from(a[i * depth + k]) * i32::from(b[j * depth + k]))
                        .sum();
                    let want = (sum - shift[i]) as f32 * sa[i] * sb[j] + la[i] * lb[j];
                    assert_eq!(
                        out[i * n + j].to_bits(),
                        want.to_bits(),
                        "{which:?} {m}×{n}×{depth} at ({i},{j})"
                    );
                }
            }
        }
    }
    set_kernel(chosen);
}

/// Retrieval in the relaxed-simd build screens with i8 tiles (crowded ones again in i16): its
/// ranks equal an f64 brute force's, in both directions, across several tiles.
#[cfg(feature = "relaxed-simd")]
#[wasm_bindgen_test]
fn relaxed_simd_retrieval_equals_the_brute_force() {
    use rosetta_core::linalg::{dot64, norm64};
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
    let got = rosetta_core::retrieval::retrieval(vx, vy).unwrap();
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

/// kNN in the relaxed-simd build screens with i8 tiles and computes single i16 scores where a
/// list might change (the SIMD128 pair product): its neighbours equal an f64 brute force's.
#[cfg(feature = "relaxed-simd")]
#[wasm_bindgen_test]
fn relaxed_simd_knn_equals_the_brute_force() {
    use rosetta_core::linalg::{dot64, norm64};
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

/// The row preparations' lane passes in SIMD128 (`rosetta_core::prep::lanes`) give the portable
/// loops' values bit for bit: the Walsh–Hadamard transform of every block size; the levels,
/// stored integers and lanes' sums for rows of several scales (values on rounding ties, beyond
/// the clamp, zero, −0 and infinities) and both i8 sides.
#[wasm_bindgen_test]
fn prep_passes_match_the_portable_loops() {
    use rosetta_core::prep::{lanes, portable};
    let bits = |v: [f64; 4]| v.map(f64::to_bits);
    for (seed, n) in (1..).zip([1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024]) {
        let v: Vec<f64> = values(n, seed).into_iter().map(f64::from).collect();
        let (mut a, mut b) = (v.clone(), v);
        lanes::hadamard(&mut a);
        portable::hadamard(&mut b);
        let (a, b): (Vec<u64>, Vec<u64>) = (
            a.iter().map(|x| x.to_bits()).collect(),
            b.iter().map(|x| x.to_bits()).collect(),
        );
        assert_eq!(a, b, "hadamard of {n}");
    }
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
            // No NaN: the quantisers turn a row with one into a zero row before these passes
            // (a relaxed-simd build may lower the selects and clamps to `f64x2.relaxed_min` and
            // `relaxed_max`, whose NaN rule is the machine's).
            for per_step in [1.0, 3.7, 1e4] {
                let (mut q1, mut q2) = (vec![7i16; len], vec![7i16; len]);
                let a = lanes::levels_i16(&u1, per_step, 1.0 / per_step, &mut q1);
                let b = portable::levels_i16(&u1, per_step, 1.0 / per_step, &mut q2);
                assert_eq!((bits(a.0), bits(a.1)), (bits(b.0), bits(b.1)), "levels_i16");
                assert_eq!(q1, q2, "i16 levels at {per_step}");
            }
            // The i8 passes take finite rows.
            let finite: Vec<f64> = u1
                .iter()
                .map(|&u| if u.is_finite() { u } else { 0.25 })
                .collect();
            assert_eq!(
                bits(lanes::max_abs(&finite)),
                bits(portable::max_abs(&finite))
            );
            let (w1, w2) = (
                lanes::widest_eights(&finite),
                portable::widest_eights(&finite),
            );
            assert_eq!(w1.to_bits(), w2.to_bits(), "widest_eights");
            for (levels, offset) in [(127.0, 0), (63.0, 64)] {
                for per_step in [0.5, 13.0, 900.0] {
                    let factors = (per_step, 1.0 / per_step, levels);
                    let (mut q1, mut q2) = (vec![9i8; len], vec![9i8; len]);
                    let a = lanes::levels_i8(&finite, factors, offset, &mut q1);
                    let b = portable::levels_i8(&finite, factors, offset, &mut q2);
                    assert_eq!(bits(a), bits(b), "levels_i8");
                    assert_eq!(q1, q2, "i8 levels at {per_step}, offset {offset}");
                }
            }
        }
    }
}
