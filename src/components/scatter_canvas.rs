use std::sync::Arc;

use leptos::prelude::*;

use crate::components::scatter_live::{CanvasHandle, Live};
use crate::components::scatter_plot::Plot;
use crate::components::tooltip::Tooltip;
use crate::state::actions::Actions;
use crate::state::selection::Tool;
use crate::state::{AppState, ProjectionData, ProjectionState};

/// One interactive scatter of a projection: drag to pan (or draw a box or lasso), wheel, pinch or
/// double-click to zoom, click a point for its neighbours, hover for its metadata. Hover, selection,
/// focus and hidden categories are shared through the app state, so every pane shows them. What it
/// does is `scatter_plot.rs`; this is its view and what it watches.
#[component]
pub fn ScatterCanvas(
    projection: Signal<ProjectionState>,
    /// `data-testid` of the canvas: `scatter` for the main plot, `pane-scatter` for the others.
    testid: &'static str,
    force_canvas2d: bool,
    /// The main pane's coordinates: when given, lines join each selected item's place there to
    /// its place here (aligned mode).
    #[prop(optional)]
    reference: Option<Signal<Option<Arc<ProjectionData>>>>,
    #[prop(optional)] handle: Option<StoredValue<CanvasHandle, LocalStorage>>,
) -> impl IntoView {
    let state = expect_context::<AppState>();
    let plot = Plot {
        state,
        actions: StoredValue::new_local(expect_context::<Actions>()),
        projection,
        canvas: NodeRef::new(),
        overlay: NodeRef::new(),
        live: StoredValue::new_local(Live::default()),
        drawn: RwSignal::new(0),
        renderer: RwSignal::new(""),
        context: RwSignal::new("ok"),
        tooltip_at: RwSignal::new(None),
        force_canvas2d,
    };

    // Points and colours: when the projection or the colouring changes (or the canvas mounts).
    Effect::new(move |_| {
        let projection = projection.get();
        let coloring = state.coloring.get();
        if plot.canvas.get().is_some() {
            plot.show(projection, &coloring);
        }
    });
    // Flags: legend toggles, selection, focus and its neighbours, anchors, aligned lines.
    Effect::new(move |_| plot.mark(reference.and_then(|r| r.get())));
    // An item hovered in another pane.
    Effect::new(move |_| plot.link_hover(state.hovered.get()));
    let _resize = window_event_listener(leptos::ev::resize, move |_| plot.resize());
    if let Some(h) = handle {
        h.set_value(plot.handle());
    }
    let cursor = move || match state.tool.get() {
        Tool::Pan => "grab",
        Tool::Box | Tool::Lasso => "crosshair",
    };

    view! {
        <div class="plot-stack">
            <canvas
                class="scatter"
                node_ref=plot.canvas
                tabindex="0"
                aria-label="Scatter plot: arrows pan, + and - zoom, 0 resets, Escape clears the selection"
                style:cursor=cursor
                data-testid=testid
                data-points=move || plot.drawn.get().to_string()
                data-state=move || plot.data_state()
                data-renderer=move || plot.renderer.get()
                data-context=move || plot.context.get()
                on:wheel=move |ev| plot.wheel(ev)
                on:pointerdown=move |ev| plot.pointer_down(ev)
                on:pointermove=move |ev| plot.pointer_move(ev)
                on:pointerup=move |ev| plot.pointer_up(ev)
                on:pointerleave=move |_| plot.pointer_leave()
                on:keydown=move |ev| plot.key(ev)
                on:webglcontextlost=move |ev| plot.context_lost(ev)
                on:webglcontextrestored=move |_: web_sys::Event| plot.context_restored()
                on:dblclick=move |ev| plot.double_click(ev)
            ></canvas>
            <canvas class="scatter-overlay" node_ref=plot.overlay aria-hidden="true"></canvas>
            <Tooltip at=plot.tooltip_at />
        </div>
    }
}
