// UMAP and t-SNE of one .npy in the tab (the release bundle, the worker and its pool): seconds
// from choosing the method to the final map drawn. One JSON line per map.
// Usage: node bench/maps_tab.mjs target/bench/maps-clusters-20000-x-384.npy
import { chromium } from 'playwright-core';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { serve } from '../scripts/serve.mjs';
import { CHROMIUM_ARGS } from '../tests/e2e/helpers.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const file = resolve(process.argv[2]);
const dist = process.env.ROSETTA_DIST ?? join(root, 'dist');
const server = await serve(dist, 0, { mounts: { '/bench-data/': dirname(file) } });
const base = `http://127.0.0.1:${server.address().port}/`;
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', args: CHROMIUM_ARGS });
const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
await page.goto(`${base}?data=${base}bench-data/${basename(file)}`);
const drawn = (timeout) => page.waitForFunction(() => {
  const el = document.querySelector('[data-testid=scatter]');
  const text = document.querySelector('[data-testid=variance]')?.textContent ?? '';
  return el && el.dataset.state === 'ready' && !/converging|computing/.test(text);
}, null, { timeout, polling: 50 });
await drawn(600000);
const n = Number(await page.locator('[data-testid=scatter]').getAttribute('data-points'));
for (const method of ['umap', 'tsne']) {
  const started = Date.now();
  await page.locator('[data-testid=projection]').selectOption(method);
  await page.waitForFunction((m) => document.querySelector('.plot-header h2')?.textContent.includes(m), method === 'umap' ? 'UMAP' : 't-SNE');
  await page.waitForFunction(() => /converging|computing/.test(document.querySelector('[data-testid=variance]')?.textContent ?? ''), null, { polling: 20 });
  await drawn(1800000);
  console.log(JSON.stringify({ workload: 'maps', impl: 'wasm', method, n, seconds: (Date.now() - started) / 1000 }));
}
await browser.close();
await new Promise((ok) => server.close(ok));
