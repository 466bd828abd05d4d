//! The Canvas2D fallback: points rasterised into one RGBA buffer, then a single `putImageData`.
//! Same marking rules as the WebGL pass; the rasteriser also renders PNG exports.

use wasm_bindgen::Clamped;
use web_sys::{CanvasRenderingContext2d, HtmlCanvasElement, ImageData};

use super::{point_style, Viewport};

pub struct CanvasScatter {
    ctx: CanvasRenderingContext2d,
    canvas: HtmlCanvasElement,
    xs: Vec<f32>,
    ys: Vec<f32>,
    rgba: Vec<[u8; 4]>,
    flags: Vec<u8>,
    pixels: Vec<u8>,
}

impl CanvasScatter {
    pub fn new(canvas: &HtmlCanvasElement) -> Result<Self, String> {
        let ctx = super::context_2d(canvas)?;
        Ok(Self {
            ctx,
            canvas: canvas.clone(),
            xs: Vec::new(),
            ys: Vec::new(),
            rgba: Vec::new(),
            flags: Vec::new(),
            pixels: Vec::new(),
        })
    }

    pub fn len(&self) -> usize {
        self.xs.len()
    }

    pub fn is_empty(&self) -> bool {
        self.xs.is_empty()
    }

    pub fn set_points(&mut self, xs: &[f32], ys: &[f32], rgba: &[[u8; 4]]) {
        let n = xs.len().min(ys.len()).min(rgba.len());
        self.xs = xs[..n].to_vec();
        self.ys = ys[..n].to_vec();
        self.rgba = rgba[..n].to_vec();
        self.flags = vec![0; n];
    }

    pub fn set_flags(&mut self, flags: &[u8]) {
        let n = self.xs.len();
        self.flags = flags[..flags.len().min(n)].to_vec();
        self.flags.resize(n, 0);
    }

    pub fn draw(&mut self, vp: &Viewport) {
        let (w, h) = (self.canvas.width() as usize, self.canvas.height() as usize);
        self.pixels.clear();
        self.pixels.resize(w * h * 4, 0);
        rasterize(
            &mut self.pixels,
            (w, h),
            vp,
            &self.xs,
            &self.ys,
            &self.rgba,
            &self.flags,
        );
        match ImageData::new_with_u8_clamped_array_and_sh(Clamped(&self.pixels), w as u32, h as u32)
        {
            Ok(img) => {
                let _ = self.ctx.put_image_data(&img, 0.0, 0.0);
            }
            Err(e) => web_sys::console::error_1(&e),
        }
    }
}

/// Draw points into a non-premultiplied RGBA buffer of `w × h` device pixels with the same rules
/// as the WebGL pass: hidden points skipped, marked points and anchors bigger, rimmed and on top,
/// the rest faded while something is marked. Also used for PNG export at any resolution.
pub fn rasterize(
    pixels: &mut [u8],
    (w, h): (usize, usize),
    vp: &Viewport,
    xs: &[f32],
    ys: &[f32],
    rgba: &[[u8; 4]],
    flags: &[u8],
) {
    let flag = |i: usize| flags.get(i).copied().unwrap_or(0);
    let any_marked = flags.iter().any(|f| f & super::flags::MARKED != 0);
    let (size_css, alpha) = point_style(xs.len(), vp.width_css, vp.height_css);
    let base = f64::from(size_css) * vp.dpr;
    for on_top_pass in [false, true] {
        for i in 0..xs.len().min(ys.len()).min(rgba.len()) {
            let f = flag(i);
            let marked = f & super::flags::MARKED != 0;
            let anchor = f & super::flags::ANCHOR != 0;
            if f & super::flags::HIDDEN != 0 || (marked || anchor) != on_top_pass {
                continue;
            }
            let [cr, cg, cb, ca] = rgba[i];
            let mut a = alpha * f32::from(ca) / 255.0;
            let mut size = base;
            let mut rim = 0.0;
            if marked {
                size = (base * 1.8).max(6.0 * vp.dpr);
                a = 1.0;
                rim = 0.6;
            } else if any_marked {
                a *= 0.2;
            }
            if anchor {
                size = (size * 2.0).max(9.0 * vp.dpr);
                a = a.max(0.9);
                rim = 0.45;
            }
            let (cx, cy) = vp.to_css(f64::from(xs[i]), f64::from(ys[i]));
            disc(
                pixels,
                (w, h),
                (cx * vp.dpr, cy * vp.dpr),
                size / 2.0,
                [cr, cg, cb],
                a,
                rim,
            );
        }
    }
}

/// One round point of radius `r` device pixels; pixels beyond √rim of the radius are dark.
fn disc(
    pixels: &mut [u8],
    (w, h): (usize, usize),
    (cx, cy): (f64, f64),
    r: f64,
    rgb: [u8; 3],
    a: f32,
    rim: f64,
) {
    let r = r.max(0.5);
    let ri = r.ceil() as i64;
    if !(cx.is_finite() && cy.is_finite()) {
        return;
    }
    for dy in -ri..=ri {
        let py = (cy + dy as f64) as i64;
        if py < 0 || py >= h as i64 {
            continue;
        }
        for dx in -ri..=ri {
            let d2 = (dx * dx + dy * dy) as f64;
            if d2 > r * r + 0.25 {
                continue;
            }
            let px = (cx + dx as f64) as i64;
            if px < 0 || px >= w as i64 {
                continue;
            }
            let o = (py as usize * w + px as usize) * 4;
            let color = if rim > 0.0 && d2 > rim * r * r {
                [26, 26, 26]
            } else {
                rgb
            };
            over(&mut pixels[o..o + 4], color, a);
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
