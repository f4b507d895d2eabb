// Debian's coturn, started for a test or a benchmark on this machine and stopped by its process id.
// It uses time-limited credentials (the TURN REST scheme, --use-auth-secret): whoever holds `secret`
// mints them (tools/ice-config.mjs, web/adapters/turn-credentials.js).
//
// It listens and relays on this machine's own non-loopback IPv4 address when there is one: Firefox
// gathers no candidates through a TURN server on 127.0.0.1 (loopback is off for its ICE), and
// Chromium takes either. The traffic never leaves the machine.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';

export const RELAY_IP = Object.values(networkInterfaces()).flat().find((i) => i.family === 'IPv4' && !i.internal)?.address ?? '127.0.0.1';

const freePort = (host) => new Promise((ok, fail) => {
  const s = net.createServer().once('error', fail).listen(0, host, () => {
    const { port } = s.address();
    s.close(() => ok(port));
  });
});

// Resolves once turnserver accepts TCP on its port (it opens UDP and TCP together); rejects if it exits.
const listening = (host, port, proc) => new Promise((ok, fail) => {
  let done = false;
  proc.once('exit', (code) => { if (!done) fail(new Error(`turnserver exited (${code}) before listening on ${host}:${port}`)); });
  const tryOnce = () => {
    if (done || proc.exitCode != null) return;
    const sock = net.connect(port, host);
    sock.once('connect', () => { sock.destroy(); done = true; ok(); });
    sock.once('error', () => { sock.destroy(); setTimeout(tryOnce, 100); });
  };
  tryOnce();
});

// Returns { ip, port, url (turn:ip:port?transport=udp), close() }.
export async function startTurnServer({ secret, realm = 'watch-together.test' }) {
  const dir = mkdtempSync(join(tmpdir(), 'wt-turn-'));
  const port = await freePort(RELAY_IP);
  const proc = spawn('turnserver', [
    '-n', `--listening-ip=${RELAY_IP}`, `--relay-ip=${RELAY_IP}`, `--listening-port=${port}`, '--allow-loopback-peers',
    '--use-auth-secret', `--static-auth-secret=${secret}`, `--realm=${realm}`, '--no-tls', '--no-dtls', '--no-cli',
    `--pidfile=${join(dir, 'turnserver.pid')}`, `--userdb=${join(dir, 'turndb')}`, '--log-file=stdout', '--simple-log',
  ], { stdio: 'ignore' });
  const close = async () => {
    if (proc.exitCode == null && proc.signalCode == null) {
      const gone = new Promise((ok) => proc.once('exit', ok));
      proc.kill('SIGTERM');
      await gone;
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await listening(RELAY_IP, port, proc);
  } catch (e) {
    await close();
    throw e;
  }
  return { ip: RELAY_IP, port, url: `turn:${RELAY_IP}:${port}?transport=udp`, close };
}
