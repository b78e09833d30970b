// Redis memory of connection state recovery (issue 14): what a live socket's session, a
// disconnected socket's session and one logged event cost in the Redis that senna uses.
//
//   node bench/recovery-memory.mjs --url http://127.0.0.1:PORT --redis-port RPORT \
//        [--sockets 2000] [--messages 5000] [--prefix senna-sockets]
//
// Against a running senna (recovery on, abuse limits off) and its private redis-server (TCP).
// Opens `sockets` sockets (one user each, each in one topic), reads used_memory and the
// session keys' MEMORY USAGE; drops them all at once (their transport closes: kept for the
// window) and reads again; then sends `messages` DMs over REST (two log entries each: one per
// participant's room) and reads the stream's MEMORY USAGE and length. Prints one line per
// measure.
import net from 'node:net';
import { createRequire } from 'node:module';

const require = createRequire(new URL('../tests/package.json', import.meta.url));
const { io } = require('socket.io-client');
const jwt = require('jsonwebtoken');

const args = Object.fromEntries(process.argv.slice(2).reduce((acc, a, i, all) =>
  (a.startsWith('--') ? [...acc, [a.slice(2), all[i + 1]]] : acc), []));
const url = args.url;
const rport = Number(args['redis-port']);
const N = Number(args.sockets ?? 2000);
const M = Number(args.messages ?? 5000);
const prefix = args.prefix ?? 'senna-sockets';
const secret = process.env.SOCK_JWT_SECRET ?? 'scene-passage-love-rhyme';
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function redis(...cmd) {
  return new Promise((resolve, reject) => {
    const s = net.connect(rport, '127.0.0.1');
    let data = '';
    s.on('connect', () => s.write(`*${cmd.length}\r\n${cmd.map((c) => `$${Buffer.byteLength(String(c))}\r\n${c}\r\n`).join('')}`));
    s.on('data', (d) => {
      data += d;
      if (data.endsWith('\r\n') && (!data.startsWith('*') || data.split('\r\n').length > 2 * Number(data.slice(1, data.indexOf('\r'))))) {
        s.end();
        resolve(data);
      }
    });
    s.on('error', reject);
  });
}
const usedMemory = async () => Number((await redis('INFO', 'memory')).match(/used_memory:(\d+)/)[1]);
const int = (reply) => Number(reply.slice(1));

async function sessionKeyBytes() {
  const keys = (await redis('KEYS', `${prefix}:sio:session:*`)).split('\r\n').filter((l) => l.startsWith(prefix));
  let total = 0;
  for (const k of keys.slice(0, 200)) total += int(await redis('MEMORY', 'USAGE', k, 'SAMPLES', '0'));
  return { count: keys.length, avg: Math.round(total / Math.min(keys.length, 200)) };
}

await redis('DEL', prefix);
const before = await usedMemory();
const sockets = [];
for (let i = 0; i < N; i++) {
  const s = io(url, { transports: ['websocket'], forceNew: true, reconnection: false,
    auth: { token: jwt.sign({ user_id: 700000 + i }, secret) } });
  sockets.push(s);
  if (i % 200 === 199) await sleep(200);
}
while (!sockets.every((s) => s.connected)) await sleep(100);
await Promise.all(sockets.map((s) => s.timeout(20000).emitWithAck('join-topic', { id: 'memory' })));
await sleep(1000);
const live = await usedMemory();
const liveKeys = await sessionKeyBytes();
console.log(`live sockets=${N} used_memory_delta_per_socket=${Math.round((live - before) / N)} session_key_usage=${liveKeys.avg} keys=${liveKeys.count}`);

// The transport closes under them (not a namespace disconnect): each session is kept.
for (const s of sockets) s.io.engine.close();
await sleep(3000);
const closed = await usedMemory();
const closedKeys = await sessionKeyBytes();
console.log(`disconnected sockets=${N} used_memory_delta_per_socket=${Math.round((closed - before) / N)} session_key_usage=${closedKeys.avg} keys=${closedKeys.count} ttl_ms=${int(await redis('PTTL', (await redis('KEYS', `${prefix}:sio:session:*`)).split('\r\n').find((l) => l.startsWith(prefix))))}`);

const streamBefore = await usedMemory();
const sender = jwt.sign({ user_id: 1 }, secret);
for (let i = 0; i < M; i++) {
  const r = await fetch(`${url}/api/user/${2 + (i % 50)}`, { method: 'POST',
    headers: { 'X-Auth-Token': sender, 'Content-Type': 'application/json' },
    body: JSON.stringify({ type: 'text', text: `a message of about sixty bytes, number ${i}` }) });
  if (r.status !== 201) throw new Error(`send ${r.status}`);
}
const entries = int(await redis('XLEN', prefix));
const streamUsage = int(await redis('MEMORY', 'USAGE', prefix, 'SAMPLES', '0'));
console.log(`log messages=${M} entries=${entries} stream_memory_usage=${streamUsage} bytes_per_entry=${Math.round(streamUsage / entries)} used_memory_delta_per_message_incl_chat_data=${Math.round(((await usedMemory()) - streamBefore) / M)}`);
process.exit(0);
