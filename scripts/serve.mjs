// A static file server for dist/ (used by `make serve` and the end-to-end tests).
// Usage: node scripts/serve.mjs [dir] [port]
import { createServer } from 'node:http';
import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, resolve } from 'node:path';

const TYPES = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.mjs': 'text/javascript',
  '.wasm': 'application/wasm', '.css': 'text/css', '.json': 'application/json',
  '.npy': 'application/octet-stream', '.tsv': 'text/tab-separated-values; charset=utf-8',
  '.png': 'image/png', '.svg': 'image/svg+xml', '.txt': 'text/plain; charset=utf-8',
};

/**
 * Serve `dir` on `port` (0: any free port). Options: `mounts` maps URL prefixes to more folders
 * (the tests serve their fixtures beside the app); `cors: false` leaves out
 * Access-Control-Allow-Origin (to test how a refused cross-origin load is explained).
 */
export function serve(dir, port, { host = '127.0.0.1', mounts = {}, cors = true } = {}) {
  const root = resolve(dir);
  const server = createServer(async (req, res) => {
    try {
      const url = new URL(req.url, 'http://x');
      const pathname = decodeURIComponent(url.pathname);
      const mount = Object.keys(mounts).find((m) => pathname.startsWith(m));
      const base = mount ? resolve(mounts[mount]) : root;
      let path = normalize(join(base, mount ? pathname.slice(mount.length) : pathname));
      if (!path.startsWith(base)) { res.writeHead(403).end(); return; }
      if ((await stat(path).catch(() => null))?.isDirectory()) path = join(path, 'index.html');
      const body = await readFile(path);
      const headers = {
        'content-type': TYPES[extname(path)] ?? 'application/octet-stream',
        'content-length': body.length,
        'cache-control': 'no-cache',
      };
      if (cors) headers['access-control-allow-origin'] = '*';
      res.writeHead(200, headers);
      res.end(body);
    } catch {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
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
