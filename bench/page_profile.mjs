// What the page's main thread does while a workload runs in the worker: a 10 s CPU profile of the
// page (Chrome DevTools Protocol), taken 15 s after the start, its functions by self time.
// Usage: node bench/page_profile.mjs [workload]   (default: compare; serves the bench build,
// target/dist-bench, or ROSETTA_DIST). `top -H` shows the renderer process's total on its main
// thread's row; read /proc/PID/task/TID/stat instead.
import { join } from 'node:path';
import { start, root } from '../tests/e2e/helpers.mjs';
process.env.ROSETTA_DIST ??= join(root, 'target', 'dist-bench');
const env = await start();
try {
  const page = await env.browser.newPage();
  await page.goto(`${env.base}?bench=${process.argv[2] ?? 'compare'}&scale=1`);
  const cdp = await page.context().newCDPSession(page);
  await new Promise((r) => setTimeout(r, 15000));
  await cdp.send('Profiler.enable');
  await cdp.send('Profiler.start');
  await new Promise((r) => setTimeout(r, 10000));
  const { profile } = await cdp.send('Profiler.stop');
  const self = new Map();
  const dt = profile.timeDeltas;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  profile.samples.forEach((id, i) => {
    const f = byId.get(id).callFrame;
    const key = `${f.functionName}@${f.url.split('/').pop()}:${f.lineNumber}`;
    self.set(key, (self.get(key) ?? 0) + (dt[i] ?? 0));
  });
  [...self.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 25)
    .forEach(([key, us]) => console.log((us / 1000).toFixed(0).padStart(7), 'ms', key));
} finally { await env.close(); }
