// The goals of issue 6 from one bench/compare.sh run: reads the harness's raw result lines
// ("A 1 rest.send.c64 rps=… p99_ms=…", A = senna, B = the Node peer, one line per repetition)
// and redis-limit.sh's lines, takes the median per side, and prints each goal with its ratio.
//   node bench/goals.mjs RAW.txt REDIS_LIMIT.txt
import { readFileSync } from 'node:fs';

const [rawFile, limitFile] = process.argv.slice(2);
if (!rawFile) {
  console.error('usage: node bench/goals.mjs RAW.txt [REDIS_LIMIT.txt]');
  process.exit(2);
}
const parse = (line) => Object.fromEntries(
  line.split(/\s+/).filter((w) => w.includes('=')).map((w) => w.split('=')).map(([k, v]) => [k, Number(v)]));
const median = (xs) => {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  return s.length ? (s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2) : NaN;
};

const runs = {}; // name -> side -> [metrics]
for (const line of readFileSync(rawFile, 'utf8').split('\n')) {
  const m = line.match(/^([AB]) (\d+) (\S+) (.*)$/);
  if (!m) continue;
  ((runs[m[3]] ??= { A: [], B: [] })[m[1]]).push(parse(m[4]));
}
const get = (name, side, key) => median((runs[name]?.[side] ?? []).map((r) => r[key]));
const spread = (name, side, key) => {
  const xs = (runs[name]?.[side] ?? []).map((r) => r[key]).filter(Number.isFinite);
  if (xs.length < 2) return '';
  return ` (spread ${Math.round(((Math.max(...xs) - Math.min(...xs)) / median(xs)) * 100)}%)`;
};
const first = (re) => Object.keys(runs).filter((n) => re.test(n)).sort((a, b) => {
  const num = (s) => Number((s.match(/(\d+)$/) ?? [0, 0])[1]);
  return num(b) - num(a);
});

let limit = NaN;
if (limitFile) {
  for (const line of readFileSync(limitFile, 'utf8').split('\n'))
    if (line.startsWith('redis.send_multi.c50.p1 ')) limit = parse(line).sends_per_s;
}

const rows = [];
const fmt = (x, d = 1) => (Number.isFinite(x) ? (Math.abs(x) >= 100 ? Math.round(x).toString() : x.toFixed(d)) : '-');
const row = (goal, senna, node, ratio, target, met) =>
  rows.push([goal, senna, node, ratio, target, met === undefined ? '-' : met ? 'met' : 'NOT met']);

const send = first(/^rest\.send\.c\d+$/)[0];
if (send) {
  const a = get(send, 'A', 'rps'), b = get(send, 'B', 'rps');
  row(`${send} rps`, fmt(a) + spread(send, 'A', 'rps'), fmt(b) + spread(send, 'B', 'rps'), `${fmt(a / b)}x the peer`, '');
  row(`${send} rps / redis MULTI p1 (${fmt(limit)}/s)`, fmt(a / limit, 2), fmt(b / limit, 3), '', '>= 0.50', a / limit >= 0.5);
  const pa = get(send, 'A', 'p99_ms'), pb = get(send, 'B', 'p99_ms');
  row(`${send} p99 ms`, fmt(pa, 2), fmt(pb), `peer/senna ${fmt(pb / pa)}`, '>= 10', pb / pa >= 10);
  const ca = get(send, 'A', 'srv_cpu_us_per_req'), cb = get(send, 'B', 'srv_cpu_us_per_req');
  row('server CPU per send, us', fmt(ca) + spread(send, 'A', 'srv_cpu_us_per_req'), fmt(cb), `peer/senna ${fmt(cb / ca)}`, '<= 60 us', ca <= 60);
  row('Redis commands per send', fmt(get(send, 'A', 'redis_cmds_per_req'), 2), fmt(get(send, 'B', 'redis_cmds_per_req'), 2), '', '');
}
for (const kind of ['history', 'list']) {
  const name = first(new RegExp(`^rest\\.${kind}\\.c\\d+$`))[0];
  if (!name) continue;
  const a = get(name, 'A', 'rps'), b = get(name, 'B', 'rps');
  row(`${name} rps`, fmt(a) + spread(name, 'A', 'rps'), fmt(b) + spread(name, 'B', 'rps'), `${fmt(a / b)}x`, '>= 20x', a / b >= 20);
}
const deliveries = Object.keys(runs).filter((n) => n.startsWith('rt.delivery.'))
  .sort((x, y) => Number(x.split('.r')[1]) - Number(y.split('.r')[1]));
deliveries.forEach((name, i) => {
  const rate = Number(name.split('.r').pop());
  const pa = get(name, 'A', 'p99_ms'), pb = get(name, 'B', 'p99_ms');
  const la = get(name, 'A', 'lost'), lb = get(name, 'B', 'lost');
  const sa = get(name, 'A', 'skipped'), sb = get(name, 'B', 'skipped');
  if (i === 0) {
    row(`${name} p99 ms (lost)`, `${fmt(pa, 2)} (${fmt(la, 0)})`, `${fmt(pb)} (${fmt(lb, 0)})`, `peer/senna ${fmt(pb / pa)}`, '>= 5, 0 lost', pb / pa >= 5 && la === 0);
  } else {
    row(`${name} p99 ms (lost, skipped)`, `${fmt(pa, 2)} (${fmt(la, 0)}, ${fmt(sa, 0)})`, `${fmt(pb)} (${fmt(lb, 0)}, ${fmt(sb, 0)})`, `${fmt(rate / 500)}x the peer's saturation`, 'p99 < 50 ms, 0 lost', pa < 50 && la === 0 && sa === 0);
  }
  row(`${name} server CPU per message, us`, fmt(get(name, 'A', 'srv_cpu_us_per_msg')), fmt(get(name, 'B', 'srv_cpu_us_per_msg')), '', '');
});
for (const name of Object.keys(runs).filter((n) => n.startsWith('rt.fanout.')).sort()) {
  const a = get(name, 'A', 'deliveries_per_s'), b = get(name, 'B', 'deliveries_per_s');
  row(`${name} deliveries/s (lost)`, `${fmt(a)} (${fmt(get(name, 'A', 'lost'), 0)})`, `${fmt(b)} (${fmt(get(name, 'B', 'lost'), 0)})`, `${fmt(a / b)}x`, '>= 10x at saturation', undefined);
  const ca = get(name, 'A', 'srv_cpu_us_per_delivery'), cb = get(name, 'B', 'srv_cpu_us_per_delivery');
  row(`${name} server CPU per delivery, us`, fmt(ca, 2), fmt(cb, 2), `peer/senna ${fmt(cb / ca)}`, '>= 10 (the capacity ratio)', cb / ca >= 10);
  row(`${name} p99 ms`, fmt(get(name, 'A', 'p99_ms'), 2), fmt(get(name, 'B', 'p99_ms')), '', '');
}
for (const name of Object.keys(runs).filter((n) => n.startsWith('rt.idle.'))) {
  const a = get(name, 'A', 'bytes_per_conn'), b = get(name, 'B', 'bytes_per_conn');
  row(`${name} bytes per idle WebSocket`, fmt(a) + spread(name, 'A', 'bytes_per_conn'), fmt(b), `peer/senna ${fmt(b / a)}`, '<= 1536', a <= 1536);
  row(`${name} server CPU per connect, us`, fmt(get(name, 'A', 'connect_cpu_us_per_conn')), fmt(get(name, 'B', 'connect_cpu_us_per_conn')), '', '');
}

const head = ['measure', 'senna', 'node peer', 'ratio', 'goal', 'verdict'];
const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
const line = (r) => '| ' + r.map((c, i) => String(c).padEnd(widths[i])).join(' | ') + ' |';
console.log(line(head));
console.log('| ' + widths.map((w) => '-'.repeat(w)).join(' | ') + ' |');
for (const r of rows) console.log(line(r));
