// The chat over REST (SPEC §3, §4): exact bodies, exact Redis keys, the seed's data, every
// error row, pagination, concurrency, and Redis going away mid-stream. Real redis-server, real
// senna binary, real HTTP. No platform API here (profiles come from token claims).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { rawExchange, request, startRedis, startSenna, tmpDir, token, redisKey } from './lib/harness.mjs';
import { redis as rcmd } from './lib/resp.mjs';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const alice = token({ user_id: 1, username: 'alice', role: { id: 3, handle: 'registered', value: 'Registered' } });
const bob = token({ user_id: 2, username: 'bob' });
const carol = token({ user_id: 'carol_3' });

const err = (status, code, name, message) => ({ error: true, code, name, message, status });

describe('chat over REST', () => {
  let r;
  let senna;
  const api = (path, { as = alice, method = 'GET', body, headers = {} } = {}) =>
    request(`${senna.url}${path}`, {
      method,
      headers: { ...(as ? { 'X-Auth-Token': as } : {}), ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}), ...headers },
      body: body === undefined ? undefined : typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body),
    });

  before(async () => {
    r = await startRedis();
    // Bulk writes (a 250-message chat): the per-user write limit is off here, limits.test.mjs tests it.
    senna = await startSenna({ SOCK_REDIS_URL: r.url, SOCK_RATE_SEND_PER_SEC: '0' });
  });
  after(async () => {
    await senna?.stop();
    await r?.stop();
  });

  test('send a DM: 201 body, the stored JSON, the list, both inboxes, last_active', async () => {
    const before = Date.now();
    const res = await api('/api/user/2', { method: 'POST', body: { type: 'text', text: 'Hello, world!' } });
    assert.equal(res.status, 201);
    const { entry } = res.json;
    assert.match(entry.id, UUID);
    assert.ok(entry.timestamp.epoch >= before && entry.timestamp.epoch <= Date.now());
    assert.deepEqual(res.json, {
      state: { key: 'myplatform:dm:1-2', inbox_key: 'user-2' },
      entry: { id: entry.id, author: 1, timestamp: { epoch: entry.timestamp.epoch, iso: new Date(entry.timestamp.epoch).toISOString() }, type: 'text', text: 'Hello, world!', seq: 1 },
    });
    // What the seed would have written, byte for byte.
    assert.equal(await rcmd(r.port, 'HGET', redisKey(`dm:1-2:data`), entry.id),
      JSON.stringify({ id: entry.id, author: 1, timestamp: entry.timestamp.iso, type: 'text', text: 'Hello, world!' }));
    assert.deepEqual(await rcmd(r.port, 'LRANGE', redisKey(`dm:1-2`), 0, -1), [entry.id]);
    assert.equal(Number(await rcmd(r.port, 'ZSCORE', redisKey(`inbox:1`), 'user-2')), entry.timestamp.epoch);
    assert.equal(Number(await rcmd(r.port, 'ZSCORE', redisKey(`inbox:2`), 'user-1')), entry.timestamp.epoch);
    assert.equal(await rcmd(r.port, 'HGET', redisKey(`activity:1`), 'last_active'), entry.timestamp.iso);
  });

  test('the message is in both inboxes and in the history, with profiles from the tokens', async () => {
    await api('/api/', { as: bob }); // bob's token tells senna his username
    const sent = (await api('/api/user/2', { method: 'POST', body: { type: 'image', image: 'https://example.com/a.png' } })).json.entry;
    const aliceUser = { id: 1, username: 'alice', role: { id: 3, handle: 'registered', value: 'Registered' } };
    const inbox2 = await api('/api/list', { as: bob });
    assert.equal(inbox2.status, 200);
    assert.deepEqual(inbox2.json, {
      state: { key: 'myplatform:inbox:2', page: 1, per_page: 10, total: 1, total_pages: 1 },
      entries: [{ type: 'user', id: 1, latest: sent, timestamp: sent.timestamp, unread: 2, read_seq: 0, user: aliceUser }],
    });
    const inbox1 = await api('/api/list');
    assert.deepEqual(inbox1.json.entries, [{ type: 'user', id: 2, latest: sent, timestamp: sent.timestamp, unread: 0, read_seq: 0, user: { id: 2, username: 'bob' } }]);
    const history = await api('/api/user/1', { as: bob });
    assert.equal(history.json.state.key, 'myplatform:dm:1-2');
    assert.deepEqual(history.json.state, { key: 'myplatform:dm:1-2', page: 1, per_page: 10, total: 2, total_pages: 1 });
    assert.deepEqual(history.json.entry, aliceUser);
    assert.equal(history.json.messages.length, 2);
    assert.deepEqual(history.json.messages[1], { ...sent, author: aliceUser });
    assert.equal(history.json.messages[0].text, 'Hello, world!');
    const raw = await api('/api/list?no_format', { as: bob });
    assert.deepEqual(raw.json.entries, [{ type: 'user', id: 1, latest: null, timestamp: sent.timestamp.epoch }]);
  });

  test('edit by the author only, seen by the recipient only, delete by the author only', async () => {
    const m = (await api('/api/user/2', { method: 'POST', body: { type: 'text', text: 'typo' } })).json.entry;
    const forbidden = await api(`/api/user/1/${m.id}`, { as: bob, method: 'POST', body: { text: 'mine now' } });
    assert.deepEqual(forbidden.json, err(403, 'FORBIDDEN', 'ForbiddenError', 'Only the author can change a message'));
    const ownSeen = await api(`/api/user/2/${m.id}`, { method: 'POST', body: { status: 'seen' } });
    assert.deepEqual(ownSeen.json, err(400, 'MESSAGES_NOTHING_TO_UPDATE', 'ArgumentError', 'No valid data was supplied'));
    const seen = await api(`/api/user/1/${m.id}`, { as: bob, method: 'POST', body: { status: 'seen' } });
    assert.equal(seen.status, 200);
    assert.deepEqual(seen.json, { state: { key: 'myplatform:dm:1-2', inbox_key: 'user-1' }, entry: { ...m, status: 'seen' } });
    const edited = await api(`/api/user/2/${m.id}`, { method: 'POST', body: { text: 'fixed', status: 'seen' } });
    assert.equal(edited.status, 200);
    const { edited: ts, ...rest } = edited.json.entry;
    assert.deepEqual(rest, { ...m, text: 'fixed', status: 'seen' });
    assert.equal(ts.iso, new Date(ts.epoch).toISOString());
    const stored = JSON.parse(await rcmd(r.port, 'HGET', redisKey(`dm:1-2:data`), m.id));
    assert.deepEqual(stored, { id: m.id, author: 1, timestamp: m.timestamp.iso, type: 'text', text: 'fixed', status: 'seen', edited: ts.iso });

    const notYours = await api(`/api/user/1/${m.id}`, { as: bob, method: 'DELETE' });
    assert.deepEqual(notYours.json, err(403, 'FORBIDDEN', 'ForbiddenError', 'Only the author can delete a message'));
    const del = await api(`/api/user/2/${m.id}`, { method: 'DELETE' });
    assert.equal(del.text, JSON.stringify({ state: { key: 'myplatform:dm:1-2', inbox_key: 'user-2' }, message: 'Message deleted', success: true }));
    assert.equal(await rcmd(r.port, 'HGET', redisKey(`dm:1-2:data`), m.id), null);
    assert.ok(!(await rcmd(r.port, 'LRANGE', redisKey(`dm:1-2`), 0, -1)).includes(m.id));
    const gone = await api(`/api/user/2/${m.id}`, { method: 'DELETE' });
    assert.deepEqual(gone.json, err(404, 'NOT_FOUND', 'NotFound', 'Message not found'));
    const noEdit = await api(`/api/user/2/${m.id}`, { method: 'POST', body: { text: 'x' } });
    assert.equal(noEdit.status, 404);
  });

  test('a third user cannot read or change a DM: the key is derived from the caller', async () => {
    const m = (await api('/api/user/2', { method: 'POST', body: { type: 'text', text: 'private' } })).json.entry;
    const h = await api('/api/user/2', { as: carol });
    assert.equal(h.json.state.key, 'myplatform:dm:2-carol_3');
    assert.equal(h.json.state.total, 0);
    const edit = await api(`/api/user/2/${m.id}`, { as: carol, method: 'POST', body: { text: 'hijack' } });
    assert.equal(edit.status, 404);
  });

  test('topics: one list for everyone, in the sender\'s inbox, entry is the topic', async () => {
    const a = (await api('/api/topic/7', { method: 'POST', body: { type: 'text', text: 'hi topic' } })).json;
    assert.deepEqual(a.state, { key: 'myplatform:topic:7', inbox_key: 'topic-7' });
    await api('/api/topic/7', { as: carol, method: 'POST', body: { type: 'text', text: 'hi back' } });
    const h = await api('/api/topic/7', { as: bob });
    assert.deepEqual(h.json.entry, { id: 7 });
    assert.deepEqual(h.json.messages.map((m) => [m.author, m.text]), [
      [{ id: 1, username: 'alice', role: { id: 3, handle: 'registered', value: 'Registered' } }, 'hi topic'],
      [{ id: 'carol_3', username: 'user-carol_3' }, 'hi back'],
    ]);
    const inbox = await api('/api/list', { as: carol });
    assert.deepEqual(inbox.json.entries.map((e) => [e.type, e.id, e.topic]), [['topic', 7, { id: 7 }]]);
    assert.equal(await rcmd(r.port, 'ZSCORE', redisKey(`inbox:2`), 'topic-7'), null, 'readers are not members');
  });

  test('pagination of a 250-message chat', async () => {
    const u = token({ user_id: 500 });
    for (let i = 1; i <= 250; i += 25) {
      await Promise.all(Array.from({ length: 25 }, (_, k) => api('/api/user/501', { as: u, method: 'POST', body: { type: 'text', text: `m${String(i + k).padStart(3, '0')}` } })));
    }
    // Parallel sends may land in any order: compare against the stored list.
    const ids = await rcmd(r.port, 'LRANGE', redisKey(`dm:500-501`), 0, -1);
    assert.equal(ids.length, 250);
    const textOf = async (id) => JSON.parse(await rcmd(r.port, 'HGET', redisKey(`dm:500-501:data`), id)).text;
    const page = async (q) => (await api(`/api/user/501${q}`, { as: u })).json;

    const p1 = await page('?per_page=100');
    assert.deepEqual(p1.state, { key: 'myplatform:dm:500-501', page: 1, per_page: 100, total: 250, total_pages: 3 });
    assert.deepEqual(p1.messages.map((m) => m.id), ids.slice(150, 250));
    const p3 = await page('?per_page=100&page=3');
    assert.deepEqual(p3.messages.map((m) => m.id), ids.slice(0, 50));
    assert.equal(p3.messages[0].text, await textOf(ids[0]));
    const p4 = await page('?per_page=100&page=4');
    assert.deepEqual(p4.messages, []);
    assert.equal(p4.state.total, 250);
    const def = await page('');
    assert.deepEqual(def.messages.map((m) => m.id), ids.slice(240));
    assert.deepEqual(def.state, { key: 'myplatform:dm:500-501', page: 1, per_page: 10, total: 250, total_pages: 25 });
    assert.deepEqual((await page('?limit=5&page=2')).messages.map((m) => m.id), ids.slice(240, 245));
    assert.equal((await page('?limit=5&per_page=7')).state.per_page, 7, 'per_page wins');
    assert.equal((await page('?limit=5&per_page=x')).state.per_page, 10, 'per_page wins even when garbage');
    assert.equal((await page('?per_page=1000')).state.per_page, 100);
    for (const q of ['?page=0', '?page=-1', '?page=1.5', '?page=abc', '?page=', '?page=1&page=2', '?page=99999999999999999999']) {
      assert.equal((await page(q)).state.page, 1, q);
    }
    const inbox = await api('/api/list?per_page=1', { as: u });
    assert.deepEqual(inbox.json.state, { key: 'myplatform:inbox:500', page: 1, per_page: 1, total: 1, total_pages: 1 });
  });

  test('the seed\'s data reads correctly', async () => {
    // Keys and JSON exactly as Senna-Sockets wrote them (its README's example).
    const dm = redisKey(`dm:388636-524376`);
    await rcmd(r.port, 'RPUSH', dm, '215066e1-e4a6-4a67-93b3-372519f7dfff', '67d7fb6b-26b1-4972-a34d-67c0533e7e17');
    await rcmd(r.port, 'HSET', `${dm}:data`, '215066e1-e4a6-4a67-93b3-372519f7dfff',
      '{"id":"215066e1-e4a6-4a67-93b3-372519f7dfff","author":388636,"timestamp":"2016-06-02T21:38:36.342Z","type":"text","text":"Whaddup Barry!"}');
    await rcmd(r.port, 'HSET', `${dm}:data`, '67d7fb6b-26b1-4972-a34d-67c0533e7e17',
      '{"id":"67d7fb6b-26b1-4972-a34d-67c0533e7e17","author":524376,"timestamp":"2016-06-02T21:39:36.342Z","type":"text","text":"Hey, Barry!!","status":"seen"}');
    await rcmd(r.port, 'ZADD', redisKey(`inbox:388636`), 1464903576342, 'user-524376');
    const barry = token({ user_id: 388636 });
    const h = await api('/api/user/524376', { as: barry });
    assert.deepEqual(h.json, {
      state: { key: 'myplatform:dm:388636-524376', page: 1, per_page: 10, total: 2, total_pages: 1 },
      entry: { id: 524376, username: 'user-524376' },
      messages: [
        { id: '215066e1-e4a6-4a67-93b3-372519f7dfff', author: { id: 388636, username: 'user-388636' }, timestamp: { epoch: 1464903516342, iso: '2016-06-02T21:38:36.342Z' }, type: 'text', text: 'Whaddup Barry!', seq: 1 },
        { id: '67d7fb6b-26b1-4972-a34d-67c0533e7e17', author: { id: 524376, username: 'user-524376' }, timestamp: { epoch: 1464903576342, iso: '2016-06-02T21:39:36.342Z' }, type: 'text', text: 'Hey, Barry!!', status: 'seen', seq: 2 },
      ],
    });
    const inbox = await api('/api/list', { as: barry });
    assert.deepEqual(inbox.json.entries, [{
      type: 'user', id: 524376,
      latest: { id: '67d7fb6b-26b1-4972-a34d-67c0533e7e17', author: 524376, timestamp: { epoch: 1464903576342, iso: '2016-06-02T21:39:36.342Z' }, type: 'text', text: 'Hey, Barry!!', status: 'seen', seq: 2 },
      timestamp: { epoch: 1464903576342, iso: '2016-06-02T21:39:36.342Z' },
      // Numbered in list order when senna first read the chat; the seed's "seen" is barry's cursor.
      unread: 0, read_seq: 2,
      user: { id: 524376, username: 'user-524376' },
    }]);
    // And what senna writes into that chat is what the seed would have written.
    const reply = await api('/api/user/388636', { as: token({ user_id: 524376 }), method: 'POST', body: { type: 'text', text: 'Still here' } });
    const stored = await rcmd(r.port, 'HGET', `${dm}:data`, reply.json.entry.id);
    assert.equal(stored, `{"id":"${reply.json.entry.id}","author":524376,"timestamp":"${reply.json.entry.timestamp.iso}","type":"text","text":"Still here"}`);
  });

  test('concurrent updates of one message do not lose each other', async () => {
    for (let round = 0; round < 5; round++) {
      const m = (await api('/api/user/2', { method: 'POST', body: { type: 'text', text: 'v0' } })).json.entry;
      const results = await Promise.all([
        api(`/api/user/2/${m.id}`, { method: 'POST', body: { text: `v${round + 1}` } }),
        api(`/api/user/1/${m.id}`, { as: bob, method: 'POST', body: { status: 'seen' } }),
      ]);
      assert.deepEqual(results.map((x) => x.status), [200, 200]);
      const stored = JSON.parse(await rcmd(r.port, 'HGET', redisKey(`dm:1-2:data`), m.id));
      assert.equal(stored.text, `v${round + 1}`);
      assert.equal(stored.status, 'seen');
    }
  });

  describe('every error row of SPEC §3', () => {
    const cases = [
      ['invalid JSON', '/api/user/2', { body: '{"type": "text",' }, err(400, 'BAD_REQUEST', 'BadRequestError', 'The request body is not valid JSON')],
      ['a body that is not an object', '/api/user/2', { body: '[1,2]' }, err(400, 'BAD_REQUEST', 'BadRequestError', 'The request body must be a JSON object')],
      ['a lone surrogate escape', '/api/user/2', { body: '{"type":"text","text":"\\ud800"}' }, err(400, 'BAD_REQUEST', 'BadRequestError', 'The request body is not valid JSON')],
      ['unknown type', '/api/user/2', { body: { type: 'video' } }, err(400, 'MESSAGES_INVALID_TYPE', 'ArgumentError', 'Invalid type "video"')],
      ['missing type', '/api/user/2', { body: { text: 'x' } }, err(400, 'MESSAGES_INVALID_TYPE', 'ArgumentError', 'Invalid type "undefined"')],
      ['empty body', '/api/user/2', { body: '' }, err(400, 'MESSAGES_INVALID_TYPE', 'ArgumentError', 'Invalid type "undefined"')],
      ['missing text', '/api/user/2', { body: { type: 'text' } }, err(400, 'MESSAGES_MISSING_CONTENT', 'ArgumentError', 'Missing text property for text-message')],
      ['empty text', '/api/user/2', { body: { type: 'text', text: '' } }, err(400, 'MESSAGES_MISSING_CONTENT', 'ArgumentError', 'Missing text property for text-message')],
      ['text not a string', '/api/user/2', { body: { type: 'text', text: 5 } }, err(400, 'MESSAGES_MISSING_CONTENT', 'ArgumentError', 'Missing text property for text-message')],
      ['missing image', '/api/user/2', { body: { type: 'image' } }, err(400, 'MESSAGES_MISSING_CONTENT', 'ArgumentError', 'Missing image property for image-message')],
      ['text over the limit', '/api/user/2', { body: { type: 'text', text: '👊'.repeat(10001) } }, err(400, 'MESSAGES_TEXT_TOO_LONG', 'ArgumentError', 'The text is longer than 10000 characters')],
      ['image reference over 2048', '/api/user/2', { body: { type: 'image', image: `https://x/${'a'.repeat(2040)}` } }, err(400, 'MESSAGES_TEXT_TOO_LONG', 'ArgumentError', 'The image is longer than 2048 characters')],
      ['unknown target', '/api/group/2', { body: { type: 'text', text: 'x' } }, err(400, 'MESSAGES_INVALID_TARGET', 'ArgumentError', 'Invalid target "group"')],
      ['a DM to oneself', '/api/user/1', { body: { type: 'text', text: 'x' } }, err(400, 'MESSAGES_INVALID_TARGET', 'ArgumentError', 'You cannot message yourself')],
      ['an id with a space', '/api/user/a%20b', { body: { type: 'text', text: 'x' } }, err(400, 'MESSAGES_INVALID_ID', 'ArgumentError', 'Invalid id "a b"')],
      ['an id of 65 characters', `/api/topic/${'a'.repeat(65)}`, {}, err(400, 'MESSAGES_INVALID_ID', 'ArgumentError', `Invalid id "${'a'.repeat(65)}"`)],
      ['an id with a dot', '/api/topic/a.b', {}, err(400, 'MESSAGES_INVALID_ID', 'ArgumentError', 'Invalid id "a.b"')],
      ['no token', '/api/list', { as: null }, err(401, 'NOT_AUTHENTICATED', 'UnauthenticatedError', 'You are not authenticated')],
      ['no token on a write', '/api/user/2', { as: null, body: { type: 'text', text: 'x' } }, err(401, 'NOT_AUTHENTICATED', 'UnauthenticatedError', 'You are not authenticated')],
      ['unknown route', '/api/user/2/x/y', {}, err(404, 'NOT_FOUND', 'RouteNotFoundError', 'Route not found - please check your URL and try again')],
      ['nothing to update', '/api/user/2/nope', { body: {}, method: 'POST' }, err(404, 'NOT_FOUND', 'NotFound', 'Message not found')],
    ];
    for (const [name, path, opts, expected] of cases) {
      test(name, async () => {
        const method = opts.method ?? (opts.body !== undefined ? 'POST' : 'GET');
        const res = await api(path, { ...opts, method });
        assert.equal(res.status, expected.status);
        assert.equal(res.text, JSON.stringify(expected));
      });
    }

    test('text of exactly 10000 code points is accepted', async () => {
      const res = await api('/api/user/2', { method: 'POST', body: { type: 'text', text: '👊'.repeat(10000) } });
      assert.equal(res.status, 201);
    });

    test('a body that is not UTF-8', async () => {
      const res = await api('/api/user/2', { method: 'POST', body: Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x7d]) });
      assert.equal(res.text, JSON.stringify(err(400, 'BAD_REQUEST', 'BadRequestError', 'The request body is not valid UTF-8')));
    });

    test('405 with Allow on the chat routes', async () => {
      const d = await api('/api/user/2', { method: 'DELETE' });
      assert.equal(d.status, 405);
      assert.equal(d.headers.get('allow'), 'GET, HEAD, POST');
      const l = await api('/api/list', { method: 'POST', body: {} });
      assert.equal(l.status, 405);
      assert.equal(l.headers.get('allow'), 'GET, HEAD');
    });

    test('413 on a chat route, without reading the body', async () => {
      const head = `POST /api/user/2 HTTP/1.1\r\nHost: x\r\nX-Auth-Token: ${alice}\r\nContent-Length: 1048577\r\n\r\n`;
      const res = await rawExchange(senna.url, head);
      assert.match(res.data, /^HTTP\/1\.1 413 /);
      assert.ok(res.data.includes('"code":"PAYLOAD_TOO_LARGE"'));
    });

    test('nothing was stored by the failed requests', async () => {
      const texts = [];
      for (const id of await rcmd(r.port, 'HKEYS', redisKey(`dm:1-2:data`))) {
        texts.push(JSON.parse(await rcmd(r.port, 'HGET', redisKey(`dm:1-2:data`), id)).text);
      }
      assert.ok(!texts.includes('x'), 'no failed send left a message');
      assert.equal(await rcmd(r.port, 'EXISTS', redisKey(`dm:1-1`)), 0);
    });
  });
});

describe('Redis going away', () => {
  test('sends answer 503 while Redis is down, nothing acknowledged is lost, nothing is half-written', async () => {
    const dir = tmpDir('senna-aof-');
    let r = await startRedis({ dir });
    // A stream of sends while Redis goes away: no write limit (limits.test.mjs tests it).
    const senna = await startSenna({ SOCK_REDIS_URL: r.url, SOCK_REDIS_COMMAND_TIMEOUT_MS: '1000', SOCK_RATE_SEND_PER_SEC: '0' });
    const acked = [];
    const statuses = new Map();
    let stop = false;
    const sender = async (n) => {
      for (let i = 0; !stop; i++) {
        const res = await request(`${senna.url}/api/user/9`, {
          method: 'POST', headers: { 'X-Auth-Token': token({ user_id: 8 }) }, body: JSON.stringify({ type: 'text', text: `${n}-${i}` }),
        }).catch(() => ({ status: 0 }));
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        if (res.status === 201) acked.push(res.json.entry.id);
        else assert.ok(res.status === 503, `status ${res.status}: ${res.text}`);
        if (res.status === 503) assert.deepEqual(res.json, err(503, 'STORE_UNAVAILABLE', 'StoreUnavailableError', 'The message store is unavailable - please try again'));
      }
    };
    try {
      const senders = [1, 2, 3, 4].map(sender);
      await sleep(300);
      const port = r.port;
      await r.stop(); // SIGKILL, mid-stream
      await sleep(300);
      r = await startRedis({ port, dir });
      await sleep(800);
      stop = true;
      await Promise.all(senders);
      assert.ok(statuses.get(503) > 0, `some sends failed while Redis was down: ${[...statuses]}`);
      const ackedAfter = acked.length;
      assert.ok(ackedAfter > 10, 'sends went through before and after');

      const list = await rcmd(r.port, 'LRANGE', redisKey(`dm:8-9`), 0, -1);
      const hash = await rcmd(r.port, 'HKEYS', redisKey(`dm:8-9:data`));
      for (const id of acked) {
        assert.ok(list.includes(id) && hash.includes(id), `acknowledged ${id} is stored`);
      }
      assert.deepEqual([...list].sort(), [...hash].sort(), 'list and hash hold the same messages');
      assert.equal(new Set(list).size, list.length);
    } finally {
      stop = true;
      await senna.stop();
      await r.stop();
    }
  });
});
