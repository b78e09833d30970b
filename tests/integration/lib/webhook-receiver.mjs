// A fake webhook receiver for tests: a real HTTP (or HTTPS) server on a free port that records
// every request senna posts and answers what the test says. Nothing is mocked on senna's side.
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { until } from './harness.mjs';

/**
 * Starts a receiver. `respond(delivery)` returns the status to answer (200 by default); it may
 * return a Promise (a slow receiver). With `tls: {key, cert}` it serves HTTPS.
 * Each delivery: {id, event, attempt, signature, raw, body, status, at}.
 */
export async function startReceiver({ tls } = {}) {
  const deliveries = [];
  const receiver = {
    deliveries,
    respond: () => 200,
    url: null,
    /** Deliveries answered 2xx (acknowledged). */
    acked: () => deliveries.filter((d) => d.status >= 200 && d.status < 300),
    /** The acknowledged deliveries of `event` (optionally for `user_id`). */
    of: (event, userId) => receiver.acked().filter((d) => d.event === event && (userId === undefined || d.body.user_id === userId)),
    /** Waits until `fn(receiver)` is truthy. */
    waitFor: (fn, timeoutMs = 10000, what = 'deliveries') => until(() => fn(receiver), timeoutMs, what),
    close: () => new Promise((resolve) => { server.closeAllConnections?.(); server.close(() => resolve()); }),
  };
  const handler = (req, res) => {
    const chunks = [];
    req.on('data', (d) => chunks.push(d));
    req.on('end', async () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      let body;
      try { body = JSON.parse(raw); } catch { body = undefined; }
      const d = {
        id: req.headers['x-senna-delivery'],
        event: req.headers['x-senna-event'],
        attempt: Number(req.headers['x-senna-attempt']),
        signature: req.headers['x-senna-signature'],
        contentType: req.headers['content-type'],
        raw, body, status: 0, at: Date.now(),
      };
      const status = await receiver.respond(d);
      d.status = status;
      deliveries.push(d);
      res.writeHead(status, { 'Content-Type': 'text/plain' }).end(status < 300 ? 'ok' : 'no');
    });
  };
  const server = tls ? https.createServer(tls, handler) : http.createServer(handler);
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  receiver.url = `${tls ? 'https' : 'http'}://127.0.0.1:${server.address().port}/hooks/senna?src=test`;
  return receiver;
}

const docs = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../docs/webhooks.md');

/** The code block that follows `<!-- marker -->` in docs/webhooks.md. */
export function docSnippet(marker) {
  const text = fs.readFileSync(docs, 'utf8');
  const at = text.indexOf(`<!-- ${marker} -->`);
  if (at < 0) throw new Error(`no ${marker} in docs/webhooks.md`);
  const m = /```[a-z]*\n([\s\S]*?)```/.exec(text.slice(at));
  return m[1];
}
