// A tiny RESP2 client for tests: one command per connection, parsed reply. Used to write the
// seed's keys by hand and to read what senna wrote, independently of senna's own client.
import net from 'node:net';

/** Parses one reply at `pos`; returns [value, next] or null when incomplete. */
function parse(buf, pos = 0) {
  const eol = buf.indexOf('\r\n', pos);
  if (eol < 0) return null;
  const type = String.fromCharCode(buf[pos]);
  const line = buf.toString('utf8', pos + 1, eol);
  const next = eol + 2;
  switch (type) {
    case '+': return [line, next];
    case '-': return [new Error(line), next];
    case ':': return [Number(line), next];
    case '$': {
      const n = Number(line);
      if (n < 0) return [null, next];
      if (buf.length < next + n + 2) return null;
      return [buf.toString('utf8', next, next + n), next + n + 2];
    }
    case '*': {
      const n = Number(line);
      if (n < 0) return [null, next];
      const out = [];
      let p = next;
      for (let i = 0; i < n; i++) {
        const r = parse(buf, p);
        if (!r) return null;
        out.push(r[0]);
        p = r[1];
      }
      return [out, p];
    }
    default: throw new Error(`bad RESP type ${type}`);
  }
}

/**
 * Runs one command and resolves to its parsed reply (rejects with an error reply). On a Redis
 * Cluster node (a number port) a MOVED reply is followed, so a key is read wherever it lives
 * (SENNA_TEST_REDIS=cluster).
 */
export async function redis(port, ...args) {
  for (let hops = 0; ; hops++) {
    try {
      return await redisOnce(port, ...args);
    } catch (e) {
      const moved = typeof port === 'number' && hops < 3 && /^MOVED \d+ \S*:(\d+)$/.exec(e.message);
      if (!moved) throw e;
      port = Number(moved[1]);
    }
  }
}

function redisOnce(port, ...args) {
  return new Promise((resolve, reject) => {
    const sock = typeof port === 'number' ? net.connect(port, '127.0.0.1') : net.connect(port); // or a unix socket path
    let buf = Buffer.alloc(0);
    const timer = setTimeout(() => { sock.destroy(); reject(new Error('redis timeout')); }, 3000);
    sock.on('connect', () => {
      sock.write(`*${args.length}\r\n` + args.map((a) => `$${Buffer.byteLength(String(a))}\r\n${a}\r\n`).join(''));
    });
    sock.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      const r = parse(buf);
      if (r) {
        clearTimeout(timer);
        sock.end();
        if (r[0] instanceof Error) reject(r[0]); else resolve(r[0]);
      }
    });
    sock.on('error', (e) => { clearTimeout(timer); reject(e); });
  });
}
