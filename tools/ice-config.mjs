// Which STUN/TURN servers the pages' peer connections use, from the environment (README: "Across
// networks"). Without any of these, none: direct paths only (the same machine or LAN).
//   WT_ICE_SERVERS=<JSON array of RTCIceServer> or a path to a JSON file holding one
//   WT_TURN_URLS=turn:host:3478,...  with WT_TURN_SECRET=<coturn's static-auth-secret>: time-limited
//     credentials (the TURN REST scheme), minted afresh for every page load and connection;
//     WT_TURN_TTL seconds (default 86400)
//   WT_ICE_TRANSPORT_POLICY=relay  relayed paths only (for trying a relay; never the default)
import { existsSync, readFileSync } from 'node:fs';
import { SetupError } from './setup.mjs';
import { turnRestIceServers } from '../web/adapters/turn-credentials.js';

function readIceServers(value) {
  let list;
  try {
    list = JSON.parse(value.trim().startsWith('[') ? value : readFileSync(value, 'utf8'));
  } catch (e) {
    throw new SetupError(`WT_ICE_SERVERS: not a JSON array of ICE servers, nor a readable file holding one (${e.message})`);
  }
  if (!Array.isArray(list) || !list.every((s) => s && (typeof s.urls === 'string' || Array.isArray(s.urls)))) {
    throw new SetupError('WT_ICE_SERVERS: expected [{ "urls": "stun:…" }, { "urls": "turn:…", "username": "…", "credential": "…" }]');
  }
  return list;
}

// Returns null when nothing is configured, else an async function giving the page's ICE fields
// ({ iceServers, iceTransportPolicy?, iceServersRefresh? }) for one /config.json request.
export function iceConfigFromEnv(env = process.env) {
  const fixed = env.WT_ICE_SERVERS ? readIceServers(env.WT_ICE_SERVERS) : [];
  const turnUrls = (env.WT_TURN_URLS ?? '').split(',').map((u) => u.trim()).filter(Boolean);
  if (turnUrls.length && !env.WT_TURN_SECRET) throw new SetupError('WT_TURN_URLS needs WT_TURN_SECRET (the relay\'s static-auth-secret)');
  const policy = env.WT_ICE_TRANSPORT_POLICY;
  if (policy && policy !== 'relay' && policy !== 'all') throw new SetupError(`WT_ICE_TRANSPORT_POLICY: 'relay' or 'all', not '${policy}'`);
  if (!fixed.length && !turnUrls.length && !policy) return null;
  const ttlSeconds = Number(env.WT_TURN_TTL || 86_400);
  return async () => ({
    iceServers: [...fixed, ...(turnUrls.length ? await turnRestIceServers({ urls: turnUrls, secret: env.WT_TURN_SECRET, user: 'watch-together', ttlSeconds }) : [])],
    // Time-limited credentials: the page asks again for each connection.
    ...(turnUrls.length ? { iceServersRefresh: true } : {}),
    ...(policy ? { iceTransportPolicy: policy } : {}),
  });
}

// The page's /config.json: the database's, plus the ICE fields when configured (fresh per request).
export function withIceConfig(clientConfig, ice) {
  return ice ? async () => ({ ...clientConfig, ...(await ice()) }) : clientConfig;
}
