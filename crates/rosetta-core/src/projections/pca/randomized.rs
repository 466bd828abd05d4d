//! Randomized SVD (Halko et al. 2011) for wide data when few components are asked.

use faer::Mat;

use super::centred_sq_sum;
use crate::error::CoreError;
use crate::matrix::MatView;

/// Halko et al.'s randomized range finder + SVD of the small projected matrix.
pub(super) fn randomized(
    x: MatView<'_>,
    mean: &[f64],
    k: usize,
    seed: u64,
) -> Result<(Vec<f64>, Vec<f64>, f64), CoreError> {
    let (n, d) = (x.n(), x.d());
    let l = (k + 10).min(n.min(d));
    let iters = if 10 * k < n.min(d) { 7 } else { 4 };
    let mut rng = crate::rng::Rng::new(seed);
    let omega: Vec<f64> = (0..d * l).map(|_| rng.normal()).collect();
    let mut y = mul_centred(x, mean, &omega, l); // N × l
    for _ in 0..iters {
        let q = orthonormal(&y, n, l)?;
        let z = mul_centred_t(x, mean, &q, l)?; // D × l
        let qz = orthonormal(&z, d, l)?;
        y = mul_centred(x, mean, &qz, l);
    }
    let q = orthonormal(&y, n, l)?;
    // B = Qᵀ X̄ (l × D), as (X̄ᵀ Q)ᵀ.
    let bt = mul_centred_t(x, mean, &q, l)?; // D × l
    let b = Mat::<f64>::from_fn(l, d, |i, j| bt[j * l + i]);
    let svd = b
        .thin_svd()
        .map_err(|e| CoreError::NoConvergence(format!("{e:?}")))?;
    let s = svd.S().column_vector();
    let v = svd.V();
    let sq = (0..l).map(|i| s[i] * s[i]).collect();
    let mut basis = Vec::with_capacity(l * d);
    for c in 0..l {
        basis.extend((0..d).map(|j| v[(j, c)]));
    }
    Ok((sq, basis, centred_sq_sum(x, mean)))
}

/// `(X − mean) · Q` for a D × l row-major Q: N × l row-major (f32 products, f64 out).
fn mul_centred(x: MatView<'_>, mean: &[f64], q: &[f64], l: usize) -> Vec<f64> {
    // project() multiplies by a k×D basis: Qᵀ.
    let d = x.d();
    let qt: Vec<f64> = (0..l)
        .flat_map(|c| (0..d).map(move |r| (r, c)))
        .map(|(r, c)| q[r * l + c])
        .collect();
    crate::kernels::linalg::project(x, mean, &qt, l)
        .into_iter()
        .map(f64::from)
        .collect()
}

/// `(X − mean)ᵀ · Y` for an N × l row-major Y: D × l row-major, accumulated over row blocks in f64.
fn mul_centred_t(x: MatView<'_>, mean: &[f64], y: &[f64], l: usize) -> Result<Vec<f64>, CoreError> {
    let yv: Vec<f32> = y.iter().map(|&v| v as f32).collect();
    let yview = MatView::new(&yv, x.n(), l)?;
    Ok(crate::kernels::linalg::centred_cross(
        x,
        mean,
        yview,
        &vec![0.0; l],
        crate::kernels::linalg::Precision::F32Blocks,
    ))
}

/// An orthonormal basis of the columns of an r × c row-major matrix (thin QR's Q), row-major.
fn orthonormal(a: &[f64], r: usize, c: usize) -> Result<Vec<f64>, CoreError> {
    let m = Mat::<f64>::from_fn(r, c, |i, j| a[i * c + j]);
    let q = m.qr().compute_thin_Q();
    Ok((0..r)
        .flat_map(|i| (0..c).map(move |j| (i, j)))
        .map(|(i, j)| q[(i, j)])
        .collect())
}
