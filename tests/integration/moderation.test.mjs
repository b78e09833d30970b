// Moderation across instances (issue 17): two senna instances on one real redis-server, the npm
// socket.io-client, the admin REST API and the platform's control channel (`messages:events`).
// Kick, ban / unban, revoke and mute take effect on every instance; the state lives in Redis,
// so a restarted instance honours it; every refusal is counted in /metrics.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import jwt from 'jsonwebtoken';
import { api, client, closeAll, connectAs as connect, once, refusals } from './lib/clients.mjs';
import { runSenna, startRedis, startSenna, token, until, redisKey } from './lib/harness.mjs';
import { redis as rcmd } from './lib/resp.mjs';

const ADMIN_SECRET = 'an-admin-secret-of-at-least-32-characters';
const nowSec = () => Math.floor(Date.now() / 1000);
const adminToken = (claims = {}) => jwt.sign({ user_id: 'ops-alice', exp: nowSec() + 600, ...claims }, ADMIN_SECRET);

const kicks = (s) => s.got.filter(([event]) => event === 'kicked').map(([, payload]) => payload);
const ws = { transports: ['websocket'] };
/** The CONNECT_ERROR of a socket that is refused: {message, data}. */
async function refusal(url, tok) {
  const s = client(url, { auth: { token: tok }, ...ws });
  const [err] = await once(s, 'connect_error');
  s.disconnect();
  return { message: err.message, data: err.data };
}
const admin = (base, path, body) =>
  api(base, path, { method: 'POST', body: body ?? {}, headers: { Authorization: `Bearer ${adminToken()}` } });

const BANNED = { error: true, code: 'USER_BANNED', name: 'ForbiddenError', message: 'Banned users cannot use this', status: 403 };
const REVOKED = { error: true, code: 'TOKEN_REVOKED', name: 'TokenRevokedError', message: 'Your token has been revoked - please authenticate again', status: 401 };

describe('moderation on two instances', () => {
  let r;
  let one;
  let two;
  const env = () => ({ SOCK_REDIS_URL: r.url, SOCK_ADMIN_SECRET: ADMIN_SECRET, SOCK_RATE_SEND_PER_SEC: '0' });
  before(async () => {
    r = await startRedis();
    one = await startSenna(env());
    two = await startSenna(env());
  });
  after(async () => {
    closeAll();
    await one?.stop();
    await two?.stop();
    await r?.stop();
  });

  test('the admin API takes only admin tokens: not a user token, not one without exp', async () => {
    const path = '/admin/users/7/kick';
    const none = await api(one.url, path, { method: 'POST' });
    assert.equal(none.status, 401);
    assert.deepEqual(none.json, { error: true, code: 'ADMIN_UNAUTHORIZED', name: 'UnauthenticatedError', message: 'An admin token is required', status: 401 });
    const bad = { error: true, code: 'ADMIN_UNAUTHORIZED', name: 'UnauthenticatedError', message: 'The admin token is invalid or has no expiry', status: 401 };
    // A user token (the user tokens' key), even one that claims to be an admin.
    const user = await api(one.url, path, { method: 'POST', as: token({ user_id: 1, admin: true }) });
    assert.deepEqual([user.status, user.json], [401, bad]);
    const noExp = jwt.sign({ user_id: 'ops' }, ADMIN_SECRET);
    const r2 = await api(one.url, path, { method: 'POST', headers: { Authorization: `Bearer ${noExp}` } });
    assert.deepEqual([r2.status, r2.json], [401, bad]);
    const ok = await admin(one.url, path, { reason: 'testing' });
    assert.equal(ok.status, 200);
    assert.deepEqual(ok.json, { ok: true, action: { type: 'kick', user_id: 7, reason: 'testing' } });
    const unknown = await admin(one.url, '/admin/users/7/smite');
    assert.equal(unknown.status, 404);
    const badId = await admin(one.url, '/admin/users/no%20way/ban');
    assert.equal(badId.status, 400);
    const past = await admin(one.url, '/admin/users/7/ban', { until: nowSec() - 10 });
    assert.deepEqual(past.json, { error: true, code: 'BAD_REQUEST', name: 'BadRequestError', message: 'until must be a time in the future, in epoch seconds', status: 400 });
    assert.ok((await refusals(one.url))['rest/admin_unauthorized'] >= 3);
  });

  test('a kick through the API on instance 1 disconnects the user\'s sockets on instance 2 within 1 s', async () => {
    const seven = token({ user_id: 7 });
    const onTwo = await connect(two.url, seven, ws);
    const alsoOnTwo = await connect(two.url, seven, ws);
    const onOne = await connect(one.url, seven, ws);
    const bystander = await connect(two.url, token({ user_id: 8 }), ws);
    const gone = Promise.all([onTwo, alsoOnTwo, onOne].map((s) => once(s, 'disconnect')));
    const started = Date.now();
    const res = await admin(one.url, '/admin/users/7/kick', { reason: 'spam' });
    assert.equal(res.status, 200);
    const reasons = await gone;
    const ms = Date.now() - started;
    console.log(`kick: API on instance 1 to the last socket disconnected on instance 2: ${ms} ms`);
    assert.ok(ms < 1000, `took ${ms} ms`);
    assert.deepEqual(reasons.map(([why]) => why), ['io server disconnect', 'io server disconnect', 'io server disconnect']);
    for (const s of [onTwo, alsoOnTwo, onOne])
      assert.deepEqual(kicks(s), [{ code: 'KICKED', message: 'You were disconnected by a moderator', reason: 'spam' }]);
    assert.ok(bystander.connected, 'another user stays');
    // A kick is not a ban: the user comes straight back.
    const back = await connect(two.url, seven, ws);
    assert.ok(back.connected);
  });

  test('a banned user is refused on REST and new sockets on both instances, open sockets go; unban lifts it', async () => {
    const tok = token({ user_id: 20 });
    const before1 = await refusals(one.url);
    const sock = await connect(two.url, tok, ws);
    const gone = once(sock, 'disconnect');
    const res = await admin(one.url, '/admin/users/20/ban', { reason: 'abuse' });
    assert.deepEqual(res.json, { ok: true, action: { type: 'ban', user_id: 20, reason: 'abuse' } });
    assert.equal((await gone)[0], 'io server disconnect');
    assert.deepEqual(kicks(sock), [{ code: 'USER_BANNED', message: 'Banned users cannot use this', reason: 'abuse' }]);
    assert.equal(await rcmd(r.port, 'HGET', redisKey(`moderation:bans`), '20'), '0');
    for (const s of [one, two]) {
      const list = await until(async () => {
        const x = await api(s.url, '/api/list', { as: tok });
        return x.status === 403 && x;
      }, 1000, 'the ban on REST');
      assert.deepEqual(list.json, BANNED);
      const send = await api(s.url, '/api/user/21', { as: tok, method: 'POST', body: { type: 'text', text: 'hi' } });
      assert.deepEqual([send.status, send.json], [403, BANNED]);
      assert.deepEqual(await refusal(s.url, tok), { message: 'Banned users cannot use this', data: { code: 'USER_BANNED' } });
    }
    const state = await api(one.url, '/admin/users/20', { headers: { Authorization: `Bearer ${adminToken()}` } });
    assert.deepEqual(state.json, { user_id: 20, banned: true, ban_until: null, revoked_before: null, mutes: [] });
    const after1 = await refusals(one.url);
    assert.ok(after1['rest/user_banned'] >= (before1['rest/user_banned'] ?? 0) + 2);
    assert.ok(after1['socket/user_banned'] >= (before1['socket/user_banned'] ?? 0) + 1);

    assert.equal((await admin(two.url, '/admin/users/20/unban')).status, 200);
    assert.equal(await rcmd(r.port, 'HGET', redisKey(`moderation:bans`), '20'), null);
    for (const s of [one, two]) {
      await until(async () => (await api(s.url, '/api/list', { as: tok })).status === 200, 1000, 'the unban on REST');
      assert.ok((await connect(s.url, tok, ws)).connected);
    }
  });

  test('a revoked token stops working on an open socket and on REST; a token issued since works', async () => {
    const old = token({ user_id: 30, iat: nowSec() - 120 });
    const refreshed = token({ user_id: 30, iat: nowSec() - 120 });
    const sock = await connect(two.url, old, ws);
    const kept = await connect(two.url, refreshed, ws);
    const fresh = token({ user_id: 30, iat: nowSec() });
    assert.deepEqual(await kept.timeout(5000).emitWithAck('refresh-token', { token: fresh }), { ok: true });
    const gone = once(sock, 'disconnect');
    const cut = nowSec() - 60;
    const res = await admin(one.url, '/admin/users/30/revoke', { before: cut });
    assert.equal(res.status, 200);
    assert.equal((await gone)[0], 'io server disconnect');
    assert.deepEqual(kicks(sock), [{ code: 'TOKEN_REVOKED', message: 'Your token has been revoked - please authenticate again' }]);
    assert.ok(kept.connected, 'the socket that refreshed its token stays');
    for (const s of [one, two]) {
      const x = await until(async () => {
        const y = await api(s.url, '/api/list', { as: old });
        return y.status === 401 && y;
      }, 1000, 'the revocation on REST');
      assert.deepEqual(x.json, REVOKED);
      assert.equal((await api(s.url, '/api/list', { as: fresh })).status, 200);
      assert.deepEqual(await refusal(s.url, old), { message: REVOKED.message, data: { code: 'TOKEN_REVOKED' } });
    }
    assert.equal(await rcmd(r.port, 'HGET', redisKey(`moderation:revocations`), '30'), String(cut));
  });

  test('a mute in a topic refuses sends there (REST and socket) with USER_MUTED; elsewhere and after unmute they pass', async () => {
    const tok = token({ user_id: 40 });
    const sock = await connect(two.url, tok, ws);
    const res = await admin(one.url, '/admin/users/40/mute', { topic: 'general' });
    assert.deepEqual(res.json, { ok: true, action: { type: 'mute', user_id: 40, topic: 'general' } });
    const MUTED = { error: true, code: 'USER_MUTED', name: 'ForbiddenError', message: 'You are muted in this topic', status: 403 };
    const x = await until(async () => {
      const y = await api(two.url, '/api/topic/general', { as: tok, method: 'POST', body: { type: 'text', text: 'hi' } });
      return y.status === 403 && y;
    }, 1000, 'the mute on REST');
    assert.deepEqual(x.json, MUTED);
    assert.deepEqual(await sock.timeout(5000).emitWithAck('send-message', { to: { type: 'topic', id: 'general' }, type: 'text', text: 'hi' }),
      { error: { code: 'USER_MUTED', message: 'You are muted in this topic' } });
    // Reading the topic, another topic and DMs are untouched.
    assert.equal((await api(two.url, '/api/topic/general', { as: tok })).status, 200);
    assert.equal((await api(two.url, '/api/topic/other', { as: tok, method: 'POST', body: { type: 'text', text: 'hi' } })).status, 201);
    const dm = await sock.timeout(5000).emitWithAck('send-message', { to: { type: 'user', id: 41 }, type: 'text', text: 'hi' });
    assert.equal(dm.ok, true);
    assert.equal(await rcmd(r.port, 'HGET', redisKey(`moderation:mutes`), 'general:40'), '0');
    assert.ok((await refusals(two.url))['socket/user_muted'] >= 1);
    assert.equal((await admin(one.url, '/admin/users/40/unmute', { topic: 'general' })).status, 200);
    await until(async () => (await api(two.url, '/api/topic/general', { as: tok, method: 'POST', body: { type: 'text', text: 'back' } })).status === 201,
      1000, 'the unmute');
  });

  test('the platform\'s control channel: a ban published on messages:events is enforced and stored; a kick too', async () => {
    const tok = token({ user_id: 50 });
    const sock = await connect(one.url, tok, ws);
    const gone = once(sock, 'disconnect');
    const until50 = nowSec() + 3600;
    assert.ok(await rcmd(r.port, 'PUBLISH', 'messages:events', JSON.stringify({ type: 'ban', user_id: 50, until: until50 })) >= 2);
    await gone;
    assert.equal(kicks(sock)[0].code, 'USER_BANNED');
    // Every instance stored it (the same value: idempotent).
    await until(async () => (await rcmd(r.port, 'HGET', redisKey(`moderation:bans`), '50')) === String(until50), 1000, 'the stored ban');
    for (const s of [one, two])
      assert.deepEqual((await api(s.url, '/api/list', { as: tok })).json, BANNED);
    await rcmd(r.port, 'PUBLISH', 'messages:events', JSON.stringify({ type: 'unban', user_id: 50 }));
    await until(async () => (await api(two.url, '/api/list', { as: tok })).status === 200, 1000, 'the unban');
    await until(async () => (await rcmd(r.port, 'HGET', redisKey(`moderation:bans`), '50')) === null, 1000, 'the unban stored');

    const k = await connect(two.url, token({ user_id: 51 }), ws);
    const kgone = once(k, 'disconnect');
    await rcmd(r.port, 'PUBLISH', 'messages:events', JSON.stringify({ type: 'kick', user_id: '51', reason: 'bye' }));
    await kgone;
    assert.deepEqual(kicks(k), [{ code: 'KICKED', message: 'You were disconnected by a moderator', reason: 'bye' }]);
    // A malformed one is ignored (logged), the channel keeps working.
    await rcmd(r.port, 'PUBLISH', 'messages:events', JSON.stringify({ type: 'ban' }));
    await one.waitForLog(/control_message_invalid type=ban field=user_id/);
  });

  test('a restarted instance still enforces a ban', async () => {
    const tok = token({ user_id: 60 });
    assert.equal((await admin(one.url, '/admin/users/60/ban')).status, 200);
    await two.stop();
    two = await startSenna(env());
    // No wait: the state is loaded before the instance listens.
    assert.deepEqual((await api(two.url, '/api/list', { as: tok })).json, BANNED);
    assert.deepEqual(await refusal(two.url, tok), { message: 'Banned users cannot use this', data: { code: 'USER_BANNED' } });
  });
});

describe('admin API authentication by a claim of platform tokens', () => {
  test('a platform token with the configured claim is an admin; without it 403; refused with the default secret', async () => {
    const r = await startRedis();
    const secret = 'the-platform-signing-secret';
    const s = await startSenna({ SOCK_REDIS_URL: r.url, SOCK_JWT_SECRET: secret, SOCK_ADMIN_CLAIM: 'role.handle=admin' });
    try {
      const mod = token({ user_id: 1, role: { handle: 'admin' } }, secret);
      const plain = token({ user_id: 2, role: { handle: 'member' } }, secret);
      const ok = await api(s.url, '/admin/users/9/kick', { method: 'POST', as: mod });
      assert.equal(ok.status, 200);
      await s.waitForLog(/admin_action action=kick user=9 by=1/);
      const no = await api(s.url, '/admin/users/9/kick', { method: 'POST', as: plain });
      assert.deepEqual([no.status, no.json], [403, { error: true, code: 'ADMIN_FORBIDDEN', name: 'ForbiddenError', message: 'This token does not carry the admin claim', status: 403 }]);
      // No admin secret configured: the admin API takes nothing else.
      const other = await api(s.url, '/admin/users/9/kick', { method: 'POST', headers: { Authorization: `Bearer ${adminToken()}` } });
      assert.equal(other.status, 401);
    } finally {
      await s.stop();
      await r.stop();
    }
    const refused = await runSenna([], { SOCK_ADMIN_CLAIM: 'role.handle=admin' });
    assert.equal(refused.code, 1);
    assert.equal(refused.stderr, 'senna: SOCK_ADMIN_CLAIM: refused with the default SOCK_JWT_SECRET: anyone can sign a token with that claim\n');
    const same = await runSenna([], { SOCK_ADMIN_SECRET: 'x'.repeat(40), SOCK_JWT_SECRET: 'x'.repeat(40) });
    assert.equal(same.stderr, 'senna: SOCK_ADMIN_SECRET: must differ from SOCK_JWT_SECRET (user tokens are not admins)\n');
  });

  test('without SOCK_ADMIN_SECRET or SOCK_ADMIN_CLAIM the admin API is off', async () => {
    const r = await startRedis();
    const s = await startSenna({ SOCK_REDIS_URL: r.url });
    try {
      const x = await api(s.url, '/admin/users/9/ban', { method: 'POST', as: token({ user_id: 1 }) });
      assert.deepEqual([x.status, x.json], [403, { error: true, code: 'ADMIN_DISABLED', name: 'ForbiddenError', message: 'The admin API is off: set SOCK_ADMIN_SECRET or SOCK_ADMIN_CLAIM', status: 403 }]);
    } finally {
      await s.stop();
      await r.stop();
    }
  });
});
