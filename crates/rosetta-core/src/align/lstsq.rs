//! The least-squares linear map `W = argmin ‖XW − Y‖²_F + λ‖W‖²_F`, by QR of the (augmented)
//! design matrix — never the normal equations, which square the condition number.

use faer::linalg::solvers::SolveLstsq;
use faer::Mat;

use crate::error::CoreError;
use crate::matrix::{MatView, Matrix};

/// A fitted map from X's space to Y's.
#[derive(Debug, Clone, PartialEq)]
pub struct LinearMap {
    pub dx: usize,
    pub dy: usize,
    /// dx × dy, row-major.
    pub w: Vec<f64>,
}

/// Fit W (no intercept). `ridge` = λ ≥ 0; with λ > 0 the rows `[√λ·I | 0]` are appended.
/// O((N + Dx)·Dx·(Dx + Dy)) time, O((N + Dx)·(Dx + Dy)) memory in f64.
pub fn fit_linear_map(x: MatView<'_>, y: MatView<'_>, ridge: f64) -> Result<LinearMap, CoreError> {
    if x.n() != y.n() {
        return Err(CoreError::ItemCountMismatch(x.n(), y.n()));
    }
    if !(ridge >= 0.0 && ridge.is_finite()) {
        return Err(CoreError::InvalidParameter(format!(
            "ridge must be ≥ 0, got {ridge}"
        )));
    }
    let (n, dx, dy) = (x.n(), x.d(), y.d());
    let extra = if ridge > 0.0 { dx } else { 0 };
    if n + extra < dx {
        return Err(CoreError::TooFewItems {
            needed: dx,
            found: n,
        });
    }
    let root = ridge.sqrt();
    let a = Mat::<f64>::from_fn(n + extra, dx, |i, j| {
        if i < n {
            f64::from(x.row(i)[j])
        } else if i - n == j {
            root
        } else {
            0.0
        }
    });
    let b = Mat::<f64>::from_fn(n + extra, dy, |i, j| {
        if i < n {
            f64::from(y.row(i)[j])
        } else {
            0.0
        }
    });
    let sol = a.qr().solve_lstsq(&b);
    let w = (0..dx)
        .flat_map(|i| (0..dy).map(move |j| (i, j)))
        .map(|(i, j)| sol[(i, j)])
        .collect();
    Ok(LinearMap { dx, dy, w })
}

impl LinearMap {
    /// `X · W`: N × dy, f32. O(N·Dx·Dy).
    pub fn apply(&self, x: MatView<'_>) -> Result<Matrix, CoreError> {
        if x.d() != self.dx {
            return Err(CoreError::InvalidParameter(format!(
                "the map expects {} dimensions, the data has {}",
                self.dx,
                x.d()
            )));
        }
        let zero = vec![0.0; self.dx];
        // project() takes a k×D basis: Wᵀ.
        let basis: Vec<f64> = (0..self.dy)
            .flat_map(|c| (0..self.dx).map(move |r| (r, c)))
            .map(|(r, c)| self.w[r * self.dy + c])
            .collect();
        Ok(Matrix {
            data: crate::kernels::linalg::project(x, &zero, &basis, self.dy),
            n: x.n(),
            d: self.dy,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_map_is_recovered() {
        // Y = X · [[1, 2], [3, 4], [0, -1]]
        let x: Vec<f32> = vec![1., 0., 0., 0., 1., 0., 0., 0., 1., 1., 1., 1., 2., -1., 0.5];
        let w = [1., 2., 3., 4., 0., -1.];
        let y: Vec<f32> = x
            .chunks(3)
            .flat_map(|r| {
                (0..2).map(move |c| (0..3).map(|k| r[k] * w[k * 2 + c] as f32).sum::<f32>())
            })
            .collect();
        let m = fit_linear_map(
            MatView::new(&x, 5, 3).unwrap(),
            MatView::new(&y, 5, 2).unwrap(),
            0.0,
        )
        .unwrap();
        for (a, b) in m.w.iter().zip(w) {
            assert!((a - b).abs() < 1e-6);
        }
        let ridge = fit_linear_map(
            MatView::new(&x, 5, 3).unwrap(),
            MatView::new(&y, 5, 2).unwrap(),
            10.0,
        )
        .unwrap();
        let norm = |v: &[f64]| v.iter().map(|t| t * t).sum::<f64>();
        assert!(norm(&ridge.w) < norm(&m.w));
    }
}
