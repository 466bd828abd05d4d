//! The overlay pass: a transparent 2-D canvas above the points for what changes on every pointer
//! move (hover ring, lasso or box being drawn, displacement lines), so the point buffers are never
//! touched for them. Takes plain data and a viewport.

use web_sys::{CanvasRenderingContext2d, HtmlCanvasElement};

use super::Viewport;

/// What the overlay shows. Points and lines are in data units; the lasso and box in CSS pixels.
#[derive(Debug, Default, Clone, Copy)]
pub struct Overlay<'a> {
    pub hover: Option<(f32, f32)>,
    pub focus: Option<(f32, f32)>,
    pub lasso: &'a [(f64, f64)],
    pub rubber_box: Option<((f64, f64), (f64, f64))>,
    /// Segments `[x0, y0, x1, y1]`: where each selected item sits in two spaces (aligned mode).
    pub lines: &'a [[f32; 4]],
}

pub struct OverlayCanvas {
    ctx: CanvasRenderingContext2d,
    canvas: HtmlCanvasElement,
}

impl OverlayCanvas {
    pub fn new(canvas: &HtmlCanvasElement) -> Result<Self, String> {
        let ctx = super::context_2d(canvas)?;
        Ok(Self {
            ctx,
            canvas: canvas.clone(),
        })
    }

    pub fn draw(&self, vp: &Viewport, o: &Overlay<'_>) {
        let ctx = &self.ctx;
        let _ = ctx.set_transform(1.0, 0.0, 0.0, 1.0, 0.0, 0.0);
        ctx.clear_rect(
            0.0,
            0.0,
            f64::from(self.canvas.width()),
            f64::from(self.canvas.height()),
        );
        let _ = ctx.set_transform(vp.dpr, 0.0, 0.0, vp.dpr, 0.0, 0.0);
        if !o.lines.is_empty() {
            ctx.set_stroke_style_str("rgba(40, 40, 40, 0.55)");
            ctx.set_line_width(1.0);
            ctx.begin_path();
            for l in o.lines {
                let (x0, y0) = vp.to_css(f64::from(l[0]), f64::from(l[1]));
                let (x1, y1) = vp.to_css(f64::from(l[2]), f64::from(l[3]));
                ctx.move_to(x0, y0);
                ctx.line_to(x1, y1);
            }
            ctx.stroke();
        }
        for (point, color, radius) in [(o.focus, "#111", 9.0), (o.hover, "#d00", 7.0)] {
            if let Some((x, y)) = point {
                let (cx, cy) = vp.to_css(f64::from(x), f64::from(y));
                ctx.set_stroke_style_str(color);
                ctx.set_line_width(2.0);
                ctx.begin_path();
                let _ = ctx.arc(cx, cy, radius, 0.0, std::f64::consts::TAU);
                ctx.stroke();
            }
        }
        if o.lasso.len() > 1 {
            ctx.set_stroke_style_str("#222");
            ctx.set_fill_style_str("rgba(0, 114, 178, 0.08)");
            ctx.set_line_width(1.5);
            ctx.begin_path();
            ctx.move_to(o.lasso[0].0, o.lasso[0].1);
            for &(x, y) in &o.lasso[1..] {
                ctx.line_to(x, y);
            }
            ctx.close_path();
            ctx.fill();
            ctx.stroke();
        }
        if let Some(((x0, y0), (x1, y1))) = o.rubber_box {
            ctx.set_stroke_style_str("#222");
            ctx.set_fill_style_str("rgba(0, 114, 178, 0.08)");
            ctx.set_line_width(1.5);
            ctx.fill_rect(x0.min(x1), y0.min(y1), (x1 - x0).abs(), (y1 - y0).abs());
            ctx.stroke_rect(x0.min(x1), y0.min(y1), (x1 - x0).abs(), (y1 - y0).abs());
        }
    }
}
