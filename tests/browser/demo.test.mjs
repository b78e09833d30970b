// The demo web client in a real browser: headless Chromium (Debian's, /usr/bin/chromium) driven
// by playwright-core, against the real senna binary and a real redis-server. Two users, each in
// their own browser context, chat through /demo: live delivery, typing, edit, seen, delete.
// Every assertion waits for the DOM to show the text, never for a fixed time.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { startRedis, startSenna } from '../integration/lib/harness.mjs';

const CHROMIUM = '/usr/bin/chromium';
const OUTPUT_DIR = path.resolve('build/test-output/browser');
const SCREENSHOT = path.join(OUTPUT_DIR, 'demo-chat.png');
// A small inline image, so the image message shows without any network.
const IMAGE = `data:image/svg+xml,${encodeURIComponent(
  '<svg xmlns="http://www.w3.org/2000/svg" width="160" height="90"><rect width="160" height="90" rx="10" fill="#3b6ef5"/>'
  + '<text x="80" y="55" font-size="26" text-anchor="middle" fill="#fff" font-family="sans-serif">senna</text></svg>')}`;

describe('demo web client in Chromium', () => {
  let redis;
  let senna;
  let browser;
  let alice;
  let bob;

  before(async () => {
    assert.ok(fs.existsSync(CHROMIUM), `${CHROMIUM} is missing: run scripts/install-deps.sh (Debian package chromium)`);
    redis = await startRedis();
    senna = await startSenna({ SOCK_REDIS_URL: redis.url });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
        '--disable-component-update', '--disable-sync'],
    });
    // Separate contexts: separate storage, as two people on two machines.
    const open = async () => {
      const context = await browser.newContext({ viewport: { width: 760, height: 620 } });
      const page = await context.newPage();
      page.setDefaultTimeout(15000);
      page.on('pageerror', (err) => { page.errors = [...(page.errors ?? []), err.message]; });
      return page;
    };
    alice = await open();
    bob = await open();
  });

  after(async () => {
    await browser?.close();
    await senna?.stop();
    await redis?.stop();
  });

  // Signs in through the page (POST /demo/token), then waits for the socket to be live.
  async function signIn(page, id, name) {
    await page.goto(`${senna.url}/demo`);
    await page.fill('#user-id', id);
    await page.fill('#username', name);
    await page.click('#sign-in');
    await page.locator('#connection', { hasText: 'live' }).waitFor();
    assert.equal(await page.textContent('#whoami'), `${name} (id ${id})`);
  }

  async function openDm(page, otherId, otherName) {
    await page.selectOption('#open-type', 'user');
    await page.fill('#open-id', otherId);
    await page.click('#open-chat');
    await page.locator('#chat-title', { hasText: otherName }).waitFor();
  }

  const message = (page, text) => page.locator('#messages li.message', { hasText: text });

  test('two users chat live: typing, send, image, edit, seen, delete, unread badge, read receipt', async () => {
    await signIn(bob, '2', 'bob');
    await signIn(alice, '1', 'alice');
    await openDm(alice, '2', 'bob');
    await openDm(bob, '1', 'alice');

    // Typing: alice's keystrokes show in bob's chat, not stored.
    await alice.locator('#message-text').pressSequentially('Hello bob!');
    await bob.locator('#typing', { hasText: 'alice is typing…' }).waitFor();

    // Send: the message is in alice's page and arrives live in bob's.
    await alice.click('#send');
    await message(alice, 'Hello bob!').waitFor();
    await message(bob, 'Hello bob!').waitFor();
    assert.equal(await message(bob, 'Hello bob!').getAttribute('class'), 'message theirs');
    assert.equal(await message(alice, 'Hello bob!').getAttribute('class'), 'message mine');
    assert.match(await message(bob, 'Hello bob!').locator('.meta').textContent(), /^alice · /);
    await bob.locator('#typing', { hasText: /^$/ }).waitFor(); // a message ends the typing

    // Bob answers; alice gets it live.
    await bob.fill('#message-text', 'Hi alice, welcome to senna');
    await bob.click('#send');
    await message(alice, 'Hi alice, welcome to senna').waitFor();

    // Edit: both pages show the new text, marked edited.
    await message(alice, 'Hello bob!').locator('button.edit').click();
    assert.equal(await alice.inputValue('#message-text'), 'Hello bob!');
    await alice.fill('#message-text', 'Hello bob! (edited in the demo)');
    await alice.click('#send');
    for (const page of [alice, bob]) {
      await message(page, 'Hello bob! (edited in the demo)').locator('.meta', { hasText: 'edited' }).waitFor();
      assert.equal(await message(page, 'Hello bob!').count(), 1);
    }

    // An image message, then its deletion: gone from both pages.
    await alice.fill('#image-url', IMAGE);
    await alice.click('#send-image');
    const image = (page) => page.locator(`#messages li.message img[alt="${IMAGE}"]`);
    await image(alice).waitFor();
    await image(bob).waitFor();
    await alice.locator('#messages li.message', { has: alice.locator('img') }).locator('button.delete').click();
    await image(alice).waitFor({ state: 'detached' });
    await image(bob).waitFor({ state: 'detached' });

    // Seen: bob marks the chat seen; alice's message shows it live.
    await bob.click('#mark-seen');
    await message(alice, 'Hello bob! (edited in the demo)').locator('.seen', { hasText: '✓ seen' }).waitFor();
    await message(bob, 'Hello bob! (edited in the demo)').locator('.seen').waitFor();
    // Bob's own message is not seen: alice did not mark it.
    assert.equal(await message(alice, 'Hi alice, welcome to senna').locator('.seen').count(), 0);

    // The inboxes list the chat with its latest message.
    await alice.locator('#inbox li', { hasText: 'Hi alice, welcome to senna' }).waitFor();
    await bob.locator('#inbox li', { hasText: 'alice' }).waitFor();
    // bob has the chat open, so he read alice's message as it came: alice sees it under it.
    await message(alice, 'Hello bob! (edited in the demo)').locator('.read-mark', { hasText: 'read by bob' }).waitFor();

    // Unread badge and read receipt: bob looks at another chat while alice writes twice.
    await bob.selectOption('#open-type', 'topic');
    await bob.fill('#open-id', 'lobby');
    await bob.click('#open-chat');
    await bob.locator('#chat-title', { hasText: '# lobby' }).waitFor();
    for (const text of ['Are you there?', 'Ping']) {
      await alice.fill('#message-text', text);
      await alice.click('#send');
      await message(alice, text).waitFor();
    }
    const bobsBadge = bob.locator('#inbox li[data-type="user"][data-id="1"] .badge');
    await bob.locator('#inbox li[data-type="user"][data-id="1"] .badge', { hasText: /^2$/ }).waitFor();
    fs.mkdirSync(OUTPUT_DIR, { recursive: true });
    await bob.screenshot({ path: path.join(OUTPUT_DIR, 'demo-unread.png') });
    // Not read yet: alice's mark stays on the older message.
    assert.equal(await message(alice, 'Ping').locator('.read-mark').count(), 0);
    await openDm(bob, '1', 'alice');
    await message(bob, 'Ping').waitFor();
    await message(alice, 'Ping').locator('.read-mark', { hasText: 'read by bob' }).waitFor();
    assert.equal(await alice.locator('#messages .read-mark').count(), 1);
    await bobsBadge.waitFor({ state: 'hidden' });

    // Both pages side by side in one picture, for a person to look at.
    fs.mkdirSync(OUTPUT_DIR, { recursive: true });
    const shots = [await alice.screenshot(), await bob.screenshot()];
    const combiner = await (await browser.newContext({ viewport: { width: 1580, height: 660 } })).newPage();
    await combiner.setContent(`<body style="margin:0;display:flex;gap:20px;padding:20px;background:#444">${
      shots.map((png) => `<img style="border:1px solid #222" src="data:image/png;base64,${png.toString('base64')}">`).join('')}</body>`);
    await combiner.waitForFunction(() => [...document.images].every((i) => i.complete && i.naturalWidth > 0));
    await combiner.screenshot({ path: SCREENSHOT });
    await combiner.context().close();
    console.log(`screenshot: ${SCREENSHOT}`);

    assert.deepEqual(alice.errors ?? [], []);
    assert.deepEqual(bob.errors ?? [], []);
  });
});
