// Interactive plots: hover, click-for-neighbours, box and lasso selection, zoom, legend toggles,
// exports, the Canvas2D fallback, WebGL context loss, and a reference screenshot.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, existsSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { start, openPage, waitForScatter, dropFiles, npyF32, paintedPixels, root, shots } from './helpers.mjs';

let env;
before(async () => { env = await start(); });
after(async () => { await env?.close(); });

// Three tight clusters far apart in 5-D (sizes 50, 80, 120), with labels and a continuous score.
const SIZES = [50, 80, 120];
const N = SIZES.reduce((a, b) => a + b);
const clusterOf = (r) => (r < 50 ? 0 : r < 130 ? 1 : 2);
const CENTERS = [[10, 0, 0, 0, 0], [0, 10, 0, 0, 0], [0, 0, 10, 0, 0]];
const value = (r, c) => CENTERS[clusterOf(r)][c] + 0.6 * Math.sin(r * 1.7 + c * 2.3) + 0.3 * Math.cos(r * 0.61 + c);
const VECTORS = Array.from({ length: N }, (_, r) => Array.from({ length: 5 }, (_, c) => Math.fround(value(r, c))));
const NPY = npyF32(N, 5, value);
const META = 'id\tlabel\tscore\n' + VECTORS.map((_, r) => `item-${r}\tgroup-${'abc'[clusterOf(r)]}\t${(r * 0.37) % 10}`).join('\n') + '\n';

async function openClusters(url = env.base) {
  const { page, problems } = await openPage(env.browser, url);
  await waitForScatter(page, 1797);
  await dropFiles(page, [
    { name: 'clusters.npy', bytes: NPY },
    { name: 'metadata.tsv', bytes: Buffer.from(META) },
  ]);
  await waitForScatter(page, N);
  await page.locator('[data-testid=legend-item]', { hasText: 'group-a' }).waitFor();
  return { page, problems };
}

/** The main scatter's viewport and its box on the page. */
async function viewport(page) {
  const canvas = page.locator('[data-testid=scatter]');
  const [cx, cy, scale, w, h] = (await canvas.getAttribute('data-viewport')).split(' ').map(Number);
  const box = await canvas.boundingBox();
  return { cx, cy, scale, w, h, box };
}

/** Coordinates of every point, from the CSV export (also checks the export). */
async function exportCsv(page) {
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.locator('[data-testid=export-csv]').click(),
  ]);
  const text = readFileSync(await download.path(), 'utf8');
  return { name: download.suggestedFilename(), rows: text.trim().split('\n').map((l) => l.split(',')) };
}

function toPage(vp, x, y) {
  return {
    x: vp.box.x + (x - vp.cx) * vp.scale + vp.w / 2,
    y: vp.box.y + vp.h / 2 - (y - vp.cy) * vp.scale,
  };
}

function cosineNeighbours(i, k) {
  const norm = (v) => Math.sqrt(v.reduce((s, x) => s + x * x, 0));
  const a = VECTORS[i];
  return VECTORS.map((b, j) => [j, a.reduce((s, x, c) => s + x * b[c], 0) / (norm(a) * norm(b))])
    .filter(([j]) => j !== i)
    .sort((p, q) => q[1] - p[1] || p[0] - q[0])
    .slice(0, k)
    .map(([j]) => j);
}

test('CSV export has every point with its metadata; hovering a point shows its label as text', async () => {
  const { page, problems } = await openClusters();
  const { name, rows } = await exportCsv(page);
  assert.equal(name, 'clusters.npy-pca.csv');
  assert.deepEqual(rows[0], ['item', 'x', 'y', 'id', 'label', 'score']);
  assert.equal(rows.length, N + 1);
  assert.equal(rows[138][4], 'group-c');
  const vp = await viewport(page);
  const p = toPage(vp, Number(rows[1 + 137][1]), Number(rows[1 + 137][2]));
  await page.mouse.move(p.x, p.y);
  const tip = page.locator('[data-testid=tooltip]');
  await tip.waitFor({ timeout: 5000 });
  const text = await tip.innerText();
  assert.match(text, /group-c/);
  assert.match(text, /item-\d+/);
  await page.mouse.move(vp.box.x + 2, vp.box.y + 2);
  await tip.waitFor({ state: 'detached', timeout: 5000 });
  assert.deepEqual(problems, []);
  await page.close();
});

test('clicking a point lists its exact nearest neighbours', async () => {
  const { page, problems } = await openClusters();
  const { rows } = await exportCsv(page);
  const vp = await viewport(page);
  const item = 60;
  const p = toPage(vp, Number(rows[1 + item][1]), Number(rows[1 + item][2]));
  await page.mouse.click(p.x, p.y);
  await page.locator('[data-testid=neighbor]').nth(9).waitFor({ timeout: 10000 });
  const listed = await page.locator('[data-testid=neighbor]').allInnerTexts();
  // The clicked item may be any point under the cursor; the heading says which.
  const heading = await page.locator('.neighbor-panel h3').innerText();
  const clicked = Number(heading.match(/#(\d+)/)[1]);
  assert.equal(clusterOf(clicked), clusterOf(item));
  const expected = cosineNeighbours(clicked, 10);
  assert.deepEqual(listed.map((t) => Number(t.match(/#(\d+)/)[1])), expected);
  assert.match(listed[0], /group-b/);
  assert.equal(await page.locator('[data-testid=selection-count]').innerText(), '0');
  assert.deepEqual(problems, []);
  await page.close();
});

test('a lasso around a cluster selects exactly that cluster; a box selects another', async () => {
  const { page, problems } = await openClusters();
  const { rows } = await exportCsv(page);
  const vp = await viewport(page);
  const pts = rows.slice(1).map((r) => toPage(vp, Number(r[1]), Number(r[2])));
  const members = (c) => pts.filter((_, i) => clusterOf(i) === c);
  const hull = (ps) => {
    const cx = ps.reduce((s, p) => s + p.x, 0) / ps.length;
    const cy = ps.reduce((s, p) => s + p.y, 0) / ps.length;
    const r = Math.max(...ps.map((p) => Math.hypot(p.x - cx, p.y - cy))) + 6;
    return { cx, cy, r };
  };
  // Lasso: a 24-gon around cluster 1 (80 items).
  await page.locator('[data-testid=tool-lasso]').click();
  const h = hull(members(1));
  await page.mouse.move(h.cx + h.r, h.cy);
  await page.mouse.down();
  for (let a = 1; a <= 24; a++) {
    await page.mouse.move(h.cx + h.r * Math.cos((a * Math.PI) / 12), h.cy + h.r * Math.sin((a * Math.PI) / 12));
  }
  await page.mouse.up();
  assert.equal(await page.locator('[data-testid=selection-count]').innerText(), '80');
  // Box with Shift adds cluster 0 (50 items).
  await page.locator('[data-testid=tool-box]').click();
  const m0 = members(0);
  const x0 = Math.min(...m0.map((p) => p.x)) - 5, x1 = Math.max(...m0.map((p) => p.x)) + 5;
  const y0 = Math.min(...m0.map((p) => p.y)) - 5, y1 = Math.max(...m0.map((p) => p.y)) + 5;
  await page.keyboard.down('Shift');
  await page.mouse.move(x0, y0);
  await page.mouse.down();
  await page.mouse.move((x0 + x1) / 2, (y0 + y1) / 2);
  await page.mouse.move(x1, y1);
  await page.mouse.up();
  await page.keyboard.up('Shift');
  assert.equal(await page.locator('[data-testid=selection-count]').innerText(), '130');
  await page.screenshot({ path: join(shots, 'selection.png') });
  await page.locator('[data-testid=clear-selection]').click();
  assert.equal(await page.locator('[data-testid=selection-count]').innerText(), '0');
  assert.deepEqual(problems, []);
  await page.close();
});

test('zooming changes what is visible; keys and reset work', async () => {
  const { page, problems } = await openClusters();
  const { rows } = await exportCsv(page);
  const visible = (vp) => rows.slice(1).filter((r) => {
    const px = (Number(r[1]) - vp.cx) * vp.scale + vp.w / 2;
    const py = vp.h / 2 - (Number(r[2]) - vp.cy) * vp.scale;
    return px >= 0 && px <= vp.w && py >= 0 && py <= vp.h;
  }).length;
  const before = await viewport(page);
  assert.equal(visible(before), N);
  // Zoom in on cluster 2 with the wheel.
  const c2 = rows.slice(1).filter((_, i) => clusterOf(i) === 2);
  const target = toPage(before, Number(c2[0][1]), Number(c2[0][2]));
  await page.mouse.move(target.x, target.y);
  for (let i = 0; i < 6; i++) await page.mouse.wheel(0, -400);
  await page.waitForFunction((s) => Number(document.querySelector('[data-testid=scatter]').dataset.viewport.split(' ')[2]) > s * 4, before.scale);
  const zoomed = await viewport(page);
  assert.ok(visible(zoomed) < N, `visible after zoom: ${visible(zoomed)}`);
  assert.ok(visible(zoomed) > 0);
  // Keyboard: 0 resets, + zooms.
  await page.locator('[data-testid=scatter]').focus();
  await page.keyboard.press('0');
  assert.equal((await viewport(page)).scale, before.scale);
  await page.keyboard.press('+');
  assert.ok((await viewport(page)).scale > before.scale);
  await page.locator('[data-testid=scatter]').dblclick({ position: { x: 50, y: 50 } });
  assert.ok((await viewport(page)).scale > before.scale * 2);
  assert.deepEqual(problems, []);
  await page.close();
});

test('a legend toggle hides its points, and hidden points cannot be hovered', async () => {
  const { page, problems } = await openClusters();
  const { rows } = await exportCsv(page);
  const all = await paintedPixels(page);
  const item = page.locator('[data-testid=legend-item]', { hasText: 'group-c' });
  assert.match(await item.innerText(), /120/);
  await item.click();
  assert.equal(await item.getAttribute('aria-pressed'), 'false');
  await page.waitForTimeout(100);
  const fewer = await paintedPixels(page);
  assert.ok(fewer < all * 0.8, `painted ${all} → ${fewer}`);
  const vp = await viewport(page);
  const p = toPage(vp, Number(rows[1 + 200][1]), Number(rows[1 + 200][2]));
  await page.mouse.move(p.x, p.y);
  await page.waitForTimeout(200);
  assert.equal(await page.locator('[data-testid=tooltip]').count(), 0);
  await item.click();
  await page.waitForTimeout(100);
  assert.ok((await paintedPixels(page)) > fewer);
  // A continuous column gets a colour bar instead of categories.
  await page.locator('[data-testid=color-by]').selectOption('score');
  await page.locator('[data-testid=colorbar]').waitFor();
  assert.equal(await page.locator('[data-testid=legend-item]').count(), 0);
  assert.deepEqual(problems, []);
  await page.close();
});

test('PNG export is the plot at twice its size', async () => {
  const { page, problems } = await openClusters();
  const vp = await viewport(page);
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.locator('[data-testid=export-png]').click(),
  ]);
  assert.equal(download.suggestedFilename(), 'clusters.npy-pca.png');
  const png = readFileSync(await download.path());
  assert.equal(png.subarray(1, 4).toString(), 'PNG');
  assert.equal(png.readUInt32BE(16), Math.round(vp.w * 2));
  assert.equal(png.readUInt32BE(20), Math.round(vp.h * 2));
  const painted = await page.evaluate(async (b64) => {
    const bytes = Uint8Array.from(atob(b64), (ch) => ch.charCodeAt(0));
    const bmp = await createImageBitmap(new Blob([bytes], { type: 'image/png' }));
    const c = new OffscreenCanvas(bmp.width, bmp.height).getContext('2d');
    c.drawImage(bmp, 0, 0);
    const d = c.getImageData(0, 0, bmp.width, bmp.height).data;
    let n = 0;
    for (let i = 0; i < d.length; i += 4) if (d[i] + d[i + 1] + d[i + 2] < 600) n++;
    return n;
  }, png.toString('base64'));
  assert.ok(painted > N * 10, `painted pixels in PNG: ${painted}`);
  assert.deepEqual(problems, []);
  await page.close();
});

test('the Canvas2D fallback draws and matches the reference screenshot', async () => {
  const { page, problems } = await openClusters(`${env.base}?renderer=canvas2d`);
  const canvas = page.locator('[data-testid=scatter]');
  assert.equal(await canvas.getAttribute('data-renderer'), 'canvas2d');
  assert.ok((await paintedPixels(page)) > 500);
  const shot = await canvas.screenshot();
  const refPath = join(root, 'tests', 'e2e', 'reference', 'clusters-canvas2d.png');
  if (!existsSync(refPath) && process.env.UPDATE_REFERENCE) {
    mkdirSync(join(root, 'tests', 'e2e', 'reference'), { recursive: true });
    writeFileSync(refPath, shot);
  }
  writeFileSync(join(shots, 'clusters-canvas2d.png'), shot);
  const diff = await page.evaluate(async ([a, b]) => {
    const load = async (b64) => {
      const bytes = Uint8Array.from(atob(b64), (ch) => ch.charCodeAt(0));
      const bmp = await createImageBitmap(new Blob([bytes], { type: 'image/png' }));
      const c = new OffscreenCanvas(bmp.width, bmp.height).getContext('2d');
      c.drawImage(bmp, 0, 0);
      return { w: bmp.width, h: bmp.height, d: c.getImageData(0, 0, bmp.width, bmp.height).data };
    };
    const [x, y] = [await load(a), await load(b)];
    if (x.w !== y.w || x.h !== y.h) return { size: `${x.w}x${x.h} vs ${y.w}x${y.h}` };
    // Perceptual tolerance: a pixel differs when its luma moves by more than 48 of 255.
    let differ = 0;
    const luma = (d, i) => 0.299 * d[i] + 0.587 * d[i + 1] + 0.114 * d[i + 2];
    for (let i = 0; i < x.d.length; i += 4) if (Math.abs(luma(x.d, i) - luma(y.d, i)) > 48) differ++;
    return { share: differ / (x.w * x.h) };
  }, [shot.toString('base64'), readFileSync(refPath).toString('base64')]);
  assert.equal(diff.size, undefined, diff.size);
  assert.ok(diff.share < 0.005, `share of differing pixels: ${diff.share}`);
  assert.deepEqual(problems, []);
  await page.close();
});

test('a lost WebGL context is survived and restored', async () => {
  const { page, problems } = await openClusters();
  const canvas = page.locator('[data-testid=scatter]');
  if ((await canvas.getAttribute('data-renderer')) !== 'webgl2') {
    await page.close();
    return; // this browser has no WebGL2: the fallback test covers drawing
  }
  await page.evaluate(() => {
    const gl = document.querySelector('[data-testid=scatter]').getContext('webgl2');
    window.__lose = gl.getExtension('WEBGL_lose_context');
    window.__lose.loseContext();
  });
  await page.waitForFunction(() => document.querySelector('[data-testid=scatter]').dataset.context === 'lost');
  await page.evaluate(() => window.__lose.restoreContext());
  await waitForScatter(page, N);
  assert.equal(await canvas.getAttribute('data-context'), 'ok');
  assert.ok((await paintedPixels(page)) > 500);
  assert.deepEqual(problems, []);
  await page.close();
});

test('linked panes share hover and selection by item; aligned mode draws displacement lines', async () => {
  const { page, problems } = await openClusters();
  // The same items in a second model: coordinates permuted, one flipped, everything ×3.
  const rotated = npyF32(N, 5, (r, c) => 3 * (c === 0 ? -value(r, 4) : value(r, c - 1)));
  await dropFiles(page, [{ name: 'clusters-rotated.npy', bytes: rotated }]);
  await page.locator('[data-testid=space][aria-selected=true]', { hasText: 'clusters-rotated.npy' }).waitFor();
  await waitForScatter(page, N);
  await page.locator('[data-testid=space]', { hasText: /^clusters\.npy/ }).locator('[data-testid=pane-toggle]').click();
  const pane = page.locator('[data-testid=pane-scatter]');
  await page.waitForFunction(() => {
    const el = document.querySelector('[data-testid=pane-scatter]');
    return el && el.dataset.state === 'ready';
  });
  assert.equal(await pane.getAttribute('data-points'), String(N));
  // Hover an item in the main plot: the pane rings the same item.
  const { rows } = await exportCsv(page);
  const vp = await viewport(page);
  const p = toPage(vp, Number(rows[1 + 10][1]), Number(rows[1 + 10][2]));
  await page.mouse.move(p.x, p.y);
  await page.locator('[data-testid=tooltip]').waitFor();
  const hovered = Number((await page.locator('[data-testid=tooltip] .tooltip-item').innerText()).match(/#(\d+)/)[1]);
  await page.waitForFunction((i) => document.querySelector('[data-testid=pane-scatter]').dataset.linked === String(i), hovered);
  // Box-select cluster 0 in the main plot: the pane marks the same 50 items.
  await page.locator('[data-testid=tool-box]').click();
  const m0 = rows.slice(1).map((r) => toPage(vp, Number(r[1]), Number(r[2]))).filter((_, i) => clusterOf(i) === 0);
  const xs = m0.map((q) => q.x), ys = m0.map((q) => q.y);
  await page.mouse.move(Math.min(...xs) - 5, Math.min(...ys) - 5);
  await page.mouse.down();
  await page.mouse.move(Math.max(...xs) + 5, Math.max(...ys) + 5);
  await page.mouse.up();
  assert.equal(await page.locator('[data-testid=selection-count]').innerText(), '50');
  await page.waitForFunction(() => document.querySelector('[data-testid=pane-scatter]').dataset.marked === '50');
  assert.equal(await pane.getAttribute('data-lines'), '0');
  // Aligned mode: the pane is redrawn in the main frame, with one line per selected item.
  await page.locator('[data-testid=aligned-toggle]').check();
  await page.locator('[data-testid=pane]', { hasText: 'aligned' }).waitFor();
  await page.waitForFunction(() => {
    const el = document.querySelector('[data-testid=pane-scatter]');
    return el.dataset.state === 'ready' && el.dataset.lines === '50';
  });
  await page.screenshot({ path: join(shots, 'panes-aligned.png'), fullPage: true });
  await page.locator('[data-testid=pane-close]').click();
  assert.equal(await page.locator('[data-testid=pane]').count(), 0);
  assert.deepEqual(problems, []);
  await page.close();
});

test('anchors are drawn as distinct markers in every pane', async () => {
  const { page, problems } = await openClusters();
  await page.locator('[data-testid=anchor-count]').fill('12');
  await page.locator('[data-testid=anchor-count]').press('Enter');
  const before = await paintedPixels(page);
  await page.locator('[data-testid=show-anchors]').click();
  await page.waitForFunction(() => document.querySelector('[data-testid=scatter]').dataset.anchors === '12');
  await page.waitForTimeout(100);
  assert.ok((await paintedPixels(page)) > before, 'anchor markers add ink');
  await page.locator('[data-testid=space]', { hasText: /^clusters\.npy/ }).locator('[data-testid=pane-toggle]').click();
  await page.waitForFunction(() => document.querySelector('[data-testid=pane-scatter]')?.dataset.anchors === '12');
  await page.screenshot({ path: join(shots, 'anchors.png'), fullPage: true });
  assert.deepEqual(problems, []);
  await page.close();
});

test('a two-finger pinch zooms', async () => {
  const { page, problems } = await openClusters();
  const before = await viewport(page);
  await page.evaluate(() => {
    const c = document.querySelector('[data-testid=scatter]');
    const r = c.getBoundingClientRect();
    const at = (id, x, type) => c.dispatchEvent(new PointerEvent(type, {
      pointerId: id, pointerType: 'touch', isPrimary: id === 1, bubbles: true, buttons: type === 'pointerup' ? 0 : 1,
      clientX: r.left + x, clientY: r.top + r.height / 2,
    }));
    const mid = r.width / 2;
    at(1, mid - 20, 'pointerdown');
    at(2, mid + 20, 'pointerdown');
    for (let s = 1; s <= 10; s++) {
      at(1, mid - 20 - 8 * s, 'pointermove');
      at(2, mid + 20 + 8 * s, 'pointermove');
    }
    at(1, mid - 100, 'pointerup');
    at(2, mid + 100, 'pointerup');
  });
  const after = await viewport(page);
  // The fingers moved from 40 px apart to 200 px apart: about 5× closer in.
  assert.ok(after.scale > before.scale * 3, `${before.scale} → ${after.scale}`);
  assert.deepEqual(problems, []);
  await page.close();
});
