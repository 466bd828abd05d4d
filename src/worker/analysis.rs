//! Comparisons behind the charts, on the worker's stored spaces: CKA between every pair of spaces
//! of a collection, per-item neighbour agreement between two spaces, and relative-representation
//! retrieval as the number of anchors grows. Pure Rust over `rosetta-core`, tested natively.

use rosetta_core::anchors::{select_anchors, AnchorParams, AnchorStrategy};
use rosetta_core::relative::RelativeParams;
use std::rc::Rc;

use rosetta_core::{MatView, Matrix, Metric};

use super::jobs::Helpers;
use super::protocol::{CollectionId, SpaceId};
#[cfg(test)]
use super::shares::cka_matrix;
use super::shares::{bytes_of, knn_rows, knn_work, relative_rows, retrieval_rows};
use super::store::{Store, StoredSpace};

/// Retrieval a → b per anchor count: (anchor counts, MRR, top-1).
pub type AnchorCurve = (Vec<usize>, Vec<f64>, Vec<f64>);

/// Anchor counts of the curve (those ≤ N are used).
pub const ANCHOR_COUNTS: [usize; 7] = [8, 16, 32, 64, 128, 256, 512];

fn view(s: &StoredSpace) -> Result<MatView<'_>, String> {
    MatView::new(&s.matrix.data, s.matrix.n, s.matrix.d).map_err(|e| e.to_string())
}

impl Store {
    fn pair(&self, a: SpaceId, b: SpaceId) -> Result<(&StoredSpace, &StoredSpace), String> {
        match (self.space(a), self.space(b)) {
            (Some(x), Some(y)) if x.matrix.n == y.matrix.n => Ok((x, y)),
            (Some(x), Some(y)) => Err(format!(
                "{} has {} items and {} has {}: not the same items",
                x.name, x.matrix.n, y.name, y.matrix.n
            )),
            _ => Err(format!("no space with id {a} or {b}")),
        }
    }

    /// Anchor items of space `id` (seed 0): the same rows serve every space of the collection.
    pub fn anchors(
        &self,
        id: SpaceId,
        k: usize,
        strategy: &str,
        labels: Option<&[String]>,
    ) -> Result<Vec<u32>, String> {
        let s = self
            .space(id)
            .ok_or_else(|| format!("no space with id {id}"))?;
        let strategy = AnchorStrategy::parse(strategy)
            .ok_or_else(|| format!("unknown anchor strategy '{strategy}'"))?;
        let params = AnchorParams {
            strategy,
            k,
            seed: 0,
        };
        let rows = select_anchors(view(s)?, params, labels).map_err(|e| e.to_string())?;
        Ok(rows.into_iter().map(|r| r as u32).collect())
    }

    /// Names and vectors of the spaces of a collection, held apart from the store (for
    /// `shares::cka_matrix`).
    pub fn collection_matrices(
        &self,
        id: CollectionId,
    ) -> Result<(Vec<String>, Vec<Rc<Matrix>>), String> {
        let c = self
            .collection(id)
            .ok_or_else(|| format!("no collection with id {id}"))?;
        let names = c.spaces.iter().map(|s| s.name.clone()).collect();
        Ok((names, c.spaces.iter().map(|s| s.matrix.clone()).collect()))
    }

    /// The vectors of two spaces of the same items, held apart from the store (for `agreement`).
    pub fn pair_matrices(
        &self,
        a: SpaceId,
        b: SpaceId,
    ) -> Result<(Rc<Matrix>, Rc<Matrix>), String> {
        let (x, y) = self.pair(a, b)?;
        Ok((x.matrix.clone(), y.matrix.clone()))
    }
}

/// Relative-space retrieval x → y (MRR, top-1) for growing numbers of random anchors (seed 0, the
/// same anchor items in both spaces, spaces centred first), the relative representations and the
/// retrieval split among this worker and `helpers`. O(Σ N·K·D + N²·K).
pub async fn anchor_curve(
    helpers: &impl Helpers,
    x: &Matrix,
    y: &Matrix,
) -> Result<AnchorCurve, String> {
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
        )
        .map_err(|e| e.to_string())?;
        let bx = params.fit(x.view(), &anchors).map_err(|e| e.to_string())?;
        let by = params.fit(y.view(), &anchors).map_err(|e| e.to_string())?;
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
) -> Result<Vec<f64>, String> {
    let shares = helpers.count(knn_work(x.n, x.d), bytes_of(x.n * x.d)) + 1;
    let nx = knn_rows(helpers, x.view(), None, k, Metric::Cosine, |d, _| {
        on_share(d, 2 * shares)
    })
    .await?;
    let ny = knn_rows(helpers, y.view(), None, k, Metric::Cosine, |d, _| {
        on_share(shares + d, 2 * shares)
    })
    .await?;
    rosetta_core::agreement::overlap_per_item(&nx, &ny).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use rosetta_io::{Dense, NamedSpace, Parsed};

    use super::*;
    use crate::worker::jobs::testing::{now, Local};

    fn store_with(spaces: Vec<(&str, Vec<f32>, usize, usize)>) -> (Store, Vec<SpaceId>) {
        let mut store = Store::default();
        let files = spaces
            .into_iter()
            .map(|(name, values, rows, cols)| {
                let space = NamedSpace {
                    name: name.to_owned(),
                    vectors: Dense { values, rows, cols },
                    dtype: "float32".into(),
                };
                (
                    name.to_owned(),
                    Ok(Parsed {
                        spaces: vec![space],
                        metadata: None,
                    }),
                )
            })
            .collect();
        let out = store.load(files, None);
        (store, out.added)
    }

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
