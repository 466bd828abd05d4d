use std::sync::Arc;

use leptos::prelude::*;

use crate::state::export::{coords_csv, file_stem};
use crate::state::selection::Tool;
use crate::state::{AlertLevel, AppState, ProjectionState};
use crate::web::download::{download_data_url, download_text};

/// Drag tools, the selection count, and exports of the main scatter.
#[component]
pub fn ScatterToolbar(
    /// Renders the plot as it is shown (2× resolution) and returns a PNG data URL.
    export_png: Callback<(), Result<String, String>>,
) -> impl IntoView {
    let state = expect_context::<AppState>();
    let tool_button = move |tool: Tool, label: &'static str, key: &'static str| {
        view! {
            <button
                class="button tool"
                data-testid=format!("tool-{}", tool.name())
                aria-pressed=move || if state.tool.get() == tool { "true" } else { "false" }
                title=format!("{label} (key {key})")
                on:click=move |_| state.tool.set(tool)
            >
                {label}
            </button>
        }
    };
    let stem = move || {
        state
            .selected_space()
            .map_or("rosetta".to_owned(), |s| file_stem(&s.name))
    };
    let on_png = move |_| {
        let result = export_png
            .run(())
            .and_then(|url| download_data_url(&url, &format!("{}-pca.png", stem())));
        if let Err(e) = result {
            state.alert(AlertLevel::Error, format!("PNG export failed: {e}"));
        }
    };
    let on_csv = move |_| {
        let ProjectionState::Ready(p) = state.projection.get_untracked() else {
            return state.alert(AlertLevel::Warning, "Nothing to export yet.");
        };
        let metadata = state
            .current_collection()
            .map(|c| c.metadata)
            .unwrap_or_default();
        let csv = coords_csv(&p.xs, &p.ys, &metadata);
        if let Err(e) = download_text(
            &csv,
            &format!("{}-{}.csv", stem(), p.method.name()),
            "text/csv",
        ) {
            state.alert(AlertLevel::Error, format!("CSV export failed: {e}"));
        }
    };
    view! {
        <div class="toolbar" role="toolbar" aria-label="Plot tools">
            {tool_button(Tool::Pan, "Pan", "p")}
            {tool_button(Tool::Box, "Box select", "b")}
            {tool_button(Tool::Lasso, "Lasso", "l")}
            <span class="selection">
                <span data-testid="selection-count">{move || state.selection.with(|s| s.len())}</span>
                " selected"
            </span>
            <button
                class="button"
                data-testid="clear-selection"
                on:click=move |_| {
                    state.selection.set(Arc::new(Vec::new()));
                    state.focus.set(None);
                }
            >
                "Clear"
            </button>
            <span class="spacer"></span>
            <button class="button" data-testid="export-png" title="Download a PNG at 2× resolution" on:click=on_png>
                "PNG"
            </button>
            <button class="button" data-testid="export-csv" title="Download x, y and metadata as CSV" on:click=on_csv>
                "CSV"
            </button>
        </div>
    }
}
