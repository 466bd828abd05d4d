use leptos::prelude::*;

use crate::state::actions::Actions;
use crate::state::{AppState, Selection};

/// Every loaded collection with its spaces (`name  N × D`); click one to draw it.
#[component]
pub fn SpaceList() -> impl IntoView {
    let state = expect_context::<AppState>();
    let actions = expect_context::<Actions>();
    view! {
        <nav class="space-list" aria-label="Loaded spaces">
            <For
                each=move || state.collections.get()
                key=|c| (c.id, c.spaces.len(), c.metadata.len())
                children=move |c| {
                    let collection = c.id;
                    let actions = actions.clone();
                    let meta = if c.metadata.is_empty() {
                        "no metadata".to_owned()
                    } else {
                        let names: Vec<_> = c.metadata.iter().map(|m| m.name.as_str()).collect();
                        format!("metadata: {}", names.join(", "))
                    };
                    view! {
                        <section class="collection" data-testid="collection">
                            <h2>{c.name.clone()}</h2>
                            <p class="muted">{format!("{} items · ", c.n)}{meta}</p>
                            <ul role="listbox" aria-label="Spaces">
                                {c.spaces.into_iter().map(|s| {
                                    let sel = Selection { collection, space: s.id };
                                    let is_selected = move || state.selected.get() == Some(sel);
                                    let actions = actions.clone();
                                    let space = s.id;
                                    let pinned = move || state.panes.with(|p| p.contains(&space));
                                    let toggle_pane = move |ev: leptos::ev::MouseEvent| {
                                        ev.stop_propagation();
                                        state.panes.update(|p| {
                                            if let Some(i) = p.iter().position(|&x| x == space) {
                                                p.remove(i);
                                            } else {
                                                p.push(space);
                                            }
                                        });
                                    };
                                    view! {
                                        <li
                                            role="option"
                                            data-testid="space"
                                            tabindex="0"
                                            aria-selected=move || if is_selected() { "true" } else { "false" }
                                            on:click=move |_| actions.select(sel)
                                        >
                                            <span class="space-name">{s.name.clone()}</span>
                                            <span class="space-shape">{format!("{} × {}", s.n, s.d)}</span>
                                            <span class="space-dtype muted">{s.dtype.clone()}</span>
                                            <button
                                                class="pane-toggle"
                                                data-testid="pane-toggle"
                                                title="Show this space in a linked pane beside the main plot"
                                                aria-pressed=move || if pinned() { "true" } else { "false" }
                                                on:click=toggle_pane
                                            >
                                                {move || if pinned() { "unpin" } else { "pane" }}
                                            </button>
                                        </li>
                                    }
                                }).collect_view()}
                            </ul>
                        </section>
                    }
                }
            />
        </nav>
    }
}
