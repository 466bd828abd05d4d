use std::cell::{Cell, RefCell};

use rosetta_core::{Matrix, Rng};

use super::*;
use crate::testing::{data, now, Local};

/// n × d rows and a noisy copy of them (`noise` × normal, seeded).
fn noisy_pair(n: usize, d: usize, noise: f32, seed: u64) -> (Vec<f32>, Vec<f32>) {
    let x = data(n, d);
    let mut r = Rng::new(seed);
    let y = x.iter().map(|&v| v + noise * r.normal() as f32).collect();
    (x, y)
}

/// Metrics by name, in the report's order.
type Metrics = Vec<(String, f64)>;

/// Records what the driver tells: each step, and each partial report's metrics with the number
/// of steps begun when it came; cancels once `cancel_at` steps have begun.
#[derive(Default)]
struct Recorder {
    steps: RefCell<Vec<Step>>,
    partials: RefCell<Vec<(usize, Metrics)>>,
    cancel_at: Option<usize>,
}

impl Observer for Recorder {
    fn step(&self, step: Step, _fraction: f64) {
        self.steps.borrow_mut().push(step);
    }

    fn found(&self, partial: &PartialReport) {
        let begun = self.steps.borrow().len();
        self.partials.borrow_mut().push((begun, partial.metrics()));
    }

    fn cancelled(&self) -> bool {
        self.cancel_at
            .is_some_and(|at| self.steps.borrow().len() >= at)
    }
}

fn steps_before(step: Step) -> usize {
    Step::ALL.iter().position(|&s| s == step).unwrap()
}

/// Partial reports (with the count of steps begun when each came) against the final metrics:
/// each value is the final one, in the final order; each report holds the last one's metrics;
/// the O(N·D²) metrics (RBF CKA and RSA among them) all come before the first kNN step; the
/// last report lacks only the Procrustes retrievals (the final step).
fn partials_agree_with(partials: &[(usize, Metrics)], last: &[(String, f64)]) {
    let rank = |name: &str| last.iter().position(|(n, _)| n == name).unwrap();
    let mut before = Vec::new();
    for (_, rows) in partials {
        let ranks: Vec<usize> = rows.iter().map(|(n, _)| rank(n)).collect();
        assert!(ranks.windows(2).all(|w| w[0] < w[1]), "{rows:?}");
        for (name, v) in rows {
            assert_eq!(v.to_bits(), last[rank(name)].1.to_bits(), "{name}");
        }
        let names: Vec<&String> = rows.iter().map(|(n, _)| n).collect();
        assert!(
            before.iter().all(|n| names.contains(n)),
            "{before:?} → {names:?}"
        );
        before = names;
    }
    let first_knn = steps_before(Step::NeighboursA);
    let (_, early) = partials
        .iter()
        .rev()
        .find(|(steps, _)| *steps <= first_knn)
        .unwrap();
    let early: Vec<&str> = early.iter().map(|(n, _)| n.as_str()).collect();
    for name in [
        "cka_linear",
        "cka_debiased",
        "relative.mean_cosine",
        "procrustes.residual",
        "procrustes.residual_optscale",
        "procrustes.heldout.residual",
        "stitching.a_to_b",
        "stitching.b_to_b",
        "cka_rbf",
        "rsa",
    ] {
        assert!(early.contains(&name), "{name} not in {early:?}");
    }
    assert!(!early
        .iter()
        .any(|n| n.contains("knn") || n.contains("top1")));
    let unsent: Vec<&str> = last
        .iter()
        .map(|(n, _)| n.as_str())
        .filter(|n| !before.iter().any(|b| b == n))
        .collect();
    let retrievals = [
        "procrustes.top1",
        "procrustes.mrr",
        "procrustes.heldout.top1",
        "procrustes.heldout.mrr",
    ];
    assert_eq!(unsent, retrievals);
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * (1.0 + a.abs())
}

#[test]
fn a_rotated_copy_agrees_everywhere() {
    let mut r = Rng::new(21);
    let n = 300;
    let x: Vec<f32> = (0..n * 3).map(|_| r.normal() as f32).collect();
    // Rotate about z by 90° and scale: relative representation and neighbours are unchanged.
    let y: Vec<f32> = x
        .chunks(3)
        .flat_map(|p| [-2.0 * p[1], 2.0 * p[0], 2.0 * p[2]])
        .collect();
    let labels: Vec<String> = (0..n)
        .map(|i| if x[3 * i] > 0.0 { "pos" } else { "neg" }.to_owned())
        .collect();
    let (vx, vy) = (
        MatView::new(&x, n, 3).unwrap(),
        MatView::new(&y, n, 3).unwrap(),
    );
    let anchors: Vec<usize> = (0..20).collect();
    let params = CompareParams::default();
    let rep = now(compare(
        &OneThread,
        (vx, vy),
        &anchors,
        params,
        Some(&labels),
        &(),
    ))
    .unwrap();
    assert!((rep.cka_linear - 1.0).abs() < 1e-6);
    assert!((rep.mutual_knn - 1.0).abs() < 1e-12);
    assert!((rep.relative.mean_cosine - 1.0).abs() < 1e-6);
    assert_eq!(rep.relative.retrieval.x_to_y.top1, 1.0);
    assert!(rep.procrustes.residual < 1e-3);
    assert!((rep.cka_rbf - 1.0).abs() < 1e-6, "{}", rep.cka_rbf);
    let s = rep.stitching.unwrap();
    assert!(s.a_to_b > 0.9 && (s.a_to_b - s.a_to_a).abs() < 1e-12);
}

#[test]
fn step_starts_rise_from_zero_below_one_with_the_work() {
    let starts = step_starts(20_000, 384, 384, 384);
    assert_eq!(starts[0], 0.0);
    assert!(starts.windows(2).all(|w| w[0] < w[1]) && starts[8] < 1.0);
    // As the tab's times went (the steps but the subsamples began at 0, 3, 5, 13, 23, 46, 62
    // and 81 % of the whole), within a few points.
    let measured = [0.0, 0.030, 0.052, 0.132, 0.232, 0.460, 0.624, 0.812];
    let without_subsamples = starts
        .iter()
        .enumerate()
        .filter(|&(i, _)| i != steps_before(Step::Subsamples))
        .map(|(_, &s)| s);
    for (s, m) in without_subsamples.zip(measured) {
        assert!((s - m).abs() < 0.04, "{starts:?}");
    }
    // Differing dims: no absolute retrieval.
    let other = step_starts(20_000, 384, 768, 384);
    assert!(other.windows(2).all(|w| w[0] < w[1]));
    assert!(step_starts(0, 0, 0, 0).iter().all(|&s| s == 0.0));
}

#[test]
fn pooled_compare_equals_the_one_thread_compare() {
    let (n, d) = (900, 6);
    let (x, y) = noisy_pair(n, d, 0.3, 4);
    // Y with three more columns (products of its own): dims differ, no absolute retrieval.
    let wide: Vec<f32> = y
        .chunks(d)
        .flat_map(|r| {
            r.iter()
                .copied()
                .chain([r[0] * r[1], r[2] * r[3], r[4] * r[5]])
        })
        .collect();
    let labels: Vec<String> = (0..n).map(|i| format!("c{}", i % 3)).collect();
    let vx = MatView::new(&x, n, d).unwrap();
    let anchors: Vec<usize> = (0..n).step_by(60).collect();
    let cases = [
        (false, MatView::new(&y, n, d).unwrap()),
        (true, MatView::new(&y, n, d).unwrap()),
        (false, MatView::new(&wide, n, d + 3).unwrap()),
    ];
    for (center, vy) in cases {
        let params = CompareParams {
            center,
            ..CompareParams::default()
        };
        let seen = Recorder::default();
        let one = now(compare(
            &OneThread,
            (vx, vy),
            &anchors,
            params,
            Some(&labels),
            &seen,
        ));
        let one = one.unwrap();
        assert_eq!(seen.steps.borrow().as_slice(), Step::ALL);
        partials_agree_with(&seen.partials.borrow(), &one.metrics());
        for (count, broken) in [(0, vec![]), (2, vec![]), (3, vec![1])] {
            let helpers = Local::with_broken(count, broken);
            let seen = Recorder::default();
            let pooled = Pooled(&helpers);
            let got = now(compare(
                &pooled,
                (vx, vy),
                &anchors,
                params,
                Some(&labels),
                &seen,
            ));
            let got = got.unwrap();
            assert_eq!(seen.steps.borrow().as_slice(), Step::ALL);
            partials_agree_with(&seen.partials.borrow(), &got.metrics());
            // Exact counts, neighbour lists and subsample metrics: equal; f64 sums: equal to
            // rounding.
            assert_eq!(got.overlap_per_item, one.overlap_per_item);
            assert_eq!(got.absolute_retrieval, one.absolute_retrieval);
            assert_eq!(got.absolute_retrieval.is_some(), vy.d() == d);
            assert_eq!(got.relative.retrieval, one.relative.retrieval);
            assert_eq!(got.stitching, one.stitching);
            assert_eq!((got.cka_rbf, got.rsa), (one.cka_rbf, one.rsa));
            for (a, b) in [
                (got.cka_linear, one.cka_linear),
                (got.mutual_knn, one.mutual_knn),
                (got.jaccard_abs, one.jaccard_abs),
                (got.relative.jaccard, one.relative.jaccard),
                (got.relative.mean_cosine, one.relative.mean_cosine),
                (got.procrustes.mrr, one.procrustes.mrr),
                (got.procrustes.top1, one.procrustes.top1),
                (got.procrustes.residual, one.procrustes.residual),
            ] {
                assert!(close(a, b), "{a} vs {b} ({count} helpers)");
            }
            assert_eq!(got.procrustes.heldout, one.procrustes.heldout);
        }
    }
}

#[test]
fn kept_rows_go_to_each_helper_once_and_are_dropped_after() {
    let (n, d) = (700, 5);
    let (x, y) = noisy_pair(n, d, 0.5, 5);
    let (vx, vy) = (
        MatView::new(&x, n, d).unwrap(),
        MatView::new(&y, n, d).unwrap(),
    );
    let anchors: Vec<usize> = (0..n).step_by(50).collect();
    let run = |helpers: &Local, cancel_at: Option<usize>| {
        let seen = Recorder {
            cancel_at,
            ..Recorder::default()
        };
        let params = CompareParams::default();
        now(compare(
            &Pooled(helpers),
            (vx, vy),
            &anchors,
            params,
            None,
            &seen,
        ))
    };
    let (plain, keeping) = (Local::new(2), Local::keeping(2));
    let (a, b) = (run(&plain, None).unwrap(), run(&keeping, None).unwrap());
    assert_eq!(a.metrics(), b.metrics());
    assert_eq!(a.overlap_per_item, b.overlap_per_item);
    // Each of the two helpers is sent X, Y and both relative spaces once (for their kNN; their
    // retrievals and the kNN lists' exact settling name the rows kept).
    let sends = keeping.sends.borrow();
    assert_eq!(sends.len(), 2 * 4);
    assert!(sends.values().all(|&times| times == 1), "{sends:?}");
    let kept = |h: &Local| h.keepers.borrow().iter().map(|k| k.count()).sum::<usize>();
    assert_eq!(kept(&keeping), 0);
    // Stopped halfway (after the first space's neighbours, as the second's begin): nothing stays
    // kept either.
    let stopped = Local::keeping(2);
    let at = steps_before(Step::NeighboursB) + 1;
    assert_eq!(run(&stopped, Some(at)).unwrap_err(), EngineError::Cancelled);
    assert_eq!(stopped.keepers.borrow().len(), 2);
    assert_eq!(kept(&stopped), 0);
}

#[test]
fn bad_inputs_are_refused_before_any_work() {
    let x = data(10, 3);
    let v = MatView::new(&x, 10, 3).unwrap();
    let short = MatView::new(&x[..27], 9, 3).unwrap();
    let helpers = Local::new(2);
    let params = CompareParams::default();
    let run = |pair, anchors: &[usize], labels| {
        now(compare(
            &Pooled(&helpers),
            pair,
            anchors,
            params,
            labels,
            &(),
        ))
    };
    let message = |r: Result<_, EngineError>| match r {
        Err(EngineError::Cancelled) => panic!("cancelled"),
        Err(e) => e.to_string(),
        Ok(_) => panic!("a report from bad inputs"),
    };
    assert!(message(run((v, short), &[0], None)).contains("10"));
    let labels = vec!["a".to_owned(); 3];
    assert!(message(run((v, v), &[0], Some(&labels))).contains("3 labels for 10 items"));
    assert!(message(run((v, v), &[10], None)).contains("anchors"));
    assert_eq!(helpers.jobs.get(), 0);
}

#[test]
fn a_cancelled_comparison_stops_before_its_next_kernel() {
    let (n, d) = (300, 4);
    let x = data(n, d);
    let v = MatView::new(&x, n, d).unwrap();
    let helpers = Local::new(1);
    let jobs_when_cancelled = Cell::new(0);
    // Cancelled once the neighbours of the second space are about to start.
    struct CancelAt<'a> {
        steps: RefCell<usize>,
        at: usize,
        helpers: &'a Local,
        jobs: &'a Cell<usize>,
    }
    impl Observer for CancelAt<'_> {
        fn step(&self, _: Step, _: f64) {
            *self.steps.borrow_mut() += 1;
        }
        fn cancelled(&self) -> bool {
            let stop = *self.steps.borrow() >= self.at;
            if stop {
                self.jobs.set(self.helpers.jobs.get());
            }
            stop
        }
    }
    let observer = CancelAt {
        steps: RefCell::new(0),
        at: steps_before(Step::NeighboursB) + 1,
        helpers: &helpers,
        jobs: &jobs_when_cancelled,
    };
    let params = CompareParams::default();
    let got = now(compare(
        &Pooled(&helpers),
        (v, v),
        &[0, 1, 2],
        params,
        None,
        &observer,
    ));
    assert_eq!(got.unwrap_err(), EngineError::Cancelled);
    assert_eq!(
        *observer.steps.borrow(),
        steps_before(Step::NeighboursB) + 1
    );
    // The first space's kNN was the last kernel: nothing was sent after the cancel.
    assert!(jobs_when_cancelled.get() > 0);
    assert_eq!(helpers.jobs.get(), jobs_when_cancelled.get());
}

#[test]
fn default_anchors_are_the_wider_dimension_at_most_n() {
    let (x, y) = (data(50, 3), data(50, 7));
    let (vx, vy) = (
        MatView::new(&x, 50, 3).unwrap(),
        MatView::new(&y, 50, 7).unwrap(),
    );
    assert_eq!(default_anchors(vx, vy, 0).unwrap().len(), 7);
    let wide = Matrix {
        data: data(5, 9),
        n: 5,
        d: 9,
    };
    assert_eq!(
        default_anchors(wide.view(), wide.view(), 0).unwrap().len(),
        5
    );
}

#[test]
fn zero_vectors_and_constant_columns_do_not_break_a_comparison() {
    let n = 12;
    let mut r = Rng::new(1);
    let mut x: Vec<f32> = (0..n * 4).map(|_| r.normal() as f32).collect();
    for i in 0..n {
        x[i * 4 + 2] = 0.0; // a constant column (and row 0 below is a zero vector)
    }
    x[..4].fill(0.0); // a zero vector
    let y: Vec<f32> = (0..n * 3).map(|_| r.normal() as f32).collect();
    let (vx, vy) = (
        MatView::new(&x, n, 4).unwrap(),
        MatView::new(&y, n, 3).unwrap(),
    );
    let params = CompareParams {
        k: 3,
        ..CompareParams::default()
    };
    let rep = now(compare(&OneThread, (vx, vy), &[0, 1, 2], params, None, &())).unwrap();
    assert!(rep.cka_linear.is_finite() && rep.relative.mean_cosine.is_finite());
    assert!(rep.procrustes.residual.is_finite());
}
