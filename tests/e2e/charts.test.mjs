// Charts: scree of the main space, CKA heatmap of the collection, per-item agreement histogram and
// its colouring, the retrieval-versus-anchors curve, and the metrics CSV.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { start, openPage, waitForScatter, paintedPixels, shots, NUMPY_CKA, downloadMetrics } from './helpers.mjs';

let env;
before(async () => { env = await start(); });
after(async () => { await env?.close(); });

test('the demo gets a scree plot, a CKA heatmap, and agreement charts against a chosen space', async () => {
  const wasm = [];
  const { page, problems } = await openPage(env.browser, env.base, {
    beforeLoad: (p) => p.on('request', (r) => { if (r.url().endsWith('.wasm')) wasm.push(r.url().split('/').pop()); }),
  });
  await waitForScatter(page, 1797);
  const chart = (id) => page.locator(`[data-testid=${id}]`);
  await page.waitForFunction(() => document.querySelector('[data-testid=chart-heatmap]')?.dataset.ready === 'true', null, { timeout: 60000 });
  assert.ok((await paintedPixels(page, '[data-testid=chart-scree]')) > 2000);
  assert.ok((await paintedPixels(page, '[data-testid=chart-heatmap]')) > 5000);
  await chart('compare-with').selectOption({ label: 'digits-mlp-tanh-64.npy' });
  await page.waitForFunction(() => ['chart-agreement', 'chart-anchors'].every(
    (id) => document.querySelector(`[data-testid=${id}]`).dataset.ready === 'true'), null, { timeout: 60000 });
  assert.ok((await paintedPixels(page, '[data-testid=chart-agreement]')) > 2000);
  assert.ok((await paintedPixels(page, '[data-testid=chart-anchors]')) > 2000);
  await page.screenshot({ path: join(shots, 'charts.png'), fullPage: true });
  // The agreement becomes a colouring with a colour bar.
  await chart('color-by').selectOption({ label: 'kNN@10 agreement with digits-mlp-tanh-64.npy' });
  await chart('colorbar').waitFor();
  // Metrics CSV: the 3 × 3 CKA table (diagonal 1) and the curve.
  const rows = await downloadMetrics(page);
  assert.deepEqual(rows[0], ['metric', 'space_a', 'space_b', 'value']);
  const cka = rows.filter((r) => r[0] === 'linear_cka');
  assert.equal(cka.length, 9);
  for (const r of cka) {
    const v = Number(r[3]);
    assert.ok(v > 0 && v <= 1 + 1e-9, r.join(','));
    if (r[1] === r[2]) assert.equal(v, 1);
    else {
      const want = NUMPY_CKA[[r[1], r[2]].sort().join('|')];
      assert.ok(Math.abs(v - want) < 1e-6, `${r.join(',')} against numpy's ${want}`);
    }
  }
  // One bundle: the page, the worker and any helper of its pool (the anchor curve's retrieval is
  // big enough to share) load the same wasm file.
  assert.ok(wasm.length >= 2, wasm.join(', '));
  assert.ok(wasm.every((w) => w === 'rosetta-app_bg.wasm'), wasm.join(', '));
  assert.ok(rows.some((r) => r[0].startsWith('relative_mrr@')));
  const [json] = await Promise.all([page.waitForEvent('download'), chart('export-metrics-json').click()]);
  const table = JSON.parse(readFileSync(await json.path(), 'utf8'));
  assert.equal(table.length, rows.length - 1);
  assert.deepEqual(Object.keys(table[0]), ['metric', 'space_a', 'space_b', 'value']);
  assert.deepEqual(problems, []);
  await page.close();
});
