// A long network path, made on this machine in user space (the kernel here has no netem qdisc): a
// UDP relay put in front of a TURN server. Each client address that writes to it gets its own
// upstream socket (as a NAT would), and every datagram, each way, crosses a Link:
//   delayMs   one-way delay added at each crossing (a browser → TURN → browser path crosses twice
//             each way, so its round trip gains 4 × delayMs);
//   jitterMs  up to this much more, at random, order kept (a queue, as a router's is);
//   loss      the fraction of datagrams dropped, chosen by a seeded generator (the same run, the
//             same drops);
//   rateMBps  a bottleneck: datagrams leave no faster than this (0: none), queued up to queueMs
//             of it, and dropped beyond (a tail-drop router).
// Traffic stays on this machine: it binds to the TURN server's own address.
import dgram from 'node:dgram';

class Link {
  constructor({ delayMs = 0, jitterMs = 0, loss = 0, rateMBps = 0, queueMs = 100 }, rand) {
    Object.assign(this, { delayMs, jitterMs, loss, rate: rateMBps * 1e6 / 1000, queueMs, rand });  // rate: bytes per ms
    this.queue = [];      // { due, send }, due never decreasing
    this.timer = null;
    this.lastDue = 0;
    this.free = 0;        // when the bottleneck is free again (ms)
    this.sent = 0;
    this.dropped = 0;
  }

  push(bytes, send) {
    if (this.loss && this.rand() < this.loss) {
      this.dropped += 1;
      return;
    }
    let now = performance.now();
    if (this.rate) {
      if (this.free - now > this.queueMs) {
        this.dropped += 1;
        return;
      }
      this.free = Math.max(this.free, now) + bytes / this.rate;
      now = this.free;
    }
    const due = Math.max(this.lastDue, now + this.delayMs + (this.jitterMs ? this.rand() * this.jitterMs : 0));
    this.lastDue = due;
    this.queue.push({ due, send });
    if (!this.timer) this.arm();
  }

  arm() {
    this.timer = setTimeout(() => this.pump(), Math.max(0, this.queue[0].due - performance.now()));
  }

  pump() {
    this.timer = null;
    const now = performance.now();
    while (this.queue.length && this.queue[0].due <= now) {
      this.queue.shift().send();
      this.sent += 1;
    }
    if (this.queue.length) this.arm();
  }

  close() {
    clearTimeout(this.timer);
    this.queue.length = 0;
  }
}

// Returns { port, stats(), close() }; clients use host:port as the TURN server's address.
export async function startUdpDelay({ host, targetHost = host, targetPort, seed = 1, ...path }) {
  let s = seed >>> 0 || 1;
  const rand = () => {
    s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0;  // xorshift32
    return s / 2 ** 32;
  };
  const up = new Link(path, rand), down = new Link(path, rand);
  // Buffers as large as the kernel allows here (net.core.rmem_max, 4 MiB): a relay that Node's event
  // loop serves late must not lose datagrams the path was not told to lose (the default 208 KiB
  // overflowed, counted in /proc/net/snmp's RcvbufErrors, about 1% of a transfer's datagrams).
  const BUFFERS = { recvBufferSize: 4 << 20, sendBufferSize: 4 << 20 };
  const front = dgram.createSocket({ type: 'udp4', ...BUFFERS });
  const clients = new Map();  // "address:port" → its upstream socket
  front.on('message', (msg, from) => {
    const key = `${from.address}:${from.port}`;
    let socket = clients.get(key);
    if (!socket) {
      socket = dgram.createSocket({ type: 'udp4', ...BUFFERS });
      socket.bind(0, host);
      socket.on('message', (reply) => down.push(reply.length, () => front.send(reply, from.port, from.address)));
      socket.on('error', () => {});
      clients.set(key, socket);
    }
    up.push(msg.length, () => socket.send(msg, targetPort, targetHost));
  });
  front.on('error', () => {});
  await new Promise((ok, fail) => {
    front.once('error', fail);
    front.bind(0, host, ok);
  });
  return {
    port: front.address().port,
    stats: () => ({ up: { sent: up.sent, dropped: up.dropped }, down: { sent: down.sent, dropped: down.dropped } }),
    close() {
      up.close();
      down.close();
      front.close();
      for (const socket of clients.values()) socket.close();
    },
  };
}
