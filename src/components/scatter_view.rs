use leptos::prelude::*;

use crate::components::legend::Legend;
use crate::components::map_quality::MapQuality;
use crate::components::neighbor_list::NeighborList;
use crate::components::projection_picker::ProjectionPicker;
use crate::components::scatter_canvas::ScatterCanvas;
use crate::components::scatter_live::CanvasHandle;
use crate::components::scatter_toolbar::ScatterToolbar;
use crate::state::{AppState, ProjectionData, ProjectionState};
use rosetta_engine::protocol::MapMethod;

/// The selected space's map (PCA, UMAP or t-SNE) with its toolbar, legend and neighbour list.
#[component]
pub fn ScatterView(force_canvas2d: bool) -> impl IntoView {
    let state = expect_context::<AppState>();
    let handle = StoredValue::new_local(CanvasHandle::default());
    let title = move || {
        let space = state.selected_space()?;
        Some(format!(
            "{} — {}",
            space.name,
            state.map_method.get().title()
        ))
    };
    let variance = move || match state.projection.get() {
        ProjectionState::Ready(p) => describe(&p),
        ProjectionState::Busy(_) => format!("computing {}…", state.map_method.get().title()),
        ProjectionState::Empty => "Select a space".to_owned(),
    };
    let reset = move |_| {
        handle.with_value(|h| {
            if let Some(r) = &h.reset {
                r();
            }
        })
    };
    let export_png = Callback::new(move |()| {
        handle.with_value(|h| match &h.png {
            Some(png) => png(),
            None => Err("nothing drawn yet".to_owned()),
        })
    });
    view! {
        <section class="plot-panel">
            <header class="plot-header">
                <h2>{title}</h2>
                <span class="muted" data-testid="variance">{variance}</span>
                <button class="button" title="Reset the view (key 0)" on:click=reset>
                    "Reset view"
                </button>
            </header>
            <ScatterToolbar export_png=export_png />
            <div class="plot-body">
                <ScatterCanvas
                    projection=state.projection.into()
                    testid="scatter"
                    force_canvas2d=force_canvas2d
                    handle=handle
                />
                <div class="plot-side">
                    <ProjectionPicker />
                    <MapQuality />
                    <Legend />
                    <NeighborList />
                </div>
            </div>
        </section>
    }
}

/// What the map on screen shows: PCA's variance, or UMAP's or t-SNE's parameters (and the step
/// while it converges).
fn describe(p: &ProjectionData) -> String {
    match (p.method, p.converging) {
        (MapMethod::Pca, _) => {
            let r = &p.explained_variance_ratio;
            let pc = |i: usize| r.get(i).map_or(0.0, |v| v * 100.0);
            format!("PC1 {:.1}% · PC2 {:.1}% of the variance", pc(0), pc(1))
        }
        (MapMethod::Umap(_), Some((epoch, epochs))) => {
            format!("UMAP converging: epoch {epoch} of {epochs}")
        }
        (MapMethod::Tsne(_), Some((iteration, iterations))) => {
            format!("t-SNE converging: iteration {iteration} of {iterations}")
        }
        (MapMethod::Tsne(t), None) => format!(
            "t-SNE · perplexity {} · {} · seed {}",
            t.perplexity,
            t.metric.name(),
            t.seed
        ),
        (MapMethod::Umap(u), None) => format!(
            "UMAP · {} neighbours · min-dist {} · {} · seed {}",
            u.n_neighbors,
            u.min_dist,
            u.metric.name(),
            u.seed
        ),
    }
}
