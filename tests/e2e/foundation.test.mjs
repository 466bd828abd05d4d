// The foundation: the demo loads and draws; a dropped .npy becomes a space; a corrupt file is
// reported and the demo stays.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { start, openPage, waitForScatter, dropFiles, npyF32, paintedPixels, shots } from './helpers.mjs';

let env;
before(async () => { env = await start(); });
after(async () => { await env?.close(); });

const spaceTexts = (page) => page.locator('[data-testid=space]').allInnerTexts();

test('the demo collection loads and its PCA scatter is drawn', async () => {
  const { page, problems } = await openPage(env.browser, env.base);
  await waitForScatter(page, 1797);
  const spaces = await spaceTexts(page);
  assert.equal(spaces.length, 3, spaces.join(' | '));
  assert.ok(spaces.some((t) => t.includes('digits-mlp-relu-seed0.npy') && t.includes('1797 × 128')), spaces.join(' | '));
  assert.ok(spaces.some((t) => t.includes('1797 × 64')));
  const selected = page.locator('[data-testid=space][aria-selected=true]');
  assert.equal(await selected.count(), 1);
  assert.equal(await page.locator('[data-testid=legend-item]').count(), 10, 'ten digit classes');
  assert.match(await page.locator('[data-testid=variance]').innerText(), /PC1 \d+\.\d% · PC2/);
  // Pixels were really painted: count non-background pixels of a screenshot of the canvas.
  const painted = await paintedPixels(page);
  assert.ok(painted > 1000, `painted pixels: ${painted}`);
  await page.screenshot({ path: join(shots, 'demo.png') });
  assert.deepEqual(problems, []);
  await page.close();
});

test('selecting another space redraws it', async () => {
  const { page, problems } = await openPage(env.browser, env.base);
  await waitForScatter(page, 1797);
  await page.locator('[data-testid=space]', { hasText: 'tanh' }).click();
  await page.waitForSelector('[data-testid=space][aria-selected=true]:has-text("tanh")');
  await waitForScatter(page, 1797);
  assert.match(await page.locator('.plot-header h2').innerText(), /tanh/);
  assert.deepEqual(problems, []);
  await page.close();
});

// `target/release/rosetta pca public/demo/<file> --json`'s "quality" (trustworthiness@10 and kNN
// preservation@10, cosine in the space): the page shows the same numbers, to 4 decimals.
const DEMO_QUALITY = {
  'relu-seed0': [0.8736797897015811, 0.1494713411240957],
  tanh: [0.8885200347165443, 0.19337785197551474],
};

async function mapQuality(page) {
  const el = page.locator('[data-testid=projection-quality][data-state=ready]');
  await el.waitFor({ timeout: 30000 });
  return (await el.innerText()).match(/\d\.\d{4}/g).map(Number);
}

test('a map shows its trustworthiness and kNN preservation, as the CLI computes them', async () => {
  const { page, problems } = await openPage(env.browser, env.base);
  await waitForScatter(page, 1797);
  await page.waitForSelector('[data-testid=space][aria-selected=true]:has-text("relu-seed0")');
  const close = (got, want) => got.forEach((g, i) => assert.ok(Math.abs(g - want[i]) < 6e-5, `${got} vs ${want}`));
  close(await mapQuality(page), DEMO_QUALITY['relu-seed0']);
  await page.locator('[data-testid=space]', { hasText: 'tanh' }).click();
  await page.waitForSelector('[data-testid=space][aria-selected=true]:has-text("tanh")');
  await page.waitForFunction((want) => {
    const el = document.querySelector('[data-testid=projection-quality][data-state=ready]');
    return el && el.textContent.includes(want.toFixed(4));
  }, DEMO_QUALITY.tanh[0], { timeout: 30000 });
  close(await mapQuality(page), DEMO_QUALITY.tanh);
  assert.deepEqual(problems, []);
  await page.close();
});

test('dropping a .npy adds a space with its N × D and draws that many points', async () => {
  const { page, problems } = await openPage(env.browser, env.base);
  await waitForScatter(page, 1797);
  await dropFiles(page, [{ name: 'dropped.npy', bytes: npyF32(3000, 24) }]);
  await page.waitForSelector('[data-testid=space]:has-text("dropped.npy")');
  const text = await page.locator('[data-testid=space]', { hasText: 'dropped.npy' }).innerText();
  assert.match(text, /3000 × 24/);
  await waitForScatter(page, 3000);
  // A different row count than the demo: a new collection beside it, the demo untouched.
  assert.equal(await page.locator('[data-testid=collection]').count(), 2);
  assert.equal((await spaceTexts(page)).length, 4);
  await page.screenshot({ path: join(shots, 'dropped.png') });
  assert.deepEqual(problems, []);
  await page.close();
});

test('a dropped file with the demo row count joins the demo collection', async () => {
  const { page } = await openPage(env.browser, env.base);
  await waitForScatter(page, 1797);
  await dropFiles(page, [{ name: 'same-items.npy', bytes: npyF32(1797, 8) }]);
  await page.waitForSelector('[data-testid=space]:has-text("same-items.npy")');
  assert.equal(await page.locator('[data-testid=collection]').count(), 1);
  assert.equal((await spaceTexts(page)).length, 4);
  await waitForScatter(page, 1797);
  await page.close();
});

test('the file input accepts several files at once', async () => {
  const { page } = await openPage(env.browser, env.base);
  await waitForScatter(page, 1797);
  await page.locator('[data-testid=file-input]').setInputFiles([
    { name: 'a.npy', mimeType: 'application/octet-stream', buffer: npyF32(500, 4) },
    { name: 'b.npy', mimeType: 'application/octet-stream', buffer: npyF32(500, 6) },
  ]);
  await page.waitForSelector('[data-testid=space]:has-text("b.npy")');
  const texts = await spaceTexts(page);
  assert.ok(texts.some((t) => t.includes('a.npy') && t.includes('500 × 4')));
  assert.ok(texts.some((t) => t.includes('b.npy') && t.includes('500 × 6')));
  await waitForScatter(page, 500);
  await page.close();
});

test('a corrupt file shows an error naming it, and the demo stays', async () => {
  const { page, problems } = await openPage(env.browser, env.base);
  await waitForScatter(page, 1797);
  const corrupt = npyF32(100, 8).subarray(0, 300); // cut short
  await dropFiles(page, [{ name: 'broken.npy', bytes: corrupt }]);
  const alert = page.locator('[role=alert]', { hasText: 'broken.npy' });
  await alert.waitFor();
  assert.match(await alert.innerText(), /broken\.npy: .*cut short/);
  assert.equal((await spaceTexts(page)).length, 3);
  assert.equal(await page.locator('[data-testid=space][aria-selected=true]').count(), 1);
  await waitForScatter(page, 1797);
  await page.screenshot({ path: join(shots, 'corrupt.png') });
  assert.deepEqual(problems, []);
  await page.close();
});

test('label text is shown as text, never as HTML', async () => {
  const { page, problems } = await openPage(env.browser, env.base);
  await waitForScatter(page, 1797);
  const rows = ['<img src=x onerror="window.__pwned=1">', '<b>bold</b>'];
  await dropFiles(page, [
    { name: 'tiny.npy', bytes: npyF32(2, 3) },
    { name: 'metadata.tsv', bytes: Buffer.from(rows.join('\n') + '\n') },
  ]);
  await page.waitForSelector('[data-testid=legend-item]:has-text("<b>bold</b>")');
  assert.equal(await page.evaluate(() => window.__pwned), undefined);
  assert.equal(await page.locator('.legend b').count(), 0);
  assert.deepEqual(problems, []);
  await page.close();
});
