// Time-limited TURN credentials, the common "TURN REST API" scheme (draft-uberti-behave-turn-rest;
// coturn's --use-auth-secret): username = "<expiry, Unix seconds>:<user>", credential =
// base64(HMAC-SHA1(shared secret, username)). The relay recomputes the HMAC with the same secret and
// refuses the username once its expiry has passed.
//
// JavaScript on WebCrypto rather than in the core: it is a fixed standard encoding with no policy
// in it, it runs where the secret lives (a host's server, this project's page server under Node),
// where the wasm core is not loaded, and WebCrypto has HMAC-SHA1 (the core hashes with SHA-256 only).
// A browser page should never hold the secret: it receives what this returns.
export async function turnRestCredentials({ secret, user, ttlSeconds = 86_400, nowMs = Date.now() }) {
  if (!secret) throw new TypeError('turnRestCredentials: a shared secret is required');
  if (!(ttlSeconds > 0)) throw new TypeError('turnRestCredentials: ttlSeconds must be positive');
  const username = `${Math.floor(nowMs / 1000) + Math.round(ttlSeconds)}${user ? `:${user}` : ''}`;
  const enc = new TextEncoder();
  const key = await crypto.subtle.importKey('raw', enc.encode(secret), { name: 'HMAC', hash: 'SHA-1' }, false, ['sign']);
  const mac = new Uint8Array(await crypto.subtle.sign('HMAC', key, enc.encode(username)));
  return { username, credential: btoa(String.fromCharCode(...mac)) };
}

// RTCIceServer entries for `urls` (turn:/turns: URLs) with fresh credentials.
/** @param {{ urls: string | string[], secret: string, user: string, ttlSeconds?: number, nowMs?: number }} options */
export async function turnRestIceServers({ urls, ...options }) {
  const { username, credential } = await turnRestCredentials(options);
  return [{ urls, username, credential }];
}
