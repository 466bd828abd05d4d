//! Orthogonal Procrustes between two spaces of the same items: centre columns, scale each space to
//! unit Frobenius norm, zero-pad the narrower one, `XᵀY = UΣVᵀ`, `R = UVᵀ` (reflections allowed).

use faer::Mat;

use crate::error::CoreError;
use crate::kernels::linalg::{centred_block, centred_cross, project, Precision};
use crate::matrix::{MatView, Matrix};
use crate::screens::retrieval::{retrieval_x_to_y, RetrievalScores};

/// A fitted alignment of X onto Y.
#[derive(Debug, Clone, PartialEq)]
pub struct ProcrustesFit {
    pub mean_x: Vec<f64>,
    pub mean_y: Vec<f64>,
    /// Frobenius norms of the centred training spaces.
    pub scale_x: f64,
    pub scale_y: f64,
    /// The padded dimension, max(Dx, Dy).
    pub d: usize,
    /// d × d, row-major: aligned X = X̂ · R.
    pub rotation: Vec<f64>,
    /// Σσᵢ of X̂ᵀŶ (the nuclear norm).
    pub sum_singular: f64,
}

/// Fit R on all rows of `x` and `y`. O(N·Dx·Dy + d³).
pub fn fit_procrustes(x: MatView<'_>, y: MatView<'_>) -> Result<ProcrustesFit, CoreError> {
    check_procrustes(x, y)?;
    let (mx, my) = (x.column_means(), y.column_means());
    let cross = centred_cross(x, &mx, y, &my, Precision::F64);
    ProcrustesFit::from_cross((x, mx), (y, my), &cross)
}

/// Two spaces of the same items, at least two of them: what a fit needs before any work (what
/// CKA needs too: [`crate::metrics::cka::check_pair`]).
pub fn check_procrustes(x: MatView<'_>, y: MatView<'_>) -> Result<(), CoreError> {
    crate::metrics::cka::check_pair(x, y)
}

impl ProcrustesFit {
    /// The fit from `cross` = X̄ᵀȲ (Dx×Dy f64, row-major, each space centred by `mean_x`, `mean_y`,
    /// its column means), computed by the caller: the page sums it over row shares
    /// ([`centred_cross`] with f64 products). O(N·(Dx + Dy) + d³).
    pub fn from_cross(
        (x, mean_x): (MatView<'_>, Vec<f64>),
        (y, mean_y): (MatView<'_>, Vec<f64>),
        cross: &[f64],
    ) -> Result<Self, CoreError> {
        check_procrustes(x, y)?;
        let (dx, dy) = (x.d(), y.d());
        if cross.len() != dx * dy || mean_x.len() != dx || mean_y.len() != dy {
            return Err(CoreError::InvalidParameter(format!(
                "a Procrustes cross product of {} values for dims {dx} and {dy}",
                cross.len()
            )));
        }
        let scale_x = frobenius_centred(x, &mean_x);
        let scale_y = frobenius_centred(y, &mean_y);
        let d = dx.max(dy);
        let s = scale_x * scale_y;
        let m = Mat::<f64>::from_fn(d, d, |i, j| {
            if i < dx && j < dy && s > 0.0 {
                cross[i * dy + j] / s
            } else {
                0.0
            }
        });
        let svd = m
            .thin_svd()
            .map_err(|e| CoreError::NoConvergence(format!("Procrustes SVD: {e:?}")))?;
        let (u, v) = (svd.U(), svd.V());
        let sum_singular: f64 = (0..d).map(|i| svd.S().column_vector()[i]).sum();
        let r = u * v.transpose();
        let rotation = (0..d)
            .flat_map(|i| (0..d).map(move |j| (i, j)))
            .map(|(i, j)| r[(i, j)])
            .collect();
        Ok(Self {
            mean_x,
            mean_y,
            scale_x,
            scale_y,
            d,
            rotation,
            sum_singular,
        })
    }
}

fn frobenius_centred(x: MatView<'_>, mean: &[f64]) -> f64 {
    let mut total = 0.0;
    for i in 0..x.n() {
        for (&v, m) in x.row(i).iter().zip(mean) {
            let t = f64::from(v) - m;
            total += t * t;
        }
    }
    total.sqrt()
}

impl ProcrustesFit {
    /// `‖X̂R − Ŷ‖_F` on the fitted rows = √(2 − 2Σσ).
    pub fn residual(&self) -> f64 {
        (2.0 - 2.0 * self.sum_singular).max(0.0).sqrt()
    }

    /// With the optimal scalar s: `min_s ‖sX̂R − Ŷ‖_F` = √(1 − (Σσ)²).
    pub fn residual_optscale(&self) -> f64 {
        (1.0 - self.sum_singular * self.sum_singular)
            .max(0.0)
            .sqrt()
    }

    /// Rows of X in Y's normalised frame: `((x − mean_x) / scale_x) · R`, N × d.
    pub fn align_x(&self, x: MatView<'_>) -> Matrix {
        Matrix {
            data: project(x, &self.mean_x, &self.align_basis(x.d()), self.d),
            n: x.n(),
            d: self.d,
        }
    }

    /// The basis [`Self::align_x`] projects rows of `dx` values onto (`linalg::project` with
    /// `mean_x` and `d` columns): d × dx, row-major — R's first dx rows, transposed, over X's
    /// scale. A pool projects shares of rows with it.
    pub fn align_basis(&self, dx: usize) -> Vec<f64> {
        (0..self.d)
            .flat_map(|c| (0..dx).map(move |r| (r, c)))
            .map(|(r, c)| self.rotation[r * self.d + c] / nonzero(self.scale_x))
            .collect()
    }

    /// Rows of Y normalised like the fit and zero-padded to d columns.
    pub(crate) fn normalize_y(&self, y: MatView<'_>) -> Matrix {
        let mut block = Vec::new();
        centred_block(y, &self.mean_y, 0, y.n(), &mut block);
        let inv = (1.0 / nonzero(self.scale_y)) as f32;
        let mut data = Vec::with_capacity(y.n() * self.d);
        for row in block.chunks_exact(y.d().max(1)) {
            data.extend(row.iter().map(|&v| v * inv));
            data.extend(std::iter::repeat_n(0.0, self.d - y.d()));
        }
        Matrix {
            data,
            n: y.n(),
            d: self.d,
        }
    }

    /// The residual on other rows — centred by the fitted means, each space rescaled to unit
    /// Frobenius norm on those rows (so it reads on the same 0..2 scale as `residual`) — from
    /// `cross` = (X − mean_x)ᵀ(Y − mean_y) of those rows, centred by this fit's means (f64),
    /// computed by the caller. O(N·(Dx + Dy) + Dx·Dy).
    pub fn residual_from_cross(&self, x: MatView<'_>, y: MatView<'_>, cross: &[f64]) -> f64 {
        let sx = frobenius_centred(x, &self.mean_x);
        let sy = frobenius_centred(y, &self.mean_y);
        if sx == 0.0 || sy == 0.0 {
            return 2.0f64.sqrt();
        }
        let (dx, dy) = (x.d(), y.d());
        let mut trace = 0.0;
        for i in 0..dx {
            for j in 0..dy {
                trace += self.rotation[i * self.d + j] * cross[i * dy + j];
            }
        }
        (2.0 - 2.0 * trace / (sx * sy)).max(0.0).sqrt()
    }
}

fn nonzero(v: f64) -> f64 {
    if v > 0.0 {
        v
    } else {
        1.0
    }
}

/// Held-out scores: fitted on one part of the items, measured on the rest.
#[derive(Debug, Clone, PartialEq)]
pub struct HeldOut {
    pub residual: f64,
    pub top1: f64,
    pub mrr: f64,
}

/// Everything `rosetta compare` reports about Procrustes.
#[derive(Debug, Clone, PartialEq)]
pub struct ProcrustesReport {
    pub residual: f64,
    pub residual_optscale: f64,
    /// Retrieval X·R → Y by cosine, in-sample.
    pub top1: f64,
    pub mrr: f64,
    pub heldout: Option<HeldOut>,
}

/// Fit on all items (in-sample scores) and, given a split, fit on `train` and score on `test`.
/// O(N²·d) for the retrievals.
pub fn procrustes_report(
    x: MatView<'_>,
    y: MatView<'_>,
    split: Option<(&[usize], &[usize])>,
) -> Result<ProcrustesReport, CoreError> {
    procrustes_fits(x, y, split)?.report(x, y)
}

/// The fits behind a [`ProcrustesReport`] with the aligned pairs their retrievals score, so that
/// the O(N²·d) retrievals can run elsewhere (the page splits them among workers).
#[derive(Debug, Clone)]
pub struct ProcrustesAlignments {
    fit: ProcrustesFit,
    /// X·R and Ŷ on every item.
    in_sample: (Matrix, Matrix),
    /// Fitted on the training items, on the test items: (residual, X·R, Ŷ).
    heldout: Option<(f64, Matrix, Matrix)>,
}

/// Fit on every item and, given a split with at least two items on each side, on `train` (the
/// pairs to score on `test`). O(N·Dx·Dy + d³ + N·d²).
pub fn procrustes_alignments(
    x: MatView<'_>,
    y: MatView<'_>,
    split: Option<(&[usize], &[usize])>,
) -> Result<ProcrustesAlignments, CoreError> {
    Ok(procrustes_fits(x, y, split)?.align(x, y))
}

/// The fits of [`procrustes_alignments`] without the aligned rows: their residuals are known
/// here, before any retrieval. O(N·Dx·Dy + d³).
pub fn procrustes_fits(
    x: MatView<'_>,
    y: MatView<'_>,
    split: Option<(&[usize], &[usize])>,
) -> Result<ProcrustesFits, CoreError> {
    check_procrustes(x, y)?;
    let split_rows = split.map(|(_, test)| test.to_vec());
    let split = HeldOutSplit::new(x, y, split);
    let heldout = match &split {
        Some(h) => {
            let ((xt, yt), (xs, ys)) = (h.train(), h.test());
            let (mxt, myt) = (xt.column_means(), yt.column_means());
            let train_cross = centred_cross(xt, &mxt, yt, &myt, Precision::F64);
            let f = ProcrustesFit::from_cross((xt, mxt), (yt, myt), &train_cross)?;
            let test_cross = centred_cross(xs, &f.mean_x, ys, &f.mean_y, Precision::F64);
            let residual = f.residual_from_cross(xs, ys, &test_cross);
            Some((f, residual, h, [train_cross, test_cross]))
        }
        None => None,
    };
    let (mx, my) = (x.column_means(), y.column_means());
    // With a split that covers every item once, the in-sample product comes from its two.
    let cross = heldout
        .as_ref()
        .and_then(|(f, _, h, [train, test])| h.cross_of_all((&mx, &my), (f, train), test))
        .unwrap_or_else(|| centred_cross(x, &mx, y, &my, Precision::F64));
    let fit = ProcrustesFit::from_cross((x, mx), (y, my), &cross)?;
    let heldout = heldout
        .zip(split_rows)
        .map(|((f, r, _, _), test)| (f, r, test));
    Ok(ProcrustesFits { fit, heldout })
}

/// Procrustes fitted on every item and, given a split, on its training items: what
/// [`ProcrustesAlignments`] aligns, kept without aligned rows (O(d²) memory) while other work
/// runs.
#[derive(Debug, Clone)]
pub struct ProcrustesFits {
    pub fit: ProcrustesFit,
    /// Fitted on the training items: the fit, its residual on the test items, the test items.
    pub heldout: Option<(ProcrustesFit, f64, Vec<usize>)>,
}

impl ProcrustesFits {
    /// (in-sample residual, with optimal scale, held-out residual): the report's residuals.
    pub fn residuals(&self) -> (f64, f64, Option<f64>) {
        (
            self.fit.residual(),
            self.fit.residual_optscale(),
            self.heldout.as_ref().map(|(_, r, _)| *r),
        )
    }

    /// The test items of the held-out split, gathered: (X, Y).
    pub fn test_rows(&self, x: MatView<'_>, y: MatView<'_>) -> Option<(Matrix, Matrix)> {
        let (_, _, test) = self.heldout.as_ref()?;
        Some((x.gather(test), y.gather(test)))
    }

    /// The report: the aligned pairs' retrievals, in this thread. O(N²·d).
    pub fn report(self, x: MatView<'_>, y: MatView<'_>) -> Result<ProcrustesReport, CoreError> {
        let aligned = self.align(x, y);
        let in_sample = aligned_retrieval(aligned.in_sample())?;
        let heldout = aligned.heldout().map(aligned_retrieval).transpose()?;
        Ok(aligned.report(in_sample, heldout))
    }

    /// The aligned pairs, in this thread. O(N·d²).
    pub fn align(self, x: MatView<'_>, y: MatView<'_>) -> ProcrustesAlignments {
        let ax = self.fit.align_x(x);
        let test = self.test_rows(x, y);
        let heldout = match (&self.heldout, &test) {
            (Some((f, residual, _)), Some((xs, ys))) => {
                Some((f, *residual, ys.view(), f.align_x(xs.view())))
            }
            _ => None,
        };
        ProcrustesAlignments::from_aligned((ax, y), self.fit, heldout)
    }
}

/// The items of a held-out split gathered into their own spaces: X and Y on `train`, on `test`.
pub struct HeldOutSplit {
    train: (Matrix, Matrix),
    test: (Matrix, Matrix),
    /// Every item is in exactly one of the two (see [`Self::cross_of_all`]).
    partition: bool,
}

impl HeldOutSplit {
    /// `None` unless there is a split with at least two items on each side. O(N·(Dx + Dy)).
    pub fn new(
        x: MatView<'_>,
        y: MatView<'_>,
        split: Option<(&[usize], &[usize])>,
    ) -> Option<Self> {
        match split {
            Some((train, test)) if train.len() >= 2 && test.len() >= 2 => Some(Self {
                train: (x.gather(train), y.gather(train)),
                test: (x.gather(test), y.gather(test)),
                partition: is_partition(x.n(), train, test),
            }),
            _ => None,
        }
    }

    pub fn train(&self) -> (MatView<'_>, MatView<'_>) {
        (self.train.0.view(), self.train.1.view())
    }

    pub fn test(&self) -> (MatView<'_>, MatView<'_>) {
        (self.test.0.view(), self.test.1.view())
    }

    /// X̄ᵀȲ of every item, centred by their means `mean_x`, `mean_y`, from the products the
    /// held-out scores already computed: the training `fit` with its cross product `train_cross`
    /// (centred by the training means) and `test_cross` (the test items', centred by the same
    /// means, as [`ProcrustesFit::residual_from_cross`] takes it). Both
    /// are centred by μt, νt, so their sum is Σ(x − μt)(y − νt)ᵀ over every item, and centring by
    /// μ, ν instead subtracts N·(μ − μt)(ν − νt)ᵀ (Σ(x − μt) = N·(μ − μt)): exact, and with
    /// nothing large cancelling. `None` unless the split covers every item exactly once.
    /// Saves the in-sample product (O(N·Dx·Dy)); this is O(Dx·Dy).
    pub fn cross_of_all(
        &self,
        (mean_x, mean_y): (&[f64], &[f64]),
        (train, train_cross): (&ProcrustesFit, &[f64]),
        test_cross: &[f64],
    ) -> Option<Vec<f64>> {
        let (xt, yt) = self.train();
        let (dx, dy) = (xt.d(), yt.d());
        if !self.partition
            || dx == 0
            || dy == 0
            || mean_x.len() != dx
            || mean_y.len() != dy
            || test_cross.len() != dx * dy
            || train_cross.len() != dx * dy
        {
            return None;
        }
        let n = (xt.n() + self.test.0.n) as f64;
        let dmx: Vec<f64> = mean_x
            .iter()
            .zip(&train.mean_x)
            .map(|(m, t)| m - t)
            .collect();
        let dmy: Vec<f64> = mean_y
            .iter()
            .zip(&train.mean_y)
            .map(|(m, t)| m - t)
            .collect();
        let cross = train_cross
            .chunks_exact(dy)
            .zip(test_cross.chunks_exact(dy))
            .zip(&dmx)
            .flat_map(|((tr, te), &a)| {
                tr.iter()
                    .zip(te)
                    .zip(&dmy)
                    .map(move |((p, q), &b)| p + q - n * a * b)
            })
            .collect();
        Some(cross)
    }
}

/// Whether `train` and `test` hold every row index below `n` exactly once between them. O(n).
fn is_partition(n: usize, train: &[usize], test: &[usize]) -> bool {
    if train.len() + test.len() != n {
        return false;
    }
    let mut seen = vec![false; n];
    train
        .iter()
        .chain(test)
        .all(|&i| i < n && !std::mem::replace(&mut seen[i], true))
}

impl ProcrustesAlignments {
    /// The alignments from aligned rows (computed here or in a pool's shares): `ax` =
    /// `fit.align_x(x)` and, with the split, the held-out fit `f` with its residual, the test
    /// items' Y and `f.align_x` of their X. O(N·d).
    pub fn from_aligned(
        (ax, y): (Matrix, MatView<'_>),
        fit: ProcrustesFit,
        heldout: Option<(&ProcrustesFit, f64, MatView<'_>, Matrix)>,
    ) -> Self {
        let in_sample = (ax, fit.normalize_y(y));
        let heldout = heldout
            .map(|(f, residual, y_test, ax_test)| (residual, ax_test, f.normalize_y(y_test)));
        Self {
            fit,
            in_sample,
            heldout,
        }
    }

    /// X·R and Ŷ of every item: their cosine retrieval X·R → Y is the in-sample score.
    pub fn in_sample(&self) -> (MatView<'_>, MatView<'_>) {
        (self.in_sample.0.view(), self.in_sample.1.view())
    }

    /// The test items aligned by the fit on the training items, if there is a split.
    pub fn heldout(&self) -> Option<(MatView<'_>, MatView<'_>)> {
        self.heldout.as_ref().map(|(_, a, b)| (a.view(), b.view()))
    }

    /// The report from the retrievals of [`Self::in_sample`] and [`Self::heldout`] (x → y).
    pub fn report(
        &self,
        in_sample: RetrievalScores,
        heldout: Option<RetrievalScores>,
    ) -> ProcrustesReport {
        let heldout = self
            .heldout
            .as_ref()
            .zip(heldout)
            .map(|((residual, _, _), s)| HeldOut {
                residual: *residual,
                top1: s.top1,
                mrr: s.mrr,
            });
        ProcrustesReport {
            residual: self.fit.residual(),
            residual_optscale: self.fit.residual_optscale(),
            top1: in_sample.top1,
            mrr: in_sample.mrr,
            heldout,
        }
    }
}

fn aligned_retrieval((ax, ny): (MatView<'_>, MatView<'_>)) -> Result<RetrievalScores, CoreError> {
    retrieval_x_to_y(ax, ny)
}

#[cfg(test)]
#[path = "procrustes_tests.rs"]
mod tests;
