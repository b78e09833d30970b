// Test harness: starts real processes (redis-server on a free port, the senna binary on port 0)
// and stops every one of them. Nothing here mocks Redis or HTTP.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import jwt from 'jsonwebtoken';

export const SENNA_BIN = process.env.SENNA_BIN || path.resolve('build/asan/senna');
export const DEFAULT_SECRET = 'scene-passage-love-rhyme';

/**
 * SENNA_TEST_REDIS=cluster1: every redis-server a test starts is a one-node Redis Cluster
 * (`--cluster-enabled yes`, all 16384 slots), which enforces the cluster's rules (a script or
 * MULTI whose keys span slots fails with CROSSSLOT) while senna's single-node connection talks
 * to it unchanged, and every senna runs with SOCK_REDIS_LAYOUT=cluster
 * (docs/adr/0012-cluster-key-layout.md). SENNA_TEST_REDIS=cluster: every throwaway Redis is a
 * real 3-master + 3-replica cluster (startCluster) reached through senna's cluster client
 * (docs/adr/0013-redis-cluster-client.md), in the cluster layout too. Unset: a plain
 * redis-server, the seed layout.
 */
export const TEST_REDIS = process.env.SENNA_TEST_REDIS || 'single';
if (!['single', 'cluster1', 'cluster'].includes(TEST_REDIS)) throw new Error(`SENNA_TEST_REDIS=${TEST_REDIS}: single, cluster1 or cluster`);
export const LAYOUT = TEST_REDIS === 'single' ? 'seed' : 'cluster';

/**
 * The Redis key that SPEC §4 names `<prefix>:messages:<domain>:<name>` ("dm:1-2:data",
 * "inbox:2", "instance:*"...), in the layout under test (chat/keys.cpp's names, kept in step
 * by tests/unit/chat/keys_test.cpp): tests assert exact keys through this one helper.
 */
export function redisKey(name, { prefix = 'senna-sockets', domain = 'myplatform', layout = LAYOUT } = {}) {
  const base = `${prefix}:messages:`;
  if (layout === 'seed') return `${base}${domain}:${name}`;
  let m = /^((?:dm|topic):[^:]+)(.*)$/.exec(name);
  if (m) return `${base}{${domain}:${m[1]}}${m[2]}`;
  m = /^(inbox|activity|profile|presence|status):([^:]+)$/.exec(name);
  if (m) return `${base}{${domain}:user:${m[2]}}:${m[1]}`;
  if (name === 'instances') return `${base}{${domain}:instances}`;
  if (name === 'presence-grace') return `${base}{${domain}:instances}:grace`;
  if (name.startsWith('instance:')) return `${base}{${domain}:instances}:${name}`;
  m = /^(webhooks|moderation)(?::(.*))?$/.exec(name);
  if (m && m[1] === 'webhooks') return `${base}{${domain}:webhooks}${m[2] ? `:${m[2]}` : ''}`;
  if (m && m[2]) return `${base}{${domain}:moderation}:${m[2]}`;
  throw new Error(`redisKey: no cluster name for ${name}`);
}

const live = new Set(); // every child still running, killed on exit whatever happens
function killAll() {
  for (const child of live) {
    try { process.kill(-child.pid, 'SIGKILL'); } catch { /* already gone */ }
  }
}
process.on('exit', killAll);
// A test file whose test failed with handles still open is ended by the runner with a signal,
// and 'exit' does not run on a signal: redis-servers were seen left behind that way.
for (const [sig, n] of [['SIGTERM', 15], ['SIGINT', 2], ['SIGHUP', 1]]) {
  process.on(sig, () => {
    killAll();
    process.exit(128 + n);
  });
}

export function tmpDir(prefix = 'senna-test-') {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export async function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/**
 * One RESP command over a fresh connection; resolves to the raw reply text. On a Redis Cluster
 * node (a number target) a `-MOVED slot host:port` reply is followed, so tests read a key
 * wherever it lives (SENNA_TEST_REDIS=cluster).
 */
export async function redisCommand(target, ...args) {
  let reply = await redisCommandOnce(target, ...args);
  for (let hops = 0; hops < 3 && typeof target === 'number' && reply.startsWith('-MOVED '); hops++) {
    target = Number(reply.trim().split(' ')[2].split(':').pop());
    reply = await redisCommandOnce(target, ...args);
  }
  return reply;
}

function redisCommandOnce(target, ...args) {
  return new Promise((resolve, reject) => {
    const sock = typeof target === 'number' ? net.connect(target, '127.0.0.1') : net.connect(target);
    const payload = `*${args.length}\r\n` + args.map((a) => `$${Buffer.byteLength(String(a))}\r\n${a}\r\n`).join('');
    let data = '';
    const timer = setTimeout(() => { sock.destroy(); reject(new Error('redis timeout')); }, 2000);
    sock.on('connect', () => sock.write(payload));
    sock.on('data', (d) => {
      data += d;
      if (data.endsWith('\r\n')) { clearTimeout(timer); sock.end(); resolve(data); }
    });
    sock.on('error', (e) => { clearTimeout(timer); reject(e); });
  });
}

// A one-node cluster: every slot given to the node (kept in its nodes.conf across a restart on
// the same dir), then cluster_state:ok.
async function clusterReady(port, deadline) {
  const info = await redisCommand(port, 'CLUSTER', 'INFO');
  if (!info.includes('cluster_slots_assigned:16384')) await redisCommand(port, 'CLUSTER', 'ADDSLOTSRANGE', 0, 16383);
  while (Date.now() < deadline) {
    if ((await redisCommand(port, 'CLUSTER', 'INFO')).includes('cluster_state:ok')) return true;
    await sleep(20);
  }
  return false;
}

function track(child) {
  live.add(child);
  child.on('exit', () => live.delete(child));
  return child;
}

function exited(child) {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', resolve));
}

/**
 * A private redis-server on a free TCP port; stop() kills it (SIGKILL). Without `dir` it keeps
 * nothing; with `dir` it keeps an append-only file there, fsynced on every write, so a
 * restart on the same dir has every acknowledged write. `args` go to redis-server after the
 * others (`['--maxmemory', '4mb']`); relative paths in them are inside its directory (`.dir`).
 * `cluster` (default: SENNA_TEST_REDIS=cluster1) makes it a one-node Redis Cluster.
 */
export async function startRedis({ port, dir: keepDir, args = [], cluster: clustered = TEST_REDIS === 'cluster1' } = {}) {
  // SENNA_TEST_REDIS=cluster: every test that asks for a throwaway Redis gets a 3+3 cluster.
  if (TEST_REDIS === 'cluster' && !port && !keepDir) return startCluster({ args });
  for (let attempt = 0; attempt < 5; attempt++) {
    const p = port ?? (await freePort());
    const dir = keepDir ?? tmpDir('senna-redis-');
    const persistence = keepDir ? ['--appendonly', 'yes', '--appendfsync', 'always'] : ['--appendonly', 'no'];
    const cluster = clustered ? ['--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf'] : [];
    const child = track(spawn('redis-server', ['--port', String(p), '--bind', '127.0.0.1', '--save', '',
      ...persistence, '--dir', dir, ...cluster, ...args], { stdio: 'ignore', detached: true }));
    const deadline = Date.now() + 5000;
    while (Date.now() < deadline && child.exitCode === null) {
      try {
        if ((await redisCommand(p, 'PING')).startsWith('+PONG') && (!cluster.length || await clusterReady(p, deadline))) {
          return {
            port: p,
            url: `redis://127.0.0.1:${p}/0`,
            pid: child.pid,
            dir,
            async stop() {
              try { process.kill(child.pid, 'SIGKILL'); } catch { /* gone */ }
              await exited(child);
              if (!keepDir) fs.rmSync(dir, { recursive: true, force: true });
            },
          };
        }
      } catch { /* not yet */ }
      await sleep(20);
    }
    try { process.kill(child.pid, 'SIGKILL'); } catch { /* gone */ }
    await exited(child);
    if (port) break; // a fixed port was asked for: do not wander
  }
  throw new Error('redis-server did not start');
}

/**
 * A private Redis Cluster: `masters` masters with `replicas` replicas each (3 + 3), every node a
 * redis-server on a free port with its own directory, joined by `redis-cli --cluster create`,
 * resolved once every node says cluster_state:ok. `.url` is its redis+cluster:// URL (seeds:
 * every node), `.port` a node's port for redisCommand (which follows MOVED), `.ports` all of
 * them; stop() kills every node and removes their directories. A small cluster-node-timeout
 * keeps failovers short.
 */
export async function startCluster({ masters = 3, replicas = 1, nodeTimeout = 1000, args = [] } = {}) {
  const nodes = [];
  const stop = async () => {
    await Promise.all(nodes.map((n) => n.stop()));
  };
  try {
    for (let i = 0; i < masters * (1 + replicas); i++) {
      nodes.push(await startRedis({ port: await freePort(), cluster: false, args: ['--cluster-enabled', 'yes',
        '--cluster-config-file', 'nodes.conf', '--cluster-node-timeout', String(nodeTimeout),
        // A replica's first sync starts at once, not after the default 5 s delay.
        '--repl-diskless-sync-delay', '0', ...args] }));
    }
    const cli = track(spawn('redis-cli', ['--cluster', 'create', ...nodes.map((n) => `127.0.0.1:${n.port}`),
      '--cluster-replicas', String(replicas), '--cluster-yes'], { stdio: ['ignore', 'pipe', 'pipe'], detached: true }));
    let out = '';
    cli.stdout.on('data', (d) => { out += d; });
    cli.stderr.on('data', (d) => { out += d; });
    const t = setTimeout(() => { try { process.kill(-cli.pid, 'SIGKILL'); } catch { /* gone */ } }, 60000);
    await exited(cli);
    clearTimeout(t);
    if (cli.exitCode !== 0) throw new Error(`redis-cli --cluster create failed:\n${out}`);
    await until(async () => {
      for (const n of nodes) {
        if (!(await redisCommandOnce(n.port, 'CLUSTER', 'INFO')).includes('cluster_state:ok')) return false;
      }
      return true;
    }, 20000, 'cluster_state:ok on every node');
    // A replica that has not synced yet refuses to fail over (its data is "too old"): wait for
    // every replication link.
    await until(async () => {
      for (const n of nodes) {
        const info = await redisCommandOnce(n.port, 'INFO', 'replication');
        if (info.includes('role:slave') && !info.includes('master_link_status:up')) return false;
      }
      return true;
    }, 20000, 'every replica in sync');
  } catch (e) {
    await stop();
    throw e;
  }
  return {
    port: nodes[0].port,
    ports: nodes.map((n) => n.port),
    url: `redis+cluster://${nodes.map((n) => `127.0.0.1:${n.port}`).join(',')}`,
    cluster: true,
    nodes,
    stop,
  };
}

/**
 * Starts senna on 127.0.0.1 with a free port. `env` adds SOCK_* variables. Resolves once it
 * logs where it listens. Its log lines are in `.logs`.
 */
export async function startSenna(env = {}, { args = [], expectListen = true } = {}) {
  const child = track(spawn(SENNA_BIN, args, {
    env: { PATH: process.env.PATH, ASAN_OPTIONS: process.env.ASAN_OPTIONS, UBSAN_OPTIONS: process.env.UBSAN_OPTIONS,
      TSAN_OPTIONS: process.env.TSAN_OPTIONS,
      SOCK_HTTP_HOST: '127.0.0.1', SOCK_HTTP_PORT: '0', SOCK_THREADS: '2', SOCK_REDIS_LAYOUT: LAYOUT, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  }));
  const senna = {
    child,
    logs: '',
    stdout: '',
    url: null,
    get pid() { return child.pid; },
    async stop(signal = 'SIGTERM', timeoutMs = 15000) {
      if (child.exitCode !== null || child.signalCode !== null) return { code: child.exitCode, signal: child.signalCode };
      try { process.kill(child.pid, signal); } catch { /* gone */ }
      const t = setTimeout(() => { try { process.kill(-child.pid, 'SIGKILL'); } catch { /* gone */ } }, timeoutMs);
      await exited(child);
      clearTimeout(t);
      return { code: child.exitCode, signal: child.signalCode };
    },
    exited: () => exited(child),
    /** Waits until a log line matches `re`; returns the match. */
    async waitForLog(re, timeoutMs = 10000) {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        const m = senna.logs.match(re);
        if (m) return m;
        await sleep(20);
      }
      throw new Error(`no log line matching ${re} in:\n${senna.logs}`);
    },
  };
  child.stderr.on('data', (d) => { senna.logs += d; });
  child.stdout.on('data', (d) => { senna.stdout += d; });
  if (!expectListen) return senna;
  const started = await Promise.race([
    senna.waitForLog(/listening url=(http:\/\/\S+)/, 20000),
    exited(child).then(() => null),
  ]);
  if (!started) throw new Error(`senna exited with ${child.exitCode} before listening:\n${senna.logs}`);
  senna.url = started[1];
  return senna;
}

/** Runs senna to completion (for --help and start-up errors). */
export async function runSenna(args, env = {}) {
  const s = await startSenna(env, { args, expectListen: false });
  const t = setTimeout(() => { try { process.kill(-s.pid, 'SIGKILL'); } catch { /* gone */ } }, 15000);
  await s.exited();
  clearTimeout(t);
  return { code: s.child.exitCode, stdout: s.stdout, stderr: s.logs };
}

export function token(claims = { user_id: 42 }, secret = DEFAULT_SECRET, options = {}) {
  return jwt.sign(claims, secret, { algorithm: 'HS256', ...options });
}

/** fetch with a timeout; resolves to { status, headers, text, json }. */
export async function request(url, { method = 'GET', headers = {}, body, timeoutMs = 5000 } = {}) {
  const res = await fetch(url, { method, headers, body, signal: AbortSignal.timeout(timeoutMs) });
  const text = await res.text();
  let json;
  try { json = JSON.parse(text); } catch { json = undefined; }
  return { status: res.status, headers: res.headers, text, json };
}

/**
 * Writes `chunks` on one raw TCP connection (a string, or an array sent with `gapMs` between
 * them) and collects everything the server sends until it closes or `timeoutMs` passes.
 */
export function rawExchange(baseUrl, chunks, { gapMs = 0, timeoutMs = 5000 } = {}) {
  const { hostname, port } = new URL(baseUrl);
  return new Promise((resolve) => {
    const started = Date.now();
    const sock = net.connect(Number(port), hostname);
    let data = '';
    let closed = false;
    const finish = () => resolve({ data, closed, ms: Date.now() - started });
    const timer = setTimeout(() => { sock.destroy(); finish(); }, timeoutMs);
    sock.on('data', (d) => { data += d; });
    sock.on('close', () => { closed = true; clearTimeout(timer); finish(); });
    sock.on('error', () => {});
    sock.on('connect', async () => {
      for (const c of Array.isArray(chunks) ? chunks : [chunks]) {
        if (closed || sock.destroyed) return;
        sock.write(c);
        if (gapMs) await sleep(gapMs);
      }
    });
  });
}

/** Polls `fn` every 25 ms until it returns something truthy (that value), or throws after
    `timeoutMs`, naming `what`. */
export async function until(fn, timeoutMs = 5000, what = 'condition') {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}
