// A stand-in for the platform's own API (SPEC section 6): a tiny node:http server on
// 127.0.0.1, port 0, serving GET /v1/users, /v1/topics and /v1/session from the data it is
// given, with a delay and failure modes to test the client's timeouts and fallbacks.
//
//   const fake = await startFakePlatform({ users, topics, session, delayMs, failWith });
//   fake.url            'http://127.0.0.1:PORT/' (SOCK_API_URL)
//   fake.requests       every request served: { method, path, query, params, headers }, where
//                       query is the raw query string ('fields=id,username,role&ids=1,2'),
//                       params its parsed form ({ fields: '...', ids: '1,2' }) and headers
//                       node's lower-cased header object
//   fake.connections    TCP connections accepted so far (keep-alive checks)
//   fake.setMode({...}) changes any start option (and keepAliveTimeoutMs) from now on
//   fake.reset()        forgets requests and the connection count
//   fake.dropConnections()  destroys every open connection (idle keep-alive ones included)
//   await fake.close()  closes the server and every connection
//
// Options (all optional):
//   users, topics  entries, as an array of objects with an `id`, or an object keyed by id.
//                  /v1/users?ids=1,alice answers { entries: [...] } with the entries whose id
//                  (as text) is listed, in the order asked; unknown ids are left out.
//   session        token -> user object (e.g. { id: 1, username: 'a', role: { handle: 'member' } }),
//                  or a function (token, req) -> { status, body }. The token is read from
//                  X-Auth-Token, else from Authorization: Bearer. A known token answers
//                  200 { user }; an unknown or missing one 401.
//   delayMs        wait this long before answering (a very long delay simulates a hung platform)
//   failWith       null (answer normally) | an HTTP status such as 500 (JSON error body) |
//                  'garbage' (200 with a body that is not JSON) | 'close' (destroy the socket
//                  without answering) | 'close-reused' (the same, but only on a connection
//                  that already served a request: a keep-alive connection the server dropped)
//                  | 'hang' (never answer)
//   keepAliveTimeoutMs  node's server.keepAliveTimeout (default 5000)
import http from 'node:http';

function indexEntries(entries) {
  const map = new Map();
  if (Array.isArray(entries)) {
    for (const e of entries) if (e && e.id !== undefined && e.id !== null) map.set(String(e.id), e);
  } else if (entries && typeof entries === 'object') {
    for (const [id, e] of Object.entries(entries)) map.set(String(id), e);
  }
  return map;
}

function tokenOf(req) {
  const header = req.headers['x-auth-token'];
  if (typeof header === 'string' && header) return header;
  const auth = req.headers.authorization;
  if (typeof auth === 'string' && auth.startsWith('Bearer ')) return auth.slice(7);
  return null;
}

export async function startFakePlatform(options = {}) {
  const mode = {
    users: indexEntries(options.users),
    topics: indexEntries(options.topics),
    session: options.session ?? {},
    delayMs: options.delayMs ?? 0,
    failWith: options.failWith ?? null,
  };
  const requests = [];
  const sockets = new Set();
  const timers = new Set();
  const served = new WeakSet(); // sockets that answered a request
  let connections = 0;

  const send = (res, status, body) => {
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
    res.end(text);
  };

  const answer = (req, res, url) => {
    if (mode.failWith === 'hang') return;
    if (mode.failWith === 'close' || (mode.failWith === 'close-reused' && served.has(req.socket))) {
      req.socket.destroy();
      return;
    }
    served.add(req.socket);
    if (mode.failWith === 'garbage') {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end('{"entries": [ this is not json');
      return;
    }
    if (typeof mode.failWith === 'number') {
      send(res, mode.failWith, { error: 'fake platform failure' });
      return;
    }
    if (req.method !== 'GET') {
      send(res, 405, { error: 'method not allowed' });
      return;
    }
    const kind = url.pathname.match(/^\/v1\/(users|topics)$/)?.[1];
    if (kind) {
      const ids = (url.searchParams.get('ids') ?? '').split(',').filter((id) => id !== '');
      const table = mode[kind];
      send(res, 200, { entries: ids.filter((id) => table.has(id)).map((id) => table.get(id)) });
      return;
    }
    if (url.pathname === '/v1/session') {
      const token = tokenOf(req);
      if (typeof mode.session === 'function') {
        const { status = 200, body = {} } = mode.session(token, req) ?? {};
        send(res, status, body);
        return;
      }
      const user = token !== null ? mode.session[token] : undefined;
      if (user === undefined) send(res, 401, { error: 'unknown session' });
      else send(res, 200, { user });
      return;
    }
    send(res, 404, { error: 'not found' });
  };

  const server = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://fake.invalid');
    const raw = req.url.includes('?') ? req.url.slice(req.url.indexOf('?') + 1) : '';
    requests.push({
      method: req.method,
      path: url.pathname,
      query: raw,
      params: Object.fromEntries(url.searchParams),
      headers: { ...req.headers },
    });
    if (mode.delayMs > 0) {
      const timer = setTimeout(() => {
        timers.delete(timer);
        if (!req.socket.destroyed) answer(req, res, url);
      }, mode.delayMs);
      timers.add(timer);
    } else {
      answer(req, res, url);
    }
  });
  server.keepAliveTimeout = options.keepAliveTimeoutMs ?? 5000;
  server.on('connection', (socket) => {
    connections += 1;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address();

  return {
    url: `http://127.0.0.1:${port}/`,
    requests,
    get connections() {
      return connections;
    },
    get openConnections() {
      return sockets.size;
    },
    setMode(changes = {}) {
      if ('users' in changes) mode.users = indexEntries(changes.users);
      if ('topics' in changes) mode.topics = indexEntries(changes.topics);
      if ('session' in changes) mode.session = changes.session ?? {};
      if ('delayMs' in changes) mode.delayMs = changes.delayMs ?? 0;
      if ('failWith' in changes) mode.failWith = changes.failWith ?? null;
      if ('keepAliveTimeoutMs' in changes) server.keepAliveTimeout = changes.keepAliveTimeoutMs;
    },
    dropConnections() {
      for (const socket of sockets) socket.destroy();
    },
    reset() {
      requests.length = 0;
      connections = 0;
    },
    close() {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      for (const socket of sockets) socket.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
