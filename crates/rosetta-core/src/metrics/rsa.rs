//! Representational similarity analysis: Spearman correlation between the two spaces'
//! representational dissimilarity matrices (correlation distance), upper triangles only.

use crate::error::CoreError;
use crate::kernels::linalg::dot64;
use crate::matrix::MatView;
use crate::rng::Rng;

/// RSA on at most `max_items` items (a seeded subsample; the same items in both spaces).
/// O(m²·(Dx + Dy) + m² log m) time, O(m²) memory. The same as [`pearson`] of each space's
/// [`rdm_ranks`] on [`rsa_rows`] (which a pool computes one space per worker).
pub fn rsa(x: MatView<'_>, y: MatView<'_>, max_items: usize, seed: u64) -> Result<f64, CoreError> {
    if y.n() != x.n() {
        return Err(CoreError::ItemCountMismatch(x.n(), y.n()));
    }
    let rows = rsa_rows(x.n(), max_items, seed)?;
    Ok(pearson(&rdm_ranks(x, &rows), &rdm_ranks(y, &rows)))
}

/// The items RSA uses of `n`: all, or a seeded subsample of `max_items` in ascending order.
pub fn rsa_rows(n: usize, max_items: usize, seed: u64) -> Result<Vec<usize>, CoreError> {
    if n < 3 || max_items < 3 {
        return Err(CoreError::TooFewItems {
            needed: 3,
            found: n.min(max_items),
        });
    }
    Ok(if n > max_items {
        let mut r = Rng::new(seed).sample(n, max_items);
        r.sort_unstable();
        r
    } else {
        (0..n).collect()
    })
}

/// One space's part of RSA: the ranks of its correlation distances ([`rdm_upper`]).
/// O(m²·D + m² log m) time.
pub fn rdm_ranks(x: MatView<'_>, rows: &[usize]) -> Vec<f64> {
    ranks(&rdm_upper(x, rows))
}

/// Correlation distances `1 − r(x_i, x_j)` for i < j, row-major over the upper triangle.
pub(crate) fn rdm_upper(x: MatView<'_>, rows: &[usize]) -> Vec<f64> {
    // Standardise each row (mean 0, unit norm) so a dot product is Pearson's r.
    let z: Vec<Vec<f64>> = rows
        .iter()
        .map(|&r| {
            let v: Vec<f64> = x.row(r).iter().map(|&t| f64::from(t)).collect();
            let mean = v.iter().sum::<f64>() / v.len().max(1) as f64;
            let c: Vec<f64> = v.iter().map(|t| t - mean).collect();
            let norm = c.iter().map(|t| t * t).sum::<f64>().sqrt();
            c.iter()
                .map(|t| if norm > 0.0 { t / norm } else { 0.0 })
                .collect()
        })
        .collect();
    let m = rows.len();
    let mut out = Vec::with_capacity(m * m.saturating_sub(1) / 2);
    for i in 0..m {
        push_distances_after(&z, i, &mut out);
    }
    out
}

/// `1 − z_i·z_j` for j > i. One row per call: V8 optimises a wasm function only from its next
/// call on, so the whole pair loop in one call would run in the baseline tier.
#[inline(never)]
fn push_distances_after(z: &[Vec<f64>], i: usize, out: &mut Vec<f64>) {
    for zj in &z[i + 1..] {
        out.push(1.0 - dot64(&z[i], zj));
    }
}

/// Ranks 1..n with ties given their average rank (scipy's `rankdata(method="average")`).
pub fn ranks(v: &[f64]) -> Vec<f64> {
    let mut order: Vec<usize> = (0..v.len()).collect();
    order.sort_by(|&a, &b| v[a].total_cmp(&v[b]));
    let mut out = vec![0.0; v.len()];
    let mut i = 0;
    while i < order.len() {
        let mut j = i;
        while j + 1 < order.len() && v[order[j + 1]] == v[order[i]] {
            j += 1;
        }
        let avg = (i + j) as f64 / 2.0 + 1.0;
        for &o in &order[i..=j] {
            out[o] = avg;
        }
        i = j + 1;
    }
    out
}

/// Pearson correlation (0 when either side is constant).
pub fn pearson(a: &[f64], b: &[f64]) -> f64 {
    let n = a.len().max(1) as f64;
    let (ma, mb) = (a.iter().sum::<f64>() / n, b.iter().sum::<f64>() / n);
    let (mut sab, mut saa, mut sbb) = (0.0, 0.0, 0.0);
    for (x, y) in a.iter().zip(b) {
        let (p, q) = (x - ma, y - mb);
        sab += p * q;
        saa += p * p;
        sbb += q * q;
    }
    if saa > 0.0 && sbb > 0.0 {
        sab / (saa * sbb).sqrt()
    } else {
        0.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranks_average_ties() {
        assert_eq!(ranks(&[10.0, 20.0, 10.0, 5.0]), vec![2.5, 4.0, 2.5, 1.0]);
    }

    #[test]
    fn identical_spaces_have_rsa_one() {
        let x: Vec<f32> = (0..30).map(|i| ((i * 7) % 11) as f32).collect();
        let v = MatView::new(&x, 10, 3).unwrap();
        assert!((rsa(v, v, 100, 0).unwrap() - 1.0).abs() < 1e-12);
    }
}
