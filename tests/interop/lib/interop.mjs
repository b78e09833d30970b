// Shared pieces of the interop tests: a senna that can be restarted on the same port with the
// same Redis, python client processes (Debian's /usr/bin/python3 with python3-socketio and
// python3-websocket) talked to over JSON lines, and small waiting helpers. Every process
// started here is killed when the test process ends, whatever happens.
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort, request, startRedis, startSenna, until } from '../../integration/lib/harness.mjs';

export { until };

export const PYTHON = process.env.INTEROP_PYTHON || '/usr/bin/python3'; // Debian's, not a pyenv one
const PY_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'py');

const children = new Set();
function killAll() {
  for (const c of children) {
    try { process.kill(-c.pid, 'SIGKILL'); } catch { /* gone */ }
  }
}
process.on('exit', killAll);
for (const [sig, n] of [['SIGTERM', 15], ['SIGINT', 2], ['SIGHUP', 1]]) {
  process.on(sig, () => { killAll(); process.exit(128 + n); });
}

/** The settings every interop senna runs with: payloads up to the Engine.IO limit. */
export const LARGE_ENV = {
  SOCK_MAX_TEXT_LENGTH: '1000000', // a 900,000-character text is a valid message
  SOCK_SIO_MAX_EVENT_BYTES: '0', // only SOCK_EIO_MAX_PAYLOAD (1,000,000) bounds a packet
  SOCK_RATE_SEND_PER_SEC: '0',
  SOCK_RATE_EVENTS_PER_SEC: '0',
};

/**
 * A redis-server and a senna on a fixed free port; restart() stops senna with SIGTERM and
 * starts it again on the same port with the same Redis.
 */
export async function startStack(env = {}) {
  const redis = await startRedis();
  const port = await freePort();
  const fullEnv = { SOCK_REDIS_URL: redis.url, SOCK_HTTP_PORT: String(port), ...LARGE_ENV, ...env };
  const stack = {
    redis,
    port,
    url: `http://127.0.0.1:${port}`,
    senna: await startSenna(fullEnv),
    /** SIGTERM; resolves to how long senna took to exit, in ms. */
    async stopSenna() {
      const t0 = Date.now();
      const r = await stack.senna.stop('SIGTERM', 30000);
      return { ms: Date.now() - t0, ...r };
    },
    async startSenna() {
      for (let i = 0; ; i++) {
        try {
          stack.senna = await startSenna(fullEnv);
          return stack.senna;
        } catch (e) {
          if (i >= 20) throw e;
          await sleep(100); // the port may still be held for a moment
        }
      }
    },
    async restart({ downMs = 300 } = {}) {
      const stopped = await stack.stopSenna();
      await sleep(downMs);
      await stack.startSenna();
      return stopped;
    },
    async stop() {
      await stack.senna?.stop('SIGTERM', 15000);
      await redis.stop();
    },
  };
  return stack;
}

export const api = (base, p, { as, method = 'GET', body } = {}) =>
  request(`${base}${p}`, {
    method,
    headers: { ...(as ? { 'X-Auth-Token': as } : {}), ...(body ? { 'Content-Type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });

/** Sends a text message to a topic over REST; resolves to the stored entry. */
export async function postTopic(base, as, topic, text) {
  const r = await api(base, `/api/topic/${topic}`, { as, method: 'POST', body: { type: 'text', text } });
  if (r.status !== 201) throw new Error(`POST /api/topic/${topic}: ${r.status} ${r.text}`);
  return r.json.entry;
}


/** What the python scripts report for a long string or bytes. */
export function digest(v) {
  const buf = Buffer.isBuffer(v) ? v : Buffer.from(v, 'utf8');
  return { [Buffer.isBuffer(v) ? '$bytes' : '$str']: Buffer.isBuffer(v) ? v.length : v.length,
    sha256: crypto.createHash('sha256').update(buf).digest('hex') };
}

/** The bytes the python scripts make for {"$bytes": n}: i % 251. */
export function pattern(n) {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = i % 251;
  return b;
}

/**
 * Runs tests/interop/py/<script> with `opts` (JSON in argv[1]); `.lines` collects the JSON
 * lines it prints, `.next(pred)` waits for one, `.cmd(obj)` sends a command with an id and
 * resolves to its reply.
 */
export function spawnPython(script, opts) {
  const child = spawn(PYTHON, [path.join(PY_DIR, script), JSON.stringify(opts)], {
    stdio: ['pipe', 'pipe', 'pipe'], detached: true, env: { PATH: '/usr/bin:/bin', PYTHONUNBUFFERED: '1' },
  });
  children.add(child);
  const proc = {
    child,
    lines: [],
    stderr: '',
    exited: new Promise((resolve) => child.on('exit', (code, signal) => { children.delete(child); resolve({ code, signal }); })),
    waiters: [],
    nextId: 1,
    /** Waits for a line (one not seen by an earlier next()) matching `pred`. */
    next(pred, timeoutMs = 10000, what = 'a line') {
      const p = typeof pred === 'string' ? (l) => l.type === pred : pred;
      const i = proc.lines.findIndex((l) => !l.taken && p(l));
      if (i >= 0) { proc.lines[i].taken = true; return Promise.resolve(strip(proc.lines[i])); }
      return new Promise((resolve, reject) => {
        const t = setTimeout(() => {
          proc.waiters = proc.waiters.filter((w) => w !== waiter);
          reject(new Error(`${script}: no ${typeof pred === 'string' ? pred : what} within ${timeoutMs} ms; got:\n` +
            `${proc.lines.map((l) => JSON.stringify(strip(l)).slice(0, 300)).join('\n')}\nstderr:\n${proc.stderr.slice(-3000)}`));
        }, timeoutMs);
        const waiter = { p, resolve: (l) => { clearTimeout(t); resolve(l); } };
        proc.waiters.push(waiter);
      });
    },
    cmd(obj, timeoutMs = 15000) {
      const id = proc.nextId++;
      child.stdin.write(JSON.stringify({ id, ...obj }) + '\n');
      return proc.next((l) => l.type === 'reply' && l.id === id, timeoutMs, `reply ${id}`);
    },
    async kill() {
      try { process.kill(-child.pid, 'SIGKILL'); } catch { /* gone */ }
      await proc.exited;
    },
  };
  const strip = (l) => { const { taken, ...rest } = l; return rest; };
  readline.createInterface({ input: child.stdout }).on('line', (text) => {
    let l;
    try { l = JSON.parse(text); } catch { l = { type: 'garbage', text }; }
    const w = proc.waiters.find((x) => x.p(l));
    if (w) { l.taken = true; proc.waiters = proc.waiters.filter((x) => x !== w); w.resolve(strip(l)); }
    proc.lines.push(l);
  });
  child.stderr.on('data', (d) => { proc.stderr += d; });
  child.stdin.on('error', () => {});
  return proc;
}
