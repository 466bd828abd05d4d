use leptos::prelude::*;

use crate::state::AppState;

/// What the worker is doing, while it works.
#[component]
pub fn ProgressBar() -> impl IntoView {
    let state = expect_context::<AppState>();
    move || {
        state.progress.get().map(|p| {
            let value = if p.total > 0.0 { p.done / p.total } else { 0.0 };
            view! {
                <div class="progress" data-testid="progress" role="status">
                    <span>{p.phase}</span>
                    <progress max="1" value=value></progress>
                </div>
            }
        })
    }
}
