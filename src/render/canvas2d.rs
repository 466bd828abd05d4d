//! The Canvas2D fallback: points rasterised into one RGBA buffer, then a single `putImageData`.

use wasm_bindgen::{Clamped, JsCast};
use web_sys::{CanvasRenderingContext2d, HtmlCanvasElement, ImageData};

use super::{point_style, Viewport};

pub struct CanvasScatter {
    ctx: CanvasRenderingContext2d,
    canvas: HtmlCanvasElement,
    xs: Vec<f32>,
    ys: Vec<f32>,
    rgba: Vec<[u8; 4]>,
    pixels: Vec<u8>,
}

impl CanvasScatter {
    pub fn new(canvas: &HtmlCanvasElement) -> Result<Self, String> {
        let ctx: CanvasRenderingContext2d = canvas
            .get_context("2d")
            .map_err(|_| "2d context request failed")?
            .ok_or("no 2d context")?
            .dyn_into()
            .map_err(|_| "not a 2d context")?;
        Ok(Self {
            ctx,
            canvas: canvas.clone(),
            xs: Vec::new(),
            ys: Vec::new(),
            rgba: Vec::new(),
            pixels: Vec::new(),
        })
    }

    pub fn len(&self) -> usize {
        self.xs.len()
    }

    pub fn set_points(&mut self, xs: &[f32], ys: &[f32], rgba: &[[u8; 4]]) {
        let n = xs.len().min(ys.len()).min(rgba.len());
        self.xs = xs[..n].to_vec();
        self.ys = ys[..n].to_vec();
        self.rgba = rgba[..n].to_vec();
    }

    pub fn draw(&mut self, vp: &Viewport) {
        let (w, h) = (self.canvas.width() as usize, self.canvas.height() as usize);
        self.pixels.clear();
        self.pixels.resize(w * h * 4, 0);
        let (size_css, alpha) = point_style(self.xs.len(), vp.width_css, vp.height_css);
        let r = ((size_css as f64 * vp.dpr) / 2.0).max(0.5);
        let ri = r.ceil() as i64;
        for i in 0..self.xs.len() {
            let (cx, cy) = vp.to_css(f64::from(self.xs[i]), f64::from(self.ys[i]));
            let (cx, cy) = (cx * vp.dpr, cy * vp.dpr);
            let [cr, cg, cb, ca] = self.rgba[i];
            let pa = alpha * f32::from(ca) / 255.0;
            for dy in -ri..=ri {
                let py = (cy + dy as f64) as i64;
                if py < 0 || py >= h as i64 {
                    continue;
                }
                for dx in -ri..=ri {
                    if (dx * dx + dy * dy) as f64 > r * r + 0.25 {
                        continue;
                    }
                    let px = (cx + dx as f64) as i64;
                    if px < 0 || px >= w as i64 {
                        continue;
                    }
                    let o = (py as usize * w + px as usize) * 4;
                    let p = &mut self.pixels[o..o + 4];
                    over(p, [cr, cg, cb], pa);
                }
            }
        }
        match ImageData::new_with_u8_clamped_array_and_sh(Clamped(&self.pixels), w as u32, h as u32)
        {
            Ok(img) => {
                let _ = self.ctx.put_image_data(&img, 0.0, 0.0);
            }
            Err(e) => web_sys::console::error_1(&e),
        }
    }
}

/// Source-over compositing of one colour with opacity `a` onto a non-premultiplied RGBA pixel.
fn over(dst: &mut [u8], src: [u8; 3], a: f32) {
    let da = f32::from(dst[3]) / 255.0;
    let out_a = a + da * (1.0 - a);
    if out_a <= 0.0 {
        return;
    }
    for (d, s) in dst.iter_mut().zip(src) {
        let c = (f32::from(s) * a + f32::from(*d) * da * (1.0 - a)) / out_a;
        *d = c.round().clamp(0.0, 255.0) as u8;
    }
    dst[3] = (out_a * 255.0).round() as u8;
}
