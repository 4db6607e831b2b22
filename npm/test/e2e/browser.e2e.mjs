// End to end in a real browser: playwright-core drives Debian's /usr/bin/chromium against the demo
// page (examples/browser/) served by a tiny static server. It transacts through the page, checks the
// query result and the live subscription in the DOM, reloads (data and history intact, from
// IndexedDB), checks that a second tab is refused (one writer), and saves a screenshot.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { mkdtempSync, readFileSync, rmSync, existsSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.mjs': 'text/javascript', '.wasm': 'application/wasm', '.json': 'application/json', '.css': 'text/css' };

function serve() {
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    let file = normalize(join(root, path));
    if (!file.startsWith(root)) {
      res.writeHead(403).end();
      return;
    }
    if (existsSync(file) && statSync(file).isDirectory()) file = join(file, 'index.html');
    if (!existsSync(file)) {
      res.writeHead(404).end('not found');
      return;
    }
    res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-store' });
    res.end(readFileSync(file));
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

test('demo page: transact, query, live subscription, reload persistence, one writer', { timeout: 120_000 }, async () => {
  const server = await serve();
  const url = `http://127.0.0.1:${server.address().port}/examples/browser/`;
  const profile = mkdtempSync(join(tmpdir(), 'dfdb-e2e-profile-'));
  const shots = mkdtempSync(join(tmpdir(), 'dfdb-e2e-shots-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
  const errors = [];
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(url);
    await page.waitForSelector('body[data-ready="true"]', { timeout: 30_000 });
    const liveRows = () => page.$$eval('#live tr', (trs) => trs.map((tr) => [...tr.children].map((td) => td.textContent)));
    assert.deepEqual(await liveRows(), [['Ada', '36'], ['Linus', '28']]);
    assert.equal(await page.textContent('#count'), '1');

    await page.fill('#name', 'Grace');
    await page.fill('#age', '45');
    await page.click('button[type=submit]');
    await page.waitForFunction(() => document.querySelectorAll('#live tr').length === 3);
    assert.deepEqual(await liveRows(), [['Ada', '36'], ['Grace', '45'], ['Linus', '28']]);
    await page.waitForFunction(() => document.getElementById('count').textContent === '2');
    // An upsert through the unique name: the live row changes (a retraction and an addition).
    await page.fill('#name', 'Linus');
    await page.fill('#age', '31');
    await page.click('button[type=submit]');
    await page.waitForFunction(() => document.getElementById('count').textContent === '3');
    assert.deepEqual(await liveRows(), [['Ada', '36'], ['Grace', '45'], ['Linus', '31']]);
    const history = await page.textContent('#history');
    assert.equal(history, '8');
    await page.screenshot({ path: join(shots, 'demo.png'), fullPage: true });

    // A second tab may not open the same database while the first holds it.
    const second = await context.newPage();
    await second.goto(url);
    await second.waitForSelector('body[data-ready="error"]', { timeout: 30_000 });
    assert.match(await second.textContent('#error'), /^io: .*another tab/);
    await second.close();

    // Reload: everything comes back from IndexedDB, history included.
    await page.reload();
    await page.waitForSelector('body[data-ready="true"]', { timeout: 30_000 });
    assert.deepEqual(await liveRows(), [['Ada', '36'], ['Grace', '45'], ['Linus', '31']]);
    assert.equal(await page.textContent('#count'), '3');
    assert.equal(await page.textContent('#history'), history);
    const ages = await page.evaluate(() => window.demo.db.history().filter((d) => d.a === ':person/age').map((d) => [d.v, d.added]));
    assert.deepEqual(ages, [[36, true], [28, true], [45, true], [31, true], [28, false]]);
    await page.screenshot({ path: join(shots, 'after-reload.png'), fullPage: true });
    console.log(`screenshots: ${shots}`);
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
    server.close();
    rmSync(profile, { recursive: true, force: true });
  }
});
