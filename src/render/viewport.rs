//! Which part of data space the canvas shows. Pure math, tested natively.

/// Data units → CSS pixels: `px = (x − center_x) · scale + width/2`, y grows upwards.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Viewport {
    pub center_x: f64,
    pub center_y: f64,
    /// CSS pixels per data unit.
    pub scale: f64,
    pub width_css: f64,
    pub height_css: f64,
    /// Device pixels per CSS pixel.
    pub dpr: f64,
}

impl Viewport {
    /// Fit the bounding box of the points, with a margin.
    pub fn fit(xs: &[f32], ys: &[f32], width_css: f64, height_css: f64, dpr: f64) -> Self {
        let (x0, x1, y0, y1) = bounds(xs, ys).unwrap_or((-1.0, 1.0, -1.0, 1.0));
        let span_x = (x1 - x0).max(1e-12);
        let span_y = (y1 - y0).max(1e-12);
        let margin = 0.92;
        let scale = (width_css / span_x).min(height_css / span_y) * margin;
        Self {
            center_x: (x0 + x1) / 2.0,
            center_y: (y0 + y1) / 2.0,
            scale: if scale.is_finite() && scale > 0.0 {
                scale
            } else {
                1.0
            },
            width_css,
            height_css,
            dpr,
        }
    }

    /// Data → CSS pixel coordinates (origin top-left).
    pub fn to_css(&self, x: f64, y: f64) -> (f64, f64) {
        (
            (x - self.center_x) * self.scale + self.width_css / 2.0,
            self.height_css / 2.0 - (y - self.center_y) * self.scale,
        )
    }

    /// CSS pixel → data coordinates.
    pub fn to_data(&self, px: f64, py: f64) -> (f64, f64) {
        (
            (px - self.width_css / 2.0) / self.scale + self.center_x,
            (self.height_css / 2.0 - py) / self.scale + self.center_y,
        )
    }

    /// Move the view by a drag of (dx, dy) CSS pixels.
    pub fn pan(&mut self, dx_css: f64, dy_css: f64) {
        self.center_x -= dx_css / self.scale;
        self.center_y += dy_css / self.scale;
    }

    /// Zoom by `factor` keeping the data point under (px, py) fixed.
    pub fn zoom_at(&mut self, factor: f64, px: f64, py: f64) {
        let (x, y) = self.to_data(px, py);
        self.scale = (self.scale * factor).clamp(1e-9, 1e12);
        let (x2, y2) = self.to_data(px, py);
        self.center_x += x - x2;
        self.center_y += y - y2;
    }

    /// Clip-space transform for the GPU: clip = (p − center) · k.
    pub fn clip_scale(&self) -> (f64, f64) {
        (
            2.0 * self.scale / self.width_css,
            2.0 * self.scale / self.height_css,
        )
    }

    pub fn resize(&mut self, width_css: f64, height_css: f64, dpr: f64) {
        self.width_css = width_css;
        self.height_css = height_css;
        self.dpr = dpr;
    }
}

/// `(x_min, x_max, y_min, y_max)` of the finite points, or None when there are none.
pub fn bounds(xs: &[f32], ys: &[f32]) -> Option<(f64, f64, f64, f64)> {
    let (mut x0, mut x1, mut y0, mut y1) = (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
    for (&x, &y) in xs.iter().zip(ys) {
        let (x, y) = (f64::from(x), f64::from(y));
        if x.is_finite() && y.is_finite() {
            x0 = x0.min(x);
            x1 = x1.max(x);
            y0 = y0.min(y);
            y1 = y1.max(y);
        }
    }
    (x0 <= x1).then_some((x0, x1, y0, y1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fit_puts_all_points_inside() {
        let xs = [0.0, 10.0, 5.0];
        let ys = [-3.0, 3.0, 0.0];
        let v = Viewport::fit(&xs, &ys, 400.0, 300.0, 2.0);
        for (&x, &y) in xs.iter().zip(&ys) {
            let (px, py) = v.to_css(f64::from(x), f64::from(y));
            assert!((0.0..=400.0).contains(&px) && (0.0..=300.0).contains(&py));
        }
    }

    #[test]
    fn zoom_keeps_the_cursor_point_fixed() {
        let mut v = Viewport::fit(&[0.0, 1.0], &[0.0, 1.0], 100.0, 100.0, 1.0);
        let before = v.to_data(30.0, 70.0);
        v.zoom_at(2.5, 30.0, 70.0);
        let after = v.to_data(30.0, 70.0);
        assert!((before.0 - after.0).abs() < 1e-12 && (before.1 - after.1).abs() < 1e-12);
    }

    #[test]
    fn round_trip() {
        let mut v = Viewport::fit(&[0.0, 4.0], &[0.0, 2.0], 200.0, 100.0, 1.0);
        v.pan(13.0, -7.0);
        let (px, py) = v.to_css(1.5, 0.25);
        let (x, y) = v.to_data(px, py);
        assert!((x - 1.5).abs() < 1e-12 && (y - 0.25).abs() < 1e-12);
    }
}
