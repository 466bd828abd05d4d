//! The benchmark of the relative representation split among the pool (`?bench=relative` runs
//! it after the one-thread timing, when the pool has helpers): the same data and anchors as
//! `rosetta_bench::relative_rep`, so the two lines compare directly.

use rosetta_bench::{relative_inputs, Timing, REPEATS};
use rosetta_core::relative::RelativeParams;
use rosetta_core::MatView;

use super::jobs::{relative_rows, Helpers};

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
        let pooled = now(relative_pooled(&Local::new(2), &clock, 0.01)).unwrap();
        assert_eq!(pooled.name, format!("{}, 3 workers", one[0].name));
        assert!((pooled.check - one[0].check).abs() < 1e-6);
    }
}
