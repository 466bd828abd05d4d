//! The worker's side of the protocol: receive `{id, body, files?}`, answer `{id, body, coords?}`.

use std::cell::RefCell;
use std::rc::Rc;

use js_sys::{Array, Float32Array, Object, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{DedicatedWorkerGlobalScope, File, MessageEvent};

use super::protocol::{Reply, Request};
use super::store::Store;
use crate::web::files::{fetch_bytes, read_file, url_file_name};

/// Install the message handler and tell the page the worker is ready.
pub fn run() {
    let scope: DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
    let store = Rc::new(RefCell::new(Store::default()));
    let reply_scope = scope.clone();
    let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |ev: MessageEvent| {
        let store = store.clone();
        let scope = reply_scope.clone();
        wasm_bindgen_futures::spawn_local(async move {
            handle(&scope, &store, ev.data()).await;
        });
    });
    scope.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    // The handler lives as long as the worker.
    on_message.forget();
    let ready = Object::new();
    let _ = Reflect::set(&ready, &"ready".into(), &JsValue::TRUE);
    let _ = scope.post_message(&ready);
}

async fn handle(scope: &DedicatedWorkerGlobalScope, store: &Rc<RefCell<Store>>, data: JsValue) {
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
    match request {
        Request::LoadFiles { into } => {
            let files: Array = Reflect::get(&data, &"files".into())
                .ok()
                .and_then(|f| f.dyn_into().ok())
                .unwrap_or_default();
            let total = files.length() as f64;
            let mut parsed = Vec::new();
            for (i, f) in files.iter().enumerate() {
                let Ok(file) = f.dyn_into::<File>() else {
                    continue;
                };
                let name = file.name();
                progress(scope, id, &format!("reading {name}"), i as f64, total);
                let result = match read_file(&file).await {
                    Ok(bytes) => rosetta_io::parse_file(&name, &bytes),
                    Err(msg) => Err(read_failure(&name, msg)),
                };
                parsed.push((name, result));
            }
            let outcome = store.borrow_mut().load(parsed, into);
            post(scope, id, &Reply::Loaded(outcome), None);
        }
        Request::LoadUrls { into, urls } => {
            let total = urls.len() as f64;
            let mut parsed = Vec::new();
            for (i, url) in urls.iter().enumerate() {
                let name = url_file_name(url);
                progress(scope, id, &format!("fetching {name}"), i as f64, total);
                let result = match fetch_bytes(url).await {
                    Ok(bytes) => rosetta_io::parse_file(&name, &bytes),
                    Err(msg) => Err(read_failure(url, msg)),
                };
                parsed.push((name, result));
            }
            let outcome = store.borrow_mut().load(parsed, into);
            post(scope, id, &Reply::Loaded(outcome), None);
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
            }
            post(scope, id, &Reply::Bench { lines }, None);
        }
        Request::Project { space } => {
            progress(scope, id, "PCA", 0.0, 1.0);
            let result = store.borrow().project(space);
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
    }
}

/// A read or fetch failure in the same shape as a parse failure.
fn read_failure(name: &str, message: String) -> rosetta_io::LoadError {
    let text = message
        .strip_prefix(&format!("{name}: "))
        .map(str::to_owned)
        .unwrap_or(message);
    rosetta_io::ParseError::new(rosetta_io::Problem::Unrecognised(text)).in_file(name)
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
