//! Row-block jobs for a pool of helper workers, and the code that splits a kernel among them.
//!
//! The worker that holds the data (the coordinator) cuts a kernel into shares, sends all but one
//! to helpers (`Helpers::submit`: the arrays are copied, no SharedArrayBuffer), computes its own
//! share meanwhile, then joins the answers. A share whose helper fails is computed here instead,
//! so a job never depends on a helper being alive. Pure Rust: tested natively with helpers that
//! run each job on the spot; `pool.rs` is the browser's implementation.

use std::ops::Range;

use futures_channel::oneshot;
use rosetta_core::knn::{knn_candidates, knn_merge, knn_tiles, Candidates};
use rosetta_core::linalg::BLOCK_ROWS;
use rosetta_core::pca::gram_share;
use rosetta_core::relative::{RelativeBasis, Similarity};
use rosetta_core::retrieval::{retrieval_counts, Retrieval};
use rosetta_core::{MatView, Matrix, Metric, Neighbors, Pca, PcaParams};
use serde::{Deserialize, Serialize};

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
    /// Arrays: rows (n × d f32), column means (d f64). Answers the rows' centred Gram matrix
    /// (d × d f64): one share of the PCA covariance.
    CentredGram { n: usize, d: usize },
    /// Arrays: every row of X and of Y (n × d f32 each). Answers the retrieval counts of query
    /// rows `rows.0..rows.1` (x→y: one per row, u32) and their share of y→x (n u32).
    RetrievalCounts {
        n: usize,
        d: usize,
        rows: (usize, usize),
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
}

impl BufRef<'_> {
    pub fn to_owned_buf(self) -> Buf {
        match self {
            Self::F32(v) => Buf::F32(v.to_vec()),
            Self::F64(v) => Buf::F64(v.to_vec()),
        }
    }

    pub fn byte_len(self) -> usize {
        match self {
            Self::F32(v) => v.len() * 4,
            Self::F64(v) => v.len() * 8,
        }
    }
}

/// A helper's answer: its arrays, or why it failed.
pub type Answer = Result<Vec<Buf>, String>;

/// Workers that run jobs beside this one.
pub trait Helpers {
    /// How many helpers take shares of a kernel of about `work` multiply-adds (0: everything
    /// runs here; a pool may keep small kernels to itself).
    fn count(&self, work: f64) -> usize;
    /// Start `job` on helper `h` (< `count()`); the arrays are copied before this returns.
    fn submit(&self, h: usize, job: &Job, arrays: &[BufRef<'_>]) -> oneshot::Receiver<Answer>;
    /// Called once a kernel is joined, with the largest share sent to one helper: a pool may let
    /// helpers go that now hold much memory.
    fn done(&self, _bytes_per_helper: usize) {}
}

/// Run one job (in a helper). Errors name the problem; they never panic.
pub fn execute(job: &Job, arrays: Vec<Buf>) -> Answer {
    let mut it = arrays.into_iter();
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
                    Some(Buf::F64(m)) => Some(m),
                    _ => return Err("relative: the column means are missing".into()),
                }
            } else {
                None
            };
            let similarity = Similarity::parse(similarity)
                .ok_or_else(|| format!("relative: unknown similarity '{similarity}'"))?;
            let anchors = Matrix {
                data: anchors,
                n: *k,
                d: *d,
            };
            let basis =
                RelativeBasis::from_parts(similarity, means, anchors).map_err(|e| e.to_string())?;
            let view = MatView::new(&rows, *n, *d).map_err(|e| e.to_string())?;
            let out = basis.transform(view).map_err(|e| e.to_string())?;
            Ok(vec![Buf::F32(out.data)])
        }
        Job::CentredGram { n, d } => {
            let rows = f32s(it.next(), n * d, "rows")?;
            let mean = match it.next() {
                Some(Buf::F64(m)) if m.len() == *d => m,
                _ => return Err("gram: the column means are missing".into()),
            };
            let view = MatView::new(&rows, *n, *d).map_err(|e| e.to_string())?;
            Ok(vec![Buf::F64(gram_share(view, &mean))])
        }
        Job::RetrievalCounts { n, d, rows } => {
            let x = f32s(it.next(), n * d, "x")?;
            let y = f32s(it.next(), n * d, "y")?;
            let vx = MatView::new(&x, *n, *d).map_err(|e| e.to_string())?;
            let vy = MatView::new(&y, *n, *d).map_err(|e| e.to_string())?;
            let (xb, yb) = retrieval_counts(vx, vy, rows.0..rows.1).map_err(|e| e.to_string())?;
            Ok(vec![Buf::U32(xb), Buf::U32(yb)])
        }
        Job::KnnCandidates {
            n,
            d,
            k,
            cosine,
            tiles,
        } => {
            let rows = f32s(it.next(), n * d, "rows")?;
            let view = MatView::new(&rows, *n, *d).map_err(|e| e.to_string())?;
            let c = knn_candidates(view, *k, metric(*cosine), tiles.0..tiles.1)
                .map_err(|e| e.to_string())?;
            let (_, scores, indices) = c.into_parts();
            Ok(vec![Buf::F32(scores), Buf::U32(indices)])
        }
    }
}

fn f32s(buf: Option<Buf>, len: usize, what: &str) -> Result<Vec<f32>, String> {
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

/// `0..n` cut into `parts` ranges whose lengths differ by at most one.
pub fn split(n: usize, parts: usize) -> Vec<Range<usize>> {
    let parts = parts.max(1);
    (0..parts)
        .map(|p| n * p / parts..n * (p + 1) / parts)
        .collect()
}

/// `0..n` cut into `parts` ranges at multiples of `align` (the last takes the rest): shares of a
/// blocked kernel that sum the same blocks as one pass.
pub fn split_aligned(n: usize, parts: usize, align: usize) -> Vec<Range<usize>> {
    let blocks = n.div_ceil(align.max(1));
    split(blocks, parts)
        .into_iter()
        .map(|b| (b.start * align).min(n)..(b.end * align).min(n))
        .collect()
}

/// Multiply-adds of `knn` on N × D (half the N² products, by symmetry).
pub fn knn_work(n: usize, d: usize) -> f64 {
    n as f64 * n as f64 * d as f64 / 2.0
}

/// `params.fit(x)` with the covariance path's Gram matrix summed over row shares computed by this
/// worker and the helpers (shares end on the Gram's block boundaries, so the f32 block products
/// are those of one pass; only the order of their f64 sum differs). Other solvers run here.
pub async fn pca_fit(
    helpers: &impl Helpers,
    x: MatView<'_>,
    params: PcaParams,
    on_share: impl Fn(usize, usize),
) -> Result<Pca, String> {
    let Some(plan) = params.covariance_plan(x).map_err(|e| e.to_string())? else {
        return params.fit(x).map_err(|e| e.to_string());
    };
    let (n, d) = (x.n(), x.d());
    let work = n as f64 * (d * d) as f64 / 2.0;
    let shares = split_aligned(n, helpers.count(work) + 1, BLOCK_ROWS);
    let mut sent = 0;
    let mut waiting = Vec::new();
    for (h, rows) in shares[1..].iter().enumerate() {
        let arrays = [
            BufRef::F32(x.rows(rows.start, rows.end).data()),
            BufRef::F64(&plan.mean),
        ];
        sent = sent.max(arrays.iter().map(|a| a.byte_len()).sum::<usize>());
        let job = Job::CentredGram { n: rows.len(), d };
        waiting.push((rows.clone(), helpers.submit(h, &job, &arrays)));
    }
    let own = &shares[0];
    let mut gram = gram_share(x.rows(own.start, own.end), &plan.mean);
    on_share(1, shares.len());
    for (i, (rows, answer)) in waiting.into_iter().enumerate() {
        let part = match answer.await {
            Ok(Ok(mut bufs)) => match bufs.pop() {
                Some(Buf::F64(g)) if bufs.is_empty() && g.len() == d * d => Some(g),
                _ => None,
            },
            _ => None,
        };
        let part = part.unwrap_or_else(|| gram_share(x.rows(rows.start, rows.end), &plan.mean));
        gram.iter_mut().zip(&part).for_each(|(g, p)| *g += p);
        on_share(i + 2, shares.len());
    }
    helpers.done(sent);
    params
        .fit_from_gram(x, plan, &gram)
        .map_err(|e| e.to_string())
}

/// `basis.transform(x)` with the rows split among this worker and the helpers.
/// `on_share(done, total)` reports each finished share.
pub async fn relative_rows(
    helpers: &impl Helpers,
    x: MatView<'_>,
    basis: &RelativeBasis,
    on_share: impl Fn(usize, usize),
) -> Result<Matrix, String> {
    let (n, d, k) = (x.n(), x.d(), basis.k());
    let work = n as f64 * d as f64 * k as f64;
    let shares = split(n, helpers.count(work) + 1);
    let (similarity, means, anchors) = basis.parts();
    let mut sent = 0;
    let mut waiting = Vec::new();
    for (h, rows) in shares[1..].iter().enumerate() {
        let job = Job::Relative {
            n: rows.len(),
            d,
            k,
            similarity: similarity.name().to_owned(),
            centred: means.is_some(),
        };
        let mut arrays = vec![
            BufRef::F32(x.rows(rows.start, rows.end).data()),
            BufRef::F32(&anchors.data),
        ];
        arrays.extend(means.map(BufRef::F64));
        sent = sent.max(arrays.iter().map(|a| a.byte_len()).sum::<usize>());
        waiting.push((rows.clone(), helpers.submit(h, &job, &arrays)));
    }
    let mut out = vec![0.0f32; n * k];
    let own = &shares[0];
    let rel = basis
        .transform(x.rows(own.start, own.end))
        .map_err(|e| e.to_string())?;
    out[own.start * k..own.end * k].copy_from_slice(&rel.data);
    on_share(1, shares.len());
    for (i, (rows, answer)) in waiting.into_iter().enumerate() {
        let part = match answer.await {
            Ok(Ok(mut bufs)) => match bufs.pop() {
                Some(Buf::F32(v)) if bufs.is_empty() && v.len() == rows.len() * k => Some(v),
                _ => None,
            },
            _ => None,
        };
        let part = match part {
            Some(v) => v,
            None => {
                basis
                    .transform(x.rows(rows.start, rows.end))
                    .map_err(|e| e.to_string())?
                    .data
            }
        };
        out[rows.start * k..rows.end * k].copy_from_slice(&part);
        on_share(i + 2, shares.len());
    }
    helpers.done(sent);
    Ok(Matrix { data: out, n, d: k })
}

/// `retrieval(x, y)` with the query rows split among this worker and the helpers (each helper gets
/// both spaces; the y→x counts of the shares add up).
pub async fn retrieval_rows(
    helpers: &impl Helpers,
    x: MatView<'_>,
    y: MatView<'_>,
) -> Result<Retrieval, String> {
    let (n, d) = (x.n(), x.d());
    let work = n as f64 * n as f64 * d as f64;
    let shares = split(n, helpers.count(work) + 1);
    let mut waiting = Vec::new();
    for (h, rows) in shares[1..].iter().enumerate() {
        let job = Job::RetrievalCounts {
            n,
            d,
            rows: (rows.start, rows.end),
        };
        let arrays = [BufRef::F32(x.data()), BufRef::F32(y.data())];
        waiting.push((rows.clone(), helpers.submit(h, &job, &arrays)));
    }
    let (mut x_better, mut y_better) =
        retrieval_counts(x, y, shares[0].clone()).map_err(|e| e.to_string())?;
    for (rows, answer) in waiting {
        let part = match answer.await {
            Ok(Ok(bufs)) => match <[Buf; 2]>::try_from(bufs) {
                Ok([Buf::U32(xb), Buf::U32(yb)]) if xb.len() == rows.len() && yb.len() == n => {
                    Some((xb, yb))
                }
                _ => None,
            },
            _ => None,
        };
        let (xb, yb) = match part {
            Some(p) => p,
            None => retrieval_counts(x, y, rows).map_err(|e| e.to_string())?,
        };
        x_better.extend(xb);
        y_better.iter_mut().zip(yb).for_each(|(t, v)| *t += v);
    }
    helpers.done(if shares.len() > 1 {
        8 * x.data().len()
    } else {
        0
    });
    Ok(Retrieval::from_counts(x_better, y_better))
}

/// `knn(x, k, metric)` with the score tiles split among this worker and the helpers (each helper
/// gets every row; the candidate lists are joined and settled exactly here).
pub async fn knn_rows(
    helpers: &impl Helpers,
    x: MatView<'_>,
    k: usize,
    metric: Metric,
    on_share: impl Fn(usize, usize),
) -> Result<Neighbors, String> {
    let (n, d) = (x.n(), x.d());
    let shares = split(knn_tiles(n), helpers.count(knn_work(n, d)) + 1);
    let mut waiting = Vec::new();
    for (h, tiles) in shares[1..].iter().enumerate() {
        let job = Job::KnnCandidates {
            n,
            d,
            k,
            cosine: metric == Metric::Cosine,
            tiles: (tiles.start, tiles.end),
        };
        waiting.push((
            tiles.clone(),
            helpers.submit(h, &job, &[BufRef::F32(x.data())]),
        ));
    }
    let mut parts =
        vec![knn_candidates(x, k, metric, shares[0].clone()).map_err(|e| e.to_string())?];
    on_share(1, shares.len());
    for (i, (tiles, answer)) in waiting.into_iter().enumerate() {
        let part = match answer.await {
            Ok(Ok(bufs)) => match <[Buf; 2]>::try_from(bufs) {
                Ok([Buf::F32(scores), Buf::U32(indices)]) => {
                    Some(Candidates::from_parts(parts[0].cap(), scores, indices))
                }
                _ => None,
            },
            _ => None,
        };
        let part = match part {
            Some(p) => p,
            None => knn_candidates(x, k, metric, tiles).map_err(|e| e.to_string())?,
        };
        parts.push(part);
        on_share(i + 2, shares.len());
    }
    helpers.done(if shares.len() > 1 {
        x.data().len() * 4
    } else {
        0
    });
    knn_merge(x, k, metric, &parts).map_err(|e| e.to_string())
}

/// Helpers for native tests: they run each job on the spot.
#[cfg(test)]
pub(crate) mod testing {
    use std::cell::Cell;
    use std::future::Future;
    use std::pin::pin;
    use std::task::{Context, Poll, Waker};

    use super::*;

    /// Helpers that run each job on the spot; `broken` ones answer with an error.
    pub(crate) struct Local {
        pub count: usize,
        pub broken: Vec<usize>,
        pub jobs: Cell<usize>,
    }

    impl Helpers for Local {
        fn count(&self, _work: f64) -> usize {
            self.count
        }

        fn submit(&self, h: usize, job: &Job, arrays: &[BufRef<'_>]) -> oneshot::Receiver<Answer> {
            let (tx, rx) = oneshot::channel();
            self.jobs.set(self.jobs.get() + 1);
            let answer = if self.broken.contains(&h) {
                Err("helper stopped".to_owned())
            } else {
                execute(job, arrays.iter().map(|a| a.to_owned_buf()).collect())
            };
            let _ = tx.send(answer);
            rx
        }
    }

    /// Every answer of `Local` is ready when asked, so one poll finishes the future.
    pub(crate) fn now<T>(f: impl Future<Output = T>) -> T {
        let mut f = pin!(f);
        match f.as_mut().poll(&mut Context::from_waker(Waker::noop())) {
            Poll::Ready(v) => v,
            Poll::Pending => panic!("a local job did not finish at once"),
        }
    }

    impl Local {
        pub(crate) fn new(count: usize) -> Self {
            Self {
                count,
                broken: Vec::new(),
                jobs: Cell::new(0),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::cell::Cell;

    use rosetta_core::knn;
    use rosetta_core::relative::RelativeParams;
    use rosetta_core::Rng;

    use super::testing::{now, Local};
    use super::*;

    fn data(n: usize, d: usize) -> Vec<f32> {
        let mut r = Rng::new(3);
        (0..n * d).map(|_| r.normal() as f32 + 0.3).collect()
    }

    #[test]
    fn split_covers_every_row_once() {
        assert_eq!(split(10, 3), vec![0..3, 3..6, 6..10]);
        assert_eq!(split(2, 4), vec![0..0, 0..1, 1..1, 1..2]);
        assert_eq!(split(5, 0), vec![0..5]);
    }

    #[test]
    fn pooled_relative_rows_equal_one_pass() {
        let (n, d) = (3000, 8);
        let x = data(n, d);
        let v = MatView::new(&x, n, d).unwrap();
        for center in [false, true] {
            let basis = RelativeParams {
                center,
                ..RelativeParams::default()
            }
            .fit(v, &[1, 2000, 7])
            .unwrap();
            let whole = basis.transform(v).unwrap();
            for (count, broken) in [(0, vec![]), (2, vec![]), (3, vec![1])] {
                let helpers = Local {
                    count,
                    broken,
                    jobs: Cell::new(0),
                };
                let shares = Cell::new(0);
                let got = now(relative_rows(&helpers, v, &basis, |_, _| {
                    shares.set(shares.get() + 1)
                }))
                .unwrap();
                assert_eq!(helpers.jobs.get(), count);
                assert_eq!(shares.get(), count + 1);
                assert_eq!((got.n, got.d), (n, 3));
                for (a, b) in got.data.iter().zip(&whole.data) {
                    assert!((a - b).abs() <= 1e-6, "{a} {b}");
                }
            }
        }
    }

    #[test]
    fn pooled_knn_equals_knn_even_when_a_helper_fails() {
        let (n, d, k) = (1800, 5, 6);
        let x = data(n, d);
        let v = MatView::new(&x, n, d).unwrap();
        for metric in [Metric::Cosine, Metric::Euclidean] {
            let whole = knn(v, k, metric).unwrap();
            for (count, broken) in [(0, vec![]), (1, vec![]), (3, vec![0, 2])] {
                let helpers = Local {
                    count,
                    broken,
                    jobs: Cell::new(0),
                };
                let got = now(knn_rows(&helpers, v, k, metric, |_, _| {})).unwrap();
                assert_eq!(got, whole, "{metric:?}, {count} helpers");
            }
        }
    }

    #[test]
    fn aligned_split_ends_on_block_boundaries() {
        assert_eq!(split_aligned(1000, 2, 256), vec![0..512, 512..1000]);
        assert_eq!(split_aligned(100, 3, 256), vec![0..0, 0..0, 0..100]);
    }

    #[test]
    fn pooled_pca_equals_fit() {
        let (n, d) = (2000, 9);
        let x = data(n, d);
        let v = MatView::new(&x, n, d).unwrap();
        let params = PcaParams::new(3);
        let whole = params.fit(v).unwrap();
        for (count, broken) in [(0, vec![]), (2, vec![]), (2, vec![0])] {
            let helpers = Local {
                count,
                broken,
                jobs: Cell::new(0),
            };
            let got = now(pca_fit(&helpers, v, params, |_, _| {})).unwrap();
            assert_eq!(helpers.jobs.get(), count);
            for (a, b) in got.components.iter().zip(&whole.components) {
                assert!((a - b).abs() < 1e-9, "{a} {b}");
            }
            for (a, b) in got.singular_values.iter().zip(&whole.singular_values) {
                assert!((a - b).abs() <= 1e-12 * b, "{a} {b}");
            }
        }
        // Wide data is not the covariance path: it runs here.
        let wide = MatView::new(&x, 9, 2000).unwrap();
        let helpers = Local::new(2);
        now(pca_fit(&helpers, wide, params, |_, _| {})).unwrap();
        assert_eq!(helpers.jobs.get(), 0);
    }

    #[test]
    fn pooled_retrieval_equals_retrieval() {
        let (n, d) = (1200, 5);
        let x = data(n, d);
        let mut r = Rng::new(9);
        let y: Vec<f32> = x.iter().map(|&v| v + r.normal() as f32).collect();
        let (vx, vy) = (
            MatView::new(&x, n, d).unwrap(),
            MatView::new(&y, n, d).unwrap(),
        );
        let whole = rosetta_core::retrieval::retrieval(vx, vy).unwrap();
        for (count, broken) in [(0, vec![]), (1, vec![]), (3, vec![1])] {
            let helpers = Local {
                count,
                broken,
                jobs: Cell::new(0),
            };
            assert_eq!(now(retrieval_rows(&helpers, vx, vy)).unwrap(), whole);
        }
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
        assert!(execute(&job, vec![Buf::F32(vec![1.0; 3])]).is_err());
        assert!(execute(&job, vec![Buf::F32(vec![1.0; 4])]).is_err());
        // The anchors arrive as the basis holds them: unit rows for cosine.
        let rows = Buf::F32(vec![3.0, 4.0, -3.0, -4.0]);
        let ok = execute(&job, vec![rows, Buf::F32(vec![0.6, 0.8])]);
        assert_eq!(ok, Ok(vec![Buf::F32(vec![1.0, -1.0])]));
        let knn_job = Job::KnnCandidates {
            n: 3,
            d: 1,
            k: 1,
            cosine: true,
            tiles: (0, 9),
        };
        assert!(execute(&knn_job, vec![Buf::F32(vec![1.0; 3])]).is_err());
    }
}
