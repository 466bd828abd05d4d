use super::*;
use crate::rng::Rng;

fn brute(x: &[f32], y: &[f32], n: usize, d: usize) -> (Vec<u32>, Vec<u32>) {
    let vx = MatView::new(x, n, d).unwrap();
    let vy = MatView::new(y, n, d).unwrap();
    let (nx, ny): (Vec<f64>, Vec<f64>) = (0..n)
        .map(|i| (norm64(vx.row(i)), norm64(vy.row(i))))
        .unzip();
    let cos = |i: usize, j: usize| dot64(vx.row(i), vy.row(j)) / (nx[i] * ny[j]);
    let diag: Vec<f64> = (0..n).map(|i| cos(i, i)).collect();
    let xb = (0..n)
        .map(|i| (0..n).filter(|&j| cos(i, j) > diag[i]).count() as u32)
        .collect();
    let yb = (0..n)
        .map(|j| (0..n).filter(|&i| cos(i, j) > diag[j]).count() as u32)
        .collect();
    (xb, yb)
}

/// `retrieval(x, y)`, asserted to give the brute force's counts in both directions.
fn equals_brute_force(x: &[f32], y: &[f32], n: usize, d: usize) -> Retrieval {
    let got = retrieval(
        MatView::new(x, n, d).unwrap(),
        MatView::new(y, n, d).unwrap(),
    )
    .unwrap();
    let (xb, yb) = brute(x, y, n, d);
    assert_eq!(got.x_better, xb);
    assert_eq!(got.y_better, yb);
    for screen in [Screen::F32, Screen::I16] {
        let (vx, vy) = (
            MatView::new(x, n, d).unwrap(),
            MatView::new(y, n, d).unwrap(),
        );
        let (sxb, syb) = retrieval_counts_with(vx, vy, 0..n, screen).unwrap();
        assert_eq!((sxb, syb), (xb.clone(), yb.clone()), "{screen:?}");
        // One way (X → Y): the same counts of X's rows, in two shares too.
        let one_way = screened(vx, vy, 0..n, screen, false).unwrap();
        assert_eq!(one_way.x_better, xb, "{screen:?}, one way");
        assert!(one_way.y_better.is_empty());
        let mut halves = screened(vx, vy, 0..n / 3, screen, false).unwrap().x_better;
        halves.extend(screened(vx, vy, n / 3..n, screen, false).unwrap().x_better);
        assert_eq!(halves, xb, "{screen:?}, one way in shares");
    }
    let scores = retrieval_x_to_y(
        MatView::new(x, n, d).unwrap(),
        MatView::new(y, n, d).unwrap(),
    );
    assert_eq!(scores.unwrap(), got.x_to_y);
    got
}

#[test]
fn shares_of_the_rows_give_the_same_ranks() {
    let mut r = crate::rng::Rng::new(21);
    let (n, d) = (1300, 6);
    let x: Vec<f32> = (0..n * d).map(|_| r.normal() as f32).collect();
    let y: Vec<f32> = x.iter().map(|&v| v + 0.8 * r.normal() as f32).collect();
    let (vx, vy) = (
        MatView::new(&x, n, d).unwrap(),
        MatView::new(&y, n, d).unwrap(),
    );
    let whole = retrieval(vx, vy).unwrap();
    let (mut xb, mut yb) = (Vec::new(), vec![0u32; n]);
    for (r0, r1) in [(0, 700), (700, 701), (701, n)] {
        let (a, b) = retrieval_counts(vx, vy, r0..r1).unwrap();
        xb.extend(a);
        yb.iter_mut().zip(b).for_each(|(t, v)| *t += v);
    }
    assert_eq!(Retrieval::from_counts(xb, yb), whole);
    assert!(retrieval_counts(vx, vy, 5..n + 1).is_err());
}

#[test]
fn matches_brute_force() {
    let (n, d) = (600, 6);
    let mut r = Rng::new(4);
    let x: Vec<f32> = (0..n * d).map(|_| r.normal() as f32).collect();
    let y: Vec<f32> = x.iter().map(|&v| v + 0.8 * r.normal() as f32).collect();
    let got = equals_brute_force(&x, &y, n, d);
    assert!(got.x_to_y.top1 > 0.1 && got.x_to_y.top1 <= got.x_to_y.top5);
}

#[test]
fn near_ties_are_settled_exactly_across_tiles() {
    // Groups of four rows a few 1e-4 apart: their cosines differ by ~1e-7, inside the f32
    // error bound (~3e-6 at d = 5) but far above f64 rounding, so the f64 check decides.
    let (n, d) = (1100, 5);
    let (x, y) = groups_of_four((n, d), 8, 0.0, (3e-4, 3e-4));
    let xb = equals_brute_force(&x, &y, n, d).x_better;
    assert!(xb.iter().any(|&b| b > 0) && xb.contains(&0));
}

#[test]
fn near_ties_within_the_i16_bound_are_settled_exactly() {
    // 64 dims, groups of four rows 1e-3 apart: cosines within a group differ by ~1e-6,
    // far inside the i16 tiles' bound (~1e-4), so the f64 check decides every one.
    let (n, d) = (800, 64);
    let (x, y) = groups_of_four((n, d), 17, 0.2, (1e-3, 2e-3));
    let xb = equals_brute_force(&x, &y, n, d).x_better;
    assert!(xb.iter().any(|&b| b > 0) && xb.contains(&0));
}

/// X: groups of four rows, each a normal base row (plus `offset` per value) moved by
/// `spread.0`·noise; Y: X moved by `spread.1`·noise. Seeded.
fn groups_of_four(
    (n, d): (usize, usize),
    seed: u64,
    offset: f32,
    spread: (f32, f32),
) -> (Vec<f32>, Vec<f32>) {
    let mut r = Rng::new(seed);
    let base: Vec<f32> = (0..(n / 4 + 1) * d)
        .map(|_| r.normal() as f32 + offset)
        .collect();
    let x: Vec<f32> = (0..n * d)
        .map(|e| base[(e / d / 4) * d + e % d] + spread.0 * r.normal() as f32)
        .collect();
    let y: Vec<f32> = x
        .iter()
        .map(|&v| v + spread.1 * r.normal() as f32)
        .collect();
    (x, y)
}

#[test]
fn identical_spaces_retrieve_perfectly() {
    let mut r = Rng::new(5);
    let x: Vec<f32> = (0..40 * 3).map(|_| r.normal() as f32).collect();
    let v = MatView::new(&x, 40, 3).unwrap();
    let got = retrieval(v, v).unwrap();
    assert_eq!(got.x_to_y.mrr, 1.0);
    assert_eq!(got.y_to_x.top1, 1.0);
}
