// The HTTP foundation against the real binary and a real redis-server: SPEC §2, §3 (GET /,
// GET /api/, the error model), §7, and the server's limits and deadlines.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { rawExchange, request, startRedis, startSenna, token } from './lib/harness.mjs';

const WELCOME = { authenticated: false, message: 'Welcome to a realtime chat API', success: true };
const INVALID = {
  error: true, code: 'INVALID_TOKEN_ERR', name: 'JsonWebTokenError',
  message: 'Your token is invalid - please check it and try again', status: 401,
};
const GREETINGS = [
  'Hello, I am Baymax, your personal healthcare companion.',
  'I cannot deactivate until you say you are satisfied with your care.',
  'Tadashi is here.',
  'Flying makes me a better healthcare companion.',
  '👊 Balalala!',
];

describe('http foundation', () => {
  let redis;
  let senna;
  before(async () => {
    redis = await startRedis();
    senna = await startSenna({
      SOCK_REDIS_URL: redis.url,
      SOCK_HTTP_REQUEST_TIMEOUT_MS: '1000',
      SOCK_HTTP_IDLE_TIMEOUT_MS: '1500',
      SOCK_HTTP_HEADER_LIMIT: '2048',
      SOCK_CORS_ORIGINS: 'https://app.example',
    });
  });
  after(async () => {
    await senna?.stop();
    await redis?.stop();
  });

  test('GET /api/ without a token is anonymous', async () => {
    const r = await request(`${senna.url}/api/`);
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('content-type'), 'application/json; charset=utf-8');
    assert.equal(r.text, JSON.stringify(WELCOME));
    assert.deepEqual((await request(`${senna.url}/api`)).json, WELCOME);
  });

  test('GET /api/ with a token signed by the default secret is authenticated', async () => {
    const t = token({ user_id: 42 });
    const a = await request(`${senna.url}/api/`, { headers: { 'X-Auth-Token': t } });
    assert.equal(a.text, JSON.stringify({ ...WELCOME, authenticated: true }));
    const b = await request(`${senna.url}/api/`, { headers: { Authorization: `Bearer ${t}` } });
    assert.equal(b.json.authenticated, true);
    assert.match(senna.logs, /request method=GET route=\/api status=200 ms=[0-9.]+ user=42/);
    assert.ok(!senna.logs.includes(t), 'the token must never be logged');
  });

  test('a tampered token gets the 401 of SPEC §2', async () => {
    const t = token({ user_id: 42 });
    const [h, p, s] = t.split('.');
    const forged = Buffer.from(JSON.stringify({ user_id: 1 })).toString('base64url');
    for (const bad of [`${h}.${forged}.${s}`, `${t}x`, 'not-a-token', token({ user_id: 42 }, 'wrong-secret')]) {
      const r = await request(`${senna.url}/api/`, { headers: { 'X-Auth-Token': bad } });
      assert.equal(r.status, 401, bad);
      assert.equal(r.text, JSON.stringify(INVALID));
    }
  });

  test('expired, not-yet-valid and id-less tokens get their jsonwebtoken names', async () => {
    const now = Math.floor(Date.now() / 1000);
    const expired = await request(`${senna.url}/api/`, { headers: { 'X-Auth-Token': token({ user_id: 1, exp: now - 120 }) } });
    assert.deepEqual(expired.json, { ...INVALID, name: 'TokenExpiredError' });
    const leeway = await request(`${senna.url}/api/`, { headers: { 'X-Auth-Token': token({ user_id: 1, exp: now - 5 }) } });
    assert.equal(leeway.json.authenticated, true, 'within the 30 s leeway');
    const early = await request(`${senna.url}/api/`, { headers: { 'X-Auth-Token': token({ user_id: 1, nbf: now + 600 }) } });
    assert.deepEqual(early.json, { ...INVALID, name: 'NotBeforeError' });
    for (const claims of [{}, { user_id: 0 }, { user_id: 'a b' }, { user_id: 1.5 }, { user_id: 'x'.repeat(65) }]) {
      const r = await request(`${senna.url}/api/`, { headers: { 'X-Auth-Token': token(claims) } });
      assert.equal(r.status, 401);
      assert.deepEqual(r.json, {
        error: true, code: 'INVALID_TOKEN_ERR', name: 'UnauthenticatedError',
        message: 'Incorrect token - please try a different one', status: 401,
      }, JSON.stringify(claims));
    }
    const none = `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${Buffer.from('{"user_id":1}').toString('base64url')}.`;
    assert.deepEqual((await request(`${senna.url}/api/`, { headers: { 'X-Auth-Token': none } })).json, INVALID);
  });

  test('GET / answers one of the seed greetings', async () => {
    const r = await request(`${senna.url}/`);
    assert.equal(r.status, 200);
    assert.ok(GREETINGS.includes(r.json), r.text);
  });

  test('unknown routes are 404 and wrong methods 405 with Allow, token or not', async () => {
    for (const headers of [{}, { 'X-Auth-Token': token() }]) {
      const nf = await request(`${senna.url}/nope`, { headers });
      assert.equal(nf.status, 404);
      assert.equal(nf.text, JSON.stringify({
        error: true, code: 'NOT_FOUND', name: 'RouteNotFoundError',
        message: 'Route not found - please check your URL and try again', status: 404,
      }));
      const na = await request(`${senna.url}/api/`, { method: 'DELETE', headers });
      assert.equal(na.status, 405);
      assert.equal(na.headers.get('allow'), 'GET, HEAD');
      assert.deepEqual(na.json, {
        error: true, code: 'METHOD_NOT_ALLOWED', name: 'MethodNotAllowedError',
        message: 'Method DELETE is not allowed here', status: 405,
      });
    }
  });

  test('HEAD answers the GET headers without a body', async () => {
    const r = await rawExchange(senna.url, 'HEAD /api/ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    assert.match(r.data, /^HTTP\/1\.1 200 OK\r\n/);
    assert.match(r.data, /Content-Length: 81\r\n/);
    assert.ok(r.data.endsWith('\r\n\r\n'), r.data);
  });

  test('a body over 1 MiB is refused with 413 before it is read', async () => {
    const head = 'POST /api/user/2 HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 2000000\r\n\r\n';
    const r = await rawExchange(senna.url, [head, 'x'.repeat(1000)]);
    assert.match(r.data, /^HTTP\/1\.1 413 Payload Too Large\r\n/);
    assert.ok(r.data.includes(JSON.stringify({
      error: true, code: 'PAYLOAD_TOO_LARGE', name: 'PayloadTooLargeError',
      message: 'The request body is larger than 1 MiB', status: 413,
    })), r.data);
    assert.ok(r.closed);
    const chunked = 'POST /api/user/2 HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n';
    const big = `100000\r\n${'y'.repeat(0x100000)}\r\n1\r\nz\r\n0\r\n\r\n`;
    const c = await rawExchange(senna.url, [chunked, big]);
    assert.match(c.data, /^HTTP\/1\.1 413 /);
  });

  test('oversized headers get 431 and garbage gets 400', async () => {
    const r = await rawExchange(senna.url, `GET /api/ HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(4000)}\r\n\r\n`);
    assert.match(r.data, /^HTTP\/1\.1 431 /);
    const g = await rawExchange(senna.url, 'NOT HTTP AT ALL\r\n\r\n');
    assert.match(g.data, /^HTTP\/1\.1 400 Bad Request\r\n/);
    assert.ok(g.closed);
  });

  test('pipelined requests are answered in order on one connection', async () => {
    const one = (p) => `GET ${p} HTTP/1.1\r\nHost: x\r\n\r\n`;
    const r = await rawExchange(senna.url, one('/healthz') + one('/nope') + one('/api/') +
      'GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    const statuses = [...r.data.matchAll(/HTTP\/1\.1 (\d{3})/g)].map((m) => m[1]);
    assert.deepEqual(statuses, ['200', '404', '200', '200']);
    assert.ok(r.data.indexOf('"status":"ok"') < r.data.indexOf('RouteNotFoundError'));
    assert.ok(r.data.indexOf('RouteNotFoundError') < r.data.indexOf('Welcome'));
    assert.ok(r.closed);
  });

  test('twenty pipelined sends and a history read in one write: twenty-one answers in order, exact bodies', async () => {
    const alice = token({ user_id: 1, username: 'alice' });
    const body = (i) => JSON.stringify({ type: 'text', text: `p${i}` });
    const send = (i) => `POST /api/user/2 HTTP/1.1\r\nHost: x\r\nX-Auth-Token: ${alice}\r\n` +
      `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body(i))}\r\n\r\n${body(i)}`;
    const N = 20;
    const all = Array.from({ length: N }, (_, i) => send(i)).join('') +
      `GET /api/user/2?after=0&limit=100 HTTP/1.1\r\nHost: x\r\nX-Auth-Token: ${alice}\r\nConnection: close\r\n\r\n`;
    const r = await rawExchange(senna.url, all, { timeoutMs: 10000 });
    assert.ok(r.closed);
    // Each answer by its Content-Length (bodies are ASCII here).
    const answers = [];
    for (let rest = r.data; rest.length;) {
      const head = rest.slice(0, rest.indexOf('\r\n\r\n'));
      const length = Number(/content-length: (\d+)/i.exec(head)[1]);
      const start = head.length + 4;
      answers.push({ status: Number(head.slice(9, 12)), body: JSON.parse(rest.slice(start, start + length)) });
      rest = rest.slice(start + length);
    }
    assert.equal(answers.length, N + 1);
    const sent = answers.slice(0, N);
    assert.deepEqual(sent.map((a) => a.status), Array(N).fill(201));
    assert.deepEqual(sent.map((a) => [a.body.entry.text, a.body.entry.seq]),
      Array.from({ length: N }, (_, i) => [`p${i}`, i + 1]));
    const history = answers[N];
    assert.equal(history.status, 200);
    assert.deepEqual(history.body.messages, sent.map((a) => ({ ...a.body.entry, author: { id: 1, username: 'alice' } })));
  });

  test('a request trickling one byte at a time is cut at the request deadline', async () => {
    const bytes = 'GET /api/ HTTP/1.1\r\nHost: x\r\n\r\n'.split('');
    const r = await rawExchange(senna.url, bytes, { gapMs: 200, timeoutMs: 8000 });
    assert.ok(r.closed, 'closed by the server');
    assert.ok(r.ms >= 900 && r.ms < 3000, `closed after ${r.ms} ms`);
    assert.equal(r.data, '', 'nothing answered to an incomplete request');
  });

  test('an idle keep-alive connection is closed after the idle timeout', async () => {
    const r = await rawExchange(senna.url, 'GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n', { timeoutMs: 6000 });
    assert.match(r.data, /^HTTP\/1\.1 200 OK/);
    assert.ok(r.closed);
    assert.ok(r.ms >= 1400 && r.ms < 4000, `closed after ${r.ms} ms`);
  });

  test('CORS: preflight and simple requests from allowed origins only', async () => {
    const pre = await request(`${senna.url}/api/list`, {
      method: 'OPTIONS',
      headers: { Origin: 'https://app.example', 'Access-Control-Request-Method': 'GET', 'Access-Control-Request-Headers': 'x-auth-token' },
    });
    assert.equal(pre.status, 204);
    assert.equal(pre.headers.get('access-control-allow-origin'), 'https://app.example');
    assert.equal(pre.headers.get('access-control-allow-headers'), 'x-auth-token');
    const ok = await request(`${senna.url}/api/`, { headers: { Origin: 'https://app.example' } });
    assert.equal(ok.headers.get('access-control-allow-origin'), 'https://app.example');
    const other = await request(`${senna.url}/api/`, { headers: { Origin: 'https://evil.example' } });
    assert.equal(other.headers.get('access-control-allow-origin'), null);
  });

  test('/healthz, /readyz and /metrics', async () => {
    assert.deepEqual((await request(`${senna.url}/healthz`)).json, { status: 'ok' });
    assert.deepEqual((await request(`${senna.url}/readyz`)).json, { status: 'ok' });
    const m = await request(`${senna.url}/metrics`);
    assert.equal(m.status, 200);
    assert.match(m.headers.get('content-type'), /^text\/plain; version=0\.0\.4/);
    assert.match(m.text, /^senna_http_requests_total\{route="\/api",status="200"\} \d+$/m);
    assert.match(m.text, /^senna_http_requests_total\{route="unmatched",status="404"\} \d+$/m);
    assert.match(m.text, /^senna_http_request_duration_seconds_bucket\{route="\/api",le="\+Inf"\} \d+$/m);
    assert.match(m.text, /^senna_redis_commands_total \d+$/m);
  });
});

describe('readiness follows Redis', () => {
  test('/readyz is 503 STORE_UNAVAILABLE while Redis is down and 200 once it is back', async () => {
    let redis = await startRedis();
    const senna = await startSenna({ SOCK_REDIS_URL: redis.url });
    try {
      assert.equal((await request(`${senna.url}/readyz`)).status, 200);
      const port = redis.port;
      await redis.stop();
      const down = await request(`${senna.url}/readyz`);
      assert.equal(down.status, 503);
      assert.deepEqual(down.json, {
        error: true, code: 'STORE_UNAVAILABLE', name: 'StoreUnavailableError',
        message: 'The message store is unavailable - please try again', status: 503,
      });
      redis = await startRedis({ port });
      let status = 0;
      for (let i = 0; i < 100 && status !== 200; i++) {
        status = (await request(`${senna.url}/readyz`)).status;
        if (status !== 200) await new Promise((r) => setTimeout(r, 50));
      }
      assert.equal(status, 200, 'senna reconnected by itself');
    } finally {
      assert.deepEqual(await senna.stop(), { code: 0, signal: null });
      await redis.stop();
    }
  });
});
