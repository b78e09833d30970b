// Faults with real processes (issue 8): Redis killed and restarted under REST and socket
// sends, a slow WebSocket consumer on a busy topic, a flood of connections past
// SOCK_MAX_CONNECTIONS with slowloris connections holding the slots, and SIGTERM with requests
// in flight. Covered elsewhere, not repeated here: REST-only sends across a Redis SIGKILL
// (chat.test.mjs, "Redis going away"), the managed redis-server killed (lifecycle.test.mjs),
// the platform API hanging (platform.test.mjs), one trickling request and one idle connection
// cut by their deadlines (http.test.mjs). Also here: a clean stop deletes the instance's
// presence heartbeat key, idle or not.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import { createRequire } from 'node:module';
import { setTimeout as sleep } from 'node:timers/promises';
import { io } from 'socket.io-client';
import { request, startRedis, startSenna, tmpDir, token, until, redisKey } from './lib/harness.mjs';
import { redis as rcmd } from './lib/resp.mjs';

const require = createRequire(import.meta.url);
const WebSocket = require('ws');

const UNAVAILABLE = { code: 'STORE_UNAVAILABLE', message: 'The message store is unavailable - please try again' };

function once(emitter, event, timeoutMs = 5000) {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no ${event} within ${timeoutMs} ms`)), timeoutMs);
    emitter.once(event, (...args) => { clearTimeout(t); resolve(args); });
  });
}


const send = (base, path, as, body, timeoutMs = 8000) => request(`${base}${path}`, {
  method: 'POST', headers: { 'X-Auth-Token': as, 'Content-Type': 'application/json' }, body: JSON.stringify(body), timeoutMs,
});

/** A socket.io-client socket that records every new-message it gets. */
async function sioClient(url, tok, opts = {}) {
  const s = io(url, { reconnection: false, forceNew: true, auth: { token: tok }, ...opts });
  s.messages = [];
  s.disconnects = [];
  s.on('new-message', (m) => s.messages.push(m));
  s.on('disconnect', (reason) => s.disconnects.push(reason));
  await once(s, 'connect');
  return s;
}

/** The stored JSON of a message as senna (and the seed) writes it. */
const storedJson = (e) => JSON.stringify({ id: e.id, author: e.author, timestamp: e.timestamp.iso, type: e.type, text: e.text });

async function hashOf(port, key) {
  const flat = (await rcmd(port, 'HGETALL', key)) ?? [];
  const out = new Map();
  for (let i = 0; i + 1 < flat.length; i += 2) out.set(flat[i], flat[i + 1]);
  return out;
}

const rssKb = (pid) => Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))[1]);

describe('Redis restarted during REST and socket sends', () => {
  test('every acknowledged send is stored whole, every other one is refused, and senna recovers without a restart', async (t) => {
    const dir = tmpDir('senna-aof-');
    let r = await startRedis({ dir });
    // Senders as fast as the store allows: the write and event limits (tested in limits.test.mjs)
    // would answer some of them 429 instead of the outcome under test.
    const senna = await startSenna({
      SOCK_REDIS_URL: r.url, SOCK_REDIS_COMMAND_TIMEOUT_MS: '1000', SOCK_RATE_SEND_PER_SEC: '0',
      SOCK_RATE_EVENTS_PER_SEC: '0',
    });
    const alice = token({ user_id: 21 });
    const bob = token({ user_id: 22 });
    const sockets = [];
    let stop = false;
    try {
      const receiver = await sioClient(senna.url, bob, { transports: ['websocket'] });
      const viaWs = await sioClient(senna.url, alice, { transports: ['websocket'] });
      const viaPolling = await sioClient(senna.url, alice, { transports: ['polling'] });
      sockets.push(receiver, viaWs, viaPolling);

      const acked = []; // entries answered 201 or acked ok
      const refused = []; // texts answered 503 or acked STORE_UNAVAILABLE
      const restSender = async (n) => {
        for (let i = 0; !stop; i++) {
          const text = `rest-${n}-${i}`;
          const res = await send(senna.url, '/api/user/22', alice, { type: 'text', text });
          if (res.status === 201) {
            assert.equal(res.json.entry.text, text);
            acked.push(res.json.entry);
          } else {
            assert.equal(res.status, 503, `${text}: ${res.status} ${res.text}`);
            assert.deepEqual(res.json, { error: true, ...UNAVAILABLE, name: 'StoreUnavailableError', status: 503 });
            refused.push(text);
            await sleep(20);
          }
        }
      };
      const socketSender = async (s, name) => {
        for (let i = 0; !stop; i++) {
          const text = `${name}-${i}`;
          const a = await s.timeout(8000).emitWithAck('send-message', { to: { type: 'user', id: 22 }, type: 'text', text });
          if (a.ok === true) {
            assert.equal(a.entry.text, text);
            assert.deepEqual(a.state, { key: 'myplatform:dm:21-22', inbox_key: 'user-22' });
            acked.push(a.entry);
          } else {
            assert.deepEqual(a, { error: UNAVAILABLE }, `${text}: ${JSON.stringify(a)}`);
            refused.push(text);
            await sleep(20);
          }
        }
      };
      const senders = [restSender(1), restSender(2), socketSender(viaWs, 'ws'), socketSender(viaPolling, 'polling')];
      await sleep(400);
      const ackedBefore = acked.length;
      const { port } = r;
      const mark = senna.logs.length;
      await r.stop(); // SIGKILL, mid-stream
      await sleep(400);
      r = await startRedis({ port, dir });
      // Each shard has its own connection, back after its own reconnect backoff.
      await until(() => ['shard-0', 'shard-1'].every((n) => senna.logs.includes(`redis_connected name=${n} `, mark)),
        10000, 'both shards reconnected');
      const ackedAtRecovery = acked.length;
      await sleep(300);
      stop = true;
      await Promise.all(senders);

      t.diagnostic(`acknowledged ${acked.length} (${ackedBefore} before the kill), refused ${refused.length}`);
      assert.ok(ackedBefore > 5, `sends went through before the kill (${ackedBefore})`);
      assert.ok(refused.some((t) => t.startsWith('rest')), 'some REST sends were refused');
      assert.ok(refused.some((t) => !t.startsWith('rest')), 'some socket sends were refused');
      assert.ok(acked.length > ackedAtRecovery, 'sends went through again after the restart');

      // A later send succeeds both ways, and it is the latest activity of both inboxes.
      const rest = await send(senna.url, '/api/user/22', alice, { type: 'text', text: 'after' });
      assert.equal(rest.status, 201);
      const sock = await viaWs.timeout(5000).emitWithAck('send-message', { to: { type: 'user', id: 22 }, type: 'text', text: 'after-socket' });
      assert.equal(sock.ok, true);
      acked.push(rest.json.entry, sock.entry);
      const last = sock.entry;

      // Storage: every acknowledged message exactly as sent, in the list and the hash.
      const list = await rcmd(r.port, 'LRANGE', redisKey(`dm:21-22`), 0, -1);
      const hash = await hashOf(r.port, redisKey(`dm:21-22:data`));
      for (const e of acked) {
        assert.equal(hash.get(e.id), storedJson(e), `acknowledged ${e.text} is stored as sent`);
        assert.ok(list.includes(e.id), `acknowledged ${e.text} is in the list`);
      }
      // None half-written: the list and the hash hold the same messages, each once.
      assert.equal(new Set(list).size, list.length, 'no id twice in the list');
      assert.deepEqual([...list].sort(), [...hash.keys()].sort(), 'list and hash agree');
      const sentTexts = new Set([...acked.map((e) => e.text), ...refused]);
      for (const raw of hash.values()) assert.ok(sentTexts.has(JSON.parse(raw).text), raw);
      assert.equal(Number(await rcmd(r.port, 'ZSCORE', redisKey(`inbox:21`), 'user-22')), last.timestamp.epoch);
      assert.equal(Number(await rcmd(r.port, 'ZSCORE', redisKey(`inbox:22`), 'user-21')), last.timestamp.epoch);
      assert.equal(await rcmd(r.port, 'HGET', redisKey(`activity:21`), 'last_active'), last.timestamp.iso);

      // Realtime: nobody was disconnected, and the receiver got exactly the acknowledged sends.
      await until(() => receiver.messages.length >= acked.length, 5000, 'every delivery');
      await sleep(100);
      for (const s of sockets) assert.deepEqual(s.disconnects, [], 'still connected');
      assert.deepEqual(receiver.messages.map((m) => m.id).sort(), acked.map((e) => e.id).sort());
    } finally {
      stop = true;
      for (const s of sockets) s.disconnect();
      await senna.stop();
      await r.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

/**
 * A raw Engine.IO v4 / Socket.IO v5 client over the `ws` package, so the test controls reading:
 * pause() stops reading from the TCP socket altogether.
 */
async function rawSocket(url, tok) {
  const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/socket.io/?EIO=4&transport=websocket`);
  const frames = [];
  ws.closed = once(ws, 'close', 60000).catch(() => null);
  ws.on('error', () => {});
  ws.on('message', (data) => {
    const t = data.toString();
    if (t === '2') ws.send('3'); // answer pings
    else frames.push(t);
  });
  const next = (re, what) => until(() => frames.find((f) => re.test(f)), 5000, what);
  await next(/^0\{/, 'the open packet');
  ws.send(`40${JSON.stringify({ token: tok })}`);
  await next(/^40\{"sid"/, 'the namespace connect');
  ws.frames = frames;
  ws.emitWithAck = async (id, event, payload) => {
    ws.send(`42${id}${JSON.stringify([event, payload])}`);
    return JSON.parse((await next(new RegExp(`^43${id}\\[`), `ack ${id}`)).slice(2 + String(id).length))[0];
  };
  return ws;
}

describe('a slow consumer', () => {
  test('a client that stops reading is dropped at SOCK_EIO_OUTBOX_LIMIT; the others get everything; memory stays bounded', async (t) => {
    const r = await startRedis();
    // A small ASan quarantine, so freed memory is reused and RSS shows what senna holds.
    const asan = [process.env.ASAN_OPTIONS, 'quarantine_size_mb=8'].filter(Boolean).join(':');
    const senna = await startSenna({
      // 200 KB messages, fast: beyond the default event-size cap and write rate on purpose.
      SOCK_REDIS_URL: r.url, SOCK_EIO_OUTBOX_LIMIT: '16', SOCK_MAX_TEXT_LENGTH: '300000', ASAN_OPTIONS: asan,
      SOCK_SIO_MAX_EVENT_BYTES: '0', SOCK_RATE_SEND_PER_SEC: '0',
    });
    const producer = token({ user_id: 31 });
    const sockets = [];
    let slow;
    try {
      slow = await rawSocket(senna.url, token({ user_id: 32 }));
      assert.deepEqual(await slow.emitWithAck(1, 'join-topic', { id: 77 }), { ok: true, room: 'topic-77' });
      const fast = [];
      for (const [n, transports] of [[33, ['websocket']], [34, ['polling']]]) {
        const s = await sioClient(senna.url, token({ user_id: n }), { transports });
        assert.equal((await s.timeout(5000).emitWithAck('join-topic', { id: 77 })).ok, true);
        fast.push(s);
        sockets.push(s);
      }
      slow.pause(); // stops reading: the kernel buffers fill, then senna's outbox

      const text = (i) => `${String(i).padStart(6, '0')}${'x'.repeat(200000)}`;
      const metric = async () => Number(/^senna_engineio_slow_consumers_total (\d+)$/m
        .exec((await request(`${senna.url}/metrics`)).text)[1]);
      await send(senna.url, '/api/topic/77', producer, { type: 'text', text: text(0) });
      await until(() => fast.every((s) => s.messages.length === 1), 5000, 'the first delivery');
      const baseline = rssKb(senna.pid);
      let peak = baseline;
      let droppedAt = null;
      const total = 400; // 80 MB of messages: far more than the kernel buffers and the outbox
      for (let i = 1; i < total; i++) {
        const res = await send(senna.url, '/api/topic/77', producer, { type: 'text', text: text(i) });
        assert.equal(res.status, 201);
        // The fast clients stay at most a few messages behind: they must never look slow.
        await until(() => fast.every((s) => s.messages.length >= i - 2), 10000, `delivery ${i - 2}`);
        if (droppedAt === null && i % 10 === 0 && (await metric()) === 1) droppedAt = i;
        if (i % 20 === 0) peak = Math.max(peak, rssKb(senna.pid));
      }
      peak = Math.max(peak, rssKb(senna.pid));
      t.diagnostic(`dropped after message ${droppedAt}; RSS ${baseline} KB before the flood, peak ${peak} KB`);
      assert.ok(droppedAt !== null, 'the slow consumer was dropped');
      assert.match(senna.logs, /eio_slow_consumer sid=\S+ queued=16/);
      assert.ok(peak - baseline < 64 * 1024, `RSS grew by ${peak - baseline} KB over the flood`);

      // The others got every message once, in order, and are still connected.
      await until(() => fast.every((s) => s.messages.length === total), 10000, 'every delivery');
      for (const s of fast) {
        assert.deepEqual(s.messages.map((m) => Number(m.text.slice(0, 6))), Array.from({ length: total }, (_, i) => i));
        assert.deepEqual(s.disconnects, []);
      }
      // Once it reads again, the slow client finds its connection closed by senna.
      slow.resume();
      const [code] = await slow.closed;
      assert.ok(code === 1006 || code === 1000, `close code ${code}`);
      assert.ok(slow.frames.length < total, 'it did not get everything');
      const m = (await request(`${senna.url}/metrics`)).text;
      assert.match(m, /^senna_engineio_sessions\{transport="websocket"\} 1$/m);
    } finally {
      slow?.terminate();
      for (const s of sockets) s.disconnect();
      await senna.stop();
      await r.stop();
    }
  });
});

/** A raw TCP connection; `.data` collects what arrives, `.gone` resolves when it ends. */
function rawConn(baseUrl) {
  const { hostname, port } = new URL(baseUrl);
  const sock = net.connect(Number(port), hostname);
  sock.data = '';
  sock.setEncoding('utf8');
  sock.on('data', (d) => { sock.data += d; });
  sock.on('error', (e) => { sock.failure = e.code; });
  sock.gone = new Promise((resolve) => sock.on('close', () => resolve()));
  sock.connected = new Promise((resolve) => { sock.on('connect', resolve); sock.on('error', resolve); });
  return sock;
}

async function exchange(sock, text) {
  const before = sock.data.length;
  sock.write(text);
  await until(() => /\r\n\r\n[\s\S]*\}$/.test(sock.data.slice(before)) || sock.destroyed, 5000, 'a response');
  return sock.data.slice(before);
}

describe('connection limits and deadlines', () => {
  test('slowloris connections holding every slot are cut at the deadline; a flood past SOCK_MAX_CONNECTIONS is refused while a connected client keeps being served', async () => {
    const r = await startRedis();
    const senna = await startSenna({
      SOCK_REDIS_URL: r.url, SOCK_MAX_CONNECTIONS: '8', SOCK_THREADS: '1',
      SOCK_HTTP_REQUEST_TIMEOUT_MS: '1500', SOCK_HTTP_IDLE_TIMEOUT_MS: '20000',
    });
    const open = [];
    try {
      // One well-behaved keep-alive client.
      const client = rawConn(senna.url);
      open.push(client);
      await client.connected;
      const get = 'GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n';
      assert.match(await exchange(client, get), /^HTTP\/1\.1 200 OK/);

      // Seven slowloris connections take the other slots, trickling a header byte now and then.
      const loris = Array.from({ length: 7 }, () => rawConn(senna.url));
      open.push(...loris);
      await Promise.all(loris.map((s) => s.connected));
      for (const s of loris) s.write('GET /api/ HTTP/1.1\r\nHost: x\r\nX-Slow: ');
      const started = Date.now();
      const trickle = setInterval(() => { for (const s of loris) if (!s.destroyed) s.write('a'); }, 200);
      try {
        await sleep(200);
        // A flood of 100 connections past the limit: each is closed at once, unanswered.
        const flood = Array.from({ length: 100 }, () => rawConn(senna.url));
        open.push(...flood);
        for (const s of flood) s.on('connect', () => s.write(get));
        // Meanwhile the connected client is served.
        for (let i = 0; i < 5; i++) assert.match(await exchange(client, get), /^HTTP\/1\.1 200 OK/);
        await Promise.all(flood.map((s) => s.gone));
        for (const s of flood) {
          assert.equal(s.data, '', 'refused without an answer');
          assert.ok([undefined, 'ECONNRESET', 'EPIPE'].includes(s.failure), s.failure);
        }
        // The slowloris connections are cut at the request deadline, unanswered.
        await Promise.all(loris.map((s) => s.gone));
        const ms = Date.now() - started;
        assert.ok(ms >= 1200 && ms < 5000, `cut after ${ms} ms`);
        for (const s of loris) assert.equal(s.data, '');
      } finally {
        clearInterval(trickle);
      }

      // Their slots are free again: new clients are served, and the old one still is.
      const fresh = await request(`${senna.url}/healthz`);
      assert.equal(fresh.status, 200);
      assert.match(await exchange(client, get), /^HTTP\/1\.1 200 OK/);
      const m = await request(`${senna.url}/metrics`);
      assert.ok(Number(/^senna_http_refused_connections_total (\d+)$/m.exec(m.text)[1]) >= 100);
    } finally {
      for (const s of open) s.destroy();
      await senna.stop();
      await r.stop();
    }
  });
});

describe('SIGTERM under load', () => {
  test('requests in flight are answered, senna exits 0, every 201 is stored', async (t) => {
    const r = await startRedis();
    const senna = await startSenna({
      SOCK_REDIS_URL: r.url, SOCK_SHUTDOWN_TIMEOUT_MS: '10000', SOCK_REDIS_COMMAND_TIMEOUT_MS: '5000',
      SOCK_RATE_SEND_PER_SEC: '0', // many sends by one user in flight at once
    });
    const alice = token({ user_id: 41 });
    let paused = false;
    try {
      const acked = [];
      let stop = false;
      const loop = async (n) => {
        for (let i = 0; !stop; i++) {
          const res = await send(senna.url, '/api/topic/5', alice, { type: 'text', text: `loop-${n}-${i}` });
          assert.equal(res.status, 201);
          acked.push(res.json.entry);
        }
      };
      const loops = Array.from({ length: 6 }, (_, n) => loop(n));
      await sleep(300);
      // Freeze Redis so the next requests stay in flight inside senna.
      process.kill(r.pid, 'SIGSTOP');
      paused = true;
      stop = true;
      const burst = Array.from({ length: 30 }, (_, i) => send(senna.url, '/api/topic/5', alice, { type: 'text', text: `burst-${i}` }, 15000));
      await sleep(500);
      const exited = senna.stop('SIGTERM');
      await sleep(300);
      assert.equal(senna.child.exitCode, null, 'senna waits for the requests in flight');
      const late = await request(`${senna.url}/healthz`, { timeoutMs: 2000 }).catch((e) => e);
      assert.ok(late instanceof Error, 'no new connections once draining');
      process.kill(r.pid, 'SIGCONT');
      paused = false;
      for (const res of await Promise.all(burst)) {
        assert.equal(res.status, 201, res.text);
        acked.push(res.json.entry);
      }
      await Promise.all(loops);
      assert.deepEqual(await exited, { code: 0, signal: null });
      assert.doesNotMatch(senna.logs, /shutdown_forced/);

      const list = await rcmd(r.port, 'LRANGE', redisKey(`topic:5`), 0, -1);
      const hash = await hashOf(r.port, redisKey(`topic:5:data`));
      t.diagnostic(`${acked.length} sends answered 201`);
      assert.ok(acked.length >= 36);
      for (const e of acked) {
        assert.equal(hash.get(e.id), storedJson(e));
        assert.ok(list.includes(e.id));
      }
      assert.equal(list.length, acked.length, 'nothing stored that was not answered');
      assert.deepEqual(await rcmd(r.port, 'KEYS', redisKey(`instance:*`)), [], 'heartbeat key deleted');
    } finally {
      if (paused) process.kill(r.pid, 'SIGCONT');
      await senna.stop();
      await r.stop();
    }
  });

  test('a clean stop, idle or with sockets, deletes its heartbeat key and leaves its users inactive', async () => {
    const r = await startRedis();
    try {
      const idle = await startSenna({ SOCK_REDIS_URL: r.url });
      assert.equal((await rcmd(r.port, 'KEYS', redisKey(`instance:*`))).length, 1, 'heartbeat key while running');
      assert.deepEqual(await idle.stop('SIGTERM'), { code: 0, signal: null });
      assert.deepEqual(await rcmd(r.port, 'KEYS', redisKey(`instance:*`)), []);
      assert.doesNotMatch(idle.logs, /presence_failed/);

      const senna = await startSenna({ SOCK_REDIS_URL: r.url });
      const sockets = [];
      for (const [n, transports] of [[61, ['websocket']], [62, ['polling']], [63, undefined]]) {
        sockets.push(await sioClient(senna.url, token({ user_id: n }), transports ? { transports } : {}));
      }
      // Not in the middle of the upgrade: a probe cut after the client paused polling leaves
      // socket.io-client waiting for its ping timeout (and senna's drain for its own).
      const upgrading = sockets[2];
      if (upgrading.io.engine.transport.name !== 'websocket') await once(upgrading.io.engine, 'upgrade');
      for (const n of [61, 62, 63]) assert.equal(await rcmd(r.port, 'HGET', redisKey(`activity:${n}`), 'status'), 'active');
      const gone = sockets.map((s) => once(s, 'disconnect'));
      assert.deepEqual(await senna.stop('SIGTERM'), { code: 0, signal: null });
      await Promise.all(gone);
      assert.deepEqual(await rcmd(r.port, 'KEYS', redisKey(`instance:*`)), []);
      for (const n of [61, 62, 63]) assert.equal(await rcmd(r.port, 'HGET', redisKey(`activity:${n}`), 'status'), 'inactive', `user ${n}`);
      assert.doesNotMatch(senna.logs, /presence_failed/);
    } finally {
      await r.stop();
    }
  });
});
