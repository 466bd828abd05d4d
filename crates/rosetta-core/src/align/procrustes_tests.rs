use super::*;
use crate::rng::Rng;

#[test]
fn recovers_a_rotation_exactly() {
    let mut r = Rng::new(8);
    let n = 200;
    let x: Vec<f32> = (0..n * 2).map(|_| r.normal() as f32).collect();
    let (c, s) = (0.6f32, 0.8f32);
    let y: Vec<f32> = x
        .chunks(2)
        .flat_map(|p| {
            [
                2.0 * (c * p[0] - s * p[1]) + 5.0,
                2.0 * (s * p[0] + c * p[1]) - 1.0,
            ]
        })
        .collect();
    let (vx, vy) = (
        MatView::new(&x, n, 2).unwrap(),
        MatView::new(&y, n, 2).unwrap(),
    );
    let fit = fit_procrustes(vx, vy).unwrap();
    assert!(fit.residual() < 1e-3, "{}", fit.residual());
    let rep = procrustes_report(
        vx,
        vy,
        Some((
            &(0..100).collect::<Vec<_>>(),
            &(100..200).collect::<Vec<_>>(),
        )),
    )
    .unwrap();
    assert_eq!(rep.top1, 1.0);
    let h = rep.heldout.unwrap();
    assert!(h.residual < 1e-3 && h.top1 == 1.0);
}

#[test]
fn a_partition_s_two_products_make_the_in_sample_one() {
    let mut r = Rng::new(10);
    let (n, dx, dy) = (301, 5, 3);
    let x: Vec<f32> = (0..n * dx).map(|_| r.normal() as f32 + 2.0).collect();
    let y: Vec<f32> = (0..n * dy).map(|_| r.normal() as f32 - 1.0).collect();
    let (vx, vy) = (
        MatView::new(&x, n, dx).unwrap(),
        MatView::new(&y, n, dy).unwrap(),
    );
    let mut order: Vec<usize> = (0..n).collect();
    r.shuffle(&mut order);
    let (train, test) = order.split_at(150);
    let (mx, my) = (vx.column_means(), vy.column_means());
    let want = centred_cross(vx, &mx, vy, &my, Precision::F64);
    let scale = want.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    let from_split = |train: &[usize], test: &[usize]| {
        let h = HeldOutSplit::new(vx, vy, Some((train, test))).unwrap();
        let ((xt, yt), (xs, ys)) = (h.train(), h.test());
        let (mxt, myt) = (xt.column_means(), yt.column_means());
        let tc = centred_cross(xt, &mxt, yt, &myt, Precision::F64);
        let f = ProcrustesFit::from_cross((xt, mxt), (yt, myt), &tc).unwrap();
        let sc = centred_cross(xs, &f.mean_x, ys, &f.mean_y, Precision::F64);
        h.cross_of_all((&mx, &my), (&f, &tc), &sc)
    };
    let got = from_split(train, test).expect("a partition");
    for (a, b) in got.iter().zip(&want) {
        assert!((a - b).abs() <= 1e-12 * scale, "{a} vs {b}");
    }
    // Not a partition: an item left out, or one on both sides.
    assert_eq!(from_split(train, &test[1..]), None);
    let mut twice = test.to_vec();
    twice[0] = train[0];
    assert_eq!(from_split(train, &twice), None);
    // The alignments' in-sample fit is the fit on every item either way.
    let whole = fit_procrustes(vx, vy).unwrap();
    for split in [(train, test), (train, &test[1..])] {
        let a = procrustes_alignments(vx, vy, Some(split)).unwrap();
        for (p, q) in a.fit.rotation.iter().zip(&whole.rotation) {
            assert!((p - q).abs() < 1e-10, "{p} vs {q}");
        }
        assert!((a.fit.sum_singular - whole.sum_singular).abs() < 1e-12);
    }
}

#[test]
fn pads_the_narrower_space() {
    let mut r = Rng::new(9);
    let n = 50;
    let x: Vec<f32> = (0..n * 2).map(|_| r.normal() as f32).collect();
    let y: Vec<f32> = x.chunks(2).flat_map(|p| [p[1], p[0], 0.0]).collect();
    let fit = fit_procrustes(
        MatView::new(&x, n, 2).unwrap(),
        MatView::new(&y, n, 3).unwrap(),
    )
    .unwrap();
    assert_eq!(fit.d, 3);
    assert!(fit.residual() < 1e-3);
    assert!(fit.residual_optscale() <= fit.residual() + 1e-12);
}
