use leptos::prelude::*;

use crate::state::colors::Coloring;
use crate::state::AppState;

/// "Colour by" chooser and the categories it produced, with counts.
#[component]
pub fn Legend(coloring: Memo<Coloring>) -> impl IntoView {
    let state = expect_context::<AppState>();
    let columns = move || {
        state
            .current_collection()
            .map(|c| c.metadata.into_iter().map(|m| m.name).collect::<Vec<_>>())
            .unwrap_or_default()
    };
    view! {
        <div class="legend">
            <label>
                "Colour by "
                <select
                    data-testid="color-by"
                    prop:value=move || state.color_by.get().unwrap_or_default()
                    on:change=move |ev| {
                        let v = event_target_value(&ev);
                        state.color_by.set(if v.is_empty() { None } else { Some(v) });
                    }
                >
                    <option value="">"(none)"</option>
                    {move || columns().into_iter().map(|name| {
                        view! { <option value=name.clone()>{name.clone()}</option> }
                    }).collect_view()}
                </select>
            </label>
            <ul class="legend-items">
                {move || coloring.get().legend.into_iter().map(|c| {
                    let [r, g, b] = c.rgb;
                    let style = format!("background: rgb({r},{g},{b})");
                    view! {
                        <li data-testid="legend-item">
                            <span class="swatch" style=style></span>
                            <span class="legend-name">{c.name}</span>
                            <span class="legend-count muted">{c.count}</span>
                        </li>
                    }
                }).collect_view()}
            </ul>
        </div>
    }
}
