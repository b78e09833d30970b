// Raw Engine.IO v4 / Socket.IO v5 frames from Debian's python3-websocket (websocket-client 1.2)
// against the real senna: fragmented messages with a ping control frame between the fragments,
// single frames over 64 KiB (64-bit length), a broadcast, and RFC 6455 violations, each of which
// must end the connection with the right close code (1002 protocol error, 1007 invalid UTF-8,
// 1009 too big) and then the TCP connection.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { request, token } from '../integration/lib/harness.mjs';
import { api, digest, spawnPython, startStack } from './lib/interop.mjs';

const alice = token({ user_id: 1, username: 'alice' });
const bob = token({ user_id: 2, username: 'bob' });
const TOPIC = 'frames';

function raw(stack, scenario, extra = {}) {
  return spawnPython('raw_ws.py', { url: stack.url, token: alice, scenario, topic: TOPIC, ...extra });
}

/** Waits for the script's end: its last line is "done" or "error". */
async function finished(py, timeoutMs = 20000) {
  const end = await py.next((l) => l.type === 'done' || l.type === 'error', timeoutMs);
  assert.equal(end.type, 'done', JSON.stringify(end));
  await py.exited;
}

function okAck(line, id, text) {
  assert.equal(line.type, 'ack');
  assert.equal(line.id, id);
  assert.equal(line.data.length, 1);
  const [a] = line.data;
  assert.equal(a.ok, true, JSON.stringify(a));
  assert.deepEqual(a.state, { key: `myplatform:topic:${TOPIC}`, inbox_key: `topic-${TOPIC}` });
  assert.equal(a.entry.author, 1);
  assert.deepEqual(a.entry.text, text);
  return a.entry;
}

describe('websocket-client 1.2, raw frames', () => {
  let stack;
  before(async () => { stack = await startStack(); });
  after(async () => { await stack?.stop(); });

  test('the Engine.IO handshake over a direct WebSocket', async () => {
    const py = raw(stack, 'receive');
    const c = await py.next('connect');
    assert.deepEqual(Object.keys(c.open).sort(), ['maxPayload', 'pingInterval', 'pingTimeout', 'sid', 'upgrades']);
    assert.deepEqual(c.open.upgrades, []);
    assert.equal(c.open.maxPayload, 1000000);
    assert.match(c.connect.sid, /^[A-Za-z0-9_-]+$/);
    await py.kill();
  });

  test('a text message in three fragments with a ping between them, split inside a UTF-8 character, and a binary attachment in two fragments: both acked', async () => {
    const text = 'fragmented: 5 € and ünïcödé';
    const py = raw(stack, 'fragmented', { text });
    await py.next('connect');
    // The ping between the fragments is answered at once, with its payload.
    assert.deepEqual(await py.next('pong'), { type: 'pong', data: 'between' });
    const first = okAck(await py.next('ack'), 1, text);
    const second = okAck(await py.next('ack'), 2, 'with attachment');
    await finished(py);
    const hist = await api(stack.url, `/api/topic/${TOPIC}?per_page=2`, { as: bob });
    assert.deepEqual(hist.json.messages.map((m) => [m.id, m.text]), [[first.id, text], [second.id, 'with attachment']]);
  });

  test('a 900,003-byte text frame and a 900,000-byte binary frame (64-bit lengths) are acked', async () => {
    const py = raw(stack, 'large', { n: 900000 });
    await py.next('connect');
    const big = okAck(await py.next('ack', 20000), 3, digest('x'.repeat(900000)));
    okAck(await py.next('ack', 20000), 4, 'big attachment');
    await finished(py);
    const hist = await api(stack.url, `/api/topic/${TOPIC}?per_page=2`, { as: bob });
    assert.equal(hist.json.messages[0].id, big.id);
    assert.equal(hist.json.messages[0].text, 'x'.repeat(900000));
  });

  test('a DM sent over REST by another user arrives as new-message', async () => {
    const py = raw(stack, 'receive');
    await py.next('ready');
    const sent = await api(stack.url, '/api/user/1', { as: bob, method: 'POST', body: { type: 'text', text: 'raw hello' } });
    assert.equal(sent.status, 201);
    const ev = await py.next('event');
    assert.deepEqual(ev, { type: 'event', event: 'new-message', data: { ...sent.json.entry, chat: { type: 'user', id: 2 } } });
    await finished(py);
  });

  const violations = [
    ['a frame with RSV1 set (no extension was negotiated)', { kind: 'rsv1' }, 1002],
    ['an unmasked client frame', { kind: 'unmasked' }, 1002],
    ['a text frame that is not valid UTF-8', { kind: 'bad_utf8' }, 1007],
    ['a message over SOCK_EIO_MAX_PAYLOAD (1,000,001 bytes)', { kind: 'too_big', size: 1000000 }, 1009],
  ];
  for (const [what, opts, code] of violations) {
    test(`${what} gets close code ${code}, then the TCP connection is closed`, async (t) => {
      const py = raw(stack, 'violation', opts);
      await py.next('connect');
      const closed = await py.next('closed', 15000);
      t.diagnostic(`senna answered: ${JSON.stringify(closed)}`);
      assert.equal(closed.close_code, code, JSON.stringify(closed));
      assert.equal(closed.tcp_closed, true, JSON.stringify(closed));
      await finished(py);
      assert.equal((await request(`${stack.url}/healthz`)).status, 200);
    });
  }
});
