//! The worker's side of the protocol: receive `{id, body, files?}`, answer `{id, body, coords?}`.
//! Requests run concurrently (each is a task); a load yields between file slices, so a `Cancel`
//! arriving meanwhile is seen.

use std::cell::RefCell;
use std::collections::HashSet;
use std::rc::Rc;

use js_sys::{Array, Float32Array, Object, Reflect};
use rosetta_core::compare::CompareParams;
use rosetta_core::{MatView, PcaParams};
use rosetta_io::{FileKind, LoadError};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{DedicatedWorkerGlobalScope, File, MessageEvent};

use super::compare::Stopped;
use super::jobs::Helpers;
use super::pool::Pool;
use super::protocol::{CollectionId, ColumnOverride, Reply, Request, SpaceId};
use super::shares::{cka_matrix, pca_fit};
use super::store::{projection_with, Store, PCA_COMPONENTS};
use crate::web::files::{fetch_bytes, read_file, url_file_name, ReadError};

struct State {
    store: RefCell<Store>,
    cancelled: RefCell<HashSet<u32>>,
    /// Helper workers that take shares of the heavy kernels.
    pool: Pool,
}

/// Install the message handler and tell the page the worker is ready.
pub fn run() {
    let scope: DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
    let state = Rc::new(State {
        store: RefCell::default(),
        cancelled: RefCell::default(),
        pool: Pool::from_scope(&scope),
    });
    let reply_scope = scope.clone();
    let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |ev: MessageEvent| {
        let state = state.clone();
        let scope = reply_scope.clone();
        wasm_bindgen_futures::spawn_local(async move {
            handle(&scope, &state, ev.data()).await;
        });
    });
    scope.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    // The handler lives as long as the worker.
    on_message.forget();
    let ready = Object::new();
    let _ = Reflect::set(&ready, &"ready".into(), &JsValue::TRUE);
    let _ = scope.post_message(&ready);
}

async fn handle(scope: &DedicatedWorkerGlobalScope, state: &State, data: JsValue) {
    let id = Reflect::get(&data, &"id".into())
        .ok()
        .and_then(|v| v.as_f64())
        .unwrap_or(0.0);
    let body = Reflect::get(&data, &"body".into()).unwrap_or(JsValue::UNDEFINED);
    let request: Request = match serde_wasm_bindgen::from_value(body) {
        Ok(r) => r,
        Err(e) => {
            post(
                scope,
                id,
                &Reply::Failed {
                    message: format!("bad request: {e}"),
                },
                None,
            );
            return;
        }
    };
    let request_id = id as u32;
    let cancelled = || state.cancelled.borrow().contains(&request_id);
    match request {
        Request::Cancel { request } => {
            state.cancelled.borrow_mut().insert(request);
            post(scope, id, &Reply::Ack, None);
        }
        Request::LoadFiles { into, columns } => {
            let files: Vec<File> = Reflect::get(&data, &"files".into())
                .ok()
                .and_then(|f| f.dyn_into::<Array>().ok())
                .map(|a| a.iter().filter_map(|f| f.dyn_into::<File>().ok()).collect())
                .unwrap_or_default();
            let total: f64 = files.iter().map(|f| f.size()).sum();
            let mut inputs = Vec::new();
            let mut errors = Vec::new();
            let mut before = 0.0;
            for file in &files {
                let name = file.name();
                if let Err(e) = rosetta_io::check_size(&name, file.size() as u64) {
                    errors.push(e.to_string());
                    continue;
                }
                let show = |done: f64, _: f64| {
                    progress(
                        scope,
                        id,
                        &format!("reading {name}: {}", mb_of(before + done, total)),
                        before + done,
                        total,
                    )
                };
                match read_file(file, &show, &cancelled).await {
                    Ok(bytes) => inputs.push((name, bytes)),
                    Err(ReadError::Cancelled) => return finish_cancelled(scope, state, id),
                    Err(ReadError::Failed(m)) => errors.push(format!("{name}: {m}")),
                }
                before += file.size();
            }
            finish_load(scope, state, id, inputs, errors, into, &columns);
        }
        Request::LoadUrls {
            into,
            urls,
            columns,
        } => {
            let mut inputs = Vec::new();
            let mut errors = Vec::new();
            let mut queue: Vec<String> = urls;
            let mut i = 0;
            while i < queue.len() {
                let url = queue[i].clone();
                i += 1;
                let name = url_file_name(&url);
                let show = |done: f64, total: f64| {
                    progress(
                        scope,
                        id,
                        &format!("fetching {name}: {}", mb_of(done, total)),
                        done,
                        total,
                    )
                };
                match fetch_bytes(&url, &show, &cancelled).await {
                    Ok(bytes) => {
                        // A projector config names its tensors: fetch them relative to it.
                        if rosetta_io::detect(&name, &bytes) == Ok(FileKind::ProjectorConfig) {
                            if let Ok(tensors) = rosetta_io::projector::parse_config(&bytes) {
                                for t in tensors {
                                    queue.extend(
                                        std::iter::once(t.tensor_path)
                                            .chain(t.metadata_path)
                                            .map(|p| resolve(&p, &url)),
                                    );
                                }
                            }
                        }
                        inputs.push((name, bytes));
                    }
                    Err(ReadError::Cancelled) => return finish_cancelled(scope, state, id),
                    Err(ReadError::Failed(m)) => errors.push(format!("{url}: {m}")),
                }
            }
            finish_load(scope, state, id, inputs, errors, into, &columns);
        }
        Request::Bench { workloads, scale } => {
            let clock = crate::web::now_ms;
            let mut lines = Vec::new();
            for (i, w) in workloads.iter().enumerate() {
                progress(
                    scope,
                    id,
                    &format!("benchmark: {w}"),
                    i as f64,
                    workloads.len() as f64,
                );
                lines.extend(
                    rosetta_bench::run(w, &clock, scale)
                        .iter()
                        .map(|t| t.to_json()),
                );
                if state.pool.count(f64::INFINITY, 0) > 0 {
                    let pooled = super::pool_bench::pooled(w, &state.pool, &clock, scale).await;
                    lines.extend(pooled.iter().map(|t| t.to_json()));
                }
            }
            post(scope, id, &Reply::Bench { lines }, None);
        }
        Request::Neighbors {
            space,
            item,
            k,
            metric,
        } => {
            let result = state
                .store
                .borrow()
                .neighbors(space, item, k, metric == "euclidean");
            let reply = match result {
                Ok((indices, scores)) => Reply::Neighbors {
                    item,
                    indices,
                    scores,
                },
                Err(message) => Reply::Failed { message },
            };
            post(scope, id, &reply, None);
        }
        Request::Anchors {
            space,
            k,
            strategy,
            labels,
        } => {
            let result = state
                .store
                .borrow()
                .anchors(space, k, &strategy, labels.as_deref());
            let reply = match result {
                Ok(rows) => Reply::Values {
                    values: rows.into_iter().map(f64::from).collect(),
                },
                Err(message) => Reply::Failed { message },
            };
            post(scope, id, &reply, None);
        }
        Request::CkaMatrix { collection } => {
            progress(scope, id, "CKA between spaces", 0.0, 1.0);
            let got = state.store.borrow().collection_matrices(collection);
            let result = match got {
                Ok((names, mats)) => {
                    let views: Vec<MatView<'_>> = mats.iter().map(|m| m.view()).collect();
                    let shown = |done: usize, total: usize| {
                        progress(scope, id, "CKA between spaces", done as f64, total as f64)
                    };
                    cka_matrix(&state.pool, &views, shown)
                        .await
                        .map(|values| (names, values))
                }
                Err(message) => Err(message),
            };
            let reply = match result {
                Ok((names, values)) => Reply::Matrix { names, values },
                Err(message) => Reply::Failed { message },
            };
            post(scope, id, &reply, None);
        }
        Request::Agreement { a, b, k } => {
            progress(scope, id, "neighbour agreement", 0.0, 1.0);
            let pair = state.store.borrow().pair_matrices(a, b);
            let result = match pair {
                Ok((x, y)) => {
                    let shown = |done: usize, total: usize| {
                        let phase = format!("neighbour agreement ({} workers)", total / 2);
                        progress(scope, id, &phase, done as f64, total as f64)
                    };
                    super::analysis::agreement(&state.pool, &x, &y, k, shown).await
                }
                Err(message) => Err(message),
            };
            let reply = match result {
                Ok(values) => Reply::Values { values },
                Err(message) => Reply::Failed { message },
            };
            post(scope, id, &reply, None);
        }
        Request::Compare {
            a,
            b,
            k,
            anchors,
            center,
            labels,
        } => {
            let pair = state.store.borrow().pair_matrices(a, b);
            let shown = |step: &str, done: f64| progress(scope, id, step, done, 1.0);
            let result = match pair {
                Ok((x, y)) => {
                    let params = CompareParams {
                        k,
                        center,
                        ..CompareParams::default()
                    };
                    let anchors: Vec<usize> = anchors.into_iter().map(|r| r as usize).collect();
                    super::compare::full_report(
                        &state.pool,
                        (&x, &y),
                        anchors,
                        params,
                        labels.as_deref(),
                        shown,
                        |rows| {
                            let (names, values) = rows.iter().cloned().unzip();
                            post(scope, id, &Reply::Partial { names, values }, None);
                        },
                        &cancelled,
                    )
                    .await
                }
                Err(message) => Err(Stopped::Failed(message)),
            };
            let reply = match result {
                Ok(rows) => {
                    let (names, values) = rows.into_iter().unzip();
                    Reply::Metrics { names, values }
                }
                Err(Stopped::Cancelled) => return finish_cancelled(scope, state, id),
                Err(Stopped::Failed(message)) => Reply::Failed { message },
            };
            post(scope, id, &reply, None);
        }
        Request::AnchorCurve { a, b } => {
            progress(scope, id, "retrieval vs anchors", 0.0, 1.0);
            let pair = state.store.borrow().pair_matrices(a, b);
            let result = match pair {
                Ok((x, y)) => super::analysis::anchor_curve(&state.pool, &x, &y).await,
                Err(message) => Err(message),
            };
            let reply = match result {
                Ok((anchors, mrr, top1)) => Reply::Curve { anchors, mrr, top1 },
                Err(message) => Reply::Failed { message },
            };
            post(scope, id, &reply, None);
        }
        Request::Project { space } => {
            progress(scope, id, "PCA", 0.0, 1.0);
            let got = state.store.borrow().space_matrix(space);
            let result = match got {
                Ok((m, name)) => {
                    let shown = |done: usize, total: usize| {
                        let phase = format!("PCA ({total} workers)");
                        progress(scope, id, &phase, done as f64, total as f64)
                    };
                    let params = PcaParams::new(PCA_COMPONENTS);
                    match pca_fit(&state.pool, m.view(), params, shown).await {
                        Ok(pca) => projection_with(&pca, &m),
                        Err(e) => Err(format!("{name}: PCA: {e}")),
                    }
                }
                Err(message) => Err(message),
            };
            post_projection(scope, id, space, result);
        }
        Request::ProjectAligned { space, reference } => {
            progress(scope, id, "Procrustes + PCA", 0.0, 1.0);
            let result = state.store.borrow().project_aligned(space, reference);
            post_projection(scope, id, space, result);
        }
    }
}

/// "12.0 MB of 307.2 MB".
fn mb_of(done: f64, total: f64) -> String {
    if total > 0.0 {
        format!("{:.1} MB of {:.1} MB", done / 1e6, total / 1e6)
    } else {
        format!("{:.1} MB", done / 1e6)
    }
}

/// A path from a projector config, relative to the config's URL.
fn resolve(path: &str, base: &str) -> String {
    web_sys::Url::new_with_base(path, base)
        .map(|u| u.href())
        .unwrap_or_else(|_| path.to_owned())
}

fn post_projection(
    scope: &DedicatedWorkerGlobalScope,
    id: f64,
    space: SpaceId,
    result: Result<super::store::Projection, String>,
) {
    match result {
        Ok(p) => {
            let coords = Float32Array::from(p.coords.as_slice());
            let reply = Reply::Projection {
                space,
                n: p.n,
                explained_variance_ratio: p.explained_variance_ratio,
            };
            post(scope, id, &reply, Some(coords));
        }
        Err(message) => post(scope, id, &Reply::Failed { message }, None),
    }
}

fn finish_cancelled(scope: &DedicatedWorkerGlobalScope, state: &State, id: f64) {
    state.cancelled.borrow_mut().remove(&(id as u32));
    post(scope, id, &Reply::Cancelled, None);
}

fn finish_load(
    scope: &DedicatedWorkerGlobalScope,
    state: &State,
    id: f64,
    inputs: Vec<(String, Vec<u8>)>,
    read_errors: Vec<String>,
    into: Option<CollectionId>,
    columns: &ColumnOverride,
) {
    let total = inputs.len() as f64;
    progress(scope, id, "parsing", 0.0, total);
    let parsed: Vec<(String, Result<rosetta_io::Parsed, LoadError>)> =
        rosetta_io::parse_files_with(inputs, &columns.to_choice());
    let rows: usize = parsed
        .iter()
        .filter_map(|(_, r)| r.as_ref().ok())
        .flat_map(|p| p.spaces.iter().map(|s| s.vectors.rows))
        .sum();
    progress(scope, id, &format!("parsed {rows} rows"), total, total);
    let mut outcome = state.store.borrow_mut().load(parsed, into);
    outcome.errors.splice(0..0, read_errors);
    state.cancelled.borrow_mut().remove(&(id as u32));
    post(scope, id, &Reply::Loaded(outcome), None);
}

fn progress(scope: &DedicatedWorkerGlobalScope, id: f64, phase: &str, done: f64, total: f64) {
    let reply = Reply::Progress {
        phase: phase.to_owned(),
        done,
        total,
    };
    post(scope, id, &reply, None);
}

fn post(scope: &DedicatedWorkerGlobalScope, id: f64, reply: &Reply, coords: Option<Float32Array>) {
    let msg = Object::new();
    let _ = Reflect::set(&msg, &"id".into(), &JsValue::from_f64(id));
    let body = serde_wasm_bindgen::to_value(reply).unwrap_or(JsValue::NULL);
    let _ = Reflect::set(&msg, &"body".into(), &body);
    let transfer = Array::new();
    if let Some(c) = coords {
        transfer.push(&c.buffer());
        let _ = Reflect::set(&msg, &"coords".into(), &c);
    }
    if let Err(e) = scope.post_message_with_transfer(&msg, &transfer) {
        web_sys::console::error_2(&"worker: could not post a reply".into(), &e);
    }
}
