// `senna emit ROOM EVENT JSON` (app/emit_command.hpp, docs/emit.md): a platform's event reaches
// the sockets in a room of a Node socket.io 4.8 server on @socket.io/redis-adapter's
// createShardedAdapter (dynamic mode), and nobody else; what it SPUBLISHes is byte for byte what
// that adapter publishes for the same emit (uid aside); a senna socket in SOCK_ADAPTER=redis-sharded
// mode and a Node one in the same room both get it; --classic reaches a senna socket on the
// classic adapter; bad arguments exit 2, an unreachable Redis 1. On one Redis 7, and on a 3+3
// Redis Cluster with SENNA_TEST_REDIS=cluster (the channel's slot owner gets the SPUBLISH).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { createClient, createCluster } from 'redis';
import { closeAll, ack, connectAs } from './lib/clients.mjs';
import { startNodePeer } from './lib/peers.mjs';
import { SENNA_BIN, freePort, redisCommand, runSenna, startRedis, startSenna, token, until } from './lib/harness.mjs';

const PREFIX = 'senna-sockets';

// A redis package client for the test's own SSUBSCRIBE (a cluster client on a cluster).
function redisClient(r) {
  return r.cluster
    ? createCluster({ rootNodes: r.ports.map((p) => ({ url: `redis://127.0.0.1:${p}` })) })
    : createClient({ url: r.url });
}

const emit = (r, args, env = {}) => runSenna(['emit', ...args], { SOCK_REDIS_URL: r.url, ...env });

// `senna emit` until Redis says a subscriber got it (the Node adapter SSUBSCRIBEs a room's
// channel a moment after the join): a 0 reached nobody, so sending again cannot duplicate.
async function emitUntilHeard(r, args) {
  for (let i = 0; i < 50; i++) {
    const out = await emit(r, args);
    assert.equal(out.code, 0, out.stderr);
    assert.match(out.stdout, /^\d+\n$/);
    if (out.stdout !== '0\n') return out;
    await sleep(100);
  }
  throw new Error(`nobody subscribed to ${args[0]}`);
}

describe('senna emit', () => {
  let r;
  let peer;
  before(async () => {
    r = await startRedis();
    peer = await startNodePeer(r.url, { stream: PREFIX, adapter: 'redis-sharded' });
  });
  after(async () => {
    closeAll();
    await peer?.stop();
    await r?.stop();
  });

  test('reaches the sockets in the room on a Node sharded-adapter server, and no other', async () => {
    const inRoom = await connectAs(peer.url, token({ user_id: 1 }));
    const other = await connectAs(peer.url, token({ user_id: 2 }));
    assert.deepEqual(await ack(inRoom, 'join-room', { room: 'r1' }), { ok: true, room: 'r1' });
    const out = await emitUntilHeard(r, ['r1', 'ev', '{"a":1}']);
    assert.equal(out.stdout, '1\n', 'one subscriber of the room channel: the Node server');
    await until(() => inRoom.got.length === 1, 5000, 'the event');
    assert.deepEqual(inRoom.got, [['ev', { a: 1 }]]);
    // A marker to the other socket's own room, sent after the event was delivered: when it
    // arrives, the event would have arrived before it.
    await emitUntilHeard(r, ['user-2', 'marker', '1']);
    await until(() => other.got.length === 1, 5000, 'the marker');
    assert.deepEqual(other.got, [['marker', 1]]);
    assert.equal(inRoom.got.length, 1);
    inRoom.disconnect();
    other.disconnect();
  });

  test('publishes what the sharded adapter publishes for the same emit, on the same channel', async () => {
    const spy = redisClient(r);
    await spy.connect();
    const heard = [];
    try {
      for (const channel of [`${PREFIX}#/#r9#`, `${PREFIX}#/#`]) {
        await spy.sSubscribe(channel, (m) => heard.push([channel, m.toString()]), true);
      }
      const args = { a: 1, b: 1.5, c: 'é\u2028"', d: [null, true, -0.1, 1e21] };
      assert.equal((await peer.call('emit', { room: 'r9', event: 'ev', args: [args, 'two'] })).status, 200);
      await until(() => heard.length === 1, 5000, "the Node adapter's publication");
      const out = await emit(r, ['r9', 'ev', JSON.stringify(args), '"two"']);
      assert.equal(out.code, 0, out.stderr);
      await until(() => heard.length === 2, 5000, "senna emit's publication");
      const [[nodeChannel, nodeBytes], [sennaChannel, sennaBytes]] = heard;
      assert.equal(nodeChannel, `${PREFIX}#/#r9#`);
      assert.equal(sennaChannel, nodeChannel);
      const uid = JSON.parse(nodeBytes).uid;
      assert.equal(sennaBytes, nodeBytes.replace(`"uid":"${uid}"`, '"uid":"emitter"'));

      // A 20-character room may be a socket id: dynamic mode publishes it on the main channel.
      const sid = 'abcdefghijklmnopqrst';
      assert.equal((await peer.call('emit', { room: sid, event: 'ev', args: [1] })).status, 200);
      await until(() => heard.length === 3, 5000, "the Node adapter's publication");
      assert.equal((await emit(r, [sid, 'ev', '1'])).code, 0);
      await until(() => heard.length === 4, 5000, "senna emit's publication");
      assert.equal(heard[2][0], `${PREFIX}#/#`);
      assert.equal(heard[3][0], heard[2][0]);
      assert.equal(heard[3][1], heard[2][1].replace(`"uid":"${JSON.parse(heard[2][1]).uid}"`, '"uid":"emitter"'));
    } finally {
      await spy.quit();
    }
  });

  test('bad arguments exit 2 with what is wrong; nothing is published', async () => {
    const bad = await emit(r, ['r1', 'ev', '{"a":']);
    assert.equal(bad.code, 2);
    assert.equal(bad.stdout, '');
    assert.match(bad.stderr, /^senna emit: argument 1 is not JSON: /);
    const empty = await emit(r, ['', 'ev', '1']);
    assert.equal(empty.code, 2);
    assert.equal(empty.stderr, 'senna emit: ROOM must not be empty\n');
    const help = await runSenna(['emit', '--help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /^usage: senna emit /);
  });

  test('an unreachable Redis exits 1 within its timeouts', async () => {
    const port = await freePort();
    const quick = { SOCK_REDIS_CONNECT_TIMEOUT_MS: '300', SOCK_REDIS_COMMAND_TIMEOUT_MS: '1000' };
    for (const env of [{ SOCK_REDIS_URL: `redis://127.0.0.1:${port}/0` },
      { SOCK_REDIS_CLUSTER: `127.0.0.1:${port}`, SOCK_REDIS_LAYOUT: 'cluster' }]) {
      const out = await runSenna(['emit', 'r1', 'ev', '1'], { ...quick, ...env });
      assert.equal(out.code, 1, out.stderr);
      assert.equal(out.stdout, '');
      assert.match(out.stderr, new RegExp(`^senna emit: cannot publish on \\S*127\\.0\\.0\\.1:${port}\\S*: `));
    }
  });

  test('reaches a senna socket in redis-sharded mode and a Node one in the same room', async () => {
    const senna = await startSenna({ SOCK_REDIS_URL: r.url, SOCK_ADAPTER: 'redis-sharded' });
    try {
      const onSenna = await connectAs(senna.url, token({ user_id: 7 }));
      const onNode = await connectAs(peer.url, token({ user_id: 7 }));
      const other = await connectAs(senna.url, token({ user_id: 8 }));
      // Both servers SSUBSCRIBE user-7's channel once their socket is in it: two receivers.
      for (let i = 0; ; i++) {
        const out = await emitUntilHeard(r, ['user-7', 'ev', '{"a":1}']);
        if (out.stdout === '2\n') break;
        assert.ok(i < 50, 'both servers subscribed');
        // one server heard it already: wait for its socket, then forget it and try again
        await until(() => onSenna.got.length + onNode.got.length === 1, 5000, 'the first copy');
        onSenna.got.length = 0;
        onNode.got.length = 0;
        await sleep(100);
      }
      await until(() => onSenna.got.length === 1 && onNode.got.length === 1, 5000, 'the event on both');
      assert.deepEqual(onSenna.got, [['ev', { a: 1 }]]);
      assert.deepEqual(onNode.got, [['ev', { a: 1 }]]);
      await emitUntilHeard(r, ['user-8', 'marker', '1']);
      await until(() => other.got.length === 1, 5000, 'the marker');
      assert.deepEqual(other.got, [['marker', 1]]);
      assert.equal(onSenna.got.length, 1);
    } finally {
      closeAll();
      await senna.stop();
    }
  });

  test('--classic reaches a senna socket on the classic adapter', async () => {
    const senna = await startSenna({ SOCK_REDIS_URL: r.url });
    try {
      const bob = await connectAs(senna.url, token({ user_id: 7 }));
      // senna PSUBSCRIBEs its adapter's channels at start (on one node of a cluster, which
      // hears every node's PUBLISH).
      const ports = r.cluster ? r.ports : [r.port];
      await until(async () => {
        let n = 0;
        for (const p of ports) n += Number((await redisCommand(p, 'PUBSUB', 'NUMPAT')).slice(1));
        return n > 0;
      }, 5000, "senna's pattern subscription");
      const out = await emit(r, ['--classic', 'user-7', 'custom', '{"hello":"from the platform"}']);
      assert.equal(out.code, 0, out.stderr);
      assert.match(out.stdout, /^\d+\n$/);
      await until(() => bob.got.length === 1, 5000, 'the event');
      assert.deepEqual(bob.got, [['custom', { hello: 'from the platform' }]]);
    } finally {
      closeAll();
      await senna.stop();
    }
  });
});
