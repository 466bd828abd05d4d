import { start } from '../tests/e2e/helpers.mjs';
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
  const dt = profile.timeDeltas; const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  profile.samples.forEach((id, i) => { const n = byId.get(id); const k = `${n.callFrame.functionName}@${n.callFrame.url.split('/').pop()}:${n.callFrame.lineNumber}`; self.set(k, (self.get(k) ?? 0) + (dt[i] ?? 0)); });
  [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, 25).forEach(([k, v]) => console.log((v / 1000).toFixed(0).padStart(7), 'ms', k));
} finally { await env.close(); }
