// Shared setup for the end-to-end tests: serve dist/ on a free port, drive Debian's chromium.
import { chromium } from 'playwright-core';
import { mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { serve } from '../../scripts/serve.mjs';

const here = dirname(fileURLToPath(import.meta.url));
export const root = join(here, '..', '..');
export const shots = join(root, 'target', 'e2e-screenshots');
mkdirSync(shots, { recursive: true });

export const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic',
  // V8 flags for an experiment (e.g. ROSETTA_JS_FLAGS=--no-liftoff node bench/browser_bench.mjs).
  ...(process.env.ROSETTA_JS_FLAGS ? [`--js-flags=${process.env.ROSETTA_JS_FLAGS}`] : []),
];

/** Start the server (the app, with tests/ mounted at /tests/) and the browser. */
export async function start() {
  // ROSETTA_DIST: serve another build (benchmarks compare bundles without copying them over dist/).
  const dist = process.env.ROSETTA_DIST ?? join(root, 'dist');
  // Every answer's body as sent (path, status, bytes, encoding), for the transfer test.
  const sent = [];
  const server = await serve(dist, 0, { mounts: { '/tests/': join(root, 'tests') }, onSent: (s) => sent.push(s) });
  const base = `http://127.0.0.1:${server.address().port}/`;
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: CHROMIUM_ARGS,
  });
  return {
    base,
    browser,
    sent,
    async close() {
      await browser.close();
      await new Promise((ok) => server.close(ok));
    },
  };
}

/** A new page that fails the test on console errors or uncaught exceptions; `beforeLoad(page)` runs
 *  before navigating (to watch requests from the start). */
export async function openPage(browser, url, { allowConsoleErrors = false, beforeLoad } = {}) {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  await beforeLoad?.(page);
  const problems = [];
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' && !allowConsoleErrors) problems.push(`console: ${m.text()}`);
  });
  await page.goto(url);
  return { page, problems };
}

/** Wait until the main scatter has drawn `points` points (or any, when undefined). */
export async function waitForScatter(page, points, timeout = 30000) {
  await page.waitForFunction(
    (n) => {
      const el = document.querySelector('[data-testid=scatter]');
      return el && el.dataset.state === 'ready' && (n === undefined || Number(el.dataset.points) === n);
    },
    points,
    { timeout },
  );
}

/** Drop files on the drop zone: a DataTransfer built in the page, then dragover and drop. */
export async function dropFiles(page, files) {
  const payload = files.map((f) => ({ name: f.name, bytes: Array.from(f.bytes), type: f.type ?? '' }));
  const dt = await page.evaluateHandle((files) => {
    const dt = new DataTransfer();
    for (const f of files) dt.items.add(new File([new Uint8Array(f.bytes)], f.name, { type: f.type }));
    return dt;
  }, payload);
  const zone = page.locator('[data-testid=drop-zone]');
  await zone.dispatchEvent('dragover', { dataTransfer: dt });
  await zone.dispatchEvent('drop', { dataTransfer: dt });
}

/** A C-order float32 .npy file (header padded to 64 bytes, as numpy writes it). */
export function npyF32(rows, cols, value = (r, c) => Math.sin(r * 0.37 + c * 1.3) + (r % 7)) {
  let dict = `{'descr': '<f4', 'fortran_order': False, 'shape': (${rows}, ${cols}), }`;
  const total = 10 + dict.length + 1;
  dict += ' '.repeat((64 - (total % 64)) % 64) + '\n';
  const header = Buffer.alloc(10);
  header.write('\x93NUMPY', 0, 'latin1');
  header[6] = 1; header[7] = 0;
  header.writeUInt16LE(dict.length, 8);
  const data = Buffer.alloc(rows * cols * 4);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) data.writeFloatLE(value(r, c), (r * cols + c) * 4);
  return Buffer.concat([header, Buffer.from(dict, 'latin1'), data]);
}

/** Pixels of a screenshot of `selector` that differ from its top-left (background) pixel. */
export async function paintedPixels(page, selector = '[data-testid=scatter]') {
  const png = await page.locator(selector).screenshot();
  return page.evaluate(async (b64) => {
    const bytes = Uint8Array.from(atob(b64), (ch) => ch.charCodeAt(0));
    const bitmap = await createImageBitmap(new Blob([bytes], { type: 'image/png' }));
    const off = new OffscreenCanvas(bitmap.width, bitmap.height);
    const ctx = off.getContext('2d');
    ctx.drawImage(bitmap, 0, 0);
    const d = ctx.getImageData(0, 0, off.width, off.height).data;
    let n = 0;
    for (let i = 0; i < d.length; i += 4) {
      if (Math.abs(d[i] - d[0]) + Math.abs(d[i + 1] - d[1]) + Math.abs(d[i + 2] - d[2]) > 30) n++;
    }
    return n;
  }, png.toString('base64'));
}

/** Files of a folder under tests/, as {name, bytes} for dropFiles. */
export function testFiles(folder, names) {
  return names.map((name) => ({ name: name.split('/').pop(), bytes: readFileSync(join(root, 'tests', folder, name)) }));
}

/** The text of every alert on the page. */
export async function alerts(page) {
  return page.locator('[role=alert]').allInnerTexts();
}

/** Texts of the loaded spaces. */
export async function spaces(page) {
  return page.locator('[data-testid=space]').allInnerTexts();
}

// Linear CKA of the demo's spaces computed with numpy in float64:
//   x, y = (np.load(f).astype(np.float64) for f in pair); x -= x.mean(0); y -= y.mean(0)
//   cka = np.linalg.norm(x.T @ y)**2 / (np.linalg.norm(x.T @ x) * np.linalg.norm(y.T @ y))
// The tab computes them in the worker with the packed SIMD GEMM (f32 blocks summed in f64):
// they must agree to 1e-6.
export const NUMPY_CKA = {
  'digits-mlp-relu-seed0.npy|digits-mlp-relu-seed1.npy': 0.9888268646272567,
  'digits-mlp-relu-seed0.npy|digits-mlp-tanh-64.npy': 0.9492430881947277,
  'digits-mlp-relu-seed1.npy|digits-mlp-tanh-64.npy': 0.94863428346391,
};

/** The rows of the *Metrics CSV* download (header first), split on commas. */
export async function downloadMetrics(page) {
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.locator('[data-testid=export-metrics]').click(),
  ]);
  return readFileSync(await download.path(), 'utf8').trim().split('\n').map((l) => l.split(','));
}
