// Pub/sub bytes per instance (issue 15), driven by bench/cluster.sh: senna instances that share a
// Redis Cluster, users spread over them (user u's socket on instance u mod K, so each instance
// serves a K-th of the user rooms), SENDS direct messages between random users, each POSTed to
// the sender's instance, every recipient's `new-message` awaited; then each instance's
// `senna_adapter_received_bytes_total` and `senna_adapter_received_messages_total` (GET /metrics)
// before and after. One line per instance, and a total:
//   bytes.<label>.i<k> users=... sends=... delivered=... received_messages=... received_bytes=... bytes_per_send=...
// Counters missing from /metrics (a senna without them) are printed as "n/a".
//
//   node bench/cluster-rooms.mjs --label redis --users 300 --sends 3000 URL URL URL
import { createRequire } from 'node:module';
import { setTimeout as sleep } from 'node:timers/promises';

const require = createRequire(new URL('../tests/package.json', import.meta.url));
const { io } = require('socket.io-client');
const { sign } = require('../../shared/bench/lib/jwt.js');

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  if (i < 0) return dflt;
  const v = args[i + 1];
  args.splice(i, 2);
  return v;
};
const label = opt('label', 'run');
const users = Number(opt('users', 300));
const sends = Number(opt('sends', 3000));
const concurrency = Number(opt('concurrency', 16));
const urls = args;
if (urls.length < 1 || !(users >= 2) || !(sends >= 1)) {
  console.error('usage: node bench/cluster-rooms.mjs [--label L] [--users N] [--sends N] [--concurrency N] URL...');
  process.exit(2);
}
const K = urls.length;
const home = (u) => (u - 1) % K; // the instance that serves user u

const COUNTERS = ['senna_adapter_received_bytes_total', 'senna_adapter_received_messages_total'];
async function counters(url) {
  const text = await (await fetch(`${url}/metrics`)).text();
  const out = {};
  for (const name of COUNTERS) {
    // A counter may carry labels (one per subscriber connection): sum every line of it.
    let sum = null;
    for (const m of text.matchAll(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\d+(?:\\.\\d+)?(?:e\\+?\\d+)?)$`, 'gm'))) {
      sum = (sum ?? 0) + Number(m[1]);
    }
    out[name] = sum;
  }
  return out;
}

// One socket per user on its instance; `heard[u]` counts the new-messages user u got from others.
const heard = new Array(users + 1).fill(0);
const sockets = [];
await Promise.all(Array.from({ length: users }, (_, i) => i + 1).map((u) => new Promise((resolve, reject) => {
  const s = io(urls[home(u)], { transports: ['websocket'], forceNew: true, reconnection: false, auth: { token: sign(u) } });
  s.on('new-message', (m) => { if (Number(m?.author) !== u) heard[u]++; });
  s.once('connect', resolve);
  s.once('connect_error', (e) => reject(new Error(`user ${u}: ${e.message}`)));
  sockets.push(s);
})));
await sleep(1000); // the instances' room subscriptions (SSUBSCRIBE per room) settle

const before = await Promise.all(urls.map(counters));
const expected = new Array(users + 1).fill(0);
let next = 0;
let failed = 0;
let seed = 12345; // a fixed pseudo-random sequence: both adapters get the same sends
const rand = (n) => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed % n; };
const plan = Array.from({ length: sends }, () => {
  const a = 1 + rand(users);
  let b = 1 + rand(users - 1);
  if (b >= a) b++;
  return [a, b];
});
await Promise.all(Array.from({ length: concurrency }, async () => {
  while (next < plan.length) {
    const [a, b] = plan[next++];
    const res = await fetch(`${urls[home(a)]}/api/user/${b}`, {
      method: 'POST',
      headers: { 'X-Auth-Token': sign(a), 'Content-Type': 'application/json' },
      body: JSON.stringify({ type: 'text', text: `cluster bench ${a}->${b}` }),
    });
    await res.arrayBuffer();
    if (res.status === 201) expected[b]++;
    else failed++;
  }
}));
const deadline = Date.now() + 60000;
const delivered = () => heard.reduce((x, y) => x + y, 0);
const want = expected.reduce((x, y) => x + y, 0);
while (delivered() < want && Date.now() < deadline) await sleep(50);
await sleep(1000); // anything else in flight (the senders' own copies) arrives
const after = await Promise.all(urls.map(counters));
for (const s of sockets) s.disconnect();

const fmt = (v) => (v === null ? 'n/a' : String(v));
const total = { msgs: 0, bytes: 0, known: true };
for (let k = 0; k < K; k++) {
  const served = Array.from({ length: users }, (_, i) => i + 1).filter((u) => home(u) === k).length;
  const d = {};
  for (const name of COUNTERS) {
    d[name] = before[k][name] === null || after[k][name] === null ? null : after[k][name] - before[k][name];
  }
  const bytes = d[COUNTERS[0]];
  const msgs = d[COUNTERS[1]];
  if (bytes === null || msgs === null) total.known = false;
  else { total.bytes += bytes; total.msgs += msgs; }
  const mine = Array.from({ length: users }, (_, i) => i + 1).filter((u) => home(u) === k);
  console.log(`bytes.${label}.i${k} users=${served} sends=${sends} failed=${failed} delivered=${mine.reduce((x, u) => x + heard[u], 0)}/${mine.reduce((x, u) => x + expected[u], 0)} received_messages=${fmt(msgs)} received_bytes=${fmt(bytes)} bytes_per_send=${bytes === null ? 'n/a' : (bytes / sends).toFixed(1)}`);
}
console.log(`bytes.${label}.all instances=${K} users=${users} sends=${sends} failed=${failed} delivered=${delivered()}/${want} received_messages=${total.known ? total.msgs : 'n/a'} received_bytes=${total.known ? total.bytes : 'n/a'} bytes_per_send=${total.known ? (total.bytes / sends).toFixed(1) : 'n/a'}`);
process.exit(delivered() === want && failed === 0 ? 0 : 1);
