//! Benchmarks of kernels split among the pool (`?bench=pca,relative` runs them after the
//! one-worker timings, when the pool has helpers): the same data as `rosetta_bench::pca` and
//! `rosetta_bench::relative_rep`, so the lines compare directly.

use rosetta_bench::{
    compare_check, compare_inputs, pca_inputs, relative_inputs, CompareInputs, Timing, REPEATS,
};
use rosetta_core::compare::CompareParams;
use rosetta_core::relative::RelativeParams;
use rosetta_core::{MatView, Matrix, Metric, PcaParams};

use std::cell::RefCell;

use super::compare::{compare_pooled, full_report};
use super::jobs::Helpers;
use super::shares::{bytes_of, knn_rows, knn_work, pca_fit, relative_rows};
/// The pooled timings of workload `which` ("pca", "relative", "knn", "compare",
/// "compare-steps"; "knn-pooled" and "compare-pooled" without the one-thread runs; "pair-report":
/// the page's report, when each of its metrics is known), if it has any.
pub async fn pooled(
    which: &str,
    helpers: &impl Helpers,
    clock: &dyn Fn() -> f64,
    scale: f64,
) -> Vec<Timing> {
    match which {
        "pca" => pca_pooled(helpers, clock, scale)
            .await
            .into_iter()
            .collect(),
        "relative" => relative_pooled(helpers, clock, scale)
            .await
            .into_iter()
            .collect(),
        "knn" | "knn-pooled" => knn_pooled(helpers, clock, scale)
            .await
            .into_iter()
            .collect(),
        "compare" => compare_timed(helpers, clock, scale)
            .await
            .into_iter()
            .take(1)
            .collect(),
        // `compare-pooled`: the steps of the pooled run alone (no one-worker run before it).
        "compare-steps" | "compare-pooled" => compare_timed(helpers, clock, scale).await,
        "pair-report" => report_timed(helpers, clock, scale).await,
        _ => Vec::new(),
    }
}

/// Fastest of `REPEATS` pooled PCA fits (10 components) with the coordinates on 2.
pub async fn pca_pooled(
    helpers: &impl Helpers,
    clock: &dyn Fn() -> f64,
    scale: f64,
) -> Option<Timing> {
    let (x, n, d) = pca_inputs(scale);
    let workers = helpers.count((n * d * d) as f64, bytes_of(n.div_ceil(2) * d)) + 1;
    let view = MatView::new(&x, n, d).ok()?;
    let mut best = f64::INFINITY;
    let mut check = f64::NAN;
    for _ in 0..REPEATS {
        let t0 = clock();
        let pca = pca_fit(helpers, view, PcaParams::new(10), |_, _| {})
            .await
            .ok()?;
        let coords = pca.transform(view, 2).ok()?;
        best = best.min(clock() - t0);
        check = pca.explained_variance_ratio[0] + f64::from(coords[0]);
    }
    Some(Timing {
        name: format!("pca {n}x{d} k=10, {workers} workers"),
        ms: best,
        bytes: None,
        check,
    })
}

/// Fastest of `REPEATS` pooled runs (fit + transform), named like the one-thread line plus the
/// number of workers.
pub async fn relative_pooled(
    helpers: &impl Helpers,
    clock: &dyn Fn() -> f64,
    scale: f64,
) -> Option<Timing> {
    let (x, n, d, anchors) = relative_inputs(scale);
    let work = (n * d * anchors.len()) as f64;
    let workers = helpers.count(work, bytes_of(n.div_ceil(2) * d + anchors.len() * d)) + 1;
    let view = MatView::new(&x, n, d).ok()?;
    let mut best = f64::INFINITY;
    let mut check = f64::NAN;
    for _ in 0..REPEATS {
        let t0 = clock();
        let basis = RelativeParams::default().fit(view, &anchors).ok()?;
        let rel = relative_rows(helpers, view, &basis, |_, _| {}).await.ok()?;
        best = best.min(clock() - t0);
        check = f64::from(rel.data[0]);
    }
    Some(Timing {
        name: format!(
            "relative {n}x{d} -> {} anchors, {workers} workers",
            anchors.len()
        ),
        ms: best,
        bytes: None,
        check,
    })
}

/// The `compare` workload's data and how many workers its kNN uses (as its lines name them).
fn compare_data(helpers: &impl Helpers, scale: f64) -> (CompareInputs, usize) {
    let inp = compare_inputs(scale);
    let workers = helpers.count(knn_work(inp.n, inp.d), bytes_of(inp.n * inp.d)) + 1;
    (inp, workers)
}

/// Fastest of `REPEATS` pooled cosine kNNs (k = 10) of the `compare` workload's first space
/// (its rows sent to the helpers each time, as a kNN outside a comparison does), named like the
/// one-thread `knn` line plus the number of workers.
pub async fn knn_pooled(
    helpers: &impl Helpers,
    clock: &dyn Fn() -> f64,
    scale: f64,
) -> Option<Timing> {
    let (inp, workers) = compare_data(helpers, scale);
    let (n, d) = (inp.n, inp.d);
    let view = MatView::new(&inp.x, n, d).ok()?;
    let mut best = f64::INFINITY;
    let mut check = f64::NAN;
    for _ in 0..REPEATS {
        let t0 = clock();
        let nb = knn_rows(helpers, view, None, 10, Metric::Cosine, |_, _| {})
            .await
            .ok()?;
        best = best.min(clock() - t0);
        check = nb.scores.iter().sum();
    }
    Some(Timing {
        name: format!("knn {n}x{d} k=10, {workers} workers"),
        ms: best,
        bytes: None,
        check,
    })
}

/// One pooled run of the full comparison (like the one-thread line, a single run: it is long),
/// then the time of each of its steps.
pub async fn compare_timed(
    helpers: &impl Helpers,
    clock: &dyn Fn() -> f64,
    scale: f64,
) -> Vec<Timing> {
    let (inp, workers) = compare_data(helpers, scale);
    let (n, d) = (inp.n, inp.d);
    let (Ok(vx), Ok(vy)) = (MatView::new(&inp.x, n, d), MatView::new(&inp.y, n, d)) else {
        return Vec::new();
    };
    let marks = RefCell::new(Vec::new());
    let t0 = clock();
    let report = compare_pooled(
        helpers,
        (vx, vy),
        &inp.anchors,
        CompareParams::default(),
        Some(&inp.labels),
        |step, _| marks.borrow_mut().push((step.to_owned(), clock())),
        |_| {},
        || false,
        std::future::ready(Ok(())),
    )
    .await;
    let ms = clock() - t0;
    let Ok(rep) = report else {
        return Vec::new();
    };
    let line = |name: String, ms: f64| Timing {
        name,
        ms,
        bytes: None,
        check: compare_check(&rep),
    };
    let mut out = vec![line(format!("compare {n}x{d} k=10, {workers} workers"), ms)];
    out.extend(marks.borrow().windows(2).map(|w| {
        line(
            format!("compare {n}x{d}, {workers} workers, step: {}", w[0].0),
            w[1].1 - w[0].1,
        )
    }));
    out
}

/// One run of the page's pair report (`full_report`: the comparison with RBF CKA and RSA) on the
/// comparison's data: its total, then the time at which each partial report came, named by the
/// metrics it added (the page shows each one then).
pub async fn report_timed(
    helpers: &impl Helpers,
    clock: &dyn Fn() -> f64,
    scale: f64,
) -> Vec<Timing> {
    // The spaces move into the report's matrices (no copy of the two N × D spaces).
    let (inp, workers) = compare_data(helpers, scale);
    let CompareInputs {
        x,
        y,
        n,
        d,
        labels,
        anchors,
    } = inp;
    let (x, y) = (Matrix { data: x, n, d }, Matrix { data: y, n, d });
    // (ms since the start, metric names) of each partial report.
    let found = RefCell::new(Vec::<(f64, Vec<String>)>::new());
    let t0 = clock();
    let report = full_report(
        helpers,
        (&x, &y),
        anchors,
        CompareParams::default(),
        Some(&labels),
        |_, _| {},
        |rows| {
            let names = rows.iter().map(|(n, _)| n.clone()).collect();
            found.borrow_mut().push((clock() - t0, names));
        },
        || false,
    )
    .await;
    let ms = clock() - t0;
    let Ok(rows) = report else {
        return Vec::new();
    };
    let check = rows.iter().map(|(_, v)| v).sum();
    let line = |name: String, ms: f64| Timing {
        name,
        ms,
        bytes: None,
        check,
    };
    let mut out = vec![line(format!("pair report {n}x{d}, {workers} workers"), ms)];
    let mut known: Vec<String> = Vec::new();
    for (at, names) in found.into_inner() {
        let new: Vec<&str> = names
            .iter()
            .filter(|n| !known.contains(n))
            .map(String::as_str)
            .collect();
        out.push(line(
            format!(
                "pair report {n}x{d}, {workers} workers, known: {}",
                new.join(" ")
            ),
            at,
        ));
        known = names;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::worker::jobs::testing::{now, Local};

    #[test]
    fn pooled_timing_checks_the_same_value_as_one_thread() {
        let clock = || 0.0;
        let one = rosetta_bench::run("relative", &clock, 0.01);
        // (The pooled PCA is checked in `jobs`: natively, in a debug build, its 7,680-row minimum
        // for the covariance path would take a minute here.)
        assert!(now(pooled("parse", &Local::new(2), &clock, 0.01)).is_empty());
        let pooled = now(pooled("relative", &Local::new(2), &clock, 0.01)).remove(0);
        assert_eq!(pooled.name, format!("{}, 3 workers", one[0].name));
        assert!((pooled.check - one[0].check).abs() < 1e-6);
        let one = rosetta_bench::run("compare", &clock, 0.01);
        let two = now(super::pooled("compare", &Local::new(1), &clock, 0.01));
        assert_eq!(two.len(), 1);
        assert_eq!(two[0].name, format!("{}, 2 workers", one[0].name));
        assert!((two[0].check - one[0].check).abs() < 1e-9);
        let steps = now(super::pooled("compare-steps", &Local::new(1), &clock, 0.01));
        assert_eq!(steps.len(), 1 + rosetta_core::compare::COMPARE_STEPS.len());
        let report = now(super::pooled("pair-report", &Local::new(1), &clock, 0.01));
        assert!(report[0].name.starts_with("pair report"));
        assert!(report[1].name.ends_with("known: cka_linear cka_debiased"));
        assert!(report.len() > 8);
    }
}
