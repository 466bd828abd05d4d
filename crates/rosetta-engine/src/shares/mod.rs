//! Kernels cut into shares: the worker that holds the data (the coordinator) sends all shares but
//! the first to helpers (`Helpers::submit`: the arrays are copied, no SharedArrayBuffer), computes
//! its own meanwhile, then joins the answers. A share whose helper fails, or answers something
//! malformed, is computed here instead, so a kernel never depends on a helper being alive.
//! `products`: Gram and cross products (PCA, CKA, Procrustes, stitching); `rows`: relative rows,
//! retrieval, kNN; `subsamples`: RBF CKA and RSA, one space per worker.

use std::ops::Range;

use crate::pool::{Buf, BufRef, Helpers, Job};
use crate::EngineError;

mod products;
mod rows;
mod subsamples;

pub use products::{
    cka_matrix, cross, gram, linear_cka_pooled, pca_fit, procrustes_aligned_pooled,
    procrustes_fits_pooled, stitching_pooled,
};
pub use rows::{knn_rows, project_rows, relative_rows, retrieval_rows, retrieval_x_to_y_rows};
pub use subsamples::subsample_metrics_pooled;

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

/// Bytes of `values` f32 values: what a share of them sends to a helper.
pub fn bytes_of(values: usize) -> usize {
    values.saturating_mul(std::mem::size_of::<f32>())
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
    local: impl Fn(Range<usize>) -> Result<T, EngineError>,
    decode: impl Fn(&Range<usize>, Vec<Buf>) -> Option<T>,
    on_share: impl Fn(usize, usize),
) -> Result<Vec<T>, EngineError> {
    let mut sent = 0;
    let mut waiting = Vec::new();
    for (h, share) in shares[1..].iter().enumerate() {
        let (job, arrays) = job(share);
        sent = sent.max(arrays.iter().map(|a| a.byte_len()).sum::<usize>());
        waiting.push((share.clone(), helpers.submit(h, &job, &arrays)));
    }
    if let Some(started) = helpers.until_started() {
        // Cancelled (the pool gave up) reads the same: go on, failed shares are computed here.
        let _ = started.await;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_covers_every_row_once() {
        assert_eq!(split(10, 3), vec![0..3, 3..6, 6..10]);
        assert_eq!(split(2, 4), vec![0..0, 0..1, 1..1, 1..2]);
        assert_eq!(split(5, 0), vec![0..5]);
    }

    #[test]
    fn aligned_split_ends_on_block_boundaries() {
        assert_eq!(split_aligned(1000, 2, 256), vec![0..512, 512..1000]);
        assert_eq!(split_aligned(100, 3, 256), vec![0..0, 0..0, 0..100]);
    }
}
