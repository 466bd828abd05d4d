// The worker's pool: heavy kernels (here the kNN behind the agreement chart) are shared with helper
// workers started from the worker's own script, and give the numbers one worker gives — also when
// a helper cannot start.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { start, openPage, waitForScatter, alerts, NUMPY_CKA, downloadMetrics } from './helpers.mjs';

let env;
before(async () => { env = await start(); });
after(async () => { await env?.close(); });

// Mean kNN@10 agreement (cosine, self excluded, ties to the lower index) of the demo's first space
// with the tanh space, in float64 numpy:
//   u = x / norm(x, axis=1); s = u @ u.T; fill_diagonal(s, -inf)
//   nn = argsort(-s, axis=1, kind='stable')[:, :10]; mean(|nn_a[i] ∩ nn_b[i]| / 10)
const NUMPY_MEAN_AGREEMENT = 0.6144685587089592;

/** Open the demo with `?workers=N`, compare with the tanh space, return the agreement mean and the
 *  fetches of the app's bundle: the page's, then one per worker that started. */
async function agreementWith(workers, { failHelpers = false } = {}) {
  const scripts = [];
  const warnings = [];
  const { page, problems } = await openPage(env.browser, `${env.base}?workers=${workers}`, {
    // The refused script shows as a failed load in the console.
    allowConsoleErrors: failHelpers,
    beforeLoad: async (p) => {
      p.on('console', (m) => { if (m.type() === 'warning') warnings.push(m.text()); });
      p.on('request', (r) => { if (r.url().endsWith('/rosetta-app_bg.wasm')) scripts.push(r.url()); });
      if (failHelpers) {
        // The first fetches of the bundle are the page's and the worker's; every later one a
        // helper's: refuse those.
        let served = 0;
        await p.route(/rosetta-app_bg\.wasm$/, (route) => (served++ < 2 ? route.continue() : route.abort()));
      }
    },
  });
  await waitForScatter(page, 1797);
  await page.locator('[data-testid=compare-with]').selectOption({ label: 'digits-mlp-tanh-64.npy' });
  const mean = await page.waitForFunction(() => {
    const el = document.querySelector('[data-testid=chart-agreement]');
    return el?.dataset.ready === 'true' && el.dataset.mean;
  }, null, { timeout: 60000 });
  const value = Number(await mean.jsonValue());
  await page.close();
  return { value, scripts, problems, warnings };
}

test('the kNN of the agreement chart is shared with a helper worker and equals numpy', async () => {
  const one = await agreementWith(1);
  const two = await agreementWith(2);
  assert.equal(one.scripts.length, 2, 'the page and one worker, no helper');
  assert.equal(two.scripts.length, 3, 'the page, the worker and one helper');
  assert.ok(Math.abs(two.value - NUMPY_MEAN_AGREEMENT) < 1e-12, `${two.value} against numpy's ${NUMPY_MEAN_AGREEMENT}`);
  assert.equal(one.value, two.value);
  assert.deepEqual([...one.problems, ...two.problems], []);
});

// scikit-learn's PCA(10) of the demo's first space (float64), items 0 and 1 on PC1, PC2.
const SKLEARN_COORDS = [[1.9882521613597035, 4.221135642676967], [0.708783588752659, -4.412709958009481]];

/** The main plot's coordinates (item, x, y per row) from its CSV export, with `?workers=N`. */
async function pcaWith(workers) {
  let bundles = 0;
  const { page, problems } = await openPage(env.browser, `${env.base}?workers=${workers}`, {
    beforeLoad: (p) => p.on('request', (r) => { if (r.url().endsWith('/rosetta-app_bg.wasm')) bundles += 1; }),
  });
  await waitForScatter(page, 1797);
  const [download] = await Promise.all([page.waitForEvent('download'), page.locator('[data-testid=export-csv]').click()]);
  const rows = readFileSync(await download.path(), 'utf8').trim().split('\n').slice(1).map((l) => l.split(',').slice(1, 3).map(Number));
  await page.waitForFunction(() => document.querySelector('[data-testid=chart-heatmap]')?.dataset.ready === 'true', null, { timeout: 60000 });
  const cka = (await downloadMetrics(page)).filter((r) => r[0] === 'linear_cka' && r[1] !== r[2]);
  await page.close();
  return { rows, problems, bundles, cka };
}

test('the PCA and the CKA matrix are summed by two workers and equal scikit-learn and numpy', async () => {
  const one = await pcaWith(1);
  const two = await pcaWith(2);
  assert.equal(two.rows.length, 1797);
  assert.deepEqual([one.bundles, two.bundles], [2, 3], 'the page, the worker, and with ?workers=2 one helper');
  SKLEARN_COORDS.forEach(([x, y], i) => {
    assert.ok(Math.abs(two.rows[i][0] - x) < 1e-4 && Math.abs(two.rows[i][1] - y) < 1e-4, `${two.rows[i]} against ${x},${y}`);
  });
  assert.equal(two.cka.length, 6);
  for (const r of two.cka) {
    const want = NUMPY_CKA[[r[1], r[2]].sort().join('|')];
    assert.ok(Math.abs(Number(r[3]) - want) < 1e-6, `${r.join(',')} against numpy's ${want}`);
  }
  const diff = Math.max(...two.rows.flatMap(([x, y], i) => [Math.abs(x - one.rows[i][0]), Math.abs(y - one.rows[i][1])]));
  assert.ok(diff < 1e-5, `largest difference between one and two workers: ${diff}`);
  assert.deepEqual([...one.problems, ...two.problems], []);
});

test('a helper that cannot start leaves the work to the worker: same numbers', async () => {
  const r = await agreementWith(3, { failHelpers: true });
  // The first refusal stops the pool, so the second helper may be gone before it fetches.
  assert.ok(r.scripts.length >= 3, `the page, the worker and at least one refused helper: ${r.scripts.length}`);
  assert.ok(r.warnings.some((w) => w.includes('working on one thread')), r.warnings.join('\n'));
  assert.ok(Math.abs(r.value - NUMPY_MEAN_AGREEMENT) < 1e-12, `${r.value}`);
  assert.deepEqual(r.problems, []);
});

test('a worker whose bundle cannot load says so instead of waiting forever', async () => {
  const { page, problems } = await openPage(env.browser, env.base, {
    allowConsoleErrors: true,
    // The page's fetch of the bundle goes through; the worker's is refused.
    beforeLoad: async (p) => {
      let served = 0;
      await p.route(/rosetta-app_bg\.wasm$/, (route) => (served++ < 1 ? route.continue() : route.abort()));
    },
  });
  await page.waitForFunction(() => document.querySelectorAll('[role=alert]').length > 0, null, { timeout: 30000 });
  const texts = await alerts(page);
  assert.ok(texts.some((t) => t.includes('the worker could not start')), texts.join('\n'));
  assert.deepEqual(problems, []);
  await page.close();
});
