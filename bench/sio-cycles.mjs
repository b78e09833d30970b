// Issue 4's leak check: N Socket.IO connect/disconnect cycles against a running senna, with
// the server's resident memory sampled along the way. Closed sessions must free everything,
// so RSS after the cycles should be back near where it was after a warm-up.
//
//   node bench/sio-cycles.mjs --url http://127.0.0.1:3005 --pid PID [--cycles 100000]
//        [--concurrency 50] [--transport websocket|polling]
// Uses the socket.io-client installed for the tests (tests/node_modules). Loopback only; the
// loop is bounded by --cycles and by a 10-minute watchdog.
import fs from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(new URL('../tests/package.json', import.meta.url));
const { io } = require('socket.io-client');

const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : dflt;
};
const url = arg('url', 'http://127.0.0.1:3005');
const pid = Number(arg('pid'));
const cycles = Number(arg('cycles', 100000));
const concurrency = Number(arg('concurrency', 50));
const transport = arg('transport', 'websocket');
const token = arg('token', '');

setTimeout(() => { console.error('watchdog: 10 minutes'); process.exit(2); }, 600000).unref();

const rssKb = () => Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))[1]);
const fds = () => fs.readdirSync(`/proc/${pid}/fd`).length;

function cycle() {
  return new Promise((resolve) => {
    const s = io(url, { transports: [transport], forceNew: true, reconnection: false, auth: token ? { token } : undefined });
    const done = (ok) => { s.close(); resolve(ok); };
    s.on('connect', () => done(true));
    s.on('connect_error', () => done(false));
  });
}

async function run(n) {
  let next = 0;
  let failed = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < n) {
      next++;
      if (!(await cycle())) failed++;
    }
  }));
  return failed;
}

const settle = () => new Promise((r) => setTimeout(r, 2000));
const sample = (label, done) => console.log(`${label} cycles=${done} rss_kb=${rssKb()} fds=${fds()}`);

sample('start', 0);
const warm = Math.min(5000, cycles);
let failed = await run(warm);
await settle();
sample('warm', warm);
const t0 = Date.now();
let done = warm;
for (const mark of [0.25, 0.5, 0.75, 1]) {
  const target = Math.round(cycles * mark);
  failed += await run(target - done);
  done = target;
  await settle();
  sample('after', done);
}
const secs = (Date.now() - t0) / 1000;
console.log(`cycles=${cycles} transport=${transport} failed=${failed} cycles_per_s=${Math.round((cycles - warm) / secs)}`);
process.exit(0);
