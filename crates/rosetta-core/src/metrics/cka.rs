//! Centered kernel alignment (Kornblith et al., ICML 2019) between two spaces of the same items.

use crate::error::CoreError;
use crate::kernels::linalg::{centred_cross, centred_gram, squared_distance64, Precision};
use crate::matrix::MatView;
use crate::rng::Rng;

/// Linear CKA and its debiased form (unbiased HSIC, Song et al. 2012).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LinearCka {
    pub cka: f64,
    /// `None` when N < 4 (the estimator divides by N − 3).
    pub debiased: Option<f64>,
}

/// Linear CKA in the feature-space form: `‖ȲᵀX̄‖²_F / (‖X̄ᵀX̄‖_F · ‖ȲᵀȲ‖_F)`, and the debiased
/// variant from the same three products. O(N·(Dx + Dy)²) time, O((Dx + Dy)²) memory; no N×N matrix.
pub fn linear_cka(x: MatView<'_>, y: MatView<'_>) -> Result<LinearCka, CoreError> {
    check_pair(x, y)?;
    let (mx, my) = (x.column_means(), y.column_means());
    let products = CentredProducts {
        gram_x: centred_gram(x, &mx),
        gram_y: centred_gram(y, &my),
        cross: centred_cross(x, &mx, y, &my, Precision::F32Blocks),
    };
    linear_cka_from_products((x, &mx), (y, &my), &products)
}

/// The three centred products linear CKA is made of (row-major f64): `X̄ᵀX̄` (Dx×Dx), `ȲᵀȲ`
/// (Dy×Dy) and `X̄ᵀȲ` (Dx×Dy), each space centred by its column means. A caller may sum them
/// over row shares (the page's worker pool) and finish with [`linear_cka_from_products`].
#[derive(Debug, Clone, PartialEq)]
pub struct CentredProducts {
    pub gram_x: Vec<f64>,
    pub gram_y: Vec<f64>,
    pub cross: Vec<f64>,
}

/// Two spaces of the same items, at least two of them: what [`linear_cka`] needs before any work.
pub fn check_pair(x: MatView<'_>, y: MatView<'_>) -> Result<(), CoreError> {
    if y.n() != x.n() {
        return Err(CoreError::ItemCountMismatch(x.n(), y.n()));
    }
    if x.n() < 2 {
        return Err(CoreError::TooFewItems {
            needed: 2,
            found: x.n(),
        });
    }
    Ok(())
}

/// [`linear_cka`] from the centred products of `x` and `y` (centred by `mean_x`, `mean_y`, their
/// column means): the debiased form also needs each row's squared norm, O(N·(Dx + Dy)).
pub fn linear_cka_from_products(
    (x, mean_x): (MatView<'_>, &[f64]),
    (y, mean_y): (MatView<'_>, &[f64]),
    products: &CentredProducts,
) -> Result<LinearCka, CoreError> {
    check_pair(x, y)?;
    let (dx, dy) = (x.d(), y.d());
    let p = products;
    if p.gram_x.len() != dx * dx || p.gram_y.len() != dy * dy || p.cross.len() != dx * dy {
        return Err(CoreError::InvalidParameter(format!(
            "CKA products of {}, {} and {} values for dims {dx} and {dy}",
            p.gram_x.len(),
            p.gram_y.len(),
            p.cross.len()
        )));
    }
    let n = x.n();
    let (xty, xtx, yty) = (sum_sq(&p.cross), sum_sq(&p.gram_x), sum_sq(&p.gram_y));
    let cka = linear_cka_from(&p.cross, xtx.sqrt(), yty.sqrt());

    let debiased = (n >= 4).then(|| {
        let a = row_sq_norms(x, mean_x);
        let b = row_sq_norms(y, mean_y);
        let (sa, sb): (f64, f64) = (a.iter().sum(), b.iter().sum());
        let nf = n as f64;
        let h = |t: f64, p: &[f64], q: &[f64], sp: f64, sq: f64| {
            let pq: f64 = p.iter().zip(q).map(|(u, v)| u * v).sum();
            t - nf / (nf - 2.0) * pq + sp * sq / ((nf - 1.0) * (nf - 2.0))
        };
        let hxy = h(xty, &a, &b, sa, sb);
        let hxx = h(xtx, &a, &a, sa, sa);
        let hyy = h(yty, &b, &b, sb, sb);
        ratio(hxy, (hxx * hyy).max(0.0).sqrt())
    });
    Ok(LinearCka { cka, debiased })
}

/// Linear CKA from its parts: the cross product `X̄ᵀȲ` and the Frobenius norms of `X̄ᵀX̄` and
/// `ȲᵀȲ` ([`frobenius`]). A collection of k spaces needs k Grams and k(k−1)/2 cross products
/// this way, not k(k−1) Grams. O(Dx·Dy).
pub fn linear_cka_from(cross: &[f64], gram_norm_x: f64, gram_norm_y: f64) -> f64 {
    ratio(sum_sq(cross), gram_norm_x * gram_norm_y)
}

/// The Frobenius norm of a matrix given as its values. O(len).
pub fn frobenius(m: &[f64]) -> f64 {
    sum_sq(m).sqrt()
}

fn sum_sq(m: &[f64]) -> f64 {
    m.iter().map(|v| v * v).sum()
}

fn ratio(num: f64, den: f64) -> f64 {
    if den > 0.0 {
        num / den
    } else {
        0.0
    }
}

fn row_sq_norms(x: MatView<'_>, mean: &[f64]) -> Vec<f64> {
    (0..x.n())
        .map(|i| {
            x.row(i)
                .iter()
                .zip(mean)
                .map(|(&v, m)| {
                    let t = f64::from(v) - m;
                    t * t
                })
                .sum()
        })
        .collect()
}

/// Parameters of RBF CKA.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RbfParams {
    /// σ² = threshold² · median(squared pairwise distances), Kornblith's rule (zero diagonal included).
    pub threshold: f64,
    /// Items used at most (seeded subsample without replacement); the Gram matrices are m×m.
    pub max_items: usize,
    pub seed: u64,
}

impl Default for RbfParams {
    fn default() -> Self {
        Self {
            threshold: 0.5,
            max_items: 2000,
            seed: 0,
        }
    }
}

/// RBF-kernel CKA (biased HSIC) on at most `max_items` items. O(m²·(Dx + Dy)) time, O(m²) memory.
/// The same as [`rbf_cka_from`] of each space's [`rbf_centred_gram`] on [`rbf_rows`] (which a
/// pool computes one space per worker).
pub fn rbf_cka(x: MatView<'_>, y: MatView<'_>, params: RbfParams) -> Result<f64, CoreError> {
    if y.n() != x.n() {
        return Err(CoreError::ItemCountMismatch(x.n(), y.n()));
    }
    let rows = rbf_rows(x.n(), params)?;
    let kx = rbf_centred_gram(x, &rows, params.threshold);
    let ky = rbf_centred_gram(y, &rows, params.threshold);
    Ok(rbf_cka_from(&kx, &ky))
}

/// The items RBF CKA uses of `n`: all, or a seeded subsample of `max_items` in ascending order.
/// Checks the parameters.
pub fn rbf_rows(n: usize, params: RbfParams) -> Result<Vec<usize>, CoreError> {
    if n < 2 {
        return Err(CoreError::TooFewItems {
            needed: 2,
            found: n,
        });
    }
    if params.threshold <= 0.0 || params.max_items < 2 {
        return Err(CoreError::InvalidParameter(
            "RBF CKA needs a positive threshold and at least 2 items".into(),
        ));
    }
    Ok(if n > params.max_items {
        let mut r = Rng::new(params.seed).sample(n, params.max_items);
        r.sort_unstable();
        r
    } else {
        (0..n).collect()
    })
}

/// One space's part of RBF CKA: the centred RBF Gram matrix (m × m, row-major) of `rows`.
/// O(m²·D) time.
pub fn rbf_centred_gram(x: MatView<'_>, rows: &[usize], threshold: f64) -> Vec<f64> {
    let mut k = rbf_gram(x, rows, threshold);
    center_gram(&mut k, rows.len());
    k
}

/// RBF CKA from the two spaces' centred Gram matrices (of the same items, in the same order).
pub fn rbf_cka_from(kx: &[f64], ky: &[f64]) -> f64 {
    // Running sums carried from row to row: the same order of additions as one pass.
    let mut sums = [0.0; 3];
    let m = (kx.len() as f64).sqrt() as usize;
    for (a, b) in kx.chunks(m.max(1)).zip(ky.chunks(m.max(1))) {
        add_products(a, b, &mut sums);
    }
    let [hsic, xx, yy] = sums;
    ratio(hsic, xx.sqrt() * yy.sqrt())
}

/// Adds Σa·b, Σa², Σb² of one row to `sums`.
#[inline(never)]
fn add_products(a: &[f64], b: &[f64], sums: &mut [f64; 3]) {
    for (x, y) in a.iter().zip(b) {
        sums[0] += x * y;
        sums[1] += x * x;
        sums[2] += y * y;
    }
}

fn rbf_gram(x: MatView<'_>, rows: &[usize], threshold: f64) -> Vec<f64> {
    let (m, d) = (rows.len(), x.d());
    // The subsample's rows side by side in f64: converted once, not once per pair.
    let z: Vec<f64> = rows
        .iter()
        .flat_map(|&r| x.row(r).iter().map(|&v| f64::from(v)))
        .collect();
    let mut k = vec![0.0f64; m * m];
    for (a, row) in k.chunks_exact_mut(m.max(1)).enumerate() {
        squared_distances_after(&z, d, a, row);
    }
    mirror_upper(&mut k, m);
    let median = median(&k);
    let denom = 2.0 * threshold * threshold * median;
    for row in k.chunks_exact_mut(m.max(1)) {
        rbf_of_squared_distances(row, denom);
    }
    k
}

// The functions below do one row of an m × m loop per call: V8 optimises a wasm function only
// from its next call on, so a loop over all m² values inside one call would run in the baseline
// tier throughout (measured in the page: RBF CKA's first run ~4× slower than its later ones).

/// `row[b] = ‖z_a − z_b‖²` for b > a (rows of `z`, `d` values each).
#[inline(never)]
fn squared_distances_after(z: &[f64], d: usize, a: usize, row: &mut [f64]) {
    let za = &z[a * d..(a + 1) * d];
    for (b, v) in row.iter_mut().enumerate().skip(a + 1) {
        *v = squared_distance64(za, &z[b * d..(b + 1) * d]);
    }
}

/// Squared distances to RBF kernel values, in place.
#[inline(never)]
fn rbf_of_squared_distances(row: &mut [f64], denom: f64) {
    for v in row {
        *v = if denom > 0.0 {
            (-*v / denom).exp()
        } else {
            1.0
        };
    }
}

/// Copies the upper triangle of an m × m row-major matrix onto the lower one, in blocks (one
/// strided write per value would miss the cache at nearly every value).
fn mirror_upper(a: &mut [f64], m: usize) {
    const B: usize = 64;
    for i0 in (0..m).step_by(B) {
        for j0 in (i0..m).step_by(B) {
            mirror_block(a, m, i0..(i0 + B).min(m), j0..(j0 + B).min(m));
        }
    }
}

#[inline(never)]
fn mirror_block(
    a: &mut [f64],
    m: usize,
    rows: std::ops::Range<usize>,
    cols: std::ops::Range<usize>,
) {
    for i in rows {
        for j in cols.start.max(i + 1)..cols.end {
            a[j * m + i] = a[i * m + j];
        }
    }
}

/// numpy's median: the mean of the two middle values for an even count.
pub(crate) fn median(values: &[f64]) -> f64 {
    if values.is_empty() {
        return f64::NAN;
    }
    let mut v = values.to_vec();
    let mid = v.len() / 2;
    let (_, &mut hi, _) = v.select_nth_unstable_by(mid, f64::total_cmp);
    if v.len() % 2 == 1 {
        hi
    } else {
        let lo = v[..mid].iter().copied().fold(f64::NEG_INFINITY, f64::max);
        (lo + hi) / 2.0
    }
}

/// H·K·H with H = I − 11ᵀ/m, in place.
fn center_gram(k: &mut [f64], m: usize) {
    let row_means: Vec<f64> = k.chunks_exact(m.max(1)).map(|r| row_mean(r, m)).collect();
    let total = row_means.iter().sum::<f64>() / m as f64;
    for (row, mean) in k.chunks_exact_mut(m.max(1)).zip(&row_means) {
        // K is symmetric: column means equal row means.
        centre_row(row, total - mean, &row_means);
    }
}

#[inline(never)]
fn row_mean(row: &[f64], m: usize) -> f64 {
    row.iter().sum::<f64>() / m as f64
}

/// `row[j] += shift − col_means[j]`.
#[inline(never)]
fn centre_row(row: &mut [f64], shift: f64, col_means: &[f64]) {
    for (v, c) in row.iter_mut().zip(col_means) {
        *v += shift - c;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn data(n: usize, d: usize, seed: u64) -> Vec<f32> {
        let mut r = Rng::new(seed);
        (0..n * d).map(|_| r.normal() as f32).collect()
    }

    #[test]
    fn identical_spaces_have_cka_one() {
        let x = data(50, 4, 1);
        let v = MatView::new(&x, 50, 4).unwrap();
        let c = linear_cka(v, v).unwrap();
        assert!((c.cka - 1.0).abs() < 1e-6);
        assert!((c.debiased.unwrap() - 1.0).abs() < 1e-6);
        assert!((rbf_cka(v, v, RbfParams::default()).unwrap() - 1.0).abs() < 1e-9);
    }

    #[test]
    fn invariant_to_rotation_and_scale() {
        let x = data(60, 2, 2);
        let (c, s) = (0.6f32, 0.8f32);
        let y: Vec<f32> = x
            .chunks(2)
            .flat_map(|p| [3.0 * (c * p[0] - s * p[1]), 3.0 * (s * p[0] + c * p[1])])
            .collect();
        let z = data(60, 3, 3);
        let (vx, vy, vz) = (
            MatView::new(&x, 60, 2).unwrap(),
            MatView::new(&y, 60, 2).unwrap(),
            MatView::new(&z, 60, 3).unwrap(),
        );
        let a = linear_cka(vx, vz).unwrap();
        let b = linear_cka(vy, vz).unwrap();
        assert!((a.cka - b.cka).abs() < 1e-6);
    }

    #[test]
    fn median_like_numpy() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(&[4.0, 1.0, 3.0, 2.0]), 2.5);
    }

    #[test]
    fn products_of_the_wrong_shape_are_an_error() {
        let (x, y) = (data(20, 3, 1), data(20, 2, 2));
        let (vx, vy) = (
            MatView::new(&x, 20, 3).unwrap(),
            MatView::new(&y, 20, 2).unwrap(),
        );
        let (mx, my) = (vx.column_means(), vy.column_means());
        let good = CentredProducts {
            gram_x: centred_gram(vx, &mx),
            gram_y: centred_gram(vy, &my),
            cross: centred_cross(vx, &mx, vy, &my, Precision::F32Blocks),
        };
        let whole = linear_cka(vx, vy).unwrap();
        assert_eq!(
            linear_cka_from_products((vx, &mx), (vy, &my), &good).unwrap(),
            whole
        );
        let swapped = CentredProducts {
            gram_x: good.gram_y.clone(),
            gram_y: good.gram_x.clone(),
            cross: good.cross.clone(),
        };
        let err = linear_cka_from_products((vx, &mx), (vy, &my), &swapped).unwrap_err();
        assert!(err.to_string().contains("dims 3 and 2"), "{err}");
    }

    #[test]
    fn mismatched_counts_are_an_error() {
        let x = data(5, 2, 1);
        let y = data(6, 2, 1);
        assert!(linear_cka(
            MatView::new(&x, 5, 2).unwrap(),
            MatView::new(&y, 6, 2).unwrap()
        )
        .is_err());
    }

    #[test]
    fn rbf_gram_equals_the_kernel_of_each_pair() {
        // 150 rows cross the mirror's 64-row blocks; depth 13 leaves a tail past the eight sums.
        let (n, d) = (150, 13);
        let x = data(n, d, 8);
        let v = MatView::new(&x, n, d).unwrap();
        let rows: Vec<usize> = (0..n).rev().collect();
        let k = rbf_gram(v, &rows, 0.5);
        let d2 = |a: usize, b: usize| -> f64 {
            (0..d)
                .map(|t| (f64::from(x[a * d + t]) - f64::from(x[b * d + t])).powi(2))
                .sum()
        };
        let mut all: Vec<f64> = (0..n * n).map(|p| d2(rows[p / n], rows[p % n])).collect();
        all.sort_by(f64::total_cmp);
        let median = (all[n * n / 2 - 1] + all[n * n / 2]) / 2.0;
        for a in 0..n {
            for b in 0..n {
                let want = (-d2(rows[a], rows[b]) / (2.0 * 0.25 * median)).exp();
                let got = k[a * n + b];
                assert!((got - want).abs() <= 1e-12, "({a}, {b}): {got} vs {want}");
                assert_eq!(got.to_bits(), k[b * n + a].to_bits());
            }
        }
    }
}
