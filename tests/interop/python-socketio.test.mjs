// Debian's python-socketio client (python3-socketio 5.7 on python3-engineio 4.3, socketio.Client)
// against the real senna and a real redis-server, over WebSocket only and over polling only:
// connect with a JWT, a 900 KB text message and a large binary attachment with acks, a topic
// message sent over REST by another user, and reconnecting by itself after senna restarts.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { token } from '../integration/lib/harness.mjs';
import { api, digest, postTopic, spawnPython, startStack, until } from './lib/interop.mjs';

const alice = token({ user_id: 1, username: 'alice' });
const bob = token({ user_id: 2, username: 'bob' });
const TOPIC = 'interop';
const chatTopic = { type: 'topic', id: TOPIC };
// With connection state recovery on (the default), a logged event carries its offset as a last
// argument (docs/recovery.md); python-socketio hands it to the handler as a second argument.
function offsetOf(ev) {
  assert.equal(ev.data.length, 2);
  assert.match(ev.data[1], /^\d+-\d+$/);
  return ev.data[1];
}

// Polling-only clients must come back too: an Engine.IO close packet on the pending GET would
// read to python-engineio as the server closing the session on purpose (client.py: CLOSE ->
// disconnect(abort=True), state 'disconnecting' before the 'disconnect' event, so socketio's
// _handle_eio_disconnect does not reconnect); senna cuts that GET unanswered on shutdown.
for (const transport of ['websocket', 'polling']) {
  describe(`python-socketio 5.7, transports=['${transport}']`, () => {
    let stack;
    let py;
    before(async () => {
      stack = await startStack();
      py = spawnPython('sio_client.py', { url: stack.url, token: alice, transports: [transport], events: ['new-message'] });
      const first = await py.next((l) => l.type === 'connect' || l.type === 'connect_failed' || l.type === 'error');
      assert.deepEqual(first, { type: 'connect', transport });
    });
    after(async () => {
      await py?.kill();
      await stack?.stop();
    });

    test('join-topic and a 900,000-character send-message: ok ack, and the message comes back as new-message', async () => {
      assert.deepEqual((await py.cmd({ cmd: 'emit', event: 'join-topic', data: { id: TOPIC }, ack: true })).ack,
        { ok: true, room: `topic-${TOPIC}` });
      const text = 'a'.repeat(900000);
      const reply = await py.cmd({ cmd: 'emit', event: 'send-message', ack: true,
        data: { to: chatTopic, type: 'text', text: { $repeat: 'a', n: 900000 } } }, 30000);
      const { ok, state, entry } = reply.ack;
      assert.equal(ok, true);
      assert.deepEqual(state, { key: `myplatform:topic:${TOPIC}`, inbox_key: `topic-${TOPIC}` });
      assert.deepEqual(Object.keys(entry).sort(), ['author', 'id', 'seq', 'text', 'timestamp', 'type']);
      assert.ok(Number.isInteger(entry.seq) && entry.seq > 0);
      assert.equal(entry.author, 1);
      assert.equal(entry.type, 'text');
      assert.deepEqual(entry.text, digest(text));
      // The sender is in the topic room: the 900 KB new-message comes back to it.
      const ev = await py.next((l) => l.type === 'event' && l.data[0]?.id === entry.id, 15000);
      assert.deepEqual(ev, { type: 'event', event: 'new-message', data: [{ ...entry, chat: chatTopic }, offsetOf(ev)] });
      // And it is stored whole.
      const hist = await api(stack.url, `/api/topic/${TOPIC}?per_page=1`, { as: bob });
      assert.equal(hist.status, 200);
      assert.equal(hist.json.messages[0].text, text);
    });

    test('a binary attachment near the payload limit is received whole and acked', async () => {
      // Over polling Engine.IO v4 sends binary as base64 inside the text payload: 700,000 bytes
      // are 933,336 characters, under the 1,000,000-byte SOCK_EIO_MAX_PAYLOAD.
      const n = transport === 'polling' ? 700000 : 900000;
      const reply = await py.cmd({ cmd: 'emit', event: 'send-message', ack: true,
        data: { to: chatTopic, type: 'text', text: 'with attachment', blob: { $bytes: n } } }, 30000);
      assert.equal(reply.ack.ok, true, JSON.stringify(reply));
      assert.equal(reply.ack.entry.text, 'with attachment');
      const ev = await py.next((l) => l.type === 'event' && l.data[0]?.id === reply.ack.entry.id, 15000);
      assert.deepEqual(ev.data, [{ ...reply.ack.entry, chat: chatTopic }, offsetOf(ev)]);
    });

    test('a topic message sent over REST by another user arrives as new-message', async () => {
      const entry = await postTopic(stack.url, bob, TOPIC, `from bob over REST (${transport})`);
      const ev = await py.next((l) => l.type === 'event' && l.data[0]?.id === entry.id);
      assert.deepEqual(ev, { type: 'event', event: 'new-message', data: [{ ...entry, chat: chatTopic }, offsetOf(ev)] });
    });

    test('after senna restarts (SIGTERM, same port, same Redis) it reconnects by itself and gets a broadcast again',
      async () => {
        // Let the client's next long-poll GET be pending when SIGTERM comes (the case that
        // matters: a GET that is not pending fails on the closed listener and is retried).
        await sleep(300);
        const stopped = await stack.restart();
        assert.equal(stopped.code, 0);
        await py.next('disconnect', 15000);
        await py.next('connect', 15000);
        // The 'connect' handler runs just before Client.connect() sets .connected.
        const state = await until(async () => { const r = await py.cmd({ cmd: 'state' }); return r.connected && r; }, 5000, 'connected');
        assert.deepEqual(state, { type: 'reply', id: state.id, connected: true, transport, eio_state: 'connected' });
        // Rooms do not survive a reconnect: a DM (room user-1 is joined at connect) and a topic
        // message after joining again.
        const dm = await api(stack.url, '/api/user/1', { as: bob, method: 'POST', body: { type: 'text', text: 'after the restart' } });
        assert.equal(dm.status, 201);
        const ev = await py.next((l) => l.type === 'event' && l.data[0]?.id === dm.json.entry.id, 10000);
        assert.deepEqual(ev.data, [{ ...dm.json.entry, chat: { type: 'user', id: 2 } }, offsetOf(ev)]);
        assert.deepEqual((await py.cmd({ cmd: 'emit', event: 'join-topic', data: { id: TOPIC }, ack: true })).ack,
          { ok: true, room: `topic-${TOPIC}` });
        const entry = await postTopic(stack.url, bob, TOPIC, 'topic, after the restart');
        const ev2 = await py.next((l) => l.type === 'event' && l.data[0]?.id === entry.id);
        assert.deepEqual(ev2.data, [{ ...entry, chat: chatTopic }, offsetOf(ev2)]);
      });
  });
}
