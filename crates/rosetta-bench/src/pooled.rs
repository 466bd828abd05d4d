//! Benchmarks of kernels split among a pool (`?bench=pca,relative` in a bench build runs them
//! after the one-worker timings, when the pool has helpers): the same data as [`crate::pca`] and
//! [`crate::relative_rep`], so the lines compare directly.

use std::cell::RefCell;

use rosetta_core::projections::relative::RelativeParams;
use rosetta_core::{MatView, Metric, PcaParams};
use rosetta_engine::compare::{compare, CompareParams, Observer, PartialReport, Pooled, Step};
use rosetta_engine::pool::Helpers;
use rosetta_engine::shares::{bytes_of, knn_rows, knn_work, pca_fit, relative_rows};

use crate::{
    compare_check, compare_inputs, pca_inputs, relative_inputs, CompareInputs, Timing, REPEATS,
};

/// The pooled timings of workload `which` ("pca", "relative", "knn", "compare"; "compare-steps"
/// with each step's time and when each metric was known; "knn-pooled" and "compare-pooled"
/// without the one-thread runs), if it has any.
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
        // `compare-pooled`: the pooled run alone (no one-worker run before it).
        "compare-steps" | "compare-pooled" => compare_timed(helpers, clock, scale).await,
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

/// When each step began and each partial report came (with the metrics it named).
struct Timeline<'c> {
    clock: &'c dyn Fn() -> f64,
    t0: f64,
    steps: RefCell<Vec<(&'static str, f64)>>,
    found: RefCell<Vec<(f64, Vec<String>)>>,
}

impl Observer for Timeline<'_> {
    fn step(&self, step: Step, _fraction: f64) {
        let at = (self.clock)() - self.t0;
        self.steps.borrow_mut().push((step.name(), at));
    }

    fn found(&self, partial: &PartialReport) {
        let names = partial.metrics().into_iter().map(|(n, _)| n).collect();
        let at = (self.clock)() - self.t0;
        self.found.borrow_mut().push((at, names));
    }
}

/// One pooled run of the page's pair report (like the one-thread line, a single run: it is
/// long): its total, the time of each step, then when each partial report came, named by the
/// metrics it added (the page shows each one then).
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
    let timeline = Timeline {
        clock,
        t0: clock(),
        steps: RefCell::new(Vec::new()),
        found: RefCell::new(Vec::new()),
    };
    let params = CompareParams::default();
    let labels = Some(&inp.labels[..]);
    let pooled = Pooled(helpers);
    let report = compare(&pooled, (vx, vy), &inp.anchors, params, labels, &timeline).await;
    let ms = clock() - timeline.t0;
    let Ok(rep) = report else {
        return Vec::new();
    };
    let line = |name: String, ms: f64| Timing {
        name,
        ms,
        bytes: None,
        check: compare_check(&rep),
    };
    let what = format!("compare {n}x{d} k=10, {workers} workers");
    let mut out = vec![line(what.clone(), ms)];
    let mut steps = timeline.steps.into_inner();
    steps.push(("done", ms));
    out.extend(
        steps
            .windows(2)
            .map(|w| line(format!("{what}, step: {}", w[0].0), w[1].1 - w[0].1)),
    );
    let mut known: Vec<String> = Vec::new();
    for (at, names) in timeline.found.into_inner() {
        let new: Vec<&str> = names
            .iter()
            .filter(|n| !known.contains(n))
            .map(String::as_str)
            .collect();
        if !new.is_empty() {
            out.push(line(format!("{what}, known: {}", new.join(" ")), at));
        }
        known = names;
    }
    out
}

#[cfg(test)]
mod tests {
    use rosetta_engine::testing::{now, Local};

    use super::*;

    #[test]
    fn pooled_timing_checks_the_same_value_as_one_thread() {
        let clock = || 0.0;
        let one = crate::run("relative", &clock, 0.01);
        // (The pooled PCA is checked in `jobs`: natively, in a debug build, its 7,680-row minimum
        // for the covariance path would take a minute here.)
        assert!(now(pooled("parse", &Local::new(2), &clock, 0.01)).is_empty());
        let pooled = now(pooled("relative", &Local::new(2), &clock, 0.01)).remove(0);
        assert_eq!(pooled.name, format!("{}, 3 workers", one[0].name));
        assert!((pooled.check - one[0].check).abs() < 1e-6);
        let one = crate::run("compare", &clock, 0.01);
        let two = now(super::pooled("compare", &Local::new(1), &clock, 0.01));
        assert_eq!(two.len(), 1);
        assert_eq!(two[0].name, format!("{}, 2 workers", one[0].name));
        assert!((two[0].check - one[0].check).abs() < 1e-9);
        let steps = now(super::pooled("compare-steps", &Local::new(1), &clock, 0.01));
        let step_lines = steps.iter().filter(|t| t.name.contains(", step: ")).count();
        assert_eq!(step_lines, Step::ALL.len());
        let known: Vec<&str> = steps
            .iter()
            .filter_map(|t| t.name.split(", known: ").nth(1))
            .collect();
        assert_eq!(known[0], "cka_linear cka_debiased");
        assert_eq!(known.len(), 8, "{known:?}");
    }
}
