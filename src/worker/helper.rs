//! A helper worker of the pool (`pool.rs`): it holds no data, runs each job it is sent
//! (`jobs::execute`) on the arrays that came with it, and transfers the answer back — with the
//! buffers that brought the arrays, for the coordinator to copy the next jobs' into.

use js_sys::{Object, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{DedicatedWorkerGlobalScope, MessageEvent};

use super::jobs::{execute, Job};
use super::pool::{bufs_of, typed_array, typed_arrays};

/// Install the job handler and tell the coordinator this helper is ready.
pub fn run() {
    let scope: DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
    let reply_scope = scope.clone();
    let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |ev: MessageEvent| {
        answer(&reply_scope, &ev.data());
    });
    scope.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    // The handler lives as long as the helper.
    on_message.forget();
    let ready = Object::new();
    let _ = Reflect::set(&ready, &"ready".into(), &JsValue::TRUE);
    let _ = scope.post_message(&ready);
}

fn answer(scope: &DedicatedWorkerGlobalScope, data: &JsValue) {
    let id = Reflect::get(data, &"job".into()).unwrap_or(JsValue::NULL);
    let sent = Reflect::get(data, &"arrays".into()).unwrap_or(JsValue::NULL);
    let result = serde_wasm_bindgen::from_value::<Job>(
        Reflect::get(data, &"body".into()).unwrap_or(JsValue::NULL),
    )
    .map_err(|e| format!("bad job: {e}"))
    .and_then(|job| execute(&job, bufs_of(&sent)?));
    let msg = Object::new();
    let _ = Reflect::set(&msg, &"job".into(), &id);
    // The arrays were copied into this helper's memory: their buffers go back (transferred).
    let spent = js_sys::Array::new();
    if let Some(list) = sent.dyn_ref::<js_sys::Array>() {
        for a in list.iter() {
            if let Ok(buffer) = Reflect::get(&a, &"buffer".into()) {
                if buffer.is_instance_of::<js_sys::ArrayBuffer>() {
                    spent.push(&buffer);
                }
            }
        }
    }
    let _ = Reflect::set(&msg, &"spent".into(), &spent);
    let transfer = match result {
        Ok(bufs) => {
            let (list, transfer) = typed_arrays(bufs.iter().map(typed_array));
            let _ = Reflect::set(&msg, &"arrays".into(), &list);
            transfer
        }
        Err(message) => {
            let _ = Reflect::set(&msg, &"error".into(), &message.into());
            js_sys::Array::new()
        }
    };
    for b in spent.iter() {
        transfer.push(&b);
    }
    if let Err(e) = scope.post_message_with_transfer(&msg, &transfer) {
        web_sys::console::error_2(&"helper: could not post an answer".into(), &e);
    }
}
