// Bytes of Redis memory per stored message (issue 20): how to size maxmemory. Starts a fresh
// redis-server (no persistence) and senna on free ports, sends messages through REST, and
// divides the growth of INFO memory's used_memory (what maxmemory is compared with) by their
// number. Two layouts: one long DM (the marginal cost of a message) and many DMs of 10
// messages each (with each chat's own keys and both inbox entries). Also MEMORY USAGE of the
// chat keys, which leaves out Redis's own buffers.
//
//   SENNA_BIN=build/release/senna node bench/redis-memory.mjs [--messages 20000] [--length 100]
//
// Needs the tests' npm packages (scripts/install-deps.sh). Any build of senna measures the
// same: the bytes are Redis's.
import { request, startRedis, startSenna, token } from '../tests/integration/lib/harness.mjs';
import { redis as rcmd } from '../tests/integration/lib/resp.mjs';

const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const messages = arg('messages', 20000);
const length = arg('length', 100);
const P = 'senna-sockets:messages:myplatform';
const CONCURRENCY = 16;

const usedMemory = async (port) => Number(/used_memory:(\d+)/.exec(await rcmd(port, 'INFO', 'memory'))[1]);

/** Sends `count` messages, `sender(i)` saying from whom to whom, CONCURRENCY at a time. */
async function sendAll(url, count, sender) {
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < count; i = next++) {
      const { from, to } = sender(i);
      const text = `${String(i).padStart(8, '0')}${'x'.repeat(length - 8)}`;
      const res = await request(`${url}/api/user/${to}`, {
        method: 'POST',
        headers: { 'X-Auth-Token': from, 'Content-Type': 'application/json' },
        body: JSON.stringify({ type: 'text', text }),
        timeoutMs: 30000,
      });
      if (res.status !== 201) throw new Error(`send ${i}: ${res.status} ${res.text}`);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
}

async function keysMemory(port, pattern) {
  let total = 0;
  let cursor = '0';
  do {
    const [c, keys] = await rcmd(port, 'SCAN', cursor, 'MATCH', pattern, 'COUNT', 1000);
    cursor = c;
    for (const k of keys) total += Number(await rcmd(port, 'MEMORY', 'USAGE', k, 'SAMPLES', 0));
  } while (cursor !== '0');
  return total;
}

async function measure(name, count, sender, warmUp) {
  const r = await startRedis();
  // The write limit would refuse most of these sends (docs/limits.md).
  const senna = await startSenna({ SOCK_REDIS_URL: r.url, SOCK_RATE_SEND_PER_SEC: '0' });
  try {
    if (warmUp) await sendAll(senna.url, 1, warmUp); // the chat and inboxes exist before counting
    await new Promise((res) => setTimeout(res, 500));
    const before = await usedMemory(r.port);
    const keysBefore = await keysMemory(r.port, `${P}:*`);
    const started = Date.now();
    await sendAll(senna.url, count, sender);
    await new Promise((res) => setTimeout(res, 1500)); // client buffers drained
    const after = await usedMemory(r.port);
    const keysAfter = await keysMemory(r.port, `${P}:*`);
    const stored = Number(await rcmd(r.port, 'EVAL', `local n = 0 for _, k in ipairs(redis.call('KEYS', ARGV[1])) do n = n + redis.call('LLEN', k) end return n`, 0, `${P}:dm:*[0-9]`));
    console.log(`${name}: ${count} messages of ${length} characters (${stored} stored in all) in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    console.log(`  used_memory ${before} -> ${after}: ${((after - before) / count).toFixed(0)} bytes per message`);
    console.log(`  MEMORY USAGE of the chat keys ${keysBefore} -> ${keysAfter}: ${((keysAfter - keysBefore) / count).toFixed(0)} bytes per message`);
  } finally {
    await senna.stop();
    await r.stop();
  }
}

const alice = token({ user_id: 1, username: 'alice' });
await measure('one DM', messages, () => ({ from: alice, to: 2 }), () => ({ from: alice, to: 2 }));
// Chats of 10 messages: user 1 writes to users 2, 3, ... (each DM has its list, its hash and
// an entry in both inboxes).
await measure('DMs of 10 messages', messages, (i) => ({ from: alice, to: 2 + Math.floor(i / 10) }));
