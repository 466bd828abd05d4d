use leptos::prelude::*;

use crate::state::actions::Actions;
use crate::state::AppState;
use rosetta_core::Metric;

/// The clicked item's k nearest neighbours in the original space (exact), with their labels.
#[component]
pub fn NeighborList() -> impl IntoView {
    let state = expect_context::<AppState>();
    let actions = expect_context::<Actions>();
    let refocus = {
        let actions = actions.clone();
        move || {
            if let Some(f) = state.focus.get_untracked() {
                actions.focus(f.space, f.item);
            }
        }
    };
    let refocus2 = refocus.clone();
    let body = move || {
        let focus = state.focus.get()?;
        let metric = focus.metric;
        let heading = format!("Neighbours of {}", state.item_label(focus.item));
        let pending = focus.neighbors.is_empty();
        let actions = actions.clone();
        Some(view! {
            <h3>{heading}</h3>
            {pending.then(|| view! { <p class="muted">"finding neighbours…"</p> })}
            <ol class="neighbors" data-testid="neighbors">
                {focus.neighbors.into_iter().map(|(item, score)| {
                    let actions = actions.clone();
                    let space = focus.space;
                    let score = match metric {
                        Metric::Cosine => format!("cos {score:.3}"),
                        Metric::Euclidean => format!("dist {score:.3}"),
                    };
                    view! {
                        <li data-testid="neighbor" on:click=move |_| actions.focus(space, item)>
                            <span>{state.item_label(item)}</span>
                            <span class="muted">{score}</span>
                        </li>
                    }
                }).collect_view()}
            </ol>
        })
    };
    view! {
        <div class="neighbor-panel">
            <div class="neighbor-controls">
                <label>
                    "k "
                    <input
                        type="number" min="1" max="100" data-testid="k-neighbors"
                        prop:value=move || state.k_neighbors.get().to_string()
                        on:change=move |ev| {
                            let k = event_target_value(&ev).parse().unwrap_or(10usize).clamp(1, 100);
                            state.k_neighbors.set(k);
                            refocus();
                        }
                    />
                </label>
                <select
                    data-testid="neighbor-metric"
                    on:change=move |ev| {
                        state.neighbor_metric.set(Metric::parse(&event_target_value(&ev)).unwrap_or(Metric::Cosine));
                        refocus2();
                    }
                >
                    <option value="cosine">"cosine"</option>
                    <option value="euclidean">"Euclidean"</option>
                </select>
            </div>
            {body}
            <Show when=move || state.focus.with(Option::is_none)>
                <p class="muted small">"Click a point to list its nearest neighbours."</p>
            </Show>
        </div>
    }
}
