// Connection state recovery (issue 14) with the npm socket.io-client 4.8 against two real senna
// instances on one real Redis, the client reaching them through a TCP proxy that the test cuts
// (lib/proxy.mjs: the client sees a transport error). What a client missed during the cut comes
// back once, in order, on whichever instance it reconnects to, with socket.recovered === true
// and its old socket.id; an expired window gives a fresh connection and no replay.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { api, closeAll, once, reconnecting, sendText } from './lib/clients.mjs';
import { request, startRedis, startSenna, token, until, redisKey } from './lib/harness.mjs';
import { startProxy } from './lib/proxy.mjs';
import { redis as rcmd } from './lib/resp.mjs';
import jwt from 'jsonwebtoken';

const P = 'senna-sockets';
const D = `${P}:messages:myplatform`;
const alice = token({ user_id: 1, username: 'alice' });
const bob = token({ user_id: 2, username: 'bob' });
const OFFSET = /^[0-9]+-[0-9]+$/;

const send = sendText;

/** What the client got after index `from`, as [event, text or id (a receipt: its seq)]. */
const shape = (s, from = 0) => s.got.slice(from).map(({ event, args }) =>
  [event, event === 'read' ? args[0].seq : args[0].text ?? args[0].id]);

async function metric(base, name) {
  const r = await request(`${base}/metrics`);
  const m = r.text.match(new RegExp(`^${name} (\\d+)$`, 'm'));
  return m ? Number(m[1]) : NaN;
}

describe('connection state recovery across two instances', () => {
  let redis; let a; let b; let proxy;
  const PING = { SOCK_EIO_PING_INTERVAL_MS: '1000', SOCK_EIO_PING_TIMEOUT_MS: '3000' };
  before(async () => {
    redis = await startRedis();
    const env = { SOCK_REDIS_URL: redis.url, SOCK_RATE_SEND_PER_SEC: '0', SOCK_RATE_EVENTS_PER_SEC: '0',
      SOCK_MAX_SOCKETS_PER_USER: '0', ...PING };
    a = await startSenna(env);
    b = await startSenna(env);
    proxy = await startProxy(Number(new URL(a.url).port));
  });
  after(async () => {
    closeAll();
    await proxy?.close();
    await a?.stop();
    await b?.stop();
    await redis?.stop();
  });

  /** bob through the proxy (to A), in topic-general, holding an offset; returns his socket. */
  async function bobOnA(topic, opts = {}) {
    proxy.heal(Number(new URL(a.url).port));
    const s = reconnecting(proxy.url, bob, opts);
    await once(s, 'connect', 10000);
    assert.equal(s.recovered, false);
    const joined = await s.timeout(10000).emitWithAck('join-topic', { id: topic });
    assert.equal(joined.ok, true);
    await send(b.url, alice, 'user/2', 'before the cut');
    await until(() => s.got.length === 1, 10000, 'the first message');
    const [payload, offset] = s.got[0].args;
    assert.equal(payload.text, 'before the cut');
    assert.match(offset, OFFSET, 'a logged event carries its offset last');
    return s;
  }

  for (const transport of ['websocket', 'polling']) test(`a cut client (${transport}) reconnects to the other instance: missed DM, topic, update, delete and read receipt once, in order, recovered, same id`, async () => {
    const s = await bobOnA(`general-${transport}`, { transports: [transport] });
    const id = s.id;
    const kept = await send(b.url, alice, 'user/2', 'to be edited');
    const gone = await send(b.url, alice, 'user/2', 'to be deleted');
    await until(() => s.got.length === 3, 10000, 'the setup messages');
    const restoredBefore = await metric(b.url, 'senna_recovery_sessions_restored_total');
    const savedBefore = await metric(a.url, 'senna_recovery_sessions_saved_total');

    proxy.cut();
    await until(() => s.reasons.length === 1, 10000, 'the disconnect');
    assert.equal(s.reasons[0], transport === 'websocket' ? 'broken (1006)' : 'transport error');
    // A notices at once (its side of the TCP connection closed): the session is kept for the
    // window.
    await until(async () => (await metric(a.url, 'senna_recovery_sessions_saved_total')) > savedBefore, 10000, 'A saving the session');

    // During the cut, from the other instance: a DM, a topic message, an edit, a delete.
    await send(b.url, alice, 'user/2', 'missed DM');
    await send(b.url, alice, `topic/general-${transport}`, 'missed topic');
    let r = await api(b.url, `/api/user/2/${kept.id}`, { as: alice, method: 'POST', body: { text: 'edited while cut' } });
    assert.equal(r.status, 200, r.text);
    r = await api(b.url, `/api/user/2/${gone.id}`, { as: alice, method: 'DELETE' });
    assert.equal(r.status, 200, r.text);
    // and a read receipt (alice read the DM up to its newest message): not a chat write, logged
    // all the same.
    r = await api(b.url, '/api/user/2/read', { as: alice, method: 'POST', body: {} });
    assert.equal(r.status, 200, r.text);
    const readSeq = r.json.read_seq;

    const before = s.got.length;
    proxy.heal(Number(new URL(b.url).port));
    await until(() => s.connects.length === 2, 15000, 'the reconnect');
    assert.deepEqual(s.connects[1], { id, recovered: true });
    await until(() => s.got.length >= before + 5, 10000, 'the missed events');
    await sleep(300); // nothing more may come
    assert.deepEqual(shape(s, before), [
      ['new-message', 'missed DM'],
      ['new-message', 'missed topic'],
      ['update-message', 'edited while cut'],
      ['delete-message', gone.id],
      ['read', readSeq],
    ]);
    for (const e of s.got.slice(before)) {
      assert.equal(e.recovered, true, 'the client has its CONNECT before it hands over the missed events');
      assert.equal(e.id, id);
      assert.match(e.args.at(-1), OFFSET);
    }
    const offsets = s.got.slice(before).map((e) => e.args.at(-1));
    assert.deepEqual([...offsets].sort((x, y) => {
      const [xm, xs] = x.split('-').map(BigInt); const [ym, ys] = y.split('-').map(BigInt);
      return xm === ym ? Number(xs - ys) : Number(xm - ym);
    }), offsets, 'in log order');
    assert.equal(await metric(b.url, 'senna_recovery_sessions_restored_total'), restoredBefore + 1);

    // The rooms came back: the DM room and the topic, each once.
    const n = s.got.length;
    await send(a.url, alice, 'user/2', 'after, from A');
    await send(a.url, alice, `topic/general-${transport}`, 'after, topic');
    await until(() => s.got.length === n + 2, 10000, 'live events after the restore');
    await sleep(200);
    assert.deepEqual(shape(s, n), [['new-message', 'after, from A'], ['new-message', 'after, topic']]);
    // The session lives on, now B's.
    const key = `${P}:sio:session:${await pidOf(s)}`;
    assert.equal(await rcmd(redis.port, 'PTTL', key), -1, 'a live session has no expiry');
    s.disconnect();
    await until(async () => (await rcmd(redis.port, 'EXISTS', key)) === 0, 5000, 'a client that leaves on purpose takes its session along');
  });

  for (const to of ['B', 'A']) {
    test(`the cut heals before A's ping timeout, the client reconnects to ${to}: recovered, and A's late close undoes nothing`, async () => {
      const s = await bobOnA(`quiet-${to}`);
      const id = s.id;
      const pid = await pidOf(s);
      proxy.cut({ silent: true }); // A hears nothing: it notices only at its ping timeout
      await until(() => s.reasons.length === 1, 10000, 'the disconnect');
      assert.equal(s.reasons[0], 'broken (1006)');
      await send(b.url, alice, 'user/2', 'while A still holds the old one');
      await send(b.url, alice, `topic/quiet-${to}`, 'topic while A holds it');
      const before = s.got.length;
      const target = to === 'B' ? b : a;
      const timeoutsBefore = await metric(a.url, 'senna_recovery_sessions_saved_total');
      proxy.heal(Number(new URL(target.url).port));
      await until(() => s.connects.length === 2, 15000, 'the reconnect');
      assert.deepEqual(s.connects[1], { id, recovered: true });
      await until(() => s.got.length >= before + 2, 10000, 'the missed events');
      assert.deepEqual(shape(s, before), [['new-message', 'while A still holds the old one'],
        ['new-message', 'topic while A holds it']]);

      // A's ping timeout (1 s + 3 s) passes: its late close must not touch the session.
      await sleep(5000);
      assert.equal(await metric(a.url, 'senna_recovery_sessions_saved_total'), timeoutsBefore,
        'A found the session taken and kept nothing');
      const key = `${P}:sio:session:${pid}`;
      assert.equal(await rcmd(redis.port, 'EXISTS', key), 1);
      assert.equal(await rcmd(redis.port, 'PTTL', key), -1, 'still live, on its new server');
      const presence = await rcmd(redis.port, 'HGETALL', redisKey(`presence:2`));
      const counts = Object.fromEntries(presence.reduce((acc, v, i) => (i % 2 ? acc : [...acc, [v, presence[i + 1]]]), []));
      assert.deepEqual(Object.values(counts), ['1'], `one socket of bob counted, on ${to}: ${JSON.stringify(counts)}`);
      assert.equal(await rcmd(redis.port, 'HGET', redisKey(`activity:2`), 'status'), 'active');

      // Its rooms are whole: a DM and a topic message, from either instance, arrive once each.
      const n = s.got.length;
      await send(a.url, alice, 'user/2', 'late DM');
      await send(b.url, alice, `topic/quiet-${to}`, 'late topic');
      await until(() => s.got.length === n + 2, 10000, 'live events');
      await sleep(200);
      assert.deepEqual(shape(s, n), [['new-message', 'late DM'], ['new-message', 'late topic']]);
      s.disconnect();
    });
  }

  test('an event from @socket.io/redis-emitter (not logged) cannot spoil the client\'s offset', async () => {
    const { Emitter } = await import('@socket.io/redis-emitter');
    const { createClient } = await import('redis');
    const rc = createClient({ url: `redis://127.0.0.1:${redis.port}` }); // one node: PUBLISH is cluster-wide
    await rc.connect();
    try {
      const s = await bobOnA('emitted');
      const offset = s.got[0].args.at(-1);
      const emitter = new Emitter(rc, { key: P });
      // Its last argument is a string, which socket.io-client would take for an offset: senna
      // appends the client's own last offset after it. Other events pass as they are.
      emitter.to('user-2').emit('notice', { n: 1 }, 'a string that is no offset');
      emitter.to('user-2').emit('notice', { n: 2 });
      await until(() => s.got.length === 3, 10000, 'the emitter events');
      assert.deepEqual(s.got[1].args, [{ n: 1 }, 'a string that is no offset', offset]);
      assert.deepEqual(s.got[2].args, [{ n: 2 }]);
      assert.equal(s._lastOffset, offset);

      proxy.cut();
      await until(() => s.reasons.length === 1, 10000, 'the disconnect');
      await send(b.url, alice, 'user/2', 'missed after the emitter');
      emitter.to('user-2').emit('notice', { n: 3 }); // not logged: lost to the cut
      await sleep(200);
      proxy.heal(Number(new URL(b.url).port));
      await until(() => s.connects.length === 2, 15000, 'the reconnect');
      assert.equal(s.connects[1].recovered, true);
      await until(() => s.got.length === 4, 10000, 'the missed event');
      await sleep(200);
      assert.deepEqual(shape(s, 3), [['new-message', 'missed after the emitter']]);
      s.disconnect();
    } finally {
      await rc.quit();
    }
  });

  test('a window that expired gives a fresh connection and no replay', async () => {
    const short = { SOCK_REDIS_URL: redis.url, SOCK_RECOVERY_WINDOW_MS: '500', SOCK_RATE_SEND_PER_SEC: '0' };
    const c = await startSenna(short);
    const d = await startSenna(short);
    const px = await startProxy(Number(new URL(c.url).port));
    try {
      const s = reconnecting(px.url, bob);
      await once(s, 'connect', 10000);
      await send(d.url, alice, 'user/2', 'seen');
      await until(() => s.got.length === 1, 10000, 'the first message');
      const id = s.id;
      const expired = await metric(d.url, 'senna_recovery_sessions_expired_total');
      px.cut();
      await until(async () => (await metric(c.url, 'senna_recovery_sessions_saved_total')) === 1, 10000, 'the session saved');
      await send(d.url, alice, 'user/2', 'lost to the window');
      await sleep(1200); // past the 500 ms window
      px.heal(Number(new URL(d.url).port));
      await until(() => s.connects.length === 2, 15000, 'the reconnect');
      assert.equal(s.connects[1].recovered, false);
      assert.notEqual(s.connects[1].id, id);
      await sleep(500);
      assert.deepEqual(shape(s), [['new-message', 'seen']], 'nothing replayed');
      assert.equal(await metric(d.url, 'senna_recovery_sessions_expired_total'), expired + 1);
      // The fresh connection is a normal one: it gets what comes next.
      await send(c.url, alice, 'user/2', 'fresh');
      await until(() => s.got.length === 2, 10000, 'a live event');
      s.disconnect();
    } finally {
      closeAll();
      await px.close();
      await c.stop();
      await d.stop();
    }
  });

  test('a user banned during the cut is not restored: the reconnect is refused with USER_BANNED', async () => {
    const ADMIN_SECRET = 'an-admin-secret-of-at-least-32-characters';
    const env = { SOCK_REDIS_URL: redis.url, SOCK_ADMIN_SECRET: ADMIN_SECRET, SOCK_RATE_SEND_PER_SEC: '0' };
    const c = await startSenna(env);
    const d = await startSenna(env);
    const px = await startProxy(Number(new URL(c.url).port));
    const carol = token({ user_id: 3, username: 'carol' });
    try {
      const s = reconnecting(px.url, carol);
      await once(s, 'connect', 10000);
      await send(d.url, alice, 'user/3', 'seen');
      await until(() => s.got.length === 1, 10000, 'the first message');
      const saved = await metric(c.url, 'senna_recovery_sessions_saved_total');
      px.cut();
      await until(async () => (await metric(c.url, 'senna_recovery_sessions_saved_total')) === saved + 1, 10000, 'the session saved');
      await send(d.url, alice, 'user/3', 'missed, but banned meanwhile');
      const admin = jwt.sign({ user_id: 'ops', exp: Math.floor(Date.now() / 1000) + 600 }, ADMIN_SECRET);
      const ban = await api(c.url, '/admin/users/3/ban', { method: 'POST', body: {}, headers: { Authorization: `Bearer ${admin}` } });
      assert.equal(ban.status, 200, ban.text);
      await until(async () => (await api(d.url, '/api/list', { as: carol })).status === 403, 10000, 'D knowing the ban');
      const refused = once(s, 'connect_error', 15000);
      px.heal(Number(new URL(d.url).port));
      const [err] = await refused;
      assert.equal(err.data?.code, 'USER_BANNED');
      await sleep(300);
      assert.equal(s.connects.length, 1, 'no second connect, recovered or not');
      assert.deepEqual(shape(s), [['new-message', 'seen']], 'nothing replayed');
    } finally {
      closeAll();
      await px.close();
      await c.stop();
      await d.stop();
    }
  });

  test('200 sockets recover at once', async () => {
    const N = 200;
    proxy.heal(Number(new URL(a.url).port));
    const sockets = [];
    for (let i = 0; i < N; i++) sockets.push(reconnecting(proxy.url, token({ user_id: 1000 + i })));
    await until(() => sockets.every((s) => s.connected), 60000, 'every socket connected');
    await Promise.all(sockets.map((s) => s.timeout(20000).emitWithAck('join-topic', { id: 'crowd' })));
    await send(b.url, alice, 'topic/crowd', 'crowd before');
    await until(() => sockets.every((s) => s.got.length === 1), 30000, 'everyone has an offset');
    const ids = sockets.map((s) => s.id);
    proxy.cut();
    await until(() => sockets.every((s) => s.reasons.length === 1), 30000, 'every disconnect');
    await send(b.url, alice, 'topic/crowd', 'crowd missed 1');
    await send(b.url, alice, 'topic/crowd', 'crowd missed 2');
    proxy.heal(Number(new URL(b.url).port));
    await until(() => sockets.every((s) => s.connects.length === 2), 120000, 'every reconnect');
    await until(() => sockets.every((s) => s.got.length >= 3), 60000, 'every replay');
    await sleep(500);
    sockets.forEach((s, i) => {
      assert.deepEqual(s.connects[1], { id: ids[i], recovered: true }, `socket ${i}`);
      assert.deepEqual(shape(s), [['new-message', 'crowd before'], ['new-message', 'crowd missed 1'],
        ['new-message', 'crowd missed 2']], `socket ${i}`);
    });
    for (const s of sockets) s.disconnect();
  });
});

/** The pid the client holds (socket.io-client keeps it in _pid once it connected). */
async function pidOf(s) {
  assert.match(s._pid, /^[A-Za-z0-9_-]{20}$/);
  return s._pid;
}
