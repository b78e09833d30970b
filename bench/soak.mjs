// The soak's load and its samples (issue 8); bench/soak.sh builds senna, starts it with a private
// redis-server, runs this, and plots the CSV. Against a running senna:
//
//   node bench/soak.mjs --url http://127.0.0.1:PORT --pid SENNA_PID --minutes 30 --csv out.csv
//        [--sockets 300] [--rest-rate 60] [--churn 10]
//
// For --minutes it keeps a mixed load going:
//   REST   --rest-rate operations/s: DM and topic sends, history and inbox reads, edits (text and
//          "seen") and deletes of messages sent earlier;
//   sockets --sockets socket.io-client sockets (two thirds WebSocket, one third default options,
//          i.e. polling then upgrade), each joined to one or two of 10 topics; every 10 s
//          --churn of them disconnect and are replaced by new ones; they also send messages
//          over `send-message` and emit `typing`.
// Every send that succeeded (201 or an ok ack) is checked 5 s later: every socket that was
// connected to one of its rooms (user-<a>, user-<b>, topic-<t>, joined before the send) and is
// still connected must have got its new-message; one that did not is a lost delivery.
// Every 10 s a CSV line: senna's RSS (VmRSS) and open fds (/proc/PID/fd), its Engine.IO
// sessions and HTTP connections (/metrics), and cumulative counts of operations and errors.
// A progress line every minute; a verdict at the end (exit 1 when it fails). SIGINT/SIGTERM
// stop the load early and still print the verdict.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import { setTimeout as sleep } from 'node:timers/promises';

const require = createRequire(new URL('../tests/package.json', import.meta.url));
const { io } = require('socket.io-client');
const jwt = require('jsonwebtoken');

const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : dflt;
};
const url = arg('url');
const pid = Number(arg('pid'));
const minutes = Number(arg('minutes', 30));
const csvPath = arg('csv', 'soak.csv');
const socketCount = Number(arg('sockets', 300));
const restRate = Number(arg('rest-rate', 60));
const churn = Number(arg('churn', 10));
const secret = arg('secret', 'scene-passage-love-rhyme');
if (!url || !pid) {
  console.error('usage: node bench/soak.mjs --url URL --pid PID [--minutes N] [--csv FILE]');
  process.exit(2);
}

const USERS = 200;
const TOPICS = 10;
const SAMPLE_MS = 10000;
const CHECK_AFTER_MS = 5000;
const tokens = Array.from({ length: USERS + 1 }, (_, id) => jwt.sign({ user_id: id, username: `soak-${id}` }, secret));
const rnd = (n) => Math.floor(Math.random() * n);
const user = () => 1 + rnd(USERS);
const other = (me) => { let u; do u = user(); while (u === me); return u; };

const counts = {
  rest_ok: 0, rest_errors: 0, acks_ok: 0, ack_errors: 0, deliveries: 0, lost_deliveries: 0,
  connects: 0, connect_errors: 0, unexpected_disconnects: 0, typing_received: 0,
};
const errorSamples = []; // the first few errors, for the report
const noteError = (what) => { if (errorSamples.length < 20) errorSamples.push(`${new Date().toISOString()} ${what}`); };

// ---- sockets -------------------------------------------------------------------------------
let nextSocketId = 0;
const live = new Set(); // connected sockets

function openSocket() {
  const me = user();
  const websocket = nextSocketId % 3 !== 2;
  const s = io(url, {
    forceNew: true, reconnection: false, timeout: 10000, auth: { token: tokens[me] },
    ...(websocket ? { transports: ['websocket'] } : {}),
  });
  s.soak = { id: nextSocketId++, user: me, since: Infinity, topics: new Map(), got: new Map(), leaving: false };
  s.on('connect', async () => {
    counts.connects++;
    s.soak.since = Date.now();
    live.add(s);
    const wanted = new Set([1 + rnd(TOPICS), 1 + rnd(TOPICS)]);
    for (const t of wanted) {
      try {
        const a = await s.timeout(10000).emitWithAck('join-topic', { id: t });
        if (a?.ok) s.soak.topics.set(t, Date.now());
        else { counts.ack_errors++; noteError(`join-topic ack ${JSON.stringify(a)}`); }
      } catch (e) {
        if (!s.soak.leaving) { counts.ack_errors++; noteError(`join-topic: ${e.message}`); }
      }
    }
  });
  s.on('connect_error', (e) => {
    counts.connect_errors++;
    noteError(`connect_error: ${e.message}`);
    replace(s);
  });
  s.on('disconnect', (reason) => {
    live.delete(s);
    s.soak.gone = Date.now();
    if (!s.soak.leaving) {
      counts.unexpected_disconnects++;
      noteError(`disconnect: ${reason}`);
      replace(s);
    }
  });
  s.on('new-message', (m) => { s.soak.got.set(m.id, Date.now()); });
  s.on('typing', () => { counts.typing_received++; });
  return s;
}

const all = new Set();
function replace(s) {
  if (!all.delete(s)) return;
  s.soak.leaving = true;
  s.close();
  if (running) all.add(openSocket());
}

// ---- deliveries ----------------------------------------------------------------------------
const pending = []; // { id, at, rooms: {users: [a, b]} | {topic} }

function expectDelivery(entry, chat, from) {
  const at = Date.now();
  pending.push({ id: entry.id, at, users: chat.type === 'user' ? [from, Number(chat.id)] : null, topic: chat.type === 'topic' ? Number(chat.id) : null });
}

function checkDeliveries(force = false) {
  const now = Date.now();
  while (pending.length && (force || now - pending[0].at >= CHECK_AFTER_MS)) {
    const p = pending.shift();
    for (const s of all) {
      const k = s.soak;
      const member = p.users ? p.users.includes(k.user) : (k.topics.get(p.topic) ?? Infinity) < p.at - 50;
      // Connected before the send (with a margin for the join) and still connected now.
      const eligible = member && k.since < p.at - 50 && live.has(s);
      if (k.got.delete(p.id)) counts.deliveries++;
      else if (eligible) {
        counts.lost_deliveries++;
        noteError(`lost delivery of ${p.id} to socket ${k.id} (user ${k.user})`);
      }
    }
  }
  for (const s of all) for (const [id, t] of s.soak.got) if (now - t > 60000) s.soak.got.delete(id);
}

// ---- REST ----------------------------------------------------------------------------------
const sentBy = new Map(); // user -> [{ id, chat }] recent messages they sent (for edits/deletes)

function remember(me, id, path) {
  const list = sentBy.get(me) ?? [];
  list.push({ id, path });
  if (list.length > 20) list.shift();
  sentBy.set(me, list);
}

async function call(method, path, as, body) {
  try {
    const res = await fetch(`${url}${path}`, {
      method,
      headers: { 'X-Auth-Token': tokens[as], ...(body ? { 'Content-Type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
      signal: AbortSignal.timeout(10000),
    });
    const text = await res.text();
    if (res.status >= 200 && res.status < 300) {
      counts.rest_ok++;
      return JSON.parse(text);
    }
    // A delete/edit racing another delete of the same message is a legitimate 404.
    if (res.status === 404 && (method === 'DELETE' || (method === 'POST' && path.split('/').length === 5))) {
      counts.rest_ok++;
      return null;
    }
    counts.rest_errors++;
    noteError(`${method} ${path}: ${res.status} ${text.slice(0, 120)}`);
  } catch (e) {
    counts.rest_errors++;
    noteError(`${method} ${path}: ${e.message}`);
  }
  return null;
}

async function restOp() {
  const me = user();
  const x = Math.random();
  if (x < 0.30) {
    const to = other(me);
    const r = await call('POST', `/api/user/${to}`, me, { type: 'text', text: `dm ${me}->${to} ${Date.now()}` });
    if (r) { expectDelivery(r.entry, { type: 'user', id: to }, me); remember(me, r.entry.id, `/api/user/${to}`); }
  } else if (x < 0.45) {
    const t = 1 + rnd(TOPICS);
    const r = await call('POST', `/api/topic/${t}`, me, { type: 'text', text: `topic ${t} from ${me} ${Date.now()}` });
    if (r) { expectDelivery(r.entry, { type: 'topic', id: t }, me); remember(me, r.entry.id, `/api/topic/${t}`); }
  } else if (x < 0.65) {
    await call('GET', Math.random() < 0.5 ? `/api/user/${other(me)}` : `/api/topic/${1 + rnd(TOPICS)}?per_page=20`, me);
  } else if (x < 0.80) {
    await call('GET', '/api/list', me);
  } else if (x < 0.92) {
    const mine = sentBy.get(me);
    if (!mine?.length) return;
    const m = mine[rnd(mine.length)];
    await call('POST', `${m.path}/${m.id}`, me, { text: `edited ${Date.now()}` });
  } else {
    const mine = sentBy.get(me);
    if (!mine?.length) return;
    const m = mine.splice(rnd(mine.length), 1)[0];
    await call('DELETE', `${m.path}/${m.id}`, me);
  }
}

async function socketOp() {
  const sockets = [...live];
  if (!sockets.length) return;
  const s = sockets[rnd(sockets.length)];
  const me = s.soak.user;
  const topic = Math.random() < 0.3;
  const to = topic ? { type: 'topic', id: 1 + rnd(TOPICS) } : { type: 'user', id: other(me) };
  try {
    if (Math.random() < 0.5) {
      const a = await s.timeout(10000).emitWithAck('send-message', { to, type: 'text', text: `socket ${me} ${Date.now()}` });
      if (a?.ok) {
        counts.acks_ok++;
        expectDelivery(a.entry, to, me);
        remember(me, a.entry.id, `/api/${to.type}/${to.id}`);
      } else { counts.ack_errors++; noteError(`send-message ack ${JSON.stringify(a)}`); }
    } else {
      const a = await s.timeout(10000).emitWithAck('typing', { to });
      if (a?.ok) counts.acks_ok++;
      else { counts.ack_errors++; noteError(`typing ack ${JSON.stringify(a)}`); }
    }
  } catch (e) {
    if (!s.soak.leaving && live.has(s)) { counts.ack_errors++; noteError(`socket op: ${e.message}`); }
  }
}

// ---- sampling ------------------------------------------------------------------------------
const readRss = () => Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))[1]);
const readFds = () => fs.readdirSync(`/proc/${pid}/fd`).length;
const metric = (text, re) => { const m = re.exec(text); return m ? Number(m[1]) : 0; };
const COLUMNS = ['elapsed_s', 'rss_kb', 'fds', 'eio_websocket', 'eio_polling', 'http_connections', 'client_sockets',
  'rest_ok', 'rest_errors', 'acks_ok', 'ack_errors', 'deliveries', 'lost_deliveries', 'connects', 'connect_errors',
  'unexpected_disconnects', 'errors'];
const samples = [];
const started = Date.now();
const totalErrors = () => counts.rest_errors + counts.ack_errors + counts.lost_deliveries + counts.connect_errors + counts.unexpected_disconnects;

let sennaGone = false;

async function sample() {
  let rss;
  let fds;
  try {
    rss = readRss();
    fds = readFds();
  } catch {
    if (!sennaGone) console.log(`soak: senna (pid ${pid}) is gone`);
    sennaGone = true;
    running = false;
    return samples[samples.length - 1];
  }
  let m = '';
  try { m = await (await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(5000) })).text(); } catch { /* counted below */ }
  const row = {
    elapsed_s: Math.round((Date.now() - started) / 1000), rss_kb: rss, fds,
    eio_websocket: metric(m, /^senna_engineio_sessions\{transport="websocket"\} (\d+)$/m),
    eio_polling: metric(m, /^senna_engineio_sessions\{transport="polling"\} (\d+)$/m),
    http_connections: metric(m, /^senna_http_open_connections (\d+)$/m),
    client_sockets: live.size, ...counts, errors: totalErrors(),
  };
  samples.push(row);
  fs.appendFileSync(csvPath, `${COLUMNS.map((c) => row[c]).join(',')}\n`);
  return row;
}

// ---- main ----------------------------------------------------------------------------------
let running = true;
const stopEarly = () => { if (running) { console.log('soak: stopping early'); running = false; } };
process.on('SIGINT', stopEarly);
process.on('SIGTERM', stopEarly);

fs.writeFileSync(csvPath, `${COLUMNS.join(',')}\n`);
const endAt = started + minutes * 60000;
console.log(`soak: ${minutes} min against ${url} (pid ${pid}): ${socketCount} sockets, ${restRate} REST ops/s, churn ${churn} per 10 s`);

// Connect gradually, then keep the load going until the end.
for (let i = 0; i < socketCount && running; i++) {
  all.add(openSocket());
  if (i % 20 === 19) await sleep(100);
}
await sample();

const workers = [];
let restTokens = 0;
let socketTokens = 0;
const ticker = setInterval(() => { restTokens += restRate / 10; socketTokens += restRate / 30; }, 100);
const pump = async (take, op) => {
  while (running && Date.now() < endAt) {
    if (take()) await op();
    else await sleep(10);
  }
};
for (let i = 0; i < 16; i++) workers.push(pump(() => restTokens >= 1 && restTokens-- >= 1, restOp));
for (let i = 0; i < 4; i++) workers.push(pump(() => socketTokens >= 1 && socketTokens-- >= 1, socketOp));

let lastProgress = Date.now();
let lastSample = Date.now();
let lastChurn = Date.now();
while (running && Date.now() < endAt) {
  await sleep(250);
  restTokens = Math.min(restTokens, restRate); // no burst after a stall
  socketTokens = Math.min(socketTokens, restRate);
  checkDeliveries();
  if (Date.now() - lastChurn >= 10000) {
    lastChurn = Date.now();
    const sockets = [...live];
    for (let i = 0; i < churn && sockets.length; i++) replace(sockets.splice(rnd(sockets.length), 1)[0]);
  }
  if (Date.now() - lastSample >= SAMPLE_MS) {
    lastSample += SAMPLE_MS;
    const row = await sample();
    if (row && Date.now() - lastProgress >= 60000) {
      lastProgress += 60000;
      console.log(`soak: ${Math.round(row.elapsed_s / 60)} min  rss ${(row.rss_kb / 1024).toFixed(1)} MB  fds ${row.fds}  sockets ${row.client_sockets} (senna: ${row.eio_websocket} ws, ${row.eio_polling} polling)  rest ${row.rest_ok}  acks ${row.acks_ok}  deliveries ${row.deliveries}  errors ${row.errors}`);
    }
  }
}
running = false;
clearInterval(ticker);
await Promise.all(workers);
await sleep(CHECK_AFTER_MS + 500); // the last deliveries are checked too
checkDeliveries(true);
await sample();
for (const s of all) { s.soak.leaving = true; s.close(); }

// ---- verdict -------------------------------------------------------------------------------
if (!samples.length) { console.log('soak: no sample taken'); process.exit(1); }
const last = samples[samples.length - 1];
const warmS = Math.min(120, last.elapsed_s / 2);
const warm = samples.find((r) => r.elapsed_s >= warmS) ?? samples[0];
const rssGrowth = last.rss_kb - warm.rss_kb;
const rssLimit = Math.max(8 * 1024, warm.rss_kb * 0.1);
// fds follow the number of connected sockets, which churn moves; compare per open connection.
const fdSlack = churn + 16;
const fdsGrowth = (last.fds - last.eio_websocket - last.eio_polling) - (warm.fds - warm.eio_websocket - warm.eio_polling);
const verdict = [
  [`RSS after warm-up (${warm.elapsed_s} s) ${warm.rss_kb} KB, at the end ${last.rss_kb} KB: ${rssGrowth >= 0 ? '+' : ''}${rssGrowth} KB`, rssGrowth <= rssLimit, `limit +${Math.round(rssLimit)} KB`],
  [`fds after warm-up ${warm.fds} (${warm.eio_websocket + warm.eio_polling} sessions), at the end ${last.fds} (${last.eio_websocket + last.eio_polling} sessions): ${fdsGrowth >= 0 ? '+' : ''}${fdsGrowth} beyond the sessions`, fdsGrowth <= fdSlack, `limit +${fdSlack}`],
  ['senna ran to the end', !sennaGone, 'it must not exit'],
  [`errors ${last.errors} (REST ${last.rest_errors}, acks ${last.ack_errors}, lost deliveries ${last.lost_deliveries}, connect errors ${last.connect_errors}, unexpected disconnects ${last.unexpected_disconnects})`, last.errors === 0, 'none allowed'],
];
console.log(`soak: done after ${(last.elapsed_s / 60).toFixed(1)} min: REST ${last.rest_ok} ok, socket acks ${last.acks_ok} ok, deliveries ${last.deliveries}, typing received ${counts.typing_received}, connects ${last.connects}`);
for (const [text, ok, rule] of verdict) console.log(`soak: ${ok ? 'ok  ' : 'FAIL'} ${text} (${rule})`);
if (errorSamples.length) console.log(`soak: first errors:\n  ${errorSamples.join('\n  ')}`);
const pass = verdict.every(([, ok]) => ok);
console.log(`soak: verdict ${pass ? 'PASS' : 'FAIL'}; samples in ${csvPath}`);
process.exit(pass ? 0 : 1);
