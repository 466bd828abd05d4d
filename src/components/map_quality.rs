use leptos::prelude::*;

use crate::state::{AppState, ProjectionState};

/// The main map's trustworthiness@10 and kNN preservation@10, with what they mean.
#[component]
pub fn MapQuality() -> impl IntoView {
    let state = expect_context::<AppState>();
    // The map on screen once made: its space, method and number of items.
    let shown = move || match state.projection.get() {
        ProjectionState::Ready(p) if p.converging.is_none() => {
            Some((p.space, p.method, p.xs.len()))
        }
        _ => None,
    };
    // Its scores (or why there are none); None while they are computed.
    let score = move || {
        let (space, method, _) = shown()?;
        let (scored, scored_method, score) = state.map_score.get()?;
        (scored == space && scored_method == method).then_some(score)
    };
    let text = move || match score() {
        Some(Ok(s)) => {
            let n = shown().map_or(0, |(_, _, n)| n);
            let sample = if s.items < n {
                format!(" (a sample of {} items)", s.items)
            } else {
                String::new()
            };
            format!(
                "trustworthiness@10 {:.4} · kNN preservation@10 {:.4}{sample}",
                s.trustworthiness, s.knn_preservation
            )
        }
        Some(Err(message)) => format!("not scored: {message}"),
        None => "scoring the map…".to_owned(),
    };
    let data_state = move || match score() {
        Some(Ok(_)) => "ready",
        Some(Err(_)) => "failed",
        None => "busy",
    };
    view! {
        <div class="map-quality">
            <p data-testid="projection-quality" data-state=data_state>
                {text}
            </p>
            <p class="muted">
                "1 is best: no item's 10 nearest on the map are strangers to it in the space (trustworthiness), and its 10 nearest in the space (cosine) stay its nearest on the map (preservation)."
            </p>
        </div>
    }
}
