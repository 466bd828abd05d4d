//! Exact, centred PCA in scikit-learn's meaning: explained-variance ratio over the *total* variance,
//! and scikit-learn's sign rule (the largest-|entry| of each component is positive).

use faer::{Accum, Mat, MatRef, Par, Side};

use crate::error::CoreError;
use crate::kernels::linalg::{centred_gram, project};
use crate::matrix::MatView;

mod randomized;
use randomized::randomized;

/// How the decomposition is computed. All are exact up to rounding except `Randomized`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PcaSolver {
    /// Covariance when N ≥ 10·D; randomized when D ≥ 1000 and at most a tenth of min(N, D)
    /// components are asked; thin SVD otherwise.
    Auto,
    /// Eigen-decomposition of the D×D covariance. O(N·D² + D³). Squares the condition number, so
    /// components with a tiny share of the variance lose relative precision.
    CovarianceEigh,
    /// Thin SVD of the centred N×D data in f64. O(N·D·min(N, D)).
    ThinSvd,
    /// Randomized SVD (Halko et al. 2011) with 10 oversamples and 7 power iterations (4 when many
    /// components are asked), QR-normalised, seeded. O(N·D·(k + 10)·(2·iters + 2)). Approximate:
    /// the leading components converge to the exact ones when the spectrum has a gap.
    Randomized { seed: u64 },
}

/// Parameters of a PCA fit (checked by [`PcaParams::fit`] before any work).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PcaParams {
    pub n_components: usize,
    pub solver: PcaSolver,
}

impl PcaParams {
    pub fn new(n_components: usize) -> Self {
        Self {
            n_components,
            solver: PcaSolver::Auto,
        }
    }

    pub fn solver(mut self, solver: PcaSolver) -> Self {
        self.solver = solver;
        self
    }

    /// Fit on `x`. Asks for at most min(N, D) components; fewer are returned when the data has fewer.
    pub fn fit(&self, x: MatView<'_>) -> Result<Pca, CoreError> {
        if let Some(plan) = self.covariance_plan(x)? {
            let gram = gram_share(x, &plan.mean);
            return self.fit_from_gram(x, plan, &gram);
        }
        let (n, d) = (x.n(), x.d());
        let (k, solver) = self.checked(n, d)?;
        let mean = x.column_means();
        let (sq, basis, total_sq) = match solver {
            PcaSolver::Randomized { seed } => randomized(x, &mean, k, seed)?,
            _ => thin_svd(x, &mean)?,
        };
        Ok(finish((n, d, k), mean, (sq, basis, total_sq), solver))
    }

    /// Components kept and the solver `fit` uses for N × D, after checking the parameters.
    fn checked(&self, n: usize, d: usize) -> Result<(usize, PcaSolver), CoreError> {
        if n < 2 {
            return Err(CoreError::TooFewItems {
                needed: 2,
                found: n,
            });
        }
        if d == 0 || self.n_components == 0 {
            return Err(CoreError::InvalidParameter(
                "PCA needs at least one dimension and one component".into(),
            ));
        }
        let k = self.n_components.min(n).min(d);
        let solver = match self.solver {
            PcaSolver::Auto if n >= 10 * d => PcaSolver::CovarianceEigh,
            PcaSolver::Auto if d >= 1000 && 10 * k <= n.min(d) => PcaSolver::Randomized { seed: 0 },
            PcaSolver::Auto => PcaSolver::ThinSvd,
            s => s,
        };
        Ok((k, solver))
    }

    /// `Some` when `fit` takes the covariance path on `x`: then the fit can be made in stages —
    /// [`gram_share`] over row blocks (in a pool of workers), summed, then [`Self::fit_from_gram`].
    /// Computes the column means. O(N·D).
    pub fn covariance_plan(&self, x: MatView<'_>) -> Result<Option<CovariancePlan>, CoreError> {
        let (k, solver) = self.checked(x.n(), x.d())?;
        Ok(
            (solver == PcaSolver::CovarianceEigh).then(|| CovariancePlan {
                k,
                mean: x.column_means(),
            }),
        )
    }

    /// The covariance-path fit from `gram`, the sum of [`gram_share`] over row blocks covering
    /// `x`: `fit(x)` up to the order of the f64 block sums. The covariance was summed from f32
    /// block products, so only its eigenvectors are kept; each kept component's variance and the
    /// total are re-measured in f64 (a Rayleigh quotient's error is quadratic in the vector's).
    /// O(D³ + N·D·k).
    pub fn fit_from_gram(
        &self,
        x: MatView<'_>,
        plan: CovariancePlan,
        gram: &[f64],
    ) -> Result<Pca, CoreError> {
        let (n, d) = (x.n(), x.d());
        if plan.mean.len() != d || gram.len() != d * d {
            return Err(CoreError::InvalidParameter(format!(
                "a plan of {} means and a Gram of {} values for {d} dimensions",
                plan.mean.len(),
                gram.len()
            )));
        }
        let basis = covariance_basis(gram, d, plan.k)?;
        let (sq, total) = rayleigh_sq(x, &plan.mean, &basis, plan.k);
        let solver = PcaSolver::CovarianceEigh;
        Ok(finish(
            (n, d, plan.k),
            plan.mean,
            (sq, basis, total),
            solver,
        ))
    }
}

/// What the staged covariance fit carries between its stages.
#[derive(Debug, Clone, PartialEq)]
pub struct CovariancePlan {
    /// Components kept.
    pub k: usize,
    /// Column means of all the rows.
    pub mean: Vec<f64>,
}

/// `X̄ᵀX̄` (D×D, row-major, symmetric) of `rows` centred by `mean`: the covariance path's bulk,
/// summed over row blocks. O(rows·D²/2) as f32 GEMM blocks summed in f64.
pub fn gram_share(rows: MatView<'_>, mean: &[f64]) -> Vec<f64> {
    centred_gram(rows, mean)
}

/// Truncate a decomposition (squared singular values, D-long unit rows, total sum of squares) to
/// k components, apply scikit-learn's sign rule, and express the variances.
fn finish(
    (n, d, k): (usize, usize, usize),
    mean: Vec<f64>,
    (mut sq, mut basis, total_sq): (Vec<f64>, Vec<f64>, f64),
    solver: PcaSolver,
) -> Pca {
    sq.truncate(k);
    basis.truncate(k * d);
    flip_signs(&mut basis, d);
    let dof = (n - 1) as f64;
    let explained_variance: Vec<f64> = sq.iter().map(|s| s / dof).collect();
    let total_variance = total_sq / dof;
    let explained_variance_ratio = explained_variance
        .iter()
        .map(|v| {
            if total_variance > 0.0 {
                v / total_variance
            } else {
                0.0
            }
        })
        .collect();
    Pca {
        mean,
        components: basis,
        d,
        singular_values: sq.iter().map(|s| s.sqrt()).collect(),
        explained_variance,
        explained_variance_ratio,
        total_variance,
        solver,
    }
}

/// A fitted PCA.
#[derive(Debug, Clone, PartialEq)]
pub struct Pca {
    /// Column means of the training data.
    pub mean: Vec<f64>,
    /// k × D, row-major, unit rows.
    pub components: Vec<f64>,
    pub d: usize,
    pub singular_values: Vec<f64>,
    /// S² / (N − 1).
    pub explained_variance: Vec<f64>,
    /// Explained variance / total variance (all components, not only the kept ones).
    pub explained_variance_ratio: Vec<f64>,
    pub total_variance: f64,
    pub solver: PcaSolver,
}

impl Pca {
    pub fn n_components(&self) -> usize {
        self.singular_values.len()
    }

    /// Coordinates of `x` on the first `k` components: N×k, row-major. O(N·D·k).
    pub fn transform(&self, x: MatView<'_>, k: usize) -> Result<Vec<f32>, CoreError> {
        if x.d() != self.d {
            return Err(CoreError::InvalidParameter(format!(
                "the PCA was fitted on {} dimensions, the data has {}",
                self.d,
                x.d()
            )));
        }
        let k = k.min(self.n_components());
        Ok(project(x, &self.mean, &self.components[..k * self.d], k))
    }
}

/// The k leading eigenvectors of a D×D Gram matrix (k×D, row-major, by descending eigenvalue).
/// O(D³).
fn covariance_basis(g: &[f64], d: usize, k: usize) -> Result<Vec<f64>, CoreError> {
    let m = Mat::<f64>::from_fn(d, d, |i, j| g[i * d + j]);
    let eig = m
        .self_adjoint_eigen(Side::Lower)
        .map_err(|e| CoreError::NoConvergence(format!("{e:?}")))?;
    let vecs = eig.U();
    let mut basis = Vec::with_capacity(k * d);
    for c in (0..d).rev().take(k) {
        basis.extend((0..d).map(|r| vecs[(r, c)]));
    }
    Ok(basis)
}

/// The same from a thin SVD of the centred data (f64).
fn thin_svd(x: MatView<'_>, mean: &[f64]) -> Result<(Vec<f64>, Vec<f64>, f64), CoreError> {
    let (n, d) = (x.n(), x.d());
    let m = Mat::<f64>::from_fn(n, d, |i, j| f64::from(x.row(i)[j]) - mean[j]);
    let total: f64 = (0..d)
        .map(|j| (0..n).map(|i| m[(i, j)] * m[(i, j)]).sum::<f64>())
        .sum();
    let svd = m
        .thin_svd()
        .map_err(|e| CoreError::NoConvergence(format!("{e:?}")))?;
    let s = svd.S().column_vector();
    let v = svd.V();
    let r = n.min(d);
    let sq = (0..r).map(|i| s[i] * s[i]).collect();
    let mut basis = Vec::with_capacity(r * d);
    for c in 0..r {
        basis.extend((0..d).map(|j| v[(j, c)]));
    }
    Ok((sq, basis, total))
}

/// ‖X − mean‖²_F in f64. O(N·D).
pub(super) fn centred_sq_sum(x: MatView<'_>, mean: &[f64]) -> f64 {
    let mut total = 0.0;
    for i in 0..x.n() {
        for (&v, m) in x.row(i).iter().zip(mean) {
            let t = f64::from(v) - m;
            total += t * t;
        }
    }
    total
}

/// `‖(X − mean)·v_c‖²` for each of the k unit rows v_c of `basis`, and `‖X − mean‖²_F`, in f64.
/// O(N·D·k), as f64 GEMMs over row blocks (vectorised natively and in wasm).
fn rayleigh_sq(x: MatView<'_>, mean: &[f64], basis: &[f64], k: usize) -> (Vec<f64>, f64) {
    let d = x.d();
    let bt = MatRef::from_row_major_slice(basis, k, d).transpose();
    let rows = 4 * crate::kernels::linalg::BLOCK_ROWS;
    let mut block = vec![0.0f64; rows * d];
    let mut proj = Mat::<f64>::zeros(rows, k);
    let (mut out, mut total) = (vec![0.0f64; k], 0.0f64);
    let mut start = 0;
    while start < x.n() {
        let end = (start + rows).min(x.n());
        let m = end - start;
        for (dst, i) in block.chunks_exact_mut(d).zip(start..end) {
            for ((r, &v), mu) in dst.iter_mut().zip(x.row(i)).zip(mean) {
                *r = f64::from(v) - mu;
            }
        }
        total += sum_sq(&block[..m * d]);
        let a = MatRef::from_row_major_slice(&block[..m * d], m, d);
        let mut p = proj.as_mut().subrows_mut(0, m);
        faer::linalg::matmul::matmul(p.as_mut(), Accum::Replace, a, bt, 1.0f64, Par::Seq);
        for (c, o) in out.iter_mut().enumerate() {
            *o += p.as_ref().col(c).iter().map(|t| t * t).sum::<f64>();
        }
        start = end;
    }
    (out, total)
}

/// Σ v² with four accumulators (one serial sum would keep the loop from vectorising).
fn sum_sq(values: &[f64]) -> f64 {
    let mut acc = [0.0f64; 4];
    let chunks = values.chunks_exact(4);
    let tail: f64 = chunks.remainder().iter().map(|v| v * v).sum();
    for c in chunks {
        for (a, v) in acc.iter_mut().zip(c) {
            *a += v * v;
        }
    }
    acc.iter().sum::<f64>() + tail
}

/// scikit-learn's `svd_flip(u_based_decision=False)`: the largest-|entry| of each row is positive.
fn flip_signs(basis: &mut [f64], d: usize) {
    for row in basis.chunks_exact_mut(d) {
        let mut best = 0;
        for (j, v) in row.iter().enumerate() {
            if v.abs() > row[best].abs() {
                best = j;
            }
        }
        if row[best] < 0.0 {
            row.iter_mut().for_each(|v| *v = -*v);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_relative_eq;

    /// scikit-learn's PCA docstring example.
    #[test]
    fn sklearn_docstring_example() {
        let x: Vec<f32> = vec![-1., -1., -2., -1., -3., -2., 1., 1., 2., 1., 3., 2.];
        let v = MatView::new(&x, 6, 2).unwrap();
        for solver in [
            PcaSolver::CovarianceEigh,
            PcaSolver::ThinSvd,
            PcaSolver::Randomized { seed: 1 },
        ] {
            let p = PcaParams::new(2).solver(solver).fit(v).unwrap();
            assert_relative_eq!(p.singular_values[0], 6.30061232, max_relative = 1e-7);
            assert_relative_eq!(p.singular_values[1], 0.54980396, max_relative = 1e-6);
            assert_relative_eq!(
                p.explained_variance_ratio[0],
                0.99244289,
                max_relative = 1e-7
            );
            assert_relative_eq!(
                p.explained_variance_ratio[1],
                0.00755711,
                max_relative = 1e-5
            );
        }
    }

    #[test]
    fn ratio_is_over_total_variance() {
        let x: Vec<f32> = (0..300).map(|i| ((i * 37) % 101) as f32).collect();
        let v = MatView::new(&x, 100, 3).unwrap();
        let p = PcaParams::new(1).fit(v).unwrap();
        assert!(p.explained_variance_ratio[0] < 1.0);
        let all = PcaParams::new(3).fit(v).unwrap();
        assert_relative_eq!(
            all.explained_variance_ratio.iter().sum::<f64>(),
            1.0,
            max_relative = 1e-9
        );
    }

    #[test]
    fn randomized_matches_exact_on_leading_components() {
        let mut r = crate::rng::Rng::new(4);
        let (n, d) = (400, 60);
        // A decaying spectrum: column j scaled by 0.8^j.
        let x: Vec<f32> = (0..n * d)
            .map(|i| (r.normal() * 0.8f64.powi((i % d) as i32)) as f32)
            .collect();
        let v = MatView::new(&x, n, d).unwrap();
        let exact = PcaParams::new(3).solver(PcaSolver::ThinSvd).fit(v).unwrap();
        let approx = PcaParams::new(3)
            .solver(PcaSolver::Randomized { seed: 9 })
            .fit(v)
            .unwrap();
        for i in 0..3 {
            assert_relative_eq!(
                exact.explained_variance_ratio[i],
                approx.explained_variance_ratio[i],
                max_relative = 1e-6
            );
        }
        for (a, b) in exact.components.iter().zip(&approx.components) {
            assert!((a - b).abs() < 1e-4, "{a} vs {b}");
        }
    }

    #[test]
    fn staged_covariance_fit_equals_fit() {
        let mut r = crate::rng::Rng::new(11);
        let (n, d) = (900, 12);
        let x: Vec<f32> = (0..n * d)
            .map(|i| (r.normal() * (1.0 + (i % d) as f64)) as f32)
            .collect();
        let v = MatView::new(&x, n, d).unwrap();
        let params = PcaParams::new(4);
        let whole = params.fit(v).unwrap();
        let plan = params.covariance_plan(v).unwrap().unwrap();
        let mut gram = vec![0.0; d * d];
        // Shares that end on the Gram's 256-row blocks multiply the same f32 blocks as one pass.
        for (r0, r1) in [(0, 256), (256, 768), (768, n)] {
            for (g, s) in gram.iter_mut().zip(gram_share(v.rows(r0, r1), &plan.mean)) {
                *g += s;
            }
        }
        let staged = params.fit_from_gram(v, plan, &gram).unwrap();
        for (a, b) in staged.components.iter().zip(&whole.components) {
            assert_relative_eq!(a, b, epsilon = 1e-9);
        }
        for (a, b) in staged
            .explained_variance_ratio
            .iter()
            .zip(&whole.explained_variance_ratio)
        {
            assert_relative_eq!(a, b, max_relative = 1e-12);
        }
        // Wide data takes another path: no plan.
        let wide = MatView::new(&x, 12, 900).unwrap();
        assert_eq!(params.covariance_plan(wide).unwrap(), None);
    }

    #[test]
    fn one_item_is_an_error() {
        let x = [1.0f32, 2.0];
        assert!(PcaParams::new(2)
            .fit(MatView::new(&x, 1, 2).unwrap())
            .is_err());
    }

    #[test]
    fn constant_data_has_zero_ratios() {
        let x = vec![3.0f32; 20];
        let p = PcaParams::new(2)
            .fit(MatView::new(&x, 10, 2).unwrap())
            .unwrap();
        assert!(p.explained_variance_ratio.iter().all(|&r| r == 0.0));
    }
}
