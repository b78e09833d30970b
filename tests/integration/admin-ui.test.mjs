// The Socket.IO Admin UI's protocol (issue 17), spoken by senna on its admin namespace and
// driven here by the npm socket.io-client as the UI drives it (ui/src/App.vue of
// @socket.io/admin-ui 0.5.1): two senna instances on one real redis-server. Login and sessions,
// config, all_sockets of every instance, server_stats from each instance, the per-socket events,
// and the join / leave / _disconnect commands carried out on every instance. The UI itself in a
// browser: tests/browser/admin-ui.test.mjs.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { io } from 'socket.io-client';
import { once } from './lib/clients.mjs';
import { request, runSenna, startRedis, startSenna, token, until } from './lib/harness.mjs';

// bcrypt ($2b$, cost 4 to keep the test quick) of "admin-password", made with crypt(3).
const HASH = '$2b$04$dsefP6bhjKdz4X/g1PBWr.07y5qiJ7neEy5OXSB5lfGqT8prk1Y7y';
const ADMIN = { SOCK_ADMIN_UI: '1', SOCK_ADMIN_USERNAME: 'admin', SOCK_ADMIN_PASSWORD_HASH: HASH };
const ALL = ['JOIN', 'LEAVE', 'DISCONNECT', 'MJOIN', 'MLEAVE', 'MDISCONNECT', 'AGGREGATED_EVENTS', 'ALL_EVENTS'];

const open = new Set();

/** An admin client as the UI makes it, recording every server event in `.got`. */
function adminClient(url, auth, opts = {}) {
  const s = io(`${url}/admin`, { forceNew: true, reconnection: false, withCredentials: true, transports: ['polling', 'websocket'], auth, ...opts });
  s.got = [];
  s.onAny((name, ...args) => s.got.push([name, ...args]));
  open.add(s);
  return s;
}
function chatClient(url, user) {
  const s = io(url, { forceNew: true, reconnection: false, transports: ['websocket'], auth: { token: token({ user_id: user }) } });
  open.add(s);
  return s;
}
const seen = (s, name, pred = () => true) => s.got.find(([n, ...args]) => n === name && pred(...args));

describe('the Admin UI protocol on two instances', () => {
  let r;
  let one;
  let two;
  before(async () => {
    r = await startRedis();
    one = await startSenna({ SOCK_REDIS_URL: r.url, ...ADMIN });
    two = await startSenna({ SOCK_REDIS_URL: r.url, ...ADMIN });
  });
  after(async () => {
    for (const s of open) s.disconnect();
    await one?.stop();
    await two?.stop();
    await r?.stop();
  });

  test('bad credentials get CONNECT_ERROR "invalid credentials"; good ones a session, config, all_sockets of both instances', async () => {
    for (const auth of [{ username: 'admin', password: 'wrong' }, { username: 'root', password: 'admin-password' }, {}, { sessionId: 'made-up' }]) {
      const bad = adminClient(one.url, auth);
      const [err] = await once(bad, 'connect_error');
      assert.equal(err.message, 'invalid credentials');
    }
    const metrics = (await request(`${one.url}/metrics`)).text;
    assert.match(metrics, /^senna_refusals_total\{surface="socket",reason="admin_credentials"\} 4$/m);

    const chat = chatClient(two.url, 7);
    await once(chat, 'connect');
    const admin = adminClient(one.url, { username: 'admin', password: 'admin-password' });
    await once(admin, 'connect');
    await until(() => seen(admin, 'all_sockets'), 5000, 'all_sockets');
    const [, session] = seen(admin, 'session');
    assert.match(session, /^[0-9a-f]{32}$/);
    assert.deepEqual(seen(admin, 'config')[1], { supportedFeatures: ALL });
    // session and config come first, after the CONNECT (all_sockets waits for every instance).
    assert.deepEqual(admin.got.slice(0, 2).map(([n]) => n), ['session', 'config']);
    const [, sockets] = seen(admin, 'all_sockets');
    const mine = sockets.find((x) => x.id === chat.id);
    assert.ok(mine, `the chat socket on instance 2 is listed: ${JSON.stringify(sockets.map((x) => [x.nsp, x.id]))}`);
    assert.equal(mine.nsp, '/');
    assert.deepEqual(mine.data, { user_id: 7 });
    assert.deepEqual(mine.rooms.sort(), [chat.id, 'user-7'].sort());
    assert.equal(mine.transport, 'websocket');
    assert.equal(mine.clientId.length, 12);
    assert.equal(mine.handshake.address, '127.0.0.1');
    assert.ok(!JSON.stringify(mine).includes(chat.auth?.token ?? 'no-token'), 'no token in the listing');
    assert.ok(!Number.isNaN(new Date(mine.handshake.issued).getTime()));
    assert.ok(sockets.some((x) => x.nsp === '/admin'), 'the admin socket itself, as the reference lists it');

    // The session id logs in again (page reload), on the other instance too.
    const again = adminClient(two.url, { sessionId: session });
    await once(again, 'connect');
    assert.equal(seen(again, 'session'), undefined);
  });

  test('server_stats every 2 s from each instance, with counts and aggregated events', async () => {
    const admin = adminClient(two.url, { username: 'admin', password: 'admin-password' });
    await once(admin, 'connect');
    const ids = await until(() => {
      const set = new Set(admin.got.filter(([n]) => n === 'server_stats').map(([, s]) => s.serverId));
      return set.size >= 2 && set;
    }, 10000, 'server_stats from two instances');
    assert.equal(ids.size, 2, 'two distinct serverIds');
    const stats = admin.got.filter(([n]) => n === 'server_stats').map(([, s]) => s);
    for (const s of stats) {
      assert.deepEqual(Object.keys(s).sort(),
        ['aggregatedEvents', 'clientsCount', 'hostname', 'namespaces', 'pid', 'pollingClientsCount', 'serverId', 'uptime'].sort());
      assert.ok(s.namespaces.some((n) => n.name === '/admin') && s.namespaces.some((n) => n.name === '/'));
    }
    const events = stats.flatMap((s) => s.aggregatedEvents);
    for (const type of ['packetsIn', 'packetsOut', 'bytesIn', 'bytesOut'])
      assert.ok(events.some((e) => e.type === type && e.count > 0 && e.timestamp % 1000 === 0), type);
  });

  test('socket_connected, room_joined, event_received, event_sent and socket_disconnected from the other instance', async () => {
    const admin = adminClient(one.url, { username: 'admin', password: 'admin-password' });
    await once(admin, 'connect');
    await until(() => seen(admin, 'all_sockets'), 5000, 'all_sockets');
    const chat = chatClient(two.url, 8);
    await once(chat, 'connect');
    await until(() => seen(admin, 'socket_connected', (s) => s.id === chat.id), 5000, 'socket_connected');
    await until(() => seen(admin, 'room_joined', (nsp, room, id) => nsp === '/' && room === 'user-8' && id === chat.id), 5000, 'room_joined');
    await chat.timeout(5000).emitWithAck('join-topic', { id: 'lobby' });
    await until(() => seen(admin, 'room_joined', (nsp, room) => room === 'topic-lobby'), 5000, 'room_joined topic');
    await chat.timeout(5000).emitWithAck('refresh-token', { token: token({ user_id: 8 }) });
    const [, , , args] = await until(() => seen(admin, 'event_received', (nsp, id, a) => id === chat.id && a[0] === 'refresh-token'), 5000, 'event_received');
    assert.deepEqual(args, ['refresh-token', { token: '[redacted]' }], 'tokens never reach the UI');
    const other = chatClient(two.url, 9);
    await once(other, 'connect');
    await other.timeout(5000).emitWithAck('send-message', { to: { type: 'user', id: 8 }, type: 'text', text: 'hello admin' });
    await until(() => seen(admin, 'event_sent', (nsp, id, a) => id === chat.id && a[0] === 'new-message' && a[1].text === 'hello admin'), 5000, 'event_sent');
    const id = chat.id; // the client forgets it once disconnected
    chat.disconnect();
    const [, , , reason] = await until(() => seen(admin, 'socket_disconnected', (nsp, sid) => sid === id), 5000, 'socket_disconnected');
    assert.ok(['client namespace disconnect', 'transport close'].includes(reason), reason);
  });

  test('_disconnect, join and leave from an admin on instance 1 act on a socket of instance 2', async () => {
    const admin = adminClient(one.url, { username: 'admin', password: 'admin-password' });
    await once(admin, 'connect');
    const chat = chatClient(two.url, 10);
    await once(chat, 'connect');
    const listener = chatClient(two.url, 11);
    await once(listener, 'connect');
    // join: the socket is in topic-news now, and gets its messages.
    admin.emit('join', '/', 'topic-news', chat.id);
    await until(() => seen(admin, 'room_joined', (nsp, room, id) => room === 'topic-news' && id === chat.id), 5000, 'join');
    const got = once(chat, 'new-message');
    const sender = chatClient(one.url, 12);
    await once(sender, 'connect');
    await sender.timeout(5000).emitWithAck('send-message', { to: { type: 'topic', id: 'news' }, type: 'text', text: 'extra' });
    assert.equal((await got)[0].text, 'extra');
    admin.emit('leave', '/', 'topic-news', chat.id);
    await until(() => seen(admin, 'room_left', (nsp, room, id) => room === 'topic-news' && id === chat.id), 5000, 'leave');
    // _disconnect of one socket (the UI's button: close false, the socket id as filter).
    const gone = once(chat, 'disconnect');
    admin.emit('_disconnect', '/', false, chat.id);
    assert.equal((await gone)[0], 'io server disconnect');
    assert.ok(listener.connected, 'only the filtered socket');
  });
});

describe('Admin UI settings', () => {
  test('off by default: no namespace, no page', async () => {
    const r = await startRedis();
    const s = await startSenna({ SOCK_REDIS_URL: r.url });
    try {
      const admin = adminClient(s.url, { username: 'admin', password: 'x' });
      const [err] = await once(admin, 'connect_error');
      assert.equal(err.message, 'Invalid namespace');
      assert.equal((await request(`${s.url}/admin-ui/`)).status, 404);
    } finally {
      await s.stop();
      await r.stop();
    }
  });

  test('the page is served at /admin-ui/ from the embedded package, locked to senna by its CSP', async () => {
    const r = await startRedis();
    const s = await startSenna({ SOCK_REDIS_URL: r.url, ...ADMIN, SOCK_ADMIN_NAMESPACE: '/ops', SOCK_ADMIN_MODE: 'readonly' });
    try {
      const redirect = await fetch(`${s.url}/admin-ui`, { redirect: 'manual' });
      assert.equal(redirect.status, 301);
      assert.equal(redirect.headers.get('location'), '/admin-ui/');
      const page = await request(`${s.url}/admin-ui/`);
      assert.equal(page.status, 200);
      assert.match(page.text, /<title>Socket.IO Admin UI<\/title>/);
      assert.doesNotMatch(page.text, /https?:\/\//, 'nothing from the network');
      assert.match(page.headers.get('content-security-policy'), /default-src 'self'.*connect-src 'self'/);
      const js = page.text.match(/src="(js\/app\.[0-9a-f]+\.js)"/)[1];
      const app = await request(`${s.url}/admin-ui/${js}`);
      assert.equal(app.status, 200);
      assert.match(app.headers.get('content-type'), /^text\/javascript/);
      const font = await fetch(`${s.url}/admin-ui/mdi/fonts/materialdesignicons-webfont.woff2`);
      assert.equal(font.status, 200);
      assert.equal(font.headers.get('content-type'), 'font/woff2');
      // The namespace is configurable; readonly offers no commands and ignores them.
      const ops = io(`${s.url}/ops`, { forceNew: true, reconnection: false, auth: { username: 'admin', password: 'admin-password' } });
      open.add(ops);
      const [config] = await once(ops, 'config');
      assert.deepEqual(config, { supportedFeatures: ['AGGREGATED_EVENTS', 'ALL_EVENTS'] });
      const chat = chatClient(s.url, 5);
      await once(chat, 'connect');
      ops.emit('_disconnect', '/', false, chat.id);
      await new Promise((res) => setTimeout(res, 300));
      assert.ok(chat.connected, 'readonly: commands are ignored');
    } finally {
      for (const x of open) x.disconnect();
      await s.stop();
      await r.stop();
    }
  });

  test('refused in production without credentials; a bad hash is refused at start', async () => {
    const prod = await runSenna([], { SOCK_ENV: 'production', SOCK_JWT_SECRET: 'a-real-secret', SOCK_ADMIN_UI: '1' });
    assert.equal(prod.code, 1);
    assert.equal(prod.stderr, 'senna: SOCK_ADMIN_UI: refusing to start: SOCK_ENV=production without SOCK_ADMIN_USERNAME and SOCK_ADMIN_PASSWORD_HASH\n');
    const bad = await runSenna([], { SOCK_ADMIN_UI: '1', SOCK_ADMIN_USERNAME: 'admin', SOCK_ADMIN_PASSWORD_HASH: 'hunter2' });
    assert.equal(bad.stderr, 'senna: SOCK_ADMIN_PASSWORD_HASH: is not a bcrypt hash ($2b$..., 60 characters)\n');
  });
});
