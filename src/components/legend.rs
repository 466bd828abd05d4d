use leptos::prelude::*;

use crate::state::colors::viridis;
use crate::state::AppState;

/// "Colour by" chooser, and what the colours mean: categories with counts (click one to hide or
/// show its points) or, for a continuous value, a colour bar with its range.
#[component]
pub fn Legend() -> impl IntoView {
    let state = expect_context::<AppState>();
    let coloring = state.coloring;
    let columns = move || {
        let mut names = state
            .current_collection()
            .map(|c| c.metadata.into_iter().map(|m| m.name).collect::<Vec<_>>())
            .unwrap_or_default();
        state
            .extra_columns
            .with(|cols| names.extend(cols.iter().map(|(n, _)| n.clone())));
        names
    };
    let toggle = move |index: u16| {
        state.hidden_categories.update(|h| {
            if !h.remove(&index) {
                h.insert(index);
            }
        });
    };
    let ramp = move || {
        coloring.get().ramp.map(|(lo, hi)| {
            let stops: Vec<String> = (0..=8)
                .map(|i| {
                    let [r, g, b] = viridis(f64::from(i) / 8.0);
                    format!("rgb({r},{g},{b})")
                })
                .collect();
            let style = format!(
                "background: linear-gradient(to right, {})",
                stops.join(", ")
            );
            view! {
                <div class="colorbar" data-testid="colorbar">
                    <span class="muted">{format!("{lo:.3}")}</span>
                    <span class="colorbar-ramp" style=style></span>
                    <span class="muted">{format!("{hi:.3}")}</span>
                </div>
            }
        })
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
                        state.hidden_categories.set(Default::default());
                        state.color_by.set(if v.is_empty() { None } else { Some(v) });
                    }
                >
                    <option value="">"(none)"</option>
                    {move || columns().into_iter().map(|name| {
                        view! { <option value=name.clone()>{name.clone()}</option> }
                    }).collect_view()}
                </select>
            </label>
            {ramp}
            <ul class="legend-items">
                {move || coloring.get().legend.into_iter().enumerate().map(|(i, c)| {
                    let index = i as u16;
                    let [r, g, b] = c.rgb;
                    let style = format!("background: rgb({r},{g},{b})");
                    let hidden = move || state.hidden_categories.with(|h| h.contains(&index));
                    view! {
                        <li
                            data-testid="legend-item"
                            class:hidden=hidden
                            aria-pressed=move || if hidden() { "false" } else { "true" }
                            title="Click to hide or show these points"
                            tabindex="0"
                            on:click=move |_| toggle(index)
                            on:keydown=move |ev| {
                                if ev.key() == "Enter" || ev.key() == " " {
                                    ev.prevent_default();
                                    toggle(index);
                                }
                            }
                        >
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
