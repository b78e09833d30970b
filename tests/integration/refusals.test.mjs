// Refusals you can see (issue 17): every refusal counted by surface and reason in /metrics
// (senna_refusals_total), and the per-address limit on realtime connections
// (SOCK_MAX_CONNECTIONS_PER_IP) with X-Forwarded-For believed only from SOCK_TRUSTED_PROXIES.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ack, client, closeAll, connectAs, once, refusals } from './lib/clients.mjs';
import { rawExchange, request, startRedis, startSenna, token } from './lib/harness.mjs';

const ws = { transports: ['websocket'] };
const send = (base, tok, text = 'hi') => request(`${base}/api/user/99`, {
  method: 'POST', headers: { 'X-Auth-Token': tok, 'Content-Type': 'application/json' }, body: JSON.stringify({ type: 'text', text }),
});
/** An Engine.IO polling handshake, optionally through a proxy's X-Forwarded-For. */
const handshake = (base, forwardedFor) => request(`${base}/socket.io/?EIO=4&transport=polling`,
  { headers: forwardedFor ? { 'X-Forwarded-For': forwardedFor } : {} });

describe('every refusal is counted by surface and reason', () => {
  let r;
  let senna;
  before(async () => {
    r = await startRedis();
    senna = await startSenna({
      SOCK_REDIS_URL: r.url, SOCK_RATE_SEND_PER_SEC: '1', SOCK_RATE_SEND_BURST: '1', SOCK_RATE_EVENTS_PER_SEC: '1',
      SOCK_RATE_EVENTS_BURST: '3', SOCK_MAX_SOCKETS_PER_USER: '1', SOCK_MAX_TOPICS_PER_SOCKET: '1',
      SOCK_HTTP_HEADER_LIMIT: '2048', SOCK_HTTP_BODY_LIMIT: '2048', SOCK_MAX_TEXT_LENGTH: '100', SOCK_SIO_MAX_EVENT_BYTES: '5296',
    });
  });
  after(async () => {
    closeAll();
    await senna?.stop();
    await r?.stop();
  });

  test('a scrape lists every reason, 0 until it happens', async () => {
    const all = await refusals(senna.url);
    for (const k of ['connection/max_connections', 'connection/max_connections_per_ip', 'rest/invalid_token', 'rest/token_revoked',
      'rest/user_banned', 'rest/user_muted', 'rest/rate_limited', 'rest/header_too_large', 'rest/body_too_large',
      'rest/admin_unauthorized', 'socket/invalid_token', 'socket/token_revoked', 'socket/user_banned', 'socket/session_rejected',
      'socket/too_many_sockets', 'socket/rate_limited', 'socket/events_rate_limited', 'socket/flood_disconnected',
      'socket/too_many_topics', 'socket/user_muted', 'socket/oversize', 'socket/admin_credentials'])
      assert.equal(all[k], 0, k);
  });

  test('REST: bad tokens, rate limits, oversized heads and bodies', async () => {
    const bad = await request(`${senna.url}/api/list`, { headers: { 'X-Auth-Token': 'not-a-token' } });
    assert.equal(bad.status, 401);
    const tok = token({ user_id: 1 });
    assert.equal((await send(senna.url, tok)).status, 201);
    assert.equal((await send(senna.url, tok)).status, 429);
    const big = await rawExchange(senna.url, `GET /api/ HTTP/1.1\r\nHost: x\r\nX-Pad: ${'a'.repeat(4000)}\r\n\r\n`);
    assert.match(big.data, /^HTTP\/1\.1 431/);
    const body = await rawExchange(senna.url, `POST /api/user/2 HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n\r\n`);
    assert.match(body.data, /^HTTP\/1\.1 413/);
    const got = await refusals(senna.url);
    assert.equal(got['rest/invalid_token'], 1);
    assert.equal(got['rest/rate_limited'], 1);
    assert.equal(got['rest/header_too_large'], 1);
    assert.equal(got['rest/body_too_large'], 1);
  });

  test('sockets: bad tokens, sockets per user, write and event rates, topics, a flood, an oversized event', async () => {
    const refused = client(senna.url, { auth: { token: 'nope' }, ...ws });
    await once(refused, 'connect_error');
    const tok = token({ user_id: 2 });
    const s = await connectAs(senna.url, tok, ws);
    const second = client(senna.url, { auth: { token: tok }, ...ws });
    assert.equal((await once(second, 'connect_error'))[0].data.code, 'TOO_MANY_SOCKETS');
    assert.equal((await ack(s, 'send-message', { to: { type: 'user', id: 9 }, type: 'text', text: 'a' })).ok, true);
    assert.equal((await ack(s, 'send-message', { to: { type: 'user', id: 9 }, type: 'text', text: 'b' })).error.code, 'RATE_LIMITED');
    // Two events spent of a burst of 3: of four more at once, some are refused.
    const burst = await Promise.all([1, 2, 3, 4].map(() => ack(s, 'typing', { to: { type: 'user', id: 9 } })));
    const limited = burst.filter((x) => x.error?.code === 'RATE_LIMITED').length;
    assert.ok(limited >= 2, JSON.stringify(burst));
    let got = await refusals(senna.url);
    assert.equal(got['socket/invalid_token'], 1);
    assert.equal(got['socket/too_many_sockets'], 1);
    assert.equal(got['socket/rate_limited'], 1);
    assert.equal(got['socket/events_rate_limited'], limited);

    const t = await connectAs(senna.url, token({ user_id: 3 }), ws);
    assert.equal((await ack(t, 'join-topic', { id: 'a' })).ok, true);
    assert.equal((await ack(t, 'join-topic', { id: 'b' })).error.code, 'TOO_MANY_TOPICS');
    const gone = once(t, 'disconnect');
    for (let i = 0; i < 40; i++) t.emit('typing', { to: { type: 'user', id: 9 } });
    await gone;
    const u = await connectAs(senna.url, token({ user_id: 4 }), ws);
    const cut = once(u, 'disconnect');
    u.emit('typing', { pad: 'x'.repeat(6000) });
    await cut;
    got = await refusals(senna.url);
    assert.equal(got['socket/too_many_topics'], 1);
    assert.equal(got['socket/flood_disconnected'], 1);
    assert.equal(got['socket/oversize'], 1);
  });
});

describe('SOCK_MAX_CONNECTIONS_PER_IP', () => {
  const TOO_MANY = { code: 4, message: 'Too many connections from this address' };

  test('past the limit a handshake gets 429 and a client connect_error; a closed one frees its place', async () => {
    const r = await startRedis();
    const senna = await startSenna({ SOCK_REDIS_URL: r.url, SOCK_MAX_CONNECTIONS_PER_IP: '2' });
    try {
      const a = await connectAs(senna.url, token({ user_id: 1 }), ws);
      await connectAs(senna.url, token({ user_id: 2 }), { transports: ['polling'] });
      const third = client(senna.url, { auth: { token: token({ user_id: 3 }) }, ...ws });
      await once(third, 'connect_error');
      const raw = await handshake(senna.url);
      assert.deepEqual([raw.status, raw.json], [429, TOO_MANY]);
      // X-Forwarded-For from an untrusted peer changes nothing.
      assert.equal((await handshake(senna.url, '198.51.100.1')).status, 429);
      assert.equal((await refusals(senna.url))['connection/max_connections_per_ip'], 3);
      a.disconnect();
      let ok = 0;
      for (let i = 0; i < 100 && ok !== 200; i++) {
        ok = (await handshake(senna.url)).status;
        if (ok !== 200) await new Promise((res) => setTimeout(res, 20));
      }
      assert.equal(ok, 200);
    } finally {
      closeAll();
      await senna.stop();
      await r.stop();
    }
  });

  test('behind a trusted proxy each forwarded client has its own count; a forged entry on the left is not believed', async () => {
    const r = await startRedis();
    const senna = await startSenna({ SOCK_REDIS_URL: r.url, SOCK_MAX_CONNECTIONS_PER_IP: '1', SOCK_TRUSTED_PROXIES: '127.0.0.1' });
    try {
      assert.equal((await handshake(senna.url, '198.51.100.1')).status, 200);
      assert.equal((await handshake(senna.url, '198.51.100.2')).status, 200);
      assert.deepEqual((await handshake(senna.url, '198.51.100.1')).json, TOO_MANY);
      // The client forged 203.0.113.9; the proxy appended the real address.
      assert.equal((await handshake(senna.url, '203.0.113.9, 198.51.100.2')).status, 429);
      // The proxy's own address is a client too (a request without the header).
      assert.equal((await handshake(senna.url)).status, 200);
    } finally {
      await senna.stop();
      await r.stop();
    }
  });
});
