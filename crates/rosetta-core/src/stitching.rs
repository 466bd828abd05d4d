//! Zero-shot stitching (Moschella et al. 2023): a linear probe fitted on model A's relative
//! representations is applied unchanged to model B's. The probe is scikit-learn's `RidgeClassifier`
//! (targets ±1, intercept, closed form), so results can be checked against it.

use faer::linalg::solvers::Solve;
use faer::{Mat, Side};

use crate::error::CoreError;
use crate::kernels::linalg::{centred_cross, dot64, Precision};
use crate::matrix::{MatView, Matrix};

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

/// Fit on rows `x` with one label per row. `alpha` > 0. O(N·p² + p³).
pub fn fit_ridge_classifier(
    x: MatView<'_>,
    labels: &[String],
    alpha: f64,
) -> Result<RidgeClassifier, CoreError> {
    let targets = RidgeTargets::new(x.n(), labels, alpha)?;
    let mean = x.column_means();
    let gram = centred_cross(x, &mean, x, &mean, Precision::F64);
    targets.fit(x, mean, &gram)
}

/// A ridge probe's checked inputs before any work: the classes, each row's class, the penalty.
#[derive(Debug, Clone)]
pub struct RidgeTargets {
    classes: Vec<String>,
    class_of: Vec<usize>,
    alpha: f64,
}

impl RidgeTargets {
    /// One label per row of `n`, at least two classes, `alpha` > 0. O(N log N).
    pub fn new(n: usize, labels: &[String], alpha: f64) -> Result<Self, CoreError> {
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
        let class_of = labels
            .iter()
            .map(|l| classes.binary_search(l).unwrap_or(0))
            .collect();
        Ok(Self {
            classes,
            class_of,
            alpha,
        })
    }

    /// The probe on rows `x` (the rows these targets were made for) from `gram` = X̄ᵀX̄ (p×p f64,
    /// row-major, centred by `mean_x`, x's column means), computed by the caller: the page sums it
    /// over row shares. O(N·p·c + p³).
    pub fn fit(
        self,
        x: MatView<'_>,
        mean_x: Vec<f64>,
        gram: &[f64],
    ) -> Result<RidgeClassifier, CoreError> {
        let (n, p) = (x.n(), x.d());
        if n != self.class_of.len() || gram.len() != p * p || mean_x.len() != p {
            return Err(CoreError::InvalidParameter(format!(
                "a ridge fit of {n} rows with {} targets and a Gram of {} values for {p} features",
                self.class_of.len(),
                gram.len()
            )));
        }
        let Self {
            classes,
            class_of,
            alpha,
        } = self;
        let c = if classes.len() == 2 { 1 } else { classes.len() };
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
        let mean_y: Vec<f64> = (0..c)
            .map(|k| (0..n).map(|i| target(i, k)).sum::<f64>() / n as f64)
            .collect();
        let mut a = Mat::<f64>::from_fn(p, p, |i, j| gram[i * p + j]);
        for j in 0..p {
            a[(j, j)] += alpha;
        }
        // X̄ᵀ(T − mean_y), one contiguous column per class and each row centred once: the same
        // sums in the same order as indexing the p × c matrix (which did not vectorise).
        let mut rhs_cols = vec![0.0f64; c * p];
        let mut centred = vec![0.0f64; p];
        for i in 0..n {
            for ((v, &r), &m) in centred.iter_mut().zip(x.row(i)).zip(&mean_x) {
                *v = f64::from(r) - m;
            }
            for (k, col) in rhs_cols.chunks_exact_mut(p).enumerate() {
                let t = target(i, k) - mean_y[k];
                for (acc, &v) in col.iter_mut().zip(&centred) {
                    *acc += v * t;
                }
            }
        }
        let rhs = Mat::<f64>::from_fn(p, c, |j, k| rhs_cols[k * p + j]);
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
        // w's columns as rows (contiguous), each class scored once per row.
        let w_cols: Vec<f64> = (0..c)
            .flat_map(|k| (0..self.p).map(move |j| (j, k)))
            .map(|(j, k)| self.w[j * c + k])
            .collect();
        let mut scores = vec![0.0f64; c];
        Ok((0..x.n())
            .map(|i| {
                let row = x.row(i);
                for (k, score) in scores.iter_mut().enumerate() {
                    let w = &w_cols[k * self.p..(k + 1) * self.p];
                    *score = self.b[k] + dot64(row, w);
                }
                if c == 1 {
                    usize::from(scores[0] > 0.0)
                } else {
                    (0..c).fold(0, |best, k| if scores[k] > scores[best] { k } else { best })
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
    (train, test): (&[usize], &[usize]),
    alpha: f64,
    absolute: Option<(MatView<'_>, MatView<'_>)>,
) -> Result<StitchingReport, CoreError> {
    let split = StitchingSplit::new((rel_a, rel_b), labels, (train, test), alpha, absolute)?;
    let probes = split
        .probes()?
        .into_iter()
        .map(|(x, targets)| {
            let mean = x.column_means();
            let gram = centred_cross(x, &mean, x, &mean, Precision::F64);
            targets.fit(x, mean, &gram)
        })
        .collect::<Result<Vec<_>, _>>()?;
    split.report(probes)
}

/// The rows [`stitching`] fits and scores its probes on, gathered: the page fits the probes with
/// Grams summed over row shares, then makes the same report.
pub struct StitchingSplit {
    train_labels: Vec<String>,
    test_labels: Vec<String>,
    /// (train rows, test rows) of A's and B's relative spaces, and of the absolute spaces when
    /// their dims match.
    a: (Matrix, Matrix),
    b: (Matrix, Matrix),
    absolute: Option<(Matrix, Matrix)>,
    alpha: f64,
}

impl StitchingSplit {
    /// The relative spaces must have the same items and anchors, one label per item, split rows
    /// in range, absolute spaces (if any) of the same items. O(N·(K + D)).
    pub fn new(
        (rel_a, rel_b): (MatView<'_>, MatView<'_>),
        labels: &[String],
        (train, test): (&[usize], &[usize]),
        alpha: f64,
        absolute: Option<(MatView<'_>, MatView<'_>)>,
    ) -> Result<Self, CoreError> {
        if rel_a.n() != rel_b.n() || rel_a.d() != rel_b.d() {
            return Err(CoreError::InvalidParameter(
                "the relative spaces must have the same items and anchors".into(),
            ));
        }
        let n = rel_a.n();
        if labels.len() != n {
            return Err(CoreError::InvalidParameter(format!(
                "{} labels for {n} items",
                labels.len()
            )));
        }
        if let Some(&i) = train.iter().chain(test).find(|&&i| i >= n) {
            return Err(CoreError::InvalidParameter(format!(
                "split row {i} is out of range (N = {n})"
            )));
        }
        if let Some((xa, xb)) = absolute.filter(|(xa, xb)| xa.n() != n || xb.n() != n) {
            return Err(CoreError::ItemCountMismatch(xa.n(), xb.n()));
        }
        let pick =
            |rows: &[usize]| -> Vec<String> { rows.iter().map(|&i| labels[i].clone()).collect() };
        Ok(Self {
            train_labels: pick(train),
            test_labels: pick(test),
            a: (rel_a.gather(train), rel_a.gather(test)),
            b: (rel_b.gather(train), rel_b.gather(test)),
            absolute: match absolute {
                Some((xa, xb)) if xa.d() == xb.d() => Some((xa.gather(train), xb.gather(test))),
                _ => None,
            },
            alpha,
        })
    }

    /// The probes to fit, checked before any work: (training rows, targets) of A's relative
    /// space, B's, and A's absolute space when the dims match — the order [`Self::report`] takes.
    pub fn probes(&self) -> Result<Vec<(MatView<'_>, RidgeTargets)>, CoreError> {
        let rows = [
            Some(&self.a.0),
            Some(&self.b.0),
            self.absolute.as_ref().map(|t| &t.0),
        ];
        rows.into_iter()
            .flatten()
            .map(|m| {
                let targets = RidgeTargets::new(m.n, &self.train_labels, self.alpha)?;
                Ok((m.view(), targets))
            })
            .collect()
    }

    /// The accuracies of the fitted probes (in [`Self::probes`]' order) on the test rows.
    pub fn report(&self, probes: Vec<RidgeClassifier>) -> Result<StitchingReport, CoreError> {
        let want = 2 + usize::from(self.absolute.is_some());
        let (pa, pb, absolute) = match probes.as_slice() {
            [pa, pb, rest @ ..] if probes.len() == want => (pa, pb, rest.first()),
            _ => {
                return Err(CoreError::InvalidParameter(format!(
                    "{} stitching probes, {want} expected",
                    probes.len()
                )))
            }
        };
        let lte = &self.test_labels;
        let (ate, bte) = (self.a.1.view(), self.b.1.view());
        let absolute_a_to_b = match (absolute, &self.absolute) {
            (Some(p), Some((_, xb_test))) => Some(p.accuracy(xb_test.view(), lte)?),
            _ => None,
        };
        Ok(StitchingReport {
            a_to_b: pa.accuracy(bte, lte)?,
            a_to_a: pa.accuracy(ate, lte)?,
            b_to_b: pb.accuracy(bte, lte)?,
            b_to_a: pb.accuracy(ate, lte)?,
            absolute_a_to_b,
            train: self.train_labels.len(),
            test: lte.len(),
            classes: pa.classes.len(),
        })
    }
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

    #[test]
    fn parts_of_the_wrong_shape_are_errors() {
        let x: Vec<f32> = (0..40).map(|i| (i * 7 % 11) as f32).collect();
        let v = MatView::new(&x, 20, 2).unwrap();
        let labels: Vec<String> = (0..20).map(|i| format!("c{}", i % 2)).collect();
        let t = RidgeTargets::new(20, &labels, 1.0).unwrap();
        let err = t.fit(v, v.column_means(), &[1.0; 3]).unwrap_err();
        assert!(err.to_string().contains("Gram of 3 values"), "{err}");
        let train: Vec<usize> = (0..10).collect();
        let test: Vec<usize> = (10..20).collect();
        let split = StitchingSplit::new((v, v), &labels, (&train, &test), 1.0, None).unwrap();
        assert_eq!(split.probes().unwrap().len(), 2);
        let one = fit_ridge_classifier(v, &labels, 1.0).unwrap();
        let err = split.report(vec![one.clone()]).unwrap_err();
        assert!(
            err.to_string().contains("1 stitching probes, 2 expected"),
            "{err}"
        );
        assert!(split.report(vec![one.clone(), one.clone(), one]).is_err());
        // Short labels and split rows past the end are errors, not panics.
        let short = StitchingSplit::new((v, v), &labels[..5], (&train, &test), 1.0, None);
        assert!(short.is_err_and(|e| e.to_string().contains("5 labels for 20 items")));
        let past = StitchingSplit::new((v, v), &labels, (&train, &[20]), 1.0, None);
        assert!(past.is_err_and(|e| e.to_string().contains("row 20")));
    }
}
