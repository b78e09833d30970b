// Realtime (SPEC §5, issue 5) with the npm socket.io-client against the real senna binary and a
// real redis-server: connect-time authentication, the legacy `authenticate` flow, chat events to
// exactly the right sockets, typing, topics, acks, token expiry and refresh, the control channel,
// presence; then several senna instances sharing one Redis, and @socket.io/redis-emitter.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { io } from 'socket.io-client';
import { request, startRedis, startSenna, token, until, redisKey } from './lib/harness.mjs';
import { startFakePlatform } from './lib/fake-platform.mjs';
import { redis as rcmd } from './lib/resp.mjs';

const INVALID = 'Your token is invalid - please check it and try again';
const alice = token({ user_id: 1, username: 'alice' });
const bob = token({ user_id: 2, username: 'bob' });
const carol = token({ user_id: 3, username: 'carol' });
const nowSec = () => Math.floor(Date.now() / 1000);

const EVENTS = ['new-message', 'update-message', 'delete-message', 'typing', 'token-expired', 'custom'];
const open = new Set();

/** A client that records every chat event it gets in `.got`. */
function client(url, opts = {}) {
  const s = io(url, { reconnection: false, forceNew: true, ...opts });
  s.got = [];
  for (const e of EVENTS) s.on(e, (payload) => s.got.push([e, payload]));
  open.add(s);
  return s;
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

const ack = (s, event, payload) => s.timeout(5000).emitWithAck(event, payload);


function closeAll() {
  for (const s of open) s.disconnect();
  open.clear();
}

const api = (base, path, { as, method = 'GET', body } = {}) =>
  request(`${base}${path}`, {
    method,
    headers: { ...(as ? { 'X-Auth-Token': as } : {}), ...(body ? { 'Content-Type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });

async function activity(port, user) {
  const flat = await rcmd(port, 'HGETALL', redisKey(`activity:${user}`));
  const o = {};
  for (let i = 0; i + 1 < (flat?.length ?? 0); i += 2) o[flat[i]] = flat[i + 1];
  return o;
}

describe('realtime on one instance', () => {
  let r;
  let senna;
  before(async () => {
    r = await startRedis();
    // Twenty sends in one burst below: no write limit here (limits.test.mjs tests it).
    senna = await startSenna({ SOCK_REDIS_URL: r.url, SOCK_AUTH_TIMEOUT_MS: '1500', SOCK_JWT_LEEWAY: '0', SOCK_RATE_SEND_PER_SEC: '0' });
  });
  after(async () => {
    closeAll();
    await senna?.stop();
    await r?.stop();
  });

  test('a bad token gets CONNECT_ERROR with the SPEC body, from auth, query and header', async () => {
    const viaAuth = client(senna.url, { auth: { token: 'nope' } });
    const [e1] = await once(viaAuth, 'connect_error');
    assert.equal(e1.message, INVALID);
    assert.deepEqual(e1.data, { code: 'INVALID_TOKEN_ERR' });
    const noUser = client(senna.url, { auth: { token: token({ sub: 'x' }) } });
    const [e2] = await once(noUser, 'connect_error');
    assert.equal(e2.message, 'Incorrect token - please try a different one');
    assert.deepEqual(e2.data, { code: 'INVALID_TOKEN_ERR' });
    const viaQuery = client(senna.url, { query: { token: 'bad' } });
    const [e3] = await once(viaQuery, 'connect_error');
    assert.deepEqual(e3.data, { code: 'INVALID_TOKEN_ERR' });
    // A good token in the query, in the header, as Bearer: connected.
    const q = client(senna.url, { query: { token: alice } });
    await once(q, 'connect');
    const h = client(senna.url, { extraHeaders: { 'X-Auth-Token': bob } });
    await once(h, 'connect');
    const b = client(senna.url, { extraHeaders: { Authorization: `Bearer ${carol}` }, transports: ['polling'] });
    await once(b, 'connect');
    // auth.token wins over the query parameter.
    const both = client(senna.url, { auth: { token: 'bad' }, query: { token: alice } });
    await once(both, 'connect_error');
    closeAll();
  });

  test('DM events from REST writes reach both users\' sockets with their own chat, nobody else', async () => {
    const a1 = await connectAs(senna.url, alice);
    const a2 = await connectAs(senna.url, alice, { transports: ['websocket'] });
    const b1 = await connectAs(senna.url, bob);
    const c1 = await connectAs(senna.url, carol);
    const sent = await api(senna.url, '/api/user/2', { as: alice, method: 'POST', body: { type: 'text', text: 'hi bob' } });
    assert.equal(sent.status, 201);
    const entry = sent.json.entry;
    const seen = await api(senna.url, `/api/user/1/${entry.id}`, { as: bob, method: 'POST', body: { status: 'seen' } });
    assert.equal(seen.status, 200);
    const del = await api(senna.url, `/api/user/2/${entry.id}`, { as: alice, method: 'DELETE' });
    assert.equal(del.status, 200);
    await until(() => a1.got.length >= 3 && a2.got.length >= 3 && b1.got.length >= 3, 5000, 'three events each');
    await sleep(200);
    const toAlice = { type: 'user', id: 2 };
    const toBob = { type: 'user', id: 1 };
    for (const s of [a1, a2]) {
      assert.deepEqual(s.got.map(([e]) => e), ['new-message', 'update-message', 'delete-message']);
      assert.deepEqual(s.got[0][1], { ...entry, chat: toAlice });
      assert.equal(s.got[1][1].status, 'seen');
      assert.deepEqual(s.got[1][1].chat, toAlice);
      // The chat's change counter: 1 after the seen mark, 2 after the delete (issue 13).
      assert.equal(s.got[1][1].rev, 1);
      assert.deepEqual(s.got[2][1], { id: entry.id, seq: entry.seq, rev: 2, chat: toAlice });
    }
    assert.deepEqual(b1.got.map(([e]) => e), ['new-message', 'update-message', 'delete-message']);
    assert.deepEqual(b1.got[0][1], { ...entry, chat: toBob });
    assert.deepEqual(b1.got[2][1], { id: entry.id, seq: entry.seq, rev: 2, chat: toBob });
    assert.deepEqual(c1.got, []);
    closeAll();
  });

  test('send-message over the socket: ack, events in write order, error acks with REST codes', async () => {
    const a1 = await connectAs(senna.url, alice);
    const b1 = await connectAs(senna.url, bob);
    const c1 = await connectAs(senna.url, carol);
    const acks = [];
    for (let i = 0; i < 20; i++) acks.push(ack(a1, 'send-message', { to: { type: 'user', id: 2 }, type: 'text', text: `m${i}` }));
    const answers = await Promise.all(acks);
    for (const [i, a] of answers.entries()) {
      assert.equal(a.ok, true);
      assert.deepEqual(a.state, { key: 'myplatform:dm:1-2', inbox_key: 'user-2' });
      assert.equal(a.entry.text, `m${i}`);
    }
    await until(() => b1.got.length >= 20 && a1.got.length >= 20, 5000, 'twenty events');
    assert.deepEqual(b1.got.map(([, p]) => p.text), answers.map((a) => a.entry.text));
    assert.deepEqual(b1.got.map(([, p]) => p.id), answers.map((a) => a.entry.id));
    assert.ok(b1.got.every(([e, p]) => e === 'new-message' && p.chat.type === 'user' && p.chat.id === 1));
    assert.deepEqual(a1.got.map(([, p]) => p.id), answers.map((a) => a.entry.id));
    assert.deepEqual(c1.got, []);
    assert.deepEqual(await ack(a1, 'send-message', { to: { type: 'user', id: 1 }, type: 'text', text: 'me' }),
      { error: { code: 'MESSAGES_INVALID_TARGET', message: 'You cannot message yourself' } });
    assert.deepEqual(await ack(a1, 'send-message', { to: { type: 'group', id: 1 }, type: 'text', text: 'x' }),
      { error: { code: 'MESSAGES_INVALID_TARGET', message: 'Invalid target "group"' } });
    assert.deepEqual(await ack(a1, 'send-message', { type: 'text', text: 'x' }),
      { error: { code: 'MESSAGES_INVALID_TARGET', message: 'Invalid target "undefined"' } });
    assert.deepEqual(await ack(a1, 'send-message', { to: { type: 'user', id: 'b@d' }, type: 'text', text: 'x' }),
      { error: { code: 'MESSAGES_INVALID_ID', message: 'Invalid id "b@d"' } });
    assert.deepEqual(await ack(a1, 'send-message', { to: { type: 'user', id: 2 }, type: 'text' }),
      { error: { code: 'MESSAGES_MISSING_CONTENT', message: 'Missing text property for text-message' } });
    closeAll();
  });

  test('typing goes to the other participants only; join-topic / leave-topic', async () => {
    const a1 = await connectAs(senna.url, alice);
    const a2 = await connectAs(senna.url, alice);
    const b1 = await connectAs(senna.url, bob);
    const c1 = await connectAs(senna.url, carol);
    assert.deepEqual(await ack(a1, 'typing', { to: { type: 'user', id: 2 } }), { ok: true });
    await until(() => b1.got.length === 1, 3000, 'typing');
    assert.deepEqual(b1.got[0], ['typing', { user_id: 1, chat: { type: 'user', id: 1 } }]);
    for (const s of [a1, a2, b1, c1])
      assert.deepEqual(await ack(s, 'join-topic', { id: 7 }), { ok: true, room: 'topic-7' });
    assert.deepEqual(await ack(a1, 'join-topic', { id: 'bad id' }),
      { error: { code: 'MESSAGES_INVALID_ID', message: 'Invalid topic id "bad id"' } });
    assert.deepEqual(await ack(a1, 'join-topic', {}),
      { error: { code: 'MESSAGES_INVALID_ID', message: 'Invalid topic id "undefined"' } });
    b1.got.length = 0;
    assert.deepEqual(await ack(a1, 'typing', { to: { type: 'topic', id: 7 } }), { ok: true });
    await until(() => b1.got.length === 1 && c1.got.length === 1, 3000, 'topic typing');
    assert.deepEqual(c1.got[0], ['typing', { user_id: 1, chat: { type: 'topic', id: 7 } }]);
    assert.deepEqual(await ack(c1, 'leave-topic', { id: '7' }), { ok: true, room: 'topic-7' });
    const sent = await ack(b1, 'send-message', { to: { type: 'topic', id: 7 }, type: 'text', text: 'to the topic' });
    assert.equal(sent.ok, true);
    await until(() => a1.got.length === 1 && a2.got.length === 1 && b1.got.length === 2, 3000, 'topic message');
    assert.deepEqual(a1.got[0], ['new-message', { ...sent.entry, chat: { type: 'topic', id: 7 } }]);
    await sleep(200);
    assert.equal(c1.got.length, 1); // only the typing from before leaving
    assert.deepEqual(a1.got.filter(([e]) => e === 'typing'), []);
    closeAll();
  });

  test('legacy flow: authenticate -> authenticated; a bad token -> unauthorized and a disconnect; silence disconnects', async () => {
    const s = client(senna.url);
    await once(s, 'connect');
    assert.deepEqual(await ack(s, 'send-message', { to: { type: 'user', id: 2 }, type: 'text', text: 'x' }),
      { error: { code: 'NOT_AUTHENTICATED', message: 'You are not authenticated' } });
    s.emit('authenticate', { token: alice });
    await once(s, 'authenticated');
    const b1 = await connectAs(senna.url, bob);
    const sent = await ack(s, 'send-message', { to: { type: 'user', id: 2 }, type: 'text', text: 'legacy' });
    assert.equal(sent.ok, true);
    await until(() => b1.got.length === 1 && s.got.length === 1, 3000, 'legacy delivery');

    const bad = client(senna.url);
    await once(bad, 'connect');
    const gone = once(bad, 'disconnect');
    bad.emit('authenticate', { token: 'garbage' });
    const [u] = await once(bad, 'unauthorized');
    assert.equal(u.message, INVALID);
    assert.equal(u.code, 'invalid_token');
    assert.equal(u.type, 'UnauthorizedError');
    await gone;

    const silent = client(senna.url);
    await once(silent, 'connect');
    const t0 = Date.now();
    await once(silent, 'disconnect', 5000);
    assert.ok(Date.now() - t0 >= 1000, 'not before the auth timeout');
    closeAll();
  });

  test('token expiry disconnects with token-expired; refresh-token keeps the socket', async () => {
    const exp = nowSec() + 2;
    const short = token({ user_id: 1, exp });
    const s1 = await connectAs(senna.url, short);
    const s2 = await connectAs(senna.url, token({ user_id: 2, exp }));
    assert.deepEqual(await ack(s2, 'refresh-token', { token: carol }),
      { error: { code: 'INVALID_TOKEN_ERR', message: 'The token is for another user' } });
    assert.deepEqual(await ack(s2, 'refresh-token', { token: 'garbage' }),
      { error: { code: 'INVALID_TOKEN_ERR', message: INVALID } });
    assert.deepEqual(await ack(s2, 'refresh-token', { token: token({ user_id: 2, exp: nowSec() + 60 }) }), { ok: true });
    const [reason] = await once(s1, 'disconnect', 5000);
    assert.equal(reason, 'io server disconnect');
    const expired = s1.got.find(([e]) => e === 'token-expired');
    assert.ok(expired, 'token-expired before the disconnect');
    assert.equal(expired[1].code, 'INVALID_TOKEN_ERR');
    await sleep(1500);
    assert.equal(s2.connected, true);
    closeAll();
  });

  test('control channel: join-room / leave-room on messages:events move all of a user\'s sockets', async () => {
    const b1 = await connectAs(senna.url, bob);
    const b2 = await connectAs(senna.url, bob, { transports: ['websocket'] });
    const c1 = await connectAs(senna.url, carol);
    await rcmd(r.port, 'PUBLISH', 'messages:events', JSON.stringify({ type: 'join-room', user_id: 2, room: 'topic-9' }));
    await sleep(300);
    const sent = await api(senna.url, '/api/topic/9', { as: alice, method: 'POST', body: { type: 'text', text: 'nine' } });
    assert.equal(sent.status, 201);
    await until(() => b1.got.length === 1 && b2.got.length === 1, 3000, 'topic-9 message');
    assert.deepEqual(b1.got[0], ['new-message', { ...sent.json.entry, chat: { type: 'topic', id: 9 } }]);
    await rcmd(r.port, 'PUBLISH', 'messages:events', JSON.stringify({ type: 'leave-room', user_id: '2', room: 'topic-9' }));
    await rcmd(r.port, 'PUBLISH', 'messages:events', 'not json');
    await sleep(300);
    await api(senna.url, '/api/topic/9', { as: alice, method: 'POST', body: { type: 'text', text: 'again' } });
    await sleep(300);
    assert.equal(b1.got.length, 1);
    assert.equal(b2.got.length, 1);
    assert.deepEqual(c1.got, []);
    closeAll();
  });

  test('presence: active on the first socket, inactive with last_active when the last goes', async () => {
    await rcmd(r.port, 'DEL', redisKey(`activity:5`));
    const t = token({ user_id: 5 });
    const s1 = await connectAs(senna.url, t);
    await until(async () => (await activity(r.port, 5)).status === 'active', 3000, 'active');
    const s2 = await connectAs(senna.url, t);
    s1.disconnect();
    await sleep(300);
    assert.equal((await activity(r.port, 5)).status, 'active');
    const before = Date.now();
    s2.disconnect();
    const a = await until(async () => {
      const v = await activity(r.port, 5);
      return v.status === 'inactive' ? v : null;
    }, 3000, 'inactive');
    assert.match(a.last_active, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    assert.ok(Date.parse(a.last_active) >= before - 1000);
    closeAll();
  });
});

describe('realtime with the platform session check (SOCK_API_URL)', () => {
  let r;
  let fake;
  const member = token({ user_id: 1 });
  const banned = token({ user_id: 2 });
  const deleted = token({ user_id: 3 });
  const stranger = token({ user_id: 4 });
  before(async () => {
    r = await startRedis();
    fake = await startFakePlatform({
      session: {
        [member]: { id: 1, username: 'm', role: { handle: 'member' } },
        [banned]: { id: 2, username: 'b', role: { handle: 'banned' } },
        [deleted]: { id: 3, username: 'd', role: { handle: 'deleted' } },
      },
    });
  });
  after(async () => {
    closeAll();
    await fake?.close();
    await r?.stop();
  });

  test('banned, deleted, rejected and failed checks refuse the connect; fail-open admits', async () => {
    const senna = await startSenna({ SOCK_REDIS_URL: r.url, SOCK_API_URL: fake.url, SOCK_API_TIMEOUT_MS: '500' });
    try {
      await connectAs(senna.url, member);
      const refusal = async (tok) => {
        const [e] = await once(client(senna.url, { auth: { token: tok } }), 'connect_error');
        return { message: e.message, data: e.data };
      };
      assert.deepEqual(await refusal(banned), { message: 'Banned users cannot use this', data: { code: 'USER_BANNED' } });
      assert.deepEqual(await refusal(deleted), { message: 'Deleted users cannot use this', data: { code: 'USER_DELETED' } });
      assert.deepEqual(await refusal(stranger), { message: 'The platform rejected this session', data: { code: 'SESSION_REJECTED' } });
      // The legacy flow gets the seed's codes.
      const legacy = client(senna.url);
      await once(legacy, 'connect');
      legacy.emit('authenticate', { token: banned });
      const [u] = await once(legacy, 'unauthorized');
      assert.deepEqual({ message: u.message, code: u.code, type: u.type },
        { message: 'Banned users cannot use this', code: 'user_error', type: 'UnauthorizedError' });
      fake.setMode({ failWith: 500 });
      assert.deepEqual(await refusal(member), {
        message: 'The platform could not confirm this session - please try again later',
        data: { code: 'SESSION_CHECK_FAILED' },
      });
    } finally {
      fake.setMode({ failWith: null });
      closeAll();
      await senna.stop();
    }
    const open = await startSenna({ SOCK_REDIS_URL: r.url, SOCK_API_URL: fake.url, SOCK_API_SESSION_FAIL_OPEN: '1' });
    try {
      fake.setMode({ failWith: 500 });
      await connectAs(open.url, stranger); // no decision: admitted
      fake.setMode({ failWith: null });
      const [e] = await once(client(open.url, { auth: { token: stranger } }), 'connect_error');
      assert.deepEqual(e.data, { code: 'SESSION_REJECTED' }); // a 401 is an answer, not a failure
    } finally {
      fake.setMode({ failWith: null });
      closeAll();
      await open.stop();
    }
  });
});

describe('realtime across two instances sharing one Redis', () => {
  let r;
  let one;
  let two;
  const HEARTBEAT = { SOCK_PRESENCE_HEARTBEAT_MS: '200' }; // a silent instance expires after 600 ms
  before(async () => {
    r = await startRedis();
    one = await startSenna({ SOCK_REDIS_URL: r.url, ...HEARTBEAT });
    two = await startSenna({ SOCK_REDIS_URL: r.url, ...HEARTBEAT });
  });
  after(async () => {
    closeAll();
    await one?.stop();
    await two?.stop();
    await r?.stop();
  });

  test('writes on one instance reach sockets on the other, in order, each once, nobody else', async () => {
    const a1 = await connectAs(one.url, alice);
    const b2 = await connectAs(two.url, bob);
    const b1 = await connectAs(one.url, bob, { transports: ['websocket'] });
    const c2 = await connectAs(two.url, carol);
    const sent = await api(one.url, '/api/user/2', { as: alice, method: 'POST', body: { type: 'text', text: 'across' } });
    assert.equal(sent.status, 201);
    const answers = [];
    for (let i = 0; i < 10; i++)
      answers.push(await ack(a1, 'send-message', { to: { type: 'user', id: 2 }, type: 'text', text: `x${i}` }));
    // The update below is another writer's (bob, on instance two): one writer's events arrive in
    // order, two writers' need not (on a Redis Cluster a PUBLISH reaches the subscribers of other
    // nodes over the cluster bus, after its reply; the CI's 3+3 run saw the swap). Wait for the
    // first writer's eleven.
    await until(() => b1.got.length >= 11 && b2.got.length >= 11, 5000, 'the first writer\'s events');
    const seen = await api(two.url, `/api/user/1/${sent.json.entry.id}`, { as: bob, method: 'POST', body: { status: 'seen' } });
    assert.equal(seen.status, 200);
    assert.deepEqual(await ack(b2, 'typing', { to: { type: 'user', id: 1 } }), { ok: true });
    // The ack does not wait for the typing's PUBLISH from instance two, and the delete below
    // reaches a1 on instance one locally: two writers, no order between them. Wait for it.
    await until(() => a1.got.some(([e]) => e === 'typing'), 5000, 'typing across');
    const del = await api(one.url, `/api/user/2/${sent.json.entry.id}`, { as: alice, method: 'DELETE' });
    assert.equal(del.status, 200);
    await until(() => b2.got.length >= 13 && b1.got.length >= 13 && a1.got.length >= 14, 5000, 'every event');
    await sleep(300);
    const ids = [sent.json.entry.id, ...answers.map((a) => a.entry.id)];
    for (const s of [b1, b2]) {
      assert.deepEqual(s.got.map(([e]) => e), ['new-message', ...Array(10).fill('new-message'), 'update-message', 'delete-message']);
      assert.deepEqual(s.got.slice(0, 11).map(([, p]) => p.id), ids);
      assert.ok(s.got.every(([, p]) => p.chat.type === 'user' && p.chat.id === 1));
    }
    assert.deepEqual(a1.got.map(([e]) => e),
      ['new-message', ...Array(10).fill('new-message'), 'update-message', 'typing', 'delete-message']);
    assert.deepEqual(a1.got[12][1], { user_id: 2, chat: { type: 'user', id: 2 } });
    assert.ok(a1.got.filter(([e]) => e !== 'typing').every(([, p]) => p.chat.id === 2));
    assert.deepEqual(c2.got, []);
    closeAll();
  });

  test('join-room on messages:events applies on both instances; topics fan out', async () => {
    const b1 = await connectAs(one.url, bob);
    const b2 = await connectAs(two.url, bob);
    const c1 = await connectAs(one.url, carol);
    await rcmd(r.port, 'PUBLISH', 'messages:events', JSON.stringify({ type: 'join-room', user_id: 2, room: 'topic-11' }));
    await sleep(300);
    const sent = await api(two.url, '/api/topic/11', { as: alice, method: 'POST', body: { type: 'text', text: 'eleven' } });
    assert.equal(sent.status, 201);
    await until(() => b1.got.length === 1 && b2.got.length === 1, 3000, 'topic message on both');
    assert.deepEqual(b1.got[0], ['new-message', { ...sent.json.entry, chat: { type: 'topic', id: 11 } }]);
    assert.deepEqual(b2.got[0], b1.got[0]);
    await sleep(200);
    assert.deepEqual(c1.got, []);
    closeAll();
  });

  test('@socket.io/redis-emitter reaches a senna socket', async () => {
    const { Emitter } = await import('@socket.io/redis-emitter');
    const { createClient } = await import('redis');
    // One node (r.port): on a Redis Cluster a plain PUBLISH reaches every node's subscribers.
    const rc = createClient({ url: `redis://127.0.0.1:${r.port}` });
    await rc.connect();
    try {
      const b1 = await connectAs(one.url, bob);
      const b2 = await connectAs(two.url, bob);
      const c1 = await connectAs(one.url, carol);
      const emitter = new Emitter(rc, { key: 'senna-sockets' });
      emitter.to('user-2').emit('custom', { hello: 'from the platform', n: 1 });
      await until(() => b1.got.length === 1 && b2.got.length === 1, 3000, 'emitter event');
      assert.deepEqual(b1.got[0], ['custom', { hello: 'from the platform', n: 1 }]);
      emitter.emit('custom', { everyone: true });
      await until(() => c1.got.length === 1 && b1.got.length === 2, 3000, 'emitter broadcast');
      assert.deepEqual(c1.got[0], ['custom', { everyone: true }]);
      await sleep(200);
      assert.equal(b2.got.length, 2);
    } finally {
      await rc.quit();
      closeAll();
    }
  });

  test('presence with sockets on both instances; a SIGKILLed instance leaves its users inactive', async () => {
    const t8 = token({ user_id: 8 });
    const t9 = token({ user_id: 9 });
    const on1 = await connectAs(one.url, t8);
    const on2 = await connectAs(two.url, t8);
    await until(async () => (await activity(r.port, 8)).status === 'active', 3000, 'active');
    on1.disconnect();
    await sleep(400);
    assert.equal((await activity(r.port, 8)).status, 'active', 'still a socket on the other instance');
    on2.disconnect();
    await until(async () => (await activity(r.port, 8)).status === 'inactive', 3000, 'inactive');

    const three = await startSenna({ SOCK_REDIS_URL: r.url, ...HEARTBEAT });
    try {
      const doomed = await connectAs(three.url, t9);
      const alive = await connectAs(one.url, t8);
      await until(async () => (await activity(r.port, 9)).status === 'active', 3000, 'user 9 active');
      doomed.io.opts.reconnection = false;
      const before = Date.now();
      await three.stop('SIGKILL');
      const a = await until(async () => {
        const v = await activity(r.port, 9);
        return v.status === 'inactive' ? v : null;
      }, 5000, 'user 9 inactive after the heartbeat expired');
      assert.ok(Date.parse(a.last_active) >= before - 1000);
      assert.equal((await activity(r.port, 8)).status, 'active', 'users of live instances stay active');
      alive.disconnect();
    } finally {
      await three.stop('SIGKILL');
    }
    closeAll();
  });
});
