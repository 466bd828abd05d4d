// Where a workload's time goes inside the worker (and the pool's helpers): a CPU profile of every
// worker of the page over the whole run (Chrome DevTools Protocol, raw, since Playwright cannot
// attach to workers), their functions by self time. Wasm functions show by name when the bundle
// keeps its name section (wasm-bindgen keeps it; `wasm-opt` without `-g` drops it), e.g.:
//   wasm-bindgen --target web --no-typescript --out-dir /tmp/w \
//     target/wasm32-unknown-unknown/release/rosetta-app.wasm
//   cp /tmp/w/rosetta-app_bg.wasm DIST/rosetta-app_relaxed_bg.wasm   (a copy of dist/)
// Usage: node --experimental-websocket bench/worker_profile.mjs [workload] [scale] [dist]
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { CHROMIUM_ARGS, root } from '../tests/e2e/helpers.mjs';
import { serve } from '../scripts/serve.mjs';

const [workload = 'knn', scale = '1', dist = join(root, 'dist')] = process.argv.slice(2);
const server = await serve(dist, 0, {});
const url = `http://127.0.0.1:${server.address().port}/?bench=${workload}&scale=${scale}`;
const port = 9300 + Math.floor(Math.random() * 500);
const chrome = spawn(process.env.CHROMIUM ?? '/usr/bin/chromium',
  [...CHROMIUM_ARGS, `--remote-debugging-port=${port}`, '--user-data-dir=/tmp/worker-profile', 'about:blank'],
  { stdio: 'ignore' });
try {
  let version;
  for (let t = 0; t < 100 && !version; t++) {
    await new Promise((r) => setTimeout(r, 200));
    version = await fetch(`http://127.0.0.1:${port}/json/version`).then((r) => r.json(), () => undefined);
  }
  const ws = new WebSocket(version.webSocketDebuggerUrl);
  await new Promise((r) => ws.addEventListener('open', r));
  let next = 1;
  const waiting = new Map();
  const workers = [];
  const send = (method, params = {}, sessionId) => new Promise((ok, fail) => {
    const id = next++;
    waiting.set(id, { ok, fail });
    ws.send(JSON.stringify({ id, method, params, sessionId }));
  });
  ws.addEventListener('message', async (m) => {
    const msg = JSON.parse(m.data);
    if (msg.id) {
      const w = waiting.get(msg.id);
      waiting.delete(msg.id);
      if (msg.error) w.fail(new Error(JSON.stringify(msg.error))); else w.ok(msg.result);
    } else if (msg.method === 'Target.attachedToTarget') {
      const s = msg.params.sessionId;
      workers.push({ s, title: msg.params.targetInfo.url });
      // Helpers are the worker's own workers: attach to them too.
      await send('Target.setAutoAttach', { autoAttach: true, waitForDebuggerOnStart: true, flatten: true }, s);
      await send('Profiler.enable', {}, s);
      await send('Profiler.setSamplingInterval', { interval: 500 }, s);
      await send('Profiler.start', {}, s);
      await send('Runtime.runIfWaitingForDebugger', {}, s);
    }
  });
  const { targetId } = await send('Target.createTarget', { url: 'about:blank' });
  const { sessionId: page } = await send('Target.attachToTarget', { targetId, flatten: true });
  await send('Target.setAutoAttach', { autoAttach: true, waitForDebuggerOnStart: true, flatten: true }, page);
  await send('Runtime.enable', {}, page);
  await send('Page.navigate', { url }, page);
  const started = Date.now();
  for (;;) {
    await new Promise((r) => setTimeout(r, 1000));
    const { result } = await send('Runtime.evaluate', {
      expression: "document.querySelector('[data-testid=bench-results][data-done=true]')?.innerText ?? ''",
    }, page);
    if (result.value) { console.log(result.value.trim()); break; }
    if (Date.now() - started > 30 * 60 * 1000) throw new Error('timed out');
  }
  for (const w of workers) {
    const { profile } = await send('Profiler.stop', {}, w.s).catch(() => ({}));
    if (!profile) continue;
    const self = new Map();
    const byId = new Map(profile.nodes.map((n) => [n.id, n]));
    let total = 0;
    profile.samples.forEach((id, i) => {
      const f = byId.get(id).callFrame;
      const us = profile.timeDeltas[i + 1] ?? 0;
      total += us;
      self.set(f.functionName || '(anonymous)', (self.get(f.functionName || '(anonymous)') ?? 0) + us);
    });
    console.log(`\n# ${w.title}: ${(total / 1e6).toFixed(2)} s sampled`);
    [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, 30)
      .forEach(([k, us]) => console.log((us / 1000).toFixed(0).padStart(8), 'ms', k.slice(0, 110)));
  }
  ws.close();
} finally {
  chrome.kill();
  server.close();
}
