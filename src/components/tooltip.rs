use leptos::prelude::*;

use crate::state::AppState;

/// The hovered item's metadata, next to the pointer. Values are text nodes, never HTML.
#[component]
pub fn Tooltip(at: RwSignal<Option<(f64, f64)>>) -> impl IntoView {
    let state = expect_context::<AppState>();
    let content = move || {
        let (x, y) = at.get()?;
        let (item, _) = state.hovered.get()?;
        let rows = state.item_metadata(item);
        let style = format!("left: {}px; top: {}px", x + 14.0, y + 14.0);
        Some(view! {
            <div class="tooltip" data-testid="tooltip" role="tooltip" style=style>
                <div class="tooltip-item">{format!("item #{item}")}</div>
                {rows.into_iter().map(|(k, v)| view! {
                    <div><span class="muted">{k}": "</span>{v}</div>
                }).collect_view()}
            </div>
        })
    };
    view! { {content} }
}
