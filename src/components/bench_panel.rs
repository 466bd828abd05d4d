use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::client::WorkerClient;
use crate::state::AppState;
use rosetta_engine::protocol::{Reply, Request};

/// `?bench=pca,relative&scale=1`: run benchmark workloads in the worker and show one JSON line per
/// timing (read by `bench/browser_bench.mjs`). The page stays responsive while they run.
#[component]
pub fn BenchPanel(workloads: Vec<String>, scale: f64) -> impl IntoView {
    let state = expect_context::<AppState>();
    let client = expect_context::<WorkerClient>();
    let lines = RwSignal::new(Vec::<String>::new());
    let done = RwSignal::new(false);
    let canvas_ref = NodeRef::<leptos::html::Canvas>::new();
    let scatter = workloads.iter().any(|w| w == "scatter");
    let workloads: Vec<String> = workloads.into_iter().filter(|w| w != "scatter").collect();
    spawn_local(async move {
        // The renderer runs on the main thread, so its benchmark does too (after the layout).
        if scatter {
            crate::web::next_frame().await;
            if let Some(canvas) = canvas_ref.get_untracked() {
                let timings = super::scatter_bench::run(&canvas, &crate::web::now_ms, scale);
                lines.update(|l| l.extend(timings.iter().map(|t| t.to_json())));
            }
        }
        if workloads.is_empty() {
            done.set(true);
            return;
        }
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
            Ok(Reply::Bench { lines: l }) => lines.update(|x| x.extend(l)),
            Ok(other) => lines.update(|x| x.push(format!("{{\"error\":\"{other:?}\"}}"))),
            Err(e) => lines.update(|x| x.push(format!("{{\"error\":\"{e}\"}}"))),
        }
        done.set(true);
    });
    view! {
        <section class="bench">
            <h2>"Benchmarks (running in the worker)"</h2>
            <canvas class="bench-canvas" node_ref=canvas_ref style="width: 800px; height: 600px; display: block"></canvas>
            <pre data-testid="bench-results" data-done=move || done.get().to_string()>
                {move || lines.get().join("\n")}
            </pre>
        </section>
    }
}
