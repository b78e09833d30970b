// When Redis is full (issue 20): a real redis-server at `maxmemory 4mb` with noeviction, filled
// through REST. Every refused write answers 507 STORE_FULL (REST body, socket ack) and stores
// nothing; history and inbox keep answering 200; /healthz says "store full" while /readyz
// stays 200; the watcher logs each threshold once; once memory is freed, sends work again.
// Also: the managed Redis gets SOCK_REDIS_MAXMEMORY (or half the machine's memory) and
// noeviction. The other refusals (READONLY, LOADING, ...) are in store_errors.test.mjs.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import { io } from 'socket.io-client';
import { request, startRedis, startSenna, tmpDir, token, until, redisKey } from './lib/harness.mjs';
import { redis as rcmd } from './lib/resp.mjs';

const FULL_MESSAGE = 'The message store is full - please try again later';
const FULL = { error: true, code: 'STORE_FULL', name: 'InsufficientStorageError', message: FULL_MESSAGE, status: 507 };
const alice = token({ user_id: 1, username: 'alice' });
const bob = token({ user_id: 2, username: 'bob' });
const text100 = (i) => `${String(i).padStart(4, '0')} ${'x'.repeat(95)}`;

function once(emitter, event, timeoutMs = 5000) {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no ${event} within ${timeoutMs} ms`)), timeoutMs);
    emitter.once(event, (...args) => { clearTimeout(t); resolve(args); });
  });
}

async function sioClient(url, tok) {
  const s = io(url, { reconnection: false, forceNew: true, auth: { token: tok }, transports: ['websocket'] });
  s.messages = [];
  s.on('new-message', (m) => s.messages.push(m));
  await once(s, 'connect');
  return s;
}

/** Everything a send between alice (1) and bob (2) writes: the list, the hash, both inboxes,
    alice's activity. */
async function chatState(port) {
  return {
    list: await rcmd(port, 'LRANGE', redisKey(`dm:1-2`), 0, -1),
    data: (await rcmd(port, 'HKEYS', redisKey(`dm:1-2:data`))).sort(),
    inbox1: await rcmd(port, 'ZRANGE', redisKey(`inbox:1`), 0, -1, 'WITHSCORES'),
    inbox2: await rcmd(port, 'ZRANGE', redisKey(`inbox:2`), 0, -1, 'WITHSCORES'),
    activity: await rcmd(port, 'HGETALL', redisKey(`activity:1`)),
  };
}

const count = (text, re) => (text.match(re) ?? []).length;

describe('a Redis at maxmemory 4mb with noeviction', () => {
  let r;
  let senna;
  const sockets = [];
  const api = (path, { as = alice, method = 'GET', body } = {}) => request(`${senna.url}${path}`, {
    method,
    headers: { 'X-Auth-Token': as, ...(body ? { 'Content-Type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
    timeoutMs: 10000,
  });

  before(async () => {
    r = await startRedis({ args: ['--maxmemory', '4mb', '--maxmemory-policy', 'noeviction'] });
    // As fast as the store allows: the write and event limits are limits.test.mjs's business.
    senna = await startSenna({ SOCK_REDIS_URL: r.url, SOCK_RATE_SEND_PER_SEC: '0', SOCK_RATE_EVENTS_PER_SEC: '0' });
  });
  after(async () => {
    for (const s of sockets) s.close();
    await senna?.stop();
    await r?.stop();
  });

  test('refused sends are 507 STORE_FULL and store nothing; reads answer 200; sends work again once memory is freed', async () => {
    const aliceSocket = await sioClient(senna.url, alice);
    const bobSocket = await sioClient(senna.url, bob);
    sockets.push(aliceSocket, bobSocket);
    assert.deepEqual((await request(`${senna.url}/healthz`)).json, { status: 'ok' });

    // Fill through REST with 4000-character texts until Redis refuses. One at a time: Redis
    // counts its clients' buffers too, and those of concurrent requests grow, then shrink
    // later, which would free memory again behind the test's back.
    const big = 'y'.repeat(4000);
    let stored = 0;
    for (;;) {
      assert.ok(stored < 2000, 'Redis never filled up');
      const a = await api('/api/user/2', { method: 'POST', body: { type: 'text', text: big } });
      if (a.status !== 201) {
        assert.deepEqual([a.status, a.json], [507, FULL]);
        break;
      }
      stored++;
    }
    const full = await chatState(r.port);
    assert.equal(full.list.length, stored, 'every 201 is in the list, no refused send is');
    assert.equal(full.data.length, stored);
    const info = await rcmd(r.port, 'INFO', 'memory');
    assert.ok(Number(/used_memory:(\d+)/.exec(info)[1]) > 4 * 1024 * 1024, info);

    // Every send now: exactly the 507 body, and nothing stored (list, hash, inboxes, activity).
    for (let i = 0; i < 10; i++) {
      const res = await api('/api/user/2', { method: 'POST', body: { type: 'text', text: text100(i) } });
      assert.deepEqual([res.status, res.json], [507, FULL], `send ${i}`);
    }
    // The same on a socket: the error ack, nothing stored, no event.
    for (let i = 0; i < 10; i++) {
      const ack = await aliceSocket.timeout(5000).emitWithAck('send-message', { to: { type: 'user', id: 2 }, type: 'text', text: text100(i) });
      assert.deepEqual(ack, { error: { code: 'STORE_FULL', message: FULL_MESSAGE } }, `socket send ${i}`);
    }
    // An edit is a write too.
    const lastId = full.list.at(-1);
    const edit = await api(`/api/user/2/${lastId}`, { method: 'POST', body: { text: 'edited' } });
    assert.deepEqual([edit.status, edit.json], [507, FULL]);
    assert.deepEqual(await chatState(r.port), full);
    const seenBefore = bobSocket.messages.length;

    // Reads need no memory: history and inbox (its latest messages come from a Lua script,
    // which Redis runs while full as it only reads) answer 200, even with the script cache gone.
    const history = await api('/api/user/1', { as: bob });
    assert.equal(history.status, 200);
    assert.deepEqual(history.json.state, { key: 'myplatform:dm:1-2', page: 1, per_page: 10, total: stored, total_pages: Math.ceil(stored / 10) });
    assert.deepEqual(history.json.messages.map((m) => m.id), full.list.slice(-10));
    await rcmd(r.port, 'SCRIPT', 'FLUSH');
    for (const [as, other] of [[alice, 2], [bob, 1]]) {
      const inbox = await api('/api/list', { as });
      assert.equal(inbox.status, 200);
      assert.equal(inbox.json.entries.length, 1);
      assert.equal(inbox.json.entries[0].id, other);
      assert.equal(inbox.json.entries[0].latest.id, lastId);
      assert.equal(inbox.json.entries[0].latest.text, big);
    }

    // The operator's view: /healthz says so, /readyz stays 200 (reads work), the metrics and
    // one log line per threshold crossed.
    await until(async () => (await request(`${senna.url}/healthz`)).json?.detail === 'store full', 5000, 'healthz detail');
    const health = await request(`${senna.url}/healthz`);
    assert.deepEqual([health.status, health.json], [200, { status: 'ok', detail: 'store full' }]);
    const ready = await request(`${senna.url}/readyz`);
    assert.deepEqual([ready.status, ready.json], [200, { status: 'ok' }]);
    const metrics = (await request(`${senna.url}/metrics`)).text;
    assert.match(metrics, /^senna_redis_memory_full 1$/m);
    assert.match(metrics, /^senna_redis_memory_max_bytes 4194304$/m);
    assert.ok(Number(/^senna_redis_error_replies_total\{code="OOM"\} (\d+)$/m.exec(metrics)[1]) > 0, metrics);
    // Log lines reach the test through a pipe, some time after the answers they go with.
    await senna.waitForLog(/warn store_refused code=OOM error="OOM command not allowed/);
    await senna.waitForLog(/warn redis_memory_full /);
    assert.equal(count(senna.logs, /warn redis_memory_high threshold=80 /g), 1, senna.logs);
    assert.equal(count(senna.logs, /warn redis_memory_high threshold=95 /g), 1, senna.logs);
    assert.equal(count(senna.logs, /warn redis_memory_full /g), 1, senna.logs);
    assert.doesNotMatch(senna.logs, /store_failed/);
    assert.equal(bobSocket.messages.length, seenBefore, 'no event for a refused send');

    // A delete works: Redis stops a script only at a first write that may grow memory, and the
    // delete's first write (HDEL) frees some. (Last: Redis may then no longer be full.)
    const deleted = full.list[0];
    const del = await api(`/api/user/2/${deleted}`, { method: 'DELETE' });
    assert.equal(del.status, 200, del.text);
    assert.deepEqual(await rcmd(r.port, 'LRANGE', redisKey(`dm:1-2`), 0, -1), full.list.slice(1));
    assert.equal(await rcmd(r.port, 'HEXISTS', redisKey(`dm:1-2:data`), deleted), 0);

    // Memory freed (here: the limit lifted): sends work again, on REST and sockets.
    await rcmd(r.port, 'CONFIG', 'SET', 'maxmemory', '0');
    const again = await api('/api/user/2', { method: 'POST', body: { type: 'text', text: text100(99) } });
    assert.equal(again.status, 201);
    const ack = await aliceSocket.timeout(5000).emitWithAck('send-message', { to: { type: 'user', id: 2 }, type: 'text', text: text100(100) });
    assert.equal(ack.ok, true);
    const after = await chatState(r.port);
    assert.deepEqual(after.list, [...full.list.slice(1), again.json.entry.id, ack.entry.id]);
    await until(async () => (await request(`${senna.url}/healthz`)).text === '{"status":"ok"}', 5000, 'healthz back to ok');
    await senna.waitForLog(/info redis_memory_lower level=normal /);
  });
});

describe('presence while Redis is full', () => {
  test('the instance heartbeat key is kept alive (PEXPIRE), so users do not all turn inactive', async () => {
    const r = await startRedis();
    const senna = await startSenna({ SOCK_REDIS_URL: r.url, SOCK_PRESENCE_HEARTBEAT_MS: '200' });
    const socket = await sioClient(senna.url, alice);
    try {
      const keys = await rcmd(r.port, 'KEYS', redisKey(`instance:*`));
      const key = keys.find((k) => !k.endsWith(':users'));
      assert.ok(key, `no heartbeat key in ${keys}`);
      await until(async () => (await rcmd(r.port, 'HGET', redisKey(`activity:1`), 'status')) === 'active', 5000, 'alice active');
      await rcmd(r.port, 'CONFIG', 'SET', 'maxmemory', '1mb'); // below what Redis already holds
      assert.match(await rcmd(r.port, 'SET', 'probe', 'x').catch((e) => e.message), /^OOM /);
      // The key lives 3 heartbeats (600 ms); SET is refused now. Watch its TTL being extended
      // five times, which takes longer than it would live without.
      let extended = 0;
      let last = Number(await rcmd(r.port, 'PTTL', key));
      await until(async () => {
        const ttl = Number(await rcmd(r.port, 'PTTL', key));
        assert.ok(ttl > 0, `the heartbeat key expired (PTTL ${ttl})`);
        if (ttl > last) extended++;
        last = ttl;
        return extended >= 5;
      }, 10000, 'heartbeat extensions');
      assert.equal(await rcmd(r.port, 'HGET', redisKey(`activity:1`), 'status'), 'active');
    } finally {
      socket.close();
      await senna.stop();
      await r.stop();
    }
  });
});

describe('the managed Redis', () => {
  test('gets SOCK_REDIS_MAXMEMORY, or half the memory senna may use, with noeviction', async () => {
    // What app::default_maxmemory reads: MemTotal and the cgroup limit, if lower.
    const cgroupFile = ['/sys/fs/cgroup/memory.max', '/sys/fs/cgroup/memory/memory.limit_in_bytes'].find((f) => fs.existsSync(f));
    const cgroup = cgroupFile ? Number(fs.readFileSync(cgroupFile, 'utf8').trim()) : NaN; // "max": NaN
    const usable = Number.isFinite(cgroup) && cgroup < os.totalmem() ? cgroup : os.totalmem();
    for (const [setting, expected] of [['12mb', 12 * 1024 * 1024], [undefined, Math.floor(usable / 2)]]) {
      const dir = tmpDir('senna-data-');
      const senna = await startSenna({ SOCK_DATA_DIR: dir, ...(setting ? { SOCK_REDIS_MAXMEMORY: setting } : {}) });
      try {
        const sock = `${dir}/redis.sock`;
        assert.deepEqual(await rcmd(sock, 'CONFIG', 'GET', 'maxmemory'), ['maxmemory', String(expected)]);
        assert.deepEqual(await rcmd(sock, 'CONFIG', 'GET', 'maxmemory-policy'), ['maxmemory-policy', 'noeviction']);
        assert.match(senna.logs, new RegExp(`info managed_redis_started .*maxmemory=${expected}\\b`));
        await senna.waitForLog(new RegExp(`info redis_memory used=\\d+ max=${expected} percent=\\d+ policy=noeviction`));
      } finally {
        await senna.stop();
        fs.rmSync(dir, { recursive: true, force: true });
      }
    }
  });
});
