#![allow(clippy::unwrap_used)] // reason: test code, where a panic is the failure report

use super::*;
use crate::projections::quality::map_quality;
use crate::projections::test_data::blobs;

fn small() -> (Vec<f32>, usize, usize) {
    (blobs(4, 40, 12, 3), 160, 12)
}

#[test]
fn the_same_seed_gives_the_same_layout_and_another_seed_another() {
    let (x, n, d) = small();
    let x = MatView::new(&x, n, d).unwrap();
    let params = UmapParams {
        n_epochs: Some(60),
        ..UmapParams::default()
    };
    let a = umap(x, &params).unwrap();
    let b = umap(x, &params).unwrap();
    assert_eq!(a, b);
    let c = umap(x, &UmapParams { seed: 1, ..params }).unwrap();
    assert_ne!(a, c);
    assert!(a.iter().all(|v| v.is_finite()));
}

#[test]
fn running_in_steps_equals_running_at_once() {
    let (x, n, d) = small();
    let x = MatView::new(&x, n, d).unwrap();
    let params = UmapParams {
        n_epochs: Some(50),
        ..UmapParams::default()
    };
    let neighbors = knn(x, params.knn_k(), params.metric).unwrap();
    let pca = PcaParams::new(2).fit(x).unwrap();
    let init = pca_init(x, &pca.components, 0).unwrap();
    let mut whole = params.layout(&neighbors, init.clone()).unwrap();
    whole.run(usize::MAX);
    let mut steps = params.layout(&neighbors, init).unwrap();
    while !steps.is_done() {
        steps.run(7);
    }
    assert_eq!(steps.epoch(), 50);
    assert_eq!(whole.coords(), steps.coords());
    assert_eq!(whole.into_coords(), umap(x, &params).unwrap());
}

#[test]
fn clusters_stay_together_and_the_map_is_trusted() {
    let (x, n, d) = small();
    let x = MatView::new(&x, n, d).unwrap();
    let coords = umap(x, &UmapParams::default()).unwrap();
    let map = MatView::new(&coords, n, 2).unwrap();
    let q = map_quality(x, map, 10, Metric::Cosine).unwrap();
    assert!(q.trustworthiness > 0.9, "{q:?}");
    // Each item's nearest neighbour on the map is of its own cluster.
    let near = knn(map, 1, Metric::Euclidean).unwrap();
    let same = (0..n)
        .filter(|&i| near.row(i)[0] as usize / 40 == i / 40)
        .count();
    assert!(same as f64 >= 0.98 * n as f64, "{same} of {n}");
}

#[test]
fn the_initial_layout_spans_zero_to_ten_and_ignores_tiny_changes_of_the_axes() {
    let (x, n, d) = small();
    let x = MatView::new(&x, n, d).unwrap();
    let pca = PcaParams::new(2).fit(x).unwrap();
    let init = pca_init(x, &pca.components, 0).unwrap();
    for axis in 0..2 {
        let v: Vec<f32> = init.iter().skip(axis).step_by(2).copied().collect();
        let lo = v.iter().copied().fold(f32::INFINITY, f32::min);
        let hi = v.iter().copied().fold(f32::NEG_INFINITY, f32::max);
        assert_eq!((lo, hi), (0.0, 10.0));
    }
    let nudged: Vec<f64> = pca.components.iter().map(|c| c * (1.0 + 1e-12)).collect();
    assert_eq!(pca_init(x, &nudged, 0).unwrap(), init);
}

#[test]
fn bad_parameters_name_the_parameter_and_the_limit() {
    let ok = UmapParams::default();
    assert!(matches!(
        ok.check(3),
        Err(CoreError::TooFewItems {
            needed: 4,
            found: 3
        })
    ));
    let err = |p: UmapParams, n: usize| p.check(n).unwrap_err().to_string();
    assert!(err(ok, 15).contains("neighbours"), "{}", err(ok, 15));
    assert!(err(ok, 15).contains("(15)"));
    let p = UmapParams {
        n_epochs: Some(0),
        ..ok
    };
    assert!(err(p, 100).contains("epochs"));
    let p = UmapParams {
        min_dist: 2.0,
        ..ok
    };
    assert!(err(p, 100).contains("min-dist"));
    let p = UmapParams {
        min_dist: f64::NAN,
        ..ok
    };
    assert!(err(p, 100).contains("min-dist"));
    assert!(ok.check(16).is_ok());
    assert_eq!(ok.epochs(10_000), 500);
    assert_eq!(ok.epochs(10_001), 200);
}

#[test]
fn duplicates_and_a_tiny_space_give_finite_layouts() {
    // Four items, two of them the same vector.
    let x = [1.0f32, 0.0, 1.0, 0.0, 0.0, 1.0, 0.7, 0.7];
    let x = MatView::new(&x, 4, 2).unwrap();
    let params = UmapParams {
        n_neighbors: 3,
        ..UmapParams::default()
    };
    let coords = umap(x, &params).unwrap();
    assert_eq!(coords.len(), 8);
    assert!(coords.iter().all(|v| v.is_finite()), "{coords:?}");
}

#[test]
fn the_fast_power_is_within_two_hundred_thousandths() {
    for b in [0.79f32, 0.895, 1.0, 1.334] {
        let mut x = 1e-25f32;
        while x < 1e25 {
            let got = f64::from(layout::pow_positive(x, b));
            let want = f64::from(x).powf(f64::from(b));
            // b·log₂ x is held in f32: its rounding grows with |log₂ x|.
            let tolerance = if (1e-6..1e6).contains(&x) { 2e-5 } else { 4e-5 };
            assert!(
                ((got - want) / want).abs() < tolerance,
                "{x}^{b}: {got} vs {want}"
            );
            x *= 1.37;
        }
    }
}
