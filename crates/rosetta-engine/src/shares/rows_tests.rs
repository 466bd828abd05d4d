use std::cell::Cell;

use rosetta_core::knn;
use rosetta_core::projections::relative::RelativeParams;
use rosetta_core::Rng;

use super::*;
use crate::testing::{data, now, Local};

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
fn pooled_projection_equals_one_pass() {
    let (n, d, k) = (2100, 7, 5);
    let x = data(n, d);
    let v = MatView::new(&x, n, d).unwrap();
    let mean = v.column_means();
    let basis: Vec<f64> = (0..k * d).map(|i| (i as f64 * 0.37).sin()).collect();
    let whole = project(v, &mean, &basis, k);
    for (count, broken) in [(0, vec![]), (2, vec![]), (3, vec![0])] {
        let helpers = Local::with_broken(count, broken);
        let got = now(project_rows(&helpers, v, &mean, &basis, k)).unwrap();
        assert_eq!((got.n, got.d), (n, k));
        assert_eq!(got.data, whole, "{count} helpers");
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
            let got = now(knn_rows(&helpers, v, None, k, metric, |_, _| {})).unwrap();
            assert_eq!(got, whole, "{metric:?}, {count} helpers");
        }
        // Rows kept by the helpers: the lists are settled in shares of rows too (a failed
        // helper's shares here).
        for broken in [vec![], vec![1]] {
            let helpers = Local {
                broken,
                ..Local::keeping(3)
            };
            let key = helpers.key();
            let got = now(knn_rows(&helpers, v, key, k, metric, |_, _| {})).unwrap();
            assert_eq!(got, whole, "{metric:?}, rows kept");
            assert_eq!(helpers.jobs.get(), 2 * 3);
        }
    }
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
    let whole = rosetta_core::screens::retrieval::retrieval(vx, vy).unwrap();
    for (count, broken) in [(0, vec![]), (1, vec![]), (3, vec![1])] {
        let helpers = Local::with_broken(count, broken);
        assert_eq!(
            now(retrieval_rows(&helpers, vx, vy, (None, None))).unwrap(),
            whole
        );
        let one_way = now(retrieval_x_to_y_rows(&helpers, vx, vy)).unwrap();
        assert_eq!(one_way, whole.x_to_y);
    }
    // Helpers still starting are waited for; a pool that gave up leaves every share here.
    for started in [true, false] {
        let helpers = Local {
            starting: Some(started),
            ..Local::new(2)
        };
        assert_eq!(
            now(retrieval_rows(&helpers, vx, vy, (None, None))).unwrap(),
            whole
        );
    }
}
