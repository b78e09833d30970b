// The fake platform (fake-platform.mjs) as a child process, for tests in other languages.
//   node fake-platform-cli.mjs ['{"users": [...], "delayMs": 0, ...}']
// prints one line `{"url": "http://127.0.0.1:PORT/"}` on stdout, then answers commands, one
// JSON object per stdin line, with one JSON line each on stdout:
//   {"cmd": "mode", ...changes}  -> {"ok": true}            (fake.setMode(changes))
//   {"cmd": "stats"}             -> {"ok": true, "connections": N, "open": N, "requests": [...]}
//   {"cmd": "reset"}             -> {"ok": true}
//   {"cmd": "drop"}              -> {"ok": true}            (fake.dropConnections())
//   {"cmd": "close"}             -> {"ok": true}, then exits
// It exits when stdin closes (its parent went away), so nothing outlives the test.
import readline from 'node:readline';
import { startFakePlatform } from './fake-platform.mjs';

const options = process.argv[2] ? JSON.parse(process.argv[2]) : {};
const fake = await startFakePlatform(options);
const reply = (obj) => process.stdout.write(`${JSON.stringify(obj)}\n`);
reply({ url: fake.url });

const lines = readline.createInterface({ input: process.stdin });
lines.on('line', async (line) => {
  if (!line.trim()) return;
  let cmd;
  try {
    cmd = JSON.parse(line);
  } catch {
    reply({ ok: false, error: 'not JSON' });
    return;
  }
  const { cmd: name, ...rest } = cmd;
  if (name === 'mode') {
    fake.setMode(rest);
    reply({ ok: true });
  } else if (name === 'stats') {
    reply({ ok: true, connections: fake.connections, open: fake.openConnections, requests: fake.requests });
  } else if (name === 'drop') {
    fake.dropConnections();
    reply({ ok: true });
  } else if (name === 'reset') {
    fake.reset();
    reply({ ok: true });
  } else if (name === 'close') {
    await fake.close();
    reply({ ok: true });
    process.exit(0);
  } else {
    reply({ ok: false, error: `unknown command ${name}` });
  }
});
lines.on('close', async () => {
  await fake.close();
  process.exit(0);
});
