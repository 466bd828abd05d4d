//! Kernels cut into shares: the worker that holds the data (the coordinator) sends all shares but
//! the first to helpers (`Helpers::submit`: the arrays are copied, no SharedArrayBuffer), computes
//! its own meanwhile, then joins the answers. A share whose helper fails, or answers something
//! malformed, is computed here instead, so a kernel never depends on a helper being alive.

use std::ops::Range;

use rosetta_core::knn::{knn_candidates, knn_merge, knn_tiles, Candidates};
use rosetta_core::linalg::BLOCK_ROWS;
use rosetta_core::pca::gram_share;
use rosetta_core::relative::RelativeBasis;
use rosetta_core::retrieval::{retrieval_counts, Retrieval};
use rosetta_core::{MatView, Matrix, Metric, Neighbors, Pca, PcaParams};

use super::jobs::{Buf, BufRef, Helpers, Job};

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

/// One kernel in shares: `shares[0]` here, `shares[h + 1]` on helper h. `job(share)` is a
/// helper's job and arrays, `local(share)` computes a share here (the first, and any whose helper
/// failed), `decode(share, arrays)` reads a helper's answer (`None`: malformed). The parts come
/// back in share order; `on_share(done, total)` reports each.
async fn in_shares<'a, T>(
    helpers: &impl Helpers,
    shares: &[Range<usize>],
    job: impl Fn(&Range<usize>) -> (Job, Vec<BufRef<'a>>),
    local: impl Fn(Range<usize>) -> Result<T, String>,
    decode: impl Fn(&Range<usize>, Vec<Buf>) -> Option<T>,
    on_share: impl Fn(usize, usize),
) -> Result<Vec<T>, String> {
    let mut sent = 0;
    let mut waiting = Vec::new();
    for (h, share) in shares[1..].iter().enumerate() {
        let (job, arrays) = job(share);
        sent = sent.max(arrays.iter().map(|a| a.byte_len()).sum::<usize>());
        waiting.push((share.clone(), helpers.submit(h, &job, &arrays)));
    }
    let mut parts = vec![local(shares[0].clone())?];
    on_share(1, shares.len());
    for (share, answer) in waiting {
        let part = match answer.await {
            Ok(Ok(arrays)) => decode(&share, arrays),
            _ => None,
        };
        parts.push(match part {
            Some(p) => p,
            None => local(share)?,
        });
        on_share(parts.len(), shares.len());
    }
    helpers.done(sent);
    Ok(parts)
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
    let mean = &plan.mean;
    let parts = in_shares(
        helpers,
        &shares,
        |rows| {
            let job = Job::CentredGram { n: rows.len(), d };
            let arrays = vec![
                BufRef::F32(x.rows(rows.start, rows.end).data()),
                BufRef::F64(mean),
            ];
            (job, arrays)
        },
        |rows| Ok(gram_share(x.rows(rows.start, rows.end), mean)),
        |_, arrays| match <[Buf; 1]>::try_from(arrays) {
            Ok([Buf::F64(g)]) if g.len() == d * d => Some(g),
            _ => None,
        },
        on_share,
    )
    .await?;
    let mut gram = vec![0.0f64; d * d];
    for part in parts {
        gram.iter_mut().zip(part).for_each(|(g, p)| *g += p);
    }
    params
        .fit_from_gram(x, plan, &gram)
        .map_err(|e| e.to_string())
}

/// `basis.transform(x)` with the rows split among this worker and the helpers.
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
    let parts = in_shares(
        helpers,
        &shares,
        |rows| {
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
            (job, arrays)
        },
        |rows| {
            let rel = basis.transform(x.rows(rows.start, rows.end));
            rel.map(|m| m.data).map_err(|e| e.to_string())
        },
        |rows, arrays| match <[Buf; 1]>::try_from(arrays) {
            Ok([Buf::F32(v)]) if v.len() == rows.len() * k => Some(v),
            _ => None,
        },
        on_share,
    )
    .await?;
    Ok(Matrix {
        data: parts.concat(),
        n,
        d: k,
    })
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
    let parts = in_shares(
        helpers,
        &shares,
        |rows| {
            let job = Job::RetrievalCounts {
                n,
                d,
                rows: (rows.start, rows.end),
            };
            (job, vec![BufRef::F32(x.data()), BufRef::F32(y.data())])
        },
        |rows| retrieval_counts(x, y, rows).map_err(|e| e.to_string()),
        |rows, arrays| match <[Buf; 2]>::try_from(arrays) {
            Ok([Buf::U32(xb), Buf::U32(yb)]) if xb.len() == rows.len() && yb.len() == n => {
                Some((xb, yb))
            }
            _ => None,
        },
        |_, _| {},
    )
    .await?;
    let (mut x_better, mut y_better) = (Vec::with_capacity(n), vec![0u32; n]);
    for (xb, yb) in parts {
        x_better.extend(xb);
        y_better.iter_mut().zip(yb).for_each(|(t, v)| *t += v);
    }
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
    let parts = in_shares(
        helpers,
        &shares,
        |tiles| {
            let job = Job::KnnCandidates {
                n,
                d,
                k,
                cosine: metric == Metric::Cosine,
                tiles: (tiles.start, tiles.end),
            };
            (job, vec![BufRef::F32(x.data())])
        },
        |tiles| knn_candidates(x, k, metric, tiles).map_err(|e| e.to_string()),
        // Shapes are checked by `knn_merge`, which errs rather than guess.
        |_, arrays| match <[Buf; 2]>::try_from(arrays) {
            Ok([Buf::F32(scores), Buf::U32(indices)]) if scores.len() == indices.len() => {
                let cap = scores.len() / n.max(1);
                Some(Candidates::from_parts(cap, scores, indices))
            }
            _ => None,
        },
        on_share,
    )
    .await?;
    knn_merge(x, k, metric, &parts).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use std::cell::Cell;

    use rosetta_core::knn;
    use rosetta_core::relative::RelativeParams;
    use rosetta_core::Rng;

    use super::*;
    use crate::worker::jobs::testing::{now, Local};

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
                let helpers = Local::with_broken(count, broken);
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
                let helpers = Local::with_broken(count, broken);
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
            let helpers = Local::with_broken(count, broken);
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
            let helpers = Local::with_broken(count, broken);
            assert_eq!(now(retrieval_rows(&helpers, vx, vy)).unwrap(), whole);
        }
    }
}
