// Webhooks and presence you can ask for (issue 16, docs/webhooks.md), with real processes: a
// redis-server, one or two senna instances sharing it, and a fake webhook receiver (a real HTTP
// server in this process) that records every delivery. Each test has a Redis of its own.
//
// "Nothing else arrived" is checked without waiting for silence: once the webhook stream is
// empty and nothing is pending in its consumer group, every event ever written has been
// delivered (acknowledged) or parked as a dead letter, so what the receiver recorded is all.
import { afterEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { request, runSenna, startRedis, startSenna, tmpDir, token, until, redisKey } from './lib/harness.mjs';
import { api, ack, closeAll, connectAs } from './lib/clients.mjs';
import { redis as rcmd } from './lib/resp.mjs';
import { docSnippet, startReceiver } from './lib/webhook-receiver.mjs';

const STREAM = redisKey(`webhooks`);
const DEAD = redisKey(`webhooks:dead`);
const SECRET = 'whsec-test-0123456789';
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
const tok = (id) => token({ user_id: id, username: `u${id}` });

// Fast settings so retries, takeovers and grace windows happen within a test.
const FAST = {
  SOCK_WEBHOOK_SECRET: SECRET,
  SOCK_WEBHOOK_RETRY_MS: '100',
  SOCK_WEBHOOK_RETRY_MAX_MS: '400',
  SOCK_WEBHOOK_CLAIM_MS: '1000',
  SOCK_WEBHOOK_TIMEOUT_MS: '3000',
  SOCK_PRESENCE_HEARTBEAT_MS: '200', // a silent instance expires after 600 ms
  SOCK_PRESENCE_GRACE_MS: '800',
  SOCK_RATE_SEND_PER_SEC: '0',
};

const running = [];
async function setup({ instances = 2, env = {}, receiver: recvOpts } = {}) {
  const r = await startRedis();
  const receiver = await startReceiver(recvOpts);
  const nodes = [];
  const ctx = { r, receiver, nodes, env: { SOCK_REDIS_URL: r.url, SOCK_WEBHOOK_URL: receiver.url, ...FAST, ...env } };
  running.push(ctx);
  for (let i = 0; i < instances; i++) nodes.push(await startSenna(ctx.env));
  return ctx;
}
afterEach(async () => {
  closeAll();
  for (const ctx of running.splice(0)) {
    for (const n of ctx.nodes) await n.stop('SIGKILL');
    await ctx.receiver.close();
    await ctx.r.stop();
  }
});

/** Every event written has been acknowledged or parked: nothing in the stream, nothing held. */
async function drained(port) {
  await until(async () => {
    const len = await rcmd(port, 'XLEN', STREAM);
    if (len !== 0) return false;
    try {
      const [pending] = await rcmd(port, 'XPENDING', STREAM, 'senna');
      return pending === 0;
    } catch { return true; } // no group: nothing was ever read
  }, 20000, 'the webhook stream to drain');
}

async function metric(url, name, labels = '') {
  const text = (await request(`${url}/metrics`)).text;
  const line = text.split('\n').find((l) => l.startsWith(`${name}${labels ? `{${labels}}` : ''} `));
  return line ? Number(line.split(' ').pop()) : 0;
}
const sumMetric = async (nodes, name, labels) => {
  let n = 0;
  for (const s of nodes) if (s.child.exitCode === null && s.child.signalCode === null) n += await metric(s.url, name, labels);
  return n;
};

const send = (url, from, to, text, target = 'user') =>
  api(url, `/api/${target}/${to}`, { as: tok(from), method: 'POST', body: { type: 'text', text } });

/** The documented Node check, loaded from docs/webhooks.md as it is written there. */
async function documentedNodeCheck() {
  const dir = tmpDir('senna-doc-');
  const file = path.join(dir, 'verify.mjs');
  fs.writeFileSync(file, `${docSnippet('signature-check:node')}\nexport { verifySenna };\n`);
  const mod = await import(file);
  fs.rmSync(dir, { recursive: true, force: true });
  return mod.verifySenna;
}

describe('webhooks: message events', () => {
  test('a message to an offline user gives exactly one message.new; to an online user, none', async () => {
    const { r, receiver, nodes: [a, b] } = await setup({ env: { SOCK_WEBHOOK_EVENTS: 'message.new' } });
    const carol = await connectAs(b.url, tok(3)); // online, on the other instance
    const toCarol = await send(a.url, 1, 3, 'carol is here');
    const toBob = await send(a.url, 1, 2, 'bob is away');
    assert.equal(toCarol.status, 201);
    assert.equal(toBob.status, 201);
    await receiver.waitFor((rv) => rv.of('message.new', 2).length === 1);
    await drained(r.port);
    assert.equal(await rcmd(r.port, 'XLEN', DEAD), 0);

    assert.deepEqual(receiver.deliveries.map((d) => [d.event, d.body.user_id, d.status]), [['message.new', 2, 200]]);
    const [d] = receiver.deliveries;
    assert.match(d.id, /^\d+-\d+$/);
    assert.equal(d.attempt, 1);
    assert.equal(d.contentType, 'application/json');
    assert.deepEqual(d.body, {
      id: d.id,
      event: 'message.new',
      created_at: new Date(Number(d.id.split('-')[0])).toISOString(),
      user_id: 2,
      data: { ...toBob.json.entry, chat: { type: 'user', id: 1 } },
    });
    assert.equal(d.body.data.seq, 1);
    // The sender's socket is not a recipient, and carol's socket got the message as usual.
    await until(() => carol.got.some(([e]) => e === 'new-message'), 5000, 'carol\'s new-message');
    // The same scripts logged both sends for connection state recovery (docs/recovery.md): one
    // entry per participant's room.
    assert.equal(await rcmd(r.port, 'XLEN', 'senna-sockets'), 4);
    const verify = await documentedNodeCheck();
    assert.equal(verify(SECRET, d.raw, d.signature), true);
    assert.equal(await sumMetric([a, b], 'senna_webhook_deliveries_total', 'event="message.new",outcome="delivered"'), 1);
  });

  test('a forged, tampered or replayed delivery is caught by the documented checks (Node and Python)', async () => {
    const { r, receiver, nodes: [a] } = await setup({ instances: 1 });
    await send(a.url, 1, 2, 'sign me');
    await receiver.waitFor((rv) => rv.acked().length === 1);
    await drained(r.port);
    const [d] = receiver.deliveries;
    const t = Number(/^t=(\d+),/.exec(d.signature)[1]);
    const forged = `t=${t},v1=${'0'.repeat(64)}`;
    const cases = [
      ['genuine', SECRET, d.raw, d.signature, t, true],
      ['tampered body', SECRET, d.raw.replace('sign me', 'sign you'), d.signature, t, false],
      ['wrong secret', 'not-the-secret', d.raw, d.signature, t, false],
      ['forged signature', SECRET, d.raw, forged, t, false],
      ['no signature', SECRET, d.raw, undefined, t, false],
      ['replayed after 5 minutes', SECRET, d.raw, d.signature, t + 301, false],
      ['replayed within 5 minutes', SECRET, d.raw, d.signature, t + 299, true],
    ];
    const verify = await documentedNodeCheck();
    for (const [what, secret, body, sig, now, want] of cases)
      assert.equal(verify(secret, body, sig, 300, now), want, `node: ${what}`);
    // A replay inside the window passes the signature: the delivery id catches it.
    const seen = new Set();
    const handle = (delivery) => { if (seen.has(delivery.id)) return 'duplicate'; seen.add(delivery.id); return 'stored'; };
    assert.deepEqual([handle(d), handle(d)], ['stored', 'duplicate']);

    const dir = tmpDir('senna-doc-');
    const py = path.join(dir, 'verify.py');
    fs.writeFileSync(py, `${docSnippet('signature-check:python')}
import json, sys
for c in json.load(sys.stdin):
    print(verify_senna(c[0].encode(), c[1].encode(), c[2], 300, c[3]))
`);
    const out = execFileSync('python3', [py], { input: JSON.stringify(cases.map(([, s, b, sig, now]) => [s, b, sig ?? '', now])) }).toString();
    fs.rmSync(dir, { recursive: true, force: true });
    assert.deepEqual(out.trim().split('\n'), cases.map(([, , , , , want]) => (want ? 'True' : 'False')));
  });

  test('topic members: joined through messages:events or join-topic, offline ones only, never the writer', async () => {
    const { r, receiver, nodes: [a, b] } = await setup({ env: { SOCK_WEBHOOK_EVENTS: 'message.new' } });
    const members = redisKey(`topic:news:members`);
    for (const u of [1, 4, 6])
      await rcmd(r.port, 'PUBLISH', 'messages:events', JSON.stringify({ type: 'join-room', user_id: u, room: 'topic-news' }));
    const five = await connectAs(b.url, tok(5));
    assert.deepEqual(await ack(five, 'join-topic', { id: 'news' }), { ok: true, room: 'topic-news' });
    five.disconnect();
    await connectAs(a.url, tok(6)); // a member, online
    await until(async () => (await rcmd(r.port, 'SMEMBERS', members)).length === 4, 5000, 'four members');
    await until(async () => (await rcmd(r.port, 'HLEN', redisKey(`presence:5`))) === 0, 5000, 'user 5 gone');
    assert.deepEqual((await rcmd(r.port, 'SMEMBERS', members)).sort(), ['1', '4', '5', '6']);

    const first = await send(b.url, 1, 'news', 'extra', 'topic');
    assert.equal(first.status, 201);
    await receiver.waitFor((rv) => rv.acked().length === 2);
    await drained(r.port);
    assert.deepEqual(receiver.acked().map((d) => d.body.user_id).sort(), [4, 5]);
    for (const d of receiver.acked())
      assert.deepEqual(d.body.data, { ...first.json.entry, chat: { type: 'topic', id: 'news' } });

    await rcmd(r.port, 'PUBLISH', 'messages:events', JSON.stringify({ type: 'leave-room', user_id: 4, room: 'topic-news' }));
    await until(async () => (await rcmd(r.port, 'SISMEMBER', members, '4')) === 0, 5000, 'user 4 out');
    await send(a.url, 1, 'news', 'later', 'topic');
    await receiver.waitFor((rv) => rv.acked().length === 3);
    await drained(r.port);
    assert.equal(receiver.acked()[2].body.user_id, 5);
    assert.equal(receiver.acked()[2].body.data.text, 'later');
  });

  test('a topic with more members than SOCK_WEBHOOK_MAX_RECIPIENTS gets none, counted', async () => {
    const { r, receiver, nodes: [a] } = await setup({ instances: 1, env: { SOCK_WEBHOOK_MAX_RECIPIENTS: '2' } });
    await rcmd(r.port, 'SADD', redisKey(`topic:big:members`), '7', '8', '9');
    await rcmd(r.port, 'SADD', redisKey(`topic:small:members`), '7', '8');
    assert.equal((await send(a.url, 1, 'big', 'to many', 'topic')).status, 201);
    assert.equal((await send(a.url, 1, 'small', 'to two', 'topic')).status, 201);
    await receiver.waitFor((rv) => rv.acked().length === 2);
    await drained(r.port);
    assert.deepEqual(receiver.acked().map((d) => [d.body.user_id, d.body.data.text]).sort(), [[7, 'to two'], [8, 'to two']]);
    assert.equal(await metric(a.url, 'senna_webhook_topics_skipped_total'), 1);
    assert.match(a.logs, /webhook_topic_skipped topic=big limit=2/);
  });

  test('message.updated and message.deleted only where configured, with seq and rev', async () => {
    const { r, receiver, nodes: [a] } = await setup({ instances: 1, env: { SOCK_WEBHOOK_EVENTS: 'message.updated,message.deleted' } });
    const sent = await send(a.url, 1, 2, 'v1');
    const id = sent.json.entry.id;
    assert.equal(await rcmd(r.port, 'XLEN', STREAM), 0, 'no message.new: not configured');
    const edited = await api(a.url, `/api/user/2/${id}`, { as: tok(1), method: 'POST', body: { text: 'v2' } });
    assert.equal(edited.status, 200);
    const del = await api(a.url, `/api/user/2/${id}`, { as: tok(1), method: 'DELETE' });
    assert.equal(del.status, 200);
    await receiver.waitFor((rv) => rv.acked().length === 2);
    await drained(r.port);
    const byEvent = Object.fromEntries(receiver.acked().map((d) => [d.event, d.body]));
    assert.deepEqual(Object.keys(byEvent).sort(), ['message.deleted', 'message.updated']);
    assert.equal(byEvent['message.updated'].user_id, 2);
    assert.deepEqual(byEvent['message.updated'].data, { ...edited.json.entry, chat: { type: 'user', id: 1 }, rev: 1 });
    assert.deepEqual(byEvent['message.deleted'].data, { id, chat: { type: 'user', id: 1 }, seq: 1, rev: 2 });
  });

  test('a client_msg_id retried adds no second event', async () => {
    const { r, receiver, nodes: [a] } = await setup({ instances: 1 });
    const body = { type: 'text', text: 'once', client_msg_id: 'c-1' };
    const one = await api(a.url, '/api/user/2', { as: tok(1), method: 'POST', body });
    const two = await api(a.url, '/api/user/2', { as: tok(1), method: 'POST', body });
    assert.deepEqual([one.status, two.status], [201, 200]);
    await receiver.waitFor((rv) => rv.acked().length === 1);
    await drained(r.port);
    assert.equal(receiver.deliveries.length, 1);
  });
});

describe('webhooks: delivery', () => {
  test('a receiver failing 3 times then answering 200 gets one acknowledged delivery, same id throughout', async () => {
    const { r, receiver, nodes } = await setup();
    let calls = 0;
    receiver.respond = () => (++calls <= 3 ? 500 : 200);
    await send(nodes[0].url, 1, 2, 'persist');
    await receiver.waitFor((rv) => rv.acked().length === 1);
    await drained(r.port);
    const ds = receiver.deliveries;
    assert.deepEqual(ds.map((d) => [d.attempt, d.status]), [[1, 500], [2, 500], [3, 500], [4, 200]]);
    assert.equal(new Set(ds.map((d) => d.id)).size, 1);
    assert.equal(new Set(ds.map((d) => d.raw)).size, 1, 'the same body at every attempt');
    const verify = await documentedNodeCheck();
    assert.ok(ds.every((d) => verify(SECRET, d.raw, d.signature)));
    assert.equal(await rcmd(r.port, 'XLEN', DEAD), 0);
    assert.equal(await sumMetric(nodes, 'senna_webhook_deliveries_total', 'event="message.new",outcome="rejected"'), 3);
    assert.equal(await sumMetric(nodes, 'senna_webhook_deliveries_total', 'event="message.new",outcome="delivered"'), 1);
    assert.equal(await sumMetric(nodes, 'senna_webhook_retry_queue'), 0);
  });

  test('after SOCK_WEBHOOK_MAX_ATTEMPTS the event is parked in the dead-letter stream, counted and logged', async () => {
    const { r, receiver, nodes: [a] } = await setup({ instances: 1, env: { SOCK_WEBHOOK_MAX_ATTEMPTS: '3' } });
    receiver.respond = () => 503;
    await send(a.url, 1, 2, 'doomed');
    await until(async () => (await rcmd(r.port, 'XLEN', DEAD)) === 1, 10000, 'a dead letter');
    await drained(r.port);
    assert.deepEqual(receiver.deliveries.map((d) => d.attempt), [1, 2, 3]);
    const [[, fields]] = await rcmd(r.port, 'XRANGE', DEAD, '-', '+');
    const f = Object.fromEntries(fields.reduce((acc, v, i) => (i % 2 ? acc[acc.length - 1].push(v) : acc.push([v]), acc), []));
    assert.equal(f.id, receiver.deliveries[0].id);
    assert.equal(f.event, 'message.new');
    assert.equal(f.user, '2');
    assert.equal(JSON.parse(f.data).text, 'doomed');
    assert.equal(f.seq, '1');
    assert.equal(f.attempts, '3');
    assert.equal(f.error, 'failed 3 attempts');
    assert.equal(await metric(a.url, 'senna_webhook_dead_letters_total', 'event="message.new"'), 1);
    assert.match(a.logs, new RegExp(`webhook_dead_letter id=${f.id} event=message.new user=2 attempts=3`));
  });

  test('an instance SIGKILLed while holding undelivered events: the other delivers them, each acknowledged once', async () => {
    const { r, receiver, nodes } = await setup({ instances: 1, env: { SOCK_WEBHOOK_RETRY_MS: '300', SOCK_WEBHOOK_RETRY_MAX_MS: '300' } });
    const [a] = nodes;
    receiver.respond = () => 500; // a keeps failing and retrying
    for (let u = 20; u < 25; u++) assert.equal((await send(a.url, 1, u, `to ${u}`)).status, 201);
    await receiver.waitFor((rv) => new Set(rv.deliveries.map((d) => d.id)).size === 5, 10000, 'a first attempt of each');
    const [held, , , consumers] = await rcmd(r.port, 'XPENDING', STREAM, 'senna');
    assert.equal(held, 5);
    assert.equal(consumers.length, 1, 'all held by the first instance');
    const b = await startSenna({ ...running[0].env });
    nodes.push(b);
    await a.stop('SIGKILL');
    receiver.respond = () => 200;
    await receiver.waitFor((rv) => rv.acked().length === 5, 20000, 'the five delivered by the survivor');
    await drained(r.port);
    const acked = receiver.acked();
    assert.deepEqual(acked.map((d) => d.body.user_id).sort(), [20, 21, 22, 23, 24]);
    assert.equal(new Set(acked.map((d) => d.id)).size, 5);
    assert.ok(acked.every((d) => d.attempt >= 2), 'attempts go on counting');
    assert.equal(await metric(b.url, 'senna_webhook_claimed_total'), 5);
    assert.match(b.logs, /webhook_claimed/);
  });

  test('https with SOCK_WEBHOOK_CA_FILE; a certificate nobody vouches for is refused', async () => {
    const dir = tmpDir('senna-tls-');
    const key = path.join(dir, 'key.pem');
    const cert = path.join(dir, 'cert.pem');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1',
      '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
    try {
      const tls = { key: fs.readFileSync(key), cert: fs.readFileSync(cert) };
      const { r, receiver, nodes: [a] } = await setup({ instances: 1, receiver: { tls }, env: { SOCK_WEBHOOK_CA_FILE: cert } });
      assert.match(receiver.url, /^https:/);
      await send(a.url, 1, 2, 'over tls');
      await receiver.waitFor((rv) => rv.acked().length === 1);
      await drained(r.port);
      assert.equal(receiver.acked()[0].body.data.text, 'over tls');

      const untrusted = await setup({ instances: 1, receiver: { tls } });
      await send(untrusted.nodes[0].url, 1, 2, 'not over tls');
      await until(async () => (await metric(untrusted.nodes[0].url, 'senna_webhook_deliveries_total', 'event="message.new",outcome="failed"')) >= 1,
        10000, 'a failed attempt');
      assert.deepEqual(untrusted.receiver.deliveries, []);
      assert.match(untrusted.nodes[0].logs, /webhook_attempt_failed .*error="TLS handshake failed"/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('webhooks off: nothing is queued, no webhook metrics; bad settings refuse to start', async () => {
    const r = await startRedis();
    const s = await startSenna({ SOCK_REDIS_URL: r.url, SOCK_PRESENCE_GRACE_MS: '100' });
    try {
      const u = await connectAs(s.url, tok(2));
      u.disconnect();
      assert.equal((await send(s.url, 1, 2, 'nobody listens')).status, 201);
      await until(async () => (await rcmd(r.port, 'HGET', redisKey(`status:2`), 'status')) === 'offline', 5000, 'offline');
      assert.equal(await rcmd(r.port, 'EXISTS', STREAM), 0);
      assert.doesNotMatch((await request(`${s.url}/metrics`)).text, /senna_webhook/);
    } finally {
      closeAll();
      await s.stop();
      await r.stop();
    }
    const noSecret = await runSenna([], { SOCK_WEBHOOK_URL: 'http://127.0.0.1:9/x' });
    assert.notEqual(noSecret.code, 0);
    assert.match(noSecret.stderr, /SOCK_WEBHOOK_SECRET: required with SOCK_WEBHOOK_URL/);
    const ftp = await runSenna([], { SOCK_WEBHOOK_URL: 'ftp://127.0.0.1/x', SOCK_WEBHOOK_SECRET: 'x' });
    assert.notEqual(ftp.code, 0);
    assert.match(ftp.stderr, /SOCK_WEBHOOK_URL: 'ftp:\/\/127.0.0.1\/x' must start with http:\/\/ or https:\/\//);
    const events = await runSenna([], { SOCK_WEBHOOK_EVENTS: 'message.new,user.away' });
    assert.notEqual(events.code, 0);
    assert.match(events.stderr, /SOCK_WEBHOOK_EVENTS: 'user.away' is not one of/);
  });
});

describe('presence: user.online / user.offline', () => {
  test('a reload onto the other instance within the grace window: no user.offline, no second user.online', async () => {
    const { r, receiver, nodes: [a, b] } = await setup({ env: { SOCK_PRESENCE_GRACE_MS: '3000' } });
    const first = await connectAs(a.url, tok(30));
    await receiver.waitFor((rv) => rv.of('user.online', 30).length === 1);
    first.disconnect();
    const second = await connectAs(b.url, tok(30), { transports: ['websocket'] });
    // A marker whose offline is due after 30's would have been: once it arrives, 30's is past.
    const marker = await connectAs(a.url, tok(31));
    marker.disconnect();
    await receiver.waitFor((rv) => rv.of('user.offline', 31).length === 1, 15000, 'the marker offline');
    await drained(r.port);
    assert.deepEqual(receiver.acked().filter((d) => d.body.user_id === 30).map((d) => d.event), ['user.online']);
    assert.equal(await rcmd(r.port, 'ZSCORE', redisKey(`presence-grace`), '30'), null);
    const online = receiver.of('user.online', 30)[0].body;
    assert.deepEqual(online.data, { status: 'online', last_active: online.data.last_active });
    assert.match(online.data.last_active, ISO);

    const left = Date.now();
    second.disconnect();
    await receiver.waitFor((rv) => rv.of('user.offline', 30).length === 1, 15000, 'user 30 offline');
    await drained(r.port);
    const off = receiver.of('user.offline', 30)[0].body;
    assert.equal(off.data.status, 'offline');
    assert.ok(Math.abs(Date.parse(off.data.last_active) - left) < 2000, 'last_active is when the last socket went');
    assert.equal(receiver.acked().filter((d) => d.body.user_id === 30).length, 2);
  });

  test('50 users going offline at once across two instances: 50 user.offline, not 100', async () => {
    const { r, receiver, nodes: [a, b] } = await setup({ env: { SOCK_PRESENCE_GRACE_MS: '1000' } });
    const users = Array.from({ length: 50 }, (_, i) => 100 + i);
    const sockets = [];
    for (const u of users) {
      sockets.push(await connectAs(a.url, tok(u), { transports: ['websocket'] }));
      sockets.push(await connectAs(b.url, tok(u), { transports: ['websocket'] }));
    }
    await receiver.waitFor((rv) => rv.of('user.online').length === 50, 15000, '50 user.online');
    for (const s of sockets) s.disconnect();
    await receiver.waitFor((rv) => rv.of('user.offline').length >= 50, 20000, '50 user.offline');
    await drained(r.port);
    const offline = receiver.of('user.offline').map((d) => d.body.user_id).sort((x, y) => x - y);
    assert.deepEqual(offline, users);
    assert.equal(receiver.of('user.online').length, 50);
    assert.equal(receiver.deliveries.length, 100);
  });

  test('an instance SIGKILLed: its users go offline within the documented bound, announced once', async () => {
    const { r, receiver, nodes: [a, b] } = await setup();
    const watcher = await connectAs(b.url, tok(41));
    assert.deepEqual(await ack(watcher, 'watch-presence', { ids: [40] }),
      { ok: true, presence: [{ user_id: 40, status: 'offline', last_active: null }] });
    await connectAs(a.url, tok(40));
    await receiver.waitFor((rv) => rv.of('user.online', 40).length === 1);
    await until(() => watcher.got.some(([e, p]) => e === 'presence' && p.status === 'online'), 5000, 'watched online');
    await a.stop('SIGKILL');
    // 3 heartbeats (600 ms) + 1 (200 ms) + grace (800 ms) + a tick: waited for generously.
    await receiver.waitFor((rv) => rv.of('user.offline', 40).length === 1, 15000, 'user 40 offline');
    await drained(r.port);
    assert.equal(receiver.of('user.offline', 40).length, 1);
    await until(() => watcher.got.some(([e, p]) => e === 'presence' && p.status === 'offline'), 5000, 'watched offline');
    const got = await api(b.url, '/api/presence?ids=40', { as: tok(41) });
    assert.equal(got.json.presence[0].status, 'offline');
  });
});

describe('presence you can ask for', () => {
  test('GET /api/presence: exact bodies, in the order asked; errors', async () => {
    const { r, nodes: [a, b] } = await setup({ instances: 2, env: { SOCK_WEBHOOK_EVENTS: 'message.new' } });
    await connectAs(b.url, tok(60));
    await until(async () => (await rcmd(r.port, 'HGET', redisKey(`status:60`), 'status')) === 'online', 5000, 'online');
    const since = await rcmd(r.port, 'HGET', redisKey(`status:60`), 'last_active');
    // Only the seed saw user 62: its last_active stands.
    await rcmd(r.port, 'HSET', redisKey(`activity:62`), 'status', 'inactive', 'last_active', '2016-06-02T21:38:36.342Z');
    const got = await api(a.url, '/api/presence?ids=61,60,alice,62,60', { as: tok(1) });
    assert.equal(got.status, 200);
    assert.deepEqual(got.json, { presence: [
      { user_id: 61, status: 'offline', last_active: null },
      { user_id: 60, status: 'online', last_active: since },
      { user_id: 'alice', status: 'offline', last_active: null },
      { user_id: 62, status: 'offline', last_active: '2016-06-02T21:38:36.342Z' },
    ] });
    const tooMany = Array.from({ length: 101 }, (_, i) => i + 1).join(',');
    const cases = [
      ['/api/presence', 400, { error: true, code: 'PRESENCE_INVALID_IDS', name: 'ArgumentError', message: 'ids must list 1 to 100 user ids', status: 400 }],
      [`/api/presence?ids=${tooMany}`, 400, { error: true, code: 'PRESENCE_INVALID_IDS', name: 'ArgumentError', message: 'ids must list 1 to 100 user ids', status: 400 }],
      ['/api/presence?ids=1,no%20way', 400, { error: true, code: 'MESSAGES_INVALID_ID', name: 'ArgumentError', message: 'Invalid id "no way"', status: 400 }],
    ];
    for (const [url, status, body] of cases) {
      const res = await api(a.url, url, { as: tok(1) });
      assert.deepEqual([res.status, res.json], [status, body], url);
    }
    assert.equal((await api(a.url, '/api/presence?ids=1')).status, 401);
    assert.equal((await api(a.url, `/api/presence?ids=${Array.from({ length: 100 }, (_, i) => i + 1).join(',')}`, { as: tok(1) })).status, 200);
  });

  test('watch-presence: transitions from the other instance, replaced by the next watch, bounded', async () => {
    const { receiver, nodes: [a, b] } = await setup({ env: { SOCK_PRESENCE_WATCH_LIMIT: '2', SOCK_WEBHOOK_EVENTS: 'user.offline' } });
    const w = await connectAs(a.url, tok(70));
    const seen = () => w.got.filter(([e]) => e === 'presence').map(([, p]) => p);
    assert.deepEqual(await ack(w, 'watch-presence', { ids: [71, 72] }), { ok: true, presence: [
      { user_id: 71, status: 'offline', last_active: null }, { user_id: 72, status: 'offline', last_active: null }] });
    const u71 = await connectAs(b.url, tok(71));
    const [online] = await until(() => seen().length === 1 && seen(), 5000, 'online');
    assert.deepEqual(online, { user_id: 71, status: 'online', last_active: online.last_active });
    assert.match(online.last_active, ISO);
    u71.disconnect();
    const offline = (await until(() => seen().length === 2 && seen(), 10000, 'offline'))[1];
    assert.equal(offline.user_id, 71);
    assert.equal(offline.status, 'offline');
    assert.match(offline.last_active, ISO);

    assert.deepEqual(await ack(w, 'watch-presence', { ids: [73] }),
      { ok: true, presence: [{ user_id: 73, status: 'offline', last_active: null }] });
    await connectAs(b.url, tok(72)); // no longer watched
    await connectAs(b.url, tok(73));
    const next = (await until(() => seen().length >= 3 && seen(), 5000, 'the next'))[2];
    assert.equal(next.user_id, 73, 'nothing of 72 came before (one channel, in order)');
    assert.deepEqual(await ack(w, 'watch-presence', { ids: [1, 2, 3] }),
      { error: { code: 'TOO_MANY_WATCHED', message: 'A socket may watch at most 2 users' } });
    assert.deepEqual(await ack(w, 'watch-presence', { ids: ['bad id'] }),
      { error: { code: 'MESSAGES_INVALID_ID', message: 'Invalid id "bad id"' } });
    assert.deepEqual(await ack(w, 'watch-presence', {}),
      { error: { code: 'PRESENCE_INVALID_IDS', message: 'ids must be a list of at most 2 user ids' } });
    assert.deepEqual(await ack(w, 'watch-presence', { ids: [] }), { ok: true, presence: [] });
    assert.equal(receiver.of('user.online').length, 0, 'user.online is not configured');
  });
});
