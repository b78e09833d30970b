// SOCK_ADAPTER=redis-sharded (issue 15, docs/adr/0015-sharded-pubsub.md): two senna instances
// on sharded pub/sub (a 3+3 Redis Cluster with SENNA_TEST_REDIS=cluster, one Redis 7 otherwise),
// and a Node socket.io 4.8 server on @socket.io/redis-adapter 8.3's createShardedAdapter (dynamic
// mode; lib/node-peer.mjs, node-redis createCluster on a cluster) sharing rooms with senna both
// ways, its fetchSockets / serverSideEmit answered rather than timed out.
import net from 'node:net';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { ack, closeAll, connectAs, once, reconnecting, sendText } from './lib/clients.mjs';
import { TEST_REDIS, request, startRedis, startSenna, token, until } from './lib/harness.mjs';
import { startNodePeer } from './lib/peers.mjs';
import { redis as rcmd } from './lib/resp.mjs';

const PREFIX = 'senna-sockets';
const alice = token({ user_id: 1, username: 'alice' });
const bob = token({ user_id: 2, username: 'bob' });
const carol = token({ user_id: 3, username: 'carol' });
const dave = token({ user_id: 4, username: 'dave' });

const env = (redis) => ({ SOCK_REDIS_URL: redis.url, SOCK_ADAPTER: 'redis-sharded', SOCK_RATE_SEND_PER_SEC: '0' });

/** senna_adapter_received_{messages,bytes}_total of an instance's /metrics. */
async function received(senna) {
  const text = (await request(`${senna.url}/metrics`)).text;
  const value = (name) => Number(new RegExp(`^${name} (\\d+)$`, 'm').exec(text)?.[1] ?? NaN);
  return { messages: value('senna_adapter_received_messages_total'), bytes: value('senna_adapter_received_bytes_total') };
}

const events = (s, name) => s.got.filter(([e]) => e === name);

/** Sends texts from `as` to `to` through `base` until `socket` hears one (a room's channel is
    SSUBSCRIBEd shortly after its first socket joined); the entry it heard. */
async function sendUntilHeard(base, as, to, socket, what) {
  let entry;
  await until(async () => {
    entry = await sendText(base, as, to, `${what} ${Date.now()}`);
    await sleep(100);
    return events(socket, 'new-message').some(([, p]) => p.id === entry.id);
  }, 10000, what);
  return entry;
}

/** PUBSUB SHARDNUMSUB of `channel` summed over every node (a shard channel's subscribers are on
    the nodes of the shard that serves its slot). */
async function shardSubscribers(redis, channel) {
  let n = 0;
  for (const port of redis.ports ?? [redis.port]) n += Number((await rcmd(port, 'PUBSUB', 'SHARDNUMSUB', channel))[1]);
  return n;
}

describe('two senna instances on sharded pub/sub', () => {
  let redis; let a; let b;
  before(async () => {
    redis = await startRedis();
    [a, b] = [await startSenna(env(redis)), await startSenna(env(redis))];
  });
  after(async () => {
    closeAll();
    await a?.stop();
    await b?.stop();
    await redis?.stop();
  });

  test('a DM sent through instance A\'s REST reaches the users\' sockets on both instances', async () => {
    const aliceA = await connectAs(a.url, alice);
    const bobA = await connectAs(a.url, bob);
    const bobB = await connectAs(b.url, bob);
    const aliceB = await connectAs(b.url, alice);
    // With every argument: a logged event carries its log entry's id last (recovery, on by
    // default), on the other instance too (flags.logged in the SPUBLISHed message).
    const bobB2 = reconnecting(b.url, bob);
    await once(bobB2, 'connect', 10000);
    const entry = await sendUntilHeard(a.url, alice, 'user/2', bobB, 'bob on B hears a send made on A');
    await until(() => events(aliceB, 'new-message').some(([, p]) => p.id === entry.id), 5000, 'alice on B');
    const onA = events(bobA, 'new-message').find(([, p]) => p.id === entry.id)[1];
    const onB = events(bobB, 'new-message').find(([, p]) => p.id === entry.id)[1];
    assert.deepEqual(onB, onA); // the same payload, chat and seq included
    assert.deepEqual(onB.chat, { type: 'user', id: 1 });
    await until(() => bobB2.got.some(({ args }) => args[0].id === entry.id), 5000, 'bob\'s second socket on B');
    const { args } = bobB2.got.find(({ args: [p] }) => p.id === entry.id);
    assert.equal(args.length, 2);
    assert.deepEqual(args[0], onA);
    assert.match(args[1], /^[0-9]+-[0-9]+$/);
    // typing (volatile: no log entry, no offset) from a socket on A to bob's sockets on B.
    assert.deepEqual(await ack(aliceA, 'typing', { to: { type: 'user', id: 2 } }), { ok: true });
    await until(() => events(bobB, 'typing').length === 1, 5000, 'typing on B');
    assert.deepEqual(events(bobB, 'typing')[0], ['typing', { user_id: 1, chat: { type: 'user', id: 1 } }]);
    await until(() => bobB2.got.some(({ event }) => event === 'typing'), 5000, 'typing on B\'s second socket');
    assert.equal(bobB2.got.find(({ event }) => event === 'typing').args.length, 1);
    assert.deepEqual(events(aliceB, 'new-message').find(([, p]) => p.id === entry.id)[1],
      events(aliceA, 'new-message').find(([, p]) => p.id === entry.id)[1]);

    // One SSUBSCRIBE per instance and room, whichever shards its sockets are on; main and each
    // instance's response channel for the instance's life; a room's channel SUNSUBSCRIBEd once
    // its last member here left.
    const bobA2 = await connectAs(a.url, bob, { transports: ['websocket'] });
    assert.equal(await shardSubscribers(redis, `${PREFIX}#/#user-2#`), 2);
    assert.equal(await shardSubscribers(redis, `${PREFIX}#/#`), 2);
    bobA.disconnect();
    await sleep(300);
    assert.equal(await shardSubscribers(redis, `${PREFIX}#/#user-2#`), 2); // bobA2 is still there
    bobA2.disconnect();
    await until(async () => (await shardSubscribers(redis, `${PREFIX}#/#user-2#`)) === 1, 5000, 'A\'s SUNSUBSCRIBE');
    closeAll();
    await until(async () => (await shardSubscribers(redis, `${PREFIX}#/#user-2#`)) === 0, 5000, 'B\'s SUNSUBSCRIBE');
    // alice's sockets close in the same batch, but nothing orders their leaves after bob's.
    await until(async () => (await shardSubscribers(redis, `${PREFIX}#/#user-1#`)) === 0, 5000, 'user-1 SUNSUBSCRIBEd');
    assert.equal(await shardSubscribers(redis, `${PREFIX}#/#`), 2);
  });

  test('an instance without sockets in a room receives none of its traffic', async () => {
    const carolA = await connectAs(a.url, carol);
    const daveA = await connectAs(a.url, dave);
    // Whatever B still gets from the previous test's leaves settles first.
    await sleep(300);
    const before = await received(b);
    assert.ok(Number.isFinite(before.messages) && Number.isFinite(before.bytes), 'the counters are in /metrics');
    for (let i = 0; i < 5; i++) await sendText(a.url, carol, 'user/4', `quiet ${i}`);
    await until(() => events(daveA, 'new-message').length === 5 && events(carolA, 'new-message').length === 5,
      5000, 'A\'s sockets hear all five');
    await sleep(300);
    assert.deepEqual(await received(b), before);
    // The control: once dave has a socket on B, B receives the room's traffic.
    const daveB = await connectAs(b.url, dave);
    await sendUntilHeard(a.url, carol, 'user/4', daveB, 'dave on B hears a send made on A');
    const now = await received(b);
    assert.ok(now.messages > before.messages && now.bytes > before.bytes, JSON.stringify({ before, now }));
    // A: its own SPUBLISHes come back on the rooms it serves, counted too.
    assert.ok((await received(a)).messages > 0);
    closeAll();
  });
});

describe('senna and a Node socket.io server on createShardedAdapter share rooms', () => {
  let redis; let senna; let node;
  before(async () => {
    redis = await startRedis();
    senna = await startSenna(env(redis));
    node = await startNodePeer(redis.url, { stream: PREFIX, adapter: 'redis-sharded' });
  });
  after(async () => {
    closeAll();
    await node?.stop();
    await senna?.stop();
    await redis?.stop();
  });

  test('a senna chat send reaches a Node socket in the user\'s room, and Node\'s emit reaches senna', async () => {
    const bobNode = await connectAs(node.url, bob); // joins user-2 on the Node server
    const bobSenna = await connectAs(senna.url, bob);
    const aliceSenna = await connectAs(senna.url, alice);
    const entry = await sendUntilHeard(senna.url, alice, 'user/2', bobNode, 'the Node socket hears senna\'s send');
    assert.deepEqual(events(bobNode, 'new-message').find(([, p]) => p.id === entry.id)[1],
      events(bobSenna, 'new-message').find(([, p]) => p.id === entry.id)[1]);

    // io.to("user-1").emit(...) on Node: senna's socket of user 1 gets it as sent.
    await until(async () => {
      await node.call('emit', { room: 'user-1', event: 'notice', args: [{ from: 'node' }] });
      await sleep(100);
      return events(aliceSenna, 'notice').length > 0;
    }, 10000, 'senna\'s socket hears Node\'s emit');
    assert.deepEqual(events(aliceSenna, 'notice')[0], ['notice', { from: 'node' }]);
    assert.equal(events(bobSenna, 'notice').length, 0);
  });

  test('Node\'s fetchSockets and serverSideEmit count senna and do not time out', async () => {
    // serverCount(): PUBSUB SHARDNUMSUB of the main channel, senna's subscriber included.
    assert.deepEqual((await node.call('server-count', {})).json, { count: 2 });
    const fetched = await node.call('fetch-sockets', {});
    assert.deepEqual(fetched.json, { count: 1 }); // Node's own socket; senna answers with none
    const emitted = await node.call('server-side-emit', { event: 'ping' });
    assert.deepEqual(emitted.json, { responses: [null] });
  });
});

// A Redis 6 would fail every SSUBSCRIBE: senna refuses to start. A proxy makes a Redis 7 answer
// INFO as a 6.x (same length: the bulk string's size stays right).
test('redis-sharded is refused at start-up against a Redis older than 7', { skip: TEST_REDIS !== 'single' }, async () => {
  const redis = await startRedis();
  const server = net.createServer((client) => {
    const upstream = net.connect(redis.port, '127.0.0.1');
    client.on('error', () => {});
    upstream.on('error', () => {});
    client.pipe(upstream);
    upstream.on('data', (d) => client.write(Buffer.from(d.toString('latin1').replace(/redis_version:7\./g, 'redis_version:6.'), 'latin1')));
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const senna = await startSenna({ SOCK_REDIS_URL: `redis://127.0.0.1:${server.address().port}`, SOCK_ADAPTER: 'redis-sharded' },
      { expectListen: false });
    const t = setTimeout(() => senna.stop('SIGKILL'), 20000);
    await senna.exited();
    clearTimeout(t);
    assert.notEqual(senna.child.exitCode, 0);
    assert.match(senna.logs, /SOCK_ADAPTER: redis-sharded needs Redis 7 or newer \(sharded pub\/sub\); the Redis at redis:\/\/127\.0\.0\.1:\d+\/0 is 6\.\d+\.\d+/);
    assert.doesNotMatch(senna.logs, /listening/);
  } finally {
    server.close();
    await redis.stop();
  }
});
