//! The full comparison of two spaces of the same items, in one call (what `rosetta compare` prints
//! and what the page's comparison view shows).

use crate::agreement::{jaccard, mutual_knn, overlap_per_item};
use crate::cka::{linear_cka, LinearCka};
use crate::error::CoreError;
use crate::knn::{knn, Metric, Neighbors};
use crate::matrix::{MatView, Matrix};
use crate::procrustes::{procrustes_fits, ProcrustesReport};
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

/// The steps of a comparison as `progress` names them, in order.
pub const COMPARE_STEPS: [&str; 8] = [
    "linear CKA",
    "relative representations",
    "Procrustes and stitching",
    "neighbours in the first space",
    "neighbours in the second space",
    "neighbours in the relative spaces",
    "relative retrieval",
    "retrieval after Procrustes",
];

/// The share of a comparison's work done when each of [`COMPARE_STEPS`] begins (0 for the
/// first, rising, below 1), for a progress bar that moves with the time: the steps' multiply-adds
/// (N items, dims `dx`, `dy`, `anchors` anchors), the O(N·D²) steps' f64 and f32 products weighted
/// ×4 against the O(N²) steps' i8 ones (their rates in the tab: ~1–2·10¹⁰ against ~6–7·10¹⁰ per
/// second, BENCHMARKS.md).
pub fn compare_step_starts(n: usize, dx: usize, dy: usize, anchors: usize) -> [f64; 8] {
    let (n, dx, dy, k) = (n as f64, dx as f64, dy as f64, anchors as f64);
    let dense = 4.0;
    let same_dims = if dx == dy { n * n * dx } else { 0.0 };
    let work = [
        // Two Grams and a cross product.
        dense * n * (dx * dx + dy * dy + dx * dy),
        dense * n * (dx + dy) * k,
        // Procrustes' cross products (train, test) and the stitching probes' Grams.
        dense * n * (2.0 * dx * dy + 2.0 * k * k),
        n * n * dx / 2.0,
        n * n * dy / 2.0 + same_dims,
        n * n * k,
        n * n * k,
        // In-sample and held-out (a quarter) retrievals after alignment.
        1.25 * n * n * dx.max(dy),
    ];
    let total: f64 = work.iter().sum();
    let mut starts = [0.0; 8];
    let mut done = 0.0;
    for (start, w) in starts.iter_mut().zip(work) {
        *start = if total > 0.0 { done / total } else { 0.0 };
        done += w;
    }
    starts
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

/// The O(N²) pieces of a comparison: computed in one thread by [`compare`], or split among
/// workers by the page; [`CompareParts::finish`] makes the report of either.
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
        })
    }
}

/// Compare `x` and `y` (rows = the same items) with the given anchor rows, in this thread.
/// `progress(step, fraction)` is called before each of [`COMPARE_STEPS`] and with "done".
/// O(N²·(Dx + Dy + K)) for the neighbour and retrieval steps; O(N·(Dx + Dy)²) for CKA and
/// Procrustes.
pub fn compare(
    x: MatView<'_>,
    y: MatView<'_>,
    anchors: &[usize],
    params: CompareParams,
    labels: Option<&[String]>,
    progress: &mut dyn FnMut(&str, f64),
) -> Result<CompareReport, CoreError> {
    check_compare_inputs(x, y, labels)?;
    let starts = compare_step_starts(x.n(), x.d(), y.d(), anchors.len());
    let mut step = 0;
    let mut next = |progress: &mut dyn FnMut(&str, f64)| {
        progress(COMPARE_STEPS[step], starts[step]);
        step += 1;
    };
    // The O(N·D²) parts first, then the O(N²) ones (the page shows each metric when it is known).
    next(progress);
    let cka = linear_cka(x, y)?;
    next(progress);
    let rp = params.relative_params();
    let rx = relative(x, anchors, rp)?;
    let ry = relative(y, anchors, rp)?;
    next(progress);
    let (train, test) = half_split(x.n(), params.seed);
    let fits = procrustes_fits(x, y, Some((&train, &test)))?;
    let stitching = labels
        .map(|l| {
            let split = (&train[..], &test[..]);
            stitching(
                rx.view(),
                ry.view(),
                l,
                split,
                params.ridge_alpha,
                Some((x, y)),
            )
        })
        .transpose()?;
    next(progress);
    let nx = knn(x, params.k, Metric::Cosine)?;
    next(progress);
    let ny = knn(y, params.k, Metric::Cosine)?;
    let absolute_retrieval = if x.d() == y.d() {
        Some(retrieval(x, y)?)
    } else {
        None
    };
    next(progress);
    let rnx = knn(rx.view(), params.k, Metric::Cosine)?;
    let rny = knn(ry.view(), params.k, Metric::Cosine)?;
    next(progress);
    let relative_retrieval = retrieval(rx.view(), ry.view())?;
    next(progress);
    let procrustes = fits.report(x, y)?;
    let parts = CompareParts {
        cka,
        nx,
        ny,
        absolute_retrieval,
        rx,
        ry,
        rnx,
        rny,
        relative_retrieval,
        procrustes,
        stitching,
    };
    let report = parts.finish((x, y), anchors.len(), params)?;
    progress("done", 1.0);
    Ok(report)
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

    #[test]
    fn step_starts_rise_from_zero_below_one_with_the_work() {
        let starts = compare_step_starts(20_000, 384, 384, 384);
        assert_eq!(starts[0], 0.0);
        assert!(starts.windows(2).all(|w| w[0] < w[1]) && starts[7] < 1.0);
        // As the tab's times went (BENCHMARKS.md, twenty-first session: the steps began at 0,
        // 3, 5, 13, 23, 46, 62 and 81 % of the 13.5 s), within a few points.
        let measured = [0.0, 0.030, 0.052, 0.132, 0.232, 0.460, 0.624, 0.812];
        for (s, m) in starts.iter().zip(measured) {
            assert!((s - m).abs() < 0.04, "{starts:?}");
        }
        // Differing dims: no absolute retrieval.
        let other = compare_step_starts(20_000, 384, 768, 384);
        assert!(other.windows(2).all(|w| w[0] < w[1]));
        assert!(compare_step_starts(0, 0, 0, 0).iter().all(|&s| s == 0.0));
    }
}
