//! Benchmarks of kernels split among the pool (`?bench=pca,relative` runs them after the
//! one-worker timings, when the pool has helpers): the same data as `rosetta_bench::pca` and
//! `rosetta_bench::relative_rep`, so the lines compare directly.

use rosetta_bench::{pca_inputs, relative_inputs, Timing, REPEATS};
use rosetta_core::relative::RelativeParams;
use rosetta_core::{MatView, PcaParams};

use super::jobs::Helpers;
use super::shares::{pca_fit, relative_rows};

/// The pooled timing of workload `which` ("pca" or "relative"), if it has one.
pub async fn pooled(
    which: &str,
    helpers: &impl Helpers,
    clock: &dyn Fn() -> f64,
    scale: f64,
) -> Option<Timing> {
    match which {
        "pca" => pca_pooled(helpers, clock, scale).await,
        "relative" => relative_pooled(helpers, clock, scale).await,
        _ => None,
    }
}

/// Fastest of `REPEATS` pooled PCA fits (10 components) with the coordinates on 2.
pub async fn pca_pooled(
    helpers: &impl Helpers,
    clock: &dyn Fn() -> f64,
    scale: f64,
) -> Option<Timing> {
    let (x, n, d) = pca_inputs(scale);
    let workers = helpers.count((n * d * d) as f64) + 1;
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
    let workers = helpers.count((n * d * anchors.len()) as f64) + 1;
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
        assert!(now(pooled("parse", &Local::new(2), &clock, 0.01)).is_none());
        let pooled = now(pooled("relative", &Local::new(2), &clock, 0.01)).unwrap();
        assert_eq!(pooled.name, format!("{}, 3 workers", one[0].name));
        assert!((pooled.check - one[0].check).abs() < 1e-6);
    }
}
