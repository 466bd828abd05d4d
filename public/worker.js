// The Web Worker's entry: it loads the same wasm bundle as the page; the bundle's start function
// sees that it runs in a worker and starts serving requests (src/worker/entry.rs).
import init from './rosetta-app.js';
init();
