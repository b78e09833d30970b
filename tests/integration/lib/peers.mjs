// A Node socket.io server (lib/node-peer.mjs) as a child process sharing senna's Redis: on the
// streams adapter (the default) or, with { adapter: 'redis' }, on the classic redis-adapter, or
// with { adapter: 'redis-sharded' } on its sharded adapter (a redis+cluster:// URL works too).
import { spawn } from 'node:child_process';
import path from 'node:path';
import { once } from './clients.mjs';
import { DEFAULT_SECRET, freePort, request, until } from './harness.mjs';

export async function startNodePeer(redisUrl, { stream = 'senna-sockets', adapter = 'redis-streams' } = {}) {
  // adapter: 'redis-streams', 'redis' (classic) or 'redis-sharded' (createShardedAdapter; a
  // redis+cluster:// URL is joined with node-redis's createCluster).
  const port = await freePort();
  const child = spawn(process.execPath, [path.resolve('tests/integration/lib/node-peer.mjs')], {
    env: { ...process.env, PORT: String(port), REDIS_URL: redisUrl, STREAM: stream, JWT_SECRET: DEFAULT_SECRET,
      ADAPTER: adapter },
    stdio: ['ignore', 'pipe', 'inherit'],
    detached: true,
  });
  let out = '';
  child.stdout.on('data', (d) => { out += d; });
  await until(() => out.includes('listening'), 15000, 'the Node peer');
  const url = `http://127.0.0.1:${port}`;
  return {
    port,
    url,
    call: (what, body) => request(`${url}/${what}`, { method: 'POST', body: JSON.stringify(body) }),
    async stop() {
      try { process.kill(-child.pid, 'SIGKILL'); } catch { /* gone */ }
      if (child.exitCode === null && child.signalCode === null) await once(child, 'exit');
    },
  };
}
