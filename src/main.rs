//! The wasm entry: mounts the app on a page, or serves requests when loaded in the worker.

fn main() {
    rosetta_app::start();
}
