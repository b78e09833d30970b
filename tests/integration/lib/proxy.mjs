// A TCP proxy that a test cuts: the client's side of every connection gets a TCP reset (so the
// client sees a transport error, not a clean close), the server's side is closed too or, with
// `silent`, left open and quiet (the server notices only at its ping timeout). While cut, new
// connections are reset at once; heal() lets them through again, to the same or another target.
import net from 'node:net';

export async function startProxy(targetPort) {
  let target = targetPort;
  let open = true;
  const pairs = new Set();
  const server = net.createServer((client) => {
    client.on('error', () => {});
    if (!open) {
      client.resetAndDestroy();
      return;
    }
    const upstream = net.connect(target, '127.0.0.1');
    upstream.on('error', () => {});
    const pair = { client, upstream, silent: false };
    pairs.add(pair);
    client.pipe(upstream);
    upstream.pipe(client);
    client.on('close', () => {
      pairs.delete(pair);
      if (!pair.silent) upstream.destroy();
    });
    upstream.on('close', () => {
      pairs.delete(pair);
      if (!pair.silent) client.destroy();
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  const silenced = new Set();
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    /** Open connections through the proxy. */
    get connections() { return pairs.size; },
    cut({ silent = false } = {}) {
      open = false;
      for (const p of [...pairs]) {
        p.silent = silent;
        p.client.unpipe(p.upstream);
        p.upstream.unpipe(p.client);
        if (silent) {
          p.upstream.resume(); // what the server sends is read and dropped: it hears nothing back
          silenced.add(p.upstream);
        } else {
          p.upstream.destroy();
        }
        p.client.resetAndDestroy();
      }
    },
    heal(port = target) {
      target = port;
      open = true;
    },
    async close() {
      open = false;
      for (const p of pairs) { p.client.destroy(); p.upstream.destroy(); }
      for (const u of silenced) u.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
