//! The full comparison of two spaces (`rosetta compare`'s report) with its O(N²) steps — kNN in
//! each space, retrievals, relative representations, Procrustes retrievals — split among this
//! worker and the helpers. The same steps as `rosetta_core::compare::compare` (the CLI's
//! one-thread path); `CompareParts::finish` makes the report of both.

use std::cell::RefCell;
use std::future::Future;

use futures_util::future::join;
use rosetta_core::agreement::{jaccard, mutual_knn};
use rosetta_core::anchors::{check_indices, select_anchors, AnchorParams, AnchorStrategy};
use rosetta_core::cka::RbfParams;
use rosetta_core::compare::{
    check_compare_inputs, compare_step_starts, half_split, CompareParams, CompareParts,
    CompareReport, PartialReport, COMPARE_STEPS,
};
use rosetta_core::retrieval::mean_row_cosine;
use rosetta_core::{MatView, Matrix, Metric};

use super::jobs::{Forgetting, Helpers};
use super::shares::{
    knn_rows, linear_cka_pooled, procrustes_aligned_pooled, procrustes_fits_pooled, relative_rows,
    retrieval_rows, retrieval_x_to_y_rows, stitching_pooled, subsample_metrics_pooled,
};

/// Why a comparison did not finish.
#[derive(Debug, Clone, PartialEq)]
pub enum Stopped {
    /// `cancelled()` said so (checked before each kernel).
    Cancelled,
    Failed(String),
}

impl From<String> for Stopped {
    fn from(message: String) -> Self {
        Self::Failed(message)
    }
}

fn failed(e: rosetta_core::CoreError) -> Stopped {
    Stopped::Failed(e.to_string())
}

/// `compare(x, y, anchors, params, labels)` in shares, in the same steps. `progress(step,
/// fraction)` is called before each of `COMPARE_STEPS`; `found(partial)` each time a part's
/// metrics become known (the O(N·D²) ones — CKA, the relative rows' mean cosine, Procrustes'
/// residuals, stitching — come first, within seconds; then each O(N²) step's); `cancelled()` is
/// asked before each kernel (a kernel runs to its end; a Procrustes fit cancelled waits for the
/// stitching part running beside it). `beside` is the caller's own work (the page's subsample
/// metrics), run after the O(N·D²) steps, before the first kNN, so that it delays none of their
/// metrics. O(N²·(Dx + Dy + K)) multiply-adds, split among the workers.
#[allow(clippy::too_many_arguments)] // reason: the comparison's inputs, its three callbacks and the caller's work
pub async fn compare_pooled(
    helpers: &impl Helpers,
    (x, y): (MatView<'_>, MatView<'_>),
    anchors: &[usize],
    params: CompareParams,
    labels: Option<&[String]>,
    progress: impl Fn(&str, f64),
    found: impl Fn(&PartialReport),
    cancelled: impl Fn() -> bool,
    beside: impl Future<Output = Result<(), Stopped>>,
) -> Result<CompareReport, Stopped> {
    let text = failed;
    check_compare_inputs(x, y, labels).map_err(text)?;
    let go = || {
        if cancelled() {
            Err(Stopped::Cancelled)
        } else {
            Ok(())
        }
    };
    let starts = compare_step_starts(x.n(), x.d(), y.d(), anchors.len());
    let step = |i: usize| {
        progress(COMPARE_STEPS[i], starts[i]);
        go()
    };
    let mut partial = PartialReport::default();

    step(0)?;
    let cka = linear_cka_pooled(helpers, x, y).await?;
    partial.cka = Some(cka);
    found(&partial);
    step(1)?;
    let rp = params.relative_params();
    let bx = rp.fit(x, anchors).map_err(text)?;
    let by = rp.fit(y, anchors).map_err(text)?;
    let rx = relative_rows(helpers, x, &bx, |_, _| {}).await?;
    go()?;
    let ry = relative_rows(helpers, y, &by, |_, _| {}).await?;
    partial.mean_cosine = Some(mean_row_cosine(rx.view(), ry.view()).map_err(text)?);
    found(&partial);
    step(2)?;
    let (train, test) = half_split(x.n(), params.seed);
    // Procrustes' fits and the stitching probes do not depend on each other: run together, the
    // serial parts of one (its SVDs, the probes' solves and scores, here) overlap the other's
    // shares on the helpers, which take the jobs of both in turn.
    let fits = procrustes_fits_pooled(helpers, x, y, Some((&train, &test)));
    let stitching = async {
        let Some(l) = labels else {
            return Ok::<_, Stopped>(None);
        };
        let split = (&train[..], &test[..]);
        let (rxv, ryv) = (rx.view(), ry.view());
        let alpha = params.ridge_alpha;
        Ok(Some(
            stitching_pooled(helpers, (rxv, ryv), l, split, alpha, Some((x, y))).await?,
        ))
    };
    let (fits, stitching) = join(fits, stitching).await;
    let (fits, stitching) = (fits?, stitching?);
    partial.procrustes_residuals = Some(fits.residuals());
    partial.stitching.clone_from(&stitching);
    found(&partial);
    // Alone: run beside the fits, its serial work left the helpers idle and delayed the
    // residuals by more than its own time (measured in the tab).
    beside.await?;
    step(3)?;
    // Helpers keep the rows that two kernels send (each space's kNN, then the retrieval between
    // them) and drop them once these are done (or when this returns early).
    let mut kept = Forgetting::new(helpers);
    let same_dims = x.d() == y.d();
    let (kx, ky) = if same_dims {
        (kept.key(), kept.key())
    } else {
        (None, None)
    };
    let nx = knn_rows(helpers, x, kx, params.k, Metric::Cosine, |_, _| {}).await?;
    step(4)?;
    let ny = knn_rows(helpers, y, ky, params.k, Metric::Cosine, |_, _| {}).await?;
    partial.agreement = Some((
        mutual_knn(&nx, &ny).map_err(text)?,
        jaccard(&nx, &ny).map_err(text)?,
    ));
    found(&partial);
    go()?;
    let absolute_retrieval = if same_dims {
        Some(retrieval_rows(helpers, x, y, (kx, ky)).await?)
    } else {
        None
    };
    kept.forget_now();
    partial.absolute_retrieval.clone_from(&absolute_retrieval);
    found(&partial);
    step(5)?;
    let (krx, kry) = (kept.key(), kept.key());
    let rnx = knn_rows(helpers, rx.view(), krx, params.k, Metric::Cosine, |_, _| {}).await?;
    go()?;
    let rny = knn_rows(helpers, ry.view(), kry, params.k, Metric::Cosine, |_, _| {}).await?;
    partial.relative_jaccard = Some(jaccard(&rnx, &rny).map_err(text)?);
    found(&partial);
    step(6)?;
    let relative_retrieval = retrieval_rows(helpers, rx.view(), ry.view(), (krx, kry)).await?;
    kept.forget_now();
    partial.relative_retrieval = Some(relative_retrieval.clone());
    found(&partial);
    step(7)?;
    let aligned = procrustes_aligned_pooled(helpers, fits, x, y).await?;
    let (ax, ny_hat) = aligned.in_sample();
    let in_sample = retrieval_x_to_y_rows(helpers, ax, ny_hat).await?;
    go()?;
    let heldout = match aligned.heldout() {
        Some((ax, ny_hat)) => Some(retrieval_x_to_y_rows(helpers, ax, ny_hat).await?),
        None => None,
    };
    let procrustes = aligned.report(in_sample, heldout);
    let parts = CompareParts {
        cka,
        nx,
        ny,
        absolute_retrieval,
        rx,
        ry,
        rnx,
        rny,
        relative_retrieval,
        procrustes,
        stitching,
    };
    let report = parts.finish((x, y), anchors.len(), params).map_err(text)?;
    progress("done", 1.0);
    Ok(report)
}

/// The page's step while RBF CKA and RSA run.
pub const SUBSAMPLES_STEP: &str = "RBF CKA and RSA (subsamples)";

/// Metrics by name.
type Rows = Vec<(String, f64)>;

/// What the page's pair report shows: `compare_pooled`'s metrics plus RBF CKA and RSA on
/// subsamples (as `rosetta compare` prints them), with the CLI's default anchors when `anchors`
/// is empty (max(dims) random, seed 0). Inputs and anchor rows are checked first. The
/// subsamples' metrics (~0.7 s in a tab for 20,000 items, one space per worker) come after the
/// comparison's O(N·D²) ones (CKA, mean cosine, Procrustes' residuals, stitching), before its
/// O(N²) ones. `found(rows)` is told every metric known
/// so far, in the final order.
#[allow(clippy::too_many_arguments)] // reason: the comparison's inputs and its three callbacks
pub async fn full_report(
    helpers: &impl Helpers,
    (x, y): (&Matrix, &Matrix),
    anchors: Vec<usize>,
    params: CompareParams,
    labels: Option<&[String]>,
    progress: impl Fn(&str, f64),
    found: impl Fn(&[(String, f64)]),
    cancelled: impl Fn() -> bool,
) -> Result<Vec<(String, f64)>, Stopped> {
    let text = failed;
    let pair = (x.view(), y.view());
    check_compare_inputs(pair.0, pair.1, labels).map_err(text)?;
    let anchors = if anchors.is_empty() {
        let default = AnchorParams {
            strategy: AnchorStrategy::Random,
            k: x.d.max(y.d).min(x.n),
            seed: params.seed,
        };
        select_anchors(x.view(), default, None).map_err(text)?
    } else {
        check_indices(&anchors, x.n).map_err(|e| Stopped::Failed(format!("anchors: {e}")))?;
        anchors
    };
    // The comparison's latest metrics and the subsamples' (once known): each `found` shows both.
    let known = RefCell::new((Vec::new(), Vec::new()));
    let tell = |known: &(Rows, Rows)| {
        let mut rows = known.0.clone();
        rows.extend(known.1.iter().cloned());
        found(&rows);
    };
    let subsamples = async {
        if cancelled() {
            return Err(Stopped::Cancelled);
        }
        // Between the comparison's third and fourth steps: the bar stays where the fourth begins.
        let starts = compare_step_starts(x.n, x.d, y.d, anchors.len());
        progress(SUBSAMPLES_STEP, starts[3]);
        let rbf = RbfParams {
            seed: params.seed,
            ..RbfParams::default()
        };
        let (cka_rbf, rsa) =
            subsample_metrics_pooled(helpers, pair, rbf, 1000, params.seed).await?;
        let rows = vec![("cka_rbf".to_owned(), cka_rbf), ("rsa".to_owned(), rsa)];
        let mut known = known.borrow_mut();
        known.1 = rows;
        tell(&known);
        Ok(())
    };
    let report = compare_pooled(
        helpers,
        pair,
        &anchors,
        params,
        labels,
        &progress,
        |p| {
            let mut known = known.borrow_mut();
            known.0 = p.metrics();
            tell(&known);
        },
        &cancelled,
        subsamples,
    )
    .await?;
    let mut known = known.into_inner();
    known.0 = report.metrics();
    let (mut rows, subsamples) = known;
    rows.extend(subsamples);
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use std::cell::{Cell, RefCell};

    use rosetta_core::compare::compare;
    use rosetta_core::Rng;

    use super::*;
    use crate::worker::jobs::testing::{data, now, Local};

    /// n × d rows and a noisy copy of them (`noise` × normal, seeded).
    fn noisy_pair(n: usize, d: usize, noise: f32, seed: u64) -> (Vec<f32>, Vec<f32>) {
        let x = data(n, d);
        let mut r = Rng::new(seed);
        let y = x.iter().map(|&v| v + noise * r.normal() as f32).collect();
        (x, y)
    }

    /// Partial reports (with the count of steps begun when each came) against the final
    /// metrics: each value is the final one, in the final order; each report holds the last
    /// one's metrics; the O(N·D²) metrics all come before the first kNN step; the last report
    /// lacks only the Procrustes retrievals (the final step).
    fn partials_agree_with(partials: &[(usize, Vec<(String, f64)>)], last: &[(String, f64)]) {
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
        let first_knn = COMPARE_STEPS
            .iter()
            .position(|s| s.starts_with("neighbours"))
            .unwrap();
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
            let mut steps = Vec::new();
            let one = compare(vx, vy, &anchors, params, Some(&labels), &mut |s, _| {
                steps.push(s.to_owned())
            })
            .unwrap();
            for (count, broken) in [(0, vec![]), (2, vec![]), (3, vec![1])] {
                let helpers = Local::with_broken(count, broken);
                let seen = RefCell::new(Vec::new());
                // Each partial report with the steps begun when it came.
                let partials = RefCell::new(Vec::new());
                let got = now(compare_pooled(
                    &helpers,
                    (vx, vy),
                    &anchors,
                    params,
                    Some(&labels),
                    |s, _| seen.borrow_mut().push(s.to_owned()),
                    |p| {
                        partials
                            .borrow_mut()
                            .push((seen.borrow().len(), p.metrics()))
                    },
                    || false,
                    std::future::ready(Ok(())),
                ))
                .unwrap();
                assert_eq!(seen.into_inner(), steps);
                partials_agree_with(&partials.into_inner(), &got.metrics());
                // Exact counts and neighbour lists: equal; f64 sums: equal to rounding.
                assert_eq!(got.overlap_per_item, one.overlap_per_item);
                assert_eq!(got.absolute_retrieval, one.absolute_retrieval);
                assert_eq!(got.absolute_retrieval.is_some(), vy.d() == d);
                assert_eq!(got.relative.retrieval, one.relative.retrieval);
                assert_eq!(got.stitching, one.stitching);
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
        let run = |helpers: &Local, cancel_after: usize| {
            let steps = RefCell::new(0);
            now(compare_pooled(
                helpers,
                (vx, vy),
                &anchors,
                CompareParams::default(),
                None,
                |_, _| *steps.borrow_mut() += 1,
                |_| {},
                || *steps.borrow() >= cancel_after,
                std::future::ready(Ok(())),
            ))
        };
        let (plain, keeping) = (Local::new(2), Local::keeping(2));
        let (a, b) = (run(&plain, 99).unwrap(), run(&keeping, 99).unwrap());
        assert_eq!(a.metrics(), b.metrics());
        assert_eq!(a.overlap_per_item, b.overlap_per_item);
        // Each of the two helpers is sent X, Y and both relative spaces once (for their kNN;
        // their retrievals and the kNN lists' exact settling name the rows kept).
        let sends = keeping.sends.borrow();
        assert_eq!(sends.len(), 2 * 4);
        assert!(sends.values().all(|&times| times == 1), "{sends:?}");
        let kept = |h: &Local| h.keepers.borrow().iter().map(|k| k.count()).sum::<usize>();
        assert_eq!(kept(&keeping), 0);
        // Stopped halfway (after the first space's neighbours, at the fifth step): nothing stays
        // kept either.
        let stopped = Local::keeping(2);
        assert_eq!(run(&stopped, 5).unwrap_err(), Stopped::Cancelled);
        assert_eq!(stopped.keepers.borrow().len(), 2);
        assert_eq!(kept(&stopped), 0);
    }

    #[test]
    fn the_page_report_shows_the_subsamples_after_the_dense_metrics_and_before_any_knn() {
        let (n, d) = (900, 6);
        let (x, y) = noisy_pair(n, d, 0.3, 5);
        let (mx, my) = (Matrix { data: x, n, d }, Matrix { data: y, n, d });
        let labels: Vec<String> = (0..n).map(|i| format!("c{}", i % 3)).collect();
        let seen = RefCell::new(0);
        let steps = RefCell::new(Vec::new());
        let partials = RefCell::new(Vec::new());
        let last = now(full_report(
            &Local::with_broken(2, vec![]),
            (&mx, &my),
            (0..n).step_by(45).collect(),
            CompareParams::default(),
            Some(&labels),
            |step, _| {
                steps.borrow_mut().push(step.to_owned());
                // The subsamples' own step is not one of the comparison's.
                if step != SUBSAMPLES_STEP {
                    *seen.borrow_mut() += 1;
                }
            },
            |rows| partials.borrow_mut().push((*seen.borrow(), rows.to_vec())),
            || false,
        ))
        .unwrap();
        let partials = partials.into_inner();
        partials_agree_with(&partials, &last);
        let steps = steps.into_inner();
        let at = steps.iter().position(|s| s == SUBSAMPLES_STEP).unwrap();
        assert_eq!(steps[at - 1], COMPARE_STEPS[2]);
        assert_eq!(steps[at + 1], COMPARE_STEPS[3]);
        let names = |rows: &[(String, f64)]| -> Vec<String> {
            rows.iter().map(|(n, _)| n.clone()).collect()
        };
        let first = names(&partials[0].1);
        assert_eq!(first, ["cka_linear", "cka_debiased"]);
        let first_knn = 1 + COMPARE_STEPS
            .iter()
            .position(|s| s.starts_with("neighbours"))
            .unwrap();
        let early = partials.iter().rev().find(|(s, _)| *s < first_knn).unwrap();
        for name in ["cka_rbf", "rsa"] {
            assert!(names(&early.1).iter().any(|n| n == name), "{name}");
        }
        // They delay none of the comparison's O(N·D²) metrics.
        let with_rbf = partials
            .iter()
            .find(|(_, rows)| names(rows).iter().any(|n| n == "cka_rbf"))
            .unwrap();
        for name in [
            "procrustes.residual",
            "stitching.a_to_b",
            "relative.mean_cosine",
        ] {
            assert!(names(&with_rbf.1).iter().any(|n| n == name), "{name}");
        }
        assert_eq!(names(&last)[last.len() - 2..], ["cka_rbf", "rsa"]);
    }

    #[test]
    fn pooled_compare_refuses_bad_inputs_before_any_work() {
        let x = data(10, 3);
        let v = MatView::new(&x, 10, 3).unwrap();
        let short = MatView::new(&x[..27], 9, 3).unwrap();
        let helpers = Local::new(2);
        let params = CompareParams::default();
        let run = |pair, labels| {
            now(compare_pooled(
                &helpers,
                pair,
                &[0],
                params,
                labels,
                |_, _| {},
                |_| {},
                || false,
                std::future::ready(Ok(())),
            ))
        };
        let message = |r: Result<_, Stopped>| match r {
            Err(Stopped::Failed(m)) => m,
            Err(Stopped::Cancelled) => panic!("cancelled"),
            Ok(_) => panic!("a report from bad inputs"),
        };
        assert!(message(run((v, short), None)).contains("10"));
        let labels = vec!["a".to_owned(); 3];
        assert!(message(run((v, v), Some(&labels))).contains("3 labels for 10 items"));
        assert_eq!(helpers.jobs.get(), 0);
        let m = Matrix {
            data: x.clone(),
            n: 10,
            d: 3,
        };
        let bad = now(full_report(
            &helpers,
            (&m, &m),
            vec![10],
            params,
            None,
            |_, _| {},
            |_| {},
            || false,
        ));
        assert!(matches!(bad, Err(Stopped::Failed(m)) if m.contains("anchors")));
    }

    #[test]
    fn a_cancelled_comparison_stops_before_its_next_kernel() {
        let (n, d) = (300, 4);
        let x = data(n, d);
        let v = MatView::new(&x, n, d).unwrap();
        let helpers = Local::new(1);
        let steps = RefCell::new(Vec::new());
        let jobs_when_cancelled = Cell::new(0);
        // Cancelled once the neighbours of the second space are about to start.
        let got = now(compare_pooled(
            &helpers,
            (v, v),
            &[0, 1, 2],
            CompareParams::default(),
            None,
            |s, _| steps.borrow_mut().push(s.to_owned()),
            |_| {},
            || {
                let stop = steps.borrow().len() >= 5;
                if stop {
                    jobs_when_cancelled.set(helpers.jobs.get());
                }
                stop
            },
            std::future::ready(Ok(())),
        ));
        assert_eq!(got.unwrap_err(), Stopped::Cancelled);
        assert_eq!(steps.into_inner(), COMPARE_STEPS[..5].to_vec());
        // The first space's kNN was the last kernel: nothing was sent after the cancel.
        assert!(jobs_when_cancelled.get() > 0);
        assert_eq!(helpers.jobs.get(), jobs_when_cancelled.get());
    }
}
