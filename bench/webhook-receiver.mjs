// The webhook receiver of bench/webhooks.sh: answers every POST 200 at once (keep-alive) and
// counts them. GET /count answers the count so far.
//   node bench/webhook-receiver.mjs PORT
import http from 'node:http';

let count = 0;
const server = http.createServer((req, res) => {
  if (req.method === 'GET') {
    res.writeHead(200, { 'Content-Type': 'text/plain' }).end(String(count));
    return;
  }
  req.resume();
  req.on('end', () => {
    count++;
    res.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Length': '2' }).end('ok');
  });
});
server.keepAliveTimeout = 10000;
server.listen(Number(process.argv[2]), '127.0.0.1');
