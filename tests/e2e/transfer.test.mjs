// A first visit's download: everything the browser fetches until the demo collection is listed
// and drawn, gzip-compressed as the server sends it (scripts/serve.mjs, as a static host). The app's
// own files stay within 2.5 MB and everything, the demo included, within 4 MB; the page and the
// worker share one wasm file, which the worker takes from the browser's cache.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { start, openPage, waitForScatter, spaces } from './helpers.mjs';

let env;
before(async () => { env = await start(); });
after(async () => { await env?.close(); });

const APP_LIMIT = 2.5e6;
const ALL_LIMIT = 4e6;

test('a first visit downloads at most 2.5 MB of app and 4 MB in all', async () => {
  env.sent.length = 0;
  const { page, problems } = await openPage(env.browser, env.base);
  await waitForScatter(page, 1797);
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=space]').length === 3);
  assert.equal((await spaces(page)).length, 3);
  const sent = env.sent.slice();
  const sum = (list) => list.reduce((s, a) => s + a.bytes, 0);
  const demo = sent.filter((s) => s.path.startsWith('/demo/'));
  const app = sent.filter((s) => !s.path.startsWith('/demo/'));
  const table = sent.map((s) => `${s.status} ${s.path} ${s.bytes} ${s.encoding ?? ''}`).join('\n');
  console.log(`# app ${sum(app)} bytes, demo ${sum(demo)} bytes\n${table.replace(/^/gm, '# ')}`);
  assert.ok(sum(app) <= APP_LIMIT, `the app's files: ${sum(app)} bytes\n${table}`);
  assert.ok(sum(sent) <= ALL_LIMIT, `everything: ${sum(sent)} bytes\n${table}`);
  // One wasm file: sent once in full; the worker's fetch of it is answered from the cache.
  const wasm = sent.filter((s) => s.path.endsWith('.wasm'));
  assert.deepEqual(wasm.map((s) => s.path), ['/rosetta-app_bg.wasm', '/rosetta-app_bg.wasm'], table);
  assert.deepEqual(wasm.map((s) => s.status), [200, 304], table);
  // Every answer that can be is compressed.
  for (const s of sent.filter((s) => s.status === 200)) assert.equal(s.encoding, 'gzip', table);
  assert.ok(sent.every((s) => s.status === 200 || s.status === 304), table);
  assert.deepEqual(problems, []);
  await page.close();
});
