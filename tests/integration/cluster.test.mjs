// senna on a real Redis Cluster (3 masters + 3 replicas, tests/integration/lib/harness.mjs's
// startCluster): it reads the slot map, serves, survives a master killed under it, and refuses at
// start-up what cannot work (ADR 0013). The key layout a send needs on a cluster is ADR 0012's
// (another branch): until it lands, the chat writes whose keys span slots answer 503 here, so
// this file checks the transport, not the chat.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
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
    assert.match(senna.logs, /redis endpoint=redis\+cluster:\/\/127\.0\.0\.1:\d+,/);
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
