// CPU profile of the screens' row preparations in the bare module (self time per function).
// Build as run.mjs says, then: node bench/wasm-kernels/prof.mjs
import { chromium } from 'playwright-core';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const wasm = process.env.WASM ?? join(here, 'target/wasm32-unknown-unknown/release/wasm_kernels.wasm');
const b64 = readFileSync(wasm).toString('base64');
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
});
try {
  const page = await browser.newPage();
  const cdp = await page.context().newCDPSession(page);
  await page.evaluate(async (b64) => {
    const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
    let memory;
    const env = { now: () => performance.now(), host_log: () => {} };
    const { instance } = await WebAssembly.instantiate(bytes, { env });
    memory = instance.exports.memory;
    globalThis.k = instance.exports;
    for (let i = 0; i < 3; i++) { k.prep(0, 20000, 384, 1); k.prep(1, 20000, 384, 1); }
  }, b64);
  await cdp.send('Profiler.enable');
  await cdp.send('Profiler.setSamplingInterval', { interval: 100 });
  await cdp.send('Profiler.start');
  await page.evaluate(() => { for (let i = 0; i < 5; i++) { k.prep(0, 20000, 384, 1); k.prep(1, 20000, 384, 1); } });
  const { profile } = await cdp.send('Profiler.stop');
  const self = new Map();
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const dt = profile.timeDeltas;
  profile.samples.forEach((id, i) => {
    const name = byId.get(id).callFrame.functionName || '(anon)';
    self.set(name, (self.get(name) ?? 0) + (dt[i] ?? 0) / 1000);
  });
  [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, 20)
    .forEach(([n, ms]) => console.log(`${(ms / 5).toFixed(1).padStart(8)} ms per round  ${n}`));
} finally {
  await browser.close();
}
