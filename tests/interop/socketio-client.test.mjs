// The npm clients against the real senna and a real redis-server: socket.io-client 4.8 (its
// WebSocket transport is the npm `ws` package) over WebSocket only and polling only, `ws` itself
// for fragmented frames, and socket.io-client 2.x (Engine.IO v3). Each connects with a JWT, sends
// a large message, receives a topic message sent over REST by another user, and reconnects by
// itself after senna restarts (SIGTERM, same port, same Redis). Also: an event senna does not
// know.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { setTimeout as sleep } from 'node:timers/promises';
import { io } from 'socket.io-client';
import WebSocket from 'ws';
import { token } from '../integration/lib/harness.mjs';
import { api, pattern, postTopic, startStack, until } from './lib/interop.mjs';

const require = createRequire(import.meta.url);
const ioV2 = require('socket.io-client-v2');

const alice = token({ user_id: 1, username: 'alice' });
const bob = token({ user_id: 2, username: 'bob' });
const TOPIC = 'npm';
const chatTopic = { type: 'topic', id: TOPIC };
const FAST = { reconnectionDelay: 200, reconnectionDelayMax: 1000, randomizationFactor: 0 };

function once(emitter, event, timeoutMs = 10000) {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no ${event} within ${timeoutMs} ms`)), timeoutMs);
    emitter.once(event, (...args) => { clearTimeout(t); resolve(args); });
  });
}

/** Records every new-message in `.got`. */
function track(s) {
  s.got = [];
  s.on('new-message', (m) => s.got.push(m));
  return s;
}
const gotId = (s, id, timeoutMs = 10000) => until(() => s.got.find((m) => m.id === id), timeoutMs, `new-message ${id}`);

/** Restarts senna; resolves once `s` is connected again (its own 'connect', both versions). */
async function restartAndReconnect(stack, s) {
  const disconnected = once(s, 'disconnect', 15000);
  const reconnected = once(s, 'connect', 20000);
  const stopped = await stack.restart();
  assert.equal(stopped.code, 0);
  const [reason] = await disconnected;
  await reconnected;
  assert.equal(s.connected, true);
  return { reason, stopped };
}

for (const transport of ['websocket', 'polling']) {
  describe(`socket.io-client 4.8, transports: ['${transport}']`, () => {
    let stack;
    let s;
    before(async () => {
      stack = await startStack();
      s = track(io(stack.url, { transports: [transport], auth: { token: alice }, forceNew: true, ...FAST }));
      await once(s, 'connect');
      assert.equal(s.io.engine.transport.name, transport);
    });
    after(async () => {
      s?.disconnect();
      await stack?.stop();
    });

    test('join-topic, then a 900,000-character send-message: ok ack, and it comes back whole', async () => {
      assert.deepEqual(await s.timeout(5000).emitWithAck('join-topic', { id: TOPIC }), { ok: true, room: `topic-${TOPIC}` });
      const text = 'b'.repeat(900000);
      const a = await s.timeout(20000).emitWithAck('send-message', { to: chatTopic, type: 'text', text });
      assert.equal(a.ok, true);
      assert.deepEqual(a.state, { key: `myplatform:topic:${TOPIC}`, inbox_key: `topic-${TOPIC}` });
      assert.equal(a.entry.text, text);
      assert.deepEqual(await gotId(s, a.entry.id, 15000), { ...a.entry, chat: chatTopic });
    });

    test('a binary attachment near the payload limit is received whole and acked', async () => {
      const n = transport === 'polling' ? 700000 : 900000; // polling: base64, 4/3 larger
      const a = await s.timeout(20000).emitWithAck('send-message', { to: chatTopic, type: 'text', text: 'bin', blob: pattern(n) });
      assert.equal(a.ok, true, JSON.stringify(a));
      assert.equal(a.entry.text, 'bin');
    });

    test('a topic message sent over REST by another user arrives as new-message', async () => {
      const entry = await postTopic(stack.url, bob, TOPIC, `REST to ${transport}`);
      assert.deepEqual(await gotId(s, entry.id), { ...entry, chat: chatTopic });
    });

    test('an unknown event with an ack id gets an UNKNOWN_EVENT error ack',
      async () => {
        const a = await s.timeout(3000).emitWithAck('no-such-event', { x: 1 });
        assert.deepEqual(a, { error: { code: 'UNKNOWN_EVENT', message: 'Unknown event "no-such-event"' } });
      });

    test('an unknown event without an ack id: nothing comes back and the socket stays connected', async () => {
      const packets = [];
      const onPacket = (p) => { if (p.type !== 'ping') packets.push(p); };
      s.io.engine.on('packet', onPacket);
      const anything = [];
      const onAny = (...args) => anything.push(args);
      s.onAny(onAny);
      s.emit('no-such-event', { x: 1 });
      await sleep(1000);
      s.io.engine.off('packet', onPacket);
      s.offAny(onAny);
      assert.deepEqual(packets, []);
      assert.deepEqual(anything, []);
      assert.equal(s.connected, true);
      // Still served: a known event with an ack.
      assert.deepEqual(await s.timeout(5000).emitWithAck('join-topic', { id: TOPIC }), { ok: true, room: `topic-${TOPIC}` });
    });

    test('after senna restarts it reconnects by itself and receives broadcasts again', async (t) => {
      const { reason, stopped } = await restartAndReconnect(stack, s);
      t.diagnostic(`disconnect reason "${reason}", senna exited in ${stopped.ms} ms`);
      assert.equal(s.io.engine.transport.name, transport);
      const dm = await api(stack.url, '/api/user/1', { as: bob, method: 'POST', body: { type: 'text', text: 'after restart' } });
      assert.equal(dm.status, 201);
      assert.deepEqual(await gotId(s, dm.json.entry.id), { ...dm.json.entry, chat: { type: 'user', id: 2 } });
      assert.deepEqual(await s.timeout(5000).emitWithAck('join-topic', { id: TOPIC }), { ok: true, room: `topic-${TOPIC}` });
      const entry = await postTopic(stack.url, bob, TOPIC, 'topic after restart');
      assert.deepEqual(await gotId(s, entry.id), { ...entry, chat: chatTopic });
    });
  });
}

describe('ws 8 (the npm package socket.io-client uses) with fragmented frames', () => {
  let stack;
  before(async () => { stack = await startStack(); });
  after(async () => { await stack?.stop(); });

  /** A raw Engine.IO v4 WebSocket, authenticated; `.texts` collects the text messages. */
  async function connectRaw() {
    const ws = new WebSocket(`ws://127.0.0.1:${stack.port}/socket.io/?EIO=4&transport=websocket`);
    ws.texts = [];
    ws.pongs = [];
    ws.on('message', (d, isBinary) => {
      if (isBinary) return;
      const t = d.toString('utf8');
      if (t === '2') ws.send('3');
      else ws.texts.push(t);
    });
    ws.on('pong', (d) => ws.pongs.push(d.toString('utf8')));
    await once(ws, 'open');
    await until(() => ws.texts.some((t) => t.startsWith('0{')), 5000, 'open packet');
    ws.send(`40${JSON.stringify({ token: alice })}`);
    await until(() => ws.texts.some((t) => t.startsWith('40{')), 5000, 'CONNECT');
    return ws;
  }
  const ackOf = (ws, id) => until(() => {
    const t = ws.texts.find((x) => x.startsWith(`43${id}[`));
    return t && JSON.parse(t.slice(2 + String(id).length));
  }, 10000, `ack ${id}`);

  test('a text message sent as three fragments with a ping between them is acked', async () => {
    const ws = await connectRaw();
    const text = 'über fragments €';
    const body = Buffer.from(`421${JSON.stringify(['send-message', { to: chatTopic, type: 'text', text }])}`, 'utf8');
    const cut = body.indexOf(Buffer.from('€')) + 1; // inside the three bytes of the euro sign
    ws.send(body.subarray(0, 10), { fin: false, binary: false });
    ws.ping('between');
    ws.send(body.subarray(10, cut), { fin: false, binary: false });
    ws.send(body.subarray(cut), { fin: true, binary: false });
    const [a] = await ackOf(ws, 1);
    assert.equal(a.ok, true, JSON.stringify(a));
    assert.equal(a.entry.text, text);
    assert.deepEqual(ws.pongs, ['between']);
    ws.close();
  });

  test('a binary attachment sent as fragments (900,000 bytes in three) is acked', async () => {
    const ws = await connectRaw();
    ws.send(`451-2${JSON.stringify(['send-message', { to: chatTopic, type: 'text', text: 'fragmented blob', blob: { _placeholder: true, num: 0 } }])}`);
    const blob = pattern(900000);
    ws.send(blob.subarray(0, 300000), { fin: false, binary: true });
    ws.send(blob.subarray(300000, 600000), { fin: false, binary: true });
    ws.send(blob.subarray(600000), { fin: true, binary: true });
    const [a] = await ackOf(ws, 2);
    assert.equal(a.ok, true, JSON.stringify(a));
    assert.equal(a.entry.text, 'fragmented blob');
    ws.close();
  });
});

for (const transport of ['websocket', 'polling']) {
  describe(`socket.io-client 2.x (Engine.IO v3), transports: ['${transport}']`, () => {
    let stack;
    let s;
    before(async () => {
      stack = await startStack();
      s = track(ioV2(stack.url, { transports: [transport], query: { token: alice }, forceNew: true, ...FAST }));
      await once(s, 'connect');
      assert.equal(s.io.engine.transport.name, transport);
    });
    after(async () => {
      s?.close();
      await stack?.stop();
    });
    const emitAck = (event, payload, timeoutMs = 10000) => new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`no ack for ${event}`)), timeoutMs);
      s.emit(event, payload, (a) => { clearTimeout(t); resolve(a); });
    });

    test('join-topic and a 900,000-character send-message: ok ack, and it comes back whole', async () => {
      assert.deepEqual(await emitAck('join-topic', { id: TOPIC }), { ok: true, room: `topic-${TOPIC}` });
      const text = 'c'.repeat(900000);
      const a = await emitAck('send-message', { to: chatTopic, type: 'text', text }, 20000);
      assert.equal(a.ok, true, JSON.stringify(a).slice(0, 300));
      assert.equal(a.entry.text, text);
      assert.deepEqual(await gotId(s, a.entry.id, 15000), { ...a.entry, chat: chatTopic });
    });

    test('a topic message sent over REST by another user arrives as new-message', async () => {
      const entry = await postTopic(stack.url, bob, TOPIC, `REST to v2 ${transport}`);
      assert.deepEqual(await gotId(s, entry.id), { ...entry, chat: chatTopic });
    });

    test('after senna restarts it reconnects by itself and receives broadcasts again', async (t) => {
      const { reason, stopped } = await restartAndReconnect(stack, s);
      t.diagnostic(`disconnect reason "${reason}", senna exited in ${stopped.ms} ms`);
      const dm = await api(stack.url, '/api/user/1', { as: bob, method: 'POST', body: { type: 'text', text: 'v2 after restart' } });
      assert.equal(dm.status, 201);
      assert.deepEqual(await gotId(s, dm.json.entry.id), { ...dm.json.entry, chat: { type: 'user', id: 2 } });
      assert.deepEqual(await emitAck('join-topic', { id: TOPIC }), { ok: true, room: `topic-${TOPIC}` });
      const entry = await postTopic(stack.url, bob, TOPIC, 'v2 topic after restart');
      assert.deepEqual(await gotId(s, entry.id), { ...entry, chat: chatTopic });
    });
  });
}
