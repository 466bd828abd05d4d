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
