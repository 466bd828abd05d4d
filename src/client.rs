//! The page's facade to the worker: one request id per call, progress callbacks, a future per reply.
//! Requests made before the worker has loaded its wasm wait in a queue.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::rc::Rc;

use futures_channel::oneshot;
use js_sys::{Array, Float32Array, Object, Reflect};
use send_wrapper::SendWrapper;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{MessageEvent, Worker, WorkerOptions, WorkerType};

use crate::web::js_error_text;
use rosetta_engine::protocol::{Reply, Request};

/// A final reply and the typed arrays that rode beside it.
pub struct Answer {
    pub reply: Reply,
    pub coords: Option<Vec<f32>>,
}

/// What a request's interim replies (`Progress`, `Partial`) go to.
/// Called with each interim reply (progress, partial results, a converging layout) and the
/// coordinates beside it.
type UpdateFn = Box<dyn Fn(&Reply, Option<Vec<f32>>)>;

struct Pending {
    on_update: UpdateFn,
    done: oneshot::Sender<Answer>,
}

struct Inner {
    worker: Worker,
    next_id: Cell<u32>,
    ready: Cell<bool>,
    /// Why the worker could not start (then every request fails at once).
    failed: RefCell<Option<String>>,
    queue: RefCell<Vec<(JsValue, Array)>>,
    pending: RefCell<HashMap<u32, Pending>>,
    _on_message: Closure<dyn FnMut(MessageEvent)>,
}

/// Cheap to clone; lives on the page's thread only (the wrapper lets it sit in Leptos context).
#[derive(Clone)]
pub struct WorkerClient(SendWrapper<Rc<Inner>>);

impl WorkerClient {
    /// Start the worker from `script_url` (an ES module that loads the same wasm bundle).
    pub fn spawn(script_url: &str) -> Result<Self, String> {
        let options = WorkerOptions::new();
        options.set_type(WorkerType::Module);
        let worker =
            Worker::new_with_options(script_url, &options).map_err(|e| js_error_text(&e))?;
        let inner = Rc::new_cyclic(|weak: &std::rc::Weak<Inner>| {
            let weak = weak.clone();
            let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |ev: MessageEvent| {
                if let Some(inner) = weak.upgrade() {
                    inner.receive(ev.data());
                }
            });
            worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
            Inner {
                worker: worker.clone(),
                next_id: Cell::new(1),
                ready: Cell::new(false),
                failed: RefCell::new(None),
                queue: RefCell::new(Vec::new()),
                pending: RefCell::new(HashMap::new()),
                _on_message: on_message,
            }
        });
        Ok(Self(SendWrapper::new(inner)))
    }

    /// Send a request (with files, if any) and wait for its final reply.
    pub async fn request(
        &self,
        request: &Request,
        files: Option<Array>,
        on_progress: impl Fn(&str, f64, f64) + 'static,
    ) -> Result<Answer, String> {
        let (_, reply) = self.start(request, files, on_progress)?;
        reply
            .await
            .map_err(|_| "the worker stopped before answering".to_owned())
    }

    /// Send a request; returns its id (for [`WorkerClient::cancel`]) and the reply to await.
    pub fn start(
        &self,
        request: &Request,
        files: Option<Array>,
        on_progress: impl Fn(&str, f64, f64) + 'static,
    ) -> Result<(u32, oneshot::Receiver<Answer>), String> {
        self.start_with_updates(request, files, move |reply, _| {
            if let Reply::Progress { phase, done, total } = reply {
                on_progress(phase, *done, *total);
            }
        })
    }

    /// [`Self::start`] with every interim reply (`Progress`, and `Partial` results of a
    /// `Compare`) passed to `on_update`.
    pub fn start_with_updates(
        &self,
        request: &Request,
        files: Option<Array>,
        on_update: impl Fn(&Reply, Option<Vec<f32>>) + 'static,
    ) -> Result<(u32, oneshot::Receiver<Answer>), String> {
        let inner = &*self.0;
        if let Some(why) = inner.failed.borrow().clone() {
            return Err(why);
        }
        let id = inner.next_id.get();
        inner.next_id.set(id + 1);
        let msg = Object::new();
        let _ = Reflect::set(&msg, &"id".into(), &JsValue::from(id));
        let body = serde_wasm_bindgen::to_value(request).map_err(|e| e.to_string())?;
        let _ = Reflect::set(&msg, &"body".into(), &body);
        if let Some(f) = files {
            let _ = Reflect::set(&msg, &"files".into(), &f);
        }
        let (tx, rx) = oneshot::channel();
        inner.pending.borrow_mut().insert(
            id,
            Pending {
                on_update: Box::new(on_update),
                done: tx,
            },
        );
        if inner.ready.get() {
            inner.send(&msg, &Array::new())?;
        } else {
            inner.queue.borrow_mut().push((msg.into(), Array::new()));
        }
        Ok((id, rx))
    }

    /// Ask the worker to stop request `id` (it answers that request with `Cancelled`).
    pub fn cancel(&self, id: u32) {
        // The acknowledgement has no waiter; `receive` drops replies to unknown ids.
        if let Ok((ack, _)) = self.start(&Request::Cancel { request: id }, None, |_, _, _| {}) {
            self.0.pending.borrow_mut().remove(&ack);
        }
    }
}

impl Inner {
    fn send(&self, msg: &JsValue, transfer: &Array) -> Result<(), String> {
        self.worker
            .post_message_with_transfer(msg, transfer)
            .map_err(|e| js_error_text(&e))
    }

    fn receive(&self, data: JsValue) {
        if Reflect::get(&data, &"ready".into())
            .ok()
            .and_then(|v| v.as_bool())
            .unwrap_or(false)
        {
            self.ready.set(true);
            for (msg, transfer) in self.queue.borrow_mut().drain(..) {
                if let Err(e) = self.send(&msg, &transfer) {
                    web_sys::console::error_1(&e.into());
                }
            }
            return;
        }
        if let Some(why) = Reflect::get(&data, &"failed".into())
            .ok()
            .and_then(|f| f.as_string())
        {
            // The worker will never answer: every request waiting on it fails with the reason.
            *self.failed.borrow_mut() = Some(why.clone());
            self.queue.borrow_mut().clear();
            for (_, p) in self.pending.borrow_mut().drain() {
                let reply = Reply::Failed {
                    message: why.clone(),
                };
                let _ = p.done.send(Answer {
                    reply,
                    coords: None,
                });
            }
            return;
        }
        let id = Reflect::get(&data, &"id".into())
            .ok()
            .and_then(|v| v.as_f64())
            .unwrap_or(0.0) as u32;
        let body = Reflect::get(&data, &"body".into()).unwrap_or(JsValue::NULL);
        let reply: Reply = match serde_wasm_bindgen::from_value(body) {
            Ok(r) => r,
            Err(e) => Reply::Failed {
                message: format!("unreadable reply from the worker: {e}"),
            },
        };
        let coords = Reflect::get(&data, &"coords".into())
            .ok()
            .and_then(|c| c.dyn_into::<Float32Array>().ok())
            .map(|c| c.to_vec());
        if matches!(
            reply,
            Reply::Progress { .. } | Reply::Partial { .. } | Reply::Layout { .. }
        ) {
            if let Some(p) = self.pending.borrow().get(&id) {
                (p.on_update)(&reply, coords);
            }
            return;
        }
        if let Some(p) = self.pending.borrow_mut().remove(&id) {
            let _ = p.done.send(Answer { reply, coords });
        }
    }
}
