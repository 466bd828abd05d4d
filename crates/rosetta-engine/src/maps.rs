//! The 2-D maps the page draws, kept per space and method, how far each can be trusted
//! ([`rosetta_core::projections::quality`]), and the iterative maps (UMAP, t-SNE) started with
//! the pool's kNN and run a slice at a time.

use std::sync::Arc;

use rosetta_core::projections::quality::{map_quality_sampled, MapQuality};
use rosetta_core::projections::start::principal_coords;
use rosetta_core::projections::tsne::{self, TsneLayout};
use rosetta_core::projections::umap::{self, Layout};
use rosetta_core::{CoreError, MatView, Metric, PcaParams};

use crate::pool::Helpers;
use crate::protocol::{MapMethod, SpaceId};
use crate::shares::{knn_rows, pca_fit};
use crate::store::{Store, PCA_COMPONENTS};
use crate::EngineError;

/// Items scored at most: the scores cost O(M²·D) (f32 products, f64 where close), 1.2 s natively
/// for M = 2,000, D = 768 with a PCA and kNN included. Larger spaces are scored on a seeded
/// sample of this many items.
pub const QUALITY_ITEMS: usize = 2_000;
/// Neighbours compared: trustworthiness@10 and kNN preservation@10.
pub const QUALITY_K: usize = 10;
/// Maps kept at most (n × 2 f32 each; the oldest goes first).
const KEPT: usize = 16;

/// The maps made of each space, by method; newest last.
#[derive(Debug, Default)]
pub struct Maps {
    entries: Vec<(SpaceId, MapMethod, Arc<Vec<f32>>)>,
}

impl Maps {
    pub fn keep(&mut self, space: SpaceId, method: MapMethod, coords: Vec<f32>) {
        self.entries.retain(|(s, m, _)| (*s, *m) != (space, method));
        if self.entries.len() >= KEPT {
            self.entries.remove(0);
        }
        self.entries.push((space, method, Arc::new(coords)));
    }

    /// The map of `space` by `method`, if made.
    pub fn get(&self, space: SpaceId, method: MapMethod) -> Option<Arc<Vec<f32>>> {
        self.entries
            .iter()
            .find(|(s, m, _)| (*s, *m) == (space, method))
            .map(|(_, _, c)| c.clone())
    }

    /// Forget every map of `space` (its vectors changed or went).
    pub fn forget(&mut self, space: SpaceId) {
        self.entries.retain(|(s, _, _)| *s != space);
    }
}

/// Trustworthiness@10 and kNN preservation@10 (cosine in the space) of a kept map.
pub fn quality(
    store: &Store,
    maps: &Maps,
    space: SpaceId,
    method: MapMethod,
) -> Result<MapQuality, EngineError> {
    let (m, name) = store.space_matrix(space)?;
    let coords = maps.get(space, method).ok_or(EngineError::NoSpace(space))?;
    let map = MatView::new(&coords, coords.len() / 2, 2)?;
    score(m.view(), map).map_err(|e| EngineError::during(format!("{name}: map quality"), e))
}

/// The page's and the CLI's scores of a map of a space: trustworthiness@10 and kNN
/// preservation@10, cosine in the space, on at most [`QUALITY_ITEMS`] items (seed 0).
pub fn score(space: MatView<'_>, map: MatView<'_>) -> Result<MapQuality, CoreError> {
    map_quality_sampled(space, map, QUALITY_K, Metric::Cosine, (QUALITY_ITEMS, 0))
}

/// What an iterative map reports while it is set up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MapStep {
    /// The exact kNN graph (shares done, of total).
    Neighbours,
    /// The PCA that starts the layout.
    Pca,
}

/// Work units per slice of an iterative map between two looks at the page (progress, the
/// converging layout, cancel): UMAP's edge visits, or t-SNE's items × 200 (about the cells a
/// Barnes–Hut query visits). About 0.1 s in the tab.
const SLICE_WORK: usize = 2_000_000;
/// Cells one t-SNE point's Barnes–Hut query visits, roughly (θ = 0.5).
const TSNE_VISITS: usize = 200;

/// An iterative map while it converges: UMAP's epochs or t-SNE's iterations.
pub enum Converging {
    Umap(Layout),
    Tsne(TsneLayout),
}

impl Converging {
    /// Run one slice (about [`SLICE_WORK`]); returns the steps done so far.
    pub fn run_slice(&mut self) -> usize {
        match self {
            Self::Umap(l) => l.run((SLICE_WORK / l.edges().max(1)).max(1)),
            Self::Tsne(l) => {
                let n = l.coords().len() / 2;
                l.run((SLICE_WORK / (n * TSNE_VISITS).max(1)).max(1))
            }
        }
    }

    /// (steps done, steps in all).
    pub fn steps(&self) -> (usize, usize) {
        match self {
            Self::Umap(l) => (l.epoch(), l.n_epochs()),
            Self::Tsne(l) => (l.iteration(), l.n_iterations()),
        }
    }

    pub fn is_done(&self) -> bool {
        let (done, total) = self.steps();
        done >= total
    }

    pub fn coords(&self) -> &[f32] {
        match self {
            Self::Umap(l) => l.coords(),
            Self::Tsne(l) => l.coords(),
        }
    }

    pub fn into_coords(self) -> Vec<f32> {
        match self {
            Self::Umap(l) => l.into_coords(),
            Self::Tsne(l) => l.into_coords(),
        }
    }
}

/// An iterative map of `x` ready to run (`method` UMAP or t-SNE): the exact kNN split among the
/// helpers, started from the space's PCA (its covariance summed by the pool) or from `start`
/// (n × 2, e.g. another space's layout). Epoch by epoch the same layout as the core's `umap` and
/// `tsne`.
pub async fn start_map(
    helpers: &impl Helpers,
    x: MatView<'_>,
    method: MapMethod,
    start: Option<&[f32]>,
    shown: impl Fn(MapStep, usize, usize),
) -> Result<Converging, EngineError> {
    let n = x.n();
    let (k, metric, seed) = match method {
        MapMethod::Umap(p) => {
            p.check(n)?;
            (p.knn_k(), p.metric, p.seed)
        }
        MapMethod::Tsne(p) => {
            p.check(n)?;
            (p.knn_k(n), p.metric, p.seed)
        }
        MapMethod::Pca => {
            return Err(EngineError::Core(CoreError::InvalidParameter(
                "PCA is not an iterative map".into(),
            )))
        }
    };
    if start.is_some_and(|c| c.len() != 2 * n) {
        return Err(EngineError::Core(CoreError::InvalidParameter(
            "the layout to start from has another number of items".into(),
        )));
    }
    let on_knn = |done, total| shown(MapStep::Neighbours, done, total);
    let neighbors = knn_rows(helpers, x, None, k, metric, on_knn).await?;
    let principal = match start {
        Some(coords) => coords.to_vec(),
        None => {
            let on_pca = |done, total| shown(MapStep::Pca, done, total);
            let pca = pca_fit(helpers, x, PcaParams::new(PCA_COMPONENTS), on_pca).await?;
            principal_coords(x, &pca.components)?
        }
    };
    Ok(match method {
        MapMethod::Umap(p) => {
            Converging::Umap(p.layout(&neighbors, umap::initial_layout(&principal, seed))?)
        }
        MapMethod::Tsne(p) => {
            Converging::Tsne(p.layout(&neighbors, &tsne::initial_layout(&principal, seed))?)
        }
        MapMethod::Pca => unreachable!("refused above"),
    })
}

/// `layout` rotated, scaled and shifted onto `reference` (both n × 2): 2-D orthogonal
/// Procrustes, so that each item lands near its place in the reference map.
pub fn align_onto(layout: &[f32], reference: &[f32]) -> Result<Vec<f32>, EngineError> {
    let n = layout.len() / 2;
    let (b, a) = (MatView::new(layout, n, 2)?, MatView::new(reference, n, 2)?);
    let fit = rosetta_core::align::procrustes::fit_procrustes(b, a)?;
    let aligned = fit.align_x(b);
    Ok(aligned
        .data
        .chunks_exact(aligned.d.max(1))
        .flat_map(|row| {
            row[..2]
                .iter()
                .zip(&fit.mean_y)
                .map(|(&v, &mean)| (f64::from(v) * fit.scale_y + mean) as f32)
                .collect::<Vec<_>>()
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use rosetta_core::projections::tsne::{tsne, TsneParams};
    use rosetta_core::projections::umap::{umap, UmapParams};

    use super::*;
    use crate::testing::{data, now, store_with, Local};

    #[test]
    fn a_kept_map_is_scored_and_a_missing_one_is_an_error() {
        let (store, ids) = store_with(vec![("a", data(300, 8), 300, 8)]);
        let mut maps = Maps::default();
        let pca = MapMethod::Pca;
        assert!(quality(&store, &maps, ids[0], pca).is_err());
        let (m, _) = store.space_matrix(ids[0]).unwrap();
        let coords: Vec<f32> = (0..300).flat_map(|i| m.row(i)[..2].to_vec()).collect();
        maps.keep(ids[0], pca, coords);
        let q = quality(&store, &maps, ids[0], pca).unwrap();
        assert_eq!(q.items, 300);
        assert!(q.trustworthiness > 0.5 && q.trustworthiness <= 1.0, "{q:?}");
        assert!(
            q.knn_preservation > 0.0 && q.knn_preservation <= 1.0,
            "{q:?}"
        );
        let umap = MapMethod::Umap(UmapParams::default());
        assert!(quality(&store, &maps, ids[0], umap).is_err());
    }

    #[test]
    fn maps_are_kept_per_method_and_the_oldest_goes_first() {
        let mut maps = Maps::default();
        let umap = |seed| {
            MapMethod::Umap(UmapParams {
                seed,
                ..UmapParams::default()
            })
        };
        maps.keep(1, MapMethod::Pca, vec![1.0; 4]);
        for seed in 0..KEPT as u64 {
            maps.keep(2, umap(seed), vec![seed as f32; 4]);
        }
        assert!(maps.get(1, MapMethod::Pca).is_none());
        assert_eq!(maps.get(2, umap(3)).unwrap()[0], 3.0);
        maps.forget(2);
        assert!(maps.get(2, umap(3)).is_none());
    }

    #[test]
    fn the_pooled_maps_are_the_cores_step_by_step() {
        let (n, d) = (400, 12);
        let x = data(n, d);
        let v = MatView::new(&x, n, d).unwrap();
        let u = UmapParams {
            n_epochs: Some(40),
            ..UmapParams::default()
        };
        let t = TsneParams {
            perplexity: 10.0,
            early_iterations: 30,
            iterations: 40,
            ..TsneParams::default()
        };
        let cases = [
            (MapMethod::Umap(u), umap(v, &u).unwrap()),
            (MapMethod::Tsne(t), tsne(v, &t).unwrap()),
        ];
        for (method, want) in cases {
            for count in [0, 2] {
                let helpers = Local::new(count);
                let mut map = now(start_map(&helpers, v, method, None, |_, _, _| {})).unwrap();
                let mut slices = 0;
                while !map.is_done() {
                    map.run_slice();
                    slices += 1;
                }
                assert!(slices >= 1);
                assert_eq!(map.coords(), &want[..], "{method:?}, {count} helpers");
            }
        }
        let bad = MapMethod::Tsne(TsneParams::default());
        assert!(now(start_map(&Local::new(0), v, bad, None, |_, _, _| {})).is_ok());
        let tiny = MatView::new(&x[..10 * d], 10, d).unwrap();
        let err = now(start_map(&Local::new(0), tiny, bad, None, |_, _, _| {}));
        assert!(err.is_err_and(|e| e.to_string().contains("perplexity")));
    }

    #[test]
    fn a_map_aligned_onto_its_rotated_copy_lands_on_it() {
        let reference: Vec<f32> = (0..50)
            .flat_map(|i| [(i as f32 * 0.37).sin() * 3.0, i as f32 * 0.1])
            .collect();
        // Rotated by 90°, halved, shifted.
        let moved: Vec<f32> = reference
            .chunks_exact(2)
            .flat_map(|p| [-p[1] * 0.5 + 7.0, p[0] * 0.5 - 2.0])
            .collect();
        let back = align_onto(&moved, &reference).unwrap();
        for (a, b) in back.iter().zip(&reference) {
            assert!((a - b).abs() < 1e-4, "{a} {b}");
        }
        assert!(align_onto(&moved[..10], &reference).is_err());
    }
}
