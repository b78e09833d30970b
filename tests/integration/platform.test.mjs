// Users and topics from the platform's API (SPEC §6), against a fake platform the test starts:
// batched look-ups, the cache, and fallbacks when the platform fails or hangs.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { request, runSenna, startRedis, startSenna, token } from './lib/harness.mjs';
import { startFakePlatform } from './lib/fake-platform.mjs';

const users = [
  { id: 1, username: 'Barry from Earth-1', role: { id: 3, handle: 'registered', value: 'Registered' } },
  { id: 2, username: 'Barry from Earth-2', role: { id: 3, handle: 'registered', value: 'Registered' } },
];
const topics = [{ id: 7, title: 'Cars', status: 'open' }];
const alice = token({ user_id: 1 });
const bob = token({ user_id: 2 });

describe('platform look-ups', () => {
  let r;
  let fake;
  let senna;
  const api = (path, as = alice, init = {}) => request(`${senna.url}${path}`, { ...init, headers: { 'X-Auth-Token': as, ...(init.headers ?? {}) } });

  before(async () => {
    r = await startRedis();
    fake = await startFakePlatform({ users, topics });
    senna = await startSenna({ SOCK_REDIS_URL: r.url, SOCK_API_URL: fake.url, SOCK_API_TIMEOUT_MS: '500', SOCK_THREADS: '1' });
    await api('/api/user/2', alice, { method: 'POST', body: '{"type":"text","text":"hi"}' });
    await api('/api/topic/7', bob, { method: 'POST', body: '{"type":"text","text":"cars!"}' });
  });
  after(async () => {
    await senna?.stop();
    await fake?.close();
    await r?.stop();
  });

  test('history: one batched request, the platform\'s objects as they are', async () => {
    fake.reset();
    const h = await api('/api/user/2');
    assert.equal(h.status, 200);
    assert.deepEqual(h.json.entry, users[1]);
    assert.deepEqual(h.json.messages[0].author, users[0]);
    assert.equal(fake.requests.length, 1);
    const [req] = fake.requests;
    assert.equal(req.path, '/v1/users');
    assert.equal(req.query, 'fields=id,username,role&ids=1,2');
    assert.equal(req.headers['user-agent'], 'Senna-Sockets-Server');
    const t = await api('/api/topic/7');
    assert.deepEqual(t.json.entry, topics[0]);
    assert.ok(fake.requests.some((x) => x.path === '/v1/topics' && x.query === 'fields=id,title,status&ids=7'));
  });

  test('cached: the same look-ups again make no request', async () => {
    await api('/api/user/2');
    fake.reset();
    const h = await api('/api/user/2');
    assert.deepEqual(h.json.entry, users[1]);
    const inbox = await api('/api/list', bob);
    assert.deepEqual(inbox.json.entries.map((e) => e.user ?? e.topic), [topics[0], users[0]]);
    assert.equal(fake.requests.length, 0);
  });

  test('a failing platform gives {"id": ID} objects, not an error', async () => {
    fake.setMode({ failWith: 500 });
    try {
      const h = await api('/api/user/11', token({ user_id: 12 })); // not cached
      assert.equal(h.status, 200);
      assert.deepEqual(h.json.entry, { id: 11 });
      fake.setMode({ failWith: 'garbage' });
      const g = await api('/api/user/4', token({ user_id: 5 }));
      assert.deepEqual(g.json.entry, { id: 4 });
    } finally {
      fake.setMode({ failWith: null });
    }
  });

  test('a hanging platform: REST still answers within its deadline, with fallbacks', async () => {
    fake.setMode({ failWith: 'hang' });
    try {
      const started = Date.now();
      const h = await api('/api/user/8', token({ user_id: 9 }));
      const ms = Date.now() - started;
      assert.equal(h.status, 200);
      assert.deepEqual(h.json.entry, { id: 8 });
      assert.ok(ms >= 450 && ms < 1500, `answered after ${ms} ms`);
    } finally {
      fake.setMode({ failWith: null });
    }
  });

  test('platform metrics are exported', async () => {
    const m = await request(`${senna.url}/metrics`);
    assert.match(m.text, /^senna_platform_requests_total \d+$/m);
    assert.match(m.text, /^senna_platform_cache_hits_total [1-9]\d*$/m);
    assert.match(m.text, /^senna_platform_errors_total [1-9]\d*$/m);
  });
});

test('an https or malformed SOCK_API_URL stops start-up', async () => {
  const res = await runSenna([], { SOCK_API_URL: 'https://api.example.com/', SOCK_REDIS_URL: 'redis://127.0.0.1:1' });
  assert.equal(res.code, 1);
  assert.match(res.stderr, /^senna: SOCK_API_URL: /);
});
