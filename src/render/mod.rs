//! Drawing scatter plots. The renderer takes plain arrays (xs, ys, colours) and a [`Viewport`]; it
//! never reads app state, and it touches only the canvas it is given.

pub mod canvas2d;
pub mod charts;
pub mod overlay;
pub mod pick;
pub mod viewport;
mod webgl;

/// Per-point flags, one byte each: what the renderer does with a point beyond its colour.
pub mod flags {
    /// Not drawn (its category is toggled off).
    pub const HIDDEN: u8 = 1;
    /// In the selection: bigger, opaque, rimmed, on top; unmarked points fade.
    pub const SELECTED: u8 = 2;
    /// A neighbour of the focused item, or the same item hovered in a linked pane.
    pub const HIGHLIGHT: u8 = 4;
    pub const MARKED: u8 = SELECTED | HIGHLIGHT;
    /// An anchor of the relative representation: a large rimmed marker.
    pub const ANCHOR: u8 = 8;
}

use web_sys::HtmlCanvasElement;

pub use viewport::Viewport;

/// The 2-D context of a canvas (the fallback scatter, the overlay, PNG export).
pub fn context_2d(canvas: &HtmlCanvasElement) -> Result<web_sys::CanvasRenderingContext2d, String> {
    use wasm_bindgen::JsCast;
    canvas
        .get_context("2d")
        .map_err(|_| "2d context request failed")?
        .ok_or("no 2d context")?
        .dyn_into()
        .map_err(|_| "not a 2d context".to_owned())
}

/// Which drawing API a scatter uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    WebGl2,
    Canvas2d,
}

impl Backend {
    pub fn name(self) -> &'static str {
        match self {
            Backend::WebGl2 => "webgl2",
            Backend::Canvas2d => "canvas2d",
        }
    }
}

/// Point size (CSS px) and opacity for `n` points: big and opaque when few, small and translucent
/// when many, so dense regions read as density instead of a solid blob.
pub fn point_style(n: usize, width_css: f64, height_css: f64) -> (f32, f32) {
    let n = n.max(1) as f64;
    let area_per_point = (width_css * height_css).max(1.0) / n;
    let size = (area_per_point.sqrt() * 0.9).clamp(1.5, 7.0);
    let coverage = n * size * size / (width_css * height_css).max(1.0);
    let alpha = (1.6 / coverage.max(1e-9)).clamp(0.25, 0.9);
    (size as f32, alpha as f32)
}

/// A scatter plot on one canvas.
pub enum Scatter {
    WebGl(webgl::WebGlScatter),
    Canvas(canvas2d::CanvasScatter),
}

impl Scatter {
    /// WebGL2 when available (and not refused by `force_canvas2d`), else Canvas2D.
    pub fn new(canvas: &HtmlCanvasElement, force_canvas2d: bool) -> Result<Self, String> {
        if !force_canvas2d {
            if let Ok(gl) = webgl::WebGlScatter::new(canvas) {
                return Ok(Scatter::WebGl(gl));
            }
        }
        canvas2d::CanvasScatter::new(canvas).map(Scatter::Canvas)
    }

    pub fn backend(&self) -> Backend {
        match self {
            Scatter::WebGl(_) => Backend::WebGl2,
            Scatter::Canvas(_) => Backend::Canvas2d,
        }
    }

    /// Replace the points (uploaded once; panning and zooming reuse them).
    pub fn set_points(&mut self, xs: &[f32], ys: &[f32], rgba: &[[u8; 4]]) {
        match self {
            Scatter::WebGl(s) => s.set_points(xs, ys, rgba),
            Scatter::Canvas(s) => s.set_points(xs, ys, rgba),
        }
    }

    /// Number of points held.
    pub fn len(&self) -> usize {
        match self {
            Scatter::WebGl(s) => s.len(),
            Scatter::Canvas(s) => s.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Per-point flags (see [`flags`]); uploads N bytes, so call it when they change, not per frame.
    pub fn set_flags(&mut self, flags: &[u8]) {
        match self {
            Scatter::WebGl(s) => s.set_flags(flags),
            Scatter::Canvas(s) => s.set_flags(flags),
        }
    }

    /// The GPU context was lost (the fallback never loses its context).
    pub fn is_lost(&self) -> bool {
        match self {
            Scatter::WebGl(s) => s.is_lost(),
            Scatter::Canvas(_) => false,
        }
    }

    /// Wait for the GPU to finish (benchmarks: frame time including the drawing itself).
    pub fn finish(&self) {
        if let Scatter::WebGl(s) = self {
            s.finish();
        }
    }

    /// GPU buffer uploads so far (0 for Canvas2D): the benchmark checks pan frames add none.
    pub fn uploads(&self) -> u32 {
        match self {
            Scatter::WebGl(s) => s.uploads,
            Scatter::Canvas(_) => 0,
        }
    }

    pub fn draw(&mut self, viewport: &Viewport) {
        match self {
            Scatter::WebGl(s) => s.draw(viewport),
            Scatter::Canvas(s) => s.draw(viewport),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::point_style;

    #[test]
    fn many_points_are_smaller_and_fainter() {
        let (s1, a1) = point_style(100, 800.0, 600.0);
        let (s2, a2) = point_style(1_000_000, 800.0, 600.0);
        assert!(s2 < s1 && a2 < a1);
        assert!(s2 >= 1.5 && a2 >= 0.25);
    }
}
