// The demo web client's socket in headless Chromium (Debian's, /usr/bin/chromium, driven by
// playwright-core) when senna restarts under it: SIGTERM, then senna again on the same port with
// the same Redis. The page's socket.io-client must notice, reconnect by itself (polling, then the
// upgrade to WebSocket) and receive the next message live, without a reload.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { chromium } from 'playwright-core';
import { freePort, request, startRedis, startSenna, token } from '../integration/lib/harness.mjs';

const CHROMIUM = '/usr/bin/chromium';
const bob = token({ user_id: 2, username: 'bob' });

async function websocketSessions(url) {
  const m = (await request(`${url}/metrics`)).text.match(/^senna_engineio_sessions\{transport="websocket"\} (\d+)$/m);
  return m ? Number(m[1]) : NaN;
}

describe('demo web client in Chromium across a senna restart', () => {
  let redis;
  let senna;
  let env;
  let browser;
  let page;

  before(async () => {
    assert.ok(fs.existsSync(CHROMIUM), `${CHROMIUM} is missing: run scripts/install-deps.sh (Debian package chromium)`);
    redis = await startRedis();
    env = { SOCK_REDIS_URL: redis.url, SOCK_HTTP_PORT: String(await freePort()) };
    senna = await startSenna(env);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
        '--disable-component-update', '--disable-sync'],
    });
    page = await (await browser.newContext({ viewport: { width: 760, height: 620 } })).newPage();
    page.setDefaultTimeout(15000);
    page.on('pageerror', (err) => { page.errors = [...(page.errors ?? []), err.message]; });
  });

  after(async () => {
    await browser?.close();
    await senna?.stop();
    await redis?.stop();
  });

  const message = (text) => page.locator('#messages li.message', { hasText: text });

  async function dmFromBob(text) {
    const r = await request(`${senna.url}/api/user/1`, {
      method: 'POST', headers: { 'X-Auth-Token': bob, 'Content-Type': 'application/json' }, body: JSON.stringify({ type: 'text', text }),
    });
    assert.equal(r.status, 201);
  }

  test('the page reconnects by itself after senna restarts and gets the next message live', async () => {
    assert.equal((await request(`${senna.url}/api/list`, { headers: { 'X-Auth-Token': bob } })).status, 200); // bob's profile
    await page.goto(`${senna.url}/demo`);
    await page.fill('#user-id', '1');
    await page.fill('#username', 'alice');
    await page.click('#sign-in');
    await page.locator('#connection', { hasText: 'live' }).waitFor();
    await page.selectOption('#open-type', 'user');
    await page.fill('#open-id', '2');
    await page.click('#open-chat');
    await page.locator('#chat-title', { hasText: 'bob' }).waitFor();
    await dmFromBob('before the restart');
    await message('before the restart').waitFor();
    // Every change of the connection status, in order.
    await page.evaluate(() => {
      const el = document.getElementById('connection');
      window.connectionLog = [el.textContent];
      new MutationObserver(() => window.connectionLog.push(el.textContent))
        .observe(el, { childList: true, characterData: true, subtree: true });
    });
    // The page upgraded to WebSocket before the restart.
    const deadline = Date.now() + 10000;
    while ((await websocketSessions(senna.url)) !== 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    assert.equal(await websocketSessions(senna.url), 1);

    const stopped = await senna.stop('SIGTERM');
    assert.equal(stopped.code, 0);
    await page.locator('#connection', { hasText: 'reconnecting…' }).waitFor();
    senna = await startSenna(env);
    await page.locator('#connection', { hasText: 'live' }).waitFor({ timeout: 20000 });
    const log = await page.evaluate(() => window.connectionLog);
    assert.equal(log[0], 'live');
    assert.equal(log.at(-1), 'live');
    assert.ok(log.includes('reconnecting…'), JSON.stringify(log));

    await dmFromBob('after the restart');
    await message('after the restart').waitFor();
    assert.equal(await message('before the restart').count(), 1);
    // And it is on WebSocket again.
    const deadline2 = Date.now() + 10000;
    while ((await websocketSessions(senna.url)) !== 1 && Date.now() < deadline2) await new Promise((r) => setTimeout(r, 50));
    assert.equal(await websocketSessions(senna.url), 1);
    assert.deepEqual(page.errors ?? [], []);
  });
});
