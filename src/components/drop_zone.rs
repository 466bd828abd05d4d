use js_sys::Array;
use leptos::prelude::*;
use web_sys::DragEvent;

use crate::state::actions::Actions;

/// The whole page accepts dropped files; a highlight shows while something is dragged over it.
#[component]
pub fn DropZone(children: Children) -> impl IntoView {
    let actions = expect_context::<Actions>();
    let over = RwSignal::new(false);
    let on_drop = move |ev: DragEvent| {
        ev.prevent_default();
        over.set(false);
        let Some(dt) = ev.data_transfer() else { return };
        let Some(list) = dt.files() else { return };
        let files = Array::new();
        for i in 0..list.length() {
            if let Some(f) = list.item(i) {
                files.push(&f);
            }
        }
        actions.load_files(files);
    };
    view! {
        <div
            class="drop-zone"
            class:dragging=move || over.get()
            data-testid="drop-zone"
            on:dragover=move |ev: DragEvent| {
                ev.prevent_default();
                over.set(true);
            }
            on:dragleave=move |_| over.set(false)
            on:drop=on_drop
        >
            {children()}
            <div class="drop-hint" aria-hidden="true">"Drop embedding files to load them"</div>
        </div>
    }
}
