//! Invariances and edge cases, over random inputs (proptest).

#![allow(clippy::unwrap_used)] // reason: test code, where a panic is the failure report

use proptest::prelude::*;
use rosetta_core::anchors::{select_anchors, AnchorParams, AnchorStrategy};
use rosetta_core::metrics::cka::linear_cka;
use rosetta_core::projections::relative::{relative, RelativeParams, Similarity};
use rosetta_core::{knn, MatView, Metric, PcaParams, Rng};

/// A random orthogonal d×d matrix (QR of a Gaussian matrix by Gram–Schmidt), row-major.
fn random_orthogonal(d: usize, seed: u64) -> Vec<f64> {
    let mut r = Rng::new(seed);
    let mut q: Vec<Vec<f64>> = Vec::new();
    while q.len() < d {
        let mut v: Vec<f64> = (0..d).map(|_| r.normal()).collect();
        for u in &q {
            let p: f64 = v.iter().zip(u).map(|(a, b)| a * b).sum();
            v.iter_mut().zip(u).for_each(|(a, b)| *a -= p * b);
        }
        let n = v.iter().map(|a| a * a).sum::<f64>().sqrt();
        if n > 1e-6 {
            q.push(v.into_iter().map(|a| a / n).collect());
        }
    }
    q.concat()
}

fn transform(x: &[f32], n: usize, d: usize, q: &[f64], scale: f64) -> Vec<f32> {
    let mut out = Vec::with_capacity(n * d);
    for i in 0..n {
        for c in 0..d {
            let v: f64 = (0..d).map(|j| f64::from(x[i * d + j]) * q[j * d + c]).sum();
            out.push((v * scale) as f32);
        }
    }
    out
}

fn gaussian(n: usize, d: usize, seed: u64) -> Vec<f32> {
    let mut r = Rng::new(seed);
    (0..n * d).map(|_| r.normal() as f32).collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn cosine_relative_is_invariant_to_rotation_and_scale(
        n in 5usize..60, d in 1usize..12, k in 1usize..8, seed in 0u64..1000, scale in 0.01f64..100.0,
    ) {
        let x = gaussian(n, d, seed);
        let y = transform(&x, n, d, &random_orthogonal(d, seed + 1), scale);
        let anchors: Vec<usize> = (0..k.min(n)).collect();
        for center in [false, true] {
            let p = RelativeParams { similarity: Similarity::Cosine, center };
            let rx = relative(MatView::new(&x, n, d).unwrap(), &anchors, p).unwrap();
            let ry = relative(MatView::new(&y, n, d).unwrap(), &anchors, p).unwrap();
            for (a, b) in rx.data.iter().zip(&ry.data) {
                prop_assert!((a - b).abs() < 2e-4, "{a} vs {b}");
            }
        }
    }

    #[test]
    fn euclidean_relative_is_invariant_to_rotation_and_translation(
        n in 3usize..40, d in 1usize..8, seed in 0u64..1000, shift in -50.0f32..50.0,
    ) {
        let x = gaussian(n, d, seed);
        let y: Vec<f32> = transform(&x, n, d, &random_orthogonal(d, seed + 7), 1.0).iter().map(|v| v + shift).collect();
        let p = RelativeParams { similarity: Similarity::Euclidean, center: false };
        let rx = relative(MatView::new(&x, n, d).unwrap(), &[0, n - 1], p).unwrap();
        let ry = relative(MatView::new(&y, n, d).unwrap(), &[0, n - 1], p).unwrap();
        for (a, b) in rx.data.iter().zip(&ry.data) {
            prop_assert!((a - b).abs() < 1e-3 * (1.0 + a.abs()), "{a} vs {b}");
        }
    }

    #[test]
    fn cka_is_invariant_to_rotation_and_isotropic_scale(
        n in 6usize..60, d in 1usize..10, seed in 0u64..1000, scale in 0.1f64..10.0,
    ) {
        let x = gaussian(n, d, seed);
        let z = gaussian(n, 3, seed + 3);
        let y = transform(&x, n, d, &random_orthogonal(d, seed + 2), scale);
        let vz = MatView::new(&z, n, 3).unwrap();
        let a = linear_cka(MatView::new(&x, n, d).unwrap(), vz).unwrap();
        let b = linear_cka(MatView::new(&y, n, d).unwrap(), vz).unwrap();
        prop_assert!((a.cka - b.cka).abs() < 1e-4);
        prop_assert!((a.debiased.unwrap() - b.debiased.unwrap()).abs() < 1e-3);
    }

    #[test]
    fn knn_never_returns_self_and_has_k_distinct(n in 2usize..80, d in 1usize..6, k in 1usize..100, seed in 0u64..500) {
        let x = gaussian(n, d, seed);
        let nb = knn(MatView::new(&x, n, d).unwrap(), k, Metric::Cosine).unwrap();
        prop_assert_eq!(nb.k, k.min(n - 1));
        for i in 0..n {
            let row = nb.row(i);
            prop_assert!(!row.contains(&(i as u32)));
            let mut s = row.to_vec();
            s.sort_unstable();
            s.dedup();
            prop_assert_eq!(s.len(), row.len());
        }
    }

    #[test]
    fn pca_ratios_are_a_partition_of_the_variance(n in 2usize..50, d in 1usize..20, seed in 0u64..500) {
        let x = gaussian(n, d, seed);
        let p = PcaParams::new(d).fit(MatView::new(&x, n, d).unwrap()).unwrap();
        let sum: f64 = p.explained_variance_ratio.iter().sum();
        prop_assert!(sum <= 1.0 + 1e-9);
        if n > d { prop_assert!((sum - 1.0).abs() < 1e-6, "sum {sum}"); }
        for w in p.explained_variance_ratio.windows(2) { prop_assert!(w[0] + 1e-12 >= w[1]); }
    }
}

/// (The comparison of such spaces is tested in rosetta-engine.)
#[test]
fn zero_vectors_and_constant_columns_do_not_break_pca() {
    let n = 12;
    let mut x = gaussian(n, 4, 1);
    for i in 0..n {
        x[i * 4 + 2] = 0.0; // a constant column (and row 0 below is a zero vector)
    }
    x[..4].fill(0.0); // a zero vector
    let vx = MatView::new(&x, n, 4).unwrap();
    let p = PcaParams::new(4).fit(vx).unwrap();
    assert!(p.explained_variance_ratio.iter().all(|r| r.is_finite()));
    assert!(
        p.explained_variance_ratio[3] < 1e-9,
        "the constant column has no variance"
    );
}

#[test]
fn more_anchors_than_items_and_one_dimension() {
    let x = gaussian(5, 1, 3);
    let v = MatView::new(&x, 5, 1).unwrap();
    let a = select_anchors(
        v,
        AnchorParams {
            strategy: AnchorStrategy::Fps,
            k: 50,
            seed: 1,
        },
        None,
    )
    .unwrap();
    assert_eq!(a.len(), 5);
    let rel = relative(v, &a, RelativeParams::default()).unwrap();
    assert!(
        rel.data.iter().all(|c| (c.abs() - 1.0).abs() < 1e-6),
        "1-D cosines are ±1"
    );
    let p = PcaParams::new(2).fit(v).unwrap();
    assert_eq!(p.n_components(), 1);
    let nb = knn(v, 10, Metric::Euclidean).unwrap();
    assert_eq!(nb.k, 4);
}
