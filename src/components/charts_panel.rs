use std::sync::Arc;

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::client::WorkerClient;
use crate::components::anchor_picker::AnchorPicker;
use crate::components::pair_report::PairReport;
use crate::render::charts;
use crate::state::export::csv_field;
use crate::state::{AlertLevel, AppState, ProjectionState};
use crate::web::download::download_text;
use rosetta_engine::protocol::MapMethod;
use rosetta_engine::protocol::{Reply, Request, SpaceId};

/// Neighbours per item for the agreement histogram and colouring.
const AGREEMENT_K: usize = 10;

/// Scree plot of the main space; CKA heatmap of every pair of spaces in the collection; and, against
/// a chosen second space, the per-item neighbour agreement (histogram, and a colouring) and the
/// relative-retrieval-versus-anchors curve.
#[component]
pub fn ChartsPanel() -> impl IntoView {
    let state = expect_context::<AppState>();
    let client = expect_context::<WorkerClient>();
    let scree_ref = NodeRef::<leptos::html::Canvas>::new();
    let heatmap_ref = NodeRef::<leptos::html::Canvas>::new();
    let histogram_ref = NodeRef::<leptos::html::Canvas>::new();
    let curve_ref = NodeRef::<leptos::html::Canvas>::new();
    let cka = RwSignal::new(None::<(Vec<String>, Vec<f64>)>);
    let agreement = RwSignal::new(None::<Arc<Vec<f64>>>);
    let curve = RwSignal::new(None::<(Vec<usize>, Vec<f64>, Vec<f64>)>);
    let other = RwSignal::new(None::<SpaceId>);
    let resized = RwSignal::new(0u32);
    let _resize = window_event_listener(leptos::ev::resize, move |_| resized.update(|r| *r += 1));
    let report = move |r: Result<(), String>| {
        if let Err(e) = r {
            state.alert(AlertLevel::Error, e);
        }
    };

    Effect::new(move |_| {
        resized.track();
        // The scree plot of the last PCA map (other maps have no variance to show).
        if let (ProjectionState::Ready(p), Some(c)) = (state.projection.get(), scree_ref.get()) {
            if p.method != MapMethod::Pca {
                return;
            }
            report(charts::scree(&c, &p.explained_variance_ratio));
        }
    });

    // CKA of every pair: once per collection shape.
    let shape = Memo::new(move |_| state.current_collection().map(|c| (c.id, c.spaces.len())));
    Effect::new({
        let client = client.clone();
        move |_| {
            let Some((collection, spaces)) = shape.get() else {
                return;
            };
            cka.set(None);
            if spaces < 2 {
                return;
            }
            let client = client.clone();
            spawn_local(async move {
                let answer = client
                    .request(&Request::CkaMatrix { collection }, None, |_, _, _| {})
                    .await;
                match answer.map(|a| a.reply) {
                    Ok(Reply::Matrix { names, values })
                        if shape.get_untracked().map(|s| s.0) == Some(collection) =>
                    {
                        cka.set(Some((names, values)));
                    }
                    Ok(Reply::Failed { message }) | Err(message) => {
                        state.alert(AlertLevel::Error, message)
                    }
                    _ => {}
                }
            });
        }
    });
    Effect::new(move |_| {
        resized.track();
        if let (Some((names, values)), Some(c)) = (cka.get(), heatmap_ref.get()) {
            report(charts::heatmap(
                &c,
                &names,
                &values,
                "Linear CKA between spaces",
            ));
        }
    });

    // Agreement and anchor curve against the chosen space.
    let main = Memo::new(move |_| state.selected.get().map(|s| s.space));
    Effect::new({
        let client = client.clone();
        move |_| {
            let (Some(a), Some(b)) = (main.get(), other.get()) else {
                agreement.set(None);
                curve.set(None);
                return;
            };
            if a == b {
                return;
            }
            let (client, client2) = (client.clone(), client.clone());
            spawn_local(async move {
                let request = Request::Agreement {
                    a,
                    b,
                    k: AGREEMENT_K,
                };
                match client
                    .request(&request, None, |_, _, _| {})
                    .await
                    .map(|r| r.reply)
                {
                    Ok(Reply::Values { values }) => {
                        let values = Arc::new(values);
                        agreement.set(Some(values.clone()));
                        let name =
                            format!("kNN@{AGREEMENT_K} agreement with {}", space_name(&state, b));
                        state.extra_columns.update(|cols| {
                            cols.retain(|(n, _)| n != &name);
                            cols.push((name, values));
                        });
                    }
                    Ok(Reply::Failed { message }) | Err(message) => {
                        state.alert(AlertLevel::Error, message)
                    }
                    _ => {}
                }
            });
            spawn_local(async move {
                match client2
                    .request(&Request::AnchorCurve { a, b }, None, |_, _, _| {})
                    .await
                    .map(|r| r.reply)
                {
                    Ok(Reply::Curve { anchors, mrr, top1 }) => {
                        curve.set(Some((anchors, mrr, top1)))
                    }
                    Ok(Reply::Failed { message }) | Err(message) => {
                        state.alert(AlertLevel::Error, message)
                    }
                    _ => {}
                }
            });
        }
    });
    Effect::new(move |_| {
        resized.track();
        if let (Some(values), Some(c)) = (agreement.get(), histogram_ref.get()) {
            report(charts::histogram(
                &c,
                &values,
                AGREEMENT_K + 1,
                "share of shared neighbours",
            ));
        }
    });
    Effect::new(move |_| {
        resized.track();
        if let (Some((anchors, mrr, top1)), Some(c)) = (curve.get(), curve_ref.get()) {
            report(charts::anchor_curve(
                &c,
                &anchors,
                &[("MRR", &mrr), ("top-1", &top1)],
            ));
        }
    });

    let others = move || {
        let main = main.get();
        state
            .current_collection()
            .map(|c| {
                c.spaces
                    .into_iter()
                    .filter(|s| Some(s.id) != main)
                    .collect::<Vec<_>>()
            })
            .unwrap_or_default()
    };
    // Every metric table on screen as rows: (metric, space a, space b, value).
    let metric_rows = move || -> Vec<(String, String, String, f64)> {
        let mut rows = Vec::new();
        if let Some((names, values)) = cka.get_untracked() {
            let k = names.len();
            for i in 0..k {
                for j in 0..k {
                    rows.push((
                        "linear_cka".into(),
                        names[i].clone(),
                        names[j].clone(),
                        values[i * k + j],
                    ));
                }
            }
        }
        if let (Some((anchors, mrr, top1)), Some(a), Some(b)) = (
            curve.get_untracked(),
            main.get_untracked(),
            other.get_untracked(),
        ) {
            let (a, b) = (space_name(&state, a), space_name(&state, b));
            for (i, n) in anchors.iter().enumerate() {
                rows.push((
                    format!("relative_mrr@{n}_anchors"),
                    a.clone(),
                    b.clone(),
                    mrr[i],
                ));
                rows.push((
                    format!("relative_top1@{n}_anchors"),
                    a.clone(),
                    b.clone(),
                    top1[i],
                ));
            }
        }
        rows
    };
    let export_csv = move |_| {
        let mut text = "metric,space_a,space_b,value\n".to_owned();
        for (m, a, b, v) in metric_rows() {
            text.push_str(&format!(
                "{},{},{},{v}\n",
                csv_field(&m),
                csv_field(&a),
                csv_field(&b)
            ));
        }
        if let Err(e) = download_text(&text, "rosetta-metrics.csv", "text/csv") {
            state.alert(AlertLevel::Error, format!("export failed: {e}"));
        }
    };
    let export_json = move |_| {
        let rows: Vec<serde_json::Value> = metric_rows()
            .into_iter()
            .map(|(m, a, b, v)| serde_json::json!({"metric": m, "space_a": a, "space_b": b, "value": v}))
            .collect();
        let text = serde_json::to_string_pretty(&rows).unwrap_or_default();
        if let Err(e) = download_text(&text, "rosetta-metrics.json", "application/json") {
            state.alert(AlertLevel::Error, format!("export failed: {e}"));
        }
    };

    view! {
        <section class="charts-panel" data-testid="charts-panel" aria-label="Charts">
            <AnchorPicker />
            <div class="charts-controls">
                <label>
                    "Compare with "
                    <select
                        data-testid="compare-with"
                        on:change=move |ev| other.set(event_target_value(&ev).parse().ok())
                    >
                        <option value="">"(choose a space)"</option>
                        {move || others().into_iter().map(|s| {
                            view! { <option value=s.id.to_string()>{s.name}</option> }
                        }).collect_view()}
                    </select>
                </label>
                <button class="button" data-testid="export-metrics" on:click=export_csv>
                    "Metrics CSV"
                </button>
                <button class="button" data-testid="export-metrics-json" on:click=export_json>
                    "Metrics JSON"
                </button>
            </div>
            <PairReport a=Signal::derive(move || main.get()) b=Signal::derive(move || other.get().filter(|b| main.get() != Some(*b))) />
            <div class="charts">
                <canvas class="chart" node_ref=scree_ref data-testid="chart-scree"></canvas>
                <canvas class="chart" node_ref=heatmap_ref data-testid="chart-heatmap"
                    data-ready=move || cka.with(Option::is_some).to_string()></canvas>
                <canvas class="chart" node_ref=histogram_ref data-testid="chart-agreement"
                    data-ready=move || agreement.with(Option::is_some).to_string()
                    data-mean=move || agreement.with(|a| a.as_ref().map(|v| mean(v).to_string()))></canvas>
                <canvas class="chart" node_ref=curve_ref data-testid="chart-anchors"
                    data-ready=move || curve.with(Option::is_some).to_string()></canvas>
            </div>
        </section>
    }
}

fn space_name(state: &AppState, id: SpaceId) -> String {
    state
        .collections
        .with_untracked(|cs| {
            cs.iter()
                .flat_map(|c| &c.spaces)
                .find(|s| s.id == id)
                .map(|s| s.name.clone())
        })
        .unwrap_or_else(|| format!("space {id}"))
}

/// The mean of the per-item values (for the `data-mean` test hook).
fn mean(values: &[f64]) -> f64 {
    values.iter().sum::<f64>() / values.len().max(1) as f64
}
