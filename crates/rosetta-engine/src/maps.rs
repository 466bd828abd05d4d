//! The 2-D maps the page draws, kept per space, and how far each can be trusted
//! ([`rosetta_core::projections::quality`]).

use std::collections::HashMap;

use rosetta_core::projections::quality::{map_quality_sampled, MapQuality};
use rosetta_core::{CoreError, MatView, Metric};

use crate::protocol::SpaceId;
use crate::store::Store;
use crate::EngineError;

/// Items scored at most: the scores cost O(M²·D) (f32 products, f64 where close), 1.2 s natively
/// for M = 2,000, D = 768 with a PCA and kNN included. Larger spaces are scored on a seeded
/// sample of this many items.
pub const QUALITY_ITEMS: usize = 2_000;
/// Neighbours compared: trustworthiness@10 and kNN preservation@10.
pub const QUALITY_K: usize = 10;

/// Each space's last map (its PCA as the main plot shows it), n × 2 interleaved.
#[derive(Debug, Default)]
pub struct Maps {
    by_space: HashMap<SpaceId, Vec<f32>>,
}

impl Maps {
    pub fn keep(&mut self, space: SpaceId, coords: Vec<f32>) {
        self.by_space.insert(space, coords);
    }
}

/// Trustworthiness@10 and kNN preservation@10 (cosine in the space) of the map kept for `space`.
pub fn quality(store: &Store, maps: &Maps, space: SpaceId) -> Result<MapQuality, EngineError> {
    let (m, name) = store.space_matrix(space)?;
    let coords = maps
        .by_space
        .get(&space)
        .ok_or(EngineError::NoSpace(space))?;
    let map = MatView::new(coords, coords.len() / 2, 2)?;
    score(m.view(), map).map_err(|e| EngineError::during(format!("{name}: map quality"), e))
}

/// The page's and the CLI's scores of a map of a space: trustworthiness@10 and kNN
/// preservation@10, cosine in the space, on at most [`QUALITY_ITEMS`] items (seed 0).
pub fn score(space: MatView<'_>, map: MatView<'_>) -> Result<MapQuality, CoreError> {
    map_quality_sampled(space, map, QUALITY_K, Metric::Cosine, (QUALITY_ITEMS, 0))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::store_with;

    #[test]
    fn a_kept_map_is_scored_and_a_missing_one_is_an_error() {
        let (store, ids) = store_with(vec![("a", crate::testing::data(300, 8), 300, 8)]);
        let mut maps = Maps::default();
        assert!(quality(&store, &maps, ids[0]).is_err());
        let (m, _) = store.space_matrix(ids[0]).unwrap();
        let coords: Vec<f32> = (0..300).flat_map(|i| m.row(i)[..2].to_vec()).collect();
        maps.keep(ids[0], coords);
        let q = quality(&store, &maps, ids[0]).unwrap();
        assert_eq!(q.items, 300);
        assert!(q.trustworthiness > 0.5 && q.trustworthiness <= 1.0, "{q:?}");
        assert!(
            q.knn_preservation > 0.0 && q.knn_preservation <= 1.0,
            "{q:?}"
        );
    }
}
