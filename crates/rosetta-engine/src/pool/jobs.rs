//! What a helper computes: one share of a kernel, from the arrays that came with the job. Every
//! job checks its arrays before any work; a bad one is an error (the coordinator then computes
//! that share itself), never a panic.

use rosetta_core::kernels::linalg::{centred_cross, project, Precision};
use rosetta_core::metrics::cka::rbf_centred_gram;
use rosetta_core::metrics::rsa::rdm_ranks;
use rosetta_core::projections::pca::gram_share;
use rosetta_core::projections::relative::{RelativeBasis, Similarity};
use rosetta_core::screens::knn::{knn_candidates, knn_settle, Candidates};
use rosetta_core::screens::retrieval::{retrieval_counts, retrieval_counts_x_to_y};
use rosetta_core::{MatView, Matrix, Metric};
use serde::{Deserialize, Serialize};

use super::{Answer, Buf};
use crate::EngineError;

/// The precision of a cross product's share: f64 products (Procrustes) or f32 blocks (CKA).
pub fn cross_precision(f64_products: bool) -> Precision {
    if f64_products {
        Precision::F64
    } else {
        Precision::F32Blocks
    }
}

/// What a helper is asked to compute; its arrays ride beside it (listed per variant).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Job {
    /// Arrays: rows (n × d f32), anchors (k × d f32), column means (d f64) when `centred`.
    /// Answers the rows' relative representation (n × k f32).
    Relative {
        n: usize,
        d: usize,
        k: usize,
        similarity: Similarity,
        centred: bool,
    },
    /// Arrays: rows (n × d f32), column means (d f64), a basis (k × d f64). Answers the rows,
    /// centred, projected onto it (n × k f32: `linalg::project`, e.g. Procrustes' aligned rows).
    Project { n: usize, d: usize, k: usize },
    /// Arrays: rows (n × d f32), column means (d f64). Answers the rows' centred Gram matrix
    /// (d × d f64): one share of the PCA covariance.
    CentredGram { n: usize, d: usize },
    /// Arrays: rows of X (n × dx f32) and the same rows of Y (n × dy f32), the column means of
    /// X (dx f64) and of Y (dy f64). Answers `X̄ᵀȲ` of those rows (dx × dy f64): one share of a
    /// CKA cross product (f32 block products) or, with `f64_products`, of a Procrustes fit's.
    /// With `gram` Y is X (a stitching probe's Gram): only X's rows and means are sent.
    CentredCross {
        n: usize,
        dx: usize,
        dy: usize,
        f64_products: bool,
        gram: bool,
    },
    /// Arrays: every row of X and of Y (n × d f32 each). Answers the retrieval counts of query
    /// rows `rows.0..rows.1` (x→y: one per row, u32) and, with `both`, their share of y→x
    /// (n u32).
    RetrievalCounts {
        n: usize,
        d: usize,
        rows: (usize, usize),
        both: bool,
    },
    /// Arrays: every row (n × d f32). Answers kNN candidate lists from score tiles
    /// `tiles.0..tiles.1` (scores n × cap f32, indices n × cap u32).
    KnnCandidates {
        n: usize,
        d: usize,
        k: usize,
        metric: Metric,
        tiles: (usize, usize),
    },
    /// Arrays: every row (n × d f32), the joined candidate lists of rows `rows.0..rows.1`
    /// (scores f32 and indices u32, rows × cap each). Answers those rows' neighbours (indices
    /// u32 and scores f64, rows × min(k, n − 1) each), re-scored exactly; `quant_eps` is the
    /// i16 bound the lists were screened with (`None`: measured again).
    KnnSettle {
        n: usize,
        d: usize,
        k: usize,
        metric: Metric,
        rows: (usize, usize),
        quant_eps: Option<f64>,
    },
    /// Arrays: one space's rows of the RBF CKA subsample (m × d f32) and of the RSA subsample
    /// (mr × d f32). Answers that space's centred RBF Gram (m × m f64) and the ranks of its
    /// correlation distances (mr·(mr − 1)/2 f64): its part of the subsample metrics.
    Subsamples {
        m: usize,
        mr: usize,
        d: usize,
        threshold: f64,
    },
}

/// The arrays of one job, taken in the order the job lists them.
struct Arrays<'a> {
    it: std::slice::Iter<'a, &'a Buf>,
}

impl<'a> Arrays<'a> {
    /// The next array: f32 values, `len` of them.
    fn f32s(&mut self, len: usize, what: &str) -> Result<&'a [f32], EngineError> {
        match self.it.next() {
            Some(Buf::F32(v)) if v.len() == len => Ok(v),
            Some(Buf::F32(v)) => Err(job_error(format!(
                "{what}: {} values, expected {len}",
                v.len()
            ))),
            _ => Err(job_error(format!("{what}: missing"))),
        }
    }

    /// The next array: f64 values, `len` of them (any length when `None`).
    fn f64s(&mut self, len: Option<usize>, what: &str) -> Result<&'a [f64], EngineError> {
        match self.it.next() {
            Some(Buf::F64(v)) if len.is_none_or(|l| v.len() == l) => Ok(v),
            _ => Err(job_error(format!("{what}: missing or of the wrong length"))),
        }
    }

    /// The next array: u32 values.
    fn u32s(&mut self, what: &str) -> Result<&'a [u32], EngineError> {
        match self.it.next() {
            Some(Buf::U32(v)) => Ok(v),
            _ => Err(job_error(format!("{what}: missing"))),
        }
    }
}

fn job_error(message: String) -> EngineError {
    EngineError::Job(message)
}

/// Run one job (in a helper) on its arrays (borrowed: some are kept between jobs,
/// [`super::kept::Keeper`]).
pub fn execute(job: &Job, arrays: &[&Buf]) -> Answer {
    let mut a = Arrays { it: arrays.iter() };
    match *job {
        Job::Relative {
            n,
            d,
            k,
            similarity,
            centred,
        } => relative(&mut a, (n, d, k), similarity, centred),
        Job::Project { n, d, k } => {
            let rows = view(a.f32s(n * d, "rows")?, n, d)?;
            let mean = a.f64s(Some(d), "project: the means")?;
            let basis = a.f64s(Some(k * d), "project: the basis")?;
            Ok(vec![Buf::F32(project(rows, mean, basis, k))])
        }
        Job::CentredGram { n, d } => {
            let rows = view(a.f32s(n * d, "rows")?, n, d)?;
            let mean = a.f64s(Some(d), "gram: the column means")?;
            Ok(vec![Buf::F64(gram_share(rows, mean))])
        }
        Job::CentredCross {
            n,
            dx,
            dy,
            f64_products,
            gram,
        } => centred_cross_share(&mut a, (n, dx, dy), f64_products, gram),
        Job::RetrievalCounts { n, d, rows, both } => {
            let x = view(a.f32s(n * d, "x")?, n, d)?;
            let y = view(a.f32s(n * d, "y")?, n, d)?;
            let rows = rows.0..rows.1;
            if both {
                let (xb, yb) = retrieval_counts(x, y, rows)?;
                Ok(vec![Buf::U32(xb), Buf::U32(yb)])
            } else {
                Ok(vec![Buf::U32(retrieval_counts_x_to_y(x, y, rows)?)])
            }
        }
        Job::KnnCandidates {
            n,
            d,
            k,
            metric,
            tiles,
        } => {
            let rows = view(a.f32s(n * d, "rows")?, n, d)?;
            let c = knn_candidates(rows, k, metric, tiles.0..tiles.1)?;
            let (_, scores, indices) = c.into_parts();
            Ok(vec![Buf::F32(scores), Buf::U32(indices)])
        }
        Job::KnnSettle {
            n,
            d,
            k,
            metric,
            rows,
            quant_eps,
        } => knn_settle_share(&mut a, (n, d, k), metric, rows, quant_eps),
        Job::Subsamples {
            m,
            mr,
            d,
            threshold,
        } => {
            if m < 2 || mr < 3 || threshold <= 0.0 {
                return Err(job_error(format!(
                    "subsamples: {m} and {mr} items, threshold {threshold}"
                )));
            }
            let rbf = view(a.f32s(m * d, "RBF rows")?, m, d)?;
            let rsa = view(a.f32s(mr * d, "RSA rows")?, mr, d)?;
            let (gram, ranks) = subsample_parts(rbf, rsa, threshold);
            Ok(vec![Buf::F64(gram), Buf::F64(ranks)])
        }
    }
}

fn view(data: &[f32], n: usize, d: usize) -> Result<MatView<'_>, EngineError> {
    Ok(MatView::new(data, n, d)?)
}

/// [`Job::Relative`].
fn relative(
    a: &mut Arrays<'_>,
    (n, d, k): (usize, usize, usize),
    similarity: Similarity,
    centred: bool,
) -> Answer {
    let rows = view(a.f32s(n * d, "rows")?, n, d)?;
    let anchors = a.f32s(k * d, "anchors")?;
    let means = if centred {
        Some(a.f64s(None, "relative: the column means")?.to_vec())
    } else {
        None
    };
    let anchors = Matrix {
        data: anchors.to_vec(),
        n: k,
        d,
    };
    let basis = RelativeBasis::from_parts(similarity, means, anchors)?;
    Ok(vec![Buf::F32(basis.transform(rows)?.data)])
}

/// [`Job::CentredCross`].
fn centred_cross_share(
    a: &mut Arrays<'_>,
    (n, dx, dy): (usize, usize, usize),
    f64_products: bool,
    gram: bool,
) -> Answer {
    if gram && dx != dy {
        return Err(job_error("cross: a Gram of two widths".into()));
    }
    let x = view(a.f32s(n * dx, "x")?, n, dx)?;
    let y = if gram {
        x
    } else {
        view(a.f32s(n * dy, "y")?, n, dy)?
    };
    let mx = a.f64s(Some(dx), "cross: X's column means")?;
    let my = if gram {
        mx
    } else {
        a.f64s(Some(dy), "cross: Y's column means")?
    };
    let precision = cross_precision(f64_products);
    Ok(vec![Buf::F64(centred_cross(x, mx, y, my, precision))])
}

/// [`Job::KnnSettle`].
fn knn_settle_share(
    a: &mut Arrays<'_>,
    (n, d, k): (usize, usize, usize),
    metric: Metric,
    rows: (usize, usize),
    quant_eps: Option<f64>,
) -> Answer {
    let x = view(a.f32s(n * d, "rows")?, n, d)?;
    let scores = match a.it.next() {
        Some(Buf::F32(v)) => v,
        _ => return Err(job_error("settle: the candidate lists are missing".into())),
    };
    let indices = a.u32s("settle: the candidate lists")?;
    let m = rows.1.saturating_sub(rows.0);
    if m == 0 {
        return Ok(vec![Buf::U32(Vec::new()), Buf::F64(Vec::new())]);
    }
    let cap = scores.len() / m;
    let lists =
        Candidates::from_parts(cap, scores.clone(), indices.to_vec()).with_quant_eps(quant_eps);
    let got = knn_settle(x, k, metric, &lists, rows.0..rows.1)?;
    Ok(vec![Buf::U32(got.indices), Buf::F64(got.scores)])
}

/// One space's part of the subsample metrics from its gathered subsamples (every row used).
pub fn subsample_parts(rbf: MatView<'_>, rsa: MatView<'_>, threshold: f64) -> (Vec<f64>, Vec<f64>) {
    let all = |n: usize| (0..n).collect::<Vec<_>>();
    (
        rbf_centred_gram(rbf, &all(rbf.n()), threshold),
        rdm_ranks(rsa, &all(rsa.n())),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(job: &Job, arrays: Vec<Buf>) -> Answer {
        execute(job, &arrays.iter().collect::<Vec<_>>())
    }

    #[test]
    fn bad_jobs_are_errors() {
        let job = Job::Relative {
            n: 2,
            d: 2,
            k: 1,
            similarity: Similarity::Cosine,
            centred: false,
        };
        assert!(run(&job, vec![Buf::F32(vec![1.0; 3])]).is_err());
        assert!(run(&job, vec![Buf::F32(vec![1.0; 4])]).is_err());
        // The anchors arrive as the basis holds them: unit rows for cosine.
        let rows = Buf::F32(vec![3.0, 4.0, -3.0, -4.0]);
        let ok = run(&job, vec![rows, Buf::F32(vec![0.6, 0.8])]);
        assert_eq!(ok, Ok(vec![Buf::F32(vec![1.0, -1.0])]));
        let knn_job = Job::KnnCandidates {
            n: 3,
            d: 1,
            k: 1,
            metric: Metric::Cosine,
            tiles: (0, 9),
        };
        assert!(run(&knn_job, vec![Buf::F32(vec![1.0; 3])]).is_err());
        let sub = |m, mr| Job::Subsamples {
            m,
            mr,
            d: 1,
            threshold: 0.5,
        };
        let rows = |n| Buf::F32((0..n).map(|i| i as f32).collect());
        assert!(run(&sub(0, 0), vec![rows(0), rows(0)]).is_err());
        assert!(run(&sub(2, 3), vec![rows(2), rows(2)]).is_err());
        assert!(run(&sub(2, 3), vec![rows(2), rows(3)]).is_ok());
        let project = Job::Project { n: 1, d: 2, k: 1 };
        let (row, mean) = (Buf::F32(vec![3.0, 5.0]), Buf::F64(vec![1.0, 1.0]));
        let basis = Buf::F64(vec![0.5, -1.0]);
        let ok = run(&project, vec![row.clone(), mean.clone(), basis.clone()]);
        assert_eq!(ok, Ok(vec![Buf::F32(vec![-3.0])]));
        assert!(run(&project, vec![row.clone(), mean.clone()]).is_err());
        assert!(run(&project, vec![row, mean, Buf::F64(vec![0.5])]).is_err());
        // A settle of rows 0..1 of three: its lists are checked; empty rows answer nothing.
        let settle = |rows| Job::KnnSettle {
            n: 3,
            d: 1,
            k: 1,
            metric: Metric::Cosine,
            rows,
            quant_eps: None,
        };
        let x = Buf::F32(vec![1.0, 2.0, -1.0]);
        let lists = |i: u32| vec![x.clone(), Buf::F32(vec![1.0; 2]), Buf::U32(vec![i, 2])];
        assert!(run(&settle((0, 1)), vec![x.clone()]).is_err());
        assert!(run(&settle((0, 1)), lists(7)).is_err());
        let ok = run(&settle((0, 1)), lists(1));
        assert_eq!(ok, Ok(vec![Buf::U32(vec![1]), Buf::F64(vec![1.0])]));
        let empty = vec![x.clone(), Buf::F32(vec![]), Buf::U32(vec![])];
        let none = run(&settle((1, 1)), empty);
        assert_eq!(none, Ok(vec![Buf::U32(vec![]), Buf::F64(vec![])]));
        // A Gram's share (rows sent once) answers what the cross product of the rows with
        // themselves does; its arrays and widths are checked.
        let cross = |dy: usize, gram: bool| Job::CentredCross {
            n: 2,
            dx: 2,
            dy,
            f64_products: true,
            gram,
        };
        let (rows, mean) = (Buf::F32(vec![1.0, 2.0, 3.0, 5.0]), Buf::F64(vec![2.0, 3.5]));
        let pair = vec![rows.clone(), rows.clone(), mean.clone(), mean.clone()];
        let both = run(&cross(2, false), pair);
        let once = run(&cross(2, true), vec![rows.clone(), mean.clone()]);
        assert_eq!(once, Ok(vec![Buf::F64(vec![2.0, 3.0, 3.0, 4.5])]));
        assert_eq!(once, both);
        assert!(run(&cross(2, true), vec![rows.clone()]).is_err());
        assert!(run(&cross(1, true), vec![rows, mean]).is_err());
    }
}
