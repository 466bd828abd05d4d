// The Web Worker's entry: it loads the same app as the page; the bundle's start function sees that
// it runs in a worker and starts serving requests (src/worker/entry.rs).
//
// Two builds of that one app ship (scripts/build.sh): the plain SIMD128 one, and one with
// relaxed-simd, whose GEMM kernel uses a fused multiply-add (about 15–25 % faster heavy work,
// BENCHMARKS.md). A browser without relaxed-simd would reject that module, so this probe — a
// function that runs f32x4.relaxed_madd on three zero vectors — decides which one to load.
import init from './rosetta-app.js';

const zeros = [0xfd, 0x0c, ...new Array(16).fill(0)]; // v128.const 0
const body = [0x00, ...zeros, ...zeros, ...zeros, 0xfd, 0x85, 0x02, 0x1a, 0x0b]; // relaxed_madd, drop, end
const probe = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // magic, version
  0x01, 0x04, 0x01, 0x60, 0x00, 0x00, // one type: [] -> []
  0x03, 0x02, 0x01, 0x00, // one function of that type
  0x0a, body.length + 2, 0x01, body.length, ...body, // its code
]);
const relaxed = WebAssembly.validate(probe);
const wasm = new URL(relaxed ? './rosetta-app_relaxed_bg.wasm' : './rosetta-app_bg.wasm', import.meta.url);
// A rejected start is no error event for whoever started this worker: tell it, or it would wait.
init({ module_or_path: wasm }).catch((e) => self.postMessage({ failed: `the worker could not start: ${e?.message ?? e}` }));
