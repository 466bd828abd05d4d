// Loading: every format by drag-and-drop and by URL, CORS explained, big files with progress and
// cancel, the 2 GB refusal, and the whole bad-input catalogue (each keeps the demo loaded).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { serve } from '../../scripts/serve.mjs';
import { start, openPage, waitForScatter, dropFiles, testFiles, alerts, spaces, root, shots } from './helpers.mjs';

let env;
before(async () => { env = await start(); });
after(async () => { await env?.close(); });

/** Each drop and the spaces it must add (name fragment; all 60 × 8). */
const FORMATS = [
  [['f32.npy'], ['f32.npy']],
  [['f64-fortran.npy'], ['f64-fortran.npy']],
  [['f16-bigendian.npy'], ['f16-bigendian.npy']],
  [['int16.npy'], ['int16.npy']],
  [['two-arrays.npz'], ['two-arrays.npz:first', 'two-arrays.npz:second']],
  [['model.safetensors'], ['model.safetensors:emb', 'model.safetensors:emb_bf16']],
  [['hf-dataset.parquet'], ['hf-dataset.parquet:embedding', 'hf-dataset.parquet:fixed']],
  [['gzip.parquet'], ['gzip.parquet:embedding']],
  [['table.feather'], ['table.feather:embedding', 'table.feather:fixed']],
  [['vectors.tsv', 'metadata.tsv'], ['vectors.tsv']],
  [['vectors.tsv.gz'], ['vectors.tsv.gz']],
  [['projector/projector_config.json', 'projector/tensor.bytes', 'projector/labels.tsv'], ['projector tensor']],
  [['table.csv'], ['table.csv']],
  [['with-header.tsv'], ['with-header.tsv']],
  [['records.json'], ['records.json:embedding']],
  [['matrix.json'], ['matrix.json']],
  [['records.jsonl'], ['records.jsonl:vector']],
  [['table.csv.gz'], ['table.csv.gz']],
];
const ALL_SPACES = FORMATS.flatMap(([, s]) => s);

async function dismissAll(page) {
  for (const b of await page.locator('[role=alert] .dismiss').all()) await b.click();
}

test('a user overrides the CSV column choice', async () => {
  const { page, problems } = await openPage(env.browser, env.base);
  await waitForScatter(page, 1797);
  await page.locator('.column-chooser summary').click();
  await page.locator('[data-testid=vector-columns]').fill('d0, d1,d2');
  await page.locator('[data-testid=vector-columns]').press('Enter');
  await page.locator('[data-testid=id-column]').fill('id');
  await page.locator('[data-testid=id-column]').press('Enter');
  assert.match(await page.locator('[data-testid=column-summary]').innerText(), /id: id, vector: 3 columns/);
  await dropFiles(page, testFiles('formats', ['table.csv']));
  const space = page.locator('[data-testid=space]', { hasText: 'table.csv' }).first();
  await space.waitFor({ timeout: 15000 });
  assert.match(await space.innerText(), /60 × 3/);
  // An unknown column is refused with its name; what is loaded stays.
  await page.locator('[data-testid=vector-columns]').fill('d0, nope');
  await page.locator('[data-testid=vector-columns]').press('Enter');
  await dropFiles(page, testFiles('formats', ['with-header.tsv']));
  await page.locator('[role=alert]', { hasText: 'nope' }).waitFor({ timeout: 15000 });
  assert.ok((await spaces(page)).length >= 4);
  assert.deepEqual(problems, []);
  await page.close();
});

test('every format loads by drag-and-drop', async () => {
  const { page, problems } = await openPage(env.browser, env.base);
  await waitForScatter(page, 1797);
  for (const [files, names] of FORMATS) {
    await dropFiles(page, testFiles('formats', files));
    for (const name of names) {
      const space = page.locator('[data-testid=space]', { hasText: name }).first();
      await space.waitFor({ timeout: 15000 });
      assert.match(await space.innerText(), /60 × 8/, `${name}: ${await space.innerText()}`);
    }
    const errs = (await alerts(page)).filter((a) => !a.includes('dropped'));
    assert.deepEqual(errs, [], `${files}: ${errs}`);
  }
  // The demo stays, and the 60-item files share one collection beside it.
  assert.equal(await page.locator('[data-testid=collection]').count(), 2);
  assert.ok((await spaces(page)).length >= 3 + ALL_SPACES.length);
  await waitForScatter(page, 60);
  await page.screenshot({ path: join(shots, 'formats.png') });
  assert.deepEqual(problems, []);
  await page.close();
});

test('every format loads by URL (?data=), a projector config fetching what it names', async () => {
  const urls = FORMATS.filter(([files]) => !files.includes('projector/tensor.bytes'))
    .flatMap(([files]) => files)
    .concat(['projector/projector_config.json'])
    .map((f) => `/tests/formats/${f}`);
  const { page, problems } = await openPage(env.browser, `${env.base}?data=${urls.join(',')}`);
  await waitForScatter(page, 60);
  const texts = await spaces(page);
  for (const name of ALL_SPACES) {
    assert.ok(texts.some((t) => t.includes(name) && t.includes('60 × 8')), `${name} missing: ${texts.join(' | ')}`);
  }
  assert.deepEqual(await alerts(page), []);
  assert.deepEqual(problems, []);
  await page.close();
});

test('a cross-origin URL without CORS is explained in plain words', async () => {
  const other = await serve(join(root, 'tests', 'formats'), 0, { cors: false });
  const url = `http://127.0.0.1:${other.address().port}/f32.npy`;
  const { page } = await openPage(env.browser, `${env.base}?data=${url}`, { allowConsoleErrors: true });
  const alert = page.locator('[role=alert]', { hasText: 'f32.npy' });
  await alert.waitFor({ timeout: 15000 });
  assert.match(await alert.innerText(), /CORS/);
  assert.match(await alert.innerText(), /Download the file and drop it instead/);
  await page.close();
  await new Promise((ok) => other.close(ok));
});

test('every bad input of the catalogue gets its message, and the demo stays', async () => {
  const cat = JSON.parse(readFileSync(join(root, 'tests', 'bad-inputs', 'catalogue.json'), 'utf8'));
  const { page, problems } = await openPage(env.browser, env.base);
  await waitForScatter(page, 1797);
  const failures = [];
  for (const entry of cat.entries) {
    await dismissAll(page);
    await dropFiles(page, testFiles('bad-inputs/files', entry.files));
    const first = page.locator('[role=alert]', { hasText: entry.expect[0] }).first();
    try {
      await first.waitFor({ timeout: 10000 });
    } catch {
      failures.push(`${entry.name}: no alert naming ${entry.expect[0]} (alerts: ${await alerts(page)})`);
      continue;
    }
    const shown = (await alerts(page)).join('\n');
    const missing = entry.expect.filter((s) => !shown.includes(s));
    if (missing.length) failures.push(`${entry.name}: missing ${missing} in ${shown}`);
    const demo = await page.locator('[data-testid=collection]').first().locator('[data-testid=space]').count();
    if (demo !== 3) failures.push(`${entry.name}: the demo lost spaces (${demo})`);
  }
  assert.deepEqual(failures, []);
  assert.deepEqual(problems, []);
  await page.close();
});

test('a 2 GB file is refused up front with its size and the limit', async () => {
  const { page } = await openPage(env.browser, env.base);
  await waitForScatter(page, 1797);
  const dt = await page.evaluateHandle(() => {
    const chunk = new Uint8Array(64 << 20);
    const dt = new DataTransfer();
    dt.items.add(new File(Array(32).fill(chunk), 'huge.npy'));
    return dt;
  });
  const zone = page.locator('[data-testid=drop-zone]');
  await zone.dispatchEvent('dragover', { dataTransfer: dt });
  await zone.dispatchEvent('drop', { dataTransfer: dt });
  const alert = page.locator('[role=alert]', { hasText: 'huge.npy' });
  await alert.waitFor({ timeout: 15000 });
  assert.match(await alert.innerText(), /huge\.npy: 2147483648 bytes is larger than the limit of \d+ bytes/);
  assert.equal((await spaces(page)).length, 3);
  await page.close();
});

/** Drop an n × d float32 .npy built in the page (never through node: 300 MB). */
async function dropBigNpy(page, name, n, d) {
  const dt = await page.evaluateHandle(({ name, n, d }) => {
    let dict = `{'descr': '<f4', 'fortran_order': False, 'shape': (${n}, ${d}), }`;
    dict += ' '.repeat((64 - ((10 + dict.length + 1) % 64)) % 64) + '\n';
    const header = new Uint8Array(10 + dict.length);
    header.set([0x93, 78, 85, 77, 80, 89, 1, 0, dict.length & 255, dict.length >> 8]);
    for (let i = 0; i < dict.length; i++) header[10 + i] = dict.charCodeAt(i);
    const data = new Float32Array(n * d);
    for (let r = 0; r < n; r++) {
      const a = Math.sin(r * 0.001), b = Math.cos(r * 0.0007);
      for (let c = 0; c < d; c++) data[r * d + c] = a * ((c % 7) - 3) + b * ((c % 5) - 2) + ((r * 31 + c * 17) % 13) * 0.01;
    }
    const dt = new DataTransfer();
    dt.items.add(new File([header, data], name));
    return dt;
  }, { name, n, d });
  const zone = page.locator('[data-testid=drop-zone]');
  await zone.dispatchEvent('dragover', { dataTransfer: dt });
  await zone.dispatchEvent('drop', { dataTransfer: dt });
}

/** Longest gap between main-thread timer ticks while `f` runs (a frozen page shows long gaps). */
async function longestGap(page, f) {
  await page.evaluate(() => {
    window.__gaps = { last: performance.now(), max: 0 };
    window.__tick = setInterval(() => {
      const now = performance.now();
      window.__gaps.max = Math.max(window.__gaps.max, now - window.__gaps.last);
      window.__gaps.last = now;
    }, 20);
  });
  await f();
  return page.evaluate(() => { clearInterval(window.__tick); return window.__gaps.max; });
}

test('a 100,000 × 768 float32 .npy (307 MB) loads and draws, and the page stays responsive', async () => {
  const { page, problems } = await openPage(env.browser, env.base);
  await waitForScatter(page, 1797);
  const gap = await longestGap(page, async () => {
    await dropBigNpy(page, 'big.npy', 100000, 768);
    await page.locator('[data-testid=progress-text]', { hasText: 'big.npy' }).waitFor({ timeout: 60000 });
    await page.locator('[data-testid=space]', { hasText: 'big.npy' }).waitFor({ timeout: 240000 });
    await waitForScatter(page, 100000, 240000);
  });
  assert.match(await page.locator('[data-testid=space]', { hasText: 'big.npy' }).innerText(), /100000 × 768/);
  // The drop itself builds 300 MB in the page; after that, parsing and PCA run in the worker.
  assert.ok(gap < 1500, `the page froze for ${gap.toFixed(0)} ms`);
  await page.screenshot({ path: join(shots, 'big.png') });
  assert.deepEqual(problems, []);
  await page.close();
});

test('a load can be cancelled from the progress bar; nothing is added', async () => {
  const { page, problems } = await openPage(env.browser, env.base);
  await waitForScatter(page, 1797);
  await dropBigNpy(page, 'cancel-me.npy', 120000, 768);
  await page.locator('[data-testid=progress-text]', { hasText: 'cancel-me.npy' }).waitFor({ timeout: 60000 });
  await page.locator('[data-testid=cancel]').click();
  await page.locator('[role=alert]', { hasText: 'Loading cancelled' }).waitFor({ timeout: 30000 });
  assert.equal((await spaces(page)).length, 3);
  assert.equal(await page.locator('[data-testid=progress]').count(), 0);
  assert.deepEqual(problems, []);
  await page.close();
});
