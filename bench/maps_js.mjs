// UMAP of one .npy (f32) in headless Chromium by the two JavaScript-side libraries a web developer
// would pick: the wasm UMAP inside Embedding Atlas (npm `embedding-atlas`, its `createUMAP`) and
// `umap-js`, both with 15 neighbours, min_dist 0.1, cosine. Seconds from the call to the layout,
// on the page's thread. Their packages are fetched with `npm pack` into target/bench/js (no
// dependency install: both files used are self-contained). One JSON line per library.
// Usage: node bench/maps_js.mjs target/bench/maps-clusters-20000-x-384.npy
import { chromium } from 'playwright-core';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { serve } from '../scripts/serve.mjs';
import { CHROMIUM_ARGS } from '../tests/e2e/helpers.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const file = resolve(process.argv[2]);
const js = join(root, 'target', 'bench', 'js');
const PACKAGES = { 'embedding-atlas': '0.26.0', 'umap-js': '1.4.0' };
mkdirSync(js, { recursive: true });
for (const [name, version] of Object.entries(PACKAGES)) {
  if (existsSync(join(js, name))) continue;
  const tgz = execFileSync('npm', ['pack', `${name}@${version}`, '--silent'], { cwd: js }).toString().trim();
  mkdirSync(join(js, name));
  execFileSync('tar', ['xzf', tgz, '-C', name, '--strip-components=1'], { cwd: js });
}
writeFileSync(join(js, 'index.html'), '<!doctype html><meta charset=utf-8><script src="umap-js/lib/umap-js.min.js"></script>');

const server = await serve(js, 0, { mounts: { '/data/': dirname(file) } });
const base = `http://127.0.0.1:${server.address().port}/`;
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', args: CHROMIUM_ARGS });
const page = await browser.newPage();
page.setDefaultTimeout(3600000);
await page.goto(base);
await page.evaluate(async (url) => {
  const bytes = new Uint8Array(await (await fetch(url)).arrayBuffer());
  const headerLen = bytes[8] | (bytes[9] << 8);
  const header = new TextDecoder().decode(bytes.subarray(10, 10 + headerLen));
  const [n, d] = header.match(/\((\d+), (\d+)\)/).slice(1).map(Number);
  const data = new Float32Array(bytes.slice(10 + headerLen).buffer);
  window.bench = { n, d, data };
}, `${base}data/${basename(file)}`);

const atlas = await page.evaluate(async () => {
  const { n, d, data } = window.bench;
  const { createUMAP } = await import('/embedding-atlas/dist/umap.js');
  const started = performance.now();
  const umap = await createUMAP(n, d, 2, data, { metric: 'cosine', nNeighbors: 15, minDist: 0.1, seed: 0 });
  await umap.run();
  const seconds = (performance.now() - started) / 1000;
  return { n, seconds, finite: umap.embedding.every(Number.isFinite) };
});
console.log(JSON.stringify({ workload: 'maps', impl: 'embedding-atlas (wasm)', method: 'umap', ...atlas }));

const umapJs = await page.evaluate(() => {
  const { n, d, data } = window.bench;
  const rows = Array.from({ length: n }, (_, i) => Array.from(data.subarray(i * d, (i + 1) * d)));
  const cosine = (a, b) => {
    let ab = 0, aa = 0, bb = 0;
    for (let k = 0; k < a.length; k++) { ab += a[k] * b[k]; aa += a[k] * a[k]; bb += b[k] * b[k]; }
    return 1 - ab / Math.sqrt(aa * bb);
  };
  let state = 1;
  const random = () => ((state = (state * 1103515245 + 12345) % 2147483648) / 2147483648);
  const started = performance.now();
  const coords = new window.UMAP.UMAP({ nNeighbors: 15, minDist: 0.1, distanceFn: cosine, random }).fit(rows);
  return { n, seconds: (performance.now() - started) / 1000, finite: coords.flat().every(Number.isFinite) };
});
console.log(JSON.stringify({ workload: 'maps', impl: 'umap-js', method: 'umap', ...umapJs }));
await browser.close();
await new Promise((ok) => server.close(ok));
