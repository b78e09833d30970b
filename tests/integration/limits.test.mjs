// Abuse limits (issue 8, docs/limits.md "Abuse limits") against the real senna binary, a real
// redis-server and the npm socket.io-client, each block with small limits set through the
// environment: message writes per user (REST 429 + Retry-After, socket RATE_LIMITED ack, one
// budget for both, nothing stored when refused), sockets per user, topics per socket, events per
// socket (refusals, then a disconnect for a flood), the event size cap, and 0 turning them off.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { setTimeout as sleep } from 'node:timers/promises';
import { io } from 'socket.io-client';
import { request, startRedis, startSenna, token, until } from './lib/harness.mjs';
import { redis as rcmd } from './lib/resp.mjs';

const require = createRequire(import.meta.url);
const WebSocket = require('ws');

const P = 'senna-sockets:messages:myplatform';
const alice = token({ user_id: 1 });
const bob = token({ user_id: 2 });
const carol = token({ user_id: 3 });
const dave = token({ user_id: 4 });
const LIMITED_BODY = {
  error: true,
  code: 'RATE_LIMITED',
  name: 'TooManyRequestsError',
  message: 'Too many messages - please slow down and try again shortly',
  status: 429,
};
const LIMITED_ACK = { error: { code: 'RATE_LIMITED', message: LIMITED_BODY.message } };
const EVENTS_ACK = { error: { code: 'RATE_LIMITED', message: 'Too many events - please slow down' } };

const open = new Set();
function client(url, opts = {}) {
  const s = io(url, { reconnection: false, forceNew: true, ...opts });
  open.add(s);
  return s;
}
function closeAll() {
  for (const s of open) s.disconnect();
  open.clear();
}
function once(emitter, event, timeoutMs = 5000) {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no ${event} within ${timeoutMs} ms`)), timeoutMs);
    emitter.once(event, (...args) => { clearTimeout(t); resolve(args); });
  });
}
async function connectAs(url, tok, opts = {}) {
  const s = client(url, { auth: { token: tok }, ...opts });
  await once(s, 'connect');
  return s;
}
/** true on connect, false on connect_error. */
function connectOutcome(s, timeoutMs = 5000) {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('neither connect nor connect_error')), timeoutMs);
    s.once('connect', () => { clearTimeout(t); resolve(true); });
    s.once('connect_error', () => { clearTimeout(t); resolve(false); });
  });
}
const ack = (s, event, payload) => s.timeout(5000).emitWithAck(event, payload);
const api = (base, path, { as, method = 'GET', body } = {}) =>
  request(`${base}${path}`, {
    method,
    headers: { ...(as ? { 'X-Auth-Token': as } : {}), ...(body ? { 'Content-Type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
const send = (base, as, to, text) => api(base, `/api/user/${to}`, { as, method: 'POST', body: { type: 'text', text } });

describe('message writes per user (SOCK_RATE_SEND_PER_SEC=1, SOCK_RATE_SEND_BURST=3)', () => {
  let r;
  let senna;
  before(async () => {
    r = await startRedis();
    senna = await startSenna({ SOCK_REDIS_URL: r.url, SOCK_RATE_SEND_PER_SEC: '1', SOCK_RATE_SEND_BURST: '3' });
  });
  after(async () => {
    closeAll();
    await senna?.stop();
    await r?.stop();
  });

  test('REST: the 4th send is 429 with Retry-After, stores nothing; after the wait it goes through', async () => {
    for (let i = 0; i < 3; i++) assert.equal((await send(senna.url, alice, 2, `m${i}`)).status, 201);
    const limited = await send(senna.url, alice, 2, 'one too many');
    assert.equal(limited.status, 429);
    assert.deepEqual(limited.json, LIMITED_BODY);
    assert.equal(limited.headers.get('retry-after'), '1');
    assert.match(limited.headers.get('content-type'), /^application\/json/);
    assert.equal(await rcmd(r.port, 'LLEN', `${P}:dm:1-2`), 3);
    assert.equal(await rcmd(r.port, 'HLEN', `${P}:dm:1-2:data`), 3);
    // Another user has a budget of their own.
    assert.equal((await send(senna.url, bob, 1, 'from bob')).status, 201);
    await sleep(Number(limited.headers.get('retry-after')) * 1000);
    const again = await send(senna.url, alice, 2, 'after the wait');
    assert.equal(again.status, 201);
    assert.equal(await rcmd(r.port, 'LLEN', `${P}:dm:1-2`), 5);
    const texts = await rcmd(r.port, 'HVALS', `${P}:dm:1-2:data`);
    assert.ok(!texts.some((t) => JSON.parse(t).text === 'one too many'));
  });

  test('edits and deletes spend the same budget; marking a message seen does not', async () => {
    const fromBob = await send(senna.url, bob, 3, 'to carol');
    assert.equal(fromBob.status, 201);
    let own;
    for (let i = 0; i < 3; i++) {
      own = await send(senna.url, carol, 2, `c${i}`);
      assert.equal(own.status, 201);
    }
    const edit = await api(senna.url, `/api/user/2/${own.json.entry.id}`, { as: carol, method: 'POST', body: { text: 'edited' } });
    assert.equal(edit.status, 429);
    assert.deepEqual(edit.json, LIMITED_BODY);
    const del = await api(senna.url, `/api/user/2/${own.json.entry.id}`, { as: carol, method: 'DELETE' });
    assert.equal(del.status, 429);
    assert.deepEqual(del.json, LIMITED_BODY);
    const stored = JSON.parse(await rcmd(r.port, 'HGET', `${P}:dm:2-3:data`, own.json.entry.id));
    assert.equal(stored.text, 'c2');
    assert.equal(stored.edited, undefined);
    const seen = await api(senna.url, `/api/user/2/${fromBob.json.entry.id}`, { as: carol, method: 'POST', body: { status: 'seen' } });
    assert.equal(seen.status, 200);
    assert.equal(seen.json.entry.status, 'seen');
  });

  test('socket send-message: RATE_LIMITED ack past the burst, one budget with REST', async () => {
    const d = await connectAs(senna.url, dave);
    for (let i = 0; i < 3; i++) {
      const a = await ack(d, 'send-message', { to: { type: 'user', id: 1 }, type: 'text', text: `d${i}` });
      assert.equal(a.ok, true);
    }
    assert.deepEqual(await ack(d, 'send-message', { to: { type: 'user', id: 1 }, type: 'text', text: 'no' }), LIMITED_ACK);
    const rest = await send(senna.url, dave, 1, 'rest too');
    assert.equal(rest.status, 429);
    assert.equal(await rcmd(r.port, 'LLEN', `${P}:dm:1-4`), 3);
    // Validation still comes first: a bad target is not a rate-limit answer.
    assert.deepEqual(await ack(d, 'send-message', { to: { type: 'user', id: 4 }, type: 'text', text: 'x' }),
      { error: { code: 'MESSAGES_INVALID_TARGET', message: 'You cannot message yourself' } });
    closeAll();
  });
});

describe('sockets per user and topics per socket (SOCK_MAX_SOCKETS_PER_USER=2, SOCK_MAX_TOPICS_PER_SOCKET=3)', () => {
  let r;
  let senna;
  before(async () => {
    r = await startRedis();
    senna = await startSenna({ SOCK_REDIS_URL: r.url, SOCK_MAX_SOCKETS_PER_USER: '2', SOCK_MAX_TOPICS_PER_SOCKET: '3' });
  });
  after(async () => {
    closeAll();
    await senna?.stop();
    await r?.stop();
  });

  test('a third socket of one user gets CONNECT_ERROR TOO_MANY_SOCKETS; a freed slot is reusable', async () => {
    const a1 = await connectAs(senna.url, alice);
    await connectAs(senna.url, alice, { transports: ['websocket'] });
    const third = client(senna.url, { auth: { token: alice } });
    const [err] = await once(third, 'connect_error');
    assert.equal(err.message, 'Too many connections for this user');
    assert.deepEqual(err.data, { code: 'TOO_MANY_SOCKETS' });
    await connectAs(senna.url, bob); // others are not affected
    // The seed's flow is counted too: authenticate past the limit -> unauthorized.
    const legacy = client(senna.url);
    await once(legacy, 'connect');
    legacy.emit('authenticate', { token: alice });
    const [u] = await once(legacy, 'unauthorized');
    assert.equal(u.message, 'Too many connections for this user');
    assert.equal(u.code, 'too_many_sockets');
    assert.equal(u.type, 'UnauthorizedError');
    // One socket leaves: a new one fits (the server sees the close asynchronously).
    a1.disconnect();
    let joined = false;
    for (let i = 0; i < 50 && !joined; i++) {
      const s = client(senna.url, { auth: { token: alice } });
      joined = await connectOutcome(s);
      if (!joined) await sleep(50);
    }
    assert.ok(joined, 'a slot freed by a disconnect is given again');
    closeAll();
  });

  test('join-topic past the limit answers TOO_MANY_TOPICS; rejoining or leaving first is fine', async () => {
    const s = await connectAs(senna.url, carol);
    for (const id of [1, 2, 3]) assert.deepEqual(await ack(s, 'join-topic', { id }), { ok: true, room: `topic-${id}` });
    assert.deepEqual(await ack(s, 'join-topic', { id: 4 }),
      { error: { code: 'TOO_MANY_TOPICS', message: 'A socket may join at most 3 topics' } });
    assert.deepEqual(await ack(s, 'join-topic', { id: 2 }), { ok: true, room: 'topic-2' });
    assert.deepEqual(await ack(s, 'leave-topic', { id: 1 }), { ok: true, room: 'topic-1' });
    assert.deepEqual(await ack(s, 'join-topic', { id: 4 }), { ok: true, room: 'topic-4' });
    // The refused join really did not happen: a message to topic 5 does not reach this socket.
    const got = [];
    s.on('new-message', (m) => got.push(m));
    assert.deepEqual(await ack(s, 'join-topic', { id: 5 }),
      { error: { code: 'TOO_MANY_TOPICS', message: 'A socket may join at most 3 topics' } });
    assert.equal((await api(senna.url, '/api/topic/5', { as: dave, method: 'POST', body: { type: 'text', text: 't5' } })).status, 201);
    assert.equal((await api(senna.url, '/api/topic/4', { as: dave, method: 'POST', body: { type: 'text', text: 't4' } })).status, 201);
    const deadline = Date.now() + 3000;
    while (got.length < 1 && Date.now() < deadline) await sleep(25);
    await sleep(200);
    assert.deepEqual(got.map((m) => m.text), ['t4']);
    closeAll();
  });
});

describe('events per socket (SOCK_RATE_EVENTS_PER_SEC=1, SOCK_RATE_EVENTS_BURST=3) and the event size cap', () => {
  let r;
  let senna;
  before(async () => {
    r = await startRedis();
    senna = await startSenna({ SOCK_REDIS_URL: r.url, SOCK_RATE_EVENTS_PER_SEC: '1', SOCK_RATE_EVENTS_BURST: '3' });
  });
  after(async () => {
    closeAll();
    await senna?.stop();
    await r?.stop();
  });

  test('past the burst an event with an ack gets RATE_LIMITED; another socket has its own budget', async () => {
    const a1 = await connectAs(senna.url, alice);
    const a2 = await connectAs(senna.url, alice);
    for (let i = 0; i < 3; i++) assert.deepEqual(await ack(a1, 'typing', { to: { type: 'user', id: 2 } }), { ok: true });
    assert.deepEqual(await ack(a1, 'typing', { to: { type: 'user', id: 2 } }), EVENTS_ACK);
    assert.deepEqual(await ack(a1, 'join-topic', { id: 1 }), EVENTS_ACK);
    assert.deepEqual(await ack(a1, 'not-an-event', {}), EVENTS_ACK);
    assert.deepEqual(await ack(a2, 'join-topic', { id: 1 }), { ok: true, room: 'topic-1' });
    assert.equal(a1.connected, true);
    closeAll();
  });

  test('a flood (refusals beyond 10 x the burst) is disconnected', async () => {
    const s = await connectAs(senna.url, bob);
    // Flood over the WebSocket the client upgrades to, not in the middle of its upgrade: a
    // session closed during the probe ends on the polling side, where the client reports its
    // own 'transport close' (seen once under load) instead of the server's DISCONNECT.
    if (s.io.engine.transport.name !== 'websocket') await once(s.io.engine, 'upgrade');
    const gone = once(s, 'disconnect');
    for (let i = 0; i < 200; i++) s.emit('typing', { to: { type: 'user', id: 1 } });
    const [reason] = await gone;
    assert.equal(reason, 'io server disconnect');
    await senna.waitForLog(/socket_flood .*user=2/);
  });

  test('a flood that closes the connection while the client is upgrading: the DISCONNECT comes over the new WebSocket', async () => {
    // socket.io-client's upgrade, step by step on the wire: polling open and CONNECT, then a
    // WebSocket probe answered. The client has now paused polling and sends the upgrade packet
    // next; a server-side close at this moment (here a flood's, posted on polling) must not be
    // lost with the probe (the client would report 'transport close' and reconnect, not 'io
    // server disconnect'): it comes over the WebSocket once the client upgrades.
    const base = `${senna.url}/socket.io/?EIO=4&transport=polling`;
    const { sid } = JSON.parse((await (await fetch(base)).text()).slice(1));
    const post = async (body) => (await fetch(`${base}&sid=${sid}`, { method: 'POST', body })).text();
    assert.equal(await post(`40${JSON.stringify({ token: token({ user_id: 4 }) })}`), 'ok');
    assert.match(await (await fetch(`${base}&sid=${sid}`)).text(), /^40\{"sid":/);
    const sock = new WebSocket(`${senna.url.replace(/^http/, 'ws')}/socket.io/?EIO=4&transport=websocket&sid=${sid}`);
    const frames = [];
    sock.on('message', (d) => frames.push(d.toString()));
    sock.on('error', () => {});
    const closed = new Promise((resolve) => sock.on('close', resolve));
    await new Promise((resolve, reject) => { sock.once('open', resolve); sock.once('error', reject); });
    sock.send('2probe');
    await until(() => frames.includes('3probe'), 5000, 'the probe answered');
    const typing = `42${JSON.stringify(['typing', { to: { type: 'user', id: 1 } }])}`;
    assert.equal(await post(Array(60).fill(typing).join('\x1e')), 'ok'); // 3 pass, 30 refused, then the flood
    await senna.waitForLog(/socket_flood .*user=4/);
    await sleep(100);
    assert.equal(sock.readyState, WebSocket.OPEN, 'the probe is kept for the upgrade');
    sock.send('5');
    await closed;
    assert.deepEqual(frames, ['3probe', '41']);
  });

  test('an event larger than SOCK_SIO_MAX_EVENT_BYTES (128 KiB) closes the connection; a large legal one passes', async () => {
    const s = await connectAs(senna.url, carol);
    // 120 KiB: about the longest legal send-message from a client that escapes every emoji.
    assert.deepEqual(await ack(s, 'typing', { to: { type: 'user', id: 1 }, pad: 'x'.repeat(120 * 1024) }), { ok: true });
    const gone = once(s, 'disconnect');
    s.emit('typing', { to: { type: 'user', id: 1 }, pad: 'x'.repeat(129 * 1024) });
    const [reason] = await gone;
    assert.equal(reason, 'transport close');
    closeAll();
  });
});

describe('0 turns every abuse limit off', () => {
  let r;
  let senna;
  before(async () => {
    r = await startRedis();
    senna = await startSenna({
      SOCK_REDIS_URL: r.url,
      SOCK_RATE_SEND_PER_SEC: '0',
      SOCK_RATE_EVENTS_PER_SEC: '0',
      SOCK_MAX_SOCKETS_PER_USER: '0',
      SOCK_MAX_TOPICS_PER_SOCKET: '0',
      SOCK_SIO_MAX_EVENT_BYTES: '0',
    });
  });
  after(async () => {
    closeAll();
    await senna?.stop();
    await r?.stop();
  });

  test('more than every default allows: writes, sockets, topics, events, a 200 KB event', async () => {
    for (let i = 0; i < 40; i++) assert.equal((await send(senna.url, alice, 2, `m${i}`)).status, 201, `send ${i}`);
    assert.equal(await rcmd(r.port, 'LLEN', `${P}:dm:1-2`), 40);
    const sockets = [];
    for (let i = 0; i < 22; i++) sockets.push(await connectAs(senna.url, bob, { transports: ['websocket'] }));
    const s = sockets[0];
    for (let id = 1; id <= 105; id++) s.emit('join-topic', { id });
    const answers = await Promise.all(Array.from({ length: 45 }, () => ack(s, 'typing', { to: { type: 'user', id: 1 } })));
    assert.ok(answers.every((a) => a.ok === true));
    assert.deepEqual(await ack(s, 'join-topic', { id: 106 }), { ok: true, room: 'topic-106' });
    assert.deepEqual(await ack(s, 'typing', { to: { type: 'user', id: 1 }, pad: 'x'.repeat(200 * 1024) }), { ok: true });
    assert.equal(s.connected, true);
    closeAll();
  });
});
