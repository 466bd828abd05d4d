//! The comparison's kernels behind one trait: computed in this thread ([`OneThread`], the CLI) or
//! split among a pool of workers ([`Pooled`], the page). The driver calls them in one order for
//! both, so the two cannot drift apart.

use rosetta_core::align::procrustes::{procrustes_fits, ProcrustesAlignments, ProcrustesFits};
use rosetta_core::metrics::cka::{linear_cka, rbf_cka, LinearCka, RbfParams};
use rosetta_core::metrics::rsa::rsa;
use rosetta_core::projections::relative::RelativeBasis;
use rosetta_core::screens::knn::{knn, Metric, Neighbors};
use rosetta_core::screens::retrieval::{retrieval, retrieval_x_to_y, Retrieval, RetrievalScores};
use rosetta_core::stitching::{stitching, StitchingReport};
use rosetta_core::{MatView, Matrix};

use crate::pool::{Helpers, Key};
use crate::shares::{
    knn_rows, linear_cka_pooled, procrustes_aligned_pooled, procrustes_fits_pooled, relative_rows,
    retrieval_rows, retrieval_x_to_y_rows, stitching_pooled, subsample_metrics_pooled,
};
use crate::EngineError;

/// Two spaces of the same items.
pub type Pair<'a> = (MatView<'a>, MatView<'a>);
/// A held-out split: (train, test) item indices.
pub type Split<'a> = (&'a [usize], &'a [usize]);

/// The stitching probes' inputs: one label per item, the held-out split, the ridge penalty.
#[derive(Debug, Clone, Copy)]
pub struct Probes<'a> {
    pub labels: &'a [String],
    pub split: Split<'a>,
    pub alpha: f64,
}

/// Items of RSA's seeded subsample (RBF CKA takes [`RbfParams`]' default of 2,000).
pub const RSA_ITEMS: usize = 1000;

/// The comparison's kernels. Each is what `rosetta_core` computes in one call; a pooled one splits
/// its work and gives the same result (exact counts and neighbours equal, f64 sums to rounding).
#[allow(async_fn_in_trait)] // reason: the engine runs on one thread (the worker, the CLI): no `Send` bound is wanted
pub trait Kernels {
    async fn linear_cka(&self, pair: Pair<'_>) -> Result<LinearCka, EngineError>;
    /// `basis.transform(x)`.
    async fn relative(&self, x: MatView<'_>, basis: &RelativeBasis) -> Result<Matrix, EngineError>;
    async fn procrustes_fits(
        &self,
        pair: Pair<'_>,
        split: Split<'_>,
    ) -> Result<ProcrustesFits, EngineError>;
    /// The probes on the relative rows (and, given them, on the absolute ones).
    async fn stitching(
        &self,
        relative: Pair<'_>,
        probes: Probes<'_>,
        absolute: Option<Pair<'_>>,
    ) -> Result<StitchingReport, EngineError>;
    /// (RBF CKA, RSA) on their subsamples, seeded.
    async fn subsamples(&self, pair: Pair<'_>, seed: u64) -> Result<(f64, f64), EngineError>;
    /// Cosine neighbours; `kept`: a key the pool keeps `x` under for a later kernel.
    async fn knn(
        &self,
        x: MatView<'_>,
        kept: Option<Key>,
        k: usize,
    ) -> Result<Neighbors, EngineError>;
    async fn retrieval(
        &self,
        pair: Pair<'_>,
        kept: (Option<Key>, Option<Key>),
    ) -> Result<Retrieval, EngineError>;
    /// The fits' aligned pairs (`fits.align(x, y)`).
    async fn align(
        &self,
        fits: ProcrustesFits,
        pair: Pair<'_>,
    ) -> Result<ProcrustesAlignments, EngineError>;
    async fn retrieval_x_to_y(&self, pair: Pair<'_>) -> Result<RetrievalScores, EngineError>;
    /// A key for rows that two kernels read (`None`: nothing is kept, every kernel sends them).
    fn key(&self) -> Option<Key> {
        None
    }
    /// The rows kept under `keys` are no longer needed.
    fn forget(&self, _keys: &[Key]) {}
}

/// Every kernel in this thread: `rosetta_core`'s functions as they are.
#[derive(Debug, Clone, Copy, Default)]
pub struct OneThread;

impl Kernels for OneThread {
    async fn linear_cka(&self, (x, y): Pair<'_>) -> Result<LinearCka, EngineError> {
        Ok(linear_cka(x, y)?)
    }

    async fn relative(&self, x: MatView<'_>, basis: &RelativeBasis) -> Result<Matrix, EngineError> {
        Ok(basis.transform(x)?)
    }

    async fn procrustes_fits(
        &self,
        (x, y): Pair<'_>,
        split: Split<'_>,
    ) -> Result<ProcrustesFits, EngineError> {
        Ok(procrustes_fits(x, y, Some(split))?)
    }

    async fn stitching(
        &self,
        (ra, rb): Pair<'_>,
        p: Probes<'_>,
        absolute: Option<Pair<'_>>,
    ) -> Result<StitchingReport, EngineError> {
        Ok(stitching(ra, rb, p.labels, p.split, p.alpha, absolute)?)
    }

    async fn subsamples(&self, (x, y): Pair<'_>, seed: u64) -> Result<(f64, f64), EngineError> {
        let rbf = RbfParams {
            seed,
            ..RbfParams::default()
        };
        Ok((rbf_cka(x, y, rbf)?, rsa(x, y, RSA_ITEMS, seed)?))
    }

    async fn knn(
        &self,
        x: MatView<'_>,
        _kept: Option<Key>,
        k: usize,
    ) -> Result<Neighbors, EngineError> {
        Ok(knn(x, k, Metric::Cosine)?)
    }

    async fn retrieval(
        &self,
        (x, y): Pair<'_>,
        _kept: (Option<Key>, Option<Key>),
    ) -> Result<Retrieval, EngineError> {
        Ok(retrieval(x, y)?)
    }

    async fn align(
        &self,
        fits: ProcrustesFits,
        (x, y): Pair<'_>,
    ) -> Result<ProcrustesAlignments, EngineError> {
        Ok(fits.align(x, y))
    }

    async fn retrieval_x_to_y(&self, (x, y): Pair<'_>) -> Result<RetrievalScores, EngineError> {
        Ok(retrieval_x_to_y(x, y)?)
    }
}

/// Every kernel split among this worker and a pool's helpers ([`crate::shares`]).
#[derive(Debug, Clone, Copy)]
pub struct Pooled<'h, H>(pub &'h H);

impl<H: Helpers> Kernels for Pooled<'_, H> {
    async fn linear_cka(&self, (x, y): Pair<'_>) -> Result<LinearCka, EngineError> {
        linear_cka_pooled(self.0, x, y).await
    }

    async fn relative(&self, x: MatView<'_>, basis: &RelativeBasis) -> Result<Matrix, EngineError> {
        relative_rows(self.0, x, basis, |_, _| {}).await
    }

    async fn procrustes_fits(
        &self,
        (x, y): Pair<'_>,
        split: Split<'_>,
    ) -> Result<ProcrustesFits, EngineError> {
        procrustes_fits_pooled(self.0, x, y, Some(split)).await
    }

    async fn stitching(
        &self,
        relative: Pair<'_>,
        p: Probes<'_>,
        absolute: Option<Pair<'_>>,
    ) -> Result<StitchingReport, EngineError> {
        stitching_pooled(self.0, relative, p.labels, p.split, p.alpha, absolute).await
    }

    async fn subsamples(&self, pair: Pair<'_>, seed: u64) -> Result<(f64, f64), EngineError> {
        let rbf = RbfParams {
            seed,
            ..RbfParams::default()
        };
        subsample_metrics_pooled(self.0, pair, rbf, RSA_ITEMS, seed).await
    }

    async fn knn(
        &self,
        x: MatView<'_>,
        kept: Option<Key>,
        k: usize,
    ) -> Result<Neighbors, EngineError> {
        knn_rows(self.0, x, kept, k, Metric::Cosine, |_, _| {}).await
    }

    async fn retrieval(
        &self,
        (x, y): Pair<'_>,
        kept: (Option<Key>, Option<Key>),
    ) -> Result<Retrieval, EngineError> {
        retrieval_rows(self.0, x, y, kept).await
    }

    async fn align(
        &self,
        fits: ProcrustesFits,
        (x, y): Pair<'_>,
    ) -> Result<ProcrustesAlignments, EngineError> {
        procrustes_aligned_pooled(self.0, fits, x, y).await
    }

    async fn retrieval_x_to_y(&self, (x, y): Pair<'_>) -> Result<RetrievalScores, EngineError> {
        retrieval_x_to_y_rows(self.0, x, y).await
    }

    fn key(&self) -> Option<Key> {
        self.0.key()
    }

    fn forget(&self, keys: &[Key]) {
        self.0.forget(keys);
    }
}
