// A chat write leaves out its PUBLISHes while nobody else listens to the adapter's channels
// (SOCK_ADAPTER=redis, docs/adr/0014-unheard-publications.md): the write's script counts the
// listeners itself (PUBSUB NUMSUB) before it writes anything, so a senna instance or a Node
// socket.io server on @socket.io/redis-adapter that starts later hears the very first write
// after it subscribed; connection state recovery's log entries are written either way; a
// pattern subscriber that is neither is found by the probe, each heartbeat.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { api, closeAll, reconnecting, once } from './lib/clients.mjs';
import { LAYOUT, startRedis, startSenna, token, until } from './lib/harness.mjs';
import { startNodePeer } from './lib/peers.mjs';
import { redis as rcmd } from './lib/resp.mjs';

const STREAM = 'senna-sockets';
const OFFSET = /^[0-9]+-[0-9]+$/;
const alice = token({ user_id: 1, username: 'alice' });
const bob = token({ user_id: 2, username: 'bob' });
// A beat a minute: between the instances' probes, only the write's own check can notice anyone.
const SLOW = { SOCK_PRESENCE_HEARTBEAT_MS: '60000' };

const entries = async (port) => Number(await rcmd(port, 'XLEN', STREAM));

async function send(base, text) {
  const r = await api(base, '/api/user/2', { as: alice, method: 'POST', body: { type: 'text', text } });
  assert.equal(r.status, 201, r.text);
  return r.json.entry;
}

// A raw subscriber: `command` SUBSCRIBE or PSUBSCRIBE, then `.got` holds the channel of each
// message it receives. A PSUBSCRIBE of the adapter's pattern is a listener senna does not count
// (a Node adapter also SUBSCRIBEs its request channel); a SUBSCRIBE of a room's channel is
// invisible to senna and watches that room's PUBLISHes (not the probes, on a room of their own).
function listen(port, command, ...names) {
  // One RESP push from the start of `buf` ('latin1': a character a byte), as [items, rest]
  // (bulk strings as strings, integers as numbers), or null while incomplete.
  const take = (buf) => {
    let at = buf.indexOf('\r\n');
    if (buf[0] !== '*' || at < 0) return null;
    const items = [];
    for (let n = Number(buf.slice(1, at)), i = at + 2; n > 0; n--) {
      const end = buf.indexOf('\r\n', i);
      if (end < 0) return null;
      if (buf[i] === ':') { items.push(Number(buf.slice(i + 1, end))); i = end + 2; } else {
        const len = Number(buf.slice(i + 1, end));
        if (buf.length < end + 2 + len + 2) return null;
        items.push(buf.slice(end + 2, end + 2 + len));
        i = end + 2 + len + 2;
      }
      at = i;
    }
    return [items, buf.slice(at)];
  };
  return new Promise((resolve, reject) => {
    const sock = net.connect(port, '127.0.0.1');
    sock.got = [];
    let buf = '';
    let confirmed = 0;
    sock.on('data', (d) => {
      buf += d.toString('latin1');
      for (let t; (t = take(buf));) {
        const [items, rest] = t;
        buf = rest;
        if (items[0] === 'message') sock.got.push(items[1]);
        else if (items[0] === 'pmessage') sock.got.push(items[2]);
        else if (++confirmed === names.length) resolve(sock);
      }
    });
    sock.on('error', reject);
    sock.write(`*${names.length + 1}\r\n$${command.length}\r\n${command}\r\n` +
      names.map((n) => `$${Buffer.byteLength(n)}\r\n${n}\r\n`).join(''));
  });
}
const ROOMS = ['senna-sockets#/#user-1#', 'senna-sockets#/#user-2#'];

// The PUBLISHes `watch` saw on the DM's rooms since `from`: a marker published after the write
// reaches it after anything the write published.
const MARKER = 'senna-test-marker';
async function published(port, watch, from) {
  const markers = () => watch.got.filter((c) => c === MARKER).length;
  const n = markers();
  await rcmd(port, 'PUBLISH', MARKER, 'x');
  await until(() => markers() === n + 1, 3000, 'the marker');
  return watch.got.slice(from).filter((c) => ROOMS.includes(c));
}

// Not in the cluster layout: there every write publishes after the chat's script (ADR 0012), and
// on a Redis Cluster PUBSUB NUMSUB counts one node's subscribers only (ADR 0013, 0014).
describe('publishing only when someone else listens', { skip: LAYOUT === 'cluster' && 'the cluster layout publishes every write' }, () => {
  let r;
  let watch;
  before(async () => {
    r = await startRedis();
    watch = await listen(r.port, 'SUBSCRIBE', ...ROOMS, MARKER);
  });
  after(async () => { closeAll(); watch?.destroy(); await r?.stop(); });

  test('a lone instance publishes nothing but logs; a senna started later hears its first write', async () => {
    const one = await startSenna({ SOCK_REDIS_URL: r.url, ...SLOW });
    let two;
    try {
      await one.waitForLog(/adapter_listeners alone=true/);
      const w0 = watch.got.length;
      const e0 = await entries(r.port);
      await send(one.url, 'alone');
      assert.deepEqual(await published(r.port, watch, w0), [], 'no PUBLISH while nobody else listens');
      assert.equal(await entries(r.port), e0 + 2, 'the log entry of each room of the DM, still');

      two = await startSenna({ SOCK_REDIS_URL: r.url, ...SLOW });
      const b2 = reconnecting(two.url, bob);
      await once(b2, 'connect', 10000);
      const w1 = watch.got.length;
      const heard = await send(one.url, 'heard');
      await until(() => b2.got.length === 1, 5000, 'the write reaches the instance started later');
      assert.equal(b2.got[0].event, 'new-message');
      assert.deepEqual(b2.got[0].args[0], { ...heard, chat: { type: 'user', id: 1 } });
      assert.match(b2.got[0].args[1], OFFSET, 'with its log entry id as offset');
      assert.deepEqual((await published(r.port, watch, w1)).sort(), ROOMS, 'one PUBLISH per room of the DM');
      assert.equal(await entries(r.port), e0 + 4);
      // Refused first, then made with its PUBLISHes: stored once.
      const history = await api(one.url, '/api/user/2', { as: alice });
      assert.deepEqual(history.json.messages.map((m) => m.text), ['alone', 'heard']);

      const again = await send(one.url, 'again');
      await until(() => b2.got.length === 2, 5000, 'the next write too');
      assert.equal(b2.got[1].args[0].id, again.id);
    } finally {
      closeAll();
      await two?.stop();
      await one.stop();
    }
  });

  test('a Node socket.io server on @socket.io/redis-adapter started later hears the first write', async () => {
    const one = await startSenna({ SOCK_REDIS_URL: r.url, ...SLOW });
    let node;
    try {
      await one.waitForLog(/adapter_listeners alone=true/);
      node = await startNodePeer(r.url, { adapter: 'redis' });
      const b = reconnecting(node.url, bob);
      await once(b, 'connect', 10000);
      const sent = await send(one.url, 'to node');
      await until(() => b.got.length === 1, 5000, 'the Node server delivers it');
      assert.equal(b.got[0].event, 'new-message');
      assert.deepEqual(b.got[0].args[0], { ...sent, chat: { type: 'user', id: 1 } });
    } finally {
      closeAll();
      await node?.stop();
      await one.stop();
    }
  });

  test('a pattern subscriber nobody counts is found by the probe, and heard until it goes', async () => {
    const one = await startSenna({ SOCK_REDIS_URL: r.url, SOCK_PRESENCE_HEARTBEAT_MS: '200' });
    let raw;
    try {
      await one.waitForLog(/adapter_listeners alone=true/);
      raw = await listen(r.port, 'PSUBSCRIBE', 'senna-sockets#/#*');
      await one.waitForLog(/adapter_listeners alone=false instances=1 adapters=0 unregistered=true/);
      await send(one.url, 'overheard');
      await until(() => raw.got.includes(ROOMS[1]), 3000, 'the raw listener hears the write');
      raw.destroy();
      raw = null;
      await until(() => (one.logs.match(/adapter_listeners alone=true/g) ?? []).length === 2, 5000, 'alone again');
      const w0 = watch.got.length;
      await send(one.url, 'quiet');
      assert.deepEqual(await published(r.port, watch, w0), []);
    } finally {
      raw?.destroy();
      await one.stop();
    }
  });

  test('SOCK_ADAPTER_SKIP_UNHEARD=0 publishes every write', async () => {
    const one = await startSenna({ SOCK_REDIS_URL: r.url, SOCK_ADAPTER_SKIP_UNHEARD: '0', ...SLOW });
    try {
      const w0 = watch.got.length;
      await send(one.url, 'loud');
      assert.deepEqual((await published(r.port, watch, w0)).sort(), ROOMS);
      assert.doesNotMatch(one.logs, /adapter_listeners/);
    } finally {
      await one.stop();
    }
  });
});
