//! The worker's side of the protocol: receive `{id, body, files?}`, answer `{id, body, coords?}`.
//! Requests run concurrently (each is a task); one function per request (`requests.rs`,
//! `load.rs`) answers it, and this file posts the answer.

use std::cell::RefCell;
use std::collections::HashSet;
use std::rc::Rc;

use js_sys::{Array, Float32Array, Object, Reflect};
use rosetta_engine::maps::Maps;
use rosetta_engine::protocol::{MapMethod, Reply, Request, SpaceId};
use rosetta_engine::store::Store;
use rosetta_engine::EngineError;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{DedicatedWorkerGlobalScope, MessageEvent};

use super::pool::Pool;
use super::{load, maps, requests};

/// What the worker holds between requests.
pub struct State {
    pub store: RefCell<Store>,
    /// The maps made of each space, by method (drawn again at once, and scored).
    pub maps: RefCell<Maps>,
    /// UMAP runs under way: (space, method, the space whose layout it starts from).
    pub running: RefCell<Vec<(SpaceId, MapMethod, Option<SpaceId>)>>,
    /// Requests the page cancelled (until they answer `Cancelled`).
    pub cancelled: RefCell<HashSet<u32>>,
    /// Helper workers that take shares of the heavy kernels.
    pub pool: Pool,
}

/// One request being answered: where replies go and whether it was cancelled.
pub struct Ctx<'a> {
    pub scope: &'a DedicatedWorkerGlobalScope,
    pub state: &'a State,
    pub id: u32,
}

/// A final reply, with coordinates (n × 2 f32, transferred) for a projection.
pub struct Answer {
    pub reply: Reply,
    pub coords: Option<Vec<f32>>,
}

impl From<Reply> for Answer {
    fn from(reply: Reply) -> Self {
        Self {
            reply,
            coords: None,
        }
    }
}

impl Ctx<'_> {
    /// Whether the page cancelled this request.
    pub fn cancelled(&self) -> bool {
        self.state.cancelled.borrow().contains(&self.id)
    }

    pub fn progress(&self, phase: &str, done: f64, total: f64) {
        let reply = Reply::Progress {
            phase: phase.to_owned(),
            done,
            total,
        };
        self.post(&reply, None);
    }

    /// Post a reply (interim or final).
    pub fn post(&self, reply: &Reply, coords: Option<&[f32]>) {
        let msg = Object::new();
        let _ = Reflect::set(&msg, &"id".into(), &JsValue::from(self.id));
        let body = serde_wasm_bindgen::to_value(reply).unwrap_or(JsValue::NULL);
        let _ = Reflect::set(&msg, &"body".into(), &body);
        let transfer = Array::new();
        if let Some(c) = coords {
            let c = Float32Array::from(c);
            transfer.push(&c.buffer());
            let _ = Reflect::set(&msg, &"coords".into(), &c);
        }
        if let Err(e) = self.scope.post_message_with_transfer(&msg, &transfer) {
            web_sys::console::error_2(&"worker: could not post a reply".into(), &e);
        }
    }

    /// The final answer: the reply, `Cancelled`, or `Failed` with the error's text.
    fn finish(&self, answer: Result<Answer, EngineError>) {
        self.state.cancelled.borrow_mut().remove(&self.id);
        match answer {
            Ok(a) => self.post(&a.reply, a.coords.as_deref()),
            Err(EngineError::Cancelled) => self.post(&Reply::Cancelled, None),
            Err(e) => {
                let message = e.to_string();
                self.post(&Reply::Failed { message }, None);
            }
        }
    }
}

/// Install the message handler and tell the page the worker is ready.
pub fn run() {
    let scope: DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
    let state = Rc::new(State {
        store: RefCell::default(),
        maps: RefCell::default(),
        running: RefCell::default(),
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
        .unwrap_or(0.0) as u32;
    let ctx = Ctx { scope, state, id };
    let body = Reflect::get(&data, &"body".into()).unwrap_or(JsValue::UNDEFINED);
    let request: Request = match serde_wasm_bindgen::from_value(body) {
        Ok(r) => r,
        Err(e) => {
            let message = format!("bad request: {e}");
            return ctx.post(&Reply::Failed { message }, None);
        }
    };
    let answer = match request {
        Request::Cancel { request } => {
            state.cancelled.borrow_mut().insert(request);
            return ctx.post(&Reply::Ack, None);
        }
        Request::LoadFiles { into, columns } => {
            let files = Reflect::get(&data, &"files".into()).unwrap_or(JsValue::UNDEFINED);
            load::files(&ctx, &files, into, &columns).await
        }
        Request::LoadUrls {
            into,
            urls,
            columns,
        } => load::urls(&ctx, urls, into, &columns).await,
        Request::Bench { workloads, scale } => requests::bench(&ctx, &workloads, scale).await,
        Request::Neighbors {
            space,
            item,
            k,
            metric,
        } => requests::neighbors(&ctx, space, item, k, metric),
        Request::Anchors {
            space,
            k,
            strategy,
            labels,
        } => requests::anchors(&ctx, space, k, strategy, labels.as_deref()),
        Request::CkaMatrix { collection } => requests::cka_matrix(&ctx, collection).await,
        Request::Agreement { a, b, k } => requests::agreement(&ctx, a, b, k).await,
        Request::Compare {
            a,
            b,
            k,
            anchors,
            center,
            labels,
        } => {
            let anchors = anchors.into_iter().map(|r| r as usize).collect();
            requests::compare(&ctx, (a, b), k, anchors, center, labels.as_deref()).await
        }
        Request::AnchorCurve { a, b } => requests::anchor_curve(&ctx, a, b).await,
        Request::Project { space, method } => maps::project(&ctx, space, method).await,
        Request::MapQuality { space, method } => maps::quality(&ctx, space, method),
        Request::ProjectAligned {
            space,
            reference,
            method,
        } => maps::project_aligned(&ctx, space, reference, method).await,
    };
    ctx.finish(answer);
}
