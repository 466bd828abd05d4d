// The worker's pool: heavy kernels (here the kNN behind the agreement chart) are shared with helper
// workers started from the worker's own script, and give the numbers one worker gives — also when
// a helper cannot start.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { start, openPage, waitForScatter, alerts } from './helpers.mjs';

let env;
before(async () => { env = await start(); });
after(async () => { await env?.close(); });

// Mean kNN@10 agreement (cosine, self excluded, ties to the lower index) of the demo's first space
// with the tanh space, in float64 numpy:
//   u = x / norm(x, axis=1); s = u @ u.T; fill_diagonal(s, -inf)
//   nn = argsort(-s, axis=1, kind='stable')[:, :10]; mean(|nn_a[i] ∩ nn_b[i]| / 10)
const NUMPY_MEAN_AGREEMENT = 0.6144685587089592;

/** Open the demo with `?workers=N`, compare with the tanh space, return the agreement mean and the
 *  fetches of the workers' (relaxed-simd) bundle: one per worker that started. */
async function agreementWith(workers, { failHelpers = false } = {}) {
  const scripts = [];
  const warnings = [];
  const { page, problems } = await openPage(env.browser, `${env.base}?workers=${workers}`, {
    // The refused script shows as a failed load in the console.
    allowConsoleErrors: failHelpers,
    beforeLoad: async (p) => {
      p.on('console', (m) => { if (m.type() === 'warning') warnings.push(m.text()); });
      p.on('request', (r) => { if (r.url().endsWith('/rosetta-app_relaxed_bg.wasm')) scripts.push(r.url()); });
      if (failHelpers) {
        // The first fetch of the bundle is the worker's; every later one a helper's: refuse those.
        let served = 0;
        await p.route(/rosetta-app_relaxed_bg\.wasm$/, (route) => (served++ === 0 ? route.continue() : route.abort()));
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
  assert.equal(one.scripts.length, 1, 'one worker, no helper');
  assert.equal(two.scripts.length, 2, 'the worker and one helper');
  assert.ok(Math.abs(two.value - NUMPY_MEAN_AGREEMENT) < 1e-12, `${two.value} against numpy's ${NUMPY_MEAN_AGREEMENT}`);
  assert.equal(one.value, two.value);
  assert.deepEqual([...one.problems, ...two.problems], []);
});

test('a helper that cannot start leaves the work to the worker: same numbers', async () => {
  const r = await agreementWith(3, { failHelpers: true });
  assert.equal(r.scripts.length, 3, 'the worker and two refused helpers');
  assert.ok(r.warnings.some((w) => w.includes('working on one thread')), r.warnings.join('\n'));
  assert.ok(Math.abs(r.value - NUMPY_MEAN_AGREEMENT) < 1e-12, `${r.value}`);
  assert.deepEqual(r.problems, []);
});

test('a worker whose bundle cannot load says so instead of waiting forever', async () => {
  const { page, problems } = await openPage(env.browser, env.base, {
    allowConsoleErrors: true,
    beforeLoad: (p) => p.route(/rosetta-app_relaxed_bg\.wasm$/, (route) => route.abort()),
  });
  await page.waitForFunction(() => document.querySelectorAll('[role=alert]').length > 0, null, { timeout: 30000 });
  const texts = await alerts(page);
  assert.ok(texts.some((t) => t.includes('the worker could not start')), texts.join('\n'));
  assert.deepEqual(problems, []);
  await page.close();
});
