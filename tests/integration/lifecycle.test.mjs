// Start-up, configuration errors, the managed redis-server, and shutdown, with real processes.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import jwt from 'jsonwebtoken';
import { rawExchange, request, runSenna, startRedis, startSenna, tmpDir, token } from './lib/harness.mjs';

function redisPidsFor(socketPath) {
  try {
    return execFileSync('pgrep', ['-f', `redis-server.*${socketPath}`], { encoding: 'utf8' })
      .split('\n').filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

async function waitStatus(url, want, timeoutMs = 10000) {
  const deadline = Date.now() + timeoutMs;
  let last;
  while (Date.now() < deadline) {
    last = (await request(url).catch(() => ({ status: 0 }))).status;
    if (last === want) return last;
    await sleep(50);
  }
  return last;
}

describe('configuration', () => {
  test('--help lists every variable with its default', async () => {
    const r = await runSenna(['--help']);
    assert.equal(r.code, 0);
    for (const v of ['SOCK_ENV', 'SOCK_HTTP_PORT', 'SOCK_JWT_ALGORITHM', 'SOCK_REDIS_URL', 'SOCK_THREADS',
      'SOCK_CORS_ORIGINS', 'SOCK_MAX_CONNECTIONS', 'SOCK_API_SESSION_FAIL_OPEN', 'SOCK_HTTP_REQUEST_TIMEOUT_MS']) {
      assert.ok(r.stdout.includes(`(${v})`), v);
    }
  });

  test('an invalid value stops start-up with one line naming the variable', async () => {
    const cases = [
      [{ SOCK_HTTP_PORT: '70000' }, "senna: SOCK_HTTP_PORT: '70000' is out of range (0-65535)\n"],
      [{ SOCK_THREADS: 'many' }, "senna: SOCK_THREADS: 'many' is not a number\n"],
      [{ SOCK_JWT_ALGORITHM: 'HS257' }, "senna: SOCK_JWT_ALGORITHM: unknown algorithm 'HS257' (HS256, HS384, HS512, RS256, RS384, RS512, ES256, ES384, EdDSA)\n"],
      [{ SOCK_JWT_ALGORITHM: 'RS256', SOCK_JWT_PUBLIC_KEY: '/nonexistent.pem' }, "senna: SOCK_JWT_PUBLIC_KEY: '/nonexistent.pem' cannot be read\n"],
      [{ SOCK_ENV: 'production' }, 'senna: SOCK_JWT_SECRET: refusing to start: SOCK_ENV=production with the default secret\n'],
    ];
    for (const [env, line] of cases) {
      const r = await runSenna([], env);
      assert.equal(r.code, 1, JSON.stringify(env));
      assert.equal(r.stderr, line);
    }
    const flag = await runSenna(['--http-port', 'abc']);
    assert.equal(flag.stderr, "senna: SOCK_HTTP_PORT: 'abc' is not a number\n");
  });

  test('a PEM that is not a key of the pinned algorithm stops start-up', async () => {
    const dir = tmpDir();
    const file = path.join(dir, 'garbage.pem');
    fs.writeFileSync(file, '-----BEGIN PUBLIC KEY-----\nnope\n-----END PUBLIC KEY-----\n');
    const r = await runSenna([], { SOCK_JWT_ALGORITHM: 'ES256', SOCK_JWT_PUBLIC_KEY: file });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^senna: SOCK_JWT_PUBLIC_KEY: not a usable public key for ES256/);
    fs.rmSync(dir, { recursive: true });
  });
});

describe('the listening port', () => {
  // SO_REUSEPORT lets the shards of one senna share the port, and would let a second senna of
  // the same user join it silently and take half of its connections (issue 17).
  test('a second senna on a port a running senna holds refuses to start, with one clear line', async () => {
    const redis = await startRedis();
    const first = await startSenna({ SOCK_REDIS_URL: redis.url, SOCK_THREADS: '2' });
    const port = new URL(first.url).port;
    try {
      const r = await runSenna([], { SOCK_REDIS_URL: redis.url, SOCK_HTTP_PORT: port, SOCK_HTTP_HOST: '127.0.0.1' });
      assert.equal(r.code, 1);
      assert.equal(r.stderr, `senna: SOCK_HTTP_PORT: another process already listens on http://127.0.0.1:${port} ` +
        '(is senna already running?): stop it or choose another port\n');
      // The first one still answers every connection.
      for (let i = 0; i < 8; i++) assert.equal((await request(`${first.url}/healthz`)).status, 200);
    } finally {
      await first.stop();
    }
    // Once it is gone, a senna (two shards sharing the port) starts on that port at once.
    const again = await startSenna({ SOCK_REDIS_URL: redis.url, SOCK_HTTP_PORT: port, SOCK_THREADS: '2' });
    try {
      assert.equal(again.url, `http://127.0.0.1:${port}`);
      assert.equal((await request(`${again.url}/healthz`)).status, 200);
    } finally {
      await again.stop();
      await redis.stop();
    }
  });
});

describe('tokens of every algorithm, signed by npm jsonwebtoken', () => {
  const kinds = {
    RS256: ['rsa', { modulusLength: 2048 }], RS384: ['rsa', { modulusLength: 2048 }], RS512: ['rsa', { modulusLength: 2048 }],
    ES256: ['ec', { namedCurve: 'P-256' }], ES384: ['ec', { namedCurve: 'P-384' }],
  };
  for (const alg of ['HS384', 'HS512', ...Object.keys(kinds)]) {
    test(alg, async () => {
      const redis = await startRedis();
      const dir = tmpDir();
      let env = { SOCK_REDIS_URL: redis.url, SOCK_JWT_ALGORITHM: alg, SOCK_THREADS: '1' };
      let signKey = 'another-long-secret';
      if (kinds[alg]) {
        const { publicKey, privateKey } = crypto.generateKeyPairSync(...kinds[alg]);
        fs.writeFileSync(path.join(dir, 'pub.pem'), publicKey.export({ type: 'spki', format: 'pem' }));
        env = { ...env, SOCK_JWT_PUBLIC_KEY: path.join(dir, 'pub.pem') };
        signKey = privateKey;
      } else {
        env = { ...env, SOCK_JWT_SECRET: signKey };
      }
      const senna = await startSenna(env);
      try {
        const good = jwt.sign({ user_id: 'alice_01' }, signKey, { algorithm: alg });
        assert.equal((await request(`${senna.url}/api/`, { headers: { 'X-Auth-Token': good } })).json.authenticated, true);
        const hs = token({ user_id: 1 });
        assert.equal((await request(`${senna.url}/api/`, { headers: { 'X-Auth-Token': hs } })).status, 401, 'HS256 refused when another algorithm is pinned');
      } finally {
        await senna.stop();
        await redis.stop();
        fs.rmSync(dir, { recursive: true });
      }
    });
  }
});

describe('managed redis-server', () => {
  test('starts, is restarted when killed with what it acknowledged, and is stopped with senna', async () => {
    const dataDir = tmpDir('senna-data-');
    const senna = await startSenna({ SOCK_DATA_DIR: dataDir });
    const socket = path.join(dataDir, 'redis.sock');
    const as = token({ user_id: 51 });
    const post = (text) => request(`${senna.url}/api/user/52`, {
      method: 'POST', headers: { 'X-Auth-Token': as, 'Content-Type': 'application/json' }, body: JSON.stringify({ type: 'text', text }),
    });
    const history = async () => (await request(`${senna.url}/api/user/52?per_page=100`, { headers: { 'X-Auth-Token': as } })).json;
    try {
      // Logged just after `listening`, which is all startSenna waits for.
      await senna.waitForLog(new RegExp(`redis endpoint=unix://${socket} managed=true`), 5000);
      assert.equal(await waitStatus(`${senna.url}/readyz`, 200), 200);
      const [pid] = redisPidsFor(socket);
      assert.ok(pid > 0, 'a redis-server serves the data dir');
      assert.ok(fs.existsSync(path.join(dataDir, 'redis.log')), 'its log is in the data dir');
      assert.ok(fs.readdirSync(dataDir).some((f) => f.startsWith('appendonly')), 'append-only file on');
      const acked = [];
      for (let i = 0; i < 20; i++) {
        const res = await post(`kept-${i}`);
        assert.equal(res.status, 201);
        acked.push(res.json.entry);
      }
      // appendfsync everysec: what was acknowledged a second ago is in the file.
      await sleep(1000);

      const mark = senna.logs.length;
      process.kill(pid, 'SIGKILL');
      assert.equal(await waitStatus(`${senna.url}/readyz`, 503, 3000), 503);
      assert.equal(await waitStatus(`${senna.url}/readyz`, 200, 10000), 200, 'senna restarted it');
      const [again] = redisPidsFor(socket);
      assert.ok(again > 0 && again !== pid);
      assert.match(senna.logs, /managed_redis_died how="signal 9"/);
      // Each shard has its own connection, back after its own reconnect backoff.
      for (let i = 0; i < 200 && !['shard-0', 'shard-1'].every((n) => senna.logs.includes(`redis_connected name=${n} `, mark)); i++) await sleep(50);
      const after = await post('after');
      assert.equal(after.status, 201);
      const h = await history();
      assert.equal(h.state.total, 21);
      assert.deepEqual(h.messages.map(({ author, ...m }) => ({ ...m, author: author.id })), [...acked, after.json.entry]);
    } finally {
      const r = await senna.stop('SIGTERM');
      assert.deepEqual(r, { code: 0, signal: null });
      assert.deepEqual(redisPidsFor(socket), [], 'no redis-server left behind');
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });

  test('a second senna on the same data dir refuses to start', async () => {
    const dataDir = tmpDir('senna-data-');
    const first = await startSenna({ SOCK_DATA_DIR: dataDir });
    try {
      const r = await runSenna([], { SOCK_DATA_DIR: dataDir, SOCK_HTTP_PORT: '0', SOCK_HTTP_HOST: '127.0.0.1' });
      assert.equal(r.code, 1);
      assert.match(r.stderr, /SOCK_DATA_DIR: a redis-server already serves/);
    } finally {
      await first.stop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe('shutdown', () => {
  test('SIGTERM closes idle keep-alive connections and exits 0 promptly', async () => {
    const redis = await startRedis();
    const senna = await startSenna({ SOCK_REDIS_URL: redis.url });
    try {
      const idle = rawExchange(senna.url, 'GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n', { timeoutMs: 10000 });
      await sleep(200);
      const started = Date.now();
      const r = await senna.stop('SIGTERM');
      assert.deepEqual(r, { code: 0, signal: null });
      assert.ok(Date.now() - started < 3000, 'drained quickly');
      const conn = await idle;
      assert.match(conn.data, /^HTTP\/1\.1 200 OK/);
      assert.ok(conn.closed && conn.ms < 5000);
      assert.match(senna.logs, /shutdown signal=15/);
      assert.match(senna.logs, /stopped/);
    } finally {
      await senna.stop();
      await redis.stop();
    }
  });

  test('SIGINT works too, and a senna that never got a request exits 0', async () => {
    const redis = await startRedis();
    const senna = await startSenna({ SOCK_REDIS_URL: redis.url });
    assert.deepEqual(await senna.stop('SIGINT'), { code: 0, signal: null });
    await redis.stop();
  });

  test('more connections than SOCK_MAX_CONNECTIONS are refused, the others keep working', async () => {
    const redis = await startRedis();
    const senna = await startSenna({ SOCK_REDIS_URL: redis.url, SOCK_MAX_CONNECTIONS: '3', SOCK_THREADS: '1' });
    try {
      const held = [1, 2, 3].map(() => rawExchange(senna.url, 'GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n', { timeoutMs: 1500 }));
      await sleep(300);
      const refused = await rawExchange(senna.url, 'GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n', { timeoutMs: 1000 });
      assert.equal(refused.data, '');
      assert.ok(refused.closed);
      for (const h of await Promise.all(held)) assert.match(h.data, /^HTTP\/1\.1 200 OK/);
      await sleep(100);
      assert.equal((await request(`${senna.url}/healthz`)).status, 200, 'serving again once below the limit');
    } finally {
      await senna.stop();
      await redis.stop();
    }
  });
});
