//! The map requests: a space's PCA, UMAP or t-SNE (kept per space and method), a space drawn in
//! another's frame, and a map's quality scores.

use rosetta_core::PcaParams;
use rosetta_engine::maps::{self, align_onto, start_map, MapStep};
use rosetta_engine::protocol::{MapMethod, Reply, SpaceId};
use rosetta_engine::shares::pca_fit;
use rosetta_engine::store::{projection_with, Projection, PCA_COMPONENTS};
use rosetta_engine::EngineError;

use super::entry::{Answer, Ctx};

type Answered = Result<Answer, EngineError>;

/// How long a request that needs a map another request is making waits between looks (ms).
const WAIT_MS: u32 = 50;

/// The projection's reply, its coordinates beside it.
fn projection(space: SpaceId, p: Projection) -> Answer {
    Answer {
        reply: Reply::Projection {
            space,
            n: p.n,
            explained_variance_ratio: p.explained_variance_ratio,
        },
        coords: Some(p.coords),
    }
}

/// A layout's reply (no explained variance), its coordinates beside it.
fn layout_answer(space: SpaceId, coords: Vec<f32>) -> Answer {
    projection(
        space,
        Projection {
            n: coords.len() / 2,
            coords,
            explained_variance_ratio: Vec::new(),
        },
    )
}

/// A 2-D map of a space by `method`.
pub async fn project(ctx: &Ctx<'_>, space: SpaceId, method: MapMethod) -> Answered {
    match method {
        MapMethod::Pca => pca(ctx, space).await,
        iterative => {
            let coords = converge(ctx, space, iterative, None, true).await?;
            Ok(layout_answer(space, coords))
        }
    }
}

/// Exact PCA of a space (its covariance summed by the pool), the first two coordinates.
async fn pca(ctx: &Ctx<'_>, space: SpaceId) -> Answered {
    ctx.progress("PCA", 0.0, 1.0);
    let (m, name) = ctx.state.store.borrow().space_matrix(space)?;
    let shown = |done: usize, total: usize| {
        ctx.progress(&format!("PCA ({total} workers)"), done as f64, total as f64)
    };
    let params = PcaParams::new(PCA_COMPONENTS);
    let pca = pca_fit(&ctx.state.pool, m.view(), params, shown)
        .await
        .map_err(|e| match e {
            EngineError::Core(c) => EngineError::during(format!("{name}: PCA"), c),
            other => other,
        })?;
    let p = projection_with(&pca, &m)?;
    ctx.state
        .maps
        .borrow_mut()
        .keep(space, MapMethod::Pca, p.coords.clone());
    Ok(projection(space, p))
}

/// A UMAP or t-SNE of a space (kept; one run per space and method at a time), started from its
/// PCA or from `start` (another space's layout). With `live`, each slice posts the layout as it
/// converges.
async fn converge(
    ctx: &Ctx<'_>,
    space: SpaceId,
    method: MapMethod,
    start: Option<(SpaceId, &[f32])>,
    live: bool,
) -> Result<Vec<f32>, EngineError> {
    let key = (space, method, start.map(|(s, _)| s));
    if start.is_none() {
        while ctx.state.running.borrow().contains(&key) {
            crate::web::pause_ms(WAIT_MS).await;
        }
        if let Some(kept) = ctx.state.maps.borrow().get(space, method) {
            return Ok(kept.to_vec());
        }
    }
    ctx.state.running.borrow_mut().push(key);
    let result = run_map(ctx, space, method, start.map(|(_, c)| c), live).await;
    ctx.state.running.borrow_mut().retain(|k| *k != key);
    let coords = result?;
    if start.is_none() {
        ctx.state
            .maps
            .borrow_mut()
            .keep(space, method, coords.clone());
    }
    Ok(coords)
}

async fn run_map(
    ctx: &Ctx<'_>,
    space: SpaceId,
    method: MapMethod,
    start: Option<&[f32]>,
    live: bool,
) -> Result<Vec<f32>, EngineError> {
    let (m, name) = ctx.state.store.borrow().space_matrix(space)?;
    let title = method.title();
    let shown = |step, done: usize, total: usize| {
        let phase = match step {
            MapStep::Neighbours => format!("{title}: nearest neighbours"),
            MapStep::Pca => format!("{title}: PCA to start from"),
        };
        ctx.progress(&phase, done as f64, total as f64);
    };
    ctx.progress(&format!("{title}: nearest neighbours"), 0.0, 1.0);
    let mut map = start_map(&ctx.state.pool, m.view(), method, start, shown)
        .await
        .map_err(|e| match e {
            EngineError::Core(c) => EngineError::during(format!("{name}: {title}"), c),
            other => other,
        })?;
    let unit = match method {
        MapMethod::Umap(_) => "epoch",
        _ => "iteration",
    };
    while !map.is_done() {
        if ctx.cancelled() {
            return Err(EngineError::Cancelled);
        }
        map.run_slice();
        let (epoch, epochs) = map.steps();
        let phase = format!("{title}: {unit} {epoch} of {epochs}");
        ctx.progress(&phase, epoch as f64, epochs as f64);
        if live && !map.is_done() {
            let reply = Reply::Layout {
                space,
                epoch,
                epochs,
            };
            ctx.post(&reply, Some(map.coords()));
        }
        crate::web::pause_ms(0).await;
    }
    Ok(map.into_coords())
}

/// A space in another's frame: PCA after Procrustes of the vectors, or a UMAP or t-SNE started
/// from the reference's layout and rotated onto it.
pub async fn project_aligned(
    ctx: &Ctx<'_>,
    space: SpaceId,
    reference: SpaceId,
    method: MapMethod,
) -> Answered {
    if method == MapMethod::Pca {
        ctx.progress("Procrustes + PCA", 0.0, 1.0);
        let p = ctx.state.store.borrow().project_aligned(space, reference)?;
        return Ok(projection(space, p));
    }
    let reference_map = converge(ctx, reference, method, None, false).await?;
    let own = converge(ctx, space, method, Some((reference, &reference_map)), false).await?;
    Ok(layout_answer(space, align_onto(&own, &reference_map)?))
}

/// Trustworthiness and kNN preservation of the map of a space made by `method`.
pub fn quality(ctx: &Ctx<'_>, space: SpaceId, method: MapMethod) -> Answered {
    ctx.progress("map quality", 0.0, 1.0);
    let q = maps::quality(
        &ctx.state.store.borrow(),
        &ctx.state.maps.borrow(),
        space,
        method,
    )?;
    Ok(Reply::MapQuality {
        space,
        trustworthiness: q.trustworthiness,
        knn_preservation: q.knn_preservation,
        items: q.items,
    }
    .into())
}
