#![allow(clippy::unwrap_used)] // reason: test code, where a panic is the failure report

use super::*;
use crate::projections::quality::map_quality;
use crate::projections::test_data::blobs;

fn quick() -> TsneParams {
    TsneParams {
        perplexity: 10.0,
        early_iterations: 100,
        iterations: 150,
        ..TsneParams::default()
    }
}

#[test]
fn clusters_stay_together_and_the_map_is_trusted() {
    let x = blobs(4, 40, 12, 3);
    let x = MatView::new(&x, 160, 12).unwrap();
    let coords = tsne(x, &quick()).unwrap();
    assert!(coords.iter().all(|v| v.is_finite()));
    let map = MatView::new(&coords, 160, 2).unwrap();
    let q = map_quality(x, map, 10, Metric::Cosine).unwrap();
    assert!(q.trustworthiness > 0.9, "{q:?}");
    let near = knn(map, 1, Metric::Euclidean).unwrap();
    let same = (0..160)
        .filter(|&i| near.row(i)[0] as usize / 40 == i / 40)
        .count();
    assert!(same >= 157, "{same} of 160");
}

#[test]
fn seeded_and_run_in_steps_as_at_once() {
    let x = blobs(3, 30, 8, 5);
    let x = MatView::new(&x, 90, 8).unwrap();
    let p = TsneParams {
        early_iterations: 20,
        iterations: 30,
        ..quick()
    };
    let a = tsne(x, &p).unwrap();
    assert_eq!(a, tsne(x, &p).unwrap());
    assert_ne!(a, tsne(x, &TsneParams { seed: 1, ..p }).unwrap());
    let neighbors = knn(x, p.knn_k(90), p.metric).unwrap();
    let pca = PcaParams::new(2).fit(x).unwrap();
    let init = pca_init(x, &pca.components, 0).unwrap();
    let mut steps = p.layout(&neighbors, &init).unwrap();
    while !steps.is_done() {
        steps.run(7);
    }
    assert_eq!(steps.iteration(), 50);
    assert_eq!(steps.into_coords(), a);
}

#[test]
fn affinities_are_symmetric_and_sum_to_one_with_the_asked_perplexity() {
    let x = blobs(2, 25, 6, 9);
    let x = MatView::new(&x, 50, 6).unwrap();
    let k = 15;
    let neighbors = knn(x, k, Metric::Euclidean).unwrap();
    let p = affinities(&neighbors, Metric::Euclidean, 5.0);
    assert!((p.values.iter().sum::<f64>() - 1.0).abs() < 1e-12);
    let get = |i: usize, j: u32| {
        let span = p.rows[i]..p.rows[i + 1];
        p.cols[span.clone()]
            .iter()
            .position(|&c| c == j)
            .map_or(0.0, |at| p.values[span.start + at])
    };
    for i in 0..50 {
        for at in p.rows[i]..p.rows[i + 1] {
            let j = p.cols[at];
            assert_eq!(p.values[at], get(j as usize, i as u32));
        }
    }
    // Each row's conditional distribution has entropy ln 5.
    let mut row = vec![0.0; k];
    let d2: Vec<f64> = neighbors.scores[..k].iter().map(|d| d * d).collect();
    affinity_row(&d2, 5.0, &mut row);
    let entropy: f64 = -row
        .iter()
        .filter(|&&v| v > 0.0)
        .map(|v| v * v.ln())
        .sum::<f64>();
    assert!((entropy - 5f64.ln()).abs() < 1e-6, "{entropy}");
    assert!((row.iter().sum::<f64>() - 1.0).abs() < 1e-12);
}

fn affinity_row(d2: &[f64], perplexity: f64, out: &mut [f64]) {
    affinity::conditional_row_for_tests(d2, perplexity, out)
}

#[test]
fn bad_parameters_name_the_parameter_and_the_limit() {
    let ok = TsneParams::default();
    let err = |p: TsneParams, n: usize| p.check(n).unwrap_err().to_string();
    assert!(matches!(ok.check(3), Err(CoreError::TooFewItems { .. })));
    assert!(err(ok, 90).contains("perplexity"), "{}", err(ok, 90));
    assert!(err(ok, 90).contains("(30.00); got 30"), "{}", err(ok, 90));
    assert!(ok.check(91).is_ok());
    let p = TsneParams {
        iterations: 0,
        ..ok
    };
    assert!(err(p, 200).contains("iterations"));
    assert_eq!(ok.knn_k(1000), 90);
    assert_eq!(ok.knn_k(50), 49);
}

#[test]
fn the_quadtree_repulsion_with_theta_zero_is_the_exact_sum() {
    let mut rng = Rng::new(4);
    let y: Vec<f64> = (0..200).map(|_| rng.normal() * 3.0).collect();
    // Two points at one spot.
    let mut y = y;
    y[2] = y[0];
    y[3] = y[1];
    let tree = tree::QuadTree::new(&y);
    let mut stack = Vec::new();
    for i in 0..100 {
        let got = tree.repulsion(i as u32, y[2 * i], y[2 * i + 1], 0.0, &mut stack);
        let mut want = [0.0; 3];
        for j in (0..100).filter(|&j| j != i) {
            let (dx, dy) = (y[2 * i] - y[2 * j], y[2 * i + 1] - y[2 * j + 1]);
            let q = 1.0 / (1.0 + dx * dx + dy * dy);
            want[0] += q;
            want[1] += q * q * dx;
            want[2] += q * q * dy;
        }
        for c in 0..3 {
            assert!(
                (got[c] - want[c]).abs() < 1e-9 * (1.0 + want[c].abs()),
                "{i}: {got:?} {want:?}"
            );
        }
        let approx = tree.repulsion(i as u32, y[2 * i], y[2 * i + 1], 0.5, &mut stack);
        assert!(
            (approx[0] - want[0]).abs() < 0.02 * want[0],
            "{approx:?} {want:?}"
        );
    }
}
