// A static file server for dist/ (used by `make serve` and the end-to-end tests). It answers as a
// static host does: gzip where the browser accepts it, an ETag, and 304 for a file the browser
// already holds (the worker loads the page's wasm file again: it comes from the cache).
// Usage: node scripts/serve.mjs [dir] [port]
import { createServer } from 'node:http';
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';

const TYPES = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.mjs': 'text/javascript',
  '.wasm': 'application/wasm', '.css': 'text/css', '.json': 'application/json',
  '.npy': 'application/octet-stream', '.tsv': 'text/tab-separated-values; charset=utf-8',
  '.png': 'image/png', '.svg': 'image/svg+xml', '.txt': 'text/plain; charset=utf-8',
};
/** Already compressed: sent as they are. */
const COMPRESSED = new Set(['.png', '.gz', '.zip', '.npz', '.parquet']);

/** Per file (path, size, mtime): its ETag and, once asked for, its gzip body. */
const cache = new Map();

async function entry(path) {
  const info = await stat(path);
  const key = `${path}|${info.size}|${info.mtimeMs}`;
  let e = cache.get(key);
  if (!e) {
    const body = await readFile(path);
    e = { body, etag: `"${createHash('sha1').update(body).digest('base64url')}"`, gzip: null };
    cache.set(key, e);
  }
  return e;
}

/**
 * Serve `dir` on `port` (0: any free port). Options: `mounts` maps URL prefixes to more folders
 * (the tests serve their fixtures beside the app); `cors: false` leaves out
 * Access-Control-Allow-Origin (to test how a refused cross-origin load is explained);
 * `onSent({ path, status, bytes, encoding })` is told every answer's body size as sent.
 */
export function serve(dir, port, { host = '127.0.0.1', mounts = {}, cors = true, onSent } = {}) {
  const root = resolve(dir);
  const server = createServer(async (req, res) => {
    const url = new URL(req.url, 'http://x');
    const answer = (status, headers, body) => {
      res.writeHead(status, headers);
      res.end(body);
      onSent?.({ path: url.pathname, status, bytes: body?.length ?? 0, encoding: headers['content-encoding'] ?? null });
    };
    try {
      const pathname = decodeURIComponent(url.pathname);
      const mount = Object.keys(mounts).find((m) => pathname.startsWith(m));
      const base = mount ? resolve(mounts[mount]) : root;
      let path = normalize(join(base, mount ? pathname.slice(mount.length) : pathname));
      if (!path.startsWith(base)) { answer(403, {}); return; }
      if ((await stat(path).catch(() => null))?.isDirectory()) path = join(path, 'index.html');
      const file = await entry(path);
      const headers = {
        'content-type': TYPES[extname(path)] ?? 'application/octet-stream',
        // Revalidated on every use (the ETag makes that a 304): a new build is seen at once.
        'cache-control': 'no-cache',
        etag: file.etag,
        vary: 'accept-encoding',
      };
      if (cors) headers['access-control-allow-origin'] = '*';
      if (req.headers['if-none-match'] === file.etag) { answer(304, headers); return; }
      let body = file.body;
      if (/\bgzip\b/.test(req.headers['accept-encoding'] ?? '') && !COMPRESSED.has(extname(path))) {
        file.gzip ??= gzipSync(file.body, { level: 9 });
        body = file.gzip;
        headers['content-encoding'] = 'gzip';
      }
      headers['content-length'] = body.length;
      answer(200, headers, req.method === 'HEAD' ? undefined : body);
    } catch {
      answer(404, { 'content-type': 'text/plain' }, Buffer.from('not found'));
    }
  });
  return new Promise((ok) => server.listen(port, host, () => ok(server)));
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const dir = process.argv[2] ?? 'dist';
  const port = Number(process.argv[3] ?? 8080);
  await serve(dir, port);
  console.log(`Rosetta is served at http://127.0.0.1:${port}/ (Ctrl-C stops)`);
}
