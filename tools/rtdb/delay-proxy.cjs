'use strict';
// TCP proxy on loopback that delays every byte by delayMs in each direction, keeping order.
// Used by the sync benchmark to put a fixed one-way latency between browsers and the database.

const net = require('net');

async function startDelayProxy({ targetHost, targetPort, delayMs, host = '127.0.0.1', port = 0 }) {
  if (!/^(127(\.\d{1,3}){3}|::1|localhost)$/.test(host)) throw new Error(`refusing to bind to non-loopback host ${host}`);
  const sockets = new Set();
  const timers = new Set();

  // Forward src → dst with a delay. Each chunk gets its own timer, scheduled at arrival;
  // Node fires timers of equal duration in creation order, so order is preserved. End and
  // errors are delayed the same way so no data is cut off.
  function pipeDelayed(src, dst) {
    const later = (fn) => {
      const t = setTimeout(() => {
        timers.delete(t);
        fn();
      }, delayMs);
      timers.add(t);
    };
    src.on('data', (chunk) => later(() => dst.destroyed || dst.write(chunk)));
    src.on('end', () => later(() => dst.destroyed || dst.end()));
    src.on('error', () => later(() => dst.destroy()));
    src.on('close', () => later(() => dst.destroy()));
  }

  const server = net.createServer((client) => {
    const upstream = net.connect({ host: targetHost, port: targetPort });
    for (const s of [client, upstream]) {
      s.setNoDelay(true); // Nagle would add its own latency on top of ours
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
    }
    pipeDelayed(client, upstream);
    pipeDelayed(upstream, client);
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });

  return {
    port: server.address().port,
    close() {
      for (const t of timers) clearTimeout(t);
      timers.clear();
      for (const s of sockets) s.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

module.exports = { startDelayProxy };
