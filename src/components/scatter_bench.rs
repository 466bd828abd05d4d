//! `?bench=scatter`: the renderer and the hover index at a million points, on the main thread
//! where they run for real. Prints one JSON line per timing, like the worker benchmarks.

use rosetta_bench::Timing;
use wasm_bindgen::JsCast;
use web_sys::HtmlCanvasElement;

use crate::render::pick::PointGrid;
use crate::render::{Scatter, Viewport};
use crate::state::colors::PALETTE;

/// A million points in a few Gaussian blobs (seeded), with palette colours.
fn points(n: usize) -> (Vec<f32>, Vec<f32>, Vec<[u8; 4]>) {
    let mut s = 0x5eed_u64;
    let mut uniform = move || {
        s = s
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        ((s >> 11) as f64 / (1u64 << 53) as f64).max(1e-12)
    };
    let (mut xs, mut ys, mut rgba) = (
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
    );
    for i in 0..n {
        let c = i % 8;
        let (u, v) = (uniform(), uniform());
        let r = (-2.0 * u.ln()).sqrt();
        let angle = c as f64 * std::f64::consts::TAU / 8.0;
        xs.push((4.0 * angle.cos() + r * (std::f64::consts::TAU * v).cos()) as f32);
        ys.push((4.0 * angle.sin() + r * (std::f64::consts::TAU * v).sin()) as f32);
        let [red, g, b] = PALETTE[c];
        rgba.push([red, g, b, 255]);
    }
    (xs, ys, rgba)
}

fn timing(name: String, ms: f64, check: f64) -> Timing {
    Timing {
        name,
        ms,
        bytes: None,
        check,
    }
}

/// Run every scatter measurement on `canvas` (which must be laid out, e.g. 800 × 600 CSS px).
pub fn run(canvas: &HtmlCanvasElement, clock: &dyn Fn() -> f64, scale: f64) -> Vec<Timing> {
    let n = ((1_000_000.0 * scale).round() as usize).max(1000);
    let first_n = n / 10;
    let (xs, ys, rgba) = points(n);
    let dpr = 1.0;
    let (w, h) = (
        f64::from(canvas.client_width()),
        f64::from(canvas.client_height()),
    );
    canvas.set_width(w as u32);
    canvas.set_height(h as u32);
    let mut out = Vec::new();
    for force_canvas2d in [false, true] {
        // A fresh canvas per backend: a canvas keeps the first context type it was given.
        let c: HtmlCanvasElement = match canvas.clone_node().ok().and_then(|c| c.dyn_into().ok()) {
            Some(c) => c,
            None => continue,
        };
        if let Some(parent) = canvas.parent_node() {
            let _ = parent.append_child(&c);
        }
        c.set_width(w as u32);
        c.set_height(h as u32);
        let Ok(mut s) = Scatter::new(&c, force_canvas2d) else {
            continue;
        };
        let backend = s.backend().name();
        let mut vp = Viewport::fit(&xs[..first_n], &ys[..first_n], w, h, dpr);
        let t = clock();
        s.set_points(&xs[..first_n], &ys[..first_n], &rgba[..first_n]);
        s.draw(&vp);
        s.finish();
        out.push(timing(
            format!("scatter.first_draw_{}k.{backend}", first_n / 1000),
            clock() - t,
            first_n as f64,
        ));
        vp = Viewport::fit(&xs, &ys, w, h, dpr);
        let t = clock();
        s.set_points(&xs, &ys, &rgba);
        s.draw(&vp);
        s.finish();
        out.push(timing(
            format!("scatter.first_draw_{}k.{backend}", n / 1000),
            clock() - t,
            n as f64,
        ));
        let frames = if force_canvas2d { 5 } else { 30 };
        let uploads = s.uploads();
        let t = clock();
        for f in 0..frames {
            vp.pan(3.0, if f % 2 == 0 { 2.0 } else { -2.0 });
            s.draw(&vp);
        }
        let per_frame = (clock() - t) / f64::from(frames);
        let uploads_per_frame = f64::from(s.uploads() - uploads) / f64::from(frames);
        out.push(timing(
            format!("scatter.pan_frame_{}k.{backend}", n / 1000),
            per_frame,
            uploads_per_frame,
        ));
        let t = clock();
        for f in 0..frames {
            vp.zoom_at(if f % 2 == 0 { 1.05 } else { 1.0 / 1.05 }, w / 2.0, h / 2.0);
            s.draw(&vp);
        }
        out.push(timing(
            format!("scatter.zoom_frame_{}k.{backend}", n / 1000),
            (clock() - t) / f64::from(frames),
            f64::from(s.uploads() - uploads) / f64::from(2 * frames),
        ));
        // Whole frames, the drawing included: what a user waits for (software GPU here).
        s.finish();
        let t = clock();
        for f in 0..3 {
            vp.pan(3.0, if f % 2 == 0 { 2.0 } else { -2.0 });
            s.draw(&vp);
            s.finish();
        }
        out.push(timing(
            format!("scatter.pan_frame_with_gpu_{}k.{backend}", n / 1000),
            (clock() - t) / 3.0,
            0.0,
        ));
        c.remove();
    }
    let t = clock();
    let grid = PointGrid::new(&xs, &ys);
    out.push(timing(
        format!("scatter.hover_index_build_{}k", n / 1000),
        clock() - t,
        grid.len() as f64,
    ));
    let queries: u32 = 10_000;
    let vp = Viewport::fit(&xs, &ys, w, h, dpr);
    let radius = 8.0 / vp.scale;
    let mut found = 0usize;
    let t = clock();
    for q in 0..queries as usize {
        let (px, py) = ((q * 7919) % w as usize, (q * 104_729) % h as usize);
        let (x, y) = vp.to_data(px as f64, py as f64);
        found += usize::from(grid.nearest(x, y, radius, |_| true).is_some());
    }
    out.push(timing(
        format!("scatter.hover_lookup_{}k", n / 1000),
        (clock() - t) / f64::from(queries),
        found as f64 / f64::from(queries),
    ));
    out
}
