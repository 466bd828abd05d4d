//! Zero-shot stitching (Moschella et al. 2023): a linear probe fitted on model A's relative
//! representations is applied unchanged to model B's. The probe is scikit-learn's `RidgeClassifier`
//! (targets ±1, intercept, closed form), so results can be checked against it.

use faer::linalg::solvers::Solve;
use faer::{Accum, Mat, MatRef, Par, Side};

use crate::error::CoreError;
use crate::matrix::MatView;

/// A fitted ridge classifier.
#[derive(Debug, Clone, PartialEq)]
pub struct RidgeClassifier {
    /// Sorted class names (scikit-learn's `classes_`).
    pub classes: Vec<String>,
    pub p: usize,
    /// p × c, row-major; c = 1 for two classes.
    pub w: Vec<f64>,
    pub b: Vec<f64>,
}

/// `XᵀX` of centred rows in f64 (row blocks). O(N·p²).
fn centred_gram64(x: MatView<'_>, mean: &[f64]) -> Mat<f64> {
    let p = x.d();
    let mut g = Mat::<f64>::zeros(p, p);
    const BLOCK: usize = 512;
    for r0 in (0..x.n()).step_by(BLOCK) {
        let r1 = (r0 + BLOCK).min(x.n());
        let block: Vec<f64> = (r0..r1)
            .flat_map(|i| x.row(i).iter().zip(mean).map(|(&v, m)| f64::from(v) - m))
            .collect();
        let b = MatRef::from_row_major_slice(&block, r1 - r0, p);
        faer::linalg::matmul::matmul(g.as_mut(), Accum::Add, b.transpose(), b, 1.0, Par::Seq);
    }
    g
}

/// Fit on rows `x` with one label per row. `alpha` > 0. O(N·p² + p³).
pub fn fit_ridge_classifier(
    x: MatView<'_>,
    labels: &[String],
    alpha: f64,
) -> Result<RidgeClassifier, CoreError> {
    let (n, p) = (x.n(), x.d());
    if labels.len() != n {
        return Err(CoreError::InvalidParameter(format!(
            "{} labels for {n} items",
            labels.len()
        )));
    }
    if alpha.is_nan() || alpha <= 0.0 {
        return Err(CoreError::InvalidParameter(
            "the ridge penalty must be positive".into(),
        ));
    }
    let mut classes: Vec<String> = labels.to_vec();
    classes.sort();
    classes.dedup();
    if classes.len() < 2 {
        return Err(CoreError::InvalidParameter(
            "the probe needs at least two classes".into(),
        ));
    }
    let c = if classes.len() == 2 { 1 } else { classes.len() };
    let class_of: Vec<usize> = labels
        .iter()
        .map(|l| classes.binary_search(l).unwrap_or(0))
        .collect();
    // Targets: +1 for the item's class, −1 elsewhere (binary: +1 for classes[1]).
    let target = |i: usize, k: usize| -> f64 {
        let hit = if c == 1 {
            class_of[i] == 1
        } else {
            class_of[i] == k
        };
        if hit {
            1.0
        } else {
            -1.0
        }
    };
    let mean_x = x.column_means();
    let mean_y: Vec<f64> = (0..c)
        .map(|k| (0..n).map(|i| target(i, k)).sum::<f64>() / n as f64)
        .collect();
    let mut a = centred_gram64(x, &mean_x);
    for j in 0..p {
        a[(j, j)] += alpha;
    }
    let mut rhs = Mat::<f64>::zeros(p, c);
    for i in 0..n {
        let row = x.row(i);
        for k in 0..c {
            let t = target(i, k) - mean_y[k];
            for j in 0..p {
                rhs[(j, k)] += (f64::from(row[j]) - mean_x[j]) * t;
            }
        }
    }
    let llt = a
        .llt(Side::Lower)
        .map_err(|e| CoreError::NoConvergence(format!("ridge Cholesky: {e:?}")))?;
    let sol = llt.solve(&rhs);
    let w: Vec<f64> = (0..p)
        .flat_map(|j| (0..c).map(move |k| (j, k)))
        .map(|(j, k)| sol[(j, k)])
        .collect();
    let b = (0..c)
        .map(|k| mean_y[k] - (0..p).map(|j| mean_x[j] * w[j * c + k]).sum::<f64>())
        .collect();
    Ok(RidgeClassifier { classes, p, w, b })
}

impl RidgeClassifier {
    fn columns(&self) -> usize {
        self.b.len()
    }

    /// Predicted class index (into `classes`) per row.
    pub fn predict(&self, x: MatView<'_>) -> Result<Vec<usize>, CoreError> {
        if x.d() != self.p {
            return Err(CoreError::InvalidParameter(format!(
                "the probe expects {} features, the data has {}",
                self.p,
                x.d()
            )));
        }
        let c = self.columns();
        Ok((0..x.n())
            .map(|i| {
                let row = x.row(i);
                let score = |k: usize| -> f64 {
                    self.b[k]
                        + row
                            .iter()
                            .enumerate()
                            .map(|(j, &v)| f64::from(v) * self.w[j * c + k])
                            .sum::<f64>()
                };
                if c == 1 {
                    usize::from(score(0) > 0.0)
                } else {
                    (0..c).fold(0, |best, k| if score(k) > score(best) { k } else { best })
                }
            })
            .collect())
    }

    /// Share of rows whose predicted class equals their label.
    pub fn accuracy(&self, x: MatView<'_>, labels: &[String]) -> Result<f64, CoreError> {
        let pred = self.predict(x)?;
        let hits = pred
            .iter()
            .zip(labels)
            .filter(|(&p, l)| self.classes.get(p) == Some(*l))
            .count();
        Ok(hits as f64 / labels.len().max(1) as f64)
    }
}

/// Accuracies of the probe across spaces (held-out items).
#[derive(Debug, Clone, PartialEq)]
pub struct StitchingReport {
    /// Fitted on A's relative train rows, scored on B's relative test rows: the zero-shot result.
    pub a_to_b: f64,
    /// Baselines: fitted and scored within one space.
    pub a_to_a: f64,
    pub b_to_b: f64,
    pub b_to_a: f64,
    /// The same A → B transfer on the absolute vectors (only when dims match): near chance.
    pub absolute_a_to_b: Option<f64>,
    pub train: usize,
    pub test: usize,
    pub classes: usize,
}

/// One call: fit on the `train` rows of each space, score on the `test` rows of each.
/// `absolute` = the two absolute spaces, used when their dims match. O(N·K² + K³).
pub fn stitching(
    rel_a: MatView<'_>,
    rel_b: MatView<'_>,
    labels: &[String],
    train: &[usize],
    test: &[usize],
    alpha: f64,
    absolute: Option<(MatView<'_>, MatView<'_>)>,
) -> Result<StitchingReport, CoreError> {
    if rel_a.n() != rel_b.n() || rel_a.d() != rel_b.d() {
        return Err(CoreError::InvalidParameter(
            "the relative spaces must have the same items and anchors".into(),
        ));
    }
    let pick =
        |rows: &[usize]| -> Vec<String> { rows.iter().map(|&i| labels[i].clone()).collect() };
    let (ltr, lte) = (pick(train), pick(test));
    let (atr, ate) = (rel_a.gather(train), rel_a.gather(test));
    let (btr, bte) = (rel_b.gather(train), rel_b.gather(test));
    let pa = fit_ridge_classifier(atr.view(), &ltr, alpha)?;
    let pb = fit_ridge_classifier(btr.view(), &ltr, alpha)?;
    let absolute_a_to_b = match absolute {
        Some((xa, xb)) if xa.d() == xb.d() => {
            let p = fit_ridge_classifier(xa.gather(train).view(), &ltr, alpha)?;
            Some(p.accuracy(xb.gather(test).view(), &lte)?)
        }
        _ => None,
    };
    Ok(StitchingReport {
        a_to_b: pa.accuracy(bte.view(), &lte)?,
        a_to_a: pa.accuracy(ate.view(), &lte)?,
        b_to_b: pb.accuracy(bte.view(), &lte)?,
        b_to_a: pb.accuracy(ate.view(), &lte)?,
        absolute_a_to_b,
        train: train.len(),
        test: test.len(),
        classes: pa.classes.len(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn separable_classes_are_learned() {
        let x: Vec<f32> = vec![
            0., 0., 0., 1., 1., 0., 5., 5., 5., 6., 6., 5., -5., 5., -6., 5., -5., 6.,
        ];
        let labels: Vec<String> = ["a", "a", "a", "b", "b", "b", "c", "c", "c"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let v = MatView::new(&x, 9, 2).unwrap();
        let p = fit_ridge_classifier(v, &labels, 1.0).unwrap();
        assert_eq!(p.accuracy(v, &labels).unwrap(), 1.0);
        let binary =
            fit_ridge_classifier(MatView::new(&x[..12], 6, 2).unwrap(), &labels[..6], 1.0).unwrap();
        assert_eq!(binary.b.len(), 1);
        assert_eq!(
            binary
                .accuracy(MatView::new(&x[..12], 6, 2).unwrap(), &labels[..6])
                .unwrap(),
            1.0
        );
    }
}
