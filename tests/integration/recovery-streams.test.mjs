// SOCK_ADAPTER=redis-streams (issue 14): senna and a Node socket.io 4.8 server on
// @socket.io/redis-streams-adapter 0.3.1 (lib/node-peer.mjs) share one Redis stream: broadcasts
// go both ways, an entry in the format of @socket.io/redis-streams-emitter reaches senna's rooms,
// a socketsJoin from Node moves senna's sockets, and a socket.io-client 4.8 that moves between
// the two (through the cut proxy) is recovered with its id and what it missed.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { api, closeAll, once, reconnecting, sendText } from './lib/clients.mjs';
import { request, startRedis, startSenna, token, until } from './lib/harness.mjs';
import { startNodePeer } from './lib/peers.mjs';
import { startProxy } from './lib/proxy.mjs';
import { redis as rcmd } from './lib/resp.mjs';

const STREAM = 'senna-sockets';
const alice = token({ user_id: 1, username: 'alice' });
const bob = token({ user_id: 2, username: 'bob' });
const OFFSET = /^[0-9]+-[0-9]+$/;

const send = sendText;

const shape = (s, from = 0) => s.got.slice(from).map(({ event, args }) => [event, args[0].text ?? args[0].id]);

describe('a mixed cluster: senna (SOCK_ADAPTER=redis-streams) and a Node socket.io server on the streams adapter', () => {
  let redis; let senna; let node; let proxy;
  before(async () => {
    redis = await startRedis();
    senna = await startSenna({ SOCK_REDIS_URL: redis.url, SOCK_ADAPTER: 'redis-streams', SOCK_RATE_SEND_PER_SEC: '0',
      SOCK_EIO_PING_INTERVAL_MS: '1000', SOCK_EIO_PING_TIMEOUT_MS: '3000' });
    node = await startNodePeer(redis.url);
    proxy = await startProxy(node.port);
  });
  after(async () => {
    closeAll();
    await proxy?.close();
    await node?.stop();
    await senna?.stop();
    await redis?.stop();
  });

  test('broadcasts both ways, with stream ids as offsets; the streams emitter and socketsJoin reach senna', async () => {
    const onSenna = reconnecting(senna.url, bob);
    const onNode = reconnecting(node.url, bob);
    await Promise.all([once(onSenna, 'connect', 10000), once(onNode, 'connect', 10000)]);
    assert.equal(onSenna.recovered, false, 'senna sends a pid');

    // senna → Node: a REST write on senna is one entry of the stream, which Node delivers.
    await send(senna.url, alice, 'user/2', 'from senna');
    // Node → senna: io.to(room).emit on Node is an entry senna reads.
    assert.equal((await node.call('emit', { room: 'user-2', event: 'notice', args: [{ text: 'from node' }] })).status, 200);
    await until(() => onSenna.got.length === 2 && onNode.got.length === 2, 10000, 'both broadcasts on both');
    for (const s of [onSenna, onNode]) {
      assert.deepEqual(shape(s), [['new-message', 'from senna'], ['notice', 'from node']]);
      assert.match(s.got[0].args.at(-1), OFFSET);
    }
    assert.equal(onSenna.got[0].args.at(-1), onNode.got[0].args.at(-1), 'one offset, the entry id, on both servers');
    assert.equal(onSenna.got[1].args.at(-1), onNode.got[1].args.at(-1));
    const [entry] = await rcmd(redis.port, 'XRANGE', STREAM, onSenna.got[0].args.at(-1), onSenna.got[0].args.at(-1));
    assert.deepEqual(entry[1].filter((_, i) => i % 2 === 0), ['uid', 'nsp', 'type', 'data']);
    assert.equal(entry[1][5], '3');
    const data = JSON.parse(entry[1][7]);
    assert.deepEqual(Object.keys(data), ['packet', 'opts']);
    assert.deepEqual(data.opts, { rooms: ['user-2'], except: [], flags: {} });
    assert.equal(data.packet.data[0], 'new-message');

    // An entry as @socket.io/redis-streams-emitter 0.1.1 writes it (uid "emitter", nsp in the
    // packet, opts ordered rooms, flags, except).
    const emitted = JSON.stringify({ packet: { type: 2, data: ['announce', { text: 'from the emitter' }], nsp: '/' },
      opts: { rooms: ['user-2'], flags: {}, except: [] } });
    const id = await rcmd(redis.port, 'XADD', STREAM, 'MAXLEN', '~', '10000', '*', 'uid', 'emitter', 'nsp', '/', 'type', '3', 'data', emitted);
    await until(() => onSenna.got.length === 3 && onNode.got.length === 3, 10000, 'the emitter entry');
    assert.deepEqual(onSenna.got[2].args, [{ text: 'from the emitter' }, id]);
    // senna read every entry of the stream (its own included): senna_adapter_received_*_total
    // count them and their data fields' bytes.
    const all = await rcmd(redis.port, 'XRANGE', STREAM, '-', '+');
    const metrics = (await request(`${senna.url}/metrics`)).text;
    const value = (name) => Number(new RegExp(`^${name} (\\d+)$`, 'm').exec(metrics)?.[1]);
    assert.equal(value('senna_adapter_received_messages_total'), all.length);
    assert.equal(value('senna_adapter_received_bytes_total'),
      all.reduce((n, [, f]) => n + Buffer.byteLength(f[f.indexOf('data') + 1]), 0));

    // socketsJoin from Node moves senna's socket too (a SOCKETS_JOIN entry).
    await node.call('sockets-join', { room: 'user-2', join: 'topic-joined' });
    await sleep(500);
    await send(senna.url, alice, 'topic/joined', 'to the joined room');
    await until(() => onSenna.got.length === 4 && onNode.got.length === 4, 10000, 'the topic message');
    assert.deepEqual(shape(onSenna, 3), [['new-message', 'to the joined room']]);
    onSenna.disconnect();
    onNode.disconnect();
  });

  test('a client moves from senna to Node and back, recovered each time with its id and what it missed', async () => {
    proxy.heal(Number(new URL(senna.url).port));
    const s = reconnecting(proxy.url, bob);
    await once(s, 'connect', 10000);
    const id = s.id;
    await send(senna.url, alice, 'user/2', 'on senna');
    await until(() => s.got.length === 1, 10000, 'a first event');

    // senna → Node, before senna noticed (its session is live in Redis all along).
    proxy.cut({ silent: true });
    await until(() => s.connects.length === 1 && !s.connected, 10000, 'the drop');
    await send(senna.url, alice, 'user/2', 'missed, written on senna');
    await node.call('emit', { room: 'user-2', event: 'notice', args: [{ text: 'missed, emitted on node' }] });
    proxy.heal(node.port);
    await until(() => s.connects.length === 2, 15000, 'the reconnect to Node');
    assert.deepEqual(s.connects[1], { id, recovered: true });
    await until(() => s.got.length === 3, 10000, 'the replay by Node');
    assert.deepEqual(shape(s, 1), [['new-message', 'missed, written on senna'], ['notice', 'missed, emitted on node']]);

    // Node → senna: Node notices at once (its TCP side closed) and keeps the session; senna
    // takes it.
    proxy.cut();
    await until(() => !s.connected, 10000, 'the drop');
    await sleep(300);
    await send(senna.url, alice, 'user/2', 'missed again');
    proxy.heal(Number(new URL(senna.url).port));
    await until(() => s.connects.length === 3, 15000, 'the reconnect to senna');
    assert.deepEqual(s.connects[2], { id, recovered: true });
    await until(() => s.got.length === 4, 10000, 'the replay by senna');
    assert.deepEqual(shape(s, 3), [['new-message', 'missed again']]);
    // Rooms came back from Node's session: the user's room still reaches it.
    await node.call('emit', { room: 'user-2', event: 'notice', args: [{ text: 'live' }] });
    await until(() => s.got.length === 5, 10000, 'a live event');
    assert.equal(s.got[4].args[0].text, 'live');
    s.disconnect();
  });
});
