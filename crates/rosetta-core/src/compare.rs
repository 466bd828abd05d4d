//! The full comparison of two spaces of the same items, in one call (what `rosetta compare` prints
//! and what the page's comparison view shows).

use crate::agreement::{jaccard, mutual_knn, overlap_per_item};
use crate::cka::linear_cka;
use crate::error::CoreError;
use crate::knn::{knn, Metric};
use crate::matrix::MatView;
use crate::procrustes::{procrustes_report, ProcrustesReport};
use crate::relative::{relative, RelativeParams, Similarity};
use crate::retrieval::{mean_row_cosine, retrieval, Retrieval};
use crate::rng::Rng;
use crate::stitching::{stitching, StitchingReport};

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

/// Compare `x` and `y` (rows = the same items) with the given anchor rows.
/// `progress(step, fraction)` is called between steps. O(N²·(Dx + Dy + K)) for the neighbour and
/// retrieval steps; O(N·(Dx + Dy)²) for CKA and Procrustes.
pub fn compare(
    x: MatView<'_>,
    y: MatView<'_>,
    anchors: &[usize],
    params: CompareParams,
    labels: Option<&[String]>,
    progress: &mut dyn FnMut(&str, f64),
) -> Result<CompareReport, CoreError> {
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
    if let Some(l) = labels {
        if l.len() != n {
            return Err(CoreError::InvalidParameter(format!(
                "{} labels for {n} items",
                l.len()
            )));
        }
    }
    let steps = 7.0;
    progress("linear CKA", 0.0);
    let cka = linear_cka(x, y)?;

    progress("neighbours in the first space", 1.0 / steps);
    let nx = knn(x, params.k, Metric::Cosine)?;
    progress("neighbours in the second space", 2.0 / steps);
    let ny = knn(y, params.k, Metric::Cosine)?;
    let overlap = overlap_per_item(&nx, &ny)?;
    let absolute_retrieval = if x.d() == y.d() {
        Some(retrieval(x, y)?)
    } else {
        None
    };

    progress("relative representations", 3.0 / steps);
    let rp = RelativeParams {
        similarity: Similarity::Cosine,
        center: params.center,
    };
    let rx = relative(x, anchors, rp)?;
    let ry = relative(y, anchors, rp)?;
    let rnx = knn(rx.view(), params.k, Metric::Cosine)?;
    let rny = knn(ry.view(), params.k, Metric::Cosine)?;
    progress("relative retrieval", 4.0 / steps);
    let rel_retrieval = retrieval(rx.view(), ry.view())?;

    progress("Procrustes", 5.0 / steps);
    let (train, test) = half_split(n, params.seed);
    let procrustes = procrustes_report(x, y, Some((&train, &test)))?;

    progress("stitching", 6.0 / steps);
    let stitching = match labels {
        Some(l) => Some(stitching(
            rx.view(),
            ry.view(),
            l,
            &train,
            &test,
            params.ridge_alpha,
            Some((x, y)),
        )?),
        None => None,
    };
    progress("done", 1.0);
    Ok(CompareReport {
        n,
        dims: [x.d(), y.d()],
        k: nx.k,
        cka_linear: cka.cka,
        cka_debiased: cka.debiased,
        mutual_knn: mutual_knn(&nx, &ny)?,
        jaccard_abs: jaccard(&nx, &ny)?,
        overlap_per_item: overlap,
        absolute_retrieval,
        relative: RelativeReport {
            anchors: anchors.len(),
            centered: params.center,
            jaccard: jaccard(&rnx, &rny)?,
            mean_cosine: mean_row_cosine(rx.view(), ry.view())?,
            retrieval: rel_retrieval,
        },
        procrustes,
        stitching,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rotated_copy_agrees_everywhere() {
        let mut r = Rng::new(21);
        let n = 300;
        let x: Vec<f32> = (0..n * 3).map(|_| r.normal() as f32).collect();
        // Rotate about z by 90° and scale: relative representation and neighbours are unchanged.
        let y: Vec<f32> = x
            .chunks(3)
            .flat_map(|p| [-2.0 * p[1], 2.0 * p[0], 2.0 * p[2]])
            .collect();
        let labels: Vec<String> = (0..n)
            .map(|i| {
                if x[3 * i] > 0.0 {
                    "pos".into()
                } else {
                    "neg".into()
                }
            })
            .collect();
        let (vx, vy) = (
            MatView::new(&x, n, 3).unwrap(),
            MatView::new(&y, n, 3).unwrap(),
        );
        let anchors: Vec<usize> = (0..20).collect();
        let rep = compare(
            vx,
            vy,
            &anchors,
            CompareParams::default(),
            Some(&labels),
            &mut |_, _| {},
        )
        .unwrap();
        assert!((rep.cka_linear - 1.0).abs() < 1e-6);
        assert!((rep.mutual_knn - 1.0).abs() < 1e-12);
        assert!((rep.relative.mean_cosine - 1.0).abs() < 1e-6);
        assert_eq!(rep.relative.retrieval.x_to_y.top1, 1.0);
        assert!(rep.procrustes.residual < 1e-3);
        let s = rep.stitching.unwrap();
        assert!(s.a_to_b > 0.9 && (s.a_to_b - s.a_to_a).abs() < 1e-12);
    }

    #[test]
    fn half_split_partitions() {
        let (a, b) = half_split(11, 3);
        assert_eq!(a.len(), 6);
        let mut all: Vec<usize> = a.iter().chain(&b).copied().collect();
        all.sort_unstable();
        assert_eq!(all, (0..11).collect::<Vec<_>>());
    }
}
