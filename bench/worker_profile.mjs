// Where a workload's time goes inside the worker (and the pool's helpers): a CPU profile of every
// worker of the page over the whole run (Chrome DevTools Protocol, raw, since Playwright cannot
// attach to workers), their functions by self time. Wasm functions show by name when the bundle
// keeps its name section (wasm-bindgen keeps it; `wasm-opt` without `-g` drops it), e.g.:
//   wasm-bindgen --target web --no-typescript --out-dir /tmp/w \
//     target/wasm32-unknown-unknown/release/rosetta-app.wasm
//   cp /tmp/w/rosetta-app_bg.wasm DIST/rosetta-app_bg.wasm   (a copy of target/dist-bench)
// Prints each worker's functions by self time, a timeline of how busy each worker was (100 ms
// per character: ' ' idle … '@' busy), and every stretch in which the pool's helpers idled with
// what the coordinating worker did meanwhile (the comparison's serial parts; `compare-pooled`
// runs only the pooled comparison).
// Usage: node --experimental-websocket bench/worker_profile.mjs [workload] [scale] [dist]
// (WORKERS=N: the page's ?workers=N)
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { CHROMIUM_ARGS, root } from '../tests/e2e/helpers.mjs';
import { serve } from '../scripts/serve.mjs';

const [workload = 'knn', scale = '1', dist = join(root, 'target', 'dist-bench')] = process.argv.slice(2);
const server = await serve(dist, 0, {});
const workers = process.env.WORKERS ? `&workers=${process.env.WORKERS}` : '';
const url = `http://127.0.0.1:${server.address().port}/?bench=${workload}&scale=${scale}${workers}`;
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
  const profiles = [];
  for (const w of workers) {
    const { profile } = await send('Profiler.stop', {}, w.s).catch(() => ({}));
    if (!profile) continue;
    const byId = new Map(profile.nodes.map((n) => [n.id, n]));
    let t = profile.startTime;
    const samples = profile.samples.map((id, i) => {
      t += profile.timeDeltas[i] ?? 0;
      const f = byId.get(id).callFrame.functionName || '(anonymous)';
      return { t, f, us: profile.timeDeltas[i + 1] ?? 0 };
    });
    profiles.push({ title: w.title, samples });
  }
  report(profiles);
  ws.close();
} finally {
  chrome.kill();
  server.close();
}

/// Self time per function of the samples that pass `keep`, largest first.
function selfTimes(samples, keep) {
  const m = new Map();
  let total = 0;
  for (const s of samples) {
    if (!keep(s)) continue;
    total += s.us;
    m.set(s.f, (m.get(s.f) ?? 0) + s.us);
  }
  return { total, top: [...m.entries()].sort((a, b) => b[1] - a[1]) };
}

function report(profiles) {
  const BUCKET_US = 100000;
  const busy = (s) => !['(idle)', '(program)', '(garbage collector)'].includes(s.f);
  const t0 = Math.min(...profiles.map((p) => p.samples[0]?.t ?? Infinity));
  const t1 = Math.max(...profiles.map((p) => p.samples.at(-1)?.t ?? 0));
  const buckets = Math.ceil((t1 - t0) / BUCKET_US) + 1;
  const at = (s) => Math.floor((s.t - t0) / BUCKET_US);
  const timeline = profiles.map((p) => {
    const a = new Array(buckets).fill(0);
    p.samples.forEach((s) => { if (busy(s)) a[at(s)] += s.us; });
    return a;
  });
  profiles.forEach((p, i) => {
    const { total, top } = selfTimes(p.samples, busy);
    console.log(`\n# ${i}: ${p.title}: ${(total / 1e6).toFixed(2)} s busy`);
    top.slice(0, 30).forEach(([k, us]) => console.log((us / 1000).toFixed(0).padStart(8), 'ms', k.slice(0, 110)));
  });
  console.log('\n# timeline (100 ms per character)');
  const shade = (us) => ' .:-=+*#%@'[Math.min(9, Math.floor((us / BUCKET_US) * 10))];
  for (let k = 0; k < buckets; k += 120) {
    timeline.forEach((a, i) => console.log(String(i), a.slice(k, k + 120).map(shade).join('')));
  }
  // Targets in attach order: the page, the coordinating worker, then its helpers.
  const coordinator = 1;
  const helpers = profiles.map((_, i) => i).filter((i) => i > coordinator);
  if (!profiles[coordinator] || helpers.length === 0) return;
  const idle = (b) => helpers.every((h) => timeline[h][b] < 0.1 * BUCKET_US);
  console.log('\n# helpers idle: when, how long, the coordinator\'s top functions meanwhile (ms)');
  let serial = 0;
  for (let b = 0; b < buckets;) {
    if (!idle(b)) { b++; continue; }
    let e = b;
    while (e < buckets && idle(e)) e++;
    const { total, top } = selfTimes(profiles[coordinator].samples, (s) => busy(s) && at(s) >= b && at(s) < e);
    serial += total;
    const names = top.slice(0, Number(process.env.IDLE_TOP ?? 4)).map(([k, us]) => `${(us / 1000).toFixed(0)} ${k.replace(/::h[0-9a-f]{16}$/, '').slice(-45)}`);
    console.log(`${((b * BUCKET_US) / 1e6).toFixed(1)} s +${(((e - b) * BUCKET_US) / 1e6).toFixed(1)}: ${names.join(' | ')}`);
    b = e;
  }
  console.log(`coordinator busy while the helpers idled: ${(serial / 1e6).toFixed(2)} s`);
}
