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

/** A reconnecting WebSocket client (quick retries) that records every event with its arguments
    and the socket's state when it came (`.got`: {event, args, recovered, id}), its connects
    (`.connects`: {id, recovered}) and its disconnect reasons (`.reasons`; a WebSocket that broke
    without a close frame, which socket.io-client calls "transport close", as "broken (1006)").
    For connection state recovery. */
export function reconnecting(url, tok, opts = {}) {
  const s = io(url, {
    transports: ['websocket'], forceNew: true, auth: { token: tok },
    reconnectionDelay: 50, reconnectionDelayMax: 100, randomizationFactor: 0, ...opts,
  });
  s.got = [];
  s.reasons = [];
  s.connects = [];
  s.onAny((event, ...args) => s.got.push({ event, args, recovered: s.recovered, id: s.id }));
  s.on('disconnect', (reason, details) => s.reasons.push(
    reason === 'transport close' && details?.context?.code === 1006 ? 'broken (1006)' : reason));
  s.on('connect', () => s.connects.push({ id: s.id, recovered: s.recovered }));
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

/** POSTs a text message as `as` to `to` ("user/2", "topic/general"), asserting 201; its entry. */
export async function sendText(base, as, to, text) {
  const r = await api(base, `/api/${to}`, { as, method: 'POST', body: { type: 'text', text } });
  if (r.status !== 201) throw new Error(`send to ${to}: ${r.status} ${r.text}`);
  return r.json.entry;
}
