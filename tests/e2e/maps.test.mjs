// UMAP and t-SNE in the page: chosen with the projection select, drawn as they converge, scored,
// the same coordinates as the CLI; cancel and bad parameters leave the PCA map; aligned panes.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { start, openPage, waitForScatter, paintedPixels, alerts, shots } from './helpers.mjs';

let env;
before(async () => { env = await start(); });
after(async () => { await env?.close(); });

// `target/release/rosetta project public/demo/digits-mlp-relu-seed0.npy --method umap --json`:
// its first coordinates, sums over all items (x, y, x² + y²) and quality scores.
const CLI_UMAP = {
  first: [[11.501494, 18.012228], [6.479228, 1.2167137], [-6.2591057, -2.1765316]],
  sx: 8643.928797599996,
  sy: 8479.029922020916,
  sxx: 283427.41289511626,
  quality: [0.9910863382713978, 0.5046744574290484],
};

// `… --method tsne --json` for the same file.
const CLI_TSNE = {
  first: [[14.251023, 52.30341], [-2.2872903, -17.675095], [-23.312962, -21.077955]],
  sx: 0.000003379299624128862,
  sy: 0.000009939499784117345,
  sxx: 2605259.1559108594,
  quality: [0.9952760947667324, 0.5985531441291041],
};

async function exportedCoords(page) {
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.locator('[data-testid=export-csv]').click(),
  ]);
  const rows = readFileSync(await download.path(), 'utf8').trim().split('\n').slice(1);
  return { name: download.suggestedFilename(), coords: rows.map((l) => l.split(',').slice(1, 3).map(Number)) };
}

async function choose(page, method) {
  const converging = page.waitForFunction(
    () => /converging/.test(document.querySelector('[data-testid=variance]')?.textContent ?? '')
      && document.querySelector('[data-testid=scatter]')?.dataset.state === 'busy',
    null,
    { timeout: 60000 },
  );
  await page.locator('[data-testid=projection]').selectOption(method);
  await converging;
  await waitForScatter(page, 1797, 120000);
}

const chooseUmap = (page) => choose(page, 'umap');

/** The map on screen equals the CLI's: its scores, its first coordinates, its sums. */
async function sameAsCli(page, cli, method) {
  const quality = page.locator('[data-testid=projection-quality][data-state=ready]');
  await quality.waitFor({ timeout: 30000 });
  const scores = (await quality.innerText()).match(/\d\.\d{4}/g).map(Number);
  scores.forEach((s, i) => assert.ok(Math.abs(s - cli.quality[i]) < 6e-5, `${scores} vs ${cli.quality}`));
  const { name, coords } = await exportedCoords(page);
  assert.ok(name.endsWith(`-${method}.csv`), name);
  assert.equal(coords.length, 1797);
  assert.deepEqual(coords.slice(0, 3), cli.first);
  let [sx, sy, sxx] = [0, 0, 0];
  for (const [x, y] of coords) { sx += x; sy += y; sxx += x * x + y * y; }
  assert.deepEqual([sx, sy, sxx], [cli.sx, cli.sy, cli.sxx]);
}

test('UMAP is drawn as it converges, scored, and has the CLI\'s coordinates', async () => {
  const { page, problems } = await openPage(env.browser, env.base);
  await waitForScatter(page, 1797);
  await page.waitForSelector('[data-testid=space][aria-selected=true]:has-text("relu-seed0")');
  await chooseUmap(page);
  assert.match(await page.locator('.plot-header h2').innerText(), /UMAP/);
  assert.match(await page.locator('[data-testid=variance]').innerText(), /15 neighbours · min-dist 0.1 · cosine · seed 0/);
  await sameAsCli(page, CLI_UMAP, 'umap');
  assert.ok((await paintedPixels(page)) > 1000);
  await page.screenshot({ path: join(shots, 'umap.png') });
  // Back to PCA and to UMAP again: the kept map comes back at once, the same.
  await page.locator('[data-testid=projection]').selectOption('pca');
  await page.waitForFunction(() => /PC1/.test(document.querySelector('[data-testid=variance]').textContent));
  await waitForScatter(page, 1797);
  await page.locator('[data-testid=projection]').selectOption('umap');
  await page.waitForFunction(() => /seed 0/.test(document.querySelector('[data-testid=variance]').textContent));
  await waitForScatter(page, 1797);
  assert.deepEqual((await exportedCoords(page)).coords.slice(0, 3), CLI_UMAP.first);
  assert.deepEqual(problems, []);
  await page.close();
});

test('a UMAP can be cancelled, and a bad parameter is named; the PCA map stays', async () => {
  const { page, problems } = await openPage(env.browser, env.base);
  await waitForScatter(page, 1797);
  await page.locator('[data-testid=projection]').selectOption('umap');
  await page.locator('[data-testid=cancel]').click({ timeout: 30000 });
  await page.waitForFunction(() => /PC1/.test(document.querySelector('[data-testid=variance]').textContent), null, { timeout: 30000 });
  await waitForScatter(page, 1797);
  assert.equal(await page.locator('[data-testid=projection]').inputValue(), 'pca');
  assert.ok((await alerts(page)).some((a) => /UMAP cancelled/.test(a)), (await alerts(page)).join(' | '));
  // n_neighbors ≥ N: the message names the parameter and the limit.
  await chooseUmap(page);
  await page.locator('[data-testid=umap-neighbors]').fill('5000');
  await page.locator('[data-testid=umap-neighbors]').dispatchEvent('change');
  await page.waitForFunction(() => [...document.querySelectorAll('[role=alert]')].some((a) => /neighbours/.test(a.textContent)), null, { timeout: 30000 });
  const message = (await alerts(page)).find((a) => /neighbours/.test(a));
  assert.match(message, /below the number of items \(1797\); got 5000/);
  await page.waitForFunction(() => /PC1/.test(document.querySelector('[data-testid=variance]').textContent));
  await waitForScatter(page, 1797);
  assert.equal((await page.locator('[data-testid=space]').allInnerTexts()).length, 3, 'every space is still loaded');
  assert.deepEqual(problems, []);
  await page.close();
});

test('in aligned panes a UMAP starts from the main layout and is rotated onto it', async () => {
  const { page, problems } = await openPage(env.browser, env.base);
  await waitForScatter(page, 1797);
  await page.locator('[data-testid=space]', { hasText: 'tanh' }).locator('[data-testid=pane-toggle]').click();
  await page.locator('[data-testid=aligned-toggle]').check();
  await chooseUmap(page);
  await page.locator('[data-testid=pane]', { hasText: 'UMAP started from the main plot' }).waitFor();
  await page.waitForFunction(() => {
    const el = document.querySelector('[data-testid=pane-scatter]');
    return el && el.dataset.state === 'ready' && el.dataset.points === '1797';
  }, null, { timeout: 60000 });
  assert.ok((await paintedPixels(page, '[data-testid=pane-scatter]')) > 1000);
  await page.screenshot({ path: join(shots, 'umap-aligned.png'), fullPage: true });
  assert.deepEqual(problems, []);
  await page.close();
});

test('t-SNE is drawn as it converges, scored, and has the CLI\'s coordinates; a bad perplexity is named', async () => {
  const { page, problems } = await openPage(env.browser, env.base);
  await waitForScatter(page, 1797);
  await page.waitForSelector('[data-testid=space][aria-selected=true]:has-text("relu-seed0")');
  await choose(page, 'tsne');
  assert.match(await page.locator('.plot-header h2').innerText(), /t-SNE/);
  assert.match(await page.locator('[data-testid=variance]').innerText(), /perplexity 30 · cosine · seed 0/);
  await sameAsCli(page, CLI_TSNE, 'tsne');
  assert.ok((await paintedPixels(page)) > 1000);
  await page.screenshot({ path: join(shots, 'tsne.png') });
  // perplexity ≥ N / 3: named with its limit; the PCA map comes back.
  await page.locator('[data-testid=tsne-perplexity]').fill('1000');
  await page.locator('[data-testid=tsne-perplexity]').dispatchEvent('change');
  await page.waitForFunction(() => [...document.querySelectorAll('[role=alert]')].some((a) => /perplexity/.test(a.textContent)), null, { timeout: 30000 });
  const message = (await alerts(page)).find((a) => /perplexity/.test(a));
  assert.match(message, /below a third of the items \(599\.00\); got 1000/);
  await page.waitForFunction(() => /PC1/.test(document.querySelector('[data-testid=variance]').textContent));
  await waitForScatter(page, 1797);
  assert.deepEqual(problems, []);
  await page.close();
});
