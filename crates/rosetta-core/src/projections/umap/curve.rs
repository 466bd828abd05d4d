//! The low-dimensional similarity curve 1 / (1 + a·d^(2b)), with a and b fitted by least squares
//! to umap-learn's target: 1 for d < `min_dist`, exp(−(d − min_dist) / spread) beyond, on 300
//! points evenly spaced over [0, 3·spread] (umap-learn's `find_ab_params`, which calls scipy's
//! Levenberg–Marquardt `curve_fit` from a = b = 1; this is the same fit).

/// Points the fit uses, as umap-learn.
const POINTS: usize = 300;
/// Iterations at most; the fit converges in a few dozen.
const MAX_ITERATIONS: usize = 500;

/// (a, b) of the curve for `spread` and `min_dist` (checked by the caller: spread > 0,
/// 0 ≤ min_dist ≤ spread·3).
pub fn fit_ab(spread: f64, min_dist: f64) -> (f64, f64) {
    let xs: Vec<f64> = (0..POINTS)
        .map(|i| spread * 3.0 * i as f64 / (POINTS - 1) as f64)
        .collect();
    let ys: Vec<f64> = xs
        .iter()
        .map(|&x| {
            if x < min_dist {
                1.0
            } else {
                libm::exp(-(x - min_dist) / spread)
            }
        })
        .collect();
    levenberg_marquardt(&xs, &ys, (1.0, 1.0))
}

/// Sum of squared residuals of the curve with (a, b).
fn cost(xs: &[f64], ys: &[f64], (a, b): (f64, f64)) -> f64 {
    xs.iter()
        .zip(ys)
        .map(|(&x, &y)| {
            let r = curve(x, a, b) - y;
            r * r
        })
        .sum()
}

fn curve(x: f64, a: f64, b: f64) -> f64 {
    1.0 / (1.0 + a * libm::pow(x, 2.0 * b))
}

/// Minimise `cost` over (a, b) by Levenberg–Marquardt with the analytic Jacobian.
fn levenberg_marquardt(xs: &[f64], ys: &[f64], start: (f64, f64)) -> (f64, f64) {
    let (mut a, mut b) = start;
    let mut lambda = 1e-3;
    let mut current = cost(xs, ys, (a, b));
    for _ in 0..MAX_ITERATIONS {
        // Normal equations J^T J δ = −J^T r, damped on the diagonal.
        let (mut jaa, mut jab, mut jbb, mut ga, mut gb) = (0.0, 0.0, 0.0, 0.0, 0.0);
        for (&x, &y) in xs.iter().zip(ys) {
            if x <= 0.0 {
                // The curve is 1 at 0 for every (a, b): no gradient.
                continue;
            }
            let u = libm::pow(x, 2.0 * b);
            let f = 1.0 / (1.0 + a * u);
            let r = f - y;
            let da = -u * f * f;
            let db = -a * u * 2.0 * libm::log(x) * f * f;
            jaa += da * da;
            jab += da * db;
            jbb += db * db;
            ga += da * r;
            gb += db * r;
        }
        let mut improved = false;
        while lambda < 1e12 {
            let (m00, m11) = (jaa * (1.0 + lambda), jbb * (1.0 + lambda));
            let det = m00 * m11 - jab * jab;
            if det.abs() < f64::MIN_POSITIVE {
                lambda *= 10.0;
                continue;
            }
            let step_a = -(m11 * ga - jab * gb) / det;
            let step_b = -(m00 * gb - jab * ga) / det;
            let next = (a + step_a, b + step_b);
            let next_cost = cost(xs, ys, next);
            if next_cost.is_finite() && next_cost <= current {
                let converged = (current - next_cost) <= 1e-15 * current.max(1e-300)
                    && step_a.abs() <= 1e-12 * a.abs().max(1.0)
                    && step_b.abs() <= 1e-12 * b.abs().max(1.0);
                (a, b) = next;
                current = next_cost;
                lambda = (lambda / 10.0).max(1e-12);
                improved = !converged;
                break;
            }
            lambda *= 10.0;
        }
        if !improved {
            break;
        }
    }
    (a, b)
}
