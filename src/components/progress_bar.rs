use leptos::prelude::*;

use crate::state::actions::Actions;
use crate::state::AppState;

/// What the worker is doing, while it works, with a Cancel button for loads.
#[component]
pub fn ProgressBar() -> impl IntoView {
    let state = expect_context::<AppState>();
    let actions = expect_context::<Actions>();
    move || {
        let actions = actions.clone();
        state.progress.get().map(|p| {
            let value = if p.total > 0.0 { p.done / p.total } else { 0.0 };
            let cancel = p.request.map(|id| {
                view! {
                    <button class="button" data-testid="cancel" on:click=move |_| actions.cancel(id)>
                        "Cancel"
                    </button>
                }
            });
            view! {
                <div class="progress" data-testid="progress" role="status">
                    <span data-testid="progress-text">{p.phase}</span>
                    <progress max="1" value=value></progress>
                    {cancel}
                </div>
            }
        })
    }
}
