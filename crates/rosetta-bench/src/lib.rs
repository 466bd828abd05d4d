//! Benchmark workloads shared by the native harness and the page (`?bench=`): each returns its
//! wall time in milliseconds, measured with a clock the caller supplies (`Instant` natively,
//! `performance.now()` in a tab), next to a baseline measured in the same run.

use std::cell::RefCell;

use rosetta_core::anchors::{select_anchors, AnchorParams, AnchorStrategy};
use rosetta_core::metrics::cka::{rbf_cka, RbfParams};
use rosetta_core::metrics::rsa::rsa;
use rosetta_core::projections::relative::{relative, RelativeParams};
use rosetta_core::{knn, MatView, Metric, PcaParams, Rng};
use rosetta_engine::compare::{compare, CompareParams, CompareReport, Observer, OneThread, Step};

pub mod pooled;

/// One measured workload.
#[derive(Debug, Clone, PartialEq)]
pub struct Timing {
    pub name: String,
    pub ms: f64,
    /// Bytes processed (parsers), for MB/s.
    pub bytes: Option<usize>,
    /// A check value, so the optimiser cannot drop the work and results can be compared.
    pub check: f64,
}

impl Timing {
    /// One line of JSON (no serde dependency needed).
    pub fn to_json(&self) -> String {
        let bytes = self.bytes.map_or("null".to_owned(), |b| b.to_string());
        format!(
            "{{\"name\":\"{}\",\"ms\":{:.3},\"bytes\":{},\"check\":{}}}",
            self.name, self.ms, bytes, self.check
        )
    }
}

/// Structured test data: `n × d` with a decaying spectrum (like real embeddings) plus an offset.
pub fn embeddings(n: usize, d: usize, seed: u64) -> Vec<f32> {
    let mut r = Rng::new(seed);
    let scales: Vec<f32> = (0..d)
        .map(|j| (1.0 / (1.0 + j as f64 / 16.0)) as f32)
        .collect();
    let mut out = Vec::with_capacity(n * d);
    for _ in 0..n {
        for s in &scales {
            out.push(r.normal() as f32 * s + 0.1);
        }
    }
    out
}

fn time(clock: &dyn Fn() -> f64, f: impl FnOnce() -> f64) -> (f64, f64) {
    let t0 = clock();
    let check = f();
    (clock() - t0, check)
}

/// Repetitions of each numeric workload; the fastest is reported (the VMs here are noisy, and
/// numpy's harness does the same).
pub const REPEATS: usize = 3;

/// The fastest of `REPEATS` runs of `f`: (ms, check value).
fn best_of(clock: &dyn Fn() -> f64, f: impl Fn() -> f64) -> (f64, f64) {
    (0..REPEATS)
        .map(|_| time(clock, &f))
        .fold(
            (f64::INFINITY, f64::NAN),
            |a, b| if b.0 < a.0 { b } else { a },
        )
}

/// Parse a float32 `.npy` of n × d; the baseline is a plain copy of the same bytes.
pub fn parse_npy(clock: &dyn Fn() -> f64, n: usize, d: usize) -> Vec<Timing> {
    let values = embeddings(n, d, 1);
    let bytes = rosetta_io::npy::write_f32(n, d, &values);
    drop(values);
    parse_against_copy(
        clock,
        "bench.npy",
        &bytes,
        &format!("parse npy {n}x{d}"),
        n * d / 2,
    )
}

/// Parse a headerless vectors TSV of n × d; the baseline is a plain copy of the same bytes.
pub fn parse_tsv(clock: &dyn Fn() -> f64, n: usize, d: usize) -> Vec<Timing> {
    let values = embeddings(n, d, 2);
    let mut text = String::with_capacity(n * d * 10);
    for row in values.chunks(d) {
        for (j, v) in row.iter().enumerate() {
            if j > 0 {
                text.push('\t');
            }
            text.push_str(&format!("{v:.6}"));
        }
        text.push('\n');
    }
    let bytes = text.into_bytes();
    parse_against_copy(
        clock,
        "vectors.tsv",
        &bytes,
        &format!("parse tsv {n}x{d}"),
        0,
    )
}

/// Time parsing `bytes` as the file `file_name` next to a plain copy of the same bytes (the
/// baseline); the check is the parsed value at flat index `check_at`.
fn parse_against_copy(
    clock: &dyn Fn() -> f64,
    file_name: &str,
    bytes: &[u8],
    name: &str,
    check_at: usize,
) -> Vec<Timing> {
    let (copy_ms, c) = time(clock, || {
        let v = bytes.to_vec();
        f64::from(v[v.len() / 2])
    });
    let (ms, check) = time(clock, || match rosetta_io::parse_file(file_name, bytes) {
        Ok(p) => f64::from(p.spaces[0].vectors.values[check_at]),
        Err(_) => f64::NAN,
    });
    vec![
        Timing {
            name: format!("copy {} MB", bytes.len() >> 20),
            ms: copy_ms,
            bytes: Some(bytes.len()),
            check: c,
        },
        Timing {
            name: name.to_owned(),
            ms,
            bytes: Some(bytes.len()),
            check,
        },
    ]
}

/// The `pca` workload's data at `scale` (100,000 × 768 at 1): (values, n, d).
pub fn pca_inputs(scale: f64) -> (Vec<f32>, usize, usize) {
    let (n, d) = (scaled(100_000, scale), 768);
    (embeddings(n, d, 3), n, d)
}

/// Exact PCA (10 components, coordinates on 2) of n × 768.
pub fn pca(clock: &dyn Fn() -> f64, scale: f64) -> Vec<Timing> {
    let (x, n, d) = pca_inputs(scale);
    let (ms, check) = best_of(clock, || {
        let v = MatView::new(&x, n, d).ok();
        v.and_then(|v| {
            let p = PcaParams::new(10).fit(v).ok()?;
            let coords = p.transform(v, 2).ok()?;
            Some(p.explained_variance_ratio[0] + f64::from(coords[0]))
        })
        .unwrap_or(f64::NAN)
    });
    vec![Timing {
        name: format!("pca {n}x{d} k=10"),
        ms,
        bytes: None,
        check,
    }]
}

/// Where exact PCA's time goes (one run): column means, the blocked Gram matrix, the D×D
/// eigen-decomposition, the rest of the fit (f64 refinement of the kept components), the transform.
pub fn pca_steps(clock: &dyn Fn() -> f64, n: usize, d: usize) -> Vec<Timing> {
    let x = embeddings(n, d, 3);
    let Ok(v) = MatView::new(&x, n, d) else {
        return Vec::new();
    };
    let step = |name: &str, (ms, check): (f64, f64)| Timing {
        name: format!("pca {n}x{d} step: {name}"),
        ms,
        bytes: None,
        check,
    };
    let mut mean = Vec::new();
    let means = time(clock, || {
        mean = v.column_means();
        mean[0]
    });
    let mut g = Vec::new();
    let gram = time(clock, || {
        g = rosetta_core::kernels::linalg::centred_gram(v, &mean);
        g[0]
    });
    let eigh = time(clock, || {
        let m = faer::Mat::<f64>::from_fn(d, d, |i, j| g[i * d + j]);
        m.self_adjoint_eigen(faer::Side::Lower)
            .map_or(f64::NAN, |e| e.S().column_vector()[d - 1])
    });
    let mut fitted = None;
    let fit = time(clock, || {
        fitted = PcaParams::new(10).fit(v).ok();
        fitted.as_ref().map_or(f64::NAN, |p| p.singular_values[0])
    });
    let transform = time(clock, || {
        fitted
            .as_ref()
            .and_then(|p| p.transform(v, 2).ok())
            .map_or(f64::NAN, |c| f64::from(c[0]))
    });
    let refine = (fit.0 - means.0 - gram.0 - eigh.0, fit.1);
    vec![
        step("column means", means),
        step("Gram matrix (f32 blocks)", gram),
        step("eigen-decomposition", eigh),
        step("refinement and rest (fit − the above)", refine),
        step("fit, total", fit),
        step("transform to 2-D", transform),
    ]
}

/// The `relative` workload's data at `scale` (100,000 × 768, 300 anchors at 1):
/// (values, n, d, anchor rows).
pub fn relative_inputs(scale: f64) -> (Vec<f32>, usize, usize, Vec<usize>) {
    let (n, d, k) = (scaled(100_000, scale), 768, 300);
    (embeddings(n, d, 4), n, d, Rng::new(5).sample(n, k))
}

/// Cosine relative representation of n × 768 against 300 random anchors.
pub fn relative_rep(clock: &dyn Fn() -> f64, scale: f64) -> Vec<Timing> {
    let (x, n, d, anchors) = relative_inputs(scale);
    let k = anchors.len();
    let (ms, check) = best_of(clock, || {
        MatView::new(&x, n, d)
            .ok()
            .and_then(|v| relative(v, &anchors, RelativeParams::default()).ok())
            .map_or(f64::NAN, |r| f64::from(r.data[0]))
    });
    vec![Timing {
        name: format!("relative {n}x{d} -> {k} anchors"),
        ms,
        bytes: None,
        check,
    }]
}

/// The inputs of the `compare` workload: two n × d spaces (y = x + noise), labels of 10 classes,
/// and d random anchors (seed 0).
pub struct CompareInputs {
    pub x: Vec<f32>,
    pub y: Vec<f32>,
    pub n: usize,
    pub d: usize,
    pub labels: Vec<String>,
    pub anchors: Vec<usize>,
}

/// The `compare` workload's data at `scale` (20,000 × 384 at 1).
pub fn compare_inputs(scale: f64) -> CompareInputs {
    let (n, d) = (scaled(20_000, scale), 384);
    let x = embeddings(n, d, 6);
    let mut r = Rng::new(7);
    let y: Vec<f32> = x.iter().map(|&v| v + 0.5 * r.normal() as f32).collect();
    let labels: Vec<String> = (0..n).map(|i| format!("c{}", i % 10)).collect();
    let params = AnchorParams {
        strategy: AnchorStrategy::Random,
        k: d,
        seed: 0,
    };
    let anchors = MatView::new(&x, n, d)
        .ok()
        .and_then(|v| select_anchors(v, params, None).ok())
        .unwrap_or_default();
    CompareInputs {
        x,
        y,
        n,
        d,
        labels,
        anchors,
    }
}

/// The check value of a comparison (same in every implementation).
pub fn compare_check(rep: &CompareReport) -> f64 {
    rep.mutual_knn + rep.cka_linear + rep.relative.retrieval.x_to_y.mrr + rep.procrustes.mrr
}

/// When each step of a comparison began (by its name).
pub struct StepMarks<'c> {
    pub clock: &'c dyn Fn() -> f64,
    pub marks: RefCell<Vec<(&'static str, f64)>>,
}

impl Observer for StepMarks<'_> {
    fn step(&self, step: Step, _fraction: f64) {
        self.marks.borrow_mut().push((step.name(), (self.clock)()));
    }
}

/// The full comparison of two n × d spaces (k = 10, d random anchors) in one thread; with
/// `steps`, also the time of each of its steps.
pub fn full_compare(clock: &dyn Fn() -> f64, scale: f64, steps: bool) -> Vec<Timing> {
    let inp = compare_inputs(scale);
    let (n, d) = (inp.n, inp.d);
    let marks = StepMarks {
        clock,
        marks: RefCell::new(Vec::new()),
    };
    let (ms, check) = time(clock, || {
        let (Ok(vx), Ok(vy)) = (MatView::new(&inp.x, n, d), MatView::new(&inp.y, n, d)) else {
            return f64::NAN;
        };
        let params = CompareParams::default();
        let labels = Some(&inp.labels[..]);
        let run = compare(&OneThread, (vx, vy), &inp.anchors, params, labels, &marks);
        rosetta_engine::ready(run)
            .and_then(Result::ok)
            .map_or(f64::NAN, |rep| compare_check(&rep))
    });
    let mut marks = marks.marks.into_inner();
    marks.push(("done", clock()));
    let mut out = vec![Timing {
        name: format!("compare {n}x{d} k=10"),
        ms,
        bytes: None,
        check,
    }];
    if steps {
        out.extend(marks.windows(2).map(|w| Timing {
            name: format!("compare {n}x{d} step: {}", w[0].0),
            ms: w[1].1 - w[0].1,
            bytes: None,
            check,
        }));
    }
    out
}

/// Cosine kNN (k = 10) of the `compare` workload's first space and of its relative
/// representation (its d anchors), fastest of [`REPEATS`] each: the kernel behind four of
/// `compare`'s steps, timed alone and repeated (this VM's runs spread by 20–40 %).
pub fn knn_kernel(clock: &dyn Fn() -> f64, scale: f64) -> Vec<Timing> {
    let inp = compare_inputs(scale);
    let (n, d) = (inp.n, inp.d);
    let Ok(vx) = MatView::new(&inp.x, n, d) else {
        return Vec::new();
    };
    let Ok(rel) = relative(vx, &inp.anchors, RelativeParams::default()) else {
        return Vec::new();
    };
    let k = inp.anchors.len();
    [
        (format!("knn {n}x{d} k=10"), vx),
        (format!("knn relative {n}x{k} k=10"), rel.view()),
    ]
    .into_iter()
    .map(|(name, v)| {
        let (ms, check) = best_of(clock, || {
            knn(v, 10, Metric::Cosine).map_or(f64::NAN, |nb| nb.scores.iter().sum::<f64>())
        });
        Timing {
            name,
            ms,
            bytes: None,
            check,
        }
    })
    .collect()
}

/// The page's subsampled comparison metrics on the `compare` workload's data, fastest of
/// [`REPEATS`] each: RBF CKA (2,000 items, its default) and RSA (1,000, as the page asks). They
/// run after the pooled comparison, in one thread.
pub fn subsample_metrics(clock: &dyn Fn() -> f64, scale: f64) -> Vec<Timing> {
    let inp = compare_inputs(scale);
    let (n, d) = (inp.n, inp.d);
    let (Ok(vx), Ok(vy)) = (MatView::new(&inp.x, n, d), MatView::new(&inp.y, n, d)) else {
        return Vec::new();
    };
    let rbf = || rbf_cka(vx, vy, RbfParams::default()).unwrap_or(f64::NAN);
    let rsa = || rsa(vx, vy, 1000, 0).unwrap_or(f64::NAN);
    // The first runs too: the page runs each once, and a wasm engine may run a function's
    // first call in its baseline tier.
    let t0 = clock();
    rbf();
    let rbf_first_ms = clock() - t0;
    let t0 = clock();
    rsa();
    let rsa_first_ms = clock() - t0;
    let (rbf_ms, rbf_value) = best_of(clock, rbf);
    let (rsa_ms, rsa_value) = best_of(clock, rsa);
    let line = |name: String, ms: f64, check: f64| Timing {
        name,
        ms,
        bytes: None,
        check,
    };
    vec![
        line(
            format!("RBF CKA of {n}x{d} (2,000 items)"),
            rbf_ms,
            rbf_value,
        ),
        line(format!("RSA of {n}x{d} (1,000 items)"), rsa_ms, rsa_value),
        line(
            format!("RBF CKA of {n}x{d} (2,000 items), first run"),
            rbf_first_ms,
            rbf_value,
        ),
        line(
            format!("RSA of {n}x{d} (1,000 items), first run"),
            rsa_first_ms,
            rsa_value,
        ),
    ]
}

/// Every workload by name; `scale` < 1 shrinks the sizes (for a quick smoke run).
pub fn run(which: &str, clock: &dyn Fn() -> f64, scale: f64) -> Vec<Timing> {
    let s = |v: usize| scaled(v, scale);
    match which {
        "parse" => {
            let mut t = parse_npy(clock, s(100_000), 768);
            t.extend(parse_tsv(clock, s(20_000), 128));
            t
        }
        "pca" => pca(clock, scale),
        "pca-steps" => pca_steps(clock, s(100_000), 768),
        "relative" => relative_rep(clock, scale),
        "compare" => full_compare(clock, scale, false),
        "compare-steps" => full_compare(clock, scale, true),
        "knn" => knn_kernel(clock, scale),
        "subsamples" => subsample_metrics(clock, scale),
        _ => Vec::new(),
    }
}

/// `v` items shrunk by `scale` (at least 16).
fn scaled(v: usize, scale: f64) -> usize {
    ((v as f64 * scale) as usize).max(16)
}

pub const WORKLOADS: [&str; 4] = ["parse", "pca", "relative", "compare"];
