// A Node socket.io 4.8 server on @socket.io/redis-streams-adapter 0.3.1 with connection state
// recovery, run as a child process by recovery-streams.test.mjs to share a cluster with senna in
// SOCK_ADAPTER=redis-streams mode. It does what senna's realtime edge does that the test needs:
// a token at connect (the same HS256 secret), socket.data = {user_id, exp} (the shape senna's
// sessions keep), the user's room, `join-topic`, `join-room` {room} (any room). POST /emit
// {room, event, args} emits to a room; POST /sockets-join {room, join} makes the sockets in
// `room` join `join` (cluster-wide).
//
// With ADAPTER=redis it runs on the classic @socket.io/redis-adapter 8.3.0 instead (key STREAM,
// no connection state recovery: that adapter has none), as unheard.test.mjs needs. With
// ADAPTER=redis-sharded, on that package's createShardedAdapter (channelPrefix STREAM, dynamic
// mode) over node-redis's createCluster when REDIS_URL is a redis+cluster:// URL (sharded.test.mjs,
// emit.test.mjs):
// POST /fetch-sockets answers {count} or {error}, POST /server-side-emit {event} answers
// {responses} or {error}, POST /server-count {count}.
//
// env: PORT, REDIS_URL, STREAM (senna's SOCK_REDIS_PREFIX), JWT_SECRET, ADAPTER.
import http from 'node:http';
import { Server } from 'socket.io';
import { createAdapter } from '@socket.io/redis-streams-adapter';
import { createAdapter as createClassicAdapter, createShardedAdapter } from '@socket.io/redis-adapter';
import { createClient, createCluster } from 'redis';
import jwt from 'jsonwebtoken';

const stream = process.env.STREAM;
const classic = process.env.ADAPTER === 'redis';
const sharded = process.env.ADAPTER === 'redis-sharded';
const clusterUrl = process.env.REDIS_URL.match(/^redis\+cluster:\/\/(.*)$/);
const redis = clusterUrl
  ? createCluster({ rootNodes: clusterUrl[1].split(',').map((n) => ({ url: `redis://${n}` })) })
  : createClient({ url: process.env.REDIS_URL });
await redis.connect();
const sub = classic || sharded ? redis.duplicate() : null;
await sub?.connect();

const httpServer = http.createServer((req, res) => {
  let body = '';
  req.on('data', (d) => { body += d; });
  req.on('end', async () => {
    const msg = body ? JSON.parse(body) : {};
    const answer = (o) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(o));
    if (req.url === '/fetch-sockets') {
      try { answer({ count: (await io.fetchSockets()).length }); } catch (e) { answer({ error: e.message }); }
      return;
    }
    if (req.url === '/server-side-emit') {
      io.serverSideEmit(msg.event, (err, responses) => answer(err ? { error: err.message } : { responses }));
      return;
    }
    if (req.url === '/server-count') {
      answer({ count: await io.of('/').adapter.serverCount() });
      return;
    }
    if (req.url === '/emit') io.to(msg.room).emit(msg.event, ...msg.args);
    else if (req.url === '/sockets-join') io.in(msg.room).socketsJoin(msg.join);
    else { res.writeHead(404).end(); return; }
    res.writeHead(200).end('ok');
  });
});

const io = new Server(httpServer, sharded ? {
  adapter: createShardedAdapter(redis, sub, { channelPrefix: stream, subscriptionMode: 'dynamic' }),
  pingInterval: 1000,
  pingTimeout: 3000,
} : classic ? {
  adapter: createClassicAdapter(redis, sub, { key: stream }),
  pingInterval: 1000,
  pingTimeout: 3000,
} : {
  adapter: createAdapter(redis, { streamName: stream, sessionKeyPrefix: `${stream}:sio:session:` }),
  connectionStateRecovery: { maxDisconnectionDuration: 120000, skipMiddlewares: true },
  pingInterval: 1000,
  pingTimeout: 3000,
});

io.use((socket, next) => {
  try {
    const claims = jwt.verify(socket.handshake.auth.token, process.env.JWT_SECRET);
    socket.data = { user_id: claims.user_id, ...(claims.exp ? { exp: claims.exp } : {}) };
    next();
  } catch (e) {
    next(new Error('Your token is invalid - please check it and try again'));
  }
});

io.on('connection', (socket) => {
  socket.join(`user-${socket.data.user_id}`);
  socket.on('join-topic', ({ id }, ack) => {
    socket.join(`topic-${id}`);
    ack?.({ ok: true, room: `topic-${id}` });
  });
  socket.on('join-room', ({ room }, ack) => {
    socket.join(room);
    ack?.({ ok: true, room });
  });
});

httpServer.listen(Number(process.env.PORT), '127.0.0.1', () => {
  process.stdout.write(`listening ${process.env.PORT}\n`);
});
