// Every row of the table of Redis refusals (src/api/error_map.cpp, issue 20), each against a
// real redis-server put in that state: what the client gets (REST body, socket ack), that reads
// keep working where Redis serves them, and the refusal counted under its code in /metrics.
// OOM at length (filled through REST, 4 MB) is in store_full.test.mjs. TRYAGAIN is not here:
// Redis sends it only for a command on several keys of one slot while that slot migrates, and
// every multi-key command of senna's (the chat scripts) spans keys of several slots, which a
// cluster node refuses with CROSSSLOT first; tests/unit/redis/server_error_test.cpp parses the
// text a real cluster node sent for it.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { io } from 'socket.io-client';
import { request, startRedis, startSenna, token, until, redisKey } from './lib/harness.mjs';
import { redis as rcmd } from './lib/resp.mjs';

const alice = token({ user_id: 1, username: 'alice' });
const bob = token({ user_id: 2, username: 'bob' });
const err = (status, code, name, message) => ({ error: true, code, name, message, status });
const UNAVAILABLE = err(503, 'STORE_UNAVAILABLE', 'StoreUnavailableError', 'The message store is unavailable - please try again');
const FULL = err(507, 'STORE_FULL', 'InsufficientStorageError', 'The message store is full - please try again later');
const INTERNAL = err(500, 'INTERNAL_ERROR', 'Error', 'Something went wrong');

/** Starts what `setup` returns stoppers for, runs `body`, stops everything whatever happens. */
async function withServers(body) {
  const stops = [];
  try {
    await body((s) => { stops.push(s); return s; });
  } finally {
    for (const s of stops.reverse()) await s.stop();
  }
}

const api = (senna, p, { as = alice, method = 'GET', body } = {}) => request(`${senna.url}${p}`, {
  method,
  headers: { 'X-Auth-Token': as, ...(body ? { 'Content-Type': 'application/json' } : {}) },
  body: body ? JSON.stringify(body) : undefined,
  timeoutMs: 10000,
});
const send = (senna, text = 'hello') => api(senna, '/api/user/2', { method: 'POST', body: { type: 'text', text } });
const history = (senna) => api(senna, '/api/user/1', { as: bob });

/** How many error replies with `code` senna's connections have seen (/metrics). */
async function replies(senna, code) {
  const text = (await request(`${senna.url}/metrics`)).text;
  const m = new RegExp(`^senna_redis_error_replies_total\\{code="${code}"\\} (\\d+)$`, 'm').exec(text);
  assert.ok(m, `no counter for ${code}`);
  return Number(m[1]);
}

/** A message stored as the seed (and senna) stores it, written straight into Redis. */
async function seed(port, id = 'seeded-1', text = 'seeded') {
  const json = JSON.stringify({ id, author: 1, timestamp: '2026-01-01T00:00:00.000Z', type: 'text', text });
  await rcmd(port, 'HSET', redisKey(`dm:1-2:data`), id, json);
  await rcmd(port, 'RPUSH', redisKey(`dm:1-2`), id);
  await rcmd(port, 'ZADD', redisKey(`inbox:2`), 1767225600000, 'user-1');
}

/** One command on its own connection, without resp.mjs's 3 s limit (DEBUG RELOAD, a long
    EVAL); resolves to the raw reply text. */
function slowCommand(port, ...args) {
  return new Promise((resolve, reject) => {
    const sock = net.connect(port, '127.0.0.1');
    let data = '';
    sock.on('connect', () => sock.write(`*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(String(a))}\r\n${a}\r\n`).join('')}`));
    sock.on('data', (d) => { data += d; if (data.endsWith('\r\n')) { sock.end(); resolve(data); } });
    sock.on('error', reject);
    sock.on('close', () => resolve(data));
  });
}

const infoField = async (port, section, field) =>
  new RegExp(`^${field}:(.*)\\r?$`, 'm').exec(await rcmd(port, 'INFO', section))?.[1];

/** Asserts the 503 of a refused command counted under `code`, and what the log says. */
async function assertRefused(senna, code, res, expected = UNAVAILABLE) {
  assert.deepEqual([res.status, res.json], [expected.status, expected]);
  assert.ok(await replies(senna, code) > 0, `no ${code} reply counted`);
  await senna.waitForLog(new RegExp(`warn store_refused code=${code} error="${code} `));
}

describe('Redis refusals, one real state per row', () => {
  test('OOM (over maxmemory): 507 STORE_FULL on REST and sockets, reads answer 200', async () => {
    await withServers(async (use) => {
      const r = use(await startRedis());
      await seed(r.port);
      const senna = use(await startSenna({ SOCK_REDIS_URL: r.url }));
      const socket = io(senna.url, { reconnection: false, forceNew: true, auth: { token: alice }, transports: ['websocket'] });
      use({ stop: async () => socket.close() });
      await new Promise((resolve) => socket.once('connect', resolve));
      await rcmd(r.port, 'CONFIG', 'SET', 'maxmemory', '1mb'); // below what Redis already holds
      await assertRefused(senna, 'OOM', await send(senna), FULL);
      const ack = await socket.timeout(5000).emitWithAck('send-message', { to: { type: 'user', id: 2 }, type: 'text', text: 'hi' });
      assert.deepEqual(ack, { error: { code: 'STORE_FULL', message: FULL.message } });
      assert.equal((await history(senna)).status, 200);
      assert.deepEqual(await rcmd(r.port, 'LRANGE', redisKey(`dm:1-2`), 0, -1), ['seeded-1']);
    });
  });

  test('READONLY (a replica): 503 on REST and sockets, history still served', async () => {
    await withServers(async (use) => {
      const master = use(await startRedis({ cluster: false })); // REPLICAOF: not in cluster mode
      const replica = use(await startRedis({ cluster: false }));
      await rcmd(replica.port, 'REPLICAOF', '127.0.0.1', master.port);
      await seed(master.port);
      await until(async () => (await rcmd(replica.port, 'LLEN', redisKey(`dm:1-2`))) === 1, 10000, 'replication');
      const senna = use(await startSenna({ SOCK_REDIS_URL: replica.url }));
      await assertRefused(senna, 'READONLY', await send(senna));
      const socket = io(senna.url, { reconnection: false, forceNew: true, auth: { token: alice }, transports: ['websocket'] });
      use({ stop: async () => socket.close() });
      await new Promise((resolve) => socket.once('connect', resolve));
      const ack = await socket.timeout(5000).emitWithAck('send-message', { to: { type: 'user', id: 2 }, type: 'text', text: 'hi' });
      assert.deepEqual(ack, { error: { code: 'STORE_UNAVAILABLE', message: UNAVAILABLE.message } });
      const h = await history(senna);
      assert.equal(h.status, 200);
      assert.deepEqual(h.json.messages.map((m) => m.id), ['seeded-1']);
    });
  });

  test('LOADING (the dataset being loaded): 503 while it loads, 200 after', async () => {
    await withServers(async (use) => {
      const r = use(await startRedis({ args: ['--enable-debug-command', 'local'] }));
      await seed(r.port);
      const senna = use(await startSenna({ SOCK_REDIS_URL: r.url }));
      // 20000 keys, each loaded 100 us slower than it could be, clients served every 1 KiB read:
      // DEBUG RELOAD (save, then load) keeps Redis loading for a few seconds.
      await rcmd(r.port, 'DEBUG', 'POPULATE', 20000);
      await rcmd(r.port, 'CONFIG', 'SET', 'key-load-delay', 100);
      await rcmd(r.port, 'CONFIG', 'SET', 'loading-process-events-interval-bytes', 1024);
      const reload = slowCommand(r.port, 'DEBUG', 'RELOAD');
      await until(async () => (await infoField(r.port, 'persistence', 'loading')) === '1', 10000, 'loading');
      await assertRefused(senna, 'LOADING', await history(senna));
      assert.equal((await send(senna)).status, 503);
      assert.equal((await request(`${senna.url}/readyz`)).status, 503, 'not ready while Redis loads');
      assert.equal(await reload, '+OK\r\n');
      assert.equal((await history(senna)).status, 200);
    });
  });

  test('BUSY (a script running too long): 503 until it is killed', async () => {
    await withServers(async (use) => {
      const r = use(await startRedis({ args: ['--busy-reply-threshold', '100'] }));
      await seed(r.port);
      const senna = use(await startSenna({ SOCK_REDIS_URL: r.url }));
      const script = slowCommand(r.port, 'EVAL', 'while true do end', 0);
      await until(async () => (await rcmd(r.port, 'PING').catch((e) => e.message)).startsWith('BUSY'), 10000, 'busy');
      await assertRefused(senna, 'BUSY', await history(senna));
      assert.equal((await send(senna)).status, 503);
      assert.equal(await rcmd(r.port, 'SCRIPT', 'KILL'), 'OK');
      assert.match(await script, /^-ERR Script killed by user/);
      assert.equal((await history(senna)).status, 200);
    });
  });

  test('MASTERDOWN (a replica that lost its master, replica-serve-stale-data no): 503', async () => {
    await withServers(async (use) => {
      const master = await startRedis({ cluster: false }); // REPLICAOF: not in cluster mode
      use({ stop: () => master.stop() });
      const replica = use(await startRedis({ cluster: false }));
      await seed(master.port);
      await rcmd(replica.port, 'REPLICAOF', '127.0.0.1', master.port);
      await until(async () => (await infoField(replica.port, 'replication', 'master_link_status')) === 'up', 10000, 'link up');
      await rcmd(replica.port, 'CONFIG', 'SET', 'replica-serve-stale-data', 'no');
      const senna = use(await startSenna({ SOCK_REDIS_URL: replica.url }));
      assert.equal((await history(senna)).status, 200);
      await master.stop();
      await until(async () => (await infoField(replica.port, 'replication', 'master_link_status')) === 'down', 10000, 'link down');
      await assertRefused(senna, 'MASTERDOWN', await history(senna));
      assert.equal((await send(senna)).status, 503); // READONLY comes first for a write
    });
  });

  test('CLUSTERDOWN (a cluster node that serves no slot): 503', async () => {
    await withServers(async (use) => {
      const r = use(await startRedis({ cluster: false, args: ['--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf'] })); // no slot: not the harness's one-node cluster
      const senna = use(await startSenna({ SOCK_REDIS_URL: r.url }));
      await assertRefused(senna, 'CLUSTERDOWN', await history(senna));
      assert.deepEqual((await send(senna)).json, UNAVAILABLE);
    });
  });

  test('MISCONF (snapshots failing, stop-writes-on-bgsave-error): writes 503, reads 200', async () => {
    await withServers(async (use) => {
      const r = use(await startRedis({ args: ['--enable-protected-configs', 'local'] })); // CONFIG SET dir
      await seed(r.port);
      const senna = use(await startSenna({ SOCK_REDIS_URL: r.url }));
      // A save point, and a data directory that disappears: the next snapshot fails.
      const gone = path.join(r.dir, 'gone');
      fs.mkdirSync(gone);
      await rcmd(r.port, 'CONFIG', 'SET', 'save', '3600 1');
      await rcmd(r.port, 'CONFIG', 'SET', 'dir', gone);
      fs.rmSync(gone, { recursive: true });
      await rcmd(r.port, 'BGSAVE');
      await until(async () => (await infoField(r.port, 'persistence', 'rdb_last_bgsave_status')) === 'err', 10000, 'failed save');
      await assertRefused(senna, 'MISCONF', await send(senna));
      assert.equal((await history(senna)).status, 200);
      await rcmd(r.port, 'CONFIG', 'SET', 'dir', r.dir);
      await rcmd(r.port, 'CONFIG', 'SET', 'save', '');
      await rcmd(r.port, 'BGSAVE');
      await until(async () => (await infoField(r.port, 'persistence', 'rdb_last_bgsave_status')) === 'ok', 10000, 'saved');
      assert.equal((await send(senna)).status, 201);
    });
  });

  test('NOREPLICAS (min-replicas-to-write not met): writes 503, reads 200', async () => {
    await withServers(async (use) => {
      const r = use(await startRedis());
      await seed(r.port);
      const senna = use(await startSenna({ SOCK_REDIS_URL: r.url }));
      await rcmd(r.port, 'CONFIG', 'SET', 'min-replicas-to-write', 1);
      await assertRefused(senna, 'NOREPLICAS', await send(senna));
      assert.equal((await history(senna)).status, 200);
      await rcmd(r.port, 'CONFIG', 'SET', 'min-replicas-to-write', 0);
      assert.equal((await send(senna)).status, 201);
    });
  });

  test('NOSCRIPT (the script cache flushed): scripts are loaded again, the client sees nothing', async () => {
    await withServers(async (use) => {
      const r = use(await startRedis());
      const senna = use(await startSenna({ SOCK_REDIS_URL: r.url }));
      const { entry } = (await send(senna)).json;
      await rcmd(r.port, 'SCRIPT', 'FLUSH');
      const edited = await api(senna, `/api/user/2/${entry.id}`, { method: 'POST', body: { text: 'edited' } });
      assert.equal(edited.status, 200); // the compare-and-set script
      await rcmd(r.port, 'SCRIPT', 'FLUSH');
      const inbox = await api(senna, '/api/list');
      assert.equal(inbox.status, 200); // the latest-message script
      assert.equal(inbox.json.entries[0].latest.text, 'edited');
      assert.ok(await replies(senna, 'NOSCRIPT') >= 2);
      assert.doesNotMatch(senna.logs, /store_(refused|failed)/);
    });
  });

  test('any other error reply (WRONGTYPE: a key of a foreign type) is a 500, logged', async () => {
    await withServers(async (use) => {
      const r = use(await startRedis());
      await rcmd(r.port, 'SET', redisKey(`dm:1-2`), 'not a list');
      const senna = use(await startSenna({ SOCK_REDIS_URL: r.url }));
      const res = await history(senna);
      assert.deepEqual([res.status, res.json], [500, INTERNAL]);
      await senna.waitForLog(/error store_failed error="WRONGTYPE Operation against a key holding the wrong kind of value"/);
      assert.ok(await replies(senna, 'ERR') > 0);
    });
  });
});
