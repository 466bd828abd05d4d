//! Comparisons behind the charts, on the worker's stored spaces: per-item neighbour agreement
//! between two spaces, and relative-representation retrieval as the number of anchors grows
//! (the CKA matrix is [`crate::shares::cka_matrix`]).

use rosetta_core::anchors::{select_anchors, AnchorParams, AnchorStrategy};
use rosetta_core::projections::relative::RelativeParams;
use rosetta_core::{Matrix, Metric};

use crate::pool::Helpers;
use crate::shares::{bytes_of, knn_rows, knn_work, relative_rows, retrieval_rows};
use crate::EngineError;

/// Retrieval a → b per anchor count: (anchor counts, MRR, top-1).
pub type AnchorCurve = (Vec<usize>, Vec<f64>, Vec<f64>);

/// Anchor counts of the curve (those ≤ N are used).
pub const ANCHOR_COUNTS: [usize; 7] = [8, 16, 32, 64, 128, 256, 512];

/// Relative-space retrieval x → y (MRR, top-1) for growing numbers of random anchors (seed 0, the
/// same anchor items in both spaces, spaces centred first), the relative representations and the
/// retrieval split among this worker and `helpers`. O(Σ N·K·D + N²·K).
pub async fn anchor_curve(
    helpers: &impl Helpers,
    x: &Matrix,
    y: &Matrix,
) -> Result<AnchorCurve, EngineError> {
    let n = x.n;
    let params = RelativeParams {
        center: true,
        ..RelativeParams::default()
    };
    let (mut counts, mut mrr, mut top1) = (Vec::new(), Vec::new(), Vec::new());
    for &count in ANCHOR_COUNTS.iter().filter(|&&c| c < n) {
        let anchors = select_anchors(
            x.view(),
            AnchorParams {
                strategy: AnchorStrategy::Random,
                k: count,
                seed: 0,
            },
            None,
        )?;
        let bx = params.fit(x.view(), &anchors)?;
        let by = params.fit(y.view(), &anchors)?;
        let rx = relative_rows(helpers, x.view(), &bx, |_, _| {}).await?;
        let ry = relative_rows(helpers, y.view(), &by, |_, _| {}).await?;
        let r = retrieval_rows(helpers, rx.view(), ry.view(), (None, None)).await?;
        counts.push(count);
        mrr.push(r.x_to_y.mrr);
        top1.push(r.x_to_y.top1);
    }
    Ok((counts, mrr, top1))
}

/// Per item: the share of its k cosine neighbours in `x` that are also among them in `y`, the
/// kNN split among this worker and `helpers`. `on_share(done, total)` reports progress.
/// O(N²·(Dx + Dy)).
pub async fn agreement(
    helpers: &impl Helpers,
    x: &Matrix,
    y: &Matrix,
    k: usize,
    on_share: impl Fn(usize, usize),
) -> Result<Vec<f64>, EngineError> {
    let shares = helpers.count(knn_work(x.n, x.d), bytes_of(x.n * x.d)) + 1;
    let nx = knn_rows(helpers, x.view(), None, k, Metric::Cosine, |d, _| {
        on_share(d, 2 * shares)
    })
    .await?;
    let ny = knn_rows(helpers, y.view(), None, k, Metric::Cosine, |d, _| {
        on_share(shares + d, 2 * shares)
    })
    .await?;
    rosetta_core::metrics::agreement::overlap_per_item(&nx, &ny).map_err(EngineError::from)
}

#[cfg(test)]
mod tests {
    use rosetta_core::MatView;

    use super::*;
    use crate::shares::cka_matrix;
    use crate::testing::{now, store_with, Local};

    #[test]
    fn identical_spaces_agree_fully() {
        let (n, d) = (120, 6);
        let x: Vec<f32> = (0..n * d)
            .map(|i| ((i * 7919 % 113) as f32).sin())
            .collect();
        let scaled: Vec<f32> = x.iter().map(|v| v * 3.0).collect();
        let (store, ids) = store_with(vec![("a", x, n, d), ("b", scaled, n, d)]);
        let (names, mats) = store.collection_matrices(store.collections[0].id).unwrap();
        let views: Vec<MatView<'_>> = mats.iter().map(|m| m.view()).collect();
        let m = now(cka_matrix(&Local::new(1), &views, |_, _| {})).unwrap();
        assert_eq!(names.len(), 2);
        assert!(
            (m[1] - 1.0).abs() < 1e-6 && (m[2] - 1.0).abs() < 1e-6,
            "{m:?}"
        );
        let (x, y) = store.pair_matrices(ids[0], ids[1]).unwrap();
        let agree = now(agreement(&Local::new(1), &x, &y, 5, |_, _| {})).unwrap();
        assert!(agree.iter().all(|&v| (v - 1.0).abs() < 1e-12));
        let (counts, mrr, top1) = now(anchor_curve(&Local::new(1), &x, &y)).unwrap();
        assert_eq!(counts, vec![8, 16, 32, 64]);
        assert!(mrr.iter().chain(&top1).all(|&v| (v - 1.0).abs() < 1e-9));
    }
}
