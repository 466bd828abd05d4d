use leptos::prelude::*;

use crate::components::pane_view::PaneView;
use crate::state::AppState;

/// The linked panes, side by side under the main plot, with the aligned-mode switch.
#[component]
pub fn Panes(force_canvas2d: bool) -> impl IntoView {
    let state = expect_context::<AppState>();
    let any = move || state.panes.with(|p| !p.is_empty());
    view! {
        <Show when=any>
            <section class="panes-area" aria-label="Linked panes">
                <label class="aligned-toggle">
                    <input
                        type="checkbox"
                        data-testid="aligned-toggle"
                        prop:checked=move || state.aligned.get()
                        on:change=move |ev| state.aligned.set(event_target_checked(&ev))
                    />
                    " Aligned: draw each pane in the main plot's frame after Procrustes, with lines \
                     from each selected item's place in the main plot"
                </label>
                <div class="panes">
                    <For
                        each=move || state.panes.get()
                        key=|s| *s
                        children=move |space| view! { <PaneView space=space force_canvas2d=force_canvas2d /> }
                    />
                </div>
            </section>
        </Show>
    }
}
