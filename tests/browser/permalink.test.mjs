// Permalinks: Share → open the link in a fresh page → the same run, whose
// trace hash equals the native CLI's for the same scenario text and seed;
// `streamlab url` links open the same way; a tampered link is refused with a
// message and leaves the current work alone.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  startServer, launchBrowser, openApp, screenshot, runState, runCli,
} from './helpers.mjs';

let server;
let browser;

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.close();
});

/** The CLI's trace hash for `text` run with `seed`. */
async function cliHash(text, seed) {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'streamlab-permalink-'));
  const file = path.join(dir, 'shared.toml');
  await writeFile(file, text);
  return JSON.parse(await runCli(['run', file, '--seed', String(seed), '--json'])).trace_hash;
}

/** Opens `url` in a fresh page, runs it to the end; returns { hash, text, seed, page, context, problems }. */
async function openAndFinish(url) {
  const { page, context, problems } = await openApp(browser, url, { width: 1280 });
  await page.waitForSelector('#trace-hash');
  if (!(await runState(page)).finished) {
    await page.click('#run-to-end');
    await page.waitForSelector('#trace-hash[data-finished="true"]', { timeout: 120_000 });
  }
  return {
    hash: (await page.textContent('#trace-hash')).trim(),
    text: await page.inputValue('#toml'),
    seed: (await page.textContent('#seed-value')).trim(),
    page, context, problems,
  };
}

test('a shared link with an injected fault reopens the exact run, and the CLI agrees', async (t) => {
  const seed = 11;
  const { page, context, problems } = await openApp(browser, server.url, { fragment: `#scenario=basic.toml&seed=${seed}`, width: 1280 });
  try {
    await page.waitForSelector('.cluster-node[data-node="b2"]');
    // Move to 2 s, then crash b2 by clicking it: the fault becomes part of the scenario.
    await page.evaluate(() => {
      const s = document.querySelector('#scrub');
      s.value = '2000000';
      s.dispatchEvent(new Event('input', { bubbles: true }));
    });
    await page.waitForFunction(() => document.querySelector('#sim-time')?.dataset.us === '2000000');
    await page.click('.cluster-node[data-node="b2"]');
    await page.click('#fault-crash');
    await page.waitForFunction(() => document.querySelector('.cluster-node[data-node="b2"]')?.dataset.status === 'down');
    const text = await page.inputValue('#toml');
    assert.match(text, /\[\[faults\]\][^[]*"b2"/, 'the crash is in the scenario text');

    await page.click('#share');
    const url = (await page.inputValue('#share-url')).trim();
    t.diagnostic(`permalink: ${url.length} characters`);
    assert.ok(url.startsWith(server.url + '#'), url);
    assert.match(url, /[#&]h=[0-9a-f]+$/, 'the link carries a checksum');
    await screenshot(page, 'permalink-share');

    // Finish the run here, for comparison.
    await page.keyboard.press('Escape');
    await page.click('#run-to-end');
    await page.waitForSelector('#trace-hash[data-finished="true"]');
    const here = (await page.textContent('#trace-hash')).trim();

    const opened = await openAndFinish(url);
    try {
      assert.equal(opened.text, text, 'the link carries the scenario text, fault included');
      assert.equal(opened.seed, String(seed));
      assert.equal(opened.hash, here, 'the reopened run is the same run');
      const native = await cliHash(text, seed);
      t.diagnostic(`web ${opened.hash}, cli ${native}`);
      assert.equal(opened.hash, native, 'the browser and the native CLI agree');
      assert.deepEqual(opened.problems, []);
    } finally {
      await opened.context.close();
    }
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test('`streamlab url` prints a link that opens the same run as `streamlab run`', async (t) => {
  const seed = 5;
  const file = 'scenarios/kafka/a2-acks1-failover-loss.toml';
  const url = (await runCli(['url', file, '--seed', String(seed), '--base', server.url])).trim().split('\n').pop();
  assert.ok(url.startsWith(server.url + '#'), url);
  const opened = await openAndFinish(url);
  try {
    const report = JSON.parse(await runCli(['run', file, '--seed', String(seed), '--json']));
    t.diagnostic(`${file} seed ${seed}: web ${opened.hash}, cli ${report.trace_hash}`);
    assert.equal(opened.hash, report.trace_hash);
    assert.deepEqual(opened.problems, []);
  } finally {
    await opened.context.close();
  }
});

test('a tampered or truncated link shows a message and keeps the current run', async () => {
  const url = (await runCli(['url', 'scenarios/basic.toml', '--seed', '9', '--base', server.url])).trim().split('\n').pop();
  const fragment = url.slice(url.indexOf('#'));
  const { page, context, problems } = await openApp(browser, server.url, { fragment, width: 1280 });
  try {
    await page.waitForSelector('#trace-hash');
    await page.click('#step');
    const before = await runState(page);
    const text = await page.inputValue('#toml');

    // One character of the compressed scenario changed: the checksum catches it.
    const i = fragment.indexOf('&s=') + 10;
    const flipped = fragment.slice(0, i) + (fragment[i] === 'A' ? 'B' : 'A') + fragment.slice(i + 1);
    await page.evaluate((f) => { window.location.hash = f; }, flipped);
    await page.waitForSelector('#error');
    const message = await page.textContent('#error');
    assert.match(message, /link/i, message);
    assert.deepEqual(await runState(page), before, 'the current run is untouched');
    assert.equal(await page.inputValue('#toml'), text, 'the editor keeps its text');
    await screenshot(page, 'permalink-tampered');

    // Cut short, as a chat client might.
    await page.evaluate((f) => { window.location.hash = f; }, fragment.slice(0, Math.floor(fragment.length / 2)));
    await page.waitForFunction((m) => document.querySelector('#error')?.textContent !== m, message);
    assert.deepEqual(await runState(page), before);
    assert.equal(await page.inputValue('#toml'), text);
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});
