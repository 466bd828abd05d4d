//! The one comparison driver: every metric of `rosetta compare` for two spaces of the same items,
//! in one order of steps, over [`Kernels`] computed in one thread (the CLI) or split among a pool
//! (the page). The O(N·D²) metrics come first (CKA, the relative rows' mean cosine, Procrustes'
//! residuals, stitching, then RBF CKA and RSA on subsamples), then each O(N²) step's; an
//! [`Observer`] is told each step and each metric as soon as it is known, and may cancel.

mod kernels;
mod report;

use futures_util::future::join;
use rosetta_core::anchors::{check_indices, select_anchors, AnchorParams, AnchorStrategy};
use rosetta_core::metrics::agreement::{jaccard, mutual_knn};
use rosetta_core::screens::retrieval::mean_row_cosine;
use rosetta_core::MatView;

pub use kernels::{Kernels, OneThread, Pair, Pooled, Probes, Split, RSA_ITEMS};
pub use report::{
    check_compare_inputs, half_split, CompareParams, CompareParts, CompareReport, PartialReport,
    RelativeReport,
};

use crate::pool::Key;
use crate::EngineError;

/// The steps of a comparison, in the order they run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    LinearCka,
    Relative,
    ProcrustesAndStitching,
    Subsamples,
    NeighboursA,
    NeighboursB,
    NeighboursRelative,
    RelativeRetrieval,
    ProcrustesRetrieval,
}

impl Step {
    pub const ALL: [Step; 9] = [
        Step::LinearCka,
        Step::Relative,
        Step::ProcrustesAndStitching,
        Step::Subsamples,
        Step::NeighboursA,
        Step::NeighboursB,
        Step::NeighboursRelative,
        Step::RelativeRetrieval,
        Step::ProcrustesRetrieval,
    ];

    /// As the page shows it.
    pub fn name(self) -> &'static str {
        match self {
            Step::LinearCka => "linear CKA",
            Step::Relative => "relative representations",
            Step::ProcrustesAndStitching => "Procrustes and stitching",
            Step::Subsamples => "RBF CKA and RSA (subsamples)",
            Step::NeighboursA => "neighbours in the first space",
            Step::NeighboursB => "neighbours in the second space",
            Step::NeighboursRelative => "neighbours in the relative spaces",
            Step::RelativeRetrieval => "relative retrieval",
            Step::ProcrustesRetrieval => "retrieval after Procrustes",
        }
    }
}

/// The share of a comparison's work done when each of [`Step::ALL`] begins (0 for the first,
/// rising, below 1), for a progress bar that moves with the time: the steps' multiply-adds (N
/// items, dims `dx`, `dy`, `anchors` anchors), the O(N·D²) steps' f64 and f32 products weighted
/// ×4 against the O(N²) steps' i16 ones (their rates in the tab).
pub fn step_starts(n: usize, dx: usize, dy: usize, anchors: usize) -> [f64; 9] {
    let (nf, dx, dy, k) = (n as f64, dx as f64, dy as f64, anchors as f64);
    let dense = 4.0;
    let same_dims = if dx == dy { nf * nf * dx } else { 0.0 };
    let (m_rbf, m_rsa) = (n.min(2000) as f64, n.min(RSA_ITEMS) as f64);
    let work = [
        // Two Grams and a cross product.
        dense * nf * (dx * dx + dy * dy + dx * dy),
        dense * nf * (dx + dy) * k,
        // Procrustes' cross products (train, test) and the stitching probes' Grams.
        dense * nf * (2.0 * dx * dy + 2.0 * k * k),
        // Each space's pairwise distances on the subsamples.
        dense * (m_rbf * m_rbf + m_rsa * m_rsa) * (dx + dy) / 2.0,
        nf * nf * dx / 2.0,
        nf * nf * dy / 2.0 + same_dims,
        nf * nf * k,
        nf * nf * k,
        // In-sample and held-out (a quarter) retrievals after alignment.
        1.25 * nf * nf * dx.max(dy),
    ];
    let total: f64 = work.iter().sum();
    let mut starts = [0.0; 9];
    let mut done = 0.0;
    for (start, w) in starts.iter_mut().zip(work) {
        *start = if total > 0.0 { done / total } else { 0.0 };
        done += w;
    }
    starts
}

/// What a comparison tells as it goes, and whether it should stop.
pub trait Observer {
    /// `step` begins with `fraction` of the whole work done.
    fn step(&self, _step: Step, _fraction: f64) {}
    /// The metrics known so far (each one its final value).
    fn found(&self, _partial: &PartialReport) {}
    /// Asked before each kernel (a kernel runs to its end): `true` stops the comparison with
    /// [`EngineError::Cancelled`].
    fn cancelled(&self) -> bool {
        false
    }
}

/// Tells nothing, never cancels.
impl Observer for () {}

/// The anchors `rosetta compare` uses by default: max(dims) random rows (at most N), seeded.
pub fn default_anchors(
    x: MatView<'_>,
    y: MatView<'_>,
    seed: u64,
) -> Result<Vec<usize>, EngineError> {
    let params = AnchorParams {
        strategy: AnchorStrategy::Random,
        k: x.d().max(y.d()).min(x.n()),
        seed,
    };
    Ok(select_anchors(x, params, None)?)
}

/// Keys of rows the pool keeps, forgotten when this goes (at the end of the kernels that read
/// them, or as the comparison stops early).
struct Kept<'k, K: Kernels> {
    kernels: &'k K,
    keys: Vec<Key>,
}

impl<'k, K: Kernels> Kept<'k, K> {
    fn new(kernels: &'k K) -> Self {
        Self {
            kernels,
            keys: Vec::new(),
        }
    }

    fn key(&mut self) -> Option<Key> {
        let key = self.kernels.key()?;
        self.keys.push(key);
        Some(key)
    }

    fn forget_now(&mut self) {
        if !self.keys.is_empty() {
            self.kernels.forget(&self.keys);
            self.keys.clear();
        }
    }
}

impl<K: Kernels> Drop for Kept<'_, K> {
    fn drop(&mut self) {
        self.forget_now();
    }
}

/// Compare `x` and `y` (rows = the same items) with the given anchor rows (in the order of the
/// relative coordinates). `labels` (one per item) enable zero-shot stitching. Inputs and anchor
/// rows are checked before any work. O(N²·(Dx + Dy + K)) for the neighbour and retrieval steps,
/// O(N·(Dx + Dy)²) for CKA and Procrustes.
pub async fn compare(
    kernels: &impl Kernels,
    (x, y): Pair<'_>,
    anchors: &[usize],
    params: CompareParams,
    labels: Option<&[String]>,
    observer: &impl Observer,
) -> Result<CompareReport, EngineError> {
    check_compare_inputs(x, y, labels)?;
    check_indices(anchors, x.n()).map_err(|e| EngineError::during("anchors", e))?;
    let go = || {
        if observer.cancelled() {
            Err(EngineError::Cancelled)
        } else {
            Ok(())
        }
    };
    let starts = step_starts(x.n(), x.d(), y.d(), anchors.len());
    let step = |s: Step| {
        observer.step(s, starts[s as usize]);
        go()
    };
    let mut partial = PartialReport::default();

    step(Step::LinearCka)?;
    let cka = kernels.linear_cka((x, y)).await?;
    partial.cka = Some(cka);
    observer.found(&partial);

    step(Step::Relative)?;
    let rp = params.relative_params();
    let (bx, by) = (rp.fit(x, anchors)?, rp.fit(y, anchors)?);
    let rx = kernels.relative(x, &bx).await?;
    go()?;
    let ry = kernels.relative(y, &by).await?;
    partial.mean_cosine = Some(mean_row_cosine(rx.view(), ry.view())?);
    observer.found(&partial);

    step(Step::ProcrustesAndStitching)?;
    let (train, test) = half_split(x.n(), params.seed);
    let split = (&train[..], &test[..]);
    // Independent of each other: pooled, one part's serial work (its SVDs, the probes' solves)
    // overlaps the other's shares on the helpers, which take the jobs of both in turn.
    let stitching = async {
        let Some(labels) = labels else {
            return Ok(None);
        };
        let probes = Probes {
            labels,
            split,
            alpha: params.ridge_alpha,
        };
        let s = kernels.stitching((rx.view(), ry.view()), probes, Some((x, y)));
        s.await.map(Some)
    };
    let (fits, stitching) = join(kernels.procrustes_fits((x, y), split), stitching).await;
    let (fits, stitching) = (fits?, stitching?);
    partial.procrustes_residuals = Some(fits.residuals());
    partial.stitching.clone_from(&stitching);
    observer.found(&partial);

    step(Step::Subsamples)?;
    let subsamples = kernels.subsamples((x, y), params.seed).await?;
    partial.subsamples = Some(subsamples);
    observer.found(&partial);

    // The pool keeps the rows that two kernels send (each space's kNN, then the retrieval
    // between them) and drops them once these are done (or when this returns early).
    let mut kept = Kept::new(kernels);
    let same_dims = x.d() == y.d();
    let (kx, ky) = if same_dims {
        (kept.key(), kept.key())
    } else {
        (None, None)
    };
    step(Step::NeighboursA)?;
    let nx = kernels.knn(x, kx, params.k).await?;
    step(Step::NeighboursB)?;
    let ny = kernels.knn(y, ky, params.k).await?;
    partial.agreement = Some((mutual_knn(&nx, &ny)?, jaccard(&nx, &ny)?));
    observer.found(&partial);
    go()?;
    let absolute_retrieval = if same_dims {
        Some(kernels.retrieval((x, y), (kx, ky)).await?)
    } else {
        None
    };
    kept.forget_now();
    partial.absolute_retrieval.clone_from(&absolute_retrieval);
    observer.found(&partial);

    step(Step::NeighboursRelative)?;
    let (krx, kry) = (kept.key(), kept.key());
    let rnx = kernels.knn(rx.view(), krx, params.k).await?;
    go()?;
    let rny = kernels.knn(ry.view(), kry, params.k).await?;
    partial.relative_jaccard = Some(jaccard(&rnx, &rny)?);
    observer.found(&partial);

    step(Step::RelativeRetrieval)?;
    let relative_retrieval = kernels
        .retrieval((rx.view(), ry.view()), (krx, kry))
        .await?;
    kept.forget_now();
    partial.relative_retrieval = Some(relative_retrieval.clone());
    observer.found(&partial);

    step(Step::ProcrustesRetrieval)?;
    let aligned = kernels.align(fits, (x, y)).await?;
    let in_sample = kernels.retrieval_x_to_y(aligned.in_sample()).await?;
    go()?;
    let heldout = match aligned.heldout() {
        Some(pair) => Some(kernels.retrieval_x_to_y(pair).await?),
        None => None,
    };
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
        procrustes: aligned.report(in_sample, heldout),
        stitching,
        subsamples,
    };
    parts
        .finish((x, y), anchors.len(), params)
        .map_err(Into::into)
}

#[cfg(test)]
mod tests;
