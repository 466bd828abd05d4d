//! A helper worker of the pool (`pool.rs`): it runs each job it is sent
//! (`rosetta_engine::pool::execute`) on the arrays that came with it or that it keeps from an
//! earlier job (`rosetta_engine::pool::kept`: until told to forget them), and transfers the answer
//! back — with the buffers that brought the arrays, for the coordinator to copy the next jobs'
//! into.

use std::cell::RefCell;

use js_sys::{Object, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{DedicatedWorkerGlobalScope, MessageEvent};

use rosetta_engine::pool::kept::Keeper;
use rosetta_engine::pool::{Job, Key};
use rosetta_engine::EngineError;

use super::pool::{sent_bufs_of, typed_array, typed_arrays};

/// Install the job handler and tell the coordinator this helper is ready.
pub fn run() {
    let scope: DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
    let reply_scope = scope.clone();
    let keeper = RefCell::new(Keeper::default());
    let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |ev: MessageEvent| {
        let data = ev.data();
        match Reflect::get(&data, &"forget".into()) {
            Ok(list) if list.is_object() => {
                let keys: Vec<Key> = keys_of(&list).into_iter().flatten().collect();
                keeper.borrow_mut().forget(&keys);
            }
            _ => answer(&reply_scope, &data, &mut keeper.borrow_mut()),
        }
    });
    scope.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    // The handler lives as long as the helper.
    on_message.forget();
    let ready = Object::new();
    let _ = Reflect::set(&ready, &"ready".into(), &JsValue::TRUE);
    let _ = scope.post_message(&ready);
}

/// The keys beside a job's arrays (`null`: not kept), or the keys to forget.
fn keys_of(list: &JsValue) -> Vec<Option<Key>> {
    list.dyn_ref::<js_sys::Array>()
        .map(|a| a.iter().map(|k| k.as_f64().map(|k| k as Key)).collect())
        .unwrap_or_default()
}

fn answer(scope: &DedicatedWorkerGlobalScope, data: &JsValue, keeper: &mut Keeper) {
    let id = Reflect::get(data, &"job".into()).unwrap_or(JsValue::NULL);
    let sent = Reflect::get(data, &"arrays".into()).unwrap_or(JsValue::NULL);
    let keys = keys_of(&Reflect::get(data, &"keys".into()).unwrap_or(JsValue::NULL));
    let result = serde_wasm_bindgen::from_value::<Job>(
        Reflect::get(data, &"body".into()).unwrap_or(JsValue::NULL),
    )
    .map_err(|e| EngineError::Job(format!("bad job: {e}")))
    .and_then(|job| keeper.run(&job, sent_bufs_of(&sent)?, &keys));
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
        Err(e) => {
            let _ = Reflect::set(&msg, &"error".into(), &e.to_string().into());
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
