use std::time::Duration;

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::client::WorkerClient;
use crate::state::colors::distinct;
use crate::state::export::{compare_json, file_stem, CompareContext};
use crate::state::{AlertLevel, AppState};
use crate::web::download::download_text;
use rosetta_engine::protocol::{Reply, Request, SpaceId};

/// Neighbours per item of the full comparison (`rosetta compare`'s default).
const COMPARE_K: usize = 10;

/// What the table says about a metric (its name is the key of `rosetta compare --json`).
fn describe(name: &str) -> String {
    let parts: Vec<&str> = name.split('.').collect();
    let last = parts.last().copied().unwrap_or(name);
    let measure = match last {
        "mrr" => "MRR",
        "top1" => "top-1",
        "top5" => "top-5",
        _ => "",
    };
    if !measure.is_empty() {
        let direction = if name.contains("y_to_x") {
            "B → A"
        } else {
            "A → B"
        };
        return match parts[0] {
            "absolute" => format!("retrieval {measure}, absolute {direction}"),
            "relative" => format!("retrieval {measure}, relative {direction}"),
            _ if name.contains("heldout") => {
                format!("retrieval {measure} after Procrustes, held-out half")
            }
            _ => format!("retrieval {measure} after Procrustes, in-sample"),
        };
    }
    match last {
        "cka_linear" => "linear CKA",
        "cka_debiased" => "debiased linear CKA",
        "cka_rbf" => "RBF CKA (subsample)",
        "rsa" => "RSA, Spearman (subsample)",
        "mutual_knn" => "mutual kNN@k, absolute",
        "jaccard_abs" => "kNN Jaccard@k, absolute",
        "jaccard" => "kNN Jaccard@k, relative",
        "mean_cosine" => "mean cosine of matching relative rows",
        "residual" if name.contains("heldout") => "Procrustes residual, held-out half",
        "residual" => "Procrustes residual ‖XR − Y‖",
        "residual_optscale" => "Procrustes residual, optimal scale",
        "a_to_b" => "stitching: probe on A, scored on B",
        "a_to_a" => "stitching baseline A → A",
        "b_to_b" => "stitching baseline B → B",
        "b_to_a" => "stitching: probe on B, scored on A",
        "absolute_a_to_b" => "stitching on absolute vectors A → B",
        _ => "",
    }
    .to_owned()
}

/// Classes the stitching probe takes from the colour column at most: an id or a continuous
/// column would make a class of nearly every item (and a probe of as many outputs).
const MAX_CLASSES: usize = 100;

/// The colour column (name, values) when it can label the stitching probe: 2 to `MAX_CLASSES`
/// distinct values.
fn stitching_labels(state: &AppState) -> Option<(String, Vec<String>)> {
    let column = state.color_by.get()?;
    let values = state
        .current_collection()?
        .metadata
        .into_iter()
        .find(|m| m.name == column)?
        .values;
    (2..=MAX_CLASSES)
        .contains(&distinct(&values, MAX_CLASSES + 1))
        .then_some((column, values))
}

/// What the comparison of spaces `a` and `b` runs on, for the report's JSON export.
fn context(
    state: &AppState,
    (a, b): (SpaceId, SpaceId),
    anchors: usize,
    centered: bool,
    label: Option<(String, usize)>,
) -> Option<CompareContext> {
    let collection = state.current_collection()?;
    let find = |id| collection.spaces.iter().find(|s| s.id == id);
    let (sa, sb) = (find(a)?, find(b)?);
    let n = collection.n;
    Some(CompareContext {
        spaces: [sa.name.clone(), sb.name.clone()],
        n,
        dims: [sa.d, sb.d],
        k: COMPARE_K.min(n.saturating_sub(1)),
        // The worker's default when none are shown: max(dims) random, at most N.
        anchors: if anchors == 0 {
            sa.d.max(sb.d).min(n)
        } else {
            anchors
        },
        centered,
        label,
    })
}

/// The full comparison of the pair (every metric of `rosetta compare`), on demand: it is
/// O(N²·D), so it runs when asked, split among the worker pool, with its progress shown. Uses
/// the anchors on screen (else the CLI's default: max(dims) random anchors, seed 0) and the
/// colour column as labels for the stitching probe.
#[component]
pub fn PairReport(a: Signal<Option<SpaceId>>, b: Signal<Option<SpaceId>>) -> impl IntoView {
    let state = expect_context::<AppState>();
    let client = expect_context::<WorkerClient>();
    let metrics = RwSignal::new(None::<Vec<(String, f64)>>);
    // While a comparison runs (and after one was cancelled or failed): the metrics known so far,
    // in the final order (the worker's `Partial` replies).
    let interim = RwSignal::new(Vec::<(String, f64)>::new());
    // What the shown metrics were computed on (set with them).
    let computed_on = RwSignal::new(None::<CompareContext>);
    // The step under way and the share of the work done (0..1), while running.
    let phase = RwSignal::new(None::<(String, f64)>);
    // When the running comparison started (ms since the epoch) and the whole seconds since: a
    // comparison of 20,000 items runs for tens of seconds, so the page says how long so far.
    let started_ms = RwSignal::new(None::<f64>);
    let elapsed_s = RwSignal::new(0u64);
    if let Ok(ticker) = set_interval_with_handle(
        move || {
            if let Some(Some(t0)) = started_ms.try_get_untracked() {
                elapsed_s.try_set(((js_sys::Date::now() - t0) / 1000.0).max(0.0) as u64);
            }
        },
        Duration::from_secs(1),
    ) {
        on_cleanup(move || ticker.clear());
    }
    let center = RwSignal::new(false);
    // The id of the comparison under way.
    let running = RwSignal::new(None::<u32>);
    let stop = {
        let client = client.clone();
        move || {
            if let Some(id) = running.get_untracked() {
                client.cancel(id);
            }
        }
    };
    // Counts changes of the pair, the centring and the anchors: a comparison's replies are shown
    // only while it is the count they were asked at (a cancelled run's last partial metrics can
    // arrive after the change, before the worker notices the cancel).
    let inputs = StoredValue::new(0u32);
    // A new pair (or new anchors) makes the shown numbers stale and a running comparison moot.
    Effect::new({
        let stop = stop.clone();
        move |_| {
            a.track();
            b.track();
            center.track();
            state.anchors.track();
            inputs.update_value(|g| *g = g.wrapping_add(1));
            metrics.set(None);
            interim.set(Vec::new());
            stop();
        }
    });
    let run = move |_| {
        let (Some(a), Some(b)) = (a.get_untracked(), b.get_untracked()) else {
            return;
        };
        let labels = stitching_labels(&state);
        let anchors = state.anchors.get_untracked().to_vec();
        let label = labels
            .as_ref()
            .map(|(column, values)| (column.clone(), distinct(values, MAX_CLASSES + 1)));
        let on = context(&state, (a, b), anchors.len(), center.get_untracked(), label);
        let request = Request::Compare {
            a,
            b,
            k: COMPARE_K,
            anchors,
            center: center.get_untracked(),
            labels: labels.map(|(_, values)| values),
        };
        metrics.set(None);
        interim.set(Vec::new());
        let asked = inputs.get_value();
        let current = move || inputs.get_value() == asked;
        phase.set(Some(("starting".into(), 0.0)));
        started_ms.set(Some(js_sys::Date::now()));
        elapsed_s.set(0);
        let started = client.start_with_updates(&request, None, move |reply, _| match reply {
            Reply::Progress {
                phase: p,
                done,
                total,
            } => {
                let share = if *total > 0.0 { done / total } else { 0.0 };
                phase.set(Some((p.clone(), share)));
            }
            Reply::Partial { names, values } if current() => {
                interim.set(names.iter().cloned().zip(values.iter().copied()).collect());
            }
            _ => {}
        });
        let reply = match started {
            Ok((id, reply)) => {
                running.set(Some(id));
                reply
            }
            Err(message) => {
                phase.set(None);
                started_ms.set(None);
                return state.alert(AlertLevel::Error, message);
            }
        };
        spawn_local(async move {
            let answer = reply.await;
            running.set(None);
            phase.set(None);
            started_ms.set(None);
            if !current() {
                // Asked for inputs no longer shown: whatever it answers is stale.
                return;
            }
            match answer.map(|r| r.reply) {
                Ok(Reply::Metrics { names, values }) => {
                    computed_on.set(on);
                    interim.set(Vec::new());
                    metrics.set(Some(names.into_iter().zip(values).collect()))
                }
                Ok(Reply::Cancelled) => {}
                Ok(Reply::Failed { message }) => state.alert(AlertLevel::Error, message),
                Err(_) => state.alert(AlertLevel::Error, "the worker stopped before answering"),
                Ok(other) => state.alert(AlertLevel::Error, format!("unexpected reply {other:?}")),
            }
        });
    };
    let export = move |_| {
        let (Some(on), Some(rows)) = (computed_on.get_untracked(), metrics.get_untracked()) else {
            return;
        };
        let text = serde_json::to_string_pretty(&compare_json(&on, &rows)).unwrap_or_default();
        let name = format!(
            "rosetta-compare-{}-{}.json",
            file_stem(&on.spaces[0]),
            file_stem(&on.spaces[1])
        );
        if let Err(e) = download_text(&text, &name, "application/json") {
            state.alert(
                AlertLevel::Error,
                format!("could not export the report: {e}"),
            );
        }
    };
    let anchors_text = move || match state.anchors.with(|v| v.len()) {
        0 => "anchors: max(dims) random (as the CLI)".to_owned(),
        k => format!("anchors: the {k} shown"),
    };
    let labels_text = move || match stitching_labels(&state) {
        Some((column, _)) => format!("stitching labels: {column}"),
        None => format!("no stitching: colour by a column of 2–{MAX_CLASSES} classes"),
    };
    view! {
        <div class="pair-report" data-testid="pair-report">
            <div class="charts-controls">
                <button class="button" data-testid="run-compare"
                    disabled=move || a.get().is_none() || b.get().is_none() || running.get().is_some()
                    on:click=run>
                    "Full comparison"
                </button>
                <Show when=move || running.get().is_some()>
                    <button class="button" data-testid="cancel-compare" on:click={
                        let stop = stop.clone();
                        move |_| stop()
                    }>"Cancel"</button>
                </Show>
                <label>
                    <input type="checkbox" data-testid="compare-center"
                        prop:checked=move || center.get()
                        on:change=move |ev| center.set(event_target_checked(&ev)) />
                    " centre before the relative representation"
                </label>
                <span class="muted">{anchors_text}</span>
                <span class="muted" data-testid="compare-labels">{labels_text}</span>
                <span class="muted" data-testid="compare-phase">
                    {move || phase.get().map(|(step, _)| format!("{step} · {} s", elapsed_s.get()))}
                </span>
                <Show when=move || phase.with(Option::is_some)>
                    <progress data-testid="compare-progress" max="1"
                        value=move || phase.get().map_or(0.0, |(_, share)| share)></progress>
                </Show>
            </div>
            <Show when=move || metrics.with(Option::is_some)>
                <button class="button" data-testid="export-compare" on:click=export
                    title="The report as `rosetta compare --json` prints it">
                    "Report JSON"
                </button>
                {move || metric_table(metrics.get().unwrap_or_default(), true)}
            </Show>
            <Show when=move || metrics.with(Option::is_none) && interim.with(|r| !r.is_empty())>
                <p class="muted" data-testid="compare-partial-note">
                    {move || if running.get().is_some() {
                        "So far: the other metrics appear as their steps finish."
                    } else {
                        "Partial: the comparison stopped before its other metrics."
                    }}
                </p>
                {move || metric_table(interim.get(), false)}
            </Show>
        </div>
    }
}

/// The metrics as a table: the finished report (`compare-table`, cells `metric-<key>`) or the
/// metrics known so far (`compare-partial`, cells `partial-<key>`). Names are shown as text.
fn metric_table(rows: Vec<(String, f64)>, complete: bool) -> impl IntoView {
    let (table_id, cell) = if complete {
        ("compare-table", "metric")
    } else {
        ("compare-partial", "partial")
    };
    view! {
        <table class="metric-table" data-testid=table_id>
            <tbody>
                {rows.into_iter().map(|(name, value)| {
                    let about = describe(&name);
                    view! {
                        <tr>
                            <td>{about}</td>
                            <td><code>{name.clone()}</code></td>
                            <td class="number" data-testid=format!("{cell}-{name}")
                                data-value=value.to_string()>{format!("{value:.4}")}</td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    }
}
