use leptos::prelude::*;

use crate::state::{AlertLevel, AppState};

/// Errors and warnings, newest last, each dismissible. Text only: file content never becomes HTML.
#[component]
pub fn Alerts() -> impl IntoView {
    let state = expect_context::<AppState>();
    view! {
        <div class="alerts">
            <For
                each=move || state.alerts.get()
                key=|a| a.id
                children=move |a| {
                    let class = match a.level {
                        AlertLevel::Error => "alert error",
                        AlertLevel::Warning => "alert warning",
                    };
                    let id = a.id;
                    view! {
                        <div class=class role="alert">
                            <span class="alert-text">{a.text}</span>
                            <button class="dismiss" title="Dismiss" on:click=move |_| state.dismiss(id)>
                                "×"
                            </button>
                        </div>
                    }
                }
            />
        </div>
    }
}
