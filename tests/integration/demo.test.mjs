// `senna token` and the demo web client's routes (/demo, /demo/<file>, POST /demo/token)
// against the real binary and a real redis-server. The browser side is tests/browser/.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import jwt from 'jsonwebtoken';
import { request, runSenna, startRedis, startSenna } from './lib/harness.mjs';

const SECRET = 'demo-test-secret';
const BUNDLE = path.resolve('web/node_modules/socket.io-client/dist/socket.io.min.js');

describe('senna token', () => {
  let redis;
  let senna;
  before(async () => {
    redis = await startRedis();
    senna = await startSenna({ SOCK_REDIS_URL: redis.url, SOCK_JWT_SECRET: SECRET });
  });
  after(async () => {
    await senna?.stop();
    await redis?.stop();
  });

  test('mints a token that authenticates GET /api/', async () => {
    const before = Math.floor(Date.now() / 1000);
    const r = await runSenna(['token', '--user', '42', '--username', 'alice', '--ttl', '15m'],
      { SOCK_JWT_SECRET: SECRET });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, '');
    assert.match(r.stdout, /^[\w-]+\.[\w-]+\.[\w-]+\n$/);
    const t = r.stdout.trim();
    const claims = jwt.verify(t, SECRET, { algorithms: ['HS256'] });
    assert.deepEqual(Object.keys(claims), ['user_id', 'username', 'iat', 'exp']);
    assert.equal(claims.user_id, 42);
    assert.equal(claims.username, 'alice');
    assert.ok(claims.iat >= before && claims.iat <= before + 60);
    assert.equal(claims.exp - claims.iat, 900);
    const a = await request(`${senna.url}/api/`, { headers: { 'X-Auth-Token': t } });
    assert.equal(a.status, 200);
    assert.equal(a.json.authenticated, true);
    // A string id stays a string and authenticates too.
    const s = await runSenna(['token', '--user', 'bob_2', `--jwt-secret=${SECRET}`]);
    assert.equal(s.code, 0, s.stderr);
    assert.equal(jwt.decode(s.stdout.trim()).user_id, 'bob_2');
    const b = await request(`${senna.url}/api/`, { headers: { Authorization: `Bearer ${s.stdout.trim()}` } });
    assert.equal(b.json.authenticated, true);
  });

  test('a token for another secret is refused', async () => {
    const r = await runSenna(['token', '--user', '1'], { SOCK_JWT_SECRET: 'other-secret' });
    assert.equal(r.code, 0);
    const a = await request(`${senna.url}/api/`, { headers: { 'X-Auth-Token': r.stdout.trim() } });
    assert.equal(a.status, 401);
  });

  test('bad arguments and production are one-line errors with exit status 2', async () => {
    const cases = [
      [['token'], {}, 'senna token: --user ID is required (see senna token --help)\n'],
      [['token', '--user', '1', '--ttl', 'soon'], {},
        "senna token: --ttl 'soon' is not a duration like 30s, 15m, 1h or 7d (at most 365d)\n"],
      [['token', '--user', '1'], { SOCK_ENV: 'production', SOCK_JWT_SECRET: SECRET },
        'senna token: refusing to mint a token with SOCK_ENV=production (add --force)\n'],
      [['token', '--user', '1'], { SOCK_JWT_ALGORITHM: 'ES256' },
        'senna token: --key FILE (a PEM private key) is required for ES256\n'],
    ];
    for (const [args, env, stderr] of cases) {
      const r = await runSenna(args, env);
      assert.equal(r.code, 2, args.join(' '));
      assert.equal(r.stdout, '');
      assert.equal(r.stderr, stderr);
    }
    const forced = await runSenna(['token', '--user', '1', '--force'], { SOCK_ENV: 'production', SOCK_JWT_SECRET: SECRET });
    assert.equal(forced.code, 0, forced.stderr);
    assert.equal(jwt.verify(forced.stdout.trim(), SECRET).user_id, 1);
  });
});

describe('demo web client, on (development default)', () => {
  let redis;
  let senna;
  before(async () => {
    redis = await startRedis();
    senna = await startSenna({ SOCK_REDIS_URL: redis.url, SOCK_JWT_SECRET: SECRET });
  });
  after(async () => {
    await senna?.stop();
    await redis?.stop();
  });

  test('start-up logs the demo url and the redis endpoint without secrets', async () => {
    const m = await senna.waitForLog(/demo url=(\S+) tokens=minted/);
    assert.equal(m[1], `${senna.url}/demo`);
    // Logged just after `listening`, which is all startSenna waits for.
    await senna.waitForLog(new RegExp(`redis endpoint=redis://127\\.0\\.0\\.1:${redis.port}/0 managed=false`), 5000);
  });

  test('/demo and /demo/ serve the page; its files have their types, ETags and revalidation', async () => {
    for (const p of ['/demo', '/demo/']) {
      const r = await request(`${senna.url}${p}`);
      assert.equal(r.status, 200, p);
      assert.equal(r.headers.get('content-type'), 'text/html; charset=utf-8');
      assert.equal(r.headers.get('cache-control'), 'no-cache');
      assert.match(r.text, /<title>senna demo<\/title>/);
      assert.match(r.text, /<script src="\/demo\/socket\.io\.min\.js"><\/script>/);
    }
    const files = {
      'app.js': ['text/javascript; charset=utf-8', fs.readFileSync('web/demo/app.js')],
      'style.css': ['text/css; charset=utf-8', fs.readFileSync('web/demo/style.css')],
      'socket.io.min.js': ['text/javascript; charset=utf-8', fs.readFileSync(BUNDLE)],
      'index.html': ['text/html; charset=utf-8', fs.readFileSync('web/demo/index.html')],
    };
    for (const [name, [type, bytes]] of Object.entries(files)) {
      const res = await fetch(`${senna.url}/demo/${name}`);
      assert.equal(res.status, 200, name);
      assert.equal(res.headers.get('content-type'), type, name);
      assert.ok(Buffer.from(await res.arrayBuffer()).equals(bytes), `${name}: the embedded bytes`);
      const etag = res.headers.get('etag');
      assert.match(etag, /^"[0-9a-f]{32}"$/);
      const again = await fetch(`${senna.url}/demo/${name}`, { headers: { 'If-None-Match': etag } });
      assert.equal(again.status, 304, name);
      assert.equal(await again.text(), '');
      assert.equal(again.headers.get('etag'), etag);
    }
    assert.match(fs.readFileSync(BUNDLE, 'utf8'), /Socket\.IO v4\.8\.1/);
  });

  test('unknown demo files are 404 and writes to files are 405', async () => {
    for (const p of ['/demo/nope.js', '/demo/app.js.map', '/demo/..%2Fapp.js', '/demo/a/b']) {
      const r = await request(`${senna.url}${p}`);
      assert.equal(r.status, 404, p);
      assert.equal(r.json.code, 'NOT_FOUND');
    }
    const r = await request(`${senna.url}/demo/app.js`, { method: 'POST', body: '{}' });
    assert.equal(r.status, 405);
  });

  test('POST /demo/token signs a one-hour token senna accepts', async () => {
    const r = await request(`${senna.url}/demo/token`, { method: 'POST', body: JSON.stringify({ user_id: 1, username: 'alice' }) });
    assert.equal(r.status, 200);
    assert.deepEqual(Object.keys(r.json), ['token']);
    const claims = jwt.verify(r.json.token, SECRET, { algorithms: ['HS256'] });
    assert.equal(claims.user_id, 1);
    assert.equal(claims.username, 'alice');
    assert.equal(claims.exp - claims.iat, 3600);
    const a = await request(`${senna.url}/api/`, { headers: { 'X-Auth-Token': r.json.token } });
    assert.equal(a.json.authenticated, true);
    const s = await request(`${senna.url}/demo/token`, { method: 'POST', body: '{"user_id":"carol"}' });
    assert.equal(s.status, 200);
    assert.deepEqual(Object.keys(jwt.decode(s.json.token)), ['user_id', 'iat', 'exp']);
    assert.equal(jwt.decode(s.json.token).user_id, 'carol');
  });

  test('POST /demo/token refuses bad input with 400', async () => {
    const cases = [
      ['', 'The request body must be a JSON object'],
      ['[1]', 'The request body must be a JSON object'],
      ['{}', 'user_id (a positive integer up to 2^53-1, or a string) is required'],
      ['{"user_id":true}', 'user_id (a positive integer up to 2^53-1, or a string) is required'],
      ['{"user_id":0}', 'user_id (a positive integer up to 2^53-1, or a string) is required'],
      ['{"user_id":1.5}', 'user_id (a positive integer up to 2^53-1, or a string) is required'],
      ['{"user_id":9007199254740992}', 'user_id (a positive integer up to 2^53-1, or a string) is required'],
      ['{"user_id":"a b"}', "user id 'a b' must be a positive integer up to 2^53-1 or 1-64 characters of A-Z a-z 0-9 _ -"],
      ['{"user_id":1,"username":5}', 'username must be a string'],
    ];
    for (const [body, message] of cases) {
      const r = await request(`${senna.url}/demo/token`, { method: 'POST', body });
      assert.equal(r.status, 400, body);
      assert.deepEqual(r.json, { error: true, code: 'BAD_REQUEST', name: 'BadRequestError', message, status: 400 });
    }
  });
});

describe('demo web client, off', () => {
  test('SOCK_DEMO=false and production (by default) have no /demo routes at all', async () => {
    const redis = await startRedis();
    try {
      for (const env of [{ SOCK_DEMO: 'false' }, { SOCK_ENV: 'production' }]) {
        const senna = await startSenna({ SOCK_REDIS_URL: redis.url, SOCK_JWT_SECRET: SECRET, ...env });
        try {
          for (const p of ['/demo', '/demo/', '/demo/app.js', '/demo/socket.io.min.js']) {
            const r = await request(`${senna.url}${p}`);
            assert.equal(r.status, 404, `${JSON.stringify(env)} ${p}`);
            assert.equal(r.json.name, 'RouteNotFoundError');
          }
          const t = await request(`${senna.url}/demo/token`, { method: 'POST', body: '{"user_id":1}' });
          assert.equal(t.status, 404);
          assert.equal(t.json.name, 'RouteNotFoundError');
          assert.doesNotMatch(senna.logs, /demo url=/);
        } finally {
          await senna.stop();
        }
      }
    } finally {
      await redis.stop();
    }
  });

  test('SOCK_DEMO=true in production serves the pages but mints no tokens', async () => {
    const redis = await startRedis();
    const senna = await startSenna({ SOCK_REDIS_URL: redis.url, SOCK_JWT_SECRET: SECRET, SOCK_ENV: 'production', SOCK_DEMO: 'true' });
    try {
      assert.equal((await request(`${senna.url}/demo`)).status, 200);
      const t = await request(`${senna.url}/demo/token`, { method: 'POST', body: '{"user_id":1}' });
      assert.equal(t.status, 404);
      assert.equal(t.json.code, 'DEMO_TOKENS_DISABLED');
      await senna.waitForLog(/demo url=\S+ tokens=paste/);
    } finally {
      await senna.stop();
      await redis.stop();
    }
  });
});
