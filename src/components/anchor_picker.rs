use std::sync::Arc;

use leptos::prelude::*;
use leptos::task::spawn_local;

use rosetta_core::anchors::AnchorStrategy;
use rosetta_engine::protocol::{Reply, Request};

use crate::client::WorkerClient;
use crate::state::{AlertLevel, AppState};

/// Choose anchor items (count and strategy, seeded) and mark them in every pane.
#[component]
pub fn AnchorPicker() -> impl IntoView {
    let state = expect_context::<AppState>();
    let client = expect_context::<WorkerClient>();
    let k = RwSignal::new(32usize);
    let strategy = RwSignal::new(AnchorStrategy::Fps);
    let choose = move |_| {
        let Some(space) = state.selected.get_untracked().map(|s| s.space) else {
            return;
        };
        let strategy = strategy.get_untracked();
        let labels = (strategy == AnchorStrategy::PerClass).then(|| {
            let column = state.color_by.get_untracked()?;
            state
                .current_collection()?
                .metadata
                .into_iter()
                .find(|m| m.name == column)
                .map(|m| m.values)
        });
        let request = Request::Anchors {
            space,
            k: k.get_untracked(),
            strategy,
            labels: labels.flatten(),
        };
        let client = client.clone();
        spawn_local(async move {
            match client
                .request(&request, None, |_, _, _| {})
                .await
                .map(|a| a.reply)
            {
                Ok(Reply::Rows { rows }) => state.anchors.set(Arc::new(rows)),
                Ok(Reply::Failed { message }) | Err(message) => {
                    state.alert(AlertLevel::Error, message)
                }
                Ok(other) => state.alert(AlertLevel::Error, format!("unexpected reply {other:?}")),
            }
        });
    };
    view! {
        <div class="anchor-picker">
            <label>
                "Anchors "
                <input type="number" min="1" max="4096" data-testid="anchor-count"
                    prop:value=move || k.get().to_string()
                    on:change=move |ev| k.set(event_target_value(&ev).parse().unwrap_or(32).clamp(1, 4096))
                />
            </label>
            <select data-testid="anchor-strategy" on:change=move |ev| {
                if let Some(s) = AnchorStrategy::parse(&event_target_value(&ev)) {
                    strategy.set(s);
                }
            }>
                <option value="fps">"farthest point"</option>
                <option value="random">"random"</option>
                <option value="kmeans">"k-means"</option>
                <option value="per-class">"per class (colour column)"</option>
            </select>
            <button class="button" data-testid="show-anchors" on:click=choose>"Show anchors"</button>
            <button class="button" on:click=move |_| state.anchors.set(Arc::new(Vec::new()))>"Hide"</button>
            <span class="muted">{move || format!("{} anchors", state.anchors.with(|a| a.len()))}</span>
        </div>
    }
}
