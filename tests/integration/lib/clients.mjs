// Clients for tests: REST calls with a token, and npm socket.io-client sockets that record the
// events they get. Every socket made here is closed by closeAll().
import { io } from 'socket.io-client';
import { request } from './harness.mjs';

const open = new Set();

/** A socket that records every event it gets in `.got` as [event, payload]. */
export function client(url, opts = {}) {
  const s = io(url, { reconnection: false, forceNew: true, ...opts });
  s.got = [];
  s.onAny((event, payload) => s.got.push([event, payload]));
  open.add(s);
  return s;
}

export function once(emitter, event, timeoutMs = 5000) {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no ${event} within ${timeoutMs} ms`)), timeoutMs);
    emitter.once(event, (...args) => { clearTimeout(t); resolve(args); });
  });
}

export async function connectAs(url, tok, opts = {}) {
  const s = client(url, { auth: { token: tok }, ...opts });
  await once(s, 'connect', 10000);
  return s;
}

export const ack = (s, event, payload) => s.timeout(10000).emitWithAck(event, payload);

export function closeAll() {
  for (const s of open) s.disconnect();
  open.clear();
}

/** A REST call as `as` (a token), with a JSON body and other `headers`. */
export const api = (base, path, { as, method = 'GET', body, headers = {} } = {}) =>
  request(`${base}${path}`, {
    method,
    headers: { ...(as ? { 'X-Auth-Token': as } : {}), ...(body ? { 'Content-Type': 'application/json' } : {}), ...headers },
    body: body ? JSON.stringify(body) : undefined,
    timeoutMs: 20000,
  });

/** senna_refusals_total of /metrics as {"surface/reason": count}. */
export async function refusals(base) {
  const text = (await request(`${base}/metrics`)).text;
  const out = {};
  for (const m of text.matchAll(/^senna_refusals_total\{surface="(\w+)",reason="(\w+)"\} (\d+)$/gm)) out[`${m[1]}/${m[2]}`] = Number(m[3]);
  return out;
}
