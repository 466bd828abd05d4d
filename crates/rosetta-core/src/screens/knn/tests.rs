use super::*;
use crate::rng::Rng;

/// Every metric with every tile kind it can use (integer tiles are for cosine only).
const SCREENS: [(Metric, Screen); 3] = [
    (Metric::Cosine, Screen::F32),
    (Metric::Cosine, Screen::I16),
    (Metric::Euclidean, Screen::F32),
];

/// `knn_with` on n × d rows `x` equals the brute force for every metric and screen.
fn every_screen_matches_brute_force(x: &[f32], n: usize, d: usize, k: usize) {
    for (metric, screen) in SCREENS {
        let got = knn_with(MatView::new(x, n, d).unwrap(), k, metric, screen).unwrap();
        assert_eq!(
            got.indices,
            brute(x, n, d, k, metric),
            "{metric:?} {screen:?}"
        );
    }
}

fn brute(x: &[f32], n: usize, d: usize, k: usize, metric: Metric) -> Vec<u32> {
    let v = MatView::new(x, n, d).unwrap();
    let s = Scorer::new(v, metric, Screen::F32);
    let mut out = Vec::new();
    for i in 0..n {
        let mut c: Vec<(f64, u32)> = (0..n)
            .filter(|&j| j != i)
            .map(|j| (s.exact(i, j), j as u32))
            .collect();
        sort_best_first(&mut c);
        out.extend(c[..k].iter().map(|c| c.1));
    }
    out
}

fn data(n: usize, d: usize, seed: u64) -> Vec<f32> {
    let mut r = Rng::new(seed);
    (0..n * d).map(|_| r.normal() as f32).collect()
}

#[test]
fn matches_brute_force_across_tiles() {
    let (n, d, k) = (1100, 9, 7);
    let x = data(n, d, 5);
    every_screen_matches_brute_force(&x, n, d, k);
}

#[test]
fn shares_of_the_tiles_merge_into_the_same_neighbours() {
    let (n, d, k) = (1700, 6, 5);
    let x = data(n, d, 8);
    let v = MatView::new(&x, n, d).unwrap();
    let tiles = knn_tiles(n);
    assert_eq!(tiles, 10);
    for (metric, screen) in SCREENS {
        let whole = knn_with(v, k, metric, screen).unwrap();
        for cuts in [vec![0, tiles], vec![0, 3, tiles], vec![0, 1, 1, 7, tiles]] {
            let computed: Vec<Candidates> = cuts
                .windows(2)
                .map(|w| candidates_with(v, k, metric, w[0]..w[1], screen).unwrap())
                .collect();
            // As a pool merges them: the first share as computed here (it carries the i16
            // bound, so the merge does not quantise again), the others as sent back (not);
            // and every share as sent back (the merge measures the bound itself).
            let sent = |c: &Candidates| {
                let (cap, s, i) = c.clone().into_parts();
                Candidates::from_parts(cap, s, i)
            };
            let pooled: Vec<Candidates> = computed
                .iter()
                .enumerate()
                .map(|(p, c)| if p == 0 { c.clone() } else { sent(c) })
                .collect();
            let all_sent: Vec<Candidates> = computed.iter().map(sent).collect();
            for parts in [&pooled, &all_sent] {
                let merged = knn_merge_with(v, k, metric, parts, screen).unwrap();
                assert_eq!(merged, whole, "{metric:?} {screen:?} {cuts:?}");
            }
            // Joined once, settled in shares of rows (each from its rows' lists only, as
            // sent to a helper with the bound): the same neighbours.
            let joined = knn_join(n, k, &pooled).unwrap();
            let mut settled = Neighbors {
                k,
                indices: Vec::new(),
                scores: Vec::new(),
            };
            for rows in [0..0, 0..700, 700..701, 701..n] {
                let (cap, s, i) = joined.rows(rows.clone()).into_parts();
                let lists = Candidates::from_parts(cap, s, i).with_quant_eps(joined.quant_eps());
                let part = settle_with(v, k, metric, &lists, rows, screen).unwrap();
                settled.indices.extend(part.indices);
                settled.scores.extend(part.scores);
            }
            assert_eq!(settled, whole, "settled: {metric:?} {screen:?} {cuts:?}");
        }
    }
    assert!(knn_candidates(v, k, Metric::Cosine, 0..tiles + 1).is_err());
    let bad = Candidates::from_parts(10, vec![0.0; 10], vec![0; 10]);
    assert!(knn_merge(v, k, Metric::Cosine, &[bad]).is_err());
    // A settle refuses lists of another shape, rows past the end and bad indices.
    let (_, cap) = checked_k(n, k).unwrap();
    let lists = |i: u32| Candidates::from_parts(cap, vec![0.5; cap], vec![i; cap]);
    assert!(knn_settle(v, k, Metric::Cosine, &lists(3), 0..2).is_err());
    assert!(knn_settle(v, k, Metric::Cosine, &lists(3), n..n + 1).is_err());
    assert!(knn_settle(v, k, Metric::Cosine, &lists(n as u32), 5..6).is_err());
    assert!(knn_settle(v, k, Metric::Cosine, &lists(5), 5..6).is_err());
    assert!(knn_settle(v, k, Metric::Cosine, &lists(3), 5..6).is_ok());
}

/// n × d rows in groups of `size` around random centres (normal + `offset`), each row its
/// centre plus `spread` × normal noise.
fn clusters((n, d): (usize, usize), size: usize, offset: f32, spread: f32, seed: u64) -> Vec<f32> {
    let mut r = Rng::new(seed);
    let mut x = Vec::with_capacity(n * d);
    for _ in 0..n / size {
        let centre: Vec<f32> = (0..d).map(|_| r.normal() as f32 + offset).collect();
        for _ in 0..size {
            x.extend(centre.iter().map(|&c| c + spread * r.normal() as f32));
        }
    }
    x
}

#[test]
fn near_ties_are_ranked_exactly() {
    // Groups of 5 rows a hair apart (their scores within each other's f32 error bound), the
    // groups far apart: each row's list holds its 4 group-mates, which only the f64 pass can
    // order, and two far rows that prove nothing outside the list matters (no re-scan).
    let (n, d, k) = (1000, 24, 3);
    let x = clusters((n, d), 5, 0.0, 1e-4, 12);
    every_screen_matches_brute_force(&x, n, d, k);
}

#[test]
fn near_ties_within_the_i16_bound_are_ranked_exactly() {
    // Clusters of 8 rows 1e-3 apart in 64 dims: neighbours' cosines differ by ~1e-6, far
    // inside the i16 tiles' error bound (~1e-4), so the exact pass and re-scans decide.
    let (n, d, k) = (1200, 64, 5);
    let x = clusters((n, d), 8, 0.3, 1e-3, 31);
    let v = MatView::new(&x, n, d).unwrap();
    let got = knn_with(v, k, Metric::Cosine, Screen::I16).unwrap();
    assert_eq!(got.indices, brute(&x, n, d, k, Metric::Cosine));
}

#[test]
fn ties_break_by_lower_index() {
    // Rows 1, 2, 3 are identical: the neighbours of row 0 among them come in index order.
    let x = vec![1.0f32, 0.0, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, -1.0, 0.0];
    for screen in [Screen::F32, Screen::I16] {
        let got = knn_with(MatView::new(&x, 5, 2).unwrap(), 3, Metric::Cosine, screen).unwrap();
        assert_eq!(got.row(0), &[1, 2, 3], "{screen:?}");
        assert_eq!(got.row(1), &[2, 3, 0], "{screen:?}");
    }
}

#[test]
fn k_is_clamped_to_n_minus_one() {
    let x = data(4, 3, 1);
    let got = knn(MatView::new(&x, 4, 3).unwrap(), 10, Metric::Cosine).unwrap();
    assert_eq!(got.k, 3);
    assert_eq!(got.indices.len(), 12);
}

#[test]
fn knn_of_matches_knn() {
    let (n, d) = (700, 5);
    let x = data(n, d, 9);
    let v = MatView::new(&x, n, d).unwrap();
    let all = knn(v, 4, Metric::Cosine).unwrap();
    let some = knn_of(v, &[0, 650, 3], 4, Metric::Cosine).unwrap();
    assert_eq!(some.row(0), all.row(0));
    assert_eq!(some.row(1), all.row(650));
    assert_eq!(some.row(2), all.row(3));
}

#[test]
fn zero_vectors_do_not_panic() {
    let x = vec![0.0f32; 12];
    for screen in [Screen::F32, Screen::I16] {
        let got = knn_with(MatView::new(&x, 4, 3).unwrap(), 2, Metric::Cosine, screen).unwrap();
        assert_eq!(got.row(0), &[1, 2], "{screen:?}");
    }
}
