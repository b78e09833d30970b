// `senna migrate` (app/migrate_command.hpp): a seed-layout deployment on one redis-server copied
// into the cluster layout on a one-node Redis Cluster while the seed-layout senna keeps
// serving, resumably, each key checked by size; a cluster-layout senna then serves the same
// inboxes, histories, cursors and bans from the copy.
import { afterEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { redisKey, runSenna, startRedis, startSenna, token } from './lib/harness.mjs';
import { api } from './lib/clients.mjs';
import { redis as rcmd } from './lib/resp.mjs';

const tok = (id) => token({ user_id: id, username: `u${id}` });
const seed = (name) => redisKey(name, { layout: 'seed' });
const cluster = (name) => redisKey(name, { layout: 'cluster' });
const send = (url, from, to, text) => api(url, `/api/user/${to}`, { as: tok(from), method: 'POST', body: { type: 'text', text } });

const running = [];
afterEach(async () => {
  for (const stop of running.splice(0).reverse()) await stop();
});

describe('senna migrate', () => {
  test('copies a running seed-layout deployment into the cluster layout, resumably, and a cluster-layout senna serves it', async () => {
    const from = await startRedis({ cluster: false });
    running.push(() => from.stop());
    const to = await startRedis({ cluster: true });
    running.push(() => to.stop());
    const old = await startSenna({ SOCK_REDIS_URL: from.url, SOCK_REDIS_LAYOUT: 'seed', SOCK_RATE_SEND_PER_SEC: '0' });
    running.push(() => old.stop('SIGKILL'));
    for (let i = 0; i < 30; i++) assert.equal((await send(old.url, 1, 2 + (i % 3), `m${i}`)).status, 201);
    assert.equal((await api(old.url, '/api/user/1/read', { as: tok(2), method: 'POST', body: { seq: 4 } })).status, 200);
    await rcmd(from.port, 'HSET', seed('moderation:bans'), '9', '0');
    await rcmd(from.port, 'SET', 'not-senna', 'x');

    const bad = await runSenna(['migrate', '--from', from.url]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--from and --to are required/);

    // A first run in small batches, while the old senna keeps taking writes.
    const writes = (async () => { for (let i = 0; i < 10; i++) await send(old.url, 5, 6, `late${i}`); })();
    const first = await runSenna(['migrate', '--from', from.url, '--to', to.url, '--batch', '2']);
    await writes;
    assert.match(first.stdout, /copied \d+ keys/, first.stderr);
    // Resumable: the cursor is kept in the target; a finished run starts over with --restart,
    // which also picks up what was written after the first pass.
    assert.equal(await rcmd(to.port, 'HGET', 'senna-sockets:messages:{myplatform:migration}', 'done'), '1');
    const second = await runSenna(['migrate', '--from', from.url, '--to', to.url, '--restart']);
    assert.equal(second.code, 0, second.stderr);
    assert.match(second.stdout, /sizes differ: 0/);

    for (const [s, c] of [['dm:1-2', 'dm:1-2'], ['dm:1-2:data', 'dm:1-2:data'], ['dm:1-2:seqs', 'dm:1-2:seqs'], ['dm:5-6', 'dm:5-6']]) {
      assert.deepEqual(await rcmd(to.port, 'LRANGE', cluster(c), 0, -1).catch(() => null) ?? null,
        await rcmd(from.port, 'LRANGE', seed(s), 0, -1).catch(() => null) ?? null);
    }
    assert.deepEqual(await rcmd(to.port, 'ZRANGE', cluster('inbox:1'), 0, -1, 'WITHSCORES'),
      await rcmd(from.port, 'ZRANGE', seed('inbox:1'), 0, -1, 'WITHSCORES'));
    assert.equal(await rcmd(to.port, 'HGET', cluster('moderation:bans'), '9'), '0');
    assert.equal(await rcmd(to.port, 'EXISTS', 'not-senna'), 0, 'only senna keys');

    const now = await startSenna({ SOCK_REDIS_URL: to.url, SOCK_REDIS_LAYOUT: 'cluster' });
    running.push(() => now.stop('SIGKILL'));
    for (const user of [1, 2, 6]) {
      const a = await api(old.url, '/api/list', { as: tok(user) });
      const b = await api(now.url, '/api/list', { as: tok(user) });
      assert.equal(b.status, 200, b.text);
      assert.deepEqual(b.json, a.json, `the inbox of ${user}`);
    }
    const h1 = await api(old.url, '/api/user/1', { as: tok(2) });
    const h2 = await api(now.url, '/api/user/1', { as: tok(2) });
    assert.deepEqual(h2.json, h1.json);
    assert.equal((await send(now.url, 1, 2, 'after')).json.entry.seq, 11, 'the seq goes on');
    assert.equal((await api(now.url, '/api/list', { as: tok(9) })).status, 403, 'the ban came along');
  });
});
