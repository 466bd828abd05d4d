//! The jobs a helper worker runs (one share of a kernel, with its arrays) and the `Helpers` trait
//! through which the coordinator hands them out (`shares.rs` cuts the kernels; `pool.rs` is the
//! browser's implementation). Pure Rust: tested natively with helpers that run each job on the spot.

use futures_channel::oneshot;
use rosetta_core::cka::rbf_centred_gram;
use rosetta_core::knn::{knn_candidates, knn_settle, Candidates};
use rosetta_core::linalg::{centred_cross, project, Precision};
use rosetta_core::pca::gram_share;
use rosetta_core::relative::{RelativeBasis, Similarity};
use rosetta_core::retrieval::{retrieval_counts, retrieval_counts_x_to_y};
use rosetta_core::rsa::rdm_ranks;
use rosetta_core::{MatView, Matrix, Metric};
use serde::{Deserialize, Serialize};

pub use super::kept::Key;

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
        similarity: String,
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
        cosine: bool,
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
        cosine: bool,
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

/// An array sent to or received from a helper.
#[derive(Debug, Clone, PartialEq)]
pub enum Buf {
    F32(Vec<f32>),
    F64(Vec<f64>),
    U32(Vec<u32>),
}

/// An array to send (copied when submitted).
#[derive(Debug, Clone, Copy)]
pub enum BufRef<'a> {
    F32(&'a [f32]),
    F64(&'a [f64]),
    U32(&'a [u32]),
    /// Rows that helpers keep under the key once sent (see `kept.rs`): a later job naming the
    /// key sends nothing to a helper that keeps them.
    Kept(Key, &'a [f32]),
}

impl BufRef<'_> {
    pub fn to_owned_buf(self) -> Buf {
        match self {
            Self::F32(v) | Self::Kept(_, v) => Buf::F32(v.to_vec()),
            Self::F64(v) => Buf::F64(v.to_vec()),
            Self::U32(v) => Buf::U32(v.to_vec()),
        }
    }

    /// Bytes this array sends (at most: a kept one may send nothing).
    pub fn byte_len(self) -> usize {
        match self {
            Self::F32(v) | Self::Kept(_, v) => v.len() * 4,
            Self::F64(v) => v.len() * 8,
            Self::U32(v) => v.len() * 4,
        }
    }

    /// The key of a kept array.
    pub fn key(self) -> Option<Key> {
        match self {
            Self::Kept(key, _) => Some(key),
            _ => None,
        }
    }
}

/// `BufRef::Kept(key, rows)` with a key, else `BufRef::F32(rows)`.
pub fn kept_or_sent(key: Option<Key>, rows: &[f32]) -> BufRef<'_> {
    match key {
        Some(key) => BufRef::Kept(key, rows),
        None => BufRef::F32(rows),
    }
}

/// A helper's answer: its arrays, or why it failed.
pub type Answer = Result<Vec<Buf>, String>;

/// Workers that run jobs beside this one.
pub trait Helpers {
    /// How many helpers take shares of a kernel of about `work` multiply-adds that sends about
    /// `bytes_per_helper` to each (0: everything runs here; a pool may keep small kernels to
    /// itself, and use fewer helpers than its width where their copies would not fit in memory).
    fn count(&self, work: f64, bytes_per_helper: usize) -> usize;
    /// Start `job` on helper `h` (< `count()`); the arrays are copied before this returns.
    fn submit(&self, h: usize, job: &Job, arrays: &[BufRef<'_>]) -> oneshot::Receiver<Answer>;
    /// Called once a kernel is joined, with the largest share sent to one helper: a pool may let
    /// helpers go that now hold much memory.
    fn done(&self, _bytes_per_helper: usize) {}
    /// While a helper is still starting: a signal that all have started (or the pool gave up).
    /// The coordinator waits for it before computing its own share: a share computed first would
    /// hold the thread, so a starting helper's "ready" (and its job) would wait until after it.
    fn until_started(&self) -> Option<oneshot::Receiver<()>> {
        None
    }
    /// A new key for rows that several kernels send ([`BufRef::Kept`]); `None`: this pool keeps
    /// nothing (every array is sent with its job).
    fn key(&self) -> Option<Key> {
        None
    }
    /// Helpers drop the rows they keep under `keys`.
    fn forget(&self, _keys: &[Key]) {}
}

/// Keys whose rows the helpers drop when this goes (at the end of a comparison, or as it stops
/// early with an error or a cancel).
pub struct Forgetting<'h, H: Helpers> {
    helpers: &'h H,
    keys: Vec<Key>,
}

impl<'h, H: Helpers> Forgetting<'h, H> {
    pub fn new(helpers: &'h H) -> Self {
        Self {
            helpers,
            keys: Vec::new(),
        }
    }

    /// A new key (None when the pool keeps nothing), forgotten by `forget_now` or on drop.
    pub fn key(&mut self) -> Option<Key> {
        let key = self.helpers.key()?;
        self.keys.push(key);
        Some(key)
    }

    /// The helpers drop every key handed out so far.
    pub fn forget_now(&mut self) {
        if !self.keys.is_empty() {
            self.helpers.forget(&self.keys);
            self.keys.clear();
        }
    }
}

impl<H: Helpers> Drop for Forgetting<'_, H> {
    fn drop(&mut self) {
        self.forget_now();
    }
}

/// Run one job (in a helper) on its arrays (borrowed: some are kept between jobs,
/// [`super::kept::Keeper`]). Errors name the problem; they never panic.
pub fn execute(job: &Job, arrays: &[&Buf]) -> Answer {
    let mut it = arrays.iter().copied();
    match job {
        Job::Relative {
            n,
            d,
            k,
            similarity,
            centred,
        } => {
            let rows = f32s(it.next(), n * d, "rows")?;
            let anchors = f32s(it.next(), k * d, "anchors")?;
            let means = if *centred {
                match it.next() {
                    Some(Buf::F64(m)) => Some(m.clone()),
                    _ => return Err("relative: the column means are missing".into()),
                }
            } else {
                None
            };
            let similarity = Similarity::parse(similarity)
                .ok_or_else(|| format!("relative: unknown similarity '{similarity}'"))?;
            let anchors = Matrix {
                data: anchors.to_vec(),
                n: *k,
                d: *d,
            };
            let basis =
                RelativeBasis::from_parts(similarity, means, anchors).map_err(|e| e.to_string())?;
            let view = MatView::new(rows, *n, *d).map_err(|e| e.to_string())?;
            let out = basis.transform(view).map_err(|e| e.to_string())?;
            Ok(vec![Buf::F32(out.data)])
        }
        Job::Project { n, d, k } => {
            let rows = f32s(it.next(), n * d, "rows")?;
            let (Some(Buf::F64(mean)), Some(Buf::F64(basis))) = (it.next(), it.next()) else {
                return Err("project: the means or the basis are missing".into());
            };
            if mean.len() != *d || basis.len() != k * d {
                return Err("project: means or basis of the wrong length".into());
            }
            let view = MatView::new(rows, *n, *d).map_err(|e| e.to_string())?;
            Ok(vec![Buf::F32(project(view, mean, basis, *k))])
        }
        Job::CentredGram { n, d } => {
            let rows = f32s(it.next(), n * d, "rows")?;
            let mean = match it.next() {
                Some(Buf::F64(m)) if m.len() == *d => m,
                _ => return Err("gram: the column means are missing".into()),
            };
            let view = MatView::new(rows, *n, *d).map_err(|e| e.to_string())?;
            Ok(vec![Buf::F64(gram_share(view, mean))])
        }
        Job::CentredCross {
            n,
            dx,
            dy,
            f64_products,
            gram,
        } => {
            if *gram && dx != dy {
                return Err("cross: a Gram of two widths".into());
            }
            let x = f32s(it.next(), n * dx, "x")?;
            let y = if *gram {
                &[][..]
            } else {
                f32s(it.next(), n * dy, "y")?
            };
            let mx = match it.next() {
                Some(Buf::F64(m)) if m.len() == *dx => m,
                _ => {
                    return Err("cross: X's column means are missing or of the wrong length".into())
                }
            };
            let my = if *gram {
                &[][..]
            } else {
                match it.next() {
                    Some(Buf::F64(m)) if m.len() == *dy => m,
                    _ => {
                        return Err(
                            "cross: Y's column means are missing or of the wrong length".into()
                        )
                    }
                }
            };
            let vx = MatView::new(x, *n, *dx).map_err(|e| e.to_string())?;
            let precision = cross_precision(*f64_products);
            let cross = if *gram {
                centred_cross(vx, mx, vx, mx, precision)
            } else {
                let vy = MatView::new(y, *n, *dy).map_err(|e| e.to_string())?;
                centred_cross(vx, mx, vy, my, precision)
            };
            Ok(vec![Buf::F64(cross)])
        }
        Job::RetrievalCounts { n, d, rows, both } => {
            let x = f32s(it.next(), n * d, "x")?;
            let y = f32s(it.next(), n * d, "y")?;
            let vx = MatView::new(x, *n, *d).map_err(|e| e.to_string())?;
            let vy = MatView::new(y, *n, *d).map_err(|e| e.to_string())?;
            let rows = rows.0..rows.1;
            if *both {
                let (xb, yb) = retrieval_counts(vx, vy, rows).map_err(|e| e.to_string())?;
                Ok(vec![Buf::U32(xb), Buf::U32(yb)])
            } else {
                let xb = retrieval_counts_x_to_y(vx, vy, rows).map_err(|e| e.to_string())?;
                Ok(vec![Buf::U32(xb)])
            }
        }
        Job::KnnCandidates {
            n,
            d,
            k,
            cosine,
            tiles,
        } => {
            let rows = f32s(it.next(), n * d, "rows")?;
            let view = MatView::new(rows, *n, *d).map_err(|e| e.to_string())?;
            let c = knn_candidates(view, *k, metric(*cosine), tiles.0..tiles.1)
                .map_err(|e| e.to_string())?;
            let (_, scores, indices) = c.into_parts();
            Ok(vec![Buf::F32(scores), Buf::U32(indices)])
        }
        Job::KnnSettle {
            n,
            d,
            k,
            cosine,
            rows,
            quant_eps,
        } => {
            let x = f32s(it.next(), n * d, "rows")?;
            let view = MatView::new(x, *n, *d).map_err(|e| e.to_string())?;
            let (Some(Buf::F32(scores)), Some(Buf::U32(indices))) = (it.next(), it.next()) else {
                return Err("settle: the candidate lists are missing".into());
            };
            let m = rows.1.saturating_sub(rows.0);
            if m == 0 {
                return Ok(vec![Buf::U32(Vec::new()), Buf::F64(Vec::new())]);
            }
            let cap = scores.len() / m;
            let lists = Candidates::from_parts(cap, scores.clone(), indices.clone())
                .with_quant_eps(*quant_eps);
            let got = knn_settle(view, *k, metric(*cosine), &lists, rows.0..rows.1)
                .map_err(|e| e.to_string())?;
            Ok(vec![Buf::U32(got.indices), Buf::F64(got.scores)])
        }
        Job::Subsamples {
            m,
            mr,
            d,
            threshold,
        } => {
            if *m < 2 || *mr < 3 || *threshold <= 0.0 {
                return Err(format!(
                    "subsamples: {m} and {mr} items, threshold {threshold}"
                ));
            }
            let rbf = f32s(it.next(), m * d, "RBF rows")?;
            let rsa = f32s(it.next(), mr * d, "RSA rows")?;
            let rbf = MatView::new(rbf, *m, *d).map_err(|e| e.to_string())?;
            let rsa = MatView::new(rsa, *mr, *d).map_err(|e| e.to_string())?;
            let (gram, ranks) = subsample_parts(rbf, rsa, *threshold);
            Ok(vec![Buf::F64(gram), Buf::F64(ranks)])
        }
    }
}

/// One space's part of the subsample metrics from its gathered subsamples (every row used).
pub fn subsample_parts(rbf: MatView<'_>, rsa: MatView<'_>, threshold: f64) -> (Vec<f64>, Vec<f64>) {
    let all = |n: usize| (0..n).collect::<Vec<_>>();
    (
        rbf_centred_gram(rbf, &all(rbf.n()), threshold),
        rdm_ranks(rsa, &all(rsa.n())),
    )
}

fn f32s<'a>(buf: Option<&'a Buf>, len: usize, what: &str) -> Result<&'a [f32], String> {
    match buf {
        Some(Buf::F32(v)) if v.len() == len => Ok(v),
        Some(Buf::F32(v)) => Err(format!("{what}: {} values, expected {len}", v.len())),
        _ => Err(format!("{what}: missing")),
    }
}

fn metric(cosine: bool) -> Metric {
    if cosine {
        Metric::Cosine
    } else {
        Metric::Euclidean
    }
}

/// Helpers for native tests (in their own file).
#[cfg(test)]
#[path = "jobs_testing.rs"]
pub(crate) mod testing;

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
            similarity: "cosine".into(),
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
            cosine: true,
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
            cosine: true,
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
