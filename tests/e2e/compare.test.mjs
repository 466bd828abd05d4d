// The pair report: every metric of `rosetta compare` for the main space against a chosen one,
// computed in the tab (split among the worker pool) — the same numbers the native CLI prints.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { start, openPage, waitForScatter, dropFiles, npyF32, alerts, root, shots } from './helpers.mjs';

let env;
before(async () => { env = await start(); });
after(async () => { await env?.close(); });

// The native CLI's output on the same pair (default anchors: 128 random, seed 0; k = 10; labels
// from the demo's `label` column, the page's default colouring), regenerate with:
//   target/release/rosetta compare public/demo/digits-mlp-relu-seed0.npy \
//     public/demo/digits-mlp-relu-seed1.npy --meta public/demo/metadata.tsv --label label --json \
//     > tests/e2e/reference/demo-compare-cli.json
const CLI = JSON.parse(readFileSync(join(root, 'tests', 'e2e', 'reference', 'demo-compare-cli.json'), 'utf8'));

/** Every number of the CLI's JSON that is a metric, as dotted key → value. */
function cliMetrics(value = CLI, prefix = '') {
  const out = {};
  for (const [key, v] of Object.entries(value)) {
    const name = prefix ? `${prefix}.${key}` : key;
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) Object.assign(out, cliMetrics(v, name));
    else if (typeof v === 'number' && !['n', 'k', 'relative.anchors', 'stitching.train', 'stitching.test', 'stitching.classes'].includes(name)) out[name] = v;
  }
  return out;
}

/** Open the demo with `?workers=N`, run the full comparison against relu-seed1, read the table. */
async function reportWith(workers) {
  const { page, problems } = await openPage(env.browser, `${env.base}?workers=${workers}`);
  await waitForScatter(page, 1797);
  const run = page.locator('[data-testid=run-compare]');
  assert.equal(await run.isDisabled(), true, 'no second space chosen yet');
  await page.locator('[data-testid=compare-with]').selectOption({ label: 'digits-mlp-relu-seed1.npy' });
  await run.click();
  await page.locator('[data-testid=compare-table]').waitFor({ timeout: 120000 });
  const cells = await page.locator('[data-testid^=metric-]').evaluateAll((els) => els.map((e) => [e.dataset.testid.slice(7), Number(e.dataset.value), e.textContent]));
  let exported = null;
  if (workers > 1) {
    await page.screenshot({ path: join(shots, 'pair-report.png'), fullPage: true });
    const [file] = await Promise.all([page.waitForEvent('download'), page.locator('[data-testid=export-compare]').click()]);
    assert.equal(file.suggestedFilename(), 'rosetta-compare-digits-mlp-relu-seed0.npy-digits-mlp-relu-seed1.npy.json');
    exported = JSON.parse(readFileSync(await file.path(), 'utf8'));
  }
  await page.close();
  return { metrics: Object.fromEntries(cells.map(([k, v]) => [k, v])), texts: cells.map((c) => c[2]), problems, exported };
}

test('the pair report shows every metric of `rosetta compare`, equal to the native CLI, with one worker and with two', async () => {
  const want = cliMetrics();
  assert.ok(Object.keys(want).length >= 30, Object.keys(want).join(', '));
  const two = await reportWith(2);
  const one = await reportWith(1);
  for (const got of [one, two]) {
    assert.deepEqual(Object.keys(got.metrics).sort(), Object.keys(want).sort());
    for (const [key, value] of Object.entries(want)) {
      // Counts (retrieval, neighbours, accuracies) are exact; sums of f32 products agree to ~1e-7.
      assert.ok(Math.abs(got.metrics[key] - value) <= 1e-6 * Math.max(1, Math.abs(value)),
        `${key}: tab ${got.metrics[key]}, CLI ${value}`);
    }
    assert.ok(got.texts.every((t) => /^-?\d+\.\d{4}$/.test(t)), got.texts.join(' '));
    assert.deepEqual(got.problems, []);
  }
  // *Report JSON* is the CLI's JSON (numbers to rounding), plus the spaces and the label column.
  const { spaces, label, ...rest } = two.exported;
  assert.deepEqual(spaces, ['digits-mlp-relu-seed0.npy', 'digits-mlp-relu-seed1.npy']);
  assert.equal(label, 'label');
  const same = (got, want, at) => {
    if (typeof want === 'number') {
      assert.ok(Math.abs(got - want) <= 1e-6 * Math.max(1, Math.abs(want)), `${at}: ${got} vs ${want}`);
    } else if (want !== null && typeof want === 'object' && !Array.isArray(want)) {
      assert.deepEqual(Object.keys(got).sort(), Object.keys(want).sort(), at);
      for (const key of Object.keys(want)) same(got[key], want[key], at ? `${at}.${key}` : key);
    } else {
      assert.deepEqual(got, want, at);
    }
  };
  same(rest, CLI, '');
  // Neighbour lists and retrieval ranks do not depend on how the work was split.
  for (const key of ['mutual_knn', 'jaccard_abs', 'absolute.x_to_y.mrr', 'relative.y_to_x.top5', 'procrustes.mrr']) {
    assert.equal(one.metrics[key], two.metrics[key], key);
  }
});

test('shown anchors drive the relative metrics, and a new choice clears the stale table', async () => {
  const { page, problems } = await openPage(env.browser, env.base);
  await waitForScatter(page, 1797);
  await page.locator('[data-testid=compare-with]').selectOption({ label: 'digits-mlp-relu-seed1.npy' });
  await page.locator('[data-testid=run-compare]').click();
  const table = page.locator('[data-testid=compare-table]');
  await table.waitFor({ timeout: 120000 });
  const cell = (key) => page.locator(`[data-testid="metric-${key}"]`).getAttribute('data-value').then(Number);
  const defaultMrr = await cell('relative.x_to_y.mrr');
  const cka = await cell('cka_linear');
  // Eight farthest-point anchors: the table goes, and the next run uses them.
  await page.locator('[data-testid=anchor-count]').fill('8');
  await page.locator('[data-testid=anchor-count]').dispatchEvent('change');
  await page.locator('[data-testid=show-anchors]').click();
  await table.waitFor({ state: 'detached' });
  assert.match(await page.locator('[data-testid=pair-report]').innerText(), /the 8 shown/);
  await page.locator('[data-testid=run-compare]').click();
  await table.waitFor({ timeout: 120000 });
  assert.notEqual(await cell('relative.x_to_y.mrr'), defaultMrr, 'eight anchors retrieve worse than 128');
  assert.equal(await cell('cka_linear'), cka, 'absolute metrics do not depend on anchors');
  // Stitching takes its labels from the colour column — not from an id column (a class per item).
  const labels = page.locator('[data-testid=compare-labels]');
  assert.equal(await labels.innerText(), 'stitching labels: label');
  assert.ok(await page.locator('[data-testid="metric-stitching.a_to_b"]').count() === 1);
  await page.locator('[data-testid=color-by]').selectOption({ label: 'id' });
  assert.match(await labels.innerText(), /^no stitching/);
  await page.locator('[data-testid=run-compare]').click();
  // The new table: every metric but stitching's.
  await page.waitForFunction(() => document.querySelector('[data-testid=compare-table]')
    && !document.querySelector('[data-testid^="metric-stitching."]')
    && document.querySelector('[data-testid="metric-procrustes.mrr"]'), null, { timeout: 120000 });
  assert.equal(await cell('cka_linear'), cka);
  assert.deepEqual(problems, []);
  await page.close();
});

/** The demo page with two dropped spaces of 10,000 items (the second's values from `second(row,
 * column)`): seconds of work, long enough to act mid-way. Their full comparison started. */
async function startBigComparison(second) {
  const { page, problems } = await openPage(env.browser, env.base);
  await waitForScatter(page, 1797);
  await dropFiles(page, [
    { name: 'big-a.npy', bytes: npyF32(10000, 64) },
    { name: 'big-b.npy', bytes: npyF32(10000, 64, second) },
  ]);
  await waitForScatter(page, 10000, 60000);
  await page.locator('[data-testid=compare-with]').selectOption({ label: 'big-b.npy' });
  await page.locator('[data-testid=run-compare]').click();
  return { page, problems };
}

test('a running comparison shows its metrics as they come, can be cancelled (keeping them, no report, no alert), and the worker goes on serving', async () => {
  const { page, problems } = await startBigComparison((r, c) => Math.cos(r * 0.11 + c * 0.7) + (r % 5));
  const phase = page.locator('[data-testid=compare-phase]');
  await page.waitForFunction(() => /neighbours/.test(document.querySelector('[data-testid=compare-phase]')?.textContent ?? ''), null, { timeout: 60000 });
  // The step, the seconds so far, and a bar of the share done.
  assert.match(await phase.innerText(), /^[a-zA-Z ]+ · \d+ s$/);
  const share = await page.locator('[data-testid=compare-progress]').evaluate((e) => e.value);
  assert.ok(share > 0 && share < 1, `progress ${share}`);
  // The O(N·D²) metrics are on screen before the O(N²) steps end (the rest come as they finish).
  const note = page.locator('[data-testid=compare-partial-note]');
  const early = ['cka_rbf', 'rsa', 'cka_linear', 'cka_debiased', 'relative.mean_cosine', 'procrustes.residual', 'procrustes.residual_optscale', 'procrustes.heldout.residual'];
  const partialCells = () => page.locator('[data-testid^=partial-]').evaluateAll((els) => els.map((e) => e.dataset.testid.slice(8)));
  const shown = await partialCells();
  for (const key of early) assert.ok(shown.includes(key), `${key} not in ${shown}`);
  assert.ok(!shown.includes('procrustes.mrr'), shown.join(' '));
  assert.match(await note.innerText(), /^So far/);
  const partialCka = await page.locator('[data-testid="partial-cka_linear"]').getAttribute('data-value');
  await page.locator('[data-testid=cancel-compare]').click();
  await page.locator('[data-testid=cancel-compare]').waitFor({ state: 'detached', timeout: 60000 });
  assert.equal(await phase.innerText(), '');
  // What was computed stays, marked partial; there is no report to export.
  assert.match(await note.innerText(), /^Partial/);
  assert.ok((await partialCells()).length >= early.length);
  assert.equal(await page.locator('[data-testid=export-compare]').count(), 0);
  assert.equal(await page.locator('[data-testid=run-compare]').isDisabled(), false);
  assert.equal(await page.locator('[data-testid=compare-table]').count(), 0);
  assert.equal(await page.locator('[data-testid=compare-progress]').count(), 0);
  assert.deepEqual(await alerts(page), []);
  // The worker goes on serving: the next run finishes, its report replacing the partial table,
  // with the values shown before.
  await page.locator('[data-testid=run-compare]').click();
  await page.locator('[data-testid=compare-table]').waitFor({ timeout: 180000 });
  assert.equal(await page.locator('[data-testid=compare-partial]').count(), 0);
  assert.equal(await page.locator('[data-testid="metric-cka_linear"]').getAttribute('data-value'), partialCka);
  assert.deepEqual(problems, []);
  await page.close();
});

test('changing the centring mid-run cancels the comparison and shows none of its late metrics', async () => {
  const { page, problems } = await startBigComparison((r, c) => Math.sin(r * 0.07 + c * 0.3) + (r % 7));
  // Mid-kernel (the second space's neighbours): the worker sees the cancel only after it, having
  // sent the neighbour agreement it makes possible on the way.
  await page.waitForFunction(() => /neighbours in the second/.test(document.querySelector('[data-testid=compare-phase]')?.textContent ?? ''), null, { timeout: 60000 });
  await page.locator('[data-testid=compare-center]').check();
  await page.locator('[data-testid=cancel-compare]').waitFor({ state: 'detached', timeout: 60000 });
  assert.equal(await page.locator('[data-testid=compare-partial]').count(), 0);
  assert.equal(await page.locator('[data-testid=compare-table]').count(), 0);
  assert.deepEqual(await alerts(page), []);
  assert.deepEqual(problems, []);
  await page.close();
});
