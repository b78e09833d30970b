// How long senna takes to exit on SIGTERM with one idle realtime client connected, per client
// behaviour. RFC 6455 7.1.1: after the closing handshake the server closes the TCP connection
// first, so a client that answers the close frame (as websocket-client does by itself) but does
// not close its socket must not hold the drain; only one that never answers may, up to the drain
// time (SOCK_SHUTDOWN_TIMEOUT_MS, 10 s by default).
import { afterEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { token } from '../integration/lib/harness.mjs';
import { spawnPython, startStack } from './lib/interop.mjs';

const alice = token({ user_id: 1, username: 'alice' });
const DRAIN_MS = 10000; // senna's default SOCK_SHUTDOWN_TIMEOUT_MS, the bound on any exit
const PROMPT_MS = 2000;
// After its close frame senna waits at most SOCK_EIO_CLOSE_TIMEOUT_MS (1 s) for the client's close
// frame or FIN, then drops TCP (RFC 6455 7.1.1), so a client that never closes its socket does not
// hold the exit for the whole drain.

describe('SIGTERM with one idle realtime client connected', () => {
  let stack;
  let py;
  afterEach(async () => {
    await py?.kill();
    await stack?.stop();
  });

  /** Starts senna, then the client; resolves to how long senna's SIGTERM exit took. */
  async function measure(t, startClient) {
    stack = await startStack();
    py = startClient(stack);
    await py.next((l) => l.type === 'connect' || l.type === 'ready', 10000);
    const stopped = await stack.stopSenna();
    t.diagnostic(`senna exited in ${stopped.ms} ms (code ${stopped.code})`);
    assert.equal(stopped.code, 0);
    assert.ok(stopped.ms < DRAIN_MS + 1000, `${stopped.ms} ms`);
    return stopped.ms;
  }

  const sio = (transports) => (s) => spawnPython('sio_client.py', { url: s.url, token: alice, transports, events: [] });
  const raw = (mode) => (s) => spawnPython('raw_ws.py', { url: s.url, token: alice, scenario: 'idle', mode });

  test('python-socketio over WebSocket: senna exits promptly', async (t) => {
    const ms = await measure(t, sio(['websocket']));
    assert.ok(ms < PROMPT_MS, `${ms} ms`);
  });

  test('python-socketio over polling: senna exits promptly', async (t) => {
    const ms = await measure(t, sio(['polling']));
    assert.ok(ms < PROMPT_MS, `${ms} ms`);
  });

  test('raw websocket-client that answers the close frame and keeps its socket: senna exits promptly',
    async (t) => {
      const ms = await measure(t, raw('answer'));
      assert.equal((await py.next('close_frame')).type, 'close_frame');
      assert.ok(ms < PROMPT_MS, `${ms} ms`);
    });

  test('raw websocket-client that answers the close frame and closes its socket: senna exits promptly', async (t) => {
    const ms = await measure(t, raw('answer_close'));
    assert.equal((await py.next('close_frame')).type, 'close_frame');
    assert.ok(ms < PROMPT_MS, `${ms} ms`);
  });

  // RFC 6455 7.4.1: 1001 "going away", such as a server going down. Beast sends 1000 today.
  test('the close frame senna sends on shutdown carries 1001 (going away)',
    async (t) => {
      await measure(t, raw('answer_close'));
      assert.deepEqual(await py.next('close_frame'), { type: 'close_frame', close_code: 1001 });
    });

  test('raw websocket-client that never reads (never answers the close frame): senna exits within the drain time', async (t) => {
    await measure(t, raw('noread'));
  });
});
