// Time the pure crates' kernels in headless Chromium without building the app.
// Build: (cd bench/wasm-kernels && RUSTFLAGS="-C target-feature=+simd128" \
//          cargo build --release --target wasm32-unknown-unknown)
// Run:   node bench/wasm-kernels/run.mjs [workloads 0-3, e.g. 0,2] [scale]
//        (no workloads: only the GEMM rates; 0 pca-steps, 1 pca, 2 relative, 3 compare, 4 knn)
//        node bench/wasm-kernels/run.mjs '' -1: only the screens' row preparations
import { chromium } from 'playwright-core';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
// WASM=path: another build of this module (e.g. a copy of the previous one, to compare).
const wasm = process.env.WASM ?? join(here, 'target/wasm32-unknown-unknown/release/wasm_kernels.wasm');
const b64 = readFileSync(wasm).toString('base64');
const which = (process.argv[2] ?? '').split(',').filter((s) => s !== '').map(Number);
const scale = Number(process.argv[3] ?? 1);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
});
try {
  const page = await browser.newPage();
  const out = await page.evaluate(async ([b64, which, scale]) => {
    const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
    const lines = [];
    let memory;
    const env = {
      now: () => performance.now(),
      host_log: (p, n) => lines.push(new TextDecoder().decode(new Uint8Array(memory.buffer, p, n))),
    };
    const { instance } = await WebAssembly.instantiate(bytes, { env });
    const e = instance.exports;
    memory = e.memory;
    // Interleaved rounds, best of each: these VMs' speed drifts by up to 2× from one minute to
    // the next (a shared core), so back-to-back blocks of runs would compare different machines.
    const gemms = {
      'faer lower Gram 256 × 768': [() => e.gram_lower(256, 768, 20), 256 * 768 * 768 * 20],
      'packed lower Gram 256 × 768': [() => e.packed_gram_lower(256, 768, 20), 256 * 768 * 768 * 20],
      'faer A·Bᵀ 512 × 512 × 384': [() => e.product_nt(512, 512, 384, 10), 2 * 512 * 512 * 384 * 10],
      'packed A·Bᵀ 512 × 512 × 384': [() => e.packed_product_nt(512, 512, 384, 10), 2 * 512 * 512 * 384 * 10],
      // Multiply-adds counted twice, like the f32 products' flops: GFLOP/s here is 2 × GMAC/s.
      'i16 cosine tile 512 × 512 × 384': [() => e.i16_tiles(384, 10), 2 * 512 * 512 * 384 * 10],
      'i16 cosine tiles 2,048 × 20,000 × 384 (cold columns)': [() => e.i16_sweep(384, 20000), 2 * 2048 * 20000 * 384],
    };
    if (scale < 0) {
      // Only the row preparations (the i16 screen's quantiser), best of 7 interleaved rounds.
      const preps = { 'i16 rows': (...a) => e.prep(...a) };
      const best = {};
      for (let round = 0; round < 7; round++) {
        for (const [name, f] of Object.entries(preps)) best[name] = Math.min(best[name] ?? Infinity, f(20000, 384, 1));
      }
      return Object.entries(best).map(([n, ms]) => `${n} of 20,000 × 384: ${ms.toFixed(1)} ms, ${(ms * 1e6 / (20000 * 384)).toFixed(2)} ns per value`).join('\n');
    }
    const bestMs = {};
    for (let round = 0; round < 7; round++) {
      for (const [name, [f]] of Object.entries(gemms)) bestMs[name] = Math.min(bestMs[name] ?? Infinity, f());
    }
    for (const [name, [, flop]] of Object.entries(gemms)) {
      lines.push(`${name}, best of 7: ${(flop / bestMs[name] / 1e6).toFixed(1)} GFLOP/s`);
    }
    for (const w of which) e.run_bench(w, scale);
    return lines.join('\n');
  }, [b64, which, scale]);
  console.log(out);
} finally {
  await browser.close();
}
