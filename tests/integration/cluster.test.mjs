// senna on a real Redis Cluster (3 masters + 3 replicas, tests/integration/lib/harness.mjs's
// startCluster), in the cluster key layout (ADR 0012) through the cluster client (ADR 0013): it
// reads the slot map, serves, survives a master killed under it, refuses at start-up what cannot
// work, and loses no acknowledged message when a master dies under sends from two instances.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { closeAll, connectAs } from './lib/clients.mjs';
import { redisCommand, request, runSenna, startCluster, startSenna, token, until } from './lib/harness.mjs';

describe('senna on a Redis Cluster', () => {
  let cluster;
  let senna;
  before(async () => {
    cluster = await startCluster();
    senna = await startSenna({
      SOCK_REDIS_CLUSTER: cluster.ports.map((p) => `127.0.0.1:${p}`).join(','),
      SOCK_REDIS_LAYOUT: 'cluster',
      SOCK_REDIS_COMMAND_TIMEOUT_MS: '8000',
    });
  });
  after(async () => {
    await senna?.stop();
    await cluster?.stop();
  });

  test('it starts on the cluster, reads its slot map and is ready', async () => {
    await senna.waitForLog(/redis_cluster_map .*masters=3/);
    // The start-up summary is written just after "listening", which is all startSenna waits for.
    await senna.waitForLog(/redis endpoint=redis\+cluster:\/\/127\.0\.0\.1:\d+,/);
    await until(async () => (await request(`${senna.url}/readyz`)).status === 200, 10000, 'readyz');
    const r = await request(`${senna.url}/api/`, { headers: { 'X-Auth-Token': token({ user_id: 7 }) } });
    assert.equal(r.status, 200);
    assert.equal(r.json.authenticated, true);
  });

  test('the instance heartbeat key is written through the cluster', async () => {
    // One key per instance (presence), on whichever master serves its slot: redisCommand
    // follows MOVED from the first node.
    const keys = [];
    for (const p of cluster.ports) {
      const role = await redisCommand(p, 'ROLE');
      if (!role.includes('master')) continue;
      keys.push(...(await redisCommand(p, 'KEYS', '*instance*')).split('\r\n').filter((l) => l.includes('instance')));
    }
    assert.equal(keys.length, 1, `instance keys: ${keys}`);
  });

  test('a master killed under it: the replica takes over and senna is ready again', async () => {
    let victim;
    for (const n of cluster.nodes) {
      if ((await redisCommand(n.port, 'ROLE')).includes('master')) { victim = n; break; }
    }
    // Reads of 40 conversations touch keys in slots of every master, the victim's included.
    const me = token({ user_id: 1 });
    const readAll = async () => {
      const statuses = [];
      for (let id = 100; id < 140; id++) {
        // During the failover a read may wait for the new master longer than fetch's timeout.
        const r = await request(`${senna.url}/api/user/${id}`, { headers: { 'X-Auth-Token': me } })
          .catch(() => ({ status: 'timeout' }));
        statuses.push(r.status);
      }
      return statuses;
    };
    assert.deepEqual(await readAll(), Array(40).fill(200));
    await victim.stop(); // SIGKILL
    const others = cluster.ports.filter((p) => p !== victim.port);
    await until(async () => {
      const view = await redisCommand(others[0], 'CLUSTER', 'NODES');
      const line = view.split('\n').find((l) => l.includes(`:${victim.port}@`));
      if (!line || !/\bfail\b/.test(line.split(' ')[2])) return false;
      for (const p of others) {
        if (!(await redisCommand(p, 'CLUSTER', 'INFO')).includes('cluster_state:ok')) return false;
      }
      return true;
    }, 20000, 'the replica to take over');
    await senna.waitForLog(/redis_disconnected /);
    // No restart: every read is answered again, through the promoted replica.
    await until(async () => (await readAll()).every((s) => s === 200), 15000, 'reads after the failover');
    await until(async () => (await request(`${senna.url}/readyz`)).status === 200, 5000, 'readyz');
  });
});

describe('settings refused in cluster mode', () => {
  test('a database other than 0, and SOCK_REDIS_CLUSTER with SOCK_REDIS_URL', async () => {
    const db = await runSenna([], { SOCK_REDIS_URL: 'redis+cluster://127.0.0.1:7000,127.0.0.1:7001/2', SOCK_REDIS_LAYOUT: 'cluster' });
    assert.notEqual(db.code, 0);
    assert.match(db.stderr, /SOCK_REDIS_URL: a Redis Cluster has only database 0, got 2/);
    const both = await runSenna([], { SOCK_REDIS_CLUSTER: '127.0.0.1:7000', SOCK_REDIS_URL: 'redis://127.0.0.1:6379' });
    assert.notEqual(both.code, 0);
    assert.match(both.stderr, /SOCK_REDIS_CLUSTER: set either SOCK_REDIS_CLUSTER or SOCK_REDIS_URL/);
    const seeds = await runSenna([], { SOCK_REDIS_CLUSTER: '127.0.0.1:7000,,', SOCK_REDIS_LAYOUT: 'cluster' });
    assert.notEqual(seeds.code, 0);
    assert.match(seeds.stderr, /SOCK_REDIS_CLUSTER: seed node '': missing host/);
  });
});

/** The node (of cluster.nodes) that is the master of `key`'s slot now, as node `port` sees it. */
async function masterOf(cluster, key, port = cluster.ports[0]) {
  const slot = Number((await redisCommand(port, 'CLUSTER', 'KEYSLOT', key)).slice(1));
  const nodes = (await redisCommand(port, 'CLUSTER', 'NODES')).split('\n');
  for (const line of nodes) {
    const f = line.trim().split(' ');
    if (f.length < 9 || !f[2].includes('master') || f[2].includes('fail')) continue;
    for (const range of f.slice(8)) {
      const [lo, hi = lo] = range.split('-').map(Number);
      if (slot >= lo && slot <= hi) return cluster.nodes.find((n) => f[1].startsWith(`127.0.0.1:${n.port}@`));
    }
  }
  return null; // none live (a failover in progress)
}

describe('a master killed while two instances send', () => {
  let cluster;
  let one;
  let two;
  before(async () => {
    cluster = await startCluster();
    const env = {
      SOCK_REDIS_CLUSTER: cluster.ports.map((p) => `127.0.0.1:${p}`).join(','),
      SOCK_REDIS_LAYOUT: 'cluster',
      SOCK_REDIS_COMMAND_TIMEOUT_MS: '8000',
      SOCK_RATE_SEND_PER_SEC: '0',
    };
    one = await startSenna(env);
    two = await startSenna(env);
  });
  after(async () => {
    closeAll();
    await one?.stop();
    await two?.stop();
    await cluster?.stop();
  });

  test('every acknowledged send is in the history and the inbox once; sockets keep receiving', async () => {
    const [u1, u2, u3] = [1, 2, 3].map((id) => token({ user_id: id }));
    const b1 = await connectAs(one.url, u2, { transports: ['websocket'] });
    const b2 = await connectAs(two.url, u2, { transports: ['websocket'] });
    // The chat 1-2's keys are in the victim's slot (chat::keys: the tag is the chat's state key).
    const victim = await masterOf(cluster, '{myplatform:dm:1-2}');
    assert.ok(victim, 'the chat\'s master');
    const acked = new Map(); // client_msg_id -> message id
    const failures = [];
    let stopAt = Infinity;
    // A sender retries a send that failed (503, a timeout) with the same client_msg_id, as a
    // client should: its first 201, or the 200 duplicate, is the acknowledgement.
    const sender = (base, as, name) => async () => {
      for (let i = 0; Date.now() < stopAt; i++) {
        const cmid = `${name}-${i}`;
        for (let attempt = 0; ; attempt++) {
          const r = await request(`${base}/api/user/2`, { method: 'POST', timeoutMs: 15000,
            headers: { 'X-Auth-Token': as, 'Content-Type': 'application/json' },
            body: JSON.stringify({ type: 'text', text: cmid, client_msg_id: cmid }) }).catch((e) => ({ status: String(e) }));
          if (r.status === 201 || r.status === 200) {
            acked.set(cmid, r.json.entry.id);
            break;
          }
          failures.push(r.status);
          if (attempt > 60) throw new Error(`${cmid}: no acknowledgement after ${attempt} tries (${r.status})`);
          await sleep(250);
        }
      }
    };
    const workers = [];
    for (let w = 0; w < 3; w++) {
      workers.push(sender(one.url, u1, `one-${w}`)(), sender(two.url, u3, `two-${w}`)());
    }
    await sleep(1000);
    await victim.stop(); // SIGKILL, mid-stream
    const others = cluster.ports.filter((p) => p !== victim.port);
    await until(async () => {
      for (const p of others) {
        if (!(await redisCommand(p, 'CLUSTER', 'INFO')).includes('cluster_state:ok')) return false;
      }
      const now = await masterOf(cluster, '{myplatform:dm:1-2}', others[0]);
      return now !== null && now !== victim;
    }, 20000, 'the replica to take over').catch((e) => { stopAt = 0; throw e; });
    stopAt = Date.now() + 1500; // sends go on through the promoted replica, then stop
    await Promise.all(workers);
    console.log(`sends acknowledged: ${acked.size}; refused or timed out on the way: ${failures.length} (${[...new Set(failures)].join(', ')})`);
    assert.ok(failures.length > 0 || acked.size > 0);

    // Each chat's whole history, newest page first: every acknowledged message once, nothing else.
    const history = async (as, other) => {
      const out = [];
      let before = 'latest';
      for (;;) {
        const r = await request(`${one.url}/api/user/${other}?before=${before}&limit=100`, { headers: { 'X-Auth-Token': as } });
        assert.equal(r.status, 200);
        out.unshift(...r.json.messages);
        if (r.json.state.prev === null) return out;
        before = r.json.state.prev;
      }
    };
    for (const [as, other, name] of [[u1, 2, 'one'], [u3, 2, 'two']]) {
      const msgs = await history(as, other);
      const mine = [...acked].filter(([c]) => c.startsWith(`${name}-`));
      assert.deepEqual(msgs.map((m) => m.text).sort(), mine.map(([c]) => c).sort(), `chat of ${name}: texts`);
      assert.deepEqual(msgs.map((m) => m.id).sort(), mine.map(([, id]) => id).sort(), `chat of ${name}: ids`);
      assert.equal(new Set(msgs.map((m) => m.seq)).size, msgs.length, 'seqs unique');
    }
    // User 2's inbox names both chats, each with its newest message.
    const inbox = await request(`${two.url}/api/list`, { headers: { 'X-Auth-Token': u2 } });
    assert.equal(inbox.status, 200);
    const latest = Object.fromEntries(inbox.json.entries.map((e) => [e.id, e.latest?.text]));
    const last = async (as) => (await history(as, 2)).at(-1).text;
    assert.deepEqual(latest, { 1: await last(u1), 3: await last(u3) });

    // No restart: both of user 2's sockets, one on each instance, get what is sent now.
    b1.got.length = 0;
    b2.got.length = 0;
    for (const [base, as] of [[one.url, u1], [two.url, u3]]) {
      const r = await request(`${base}/api/user/2`, { method: 'POST', timeoutMs: 15000,
        headers: { 'X-Auth-Token': as, 'Content-Type': 'application/json' }, body: JSON.stringify({ type: 'text', text: 'after' }) });
      assert.equal(r.status, 201);
    }
    await until(() => b1.got.length === 2 && b2.got.length === 2, 10000, 'both sockets hear the sends after the failover');
    for (const s of [b1, b2]) assert.deepEqual(s.got.map(([e, p]) => [e, p.text]), [['new-message', 'after'], ['new-message', 'after']]);
  });
});
