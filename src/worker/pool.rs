//! The browser's [`Helpers`]: dedicated workers started by the worker from its own script, each
//! with its own copy of the wasm app (named [`HELPER_NAME`], so `start` runs `helper::run`).
//! No SharedArrayBuffer: arrays are copied in and transferred back, so any static host works.
//!
//! Helpers start on first use and stay; a job whose shares were large lets them go afterwards
//! (wasm memory never shrinks). A helper that fails (its script did not load, a panic) fails its
//! pending shares, which the coordinator then computes itself, and the pool stops using helpers.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::rc::{Rc, Weak};

use futures_channel::oneshot;
use js_sys::{Array, ArrayBuffer, Float32Array, Float64Array, Object, Reflect, Uint32Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{DedicatedWorkerGlobalScope, MessageEvent, Worker, WorkerOptions, WorkerType};

use rosetta_engine::pool::kept::Holding;
use rosetta_engine::pool::width::{helpers_for, memory_budget, pool_width};
use rosetta_engine::pool::{Answer, Buf, BufRef, Helpers, Job, Key};
use rosetta_engine::EngineError;

use crate::web::js_error_text;

/// The `name` a helper worker is started with.
pub const HELPER_NAME: &str = "rosetta-helper";
/// Kernels smaller than this (multiply-adds, ~0.05 s on one core) run in the worker alone unless
/// `?workers=N` asked for a pool: starting helpers and copying rows would cost more than they save.
const MIN_WORK: f64 = 1e9;
/// Helpers that were sent more than this in one kernel are let go after it.
const RETIRE_BYTES: usize = 256 << 20;
/// The most the spent buffers kept for reuse ([`Spent`]) may hold, per helper: they stay in
/// this worker between kernels (the 20,000 × 384 comparison sends up to 61 MB per share).
const SPENT_BYTES_PER_HELPER: usize = 96 << 20;

struct Helper {
    worker: Worker,
    ready: Cell<bool>,
    queue: RefCell<Vec<(JsValue, Array)>>,
    _on_message: Closure<dyn FnMut(MessageEvent)>,
    _on_error: Closure<dyn FnMut(web_sys::Event)>,
}

struct Inner {
    /// Workers per kernel at most, this one included.
    width: usize,
    /// Bytes the helpers of one kernel may hold together (`None`: `?workers=N` decides alone).
    budget: Option<usize>,
    /// Kernels smaller than this run here alone (0 when the width was asked for).
    min_work: f64,
    script: String,
    helpers: RefCell<Vec<Rc<Helper>>>,
    /// Set when a helper failed: from then on everything runs here.
    broken: Cell<bool>,
    next_job: Cell<u32>,
    /// Job id → where its answer goes.
    pending: RefCell<HashMap<u32, oneshot::Sender<Answer>>>,
    /// Told when every helper has started (dropped when the pool lets its helpers go).
    starting: RefCell<Vec<oneshot::Sender<()>>>,
    spent: RefCell<Spent>,
    /// What each helper keeps between jobs (`rosetta_engine::pool::kept`).
    holding: RefCell<Holding>,
    next_key: Cell<Key>,
}

/// Buffers that carried a job's arrays, sent back by the helper once it copied them: the next
/// jobs' arrays are copied into them. A fresh buffer for every share costs the coordinator
/// more than the copy itself (its pages are new: measured ~0.55 ms per MB, serial, once per
/// helper and kernel), which grows with the pool's width.
#[derive(Default)]
struct Spent {
    buffers: Vec<ArrayBuffer>,
    bytes: usize,
}

impl Spent {
    fn keep(&mut self, buffer: ArrayBuffer, most: usize) {
        let len = buffer.byte_length() as usize;
        if len > 0 && self.bytes + len <= most {
            self.bytes += len;
            self.buffers.push(buffer);
        }
    }

    /// The smallest kept buffer of at least `bytes` and at most twice that.
    fn take(&mut self, bytes: usize) -> Option<ArrayBuffer> {
        let (at, len) = self
            .buffers
            .iter()
            .map(|b| b.byte_length() as usize)
            .enumerate()
            .filter(|&(_, len)| len >= bytes && len <= 2 * bytes.max(1))
            .min_by_key(|&(_, len)| len)?;
        self.bytes -= len;
        Some(self.buffers.swap_remove(at))
    }

    /// `v` in a typed array: in a kept buffer when one fits, else a new one.
    fn f32s(&mut self, v: &[f32]) -> JsValue {
        match self.take(v.len() * 4) {
            Some(b) => {
                let a = Float32Array::new_with_byte_offset_and_length(&b, 0, v.len() as u32);
                a.copy_from(v);
                a.into()
            }
            None => Float32Array::from(v).into(),
        }
    }

    fn f64s(&mut self, v: &[f64]) -> JsValue {
        match self.take(v.len() * 8) {
            Some(b) => {
                let a = Float64Array::new_with_byte_offset_and_length(&b, 0, v.len() as u32);
                a.copy_from(v);
                a.into()
            }
            None => Float64Array::from(v).into(),
        }
    }
}

/// The helpers of this worker. Cheap to clone.
#[derive(Clone)]
pub struct Pool(Rc<Inner>);

impl Pool {
    /// A pool as wide as `?workers=N` in this worker's URL, else the machine's cores (at most
    /// [`rosetta_engine::pool::width::DEFAULT_MAX_WIDTH`]); unless the width was asked for, each kernel uses only the
    /// helpers whose copies fit in half the memory the browser reports
    /// ([`rosetta_engine::pool::width::helpers_for`]). Nothing starts until the first kernel asks.
    pub fn from_scope(scope: &DedicatedWorkerGlobalScope) -> Self {
        let location = scope.location();
        let asked = web_sys::UrlSearchParams::new_with_str(&location.search())
            .ok()
            .and_then(|p| p.get("workers"))
            .and_then(|w| w.parse::<usize>().ok());
        let navigator = scope.navigator();
        let cores = navigator.hardware_concurrency() as usize;
        // Chromium's only (and not in web-sys' WorkerNavigator): GB, a power of two, at most 8.
        let device_memory = Reflect::get(&navigator, &"deviceMemory".into())
            .ok()
            .and_then(|v| v.as_f64());
        Self(Rc::new(Inner {
            width: pool_width(cores, asked),
            budget: memory_budget(device_memory, asked.is_some()),
            min_work: if asked.is_some() { 0.0 } else { MIN_WORK },
            script: location.href(),
            helpers: RefCell::new(Vec::new()),
            broken: Cell::new(false),
            next_job: Cell::new(1),
            pending: RefCell::new(HashMap::new()),
            starting: RefCell::new(Vec::new()),
            spent: RefCell::new(Spent::default()),
            holding: RefCell::new(Holding::default()),
            next_key: Cell::new(1),
        }))
    }

    fn spawn(&self) -> Result<Rc<Helper>, String> {
        let options = WorkerOptions::new();
        options.set_type(WorkerType::Module);
        options.set_name(HELPER_NAME);
        let worker =
            Worker::new_with_options(&self.0.script, &options).map_err(|e| js_error_text(&e))?;
        let index = self.0.helpers.borrow().len();
        let weak = Rc::downgrade(&self.0);
        let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |ev: MessageEvent| {
            if let Some(inner) = weak.upgrade() {
                inner.receive(index, ev.data());
            }
        });
        let weak: Weak<Inner> = Rc::downgrade(&self.0);
        let on_error = Closure::<dyn FnMut(web_sys::Event)>::new(move |ev: web_sys::Event| {
            let text = Reflect::get(&ev, &"message".into())
                .ok()
                .and_then(|m| m.as_string())
                .unwrap_or_else(|| "it could not start".to_owned());
            if let Some(inner) = weak.upgrade() {
                inner.fail(&format!("a helper worker stopped: {text}"));
            }
        });
        worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        Ok(Rc::new(Helper {
            worker,
            ready: Cell::new(false),
            queue: RefCell::new(Vec::new()),
            _on_message: on_message,
            _on_error: on_error,
        }))
    }
}

impl Inner {
    fn receive(&self, index: usize, data: JsValue) {
        let helper = self.helpers.borrow().get(index).cloned();
        if Reflect::get(&data, &"ready".into())
            .ok()
            .and_then(|v| v.as_bool())
            .unwrap_or(false)
        {
            if let Some(h) = helper {
                h.ready.set(true);
                for (msg, transfer) in h.queue.borrow_mut().drain(..) {
                    post(&h.worker, &msg, &transfer, self, index);
                }
            }
            if self.all_started() {
                for tx in self.starting.borrow_mut().drain(..) {
                    let _ = tx.send(());
                }
            }
            return;
        }
        if let Some(why) = Reflect::get(&data, &"failed".into())
            .ok()
            .and_then(|f| f.as_string())
        {
            return self.fail(&format!("a helper worker stopped: {why}"));
        }
        let id = Reflect::get(&data, &"job".into())
            .ok()
            .and_then(|v| v.as_f64())
            .unwrap_or(0.0) as u32;
        if let Ok(spent) = Reflect::get(&data, &"spent".into()) {
            if let Some(list) = spent.dyn_ref::<Array>() {
                let most = self.helpers.borrow().len() * SPENT_BYTES_PER_HELPER;
                let mut kept = self.spent.borrow_mut();
                for b in list.iter() {
                    if let Ok(buffer) = b.dyn_into::<ArrayBuffer>() {
                        kept.keep(buffer, most);
                    }
                }
            }
        }
        let answer = match Reflect::get(&data, &"error".into())
            .ok()
            .and_then(|e| e.as_string())
        {
            Some(message) => Err(EngineError::Job(message)),
            None => bufs_of(&Reflect::get(&data, &"arrays".into()).unwrap_or(JsValue::NULL)),
        };
        if let Some(tx) = self.pending.borrow_mut().remove(&id) {
            let _ = tx.send(answer);
        }
    }

    /// Stop every helper and fail what they were doing (the coordinator computes it instead).
    fn fail(&self, why: &str) {
        web_sys::console::warn_1(&format!("{why}; working on one thread from now on").into());
        self.broken.set(true);
        self.let_go(why);
    }

    fn all_started(&self) -> bool {
        self.helpers.borrow().iter().all(|h| h.ready.get())
    }

    fn let_go(&self, why: &str) {
        self.starting.borrow_mut().clear();
        *self.spent.borrow_mut() = Spent::default();
        self.holding.borrow_mut().clear();
        for h in self.helpers.borrow_mut().drain(..) {
            h.worker.terminate();
        }
        for (_, tx) in self.pending.borrow_mut().drain() {
            let _ = tx.send(Err(EngineError::Job(why.to_owned())));
        }
    }
}

fn post(worker: &Worker, msg: &JsValue, transfer: &Array, inner: &Inner, index: usize) {
    if let Err(e) = worker.post_message_with_transfer(msg, transfer) {
        let why = format!(
            "could not send a job to helper {index}: {}",
            js_error_text(&e)
        );
        inner.fail(&why);
    }
}

impl Helpers for Pool {
    fn count(&self, work: f64, bytes_per_helper: usize) -> usize {
        let inner = &self.0;
        if inner.broken.get() || work < inner.min_work {
            return 0;
        }
        let wanted = helpers_for(inner.width, inner.budget, bytes_per_helper);
        while inner.helpers.borrow().len() < wanted {
            match self.spawn() {
                Ok(h) => inner.helpers.borrow_mut().push(h),
                Err(e) => {
                    inner.fail(&format!("could not start a helper worker: {e}"));
                    return 0;
                }
            }
        }
        // Helpers started for an earlier, smaller kernel stay idle in this one.
        wanted
    }

    fn submit(&self, h: usize, job: &Job, arrays: &[BufRef<'_>]) -> oneshot::Receiver<Answer> {
        let inner = &self.0;
        let (tx, rx) = oneshot::channel();
        let Some(helper) = inner.helpers.borrow().get(h).cloned() else {
            let _ = tx.send(Err(EngineError::Job(format!("no helper {h}"))));
            return rx;
        };
        let id = inner.next_job.get();
        inner.next_job.set(id.wrapping_add(1));
        let msg = Object::new();
        let _ = Reflect::set(&msg, &"job".into(), &JsValue::from(id));
        let body = match serde_wasm_bindgen::to_value(job) {
            Ok(b) => b,
            Err(e) => {
                let _ = tx.send(Err(EngineError::Job(e.to_string())));
                return rx;
            }
        };
        let _ = Reflect::set(&msg, &"body".into(), &body);
        let keys = Array::new();
        let (list, transfer) = {
            let mut spent = inner.spent.borrow_mut();
            let mut holding = inner.holding.borrow_mut();
            typed_arrays(arrays.iter().map(|a| {
                keys.push(&a.key().map_or(JsValue::NULL, JsValue::from));
                match *a {
                    BufRef::F32(v) => spent.f32s(v),
                    BufRef::F64(v) => spent.f64s(v),
                    BufRef::U32(v) => Uint32Array::from(v).into(),
                    // Named only: the helper keeps them since an earlier job.
                    BufRef::Kept(key, v) if holding.must_send(h, key) => spent.f32s(v),
                    BufRef::Kept(..) => JsValue::NULL,
                }
            }))
        };
        let _ = Reflect::set(&msg, &"arrays".into(), &list);
        let _ = Reflect::set(&msg, &"keys".into(), &keys);
        inner.pending.borrow_mut().insert(id, tx);
        if helper.ready.get() {
            post(&helper.worker, &msg, &transfer, inner, h);
        } else {
            helper.queue.borrow_mut().push((msg.into(), transfer));
        }
        rx
    }

    fn until_started(&self) -> Option<oneshot::Receiver<()>> {
        if self.0.all_started() {
            return None;
        }
        let (tx, rx) = oneshot::channel();
        self.0.starting.borrow_mut().push(tx);
        Some(rx)
    }

    fn done(&self, bytes_per_helper: usize) {
        let inner = &self.0;
        // Other kernels' shares may still be out, or rows kept for the next: let go only when
        // neither is.
        if bytes_per_helper > RETIRE_BYTES
            && inner.pending.borrow().is_empty()
            && !inner.holding.borrow().any()
        {
            inner.let_go("helpers let go");
        }
    }

    fn key(&self) -> Option<Key> {
        let key = self.0.next_key.get();
        self.0.next_key.set(key.wrapping_add(1));
        Some(key)
    }

    fn forget(&self, keys: &[Key]) {
        let inner = &self.0;
        inner.holding.borrow_mut().forget(keys);
        let msg = Object::new();
        let list: Array = keys.iter().map(|&k| JsValue::from(k)).collect();
        let _ = Reflect::set(&msg, &"forget".into(), &list);
        let helpers = inner.helpers.borrow().clone();
        for (index, h) in helpers.iter().enumerate() {
            if h.ready.get() {
                post(&h.worker, &msg, &Array::new(), inner, index);
            } else {
                h.queue
                    .borrow_mut()
                    .push((msg.clone().into(), Array::new()));
            }
        }
    }
}

/// The typed arrays as a JS array, and the list of their buffers to transfer.
pub fn typed_arrays(arrays: impl Iterator<Item = JsValue>) -> (Array, Array) {
    let (list, transfer) = (Array::new(), Array::new());
    for a in arrays {
        if let Ok(buffer) = Reflect::get(&a, &"buffer".into()) {
            transfer.push(&buffer);
        }
        list.push(&a);
    }
    (list, transfer)
}

/// Typed arrays (Float32Array, Float64Array, Uint32Array) copied into wasm memory.
pub fn bufs_of(arrays: &JsValue) -> Result<Vec<Buf>, EngineError> {
    sent_bufs_of(arrays)?
        .into_iter()
        .map(|b| b.ok_or_else(|| EngineError::Job("an array is missing".to_owned())))
        .collect()
}

/// [`bufs_of`] where `null` stands for an array not sent (a kept one: `rosetta_engine::pool::kept`).
pub fn sent_bufs_of(arrays: &JsValue) -> Result<Vec<Option<Buf>>, EngineError> {
    let list: &Array = arrays
        .dyn_ref()
        .ok_or_else(|| EngineError::Job("the arrays are missing".to_owned()))?;
    list.iter()
        .map(|a| {
            if a.is_null() {
                Ok(None)
            } else if let Some(v) = a.dyn_ref::<Float32Array>() {
                Ok(Some(Buf::F32(v.to_vec())))
            } else if let Some(v) = a.dyn_ref::<Float64Array>() {
                Ok(Some(Buf::F64(v.to_vec())))
            } else if let Some(v) = a.dyn_ref::<Uint32Array>() {
                Ok(Some(Buf::U32(v.to_vec())))
            } else {
                Err(EngineError::Job(
                    "an array of an unexpected type".to_owned(),
                ))
            }
        })
        .collect()
}

/// A buffer as a typed array (for the answer of a helper).
pub fn typed_array(b: &Buf) -> JsValue {
    match b {
        Buf::F32(v) => Float32Array::from(v.as_slice()).into(),
        Buf::F64(v) => Float64Array::from(v.as_slice()).into(),
        Buf::U32(v) => Uint32Array::from(v.as_slice()).into(),
    }
}
