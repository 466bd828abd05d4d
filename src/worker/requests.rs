//! One function per computing request: each reads the store, runs the engine (split among the
//! pool where it pays) and returns the final reply; progress and partial results go out as they
//! come.

use rosetta_core::anchors::AnchorStrategy;
use rosetta_core::{MatView, Metric};
use rosetta_engine::analysis;
use rosetta_engine::compare::{
    compare as run_compare, default_anchors, CompareParams, Observer, PartialReport, Pooled, Step,
};
use rosetta_engine::protocol::{CollectionId, Reply, SpaceId};
use rosetta_engine::shares::cka_matrix as cka_matrix_pooled;
use rosetta_engine::EngineError;

use super::entry::{Answer, Ctx};

type Answered = Result<Answer, EngineError>;

/// One item's exact neighbours.
pub fn neighbors(ctx: &Ctx<'_>, space: SpaceId, item: u32, k: usize, metric: Metric) -> Answered {
    let (indices, scores) = ctx.state.store.borrow().neighbors(space, item, k, metric)?;
    Ok(Reply::Neighbors {
        item,
        indices,
        scores,
    }
    .into())
}

/// Anchor rows chosen in a space.
pub fn anchors(
    ctx: &Ctx<'_>,
    space: SpaceId,
    k: usize,
    strategy: AnchorStrategy,
    labels: Option<&[String]>,
) -> Answered {
    let rows = ctx
        .state
        .store
        .borrow()
        .anchors(space, k, strategy, labels)?;
    Ok(Reply::Rows { rows }.into())
}

/// Linear CKA between every pair of spaces of a collection.
pub async fn cka_matrix(ctx: &Ctx<'_>, collection: CollectionId) -> Answered {
    const PHASE: &str = "CKA between spaces";
    ctx.progress(PHASE, 0.0, 1.0);
    let (names, mats) = ctx.state.store.borrow().collection_matrices(collection)?;
    let views: Vec<MatView<'_>> = mats.iter().map(|m| m.view()).collect();
    let shown = |done: usize, total: usize| ctx.progress(PHASE, done as f64, total as f64);
    let values = cka_matrix_pooled(&ctx.state.pool, &views, shown).await?;
    Ok(Reply::Matrix { names, values }.into())
}

/// Per-item kNN agreement between two spaces.
pub async fn agreement(ctx: &Ctx<'_>, a: SpaceId, b: SpaceId, k: usize) -> Answered {
    ctx.progress("neighbour agreement", 0.0, 1.0);
    let (x, y) = ctx.state.store.borrow().pair_matrices(a, b)?;
    let shown = |done: usize, total: usize| {
        let phase = format!("neighbour agreement ({} workers)", total / 2);
        ctx.progress(&phase, done as f64, total as f64)
    };
    let values = analysis::agreement(&ctx.state.pool, &x, &y, k, shown).await?;
    Ok(Reply::Values { values }.into())
}

/// Relative retrieval a → b as the anchors grow.
pub async fn anchor_curve(ctx: &Ctx<'_>, a: SpaceId, b: SpaceId) -> Answered {
    ctx.progress("retrieval vs anchors", 0.0, 1.0);
    let (x, y) = ctx.state.store.borrow().pair_matrices(a, b)?;
    let (anchors, mrr, top1) = analysis::anchor_curve(&ctx.state.pool, &x, &y).await?;
    Ok(Reply::Curve { anchors, mrr, top1 }.into())
}

/// The page's observer of a comparison: progress with each step, `Partial` with each metric.
struct Told<'c, 'a>(&'c Ctx<'a>);

impl Observer for Told<'_, '_> {
    fn step(&self, step: Step, fraction: f64) {
        self.0.progress(step.name(), fraction, 1.0);
    }

    fn found(&self, partial: &PartialReport) {
        let (names, values) = partial.metrics().into_iter().unzip();
        self.0.post(&Reply::Partial { names, values }, None);
    }

    fn cancelled(&self) -> bool {
        self.0.cancelled()
    }
}

/// The full comparison of two spaces (every metric of `rosetta compare`), split among the pool;
/// empty `anchors`: the CLI's default.
pub async fn compare(
    ctx: &Ctx<'_>,
    (a, b): (SpaceId, SpaceId),
    k: usize,
    anchors: Vec<usize>,
    center: bool,
    labels: Option<&[String]>,
) -> Answered {
    let (x, y) = ctx.state.store.borrow().pair_matrices(a, b)?;
    let params = CompareParams {
        k,
        center,
        ..CompareParams::default()
    };
    let pair = (x.view(), y.view());
    let anchors = if anchors.is_empty() {
        default_anchors(pair.0, pair.1, params.seed)?
    } else {
        anchors
    };
    let pooled = Pooled(&ctx.state.pool);
    let report = run_compare(&pooled, pair, &anchors, params, labels, &Told(ctx)).await?;
    let (names, values) = report.metrics().into_iter().unzip();
    Ok(Reply::Metrics { names, values }.into())
}

/// Benchmark workloads in this worker (one thread, then the pool when it has helpers).
#[cfg(feature = "bench")]
pub async fn bench(ctx: &Ctx<'_>, workloads: &[String], scale: f64) -> Answered {
    use rosetta_engine::pool::Helpers;
    let clock = crate::web::now_ms;
    let mut lines = Vec::new();
    for (i, w) in workloads.iter().enumerate() {
        let total = workloads.len() as f64;
        ctx.progress(&format!("benchmark: {w}"), i as f64, total);
        lines.extend(
            rosetta_bench::run(w, &clock, scale)
                .iter()
                .map(|t| t.to_json()),
        );
        if ctx.state.pool.count(f64::INFINITY, 0) > 0 {
            let pooled = rosetta_bench::pooled::pooled(w, &ctx.state.pool, &clock, scale).await;
            lines.extend(pooled.iter().map(|t| t.to_json()));
        }
    }
    Ok(Reply::Bench { lines }.into())
}

/// Benchmarks are in bench builds only (`scripts/build.sh` with `FEATURES=bench`).
#[cfg(not(feature = "bench"))]
pub async fn bench(_: &Ctx<'_>, _: &[String], _: f64) -> Answered {
    Ok(Reply::Failed {
        message: "this build has no benchmarks (build it with FEATURES=bench)".to_owned(),
    }
    .into())
}
