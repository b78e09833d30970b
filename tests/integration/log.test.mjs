// The conversation log (issue 13, docs/api.md): per-chat seq, cursor pages, client_msg_id,
// read cursors, unread counts and read receipts, against the real senna binary (two instances
// where it matters) and a real redis-server.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { startRedis, startSenna, token, until, redisKey } from './lib/harness.mjs';
import { ack, api, closeAll, connectAs } from './lib/clients.mjs';
import { redis as rcmd } from './lib/resp.mjs';

const tok = (id) => token({ user_id: id, username: `u${id}` });
const err = (status, code, name, message) => ({ error: true, code, name, message, status });

/** A small deterministic PRNG (mulberry32), so that a failing mix can be replayed. */
function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Every message of a chat through the seed's pages (per_page 100), oldest first. */
async function everything(base, path, as) {
  const first = (await api(base, `${path}?per_page=100`, { as })).json;
  const pages = first.state.total_pages;
  const out = [];
  for (let p = pages; p >= 1; p--)
    out.push(...(await api(base, `${path}?per_page=100&page=${p}`, { as })).json.messages);
  return out;
}

describe('the conversation log', () => {
  let r, one, two;
  before(async () => {
    r = await startRedis();
    const env = { SOCK_REDIS_URL: r.url, SOCK_RATE_SEND_PER_SEC: '0', SOCK_RATE_EVENTS_PER_SEC: '0' };
    one = await startSenna(env);
    two = await startSenna(env);
  });
  after(async () => {
    closeAll();
    await one?.stop();
    await two?.stop();
    await r?.stop();
  });

  test('8 concurrent senders on two instances into one chat: seqs 1..200, no gap, in list order', async () => {
    const senders = [1, 2, 3, 4, 5, 6, 7, 8];
    const sent = await Promise.all(senders.map(async (u) => {
      const base = u % 2 ? one.url : two.url;
      const mine = [];
      for (let i = 0; i < 25; i++) {
        const res = await api(base, '/api/topic/gapless', { as: tok(u), method: 'POST', body: { type: 'text', text: `${u}:${i}` } });
        assert.equal(res.status, 201);
        mine.push(res.json.entry);
      }
      return mine;
    }));
    const seqs = sent.flat().map((e) => e.seq).sort((a, b) => a - b);
    assert.deepEqual(seqs, Array.from({ length: 200 }, (_, i) => i + 1));
    // Each sender's own messages got increasing seqs (one writer's sends are ordered).
    for (const mine of sent)
      assert.ok(mine.every((e, i) => i === 0 || e.seq > mine[i - 1].seq));
    // The history (the seed's list order) runs in seq order, and agrees with the 201s.
    const all = await everything(one.url, '/api/topic/gapless', tok(1));
    assert.deepEqual(all.map((m) => m.seq), seqs);
    const byId = new Map(sent.flat().map((e) => [e.id, e.seq]));
    assert.ok(all.every((m) => byId.get(m.id) === m.seq));
    assert.equal(await rcmd(r.port, 'GET', redisKey(`topic:gapless:seq`)), '200');
    assert.equal(await rcmd(r.port, 'ZCARD', redisKey(`topic:gapless:seqs`)), 200);
  });

  test('walking `before` under a concurrent sender and deleter returns every message exactly once', async () => {
    const chat = '/api/user/12';
    const ids = [];
    for (let i = 0; i < 120; i++)
      ids.push((await api(one.url, chat, { as: tok(11), method: 'POST', body: { type: 'text', text: `m${i}` } })).json.entry);
    let stop = false;
    const added = [];
    const deleted = new Set();
    const writer = (async () => {
      for (let i = 0; !stop && i < 200; i++) {
        const res = await api(two.url, chat, { as: tok(11), method: 'POST', body: { type: 'text', text: `late${i}` } });
        added.push(res.json.entry);
        if (i % 5 === 0) { // and a delete of an older message now and then
          const victim = ids[(i * 7) % ids.length];
          if (!deleted.has(victim.id)) {
            deleted.add(victim.id);
            await api(two.url, `/api/user/12/${victim.id}`, { as: tok(11), method: 'DELETE' });
          }
        }
        await sleep(3);
      }
    })();
    const seen = [];
    let cursor = '';
    const pages = [];
    for (;;) {
      const res = await api(one.url, `/api/user/11?before=${cursor}&limit=9`, { as: tok(12) });
      assert.equal(res.status, 200);
      const { state, messages } = res.json;
      pages.push(messages.map((m) => m.seq));
      seen.push(...messages);
      if (!state.has_more) {
        assert.equal(state.prev, null);
        break;
      }
      assert.equal(state.prev, messages[0].seq, 'prev is the oldest seq of the page');
      cursor = state.prev;
      await sleep(5);
    }
    stop = true;
    await writer;
    const seenIds = seen.map((m) => m.id);
    assert.equal(new Set(seenIds).size, seenIds.length, 'no message twice');
    // Strictly newest to oldest across pages, oldest to newest inside each.
    for (const p of pages) assert.ok(p.every((s, i) => i === 0 || s > p[i - 1]));
    const flat = pages.slice().reverse().flat();
    assert.ok(flat.every((s, i) => i === 0 || s > flat[i - 1]));
    // Every message that existed when the walk began and was not deleted meanwhile is there.
    for (const e of ids)
      if (!deleted.has(e.id)) assert.ok(seenIds.includes(e.id), `missing ${e.seq}`);
    // `after` from 0 now reaches every message still there, oldest first, then has_more false.
    const forward = [];
    let at = 0;
    for (;;) {
      const res = (await api(two.url, `/api/user/11?after=${at}&limit=50`, { as: tok(12) })).json;
      forward.push(...res.messages);
      if (!res.state.has_more) { assert.equal(res.state.next, null); break; }
      at = res.state.next;
    }
    const live = await everything(one.url, chat, tok(11));
    assert.deepEqual(forward.map((m) => m.id), live.map((m) => m.id));
    assert.equal(forward.length, 120 + added.length - deleted.size);
  });

  test('cursor pages: around, newest, empty ends, and their errors', async () => {
    const chat = '/api/topic/cursors';
    const e = [];
    for (let i = 0; i < 10; i++)
      e.push((await api(one.url, chat, { as: tok(1), method: 'POST', body: { type: 'text', text: `c${i}` } })).json.entry);
    const page = async (q) => (await api(one.url, `${chat}?${q}`, { as: tok(2) })).json;
    let p = await page('around=5&limit=3');
    assert.deepEqual(p.messages.map((m) => m.seq), [4, 5, 6]);
    assert.deepEqual(p.state, { key: 'myplatform:topic:cursors', limit: 3, total: 10, has_more: true, prev: 4, next: 6 });
    p = await page('before=latest&limit=4');
    assert.deepEqual(p.messages.map((m) => m.seq), [7, 8, 9, 10]);
    assert.deepEqual(p.state, { key: 'myplatform:topic:cursors', limit: 4, total: 10, has_more: true, prev: 7, next: null });
    p = await page('after=8&limit=4');
    assert.deepEqual(p.messages.map((m) => m.seq), [9, 10]);
    assert.deepEqual(p.state, { key: 'myplatform:topic:cursors', limit: 4, total: 10, has_more: false, prev: 9, next: null });
    p = await page('after=10');
    assert.deepEqual(p, { ...p, messages: [] });
    assert.deepEqual(p.state, { key: 'myplatform:topic:cursors', limit: 10, total: 10, has_more: false, prev: 11, next: null });
    p = await page('before=1');
    assert.deepEqual(p.state, { key: 'myplatform:topic:cursors', limit: 10, total: 10, has_more: false, prev: null, next: 0 });
    // Messages are the history's own objects: author expanded, seq last.
    assert.deepEqual(p.messages, []);
    p = await page('around=1&limit=2');
    assert.deepEqual(p.messages.map((m) => m.seq), [1, 2]);
    assert.equal(p.messages[0].id, e[0].id);
    assert.deepEqual(p.messages[0].author, { id: 1, username: 'u1' });
    for (const q of ['before=abc', 'after=-1', 'around=1.5', 'before=9007199254740993'])
      assert.deepEqual((await api(one.url, `${chat}?${q}`, { as: tok(2) })).json,
        err(400, 'MESSAGES_INVALID_CURSOR', 'ArgumentError', `Invalid cursor "${q.split('=')[1]}"`), q);
    assert.deepEqual((await api(one.url, `${chat}?before=3&after=1`, { as: tok(2) })).json,
      err(400, 'MESSAGES_INVALID_CURSOR', 'ArgumentError', 'Invalid cursor "use one of before, after and around"'));
    // The seed's pages are untouched by all this.
    const seed = await page('page=2&per_page=4');
    assert.deepEqual(seed.state, { key: 'myplatform:topic:cursors', page: 2, per_page: 4, total: 10, total_pages: 3 });
    assert.deepEqual(seed.messages.map((m) => m.seq), [3, 4, 5, 6]);
  });

  test('100 concurrent retries of one client_msg_id on two instances store one message', async () => {
    const b = await connectAs(two.url, tok(22));
    const body = { type: 'text', text: 'exactly once', client_msg_id: 'retry-1_A' };
    const answers = await Promise.all(Array.from({ length: 100 }, (_, i) =>
      api(i % 2 ? one.url : two.url, '/api/user/22', { as: tok(21), method: 'POST', body })));
    const created = answers.filter((a) => a.status === 201);
    assert.equal(created.length, 1);
    const first = created[0].json;
    assert.equal(first.entry.client_msg_id, 'retry-1_A');
    for (const a of answers.filter((x) => x.status !== 201)) {
      assert.equal(a.status, 200);
      assert.deepEqual(a.json, { ...first, duplicate: true });
    }
    const key = redisKey(`dm:21-22`);
    assert.equal(await rcmd(r.port, 'LLEN', key), 1);
    assert.equal(await rcmd(r.port, 'HLEN', `${key}:data`), 1);
    assert.equal(await rcmd(r.port, 'GET', `${key}:seq`), '1');
    const ttl = await rcmd(r.port, 'TTL', `${key}:cmid:21:retry-1_A`);
    assert.ok(ttl > 86000 && ttl <= 86400, `ttl ${ttl}`);
    // The socket path answers the same repeat the same way, and nothing more is emitted.
    const a = await connectAs(one.url, tok(21));
    const again = await ack(a, 'send-message', { to: { type: 'user', id: 22 }, ...body });
    assert.deepEqual(again, { ok: true, state: first.state, entry: first.entry, duplicate: true });
    await sleep(300);
    assert.deepEqual(b.got.filter(([e]) => e === 'new-message').map(([, m]) => m.id), [first.entry.id]);
    // Another author, or another chat, with the same id is another message; a bad id is refused.
    const other = await api(one.url, '/api/user/21', { as: tok(22), method: 'POST', body });
    assert.equal(other.status, 201);
    const elsewhere = await api(one.url, '/api/user/23', { as: tok(21), method: 'POST', body });
    assert.equal(elsewhere.status, 201);
    for (const bad of ['', 'x'.repeat(65), 'no spaces', 'ü', 42])
      assert.deepEqual((await api(one.url, '/api/user/22', { as: tok(21), method: 'POST', body: { ...body, client_msg_id: bad } })).json,
        err(400, 'MESSAGES_INVALID_CLIENT_MSG_ID', 'ArgumentError',
          `Invalid client_msg_id "${bad}" - use 1 to 64 characters of A-Z, a-z, 0-9, _ and -`), String(bad));
    assert.equal(await rcmd(r.port, 'LLEN', key), 2);
    closeAll();
  });

  test('unread counts match a brute-force count after a random mix by 3 users', async () => {
    const users = [31, 32, 33];
    const chats = [
      { path: (u) => `/api/topic/mix`, members: users, key: 'topic-mix', kind: 'topic', id: 'mix' },
      { path: (u) => `/api/user/${u === 31 ? 32 : 31}`, members: [31, 32], kind: 'user' },
      { path: (u) => `/api/user/${u === 32 ? 33 : 32}`, members: [32, 33], kind: 'user' },
    ];
    const rand = prng(1313);
    const pick = (xs) => xs[Math.floor(rand() * xs.length)];
    const cursors = new Map(); // `${user}|${chat index}` -> seq read up to
    const lastSeq = [0, 0, 0];
    const mine = new Map(); // chat index -> [{id, author}]
    const inboxOf = new Map(users.map((u) => [u, new Set()]));
    const base = () => (rand() < 0.5 ? one.url : two.url);
    for (let step = 0; step < 160; step++) {
      const ci = Math.floor(rand() * chats.length);
      const chat = chats[ci];
      const u = pick(chat.members);
      const op = rand();
      const list = mine.get(ci) ?? [];
      if (op < 0.45 || list.length === 0) {
        const res = await api(base(), chat.path(u), { as: tok(u), method: 'POST', body: { type: 'text', text: `s${step}` } });
        assert.equal(res.status, 201);
        lastSeq[ci] = res.json.entry.seq;
        list.push({ id: res.json.entry.id, author: u });
        mine.set(ci, list);
        inboxOf.get(u).add(ci);
        if (chat.kind === 'user') for (const m of chat.members) inboxOf.get(m).add(ci);
      } else if (op < 0.6) {
        const own = list.filter((m) => m.author === u);
        if (own.length) {
          const m = pick(own);
          assert.equal((await api(base(), `${chat.path(u)}/${m.id}`, { as: tok(u), method: 'POST', body: { text: `edit${step}` } })).status, 200);
        }
      } else if (op < 0.72) {
        const own = list.filter((m) => m.author === u);
        if (own.length) {
          const m = pick(own);
          assert.equal((await api(base(), `${chat.path(u)}/${m.id}`, { as: tok(u), method: 'DELETE' })).status, 200);
          list.splice(list.indexOf(m), 1);
        }
      } else {
        const all = rand() < 0.3;
        const want = Math.floor(rand() * (lastSeq[ci] + 3));
        const res = await api(base(), `${chat.path(u)}/read`, { as: tok(u), method: 'POST', body: all ? {} : { seq: want } });
        assert.equal(res.status, 200);
        const k = `${u}|${ci}`;
        const target = all ? lastSeq[ci] : Math.min(want, lastSeq[ci]);
        cursors.set(k, Math.max(cursors.get(k) ?? 0, target));
        assert.equal(res.json.read_seq, cursors.get(k));
      }
      if (step % 20 !== 19) continue;
      // The brute force: every message of each chat in the user's inbox, by others, after the cursor.
      for (const u of users) {
        const expected = [];
        for (const ci of inboxOf.get(u)) {
          const all = await everything(one.url, chats[ci].path(u), tok(u));
          const cur = cursors.get(`${u}|${ci}`) ?? 0;
          const n = all.filter((m) => m.author.id !== u && m.seq > cur).length;
          if (n) expected.push({ ci, n, cur });
        }
        const got = (await api(two.url, '/api/unread', { as: tok(u) })).json;
        assert.equal(got.total, expected.reduce((s, e) => s + e.n, 0), `total of ${u} at step ${step}`);
        assert.equal(got.chats.length, expected.length);
        for (const e of expected) {
          const c = chats[e.ci];
          const id = c.kind === 'topic' ? c.id : Number(c.path(u).split('/').pop());
          assert.deepEqual(got.chats.find((x) => x.type === c.kind && x.id === id),
            { type: c.kind, id, unread: e.n, read_seq: e.cur }, `chat ${e.ci} of ${u}`);
        }
        const inbox = (await api(one.url, '/api/list?per_page=100', { as: tok(u) })).json.entries;
        for (const entry of inbox) {
          const e = got.chats.find((x) => x.type === entry.type && x.id === entry.id);
          assert.equal(entry.unread, e ? e.unread : 0);
        }
      }
    }
  });

  test('read receipts reach the other user\'s sockets on another instance; badges agree', async () => {
    const a1 = await connectAs(one.url, tok(41));
    const a2 = await connectAs(two.url, tok(41), { transports: ['websocket'] });
    const b1 = await connectAs(one.url, tok(42));
    const b2 = await connectAs(two.url, tok(42));
    const sent = [];
    for (let i = 0; i < 3; i++)
      sent.push((await api(one.url, '/api/user/42', { as: tok(41), method: 'POST', body: { type: 'text', text: `r${i}` } })).json.entry);
    await until(() => b2.got.filter(([e]) => e === 'new-message').length === 3, 10000, 'messages');
    // bob reads up to the second over REST on instance one.
    const read = await api(one.url, '/api/user/41/read', { as: tok(42), method: 'POST', body: { seq: 2 } });
    assert.deepEqual(read.json, { state: { key: 'myplatform:dm:41-42', inbox_key: 'user-41' }, read_seq: 2, unread: 1, total: 1 });
    const receipt = ['read', { user_id: 42, seq: 2, chat: { type: 'user', id: 42 } }];
    await until(() => a1.got.some(([e]) => e === 'read') && a2.got.some(([e]) => e === 'read'), 10000, 'receipts');
    assert.deepEqual(a1.got.filter(([e]) => e === 'read'), [receipt]);
    assert.deepEqual(a2.got.filter(([e]) => e === 'read'), [receipt]);
    const badge = ['unread', { chat: { type: 'user', id: 41 }, unread: 1, total: 1 }];
    await until(() => b1.got.some(([e]) => e === 'unread') && b2.got.some(([e]) => e === 'unread'), 10000, 'badges');
    assert.deepEqual(b1.got.filter(([e]) => e === 'unread'), [badge]);
    assert.deepEqual(b2.got.filter(([e]) => e === 'unread'), [badge]);
    // Backwards is no move: no event, the cursor stays.
    const back = await api(two.url, '/api/user/41/read', { as: tok(42), method: 'POST', body: { seq: 1 } });
    assert.equal(back.json.read_seq, 2);
    // bob reads everything from his socket on instance two: the ack, and the badge on his other
    // socket only.
    const all = await ack(b2, 'read', { to: { type: 'user', id: 41 } });
    assert.deepEqual(all, { ok: true, state: { key: 'myplatform:dm:41-42', inbox_key: 'user-41' }, read_seq: 3, unread: 0, total: 0 });
    await until(() => b1.got.filter(([e]) => e === 'unread').length === 2, 10000, 'second badge');
    assert.deepEqual(b1.got.filter(([e]) => e === 'unread')[1], ['unread', { chat: { type: 'user', id: 41 }, unread: 0, total: 0 }]);
    await until(() => a2.got.filter(([e]) => e === 'read').length === 2, 10000, 'second receipt');
    await sleep(300);
    assert.equal(b2.got.filter(([e]) => e === 'unread').length, 1, 'the asking socket gets the ack, not the event');
    assert.equal(a1.got.filter(([e]) => e === 'read').length, 2);
    assert.deepEqual((await api(two.url, '/api/user/42/read', { as: tok(41) })).json,
      { state: { key: 'myplatform:dm:41-42', inbox_key: 'user-42' }, reads: [{ user_id: 42, seq: 3 }] });
    // A topic's receipts go to its room.
    await ack(a1, 'join-topic', { id: 'receipts' });
    await ack(b1, 'join-topic', { id: 'receipts' });
    const t = (await api(one.url, '/api/topic/receipts', { as: tok(41), method: 'POST', body: { type: 'text', text: 't' } })).json.entry;
    await api(two.url, '/api/topic/receipts/read', { as: tok(42), method: 'POST', body: {} });
    await until(() => a1.got.some(([e, p]) => e === 'read' && p.chat.type === 'topic'), 10000, 'topic receipt');
    assert.deepEqual(a1.got.filter(([e, p]) => e === 'read' && p.chat.type === 'topic'),
      [['read', { user_id: 42, seq: t.seq, chat: { type: 'topic', id: 'receipts' } }]]);
    // Bad read bodies.
    for (const seq of [-1, 'x', 1.5, 2 ** 60])
      assert.equal((await api(one.url, '/api/user/41/read', { as: tok(42), method: 'POST', body: { seq } })).json.code,
        'MESSAGES_INVALID_CURSOR', String(seq));
    closeAll();
  });

  test('edits and deletes carry rev; a deleted seq is never reused; latest and unread follow deletes', async () => {
    const b = await connectAs(two.url, tok(52));
    const e = [];
    for (let i = 0; i < 3; i++)
      e.push((await api(one.url, '/api/user/52', { as: tok(51), method: 'POST', body: { type: 'text', text: `d${i}` } })).json.entry);
    await api(one.url, `/api/user/52/${e[1].id}`, { as: tok(51), method: 'POST', body: { text: 'changed' } });
    await api(one.url, `/api/user/52/${e[2].id}`, { as: tok(51), method: 'DELETE' });
    // The next send is instance two's, which delivers to b locally at once, while instance one's
    // five events reach it over pub/sub (on a Redis Cluster, through the cluster bus after
    // PUBLISH's reply): one writer's events are ordered, two writers' are not, so wait for one's.
    await until(() => b.got.filter(([ev]) => ev !== 'unread').length >= 5, 10000, "instance one's events");
    const next = (await api(two.url, '/api/user/52', { as: tok(51), method: 'POST', body: { type: 'text', text: 'd3' } })).json.entry;
    assert.equal(next.seq, 4);
    await until(() => b.got.length >= 6, 10000, 'events');
    const evs = b.got.filter(([ev]) => ev !== 'unread');
    assert.deepEqual(evs.map(([ev]) => ev), ['new-message', 'new-message', 'new-message', 'update-message', 'delete-message', 'new-message']);
    assert.equal(evs[3][1].rev, 1);
    assert.equal(evs[3][1].seq, 2);
    assert.equal(evs[3][1].text, 'changed');
    assert.deepEqual(evs[4][1], { id: e[2].id, seq: 3, rev: 2, chat: { type: 'user', id: 51 } });
    assert.deepEqual(evs[5][1], { ...next, chat: { type: 'user', id: 51 } });
    await api(one.url, `/api/user/52/${next.id}`, { as: tok(51), method: 'DELETE' });
    const inbox = (await api(one.url, '/api/list', { as: tok(52) })).json.entries[0];
    assert.equal(inbox.latest.id, e[1].id);
    assert.equal(inbox.latest.seq, 2);
    assert.equal(inbox.unread, 2);
    assert.deepEqual(await rcmd(r.port, 'ZRANGE', redisKey(`dm:51-52:seqs`), 0, -1, 'WITHSCORES'),
      [e[0].id, '1', e[1].id, '2']);
    assert.deepEqual(await rcmd(r.port, 'ZRANGE', redisKey(`dm:51-52:authors`), 0, -1),
      ['51:0000000000000001', '51:0000000000000002']);
    closeAll();
  });

  test('the inbox reads each chat\'s head from its read hash, and numbers what the seed wrote since', async () => {
    const dm = redisKey(`dm:71-72`);
    const head = async () => {
      const flat = await rcmd(r.port, 'HGETALL', `${dm}:read`);
      const o = {};
      for (let i = 0; i < flat.length; i += 2) o[flat[i]] = flat[i + 1];
      return o;
    };
    const m = [];
    for (let i = 0; i < 3; i++)
      m.push((await api(one.url, '/api/user/72', { as: tok(71), method: 'POST', body: { type: 'text', text: `h${i}` } })).json.entry);
    assert.deepEqual(await head(), { ':id': m[2].id, ':seq': '3', ':len': '3' });
    await api(two.url, `/api/user/72/${m[2].id}`, { as: tok(71), method: 'DELETE' });
    assert.deepEqual(await head(), { ':id': m[1].id, ':seq': '2', ':len': '2' });
    let entry = (await api(one.url, '/api/list', { as: tok(72) })).json.entries[0];
    assert.deepEqual([entry.latest.id, entry.latest.seq, entry.unread, entry.read_seq], [m[1].id, 2, 2, 0]);
    // The seed deletes one and appends one: the same length, another newest id.
    const late = 'a7777777-7777-4777-8777-777777777777';
    const seedJson = (text) => `{"id":"${late}","author":71,"timestamp":"2016-06-02T21:40:36.342Z","type":"text","text":"${text}"}`;
    await rcmd(r.port, 'LREM', dm, 0, m[0].id);
    await rcmd(r.port, 'HDEL', `${dm}:data`, m[0].id);
    await rcmd(r.port, 'RPUSH', dm, late);
    await rcmd(r.port, 'HSET', `${dm}:data`, late, seedJson('seed late'));
    entry = (await api(two.url, '/api/list', { as: tok(72) })).json.entries[0];
    assert.deepEqual([entry.latest.id, entry.latest.text, entry.latest.seq, entry.unread], [late, 'seed late', 4, 2]);
    assert.deepEqual(await head(), { ':id': late, ':seq': '4', ':len': '2' });
    // The seed edits the newest in place: the inbox shows the edit (the head holds no text).
    await rcmd(r.port, 'HSET', `${dm}:data`, late, seedJson('seed edited'));
    entry = (await api(one.url, '/api/list', { as: tok(72) })).json.entries[0];
    assert.equal(entry.latest.text, 'seed edited');
    // A chat last written before the head existed gets one from its first inbox read.
    await rcmd(r.port, 'HDEL', `${dm}:read`, ':id', ':seq', ':len');
    entry = (await api(one.url, '/api/list', { as: tok(71) })).json.entries[0];
    assert.deepEqual([entry.latest.id, entry.latest.seq, entry.unread, entry.read_seq], [late, 4, 0, 0]);
    assert.deepEqual(await head(), { ':id': late, ':seq': '4', ':len': '2' });
    // The head is not a reader: the cursors listed are the readers' only.
    const read = (await api(two.url, '/api/user/71/read', { as: tok(72), method: 'POST', body: {} })).json;
    assert.deepEqual([read.read_seq, read.unread], [4, 0]);
    assert.deepEqual((await api(one.url, '/api/user/72/read', { as: tok(71) })).json.reads, [{ user_id: 72, seq: 4 }]);
    assert.deepEqual(await head(), { ':id': late, ':seq': '4', ':len': '2', 72: '4' });
  });

  test('seqs of every MessagePack width reach sockets on another instance intact', async () => {
    const b = await connectAs(two.url, tok(72));
    const key = redisKey(`dm:71-72:seq`);
    const want = [];
    for (const start of [126, 254, 65534, 4294967294, 2 ** 40]) {
      await rcmd(r.port, 'SET', key, start);
      for (let i = 1; i <= 2; i++) {
        const e = (await api(one.url, '/api/user/72', { as: tok(71), method: 'POST', body: { type: 'text', text: `w${start + i}` } })).json.entry;
        assert.equal(e.seq, start + i);
        want.push([e.id, start + i]);
      }
    }
    await until(() => b.got.length >= want.length, 10000, 'every width');
    assert.deepEqual(b.got.map(([ev, m]) => [ev, m.id, m.seq, m.text]),
      want.map(([id, seq]) => ['new-message', id, seq, `w${seq}`]));
    closeAll();
  });

  test('seed-written chats get stable seqs and right unread counts, also when the seed keeps writing', async () => {
    const dm = redisKey(`dm:61-62`);
    const seed = (id, author, minute, extra = '') =>
      `{"id":"${id}","author":${author},"timestamp":"2016-06-02T21:${minute}:36.342Z","type":"text","text":"seed ${id}"${extra}}`;
    const ids = ['a1111111-1111-4111-8111-111111111111', 'b2222222-2222-4222-8222-222222222222',
      'c3333333-3333-4333-8333-333333333333', 'd4444444-4444-4444-8444-444444444444'];
    await rcmd(r.port, 'RPUSH', dm, ids[0], ids[1], ids[2], ids[3]);
    await rcmd(r.port, 'HSET', `${dm}:data`, ids[0], seed(ids[0], 61, 30), ids[1], seed(ids[1], 62, 31, ',"status":"seen"'),
      ids[2], seed(ids[2], 61, 32, ',"status":"seen"'), ids[3], seed(ids[3], 62, 33));
    await rcmd(r.port, 'ZADD', redisKey(`inbox:61`), 1464903576342, 'user-62');
    await rcmd(r.port, 'ZADD', redisKey(`inbox:62`), 1464903576342, 'user-61');
    // First look through the inbox: numbered in list order; the seed's "seen" marks are cursors
    // (62 saw 61's third message, 61 saw 62's second).
    const unread62 = (await api(one.url, '/api/unread', { as: tok(62) })).json;
    assert.deepEqual(unread62, { total: 0, chats: [] });
    const unread61 = (await api(two.url, '/api/unread', { as: tok(61) })).json;
    assert.deepEqual(unread61, { total: 1, chats: [{ type: 'user', id: 62, unread: 1, read_seq: 2 }] });
    const h1 = (await api(one.url, '/api/user/62', { as: tok(61) })).json.messages.map((m) => [m.id, m.seq]);
    assert.deepEqual(h1, ids.map((id, i) => [id, i + 1]));
    const h2 = (await api(two.url, '/api/user/62', { as: tok(61) })).json.messages.map((m) => [m.id, m.seq]);
    assert.deepEqual(h2, h1, 'stable');
    // The seed writes on: one more message, and deletes the second (numbered) one.
    const late = 'e5555555-5555-4555-8555-555555555555';
    await rcmd(r.port, 'RPUSH', dm, late);
    await rcmd(r.port, 'HSET', `${dm}:data`, late, seed(late, 62, 34));
    await rcmd(r.port, 'LREM', dm, 0, ids[1]);
    await rcmd(r.port, 'HDEL', `${dm}:data`, ids[1]);
    // The counts differ by nothing (one in, one out): the read of the new id finds no seq, and
    // senna numbers it on its next write or read that compares them. A send does.
    const mine = (await api(one.url, '/api/user/61', { as: tok(62), method: 'POST', body: { type: 'text', text: 'now senna' } })).json.entry;
    const h3 = (await api(two.url, '/api/user/62?before&limit=10', { as: tok(61) })).json.messages.map((m) => [m.id, m.seq]);
    assert.deepEqual(h3, [[ids[0], 1], [ids[2], 3], [ids[3], 4], [late, 5], [mine.id, 6]]);
    assert.equal(mine.seq, 6);
    assert.deepEqual((await api(two.url, '/api/unread', { as: tok(61) })).json,
      { total: 3, chats: [{ type: 'user', id: 62, unread: 3, read_seq: 2 }] });
    // An id the seed listed twice keeps its first place; an id with no message leaves the list.
    const twice = 'f6666666-6666-4666-8666-666666666666';
    await rcmd(r.port, 'RPUSH', dm, twice, 'no-such-message', twice);
    await rcmd(r.port, 'HSET', `${dm}:data`, twice, seed(twice, 61, 35));
    const h4 = (await api(one.url, '/api/user/62?after=5', { as: tok(61) })).json.messages.map((m) => [m.id, m.seq]);
    assert.deepEqual(h4, [[mine.id, 6], [twice, 7]]);
    assert.deepEqual(await rcmd(r.port, 'LRANGE', dm, 0, -1), [ids[0], ids[2], ids[3], late, mine.id, twice]);
    await rcmd(r.port, 'LREM', dm, 0, twice); // back to what the seed wrote before
    await rcmd(r.port, 'HDEL', `${dm}:data`, twice);
    assert.equal((await api(one.url, '/api/user/62?page=1', { as: tok(61) })).json.state.total, 5);
    assert.equal(await rcmd(r.port, 'ZCARD', `${dm}:seqs`), 5);
    // The seed can still read it all: the list and the JSON are its own.
    assert.deepEqual(await rcmd(r.port, 'LRANGE', dm, 0, -1), [ids[0], ids[2], ids[3], late, mine.id]);
    assert.equal(await rcmd(r.port, 'HGET', `${dm}:data`, ids[0]), seed(ids[0], 61, 30));
  });
});
