use js_sys::Array;
use leptos::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::HtmlInputElement;

use crate::state::actions::Actions;

/// "Open files…": the keyboard-reachable twin of dropping files.
#[component]
pub fn FilePicker() -> impl IntoView {
    let actions = expect_context::<Actions>();
    let on_change = move |ev: leptos::ev::Event| {
        let Some(input) = ev
            .target()
            .and_then(|t| t.dyn_into::<HtmlInputElement>().ok())
        else {
            return;
        };
        let files = Array::new();
        if let Some(list) = input.files() {
            for i in 0..list.length() {
                if let Some(f) = list.item(i) {
                    files.push(&f);
                }
            }
        }
        // Let the same file be picked again.
        input.set_value("");
        actions.load_files(files);
    };
    view! {
        <label class="file-picker button">
            "Open files…"
            <input
                type="file"
                multiple=true
                data-testid="file-input"
                accept=".npy,.npz,.safetensors,.parquet,.pq,.arrow,.feather,.arrows,.csv,.tsv,.txt,.json,.jsonl,.ndjson,.gz,.bytes"
                on:change=on_change
            />
        </label>
    }
}
