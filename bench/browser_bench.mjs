// Run rosetta-bench workloads in headless Chromium (the real bundle: wasm + SIMD128, in the worker)
// and print one JSON line per timing. Usage: node bench/browser_bench.mjs [workloads] [scale]
// WORKERS=N sets the page's `?workers=N` (default: the machine's cores, as the app decides).
// Serves the bench build (`FEATURES=bench OUT=target/dist-bench scripts/build.sh`), or ROSETTA_DIST.
import { join } from 'node:path';
import { start, root } from '../tests/e2e/helpers.mjs';

process.env.ROSETTA_DIST ??= join(root, 'target', 'dist-bench');
const workloads = process.argv[2] ?? 'parse,pca,relative,compare';
const scale = process.argv[3] ?? '1';
const env = await start();
try {
  const page = await env.browser.newPage();
  page.on('pageerror', (e) => console.error(`pageerror: ${e.message}`));
  const workers = process.env.WORKERS ? `&workers=${process.env.WORKERS}` : '';
  await page.goto(`${env.base}?bench=${workloads}&scale=${scale}${workers}`);
  const out = page.locator('[data-testid=bench-results][data-done=true]');
  await out.waitFor({ timeout: 30 * 60 * 1000 });
  console.log((await out.innerText({ timeout: 30 * 60 * 1000 })).trim());
} finally {
  await env.close();
}
