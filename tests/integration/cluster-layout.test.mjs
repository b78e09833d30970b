// The cluster key layout (SOCK_REDIS_LAYOUT=cluster, docs/adr/0012-cluster-key-layout.md)
// against a one-node Redis Cluster: a redis-server with --cluster-enabled and every slot, which
// refuses any script or MULTI whose keys span hash slots (CROSSSLOT) and any script touching a
// key it was not given, exactly as a real cluster does, while senna's single-node connection
// talks to it unchanged. Every write path (sends with and without client_msg_id, topics, edits,
// deletes, read cursors, webhook notices, presence with its sweep and grace window, recovery
// sessions, moderation) runs here; a script whose keys span slots fails the test.
import { afterEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import jwt from 'jsonwebtoken';
import { startRedis, startSenna, token, until, redisKey } from './lib/harness.mjs';
import { api, closeAll, connectAs } from './lib/clients.mjs';
import { redis as rcmd } from './lib/resp.mjs';
import { startReceiver } from './lib/webhook-receiver.mjs';

const ADMIN_SECRET = 'an-admin-secret-of-at-least-32-characters';
const tok = (id) => token({ user_id: id, username: `u${id}` });
const key = (name) => redisKey(name, { layout: 'cluster' });
const FAILED = /CROSSSLOT|presence_failed|recovery_store_failed|membership_failed|moderation_failed|undeclared|store_failed/;

const running = [];
afterEach(async () => {
  closeAll();
  for (const stop of running.splice(0).reverse()) await stop();
});
async function cluster() {
  const r = await startRedis({ cluster: true });
  running.push(() => r.stop());
  return r;
}
async function senna(env) {
  const s = await startSenna(env);
  running.push(() => s.stop('SIGKILL'));
  return s;
}

describe('the cluster key layout on a one-node Redis Cluster', () => {
  test('the node enforces the cluster rules: the seed layout fails there with CROSSSLOT', async () => {
    const r = await cluster();
    const s = await senna({ SOCK_REDIS_URL: r.url, SOCK_REDIS_LAYOUT: 'seed' });
    const res = await api(s.url, '/api/user/2', { as: tok(1), method: 'POST', body: { type: 'text', text: 'hi' } });
    assert.equal(res.status, 500);
    assert.match(s.logs, /CROSSSLOT/);
  });

  test('every write and read of chat, presence, webhooks, recovery and moderation keeps each script in one slot', async () => {
    const r = await cluster();
    const receiver = await startReceiver();
    running.push(() => receiver.close());
    const env = {
      SOCK_REDIS_URL: r.url, SOCK_REDIS_LAYOUT: 'cluster', SOCK_WEBHOOK_URL: receiver.url,
      SOCK_WEBHOOK_SECRET: 'whsec-test-0123456789', SOCK_WEBHOOK_RETRY_MS: '100',
      SOCK_PRESENCE_HEARTBEAT_MS: '200', SOCK_PRESENCE_GRACE_MS: '400', SOCK_RECOVERY_WINDOW_MS: '5000',
      SOCK_RATE_SEND_PER_SEC: '0', SOCK_ADMIN_SECRET: ADMIN_SECRET,
    };
    const [a, b] = [await senna(env), await senna(env)];

    // Presence: user 3 online on instance b (arrive), user 2 never connected (offline).
    const s3 = await connectAs(b.url, tok(3));
    await until(async () => (await rcmd(r.port, 'HGET', key('status:3'), 'status')) === 'online', 5000, 'user 3 online');

    // A DM with client_msg_id (the chat's script, the users' keys, the fan-out, the notice).
    const body = { type: 'text', text: 'hello', client_msg_id: 'c-1' };
    const first = await api(a.url, '/api/user/2', { as: tok(1), method: 'POST', body });
    assert.equal(first.status, 201, first.text);
    const again = await api(a.url, '/api/user/2', { as: tok(1), method: 'POST', body });
    assert.equal(again.json.entry.id, first.json.entry.id, 'the retry returns the stored message');
    assert.deepEqual(await rcmd(r.port, 'LRANGE', key('dm:1-2'), 0, -1), [first.json.entry.id]);
    assert.equal(Number(await rcmd(r.port, 'ZSCORE', key('inbox:2'), 'user-1')), first.json.entry.timestamp.epoch);
    assert.equal(Number(await rcmd(r.port, 'ZSCORE', key('inbox:1'), 'user-2')), first.json.entry.timestamp.epoch);
    assert.equal(await rcmd(r.port, 'HGET', key('activity:1'), 'last_active'), first.json.entry.timestamp.iso);
    await receiver.waitFor((rv) => rv.of('message.new', 2).length === 1);

    // A DM to an online user: delivered on the socket, no webhook.
    const got = new Promise((resolve) => s3.on('new-message', resolve));
    const toOnline = await api(a.url, '/api/user/3', { as: tok(1), method: 'POST', body: { type: 'text', text: 'yo' } });
    assert.equal(toOnline.status, 201, toOnline.text);
    await got;

    // Edit, read cursor, inbox, unread, history, delete.
    const id = first.json.entry.id;
    const edit = await api(a.url, `/api/user/2/${id}`, { as: tok(1), method: 'POST', body: { text: 'hello!' } });
    assert.equal(edit.status, 200, edit.text);
    const inbox = await api(b.url, '/api/list', { as: tok(2) });
    assert.equal(inbox.status, 200, inbox.text);
    assert.deepEqual(inbox.json.entries.map((e) => [e.type, e.id, e.latest?.text, e.unread]), [['user', 1, 'hello!', 1]]);
    const unread = await api(b.url, '/api/unread', { as: tok(2) });
    assert.equal(unread.status, 200, unread.text);
    assert.equal(unread.json.total, 1);
    const read = await api(b.url, '/api/user/1/read', { as: tok(2), method: 'POST', body: {} });
    assert.equal(read.status, 200, read.text);
    assert.equal((await api(b.url, '/api/list', { as: tok(2) })).json.entries[0].unread, 0);
    assert.equal((await api(b.url, '/api/user/1', { as: tok(2) })).json.messages.length, 1);
    const del = await api(a.url, `/api/user/2/${id}`, { as: tok(1), method: 'DELETE' });
    assert.equal(del.status, 200, del.text);

    // A topic.
    const topic = await api(a.url, '/api/topic/news', { as: tok(1), method: 'POST', body: { type: 'text', text: 'news' } });
    assert.equal(topic.status, 201, topic.text);

    // Moderation across instances (its own slot).
    const adminToken = jwt.sign({ user_id: 'ops', exp: Math.floor(Date.now() / 1000) + 600 }, ADMIN_SECRET);
    const ban = await api(a.url, '/admin/users/9/ban', { method: 'POST', body: {}, headers: { Authorization: `Bearer ${adminToken}` } });
    assert.equal(ban.status, 200, ban.text);
    assert.ok(await rcmd(r.port, 'HGET', key('moderation:bans'), '9') !== null);
    await until(async () => (await api(b.url, '/api/list', { as: tok(9) })).status === 403, 5000, 'the ban on b');

    // The socket goes (leave), then its user goes offline after the grace window (expire).
    s3.disconnect();
    await until(async () => (await rcmd(r.port, 'HGET', key('status:3'), 'status')) === 'offline', 5000, 'user 3 offline');

    // A dead instance is swept: user 4's socket on b, b killed; a's heartbeat sweeps it.
    await connectAs(b.url, tok(4));
    await until(async () => (await rcmd(r.port, 'HGET', key('status:4'), 'status')) === 'online', 5000, 'user 4 online');
    await b.stop('SIGKILL');
    await until(async () => (await rcmd(r.port, 'HGET', key('status:4'), 'status')) === 'offline', 10000, 'user 4 swept');

    for (const s of [a, b]) assert.doesNotMatch(s.logs, FAILED);
    // Every key written is one of the cluster layout's (no seed name).
    const all = await rcmd(r.port, 'KEYS', '*');
    const seedNames = all.filter((k) => /^senna-sockets:messages:myplatform:/.test(k));
    assert.deepEqual(seedNames, []);
  });
});
