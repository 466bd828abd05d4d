// The Web Worker's entry: it loads the same app as the page (the same wasm file, which the
// browser has cached by then); the bundle's start function sees that it runs in a worker and
// starts serving requests (src/worker/entry.rs).
import init from './rosetta-app.js';

const wasm = new URL('./rosetta-app_bg.wasm', import.meta.url);
// A rejected start is no error event for whoever started this worker: tell it, or it would wait.
init({ module_or_path: wasm }).catch((e) => self.postMessage({ failed: `the worker could not start: ${e?.message ?? e}` }));
