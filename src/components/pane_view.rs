use std::sync::Arc;

use leptos::prelude::*;

use crate::components::scatter_canvas::ScatterCanvas;
use crate::state::actions::Actions;
use crate::state::{AppState, ProjectionData, ProjectionState};
use rosetta_engine::protocol::{MapMethod, SpaceId};

/// A linked pane: another space of the collection beside the main plot, sharing hover, selection,
/// focus and hidden categories by item. In aligned mode it is drawn in the main map's frame (PCA:
/// after Procrustes of the vectors; UMAP: started from the main layout and rotated onto it), with
/// lines from each selected item's place in the main plot.
#[component]
pub fn PaneView(space: SpaceId, force_canvas2d: bool) -> impl IntoView {
    let state = expect_context::<AppState>();
    let actions = expect_context::<Actions>();
    let main_space = Memo::new(move |_| state.selected.get().map(|s| s.space));
    let key = Memo::new(move |_| {
        let reference = if state.aligned.get() {
            main_space.get().filter(|&m| m != space)
        } else {
            None
        };
        (space, reference)
    });
    Effect::new({
        let actions = actions.clone();
        move |_| {
            // A new map method empties the panes' maps: ask again.
            state.map_method.track();
            actions.pane_projection(key.get())
        }
    });
    let projection = Signal::derive(move || {
        state
            .pane_projections
            .with(|m| m.get(&key.get()).cloned())
            .unwrap_or(ProjectionState::Busy(space))
    });
    let reference = Signal::derive(move || -> Option<Arc<ProjectionData>> {
        key.get().1?;
        match state.projection.get() {
            ProjectionState::Ready(p) => Some(p),
            _ => None,
        }
    });
    let name = move || {
        state
            .current_collection()
            .and_then(|c| c.spaces.into_iter().find(|s| s.id == space))
            .map(|s| s.name)
            .unwrap_or_default()
    };
    let subtitle = move || {
        let method = state.map_method.get();
        match (key.get().1, method) {
            (Some(_), MapMethod::Pca) => "aligned to the main plot (Procrustes)".to_owned(),
            (Some(_), m) => format!(
                "{} started from the main plot's, rotated onto it",
                m.title()
            ),
            (None, m) => format!("own {}", m.title()),
        }
    };
    view! {
        <section class="pane" data-testid="pane">
            <header class="plot-header">
                <h3>{name}</h3>
                <span class="muted">{subtitle}</span>
                <button
                    class="button"
                    data-testid="pane-close"
                    title="Close this pane"
                    on:click=move |_| state.panes.update(|p| p.retain(|&s| s != space))
                >
                    "×"
                </button>
            </header>
            <ScatterCanvas
                projection=projection
                testid="pane-scatter"
                force_canvas2d=force_canvas2d
                reference=reference
            />
        </section>
    }
}
