//! Finding points under the cursor and inside a box or lasso, in data coordinates. A uniform grid
//! of about four points per cell is built once per layout (O(N)); a hover then looks at the few
//! cells around the cursor, so it stays far under a millisecond at a million points. Pure math,
//! tested natively.

/// Points bucketed by a uniform grid over their bounding box (counting sort: two flat arrays).
#[derive(Debug, Clone, Default)]
pub struct PointGrid {
    xs: Vec<f32>,
    ys: Vec<f32>,
    x0: f64,
    y0: f64,
    cell: f64,
    cols: usize,
    rows: usize,
    /// Start of each cell's run in `order` (cols·rows + 1 entries).
    starts: Vec<u32>,
    /// Point indices sorted by cell.
    order: Vec<u32>,
}

impl PointGrid {
    /// O(N). Non-finite points are left out (they are never drawn either).
    pub fn new(xs: &[f32], ys: &[f32]) -> Self {
        let n = xs.len().min(ys.len());
        let Some((x0, x1, y0, y1)) = super::viewport::bounds(xs, ys) else {
            return Self::default();
        };
        let (w, h) = ((x1 - x0).max(1e-12), (y1 - y0).max(1e-12));
        let cells_wanted = (n as f64 / 4.0).max(1.0);
        let cell = ((w * h) / cells_wanted).sqrt().max(w.max(h) / 4096.0);
        let cols = ((w / cell).floor() as usize + 1).max(1);
        let rows = ((h / cell).floor() as usize + 1).max(1);
        let mut grid = Self {
            xs: xs[..n].to_vec(),
            ys: ys[..n].to_vec(),
            x0,
            y0,
            cell,
            cols,
            rows,
            starts: vec![0; cols * rows + 1],
            order: Vec::new(),
        };
        let cell_of: Vec<u32> = (0..n)
            .map(|i| {
                grid.cell_index(f64::from(xs[i]), f64::from(ys[i]))
                    .map_or(u32::MAX, |c| c as u32)
            })
            .collect();
        for &c in &cell_of {
            if c != u32::MAX {
                grid.starts[c as usize + 1] += 1;
            }
        }
        for c in 0..cols * rows {
            grid.starts[c + 1] += grid.starts[c];
        }
        let mut next = grid.starts.clone();
        grid.order = vec![0; grid.starts[cols * rows] as usize];
        for (i, &c) in cell_of.iter().enumerate() {
            if c != u32::MAX {
                let slot = &mut next[c as usize];
                grid.order[*slot as usize] = i as u32;
                *slot += 1;
            }
        }
        grid
    }

    pub fn len(&self) -> usize {
        self.xs.len()
    }

    pub fn is_empty(&self) -> bool {
        self.xs.is_empty()
    }

    fn cell_index(&self, x: f64, y: f64) -> Option<usize> {
        if !(x.is_finite() && y.is_finite()) {
            return None;
        }
        let c = ((x - self.x0) / self.cell).floor();
        let r = ((y - self.y0) / self.cell).floor();
        if c < 0.0 || r < 0.0 || c >= self.cols as f64 || r >= self.rows as f64 {
            return None;
        }
        Some(r as usize * self.cols + c as usize)
    }

    /// Cell column/row range covering [lo, hi] on one axis, clamped to the grid.
    fn span(&self, lo: f64, hi: f64, origin: f64, count: usize) -> Option<(usize, usize)> {
        let a = ((lo - origin) / self.cell).floor();
        let b = ((hi - origin) / self.cell).floor();
        if b < 0.0 || a >= count as f64 || !(a.is_finite() && b.is_finite()) {
            return None;
        }
        Some((a.max(0.0) as usize, (b as usize).min(count - 1)))
    }

    /// Visit every point whose cell meets the box.
    fn for_each_in_cells(&self, x0: f64, y0: f64, x1: f64, y1: f64, mut f: impl FnMut(usize)) {
        if self.is_empty() {
            return;
        }
        let (Some((c0, c1)), Some((r0, r1))) = (
            self.span(x0, x1, self.x0, self.cols),
            self.span(y0, y1, self.y0, self.rows),
        ) else {
            return;
        };
        for r in r0..=r1 {
            let (a, b) = (
                self.starts[r * self.cols + c0] as usize,
                self.starts[r * self.cols + c1 + 1] as usize,
            );
            for &i in &self.order[a..b] {
                f(i as usize);
            }
        }
    }

    /// The visible point nearest to (x, y) within `radius` (data units); ties → lower index.
    pub fn nearest(
        &self,
        x: f64,
        y: f64,
        radius: f64,
        visible: impl Fn(usize) -> bool,
    ) -> Option<usize> {
        let mut best: Option<(f64, usize)> = None;
        let r2 = radius * radius;
        self.for_each_in_cells(x - radius, y - radius, x + radius, y + radius, |i| {
            let dx = f64::from(self.xs[i]) - x;
            let dy = f64::from(self.ys[i]) - y;
            let d2 = dx * dx + dy * dy;
            if d2 <= r2 && visible(i) && best.is_none_or(|(bd, bi)| d2 < bd || (d2 == bd && i < bi))
            {
                best = Some((d2, i));
            }
        });
        best.map(|(_, i)| i)
    }

    /// Visible points inside the box (corners in any order), ascending.
    pub fn in_box(
        &self,
        a: (f64, f64),
        b: (f64, f64),
        visible: impl Fn(usize) -> bool,
    ) -> Vec<u32> {
        let (x0, x1) = (a.0.min(b.0), a.0.max(b.0));
        let (y0, y1) = (a.1.min(b.1), a.1.max(b.1));
        let mut out = Vec::new();
        self.for_each_in_cells(x0, y0, x1, y1, |i| {
            let (x, y) = (f64::from(self.xs[i]), f64::from(self.ys[i]));
            if (x0..=x1).contains(&x) && (y0..=y1).contains(&y) && visible(i) {
                out.push(i as u32);
            }
        });
        out.sort_unstable();
        out
    }

    /// Visible points inside the polygon (even–odd rule), ascending.
    pub fn in_polygon(&self, poly: &[(f64, f64)], visible: impl Fn(usize) -> bool) -> Vec<u32> {
        if poly.len() < 3 {
            return Vec::new();
        }
        let (mut x0, mut x1, mut y0, mut y1) = (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
        for &(x, y) in poly {
            x0 = x0.min(x);
            x1 = x1.max(x);
            y0 = y0.min(y);
            y1 = y1.max(y);
        }
        let mut out = Vec::new();
        self.for_each_in_cells(x0, y0, x1, y1, |i| {
            let p = (f64::from(self.xs[i]), f64::from(self.ys[i]));
            if point_in_polygon(p, poly) && visible(i) {
                out.push(i as u32);
            }
        });
        out.sort_unstable();
        out
    }
}

/// Even–odd ray casting.
pub fn point_in_polygon((x, y): (f64, f64), poly: &[(f64, f64)]) -> bool {
    let mut inside = false;
    let mut j = poly.len() - 1;
    for i in 0..poly.len() {
        let (xi, yi) = poly[i];
        let (xj, yj) = poly[j];
        if (yi > y) != (yj > y) && x < (xj - xi) * (y - yi) / (yj - yi) + xi {
            inside = !inside;
        }
        j = i;
    }
    inside
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cloud(n: usize) -> (Vec<f32>, Vec<f32>) {
        let mut s = 12345u64;
        let mut r = || {
            s = s
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((s >> 33) as f64 / (1u64 << 31) as f64) as f32 * 10.0 - 5.0
        };
        (0..n).map(|_| (r(), r())).unzip()
    }

    #[test]
    fn nearest_equals_brute_force() {
        let (xs, ys) = cloud(5000);
        let g = PointGrid::new(&xs, &ys);
        for q in 0..200 {
            let (x, y) = (f64::from(xs[q * 7]) + 0.01, f64::from(ys[q * 3]) - 0.02);
            let radius = 0.3;
            let brute = (0..xs.len())
                .map(|i| {
                    let d = (f64::from(xs[i]) - x).powi(2) + (f64::from(ys[i]) - y).powi(2);
                    (d, i)
                })
                .filter(|&(d, _)| d <= radius * radius)
                .min_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)))
                .map(|(_, i)| i);
            assert_eq!(g.nearest(x, y, radius, |_| true), brute);
        }
    }

    #[test]
    fn hidden_points_are_skipped() {
        let g = PointGrid::new(&[0.0, 0.1], &[0.0, 0.0]);
        assert_eq!(g.nearest(0.0, 0.0, 1.0, |_| true), Some(0));
        assert_eq!(g.nearest(0.0, 0.0, 1.0, |i| i != 0), Some(1));
        assert_eq!(g.nearest(5.0, 5.0, 1.0, |_| true), None);
    }

    #[test]
    fn box_and_lasso_equal_brute_force() {
        let (xs, ys) = cloud(3000);
        let g = PointGrid::new(&xs, &ys);
        let boxed = g.in_box((1.0, -2.0), (-1.5, 0.5), |_| true);
        let brute: Vec<u32> = (0..xs.len() as u32)
            .filter(|&i| {
                let (x, y) = (xs[i as usize], ys[i as usize]);
                (-1.5..=1.0).contains(&x) && (-2.0..=0.5).contains(&y)
            })
            .collect();
        assert_eq!(boxed, brute);
        let tri = [(-4.0, -4.0), (4.0, -4.0), (0.0, 4.0)];
        let lasso = g.in_polygon(&tri, |_| true);
        let brute: Vec<u32> = (0..xs.len() as u32)
            .filter(|&i| {
                point_in_polygon((f64::from(xs[i as usize]), f64::from(ys[i as usize])), &tri)
            })
            .collect();
        assert_eq!(lasso, brute);
        assert!(!lasso.is_empty());
    }

    #[test]
    fn degenerate_inputs() {
        assert!(PointGrid::new(&[], &[])
            .nearest(0.0, 0.0, 1.0, |_| true)
            .is_none());
        let g = PointGrid::new(&[1.0, 1.0, f32::NAN], &[2.0, 2.0, 0.0]);
        assert_eq!(g.nearest(1.0, 2.0, 0.1, |_| true), Some(0));
        assert_eq!(g.in_box((0.0, 0.0), (3.0, 3.0), |_| true), vec![0, 1]);
    }
}
