//! What a comparison of two spaces reports (what `rosetta compare` prints and the page's pair
//! report shows), as it becomes known and whole.

use rosetta_core::align::procrustes::ProcrustesReport;
use rosetta_core::metrics::agreement::{jaccard, mutual_knn, overlap_per_item};
use rosetta_core::metrics::cka::LinearCka;
use rosetta_core::projections::relative::{RelativeParams, Similarity};
use rosetta_core::screens::retrieval::{mean_row_cosine, Retrieval};
use rosetta_core::stitching::StitchingReport;
use rosetta_core::{CoreError, MatView, Matrix, Neighbors, Rng};

/// Parameters of a comparison.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CompareParams {
    /// Neighbours per item for mutual-kNN and Jaccard.
    pub k: usize,
    /// Centre each space before the relative representation (absolute metrics are unaffected).
    pub center: bool,
    /// Seeds the held-out split of Procrustes and stitching.
    pub seed: u64,
    /// Ridge penalty of the stitching probe (scikit-learn's `alpha`).
    pub ridge_alpha: f64,
}

impl Default for CompareParams {
    fn default() -> Self {
        Self {
            k: 10,
            center: false,
            seed: 0,
            ridge_alpha: 1.0,
        }
    }
}

/// Metrics of the relative representations of both spaces (same anchors).
#[derive(Debug, Clone, PartialEq)]
pub struct RelativeReport {
    pub anchors: usize,
    pub centered: bool,
    pub jaccard: f64,
    pub mean_cosine: f64,
    pub retrieval: Retrieval,
}

/// Everything about one pair of spaces.
#[derive(Debug, Clone, PartialEq)]
pub struct CompareReport {
    pub n: usize,
    pub dims: [usize; 2],
    pub k: usize,
    pub cka_linear: f64,
    pub cka_debiased: Option<f64>,
    pub mutual_knn: f64,
    pub jaccard_abs: f64,
    /// Per item: shared share of the k absolute-space neighbours (for colouring by agreement).
    pub overlap_per_item: Vec<f64>,
    /// Cosine retrieval between the absolute spaces (only when dims match).
    pub absolute_retrieval: Option<Retrieval>,
    pub relative: RelativeReport,
    pub procrustes: ProcrustesReport,
    pub stitching: Option<StitchingReport>,
    /// RBF CKA and RSA on their seeded subsamples.
    pub cka_rbf: f64,
    pub rsa: f64,
}

impl CompareReport {
    /// Every numeric metric under the dotted name of its key in `rosetta compare --json`
    /// (`relative.x_to_y.mrr`, …), in the order of that output; absent metrics are left out.
    pub fn metrics(&self) -> Vec<(String, f64)> {
        PartialReport::from(self).metrics()
    }
}

/// The metrics of a comparison as its parts become known (the page shows each as soon as it is
/// computed): every field `None` until its part is done. [`PartialReport::metrics`] names them
/// as [`CompareReport::metrics`] does, in the same order, leaving out what is not known yet.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PartialReport {
    pub cka: Option<LinearCka>,
    /// (mutual kNN, kNN Jaccard) of the absolute spaces.
    pub agreement: Option<(f64, f64)>,
    pub absolute_retrieval: Option<Retrieval>,
    pub relative_retrieval: Option<Retrieval>,
    pub relative_jaccard: Option<f64>,
    pub mean_cosine: Option<f64>,
    /// Procrustes' residuals once it is fitted, before its retrievals: in-sample, with optimal
    /// scale, held-out (given a split). Shown while [`Self::procrustes`] is `None`.
    pub procrustes_residuals: Option<(f64, f64, Option<f64>)>,
    pub procrustes: Option<ProcrustesReport>,
    pub stitching: Option<StitchingReport>,
    /// (RBF CKA, RSA).
    pub subsamples: Option<(f64, f64)>,
}

impl From<&CompareReport> for PartialReport {
    fn from(r: &CompareReport) -> Self {
        Self {
            cka: Some(LinearCka {
                cka: r.cka_linear,
                debiased: r.cka_debiased,
            }),
            agreement: Some((r.mutual_knn, r.jaccard_abs)),
            absolute_retrieval: r.absolute_retrieval.clone(),
            relative_retrieval: Some(r.relative.retrieval.clone()),
            relative_jaccard: Some(r.relative.jaccard),
            mean_cosine: Some(r.relative.mean_cosine),
            procrustes_residuals: None,
            procrustes: Some(r.procrustes.clone()),
            stitching: r.stitching.clone(),
            subsamples: Some((r.cka_rbf, r.rsa)),
        }
    }
}

impl PartialReport {
    /// The known metrics, named and ordered as in [`CompareReport::metrics`].
    pub fn metrics(&self) -> Vec<(String, f64)> {
        let mut out: Vec<(String, f64)> = Vec::new();
        let mut push = |name: &str, v: f64| out.push((name.to_owned(), v));
        if let Some(c) = &self.cka {
            push("cka_linear", c.cka);
            if let Some(d) = c.debiased {
                push("cka_debiased", d);
            }
        }
        if let Some((mutual, jaccard)) = self.agreement {
            push("mutual_knn", mutual);
            push("jaccard_abs", jaccard);
        }
        let mut scores = |prefix: &str, r: &Retrieval| {
            for (dir, s) in [("x_to_y", &r.x_to_y), ("y_to_x", &r.y_to_x)] {
                for (name, v) in [("mrr", s.mrr), ("top1", s.top1), ("top5", s.top5)] {
                    push(&format!("{prefix}.{dir}.{name}"), v);
                }
            }
        };
        if let Some(a) = &self.absolute_retrieval {
            scores("absolute", a);
        }
        if let Some(r) = &self.relative_retrieval {
            scores("relative", r);
        }
        if let Some(j) = self.relative_jaccard {
            push("relative.jaccard", j);
        }
        if let Some(c) = self.mean_cosine {
            push("relative.mean_cosine", c);
        }
        if let Some(p) = &self.procrustes {
            push("procrustes.residual", p.residual);
            push("procrustes.residual_optscale", p.residual_optscale);
            push("procrustes.top1", p.top1);
            push("procrustes.mrr", p.mrr);
            if let Some(h) = &p.heldout {
                push("procrustes.heldout.residual", h.residual);
                push("procrustes.heldout.top1", h.top1);
                push("procrustes.heldout.mrr", h.mrr);
            }
        } else if let Some((residual, optscale, heldout)) = self.procrustes_residuals {
            push("procrustes.residual", residual);
            push("procrustes.residual_optscale", optscale);
            if let Some(h) = heldout {
                push("procrustes.heldout.residual", h);
            }
        }
        if let Some(s) = &self.stitching {
            push("stitching.a_to_b", s.a_to_b);
            push("stitching.a_to_a", s.a_to_a);
            push("stitching.b_to_b", s.b_to_b);
            push("stitching.b_to_a", s.b_to_a);
            if let Some(v) = s.absolute_a_to_b {
                push("stitching.absolute_a_to_b", v);
            }
        }
        if let Some((rbf, rsa)) = self.subsamples {
            push("cka_rbf", rbf);
            push("rsa", rsa);
        }
        out
    }
}

/// A seeded split of 0..n into two halves (train gets the extra item when n is odd).
pub fn half_split(n: usize, seed: u64) -> (Vec<usize>, Vec<usize>) {
    let mut order: Vec<usize> = (0..n).collect();
    Rng::new(seed).shuffle(&mut order);
    let cut = n.div_ceil(2);
    let mut train = order[..cut].to_vec();
    let mut test = order[cut..].to_vec();
    train.sort_unstable();
    test.sort_unstable();
    (train, test)
}

impl CompareParams {
    /// The relative representation a comparison uses (cosine, centred as asked).
    pub fn relative_params(&self) -> RelativeParams {
        RelativeParams {
            similarity: Similarity::Cosine,
            center: self.center,
        }
    }
}

/// Checks a comparison's inputs before any work: the same items, at least 4, one label per item.
pub fn check_compare_inputs(
    x: MatView<'_>,
    y: MatView<'_>,
    labels: Option<&[String]>,
) -> Result<(), CoreError> {
    let n = x.n();
    if y.n() != n {
        return Err(CoreError::ItemCountMismatch(n, y.n()));
    }
    if n < 4 {
        return Err(CoreError::TooFewItems {
            needed: 4,
            found: n,
        });
    }
    match labels {
        Some(l) if l.len() != n => Err(CoreError::InvalidParameter(format!(
            "{} labels for {n} items",
            l.len()
        ))),
        _ => Ok(()),
    }
}

/// The pieces of a comparison once every step is done; [`CompareParts::finish`] makes the
/// report.
#[derive(Debug, Clone)]
pub struct CompareParts {
    pub cka: LinearCka,
    /// Cosine neighbours (k) in each absolute space.
    pub nx: Neighbors,
    pub ny: Neighbors,
    /// `retrieval(x, y)` when the dims match.
    pub absolute_retrieval: Option<Retrieval>,
    /// Relative representations (`params.relative_params()`, the same anchors).
    pub rx: Matrix,
    pub ry: Matrix,
    /// Cosine neighbours (k) in each relative space.
    pub rnx: Neighbors,
    pub rny: Neighbors,
    pub relative_retrieval: Retrieval,
    pub procrustes: ProcrustesReport,
    /// The stitching probes' accuracies (given labels), fitted on the split's training items.
    pub stitching: Option<StitchingReport>,
    /// (RBF CKA, RSA).
    pub subsamples: (f64, f64),
}

impl CompareParts {
    /// The report: agreement scores from the neighbour lists and the mean relative cosine beside
    /// the parts' own values. O(N·k + N·K).
    pub fn finish(
        self,
        (x, y): (MatView<'_>, MatView<'_>),
        anchors: usize,
        params: CompareParams,
    ) -> Result<CompareReport, CoreError> {
        let (rx, ry) = (self.rx.view(), self.ry.view());
        Ok(CompareReport {
            n: x.n(),
            dims: [x.d(), y.d()],
            k: self.nx.k,
            cka_linear: self.cka.cka,
            cka_debiased: self.cka.debiased,
            mutual_knn: mutual_knn(&self.nx, &self.ny)?,
            jaccard_abs: jaccard(&self.nx, &self.ny)?,
            overlap_per_item: overlap_per_item(&self.nx, &self.ny)?,
            absolute_retrieval: self.absolute_retrieval,
            relative: RelativeReport {
                anchors,
                centered: params.center,
                jaccard: jaccard(&self.rnx, &self.rny)?,
                mean_cosine: mean_row_cosine(rx, ry)?,
                retrieval: self.relative_retrieval,
            },
            procrustes: self.procrustes,
            stitching: self.stitching,
            cka_rbf: self.subsamples.0,
            rsa: self.subsamples.1,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn half_split_partitions() {
        let (a, b) = half_split(11, 3);
        assert_eq!(a.len(), 6);
        let mut all: Vec<usize> = a.iter().chain(&b).copied().collect();
        all.sort_unstable();
        assert_eq!(all, (0..11).collect::<Vec<_>>());
    }
}
