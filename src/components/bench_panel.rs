use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::state::AppState;
use crate::worker::client::WorkerClient;
use crate::worker::protocol::{Reply, Request};

/// `?bench=pca,relative&scale=1`: run benchmark workloads in the worker and show one JSON line per
/// timing (read by `bench/browser_bench.mjs`). The page stays responsive while they run.
#[component]
pub fn BenchPanel(workloads: Vec<String>, scale: f64) -> impl IntoView {
    let state = expect_context::<AppState>();
    let client = expect_context::<WorkerClient>();
    let lines = RwSignal::new(Vec::<String>::new());
    let done = RwSignal::new(false);
    spawn_local(async move {
        let request = Request::Bench { workloads, scale };
        let answer = client
            .request(&request, None, move |phase, d, t| {
                state.progress.set(Some(crate::state::Progress {
                    phase: phase.to_owned(),
                    done: d,
                    total: t,
                    request: None,
                }));
            })
            .await;
        state.progress.set(None);
        match answer.map(|a| a.reply) {
            Ok(Reply::Bench { lines: l }) => lines.set(l),
            Ok(other) => lines.set(vec![format!("{{\"error\":\"{other:?}\"}}")]),
            Err(e) => lines.set(vec![format!("{{\"error\":\"{e}\"}}")]),
        }
        done.set(true);
    });
    view! {
        <section class="bench">
            <h2>"Benchmarks (running in the worker)"</h2>
            <pre data-testid="bench-results" data-done=move || done.get().to_string()>
                {move || lines.get().join("\n")}
            </pre>
        </section>
    }
}
