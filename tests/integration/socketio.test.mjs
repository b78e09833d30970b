// Socket.IO interop: the npm socket.io-client (4.8 and 2.x) against senna's engineio/socketio
// modules, hosted by the sio-conformance-server test program (its handlers are listed at the
// top of tests/conformance/sio_conformance_server.cpp), plus senna itself for the wiring.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createRequire } from 'node:module';
import { io } from 'socket.io-client';
import { startRedis, startSenna, request, until, SENNA_BIN } from './lib/harness.mjs';

const require = createRequire(import.meta.url);
const ioV2 = require('socket.io-client-v2');

const SERVER_BIN = process.env.SIO_SERVER_BIN || path.join(path.dirname(SENNA_BIN), 'sio-conformance-server');

async function startServer(env = {}) {
  const child = spawn(SERVER_BIN, [], {
    env: { PATH: process.env.PATH, ASAN_OPTIONS: process.env.ASAN_OPTIONS, UBSAN_OPTIONS: process.env.UBSAN_OPTIONS,
      PORT: '0', THREADS: '2', PING_INTERVAL_MS: '25000', PING_TIMEOUT_MS: '20000', FRAME_GAP_US: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stderr.on('data', (d) => { err += d; });
  const url = await new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`server did not start: ${err}`)), 20000);
    child.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/listening on (127\.0\.0\.1:\d+)/);
      if (m) { clearTimeout(t); resolve(`http://${m[1]}`); }
    });
    child.on('exit', (code) => reject(new Error(`server exited ${code}: ${err}`)));
  });
  return {
    url,
    logs: () => err,
    async stop() {
      if (child.exitCode !== null) return child.exitCode;
      child.kill('SIGTERM');
      const [code, signal] = await new Promise((r) => child.once('exit', (c, sig) => r([c, sig])));
      if (code !== 0) console.error(`test server: exit ${code} ${signal}\n${err}`);
      return code;
    },
  };
}

function once(emitter, event, timeoutMs = 5000) {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no ${event} within ${timeoutMs} ms`)), timeoutMs);
    emitter.once(event, (...args) => { clearTimeout(t); resolve(args); });
  });
}

function connect(url, opts = {}) {
  return io(url, { reconnection: false, forceNew: true, ...opts });
}

describe('socket.io-client 4.8 against the test server (2 shards)', () => {
  let server;
  before(async () => { server = await startServer(); });
  after(async () => { assert.equal(await server.stop(), 0); });

  for (const transports of [undefined, ['websocket'], ['polling']]) {
    const label = transports ? transports.join('+') : 'default (polling then upgrade)';
    test(`events and acks both ways, ${label}`, async () => {
      const sock = connect(server.url, transports ? { transports } : {});
      const [auth] = await once(sock, 'auth');
      assert.deepEqual(auth, {});
      const back = once(sock, 'message-back');
      sock.emit('message', 1, '2', { 3: [true] });
      assert.deepEqual(await back, [1, '2', { 3: [true] }]);
      const acked = await sock.timeout(3000).emitWithAck('message-with-ack', 'a', { b: 1 });
      assert.deepEqual(acked, 'a');
      // server -> client with ack: the server asks, the client answers, the server reports.
      sock.on('question', (x, cb) => cb(`answer to ${x}`));
      const reply = await sock.timeout(3000).emitWithAck('ask', 'life');
      assert.equal(reply, 'answer to life');
      if (!transports) {
        if (sock.io.engine.transport.name !== 'websocket') await once(sock.io.engine, 'upgrade');
        assert.equal(sock.io.engine.transport.name, 'websocket');
        // still works after the upgrade, whichever shard the requests landed on
        const again = once(sock, 'message-back');
        sock.emit('message', 'after upgrade');
        assert.deepEqual(await again, ['after upgrade']);
      }
      sock.disconnect();
    });
  }

  test('many default-options clients: polling requests reach the owning shard', async () => {
    const socks = Array.from({ length: 20 }, () => connect(server.url));
    await Promise.all(socks.map((s) => once(s, 'auth')));
    await Promise.all(socks.map(async (s, i) => {
      const r = await s.timeout(3000).emitWithAck('message-with-ack', i);
      assert.equal(r, i);
    }));
    for (const s of socks) s.disconnect();
  });

  test('a server ack the client never answers times out', async () => {
    const sock = connect(server.url, { transports: ['websocket'] });
    await once(sock, 'auth');
    sock.on('question', () => { /* no answer */ });
    const r = await sock.timeout(3000).emitWithAck('ask', 'x');
    assert.equal(r, 'timeout');
    sock.disconnect();
  });

  test('binary payloads both ways', async () => {
    for (const transports of [['websocket'], ['polling']]) {
      const sock = connect(server.url, { transports });
      await once(sock, 'auth');
      const back = once(sock, 'message-back');
      sock.emit('message', Buffer.from([1, 2, 3]), { nested: Buffer.from([4, 5]) });
      const [a, b] = await back;
      assert.deepEqual([...a], [1, 2, 3]);
      assert.deepEqual([...b.nested], [4, 5]);
      const acked = await sock.timeout(3000).emitWithAck('message-with-ack', Buffer.from([9]));
      assert.deepEqual([...acked], [9]);
      sock.disconnect();
    }
  });

  test('a namespace whose hook rejects gets connect_error with message and data', async () => {
    const sock = connect(`${server.url}/reject`, { transports: ['websocket'] });
    const [err] = await once(sock, 'connect_error');
    assert.equal(err.message, 'not allowed');
    assert.deepEqual(err.data, { code: 42 });
    sock.disconnect();
    const unknown = connect(`${server.url}/nope`);
    const [err2] = await once(unknown, 'connect_error');
    assert.equal(err2.message, 'Invalid namespace');
    unknown.disconnect();
  });

  test('an asynchronous hook, and the auth payload', async () => {
    const sock = connect(`${server.url}/slow`, { auth: { token: 'abc' } });
    const [auth] = await once(sock, 'auth');
    assert.deepEqual(auth, { token: 'abc' });
    sock.disconnect();
  });

  test('rooms: a broadcast reaches members on every shard, once each', async () => {
    const socks = Array.from({ length: 8 }, () => connect(server.url, { transports: ['websocket'] }));
    await Promise.all(socks.map((s) => once(s, 'auth')));
    const members = socks.slice(0, 5);
    await Promise.all(members.map((s) => s.timeout(3000).emitWithAck('join', 'blue')));
    let outsiders = 0;
    for (const s of socks.slice(5)) s.on('room-message', () => { outsiders++; });
    const got = members.map((s) => once(s, 'room-message'));
    await socks[7].timeout(3000).emitWithAck('to-room', 'blue', 'hi', 7);
    for (const [a, b] of await Promise.all(got)) assert.deepEqual([a, b], ['hi', 7]);
    await sleep(100);
    assert.equal(outsiders, 0);
    for (const s of socks) s.disconnect();
  });

  test('server-side disconnect, then the client reconnects', async () => {
    const sock = io(server.url, { forceNew: true, reconnectionDelay: 50, reconnectionDelayMax: 100 });
    await once(sock, 'auth');
    const gone = once(sock, 'disconnect');
    sock.emit('bye');
    const [reason] = await gone;
    assert.equal(reason, 'io server disconnect');
    sock.connect(); // a server-side disconnect is not retried automatically
    await once(sock, 'connect');
    sock.disconnect();
  });

  test('an over-maxPayload message closes the connection (WebSocket and polling)', async () => {
    const small = await startServer({ MAX_PAYLOAD: '2000', THREADS: '1' });
    try {
      for (const transports of [['websocket'], ['polling']]) {
        const sock = connect(small.url, { transports });
        await once(sock, 'auth');
        const gone = once(sock, 'disconnect');
        sock.emit('message', 'x'.repeat(5000));
        const [reason] = await gone;
        assert.match(reason, /transport (close|error)/);
        sock.disconnect();
      }
    } finally {
      assert.equal(await small.stop(), 0);
    }
  });

  test('heartbeat: a client that stops answering pings is dropped', async () => {
    const quick = await startServer({ PING_INTERVAL_MS: '200', PING_TIMEOUT_MS: '200' });
    try {
      const sock = connect(quick.url, { transports: ['websocket'] });
      await once(sock, 'auth');
      // Stop answering: swallow the pings before the client's engine sees them.
      const ws = sock.io.engine.transport.ws;
      ws.onmessage = () => {};
      const started = Date.now();
      const [reason] = await once(sock, 'disconnect', 5000);
      assert.ok(['transport close', 'ping timeout'].includes(reason), reason);
      assert.ok(Date.now() - started < 2000);
    } finally {
      assert.equal(await quick.stop(), 0);
    }
  });

  test('a slow consumer over WebSocket is disconnected when its outbox overflows', async () => {
    const tight = await startServer({ OUTBOX_LIMIT: '32', THREADS: '1' });
    try {
      const sock = connect(tight.url, { transports: ['websocket'] });
      await once(sock, 'auth');
      const gone = once(sock, 'disconnect');
      sock.emit('flood', 100); // 100 frames queued in one turn: over the limit before any write
      const [reason] = await gone;
      assert.match(reason, /transport (close|error)/);
    } finally {
      assert.equal(await tight.stop(), 0);
    }
  });

  test('a long-poll whose client left keeps its packets for the next GET', async () => {
    const one = await startServer({ THREADS: '1' });
    try {
      const base = `${one.url}/socket.io/?EIO=4&transport=polling`;
      const open = await (await fetch(base)).text();
      const sid = JSON.parse(open.slice(1)).sid;
      const poll = `${base}&sid=${sid}`;
      assert.equal(await (await fetch(poll, { method: 'POST', body: '40' })).text(), 'ok');
      const connected = await (await fetch(poll)).text();
      assert.match(connected, /^40\{"sid":"[^"]+"\}\x1e42\["auth",\{\}\]$/);
      // A GET held on a connection of its own, whose client then goes away.
      const { port, hostname } = new URL(one.url);
      const held = net.connect(Number(port), hostname);
      await new Promise((r) => held.once('connect', r));
      held.write(`GET /socket.io/?EIO=4&transport=polling&sid=${sid} HTTP/1.1\r\nHost: x\r\n\r\n`);
      await sleep(200);
      held.destroy();
      await sleep(200);
      // The answer to this event would have gone to the dead socket.
      assert.equal(await (await fetch(poll, { method: 'POST', body: '42["message","kept"]' })).text(), 'ok');
      const next = await Promise.race([
        fetch(poll).then((r) => r.text()),
        sleep(3000).then(() => 'no answer within 3 s'),
      ]);
      assert.equal(next, '42["message-back","kept"]');
    } finally {
      assert.equal(await one.stop(), 0);
    }
  });

  test('a slow consumer is disconnected when its outbox overflows', async () => {
    const tight = await startServer({ OUTBOX_LIMIT: '32', THREADS: '1' });
    try {
      const sock = connect(tight.url, { transports: ['polling'] });
      await once(sock, 'auth');
      const gone = once(sock, 'disconnect');
      sock.emit('flood', 100);
      const [reason] = await gone;
      assert.match(reason, /transport (close|error)/);
    } finally {
      assert.equal(await tight.stop(), 0);
    }
  });
});

describe('socket.io-client 2.x (Engine.IO v3, Socket.IO v4)', () => {
  let server;
  before(async () => { server = await startServer(); });
  after(async () => { assert.equal(await server.stop(), 0); });

  for (const transports of [undefined, ['websocket'], ['polling']]) {
    test(`connects, events and acks, ${transports ? transports.join('+') : 'default'}`, async () => {
      const sock = ioV2(server.url, { forceNew: true, reconnection: false, ...(transports ? { transports } : {}) });
      const [auth] = await once(sock, 'auth');
      assert.deepEqual(auth, {});
      const back = once(sock, 'message-back');
      sock.emit('message', 'v2', Buffer.from([1, 2]));
      const [a, b] = await back;
      assert.equal(a, 'v2');
      assert.deepEqual([...b], [1, 2]);
      const acked = await new Promise((r) => sock.emit('message-with-ack', 5, r));
      assert.equal(acked, 5);
      sock.close();
    });
  }

  test('custom namespace and a refusing hook', async () => {
    const ok = ioV2(`${server.url}/custom`, { forceNew: true, reconnection: false });
    await once(ok, 'auth');
    ok.close();
    const no = ioV2(`${server.url}/reject`, { forceNew: true, reconnection: false });
    const [err] = await once(no, 'error');
    assert.deepEqual(err, { code: 42 });
    no.close();
  });
});

describe('senna serves Socket.IO at /socket.io/', () => {
  let redis;
  let senna;
  before(async () => {
    redis = await startRedis();
    senna = await startSenna({ SOCK_REDIS_URL: redis.url });
  });
  after(async () => {
    if (senna) await senna.stop();
    if (redis) await redis.stop();
  });

  test('the default namespace connects over default options and WebSocket; metrics count it', async () => {
    const a = connect(senna.url);
    const b = connect(senna.url, { transports: ['websocket'] });
    await Promise.all([once(a, 'connect'), once(b, 'connect')]);
    if (a.io.engine.transport.name !== 'websocket') await once(a.io.engine, 'upgrade');
    // The client's 'upgrade' fires when it has sent its upgrade packet; the server counts the
    // session as WebSocket once it has read it, which under load can come after a scrape.
    await until(async () => {
      const m = await request(`${senna.url}/metrics`);
      const ws = m.text.match(/senna_engineio_sessions\{transport="websocket"\} (\d+)/);
      return ws && Number(ws[1]) >= 2;
    }, 5000, 'two WebSocket sessions in /metrics');
    a.disconnect();
    b.disconnect();
  });

  test('protocol errors and CORS with credentials', async () => {
    const bad = await request(`${senna.url}/socket.io/?EIO=9&transport=polling`);
    assert.equal(bad.status, 400);
    assert.deepEqual(bad.json, { code: 5, message: 'Unsupported protocol version' });
    const unknown = await request(`${senna.url}/socket.io/?EIO=4&transport=polling&sid=AAnope`);
    assert.deepEqual(unknown.json, { code: 1, message: 'Session ID unknown' });
    const open = await request(`${senna.url}/socket.io/?EIO=4&transport=polling`, { headers: { Origin: 'http://app.example' } });
    assert.equal(open.status, 200);
    assert.equal(open.headers.get('access-control-allow-origin'), 'http://app.example');
    assert.equal(open.headers.get('access-control-allow-credentials'), 'true');
    assert.match(open.text, /^0\{"sid":"[^"]+","upgrades":\["websocket"\],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000\}$/);
  });

  test('the CORS preflight of a credentialed polling request allows credentials (issue 17)', async () => {
    // A browser client with withCredentials: true and extraHeaders preflights its GET; "*"
    // without Allow-Credentials made the browser refuse it.
    const pre = await request(`${senna.url}/socket.io/?EIO=4&transport=polling`, {
      method: 'OPTIONS',
      headers: { Origin: 'http://app.example', 'Access-Control-Request-Method': 'GET', 'Access-Control-Request-Headers': 'x-auth-token' },
    });
    assert.equal(pre.status, 204);
    assert.equal(pre.headers.get('access-control-allow-origin'), 'http://app.example');
    assert.equal(pre.headers.get('access-control-allow-credentials'), 'true');
    assert.equal(pre.headers.get('access-control-allow-headers'), 'x-auth-token');
    assert.equal(pre.headers.get('vary'), 'Origin, Access-Control-Request-Headers');
  });

  test('SIGTERM closes realtime clients and exits 0', async () => {
    const s = connect(senna.url, { transports: ['websocket'] });
    await once(s, 'connect');
    const gone = once(s, 'disconnect');
    const { code } = await senna.stop();
    senna = null;
    assert.equal(code, 0);
    await gone;
  });
});
