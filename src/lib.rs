//! Rosetta's browser app: a Leptos page (components + state) and a Web Worker (parsing and
//! numerics) built from one wasm bundle. See ARCHITECTURE.md for the map.

pub mod app;
pub mod client;
pub mod components;
pub mod render;
pub mod state;
pub mod web;
pub mod worker;

/// Start in whichever global scope the bundle was loaded: the page mounts the UI, the worker
/// starts serving requests, a helper of the worker's pool starts taking jobs.
pub fn start() {
    console_error_panic_hook::set_once();
    if web::is_worker_scope() {
        if web::worker_name() == worker::pool::HELPER_NAME {
            worker::helper::run();
        } else {
            worker::entry::run();
        }
    } else {
        leptos::mount::mount_to_body(app::App);
    }
}
