// Serves the page on http://localhost (a secure context: crypto.subtle, MSE, wasm streaming).
// Routes: / and /index.html (the demo messenger, web/messenger/), /standalone/ (the product on its
// own page, web/standalone/), /app.js (bundle), /core/* (wasm core), /config.json (which database),
// /bench.html + /bench.js for `npm run bench` and /harness/*.html (test pages for one module) with the
// tests' bundle only, and any other file under web/.
import { createReadStream, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { extname, join, normalize, sep } from 'node:path';
import { webDir } from './build.mjs';
import { ROOT } from './setup.mjs';

const TYPES = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8',
  '.json': 'application/json', '.wasm': 'application/wasm', '.map': 'application/json',
  '.svg': 'image/svg+xml', '.png': 'image/png', '.ico': 'image/x-icon',
};

// URL prefix → directory. A request is resolved inside its directory only (no ../ escapes).
// /bundle/ is the product's bundle, or with testBundle the tests' (tools/build.mjs's buildWeb).
const mounts = (testBundle) => [
  ['/core/', join(ROOT, 'build/wasm')],
  ['/bundle/', webDir({ test: testBundle })],
  ['/', join(ROOT, 'web')],
];
const ALIASES = {
  '/': '/messenger/index.html', '/index.html': '/messenger/index.html', '/standalone/': '/standalone/index.html',
  '/app.js': '/bundle/app.js', '/bench.js': '/bundle/bench.js', '/bench.html': '/bench/bench.html',
};

function resolve(pathname, testBundle) {
  if (testBundle && (pathname.startsWith('/bench/') || pathname.startsWith('/harness/'))) return safeJoin(join(ROOT, 'e2e'), pathname);
  for (const [prefix, dir] of mounts(testBundle)) {
    if (pathname.startsWith(prefix)) return safeJoin(dir, pathname.slice(prefix.length));
  }
  return null;
}

function safeJoin(dir, rel) {
  const p = normalize(join(dir, rel));
  return p === dir || p.startsWith(dir + sep) ? p : null;
}

// clientConfig: what /config.json returns, or an async function giving it per request (fresh TURN
// credentials, tools/ice-config.mjs). testBundle: serve the tests' bundle (the browser tests, the bench).
export function startStaticServer({ clientConfig, host = '127.0.0.1', port = 0, testBundle = false }) {
  const server = createServer(async (req, res) => {
    let pathname;
    try {
      pathname = decodeURIComponent(new URL(req.url, 'http://localhost').pathname);
    } catch {
      res.writeHead(400).end('bad request');
      return;
    }
    pathname = ALIASES[pathname] ?? pathname;
    if (pathname === '/config.json') {
      let body;
      try {
        body = JSON.stringify(typeof clientConfig === 'function' ? await clientConfig() : clientConfig);
      } catch (e) {
        res.writeHead(500, { 'content-type': 'text/plain' }).end(`config: ${e.message}`);
        return;
      }
      res.writeHead(200, { 'content-type': TYPES['.json'], 'cache-control': 'no-store' });
      res.end(body);
      return;
    }
    const file = resolve(pathname, testBundle);  // web/ holds only what browsers load (the Node side is tools/)
    let st;
    try {
      st = file && statSync(file);
    } catch {
      st = null;
    }
    if (!st || !st.isFile()) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    res.writeHead(200, {
      'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
      'content-length': st.size,
      'cache-control': 'no-cache',
      'x-content-type-options': 'nosniff',
    });
    createReadStream(file).pipe(res);
  });
  return new Promise((ok, fail) => {
    server.once('error', fail);
    server.listen(port, host, () => ok({
      port: server.address().port,
      url: `http://localhost:${server.address().port}`,
      close: () => new Promise((done) => { server.closeAllConnections?.(); server.close(() => done()); }),
    }));
  });
}
