// The official Socket.IO Admin UI (@socket.io/admin-ui 0.5.1, embedded by senna at /admin-ui/)
// in a real browser (issue 17): headless Chromium (Debian's, /usr/bin/chromium) driven by
// playwright-core, against two senna instances on one real redis-server and the demo client.
// The UI logs in, shows both instances on its dashboard, lists the demo's sockets and rooms,
// and disconnects one socket, which the demo page then shows as disconnected. Screenshots go to
// build/test-output/browser/. Every wait is for the DOM, never a fixed time.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { startRedis, startSenna } from '../integration/lib/harness.mjs';

const CHROMIUM = '/usr/bin/chromium';
const OUTPUT_DIR = path.resolve('build/test-output/browser');
// bcrypt ($2b$, cost 4) of "admin-password".
const HASH = '$2b$04$dsefP6bhjKdz4X/g1PBWr.07y5qiJ7neEy5OXSB5lfGqT8prk1Y7y';

describe('the Socket.IO Admin UI served by senna, in Chromium', () => {
  let redis;
  let one;
  let two;
  let browser;
  let admin;
  let alice;
  let bob;

  before(async () => {
    assert.ok(fs.existsSync(CHROMIUM), `${CHROMIUM} is missing: run scripts/install-deps.sh (Debian package chromium)`);
    redis = await startRedis();
    const env = { SOCK_REDIS_URL: redis.url, SOCK_ADMIN_UI: '1', SOCK_ADMIN_USERNAME: 'admin', SOCK_ADMIN_PASSWORD_HASH: HASH };
    one = await startSenna(env);
    two = await startSenna(env);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
        '--disable-component-update', '--disable-sync'],
    });
    const open = async (width, height) => {
      const context = await browser.newContext({ viewport: { width, height } });
      const page = await context.newPage();
      page.setDefaultTimeout(20000);
      page.on('pageerror', (err) => { page.errors = [...(page.errors ?? []), err.message]; });
      page.on('requestfailed', (req) => { page.failed = [...(page.failed ?? []), req.url()]; });
      page.on('console', (msg) => {
        if (msg.type() === 'error') page.consoleErrors = [...(page.consoleErrors ?? []), msg.text()];
      });
      return page;
    };
    admin = await open(1280, 800);
    alice = await open(760, 620);
    bob = await open(760, 620);
  });

  after(async () => {
    await browser?.close();
    await one?.stop();
    await two?.stop();
    await redis?.stop();
  });

  // The demo client as a user, on instance `senna`, with a topic open (its room).
  async function demoUser(page, senna, id, name, topic) {
    await page.goto(`${senna.url}/demo`);
    await page.fill('#user-id', id);
    await page.fill('#username', name);
    await page.click('#sign-in');
    await page.locator('#connection', { hasText: 'live' }).waitFor();
    await page.selectOption('#open-type', 'topic');
    await page.fill('#open-id', topic);
    await page.click('#open-chat');
    await page.locator('#chat-title', { hasText: topic }).waitFor();
  }

  test('logs in, shows two instances, lists the demo\'s sockets and rooms, disconnects one socket', async () => {
    await demoUser(alice, two, '1', 'alice', 'general');
    await demoUser(bob, one, '2', 'bob', 'general');

    // Log in through the UI's own connection form, on instance 1.
    await admin.goto(`${one.url}/admin-ui/`);
    const dialog = admin.locator('.v-dialog--active');
    await dialog.waitFor();
    await dialog.getByLabel('Server URL').fill(one.url);
    await dialog.getByLabel('Username').fill('admin');
    await dialog.getByLabel('Password').fill('wrong');
    await dialog.getByRole('button', { name: 'Connect' }).click();
    await dialog.getByText('Invalid credentials').waitFor();
    await dialog.getByLabel('Password').fill('admin-password');
    await dialog.getByRole('button', { name: 'Connect' }).click();
    await dialog.waitFor({ state: 'hidden' });

    // Dashboard: both instances report (server_stats) and are healthy.
    await admin.goto(`${one.url}/admin-ui/#/servers/`);
    for (const s of [one, two])
      await admin.locator('tbody tr', { hasText: `-${s.pid}-` }).waitFor();
    // Exactly two servers, once the dashboard's tables have slid away.
    await admin.waitForFunction(() => [...document.querySelectorAll('tbody tr')]
      .filter((tr) => /-\d+-[0-9a-f]{6}\b/.test(tr.innerText)).length === 2);
    await admin.goto(`${one.url}/admin-ui/#/`);
    const servers = admin.locator('.v-card', { hasText: 'Servers' }).first();
    await servers.locator('h2', { hasText: /^2$/ }).first().waitFor();
    fs.mkdirSync(OUTPUT_DIR, { recursive: true });
    await admin.screenshot({ path: path.join(OUTPUT_DIR, 'admin-ui-dashboard.png') });

    // Rooms of "/": the demo users' rooms and the topic both of them opened (cluster-wide:
    // alice is on instance 2, bob on 1).
    await admin.goto(`${one.url}/admin-ui/#/rooms/`);
    for (const room of ['user-1', 'user-2', 'topic-general'])
      await admin.locator('tbody tr', { hasText: room }).first().waitFor();
    // Its row: the name, the type, 2 sockets.
    await admin.locator('tbody tr', { hasText: /topic-general\s*public\s*2\b/i }).waitFor();
    await admin.screenshot({ path: path.join(OUTPUT_DIR, 'admin-ui-rooms.png') });

    // alice's socket: the one socket in user-1 (the room's page lists it).
    await admin.locator('tbody tr', { hasText: 'user-1' }).first().click();
    const row = admin.locator('.col-md-8 tbody tr').first(); // the room's sockets, beside its details
    await row.waitFor();
    const aliceSocket = (await row.locator('td').first().innerText()).trim();
    assert.match(aliceSocket, /^[\w-]{20}$/);

    // Sockets of "/": both demo sockets; disconnect alice's with its row's button.
    await admin.goto(`${one.url}/admin-ui/#/sockets/`);
    // (While the views slide, the room's table, which lists it too, is still there.)
    await admin.waitForFunction((id) => [...document.querySelectorAll('tbody tr')]
      .filter((tr) => tr.innerText.includes(id)).length === 1, aliceSocket);
    assert.ok(await admin.locator('tbody tr').count() >= 2);
    await admin.screenshot({ path: path.join(OUTPUT_DIR, 'admin-ui-sockets.png') });
    await admin.locator('tbody tr', { hasText: aliceSocket }).locator('button').click();

    // The demo page on instance 2 shows it; bob's stays live.
    await alice.locator('#connection', { hasText: 'disconnected by the server' }).waitFor();
    // (The click on the row also opened the socket's page.) The UI drops it from the list.
    await admin.goto(`${one.url}/admin-ui/#/sockets/`);
    await admin.waitForFunction((id) => {
      const rows = [...document.querySelectorAll('tbody tr')];
      return rows.length > 0 && !rows.some((tr) => tr.innerText.includes(id));
    }, aliceSocket);
    assert.equal((await bob.textContent('#connection')).trim(), 'live');

    // One picture: the admin's sockets page and alice's demo page, side by side.
    const shots = [await admin.screenshot(), await alice.screenshot()];
    const combiner = await (await browser.newContext({ viewport: { width: 2100, height: 860 } })).newPage();
    await combiner.setContent(`<body style="margin:0;display:flex;gap:20px;padding:20px;background:#444;align-items:flex-start">${
      shots.map((png) => `<img style="border:1px solid #222" src="data:image/png;base64,${png.toString('base64')}">`).join('')}</body>`);
    await combiner.waitForFunction(() => [...document.images].every((i) => i.complete && i.naturalWidth > 0));
    const screenshot = path.join(OUTPUT_DIR, 'admin-ui-disconnect.png');
    await combiner.screenshot({ path: screenshot });
    await combiner.context().close();
    console.log(`screenshots: ${OUTPUT_DIR}/admin-ui-*.png`);

    assert.deepEqual(admin.errors ?? [], []);
    assert.deepEqual(admin.failed ?? [], [], 'every file of the UI came from senna');
    assert.deepEqual((admin.consoleErrors ?? []).filter((e) => /Content Security Policy/.test(e)), []);
    assert.deepEqual(alice.errors ?? [], []);
  });
});
