//! Row- and tile-separable kernels: relative rows, retrieval counts, kNN candidate lists.

use rosetta_core::kernels::linalg::project;
use rosetta_core::projections::relative::RelativeBasis;
use rosetta_core::screens::knn::{knn_candidates, knn_join, knn_settle, knn_tiles, Candidates};
use rosetta_core::screens::retrieval::{
    retrieval_counts, retrieval_counts_x_to_y, Retrieval, RetrievalScores,
};
use rosetta_core::{MatView, Matrix, Metric, Neighbors};

use super::{bytes_of, in_shares, knn_work, split};
use crate::pool::{kept_or_sent, Buf, BufRef, Helpers, Job, Key};
use crate::EngineError;

/// `basis.transform(x)` with the rows split among this worker and the helpers.
pub async fn relative_rows(
    helpers: &impl Helpers,
    x: MatView<'_>,
    basis: &RelativeBasis,
    on_share: impl Fn(usize, usize),
) -> Result<Matrix, EngineError> {
    let (n, d, k) = (x.n(), x.d(), basis.k());
    let work = n as f64 * d as f64 * k as f64;
    // Each helper gets at most half the rows, and the anchors.
    let count = helpers.count(work, bytes_of(n.div_ceil(2) * d + k * d));
    let shares = split(n, count + 1);
    let (similarity, means, anchors) = basis.parts();
    let parts = in_shares(
        helpers,
        &shares,
        |rows| {
            let job = Job::Relative {
                n: rows.len(),
                d,
                k,
                similarity,
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
            rel.map(|m| m.data).map_err(EngineError::from)
        },
        |rows, arrays| match <[Buf; 1]>::try_from(arrays) {
            Ok([Buf::F32(v)]) if v.len() == rows.len() * k => Some(v),
            _ => None,
        },
        on_share,
    )
    .await?;
    Ok(Matrix {
        data: joined(parts, n * k),
        n,
        d: k,
    })
}

/// `linalg::project(x, mean, basis, k)` (rows centred by `mean`, times the k × d `basis`) with
/// the rows split among this worker and the helpers: Procrustes' aligned rows.
pub async fn project_rows(
    helpers: &impl Helpers,
    x: MatView<'_>,
    mean: &[f64],
    basis: &[f64],
    k: usize,
) -> Result<Matrix, EngineError> {
    let (n, d) = (x.n(), x.d());
    let work = n as f64 * d as f64 * k as f64;
    let count = helpers.count(work, bytes_of(n.div_ceil(2) * d + 2 * k * d));
    let parts = in_shares(
        helpers,
        &split(n, count + 1),
        |rows| {
            let job = Job::Project {
                n: rows.len(),
                d,
                k,
            };
            let arrays = vec![
                BufRef::F32(x.rows(rows.start, rows.end).data()),
                BufRef::F64(mean),
                BufRef::F64(basis),
            ];
            (job, arrays)
        },
        |rows| Ok(project(x.rows(rows.start, rows.end), mean, basis, k)),
        |rows, arrays| match <[Buf; 1]>::try_from(arrays) {
            Ok([Buf::F32(v)]) if v.len() == rows.len() * k => Some(v),
            _ => None,
        },
        |_, _| {},
    )
    .await?;
    Ok(Matrix {
        data: joined(parts, n * k),
        n,
        d: k,
    })
}

/// The parts of a row-split kernel in order: the own share (the first) extended in place rather
/// than every part copied again.
fn joined(parts: Vec<Vec<f32>>, len: usize) -> Vec<f32> {
    let mut parts = parts.into_iter();
    let mut data = parts.next().unwrap_or_default();
    data.reserve_exact(len.saturating_sub(data.len()));
    parts.for_each(|p| data.extend_from_slice(&p));
    data
}

/// `retrieval(x, y)` with the query rows split among this worker and the helpers (each helper gets
/// both spaces — once, if `keys` names them and it keeps them; the y→x counts of the shares add
/// up).
pub async fn retrieval_rows(
    helpers: &impl Helpers,
    x: MatView<'_>,
    y: MatView<'_>,
    keys: (Option<Key>, Option<Key>),
) -> Result<Retrieval, EngineError> {
    let (x_better, y_better) = retrieval_shares(helpers, (x, y), keys, true).await?;
    Ok(Retrieval::from_counts(x_better, y_better))
}

/// `retrieval_x_to_y(x, y)` (one way: Procrustes' aligned rows) with the query rows split among
/// this worker and the helpers.
pub async fn retrieval_x_to_y_rows(
    helpers: &impl Helpers,
    x: MatView<'_>,
    y: MatView<'_>,
) -> Result<RetrievalScores, EngineError> {
    let (x_better, _) = retrieval_shares(helpers, (x, y), (None, None), false).await?;
    Ok(RetrievalScores::from_better_counts(&x_better))
}

/// The better-counts of X's rows (joined) and, with `both`, of Y's (summed; else empty).
async fn retrieval_shares(
    helpers: &impl Helpers,
    (x, y): (MatView<'_>, MatView<'_>),
    keys: (Option<Key>, Option<Key>),
    both: bool,
) -> Result<(Vec<u32>, Vec<u32>), EngineError> {
    let (n, d) = (x.n(), x.d());
    let work = n as f64 * n as f64 * d as f64;
    let shares = split(n, helpers.count(work, bytes_of(2 * n * d)) + 1);
    let parts = in_shares(
        helpers,
        &shares,
        |rows| {
            let job = Job::RetrievalCounts {
                n,
                d,
                rows: (rows.start, rows.end),
                both,
            };
            let arrays = vec![
                kept_or_sent(keys.0, x.data()),
                kept_or_sent(keys.1, y.data()),
            ];
            (job, arrays)
        },
        |rows| {
            if both {
                retrieval_counts(x, y, rows).map_err(EngineError::from)
            } else {
                let xb = retrieval_counts_x_to_y(x, y, rows)?;
                Ok((xb, Vec::new()))
            }
        },
        |rows, arrays| {
            let mut arrays = arrays.into_iter();
            match (arrays.next(), arrays.next(), arrays.next()) {
                (Some(Buf::U32(xb)), None, None) if !both && xb.len() == rows.len() => {
                    Some((xb, Vec::new()))
                }
                (Some(Buf::U32(xb)), Some(Buf::U32(yb)), None)
                    if both && xb.len() == rows.len() && yb.len() == n =>
                {
                    Some((xb, yb))
                }
                _ => None,
            }
        },
        |_, _| {},
    )
    .await?;
    let mut x_better = Vec::with_capacity(n);
    let mut y_better = if both { vec![0u32; n] } else { Vec::new() };
    for (xb, yb) in parts {
        x_better.extend(xb);
        y_better.iter_mut().zip(yb).for_each(|(t, v)| *t += v);
    }
    Ok((x_better, y_better))
}

/// `knn(x, k, metric)` with the score tiles split among this worker and the helpers (each helper
/// gets every row), the candidate lists joined here and settled exactly: in shares of rows when
/// the helpers keep the rows under `key`, else here.
pub async fn knn_rows(
    helpers: &impl Helpers,
    x: MatView<'_>,
    key: Option<Key>,
    k: usize,
    metric: Metric,
    on_share: impl Fn(usize, usize),
) -> Result<Neighbors, EngineError> {
    let (n, d) = (x.n(), x.d());
    let count = helpers.count(knn_work(n, d), bytes_of(n * d));
    let shares = split(knn_tiles(n), count + 1);
    let parts = in_shares(
        helpers,
        &shares,
        |tiles| {
            let job = Job::KnnCandidates {
                n,
                d,
                k,
                metric,
                tiles: (tiles.start, tiles.end),
            };
            (job, vec![kept_or_sent(key, x.data())])
        },
        |tiles| knn_candidates(x, k, metric, tiles).map_err(EngineError::from),
        // Shapes are checked by `knn_join`, which errs rather than guess.
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
    let joined = knn_join(n, k, &parts)?;
    let Some(key) = key.filter(|_| count > 0) else {
        return knn_settle(x, k, metric, &joined, 0..n).map_err(EngineError::from);
    };
    // The helpers that scored tiles keep the rows: each settles a share of the rows' lists.
    let (cap, (scores, indices)) = (joined.cap(), joined.lists());
    let k_out = k.min(n - 1);
    let quant_eps = joined.quant_eps();
    let settled = in_shares(
        helpers,
        &split(n, count + 1),
        |rows| {
            let job = Job::KnnSettle {
                n,
                d,
                k,
                metric,
                rows: (rows.start, rows.end),
                quant_eps,
            };
            let lists = rows.start * cap..rows.end * cap;
            let arrays = vec![
                BufRef::Kept(key, x.data()),
                BufRef::F32(&scores[lists.clone()]),
                BufRef::U32(&indices[lists]),
            ];
            (job, arrays)
        },
        |rows| {
            knn_settle(x, k, metric, &joined.rows(rows.clone()), rows).map_err(EngineError::from)
        },
        |rows, arrays| match <[Buf; 2]>::try_from(arrays) {
            Ok([Buf::U32(indices), Buf::F64(scores)])
                if indices.len() == rows.len() * k_out && scores.len() == indices.len() =>
            {
                Some(Neighbors {
                    k: k_out,
                    indices,
                    scores,
                })
            }
            _ => None,
        },
        |_, _| {},
    )
    .await?;
    let mut all = Neighbors {
        k: k_out,
        indices: Vec::with_capacity(n * k_out),
        scores: Vec::with_capacity(n * k_out),
    };
    for part in settled {
        all.indices.extend(part.indices);
        all.scores.extend(part.scores);
    }
    Ok(all)
}

#[cfg(test)]
#[path = "rows_tests.rs"]
mod tests;
