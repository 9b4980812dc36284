// The web app in headless Chromium: loading, play / pause / step / run to
// end / reset, scenario errors, and bad links.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startServer, launchBrowser, openApp, screenshot, runState, builtinScenarios,
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

// Used only while BUILTIN_SCENARIOS is empty (early in the project).
const FALLBACK_SCENARIO = `# typed into the textarea because no scenario is built in yet
name = "fallback"
`;

test('loads, lists scenarios, plays, pauses, steps, runs to the end and resets', async (t) => {
  const { page, context, problems } = await openApp(browser, server.url);
  try {
    assert.equal(await page.title(), 'streamlab');
    const names = await builtinScenarios(page);
    if (names.length > 0) {
      t.diagnostic(`built-in scenarios: ${names.join(', ')}`);
      await page.selectOption('#scenario-select', names[0]);
      const text = await page.inputValue('#toml');
      assert.ok(text.trim().length > 0, 'choosing a built-in scenario fills the textarea');
    } else {
      t.diagnostic('BUILTIN_SCENARIOS is empty: loading text typed into the textarea instead');
      await page.fill('#toml', FALLBACK_SCENARIO);
    }
    await page.fill('#seed', '7');
    await page.click('#load');
    await page.waitForSelector('#trace-hash');
    assert.equal(await page.locator('#error').count(), 0, 'no error after loading a built-in scenario');
    assert.equal(await page.textContent('#seed-value'), '7');

    const loaded = await runState(page);
    assert.equal(loaded.state, 'paused');
    assert.match(loaded.hash, /^[0-9a-f]+$/, 'the trace hash is hex');

    // Play fast enough that something happens within a few seconds.
    await page.selectOption('#speed', '10');
    await page.click('#play');
    await page.waitForFunction(
      (before) => {
        const h = document.querySelector('#trace-hash');
        return h && (h.textContent !== before || h.dataset.finished === 'true');
      },
      loaded.hash,
      { timeout: 20_000 },
    );
    if (!(await runState(page)).finished) await page.click('#pause');
    const played = await runState(page);
    assert.ok(played.us > loaded.us, `play advances simulated time (${loaded.us} → ${played.us} µs)`);
    assert.notEqual(played.hash, loaded.hash, 'play changes the trace hash');

    // Paused means paused.
    await page.waitForTimeout(300);
    assert.deepEqual(await runState(page), played, 'nothing moves while paused');

    if (!played.finished) {
      await page.click('#step');
      const stepped = await runState(page);
      t.diagnostic(`step: trace ${played.len} → ${stepped.len}, time ${played.us} → ${stepped.us} µs`);
      assert.ok(stepped.len >= played.len + 1, 'one step adds to the trace');
      assert.ok(stepped.us >= played.us, 'time never goes backwards');
      assert.notEqual(stepped.hash, played.hash, 'a step changes the trace hash');
    }
    await screenshot(page, 'app-playing');

    await page.click('#run-to-end');
    await page.waitForSelector('#trace-hash[data-finished="true"]');
    const finished = await runState(page);
    assert.equal(finished.state, 'finished');
    assert.ok(await page.isDisabled('#play'), 'Play is disabled at the end');
    assert.ok(await page.isDisabled('#step'), 'Step is disabled at the end');
    assert.ok((await page.textContent('#summary')).trim().length > 0, 'a summary is shown');
    await page.click('#toggle-report');
    await page.waitForSelector('#report');
    await screenshot(page, 'app-finished');
    await page.click('#toggle-report');

    // Reset loads the same scenario and seed again: same starting state.
    await page.click('#reset');
    const reset = await runState(page);
    assert.equal(reset.us, loaded.us);
    assert.equal(reset.len, loaded.len);
    assert.equal(reset.hash, loaded.hash);
    assert.equal(await page.textContent('#seed-value'), '7');

    // Running again to the end in one go gives the same hash as playing,
    // stepping and then running to the end: chunking does not change a run.
    await page.click('#run-to-end');
    await page.waitForSelector('#trace-hash[data-finished="true"]');
    assert.equal((await runState(page)).hash, finished.hash);

    // The narrowest supported window (1024 px) still shows everything without sideways scrolling.
    await page.setViewportSize({ width: 1024, height: 900 });
    await screenshot(page, 'app-narrow');
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `no horizontal scrolling at 1024 px (overflow ${overflow} px)`);

    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

/** The text of a built-in scenario, as the select puts it into the textarea. */
async function builtinText(page, name) {
  await page.selectOption('#scenario-select', name);
  return page.inputValue('#toml');
}

test('a malformed scenario shows file:line:column and keeps the text', async () => {
  const { page, context, problems } = await openApp(browser, server.url, { width: 1280 });
  try {
    // Line 3 is not valid TOML.
    const malformed = [
      '# a scenario with a mistake on line 3',
      '[cluster]',
      'brokers = = 3',
      '',
      '[[topics]]',
      'name = "<b>orders</b>"',
      '',
    ].join('\n');
    await page.fill('#toml', malformed);
    await page.click('#load');
    const box = page.locator('#error');
    await box.waitFor();
    const text = await box.textContent();
    assert.match(text, /[^\s:]+\.toml:3:\d+/, `the error names file:line:column (got: ${text})`);
    assert.equal(await box.getAttribute('data-line'), '3');
    assert.equal(await page.inputValue('#toml'), malformed, 'the textarea keeps what was typed');
    assert.equal(await page.getAttribute('#toml', 'aria-invalid'), 'true');
    assert.equal(await page.locator('#trace-hash').count(), 0, 'no stale run is shown');
    assert.equal(await page.locator('#error b').count(), 0, 'file content is escaped');
    await screenshot(page, 'app-scenario-error');

    // A well-formed file with a bad value: the error names the field too.
    const names = await builtinScenarios(page);
    const original = names.length > 0 ? await builtinText(page, names[0]) : '';
    const lines = original.split('\n');
    const at = lines.findIndex((l) => /^brokers\s*=\s*\d+/.test(l));
    if (at >= 0) {
      lines[at] = 'brokers = "three"';
      const bad = lines.join('\n');
      await page.fill('#toml', bad);
      await page.click('#load');
      await page.waitForFunction((line) => document.querySelector('#error')?.dataset.line === line, String(at + 1));
      const message = await page.textContent('#error');
      assert.match(message, new RegExp(`:${at + 1}:\\d+`), message);
      assert.match(message, /brokers/, 'the error names the field');
      assert.equal(await page.inputValue('#toml'), bad);
      await screenshot(page, 'app-field-error');
    }
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test('bad links and bad seeds show an error, never a panic', async () => {
  const { page, context, problems } = await openApp(browser, server.url, {
    fragment: '#scenario=' + encodeURIComponent('<img src=x onerror=window.pwned=1>.toml') + '&seed=1&run=1',
  });
  try {
    const box = page.locator('#error');
    await box.waitFor();
    assert.match(await box.textContent(), /no built-in scenario named “<img src=x onerror=window\.pwned=1>\.toml”/);
    assert.equal(await page.locator('#error img').count(), 0, 'the name is shown as text, not HTML');
    assert.equal(await page.evaluate(() => window.pwned), undefined);
    await screenshot(page, 'app-bad-link');

    // A bad seed in the address (the page reacts to hash changes too).
    await page.evaluate(() => { window.location.hash = '#scenario=x.toml&seed=banana'; });
    await page.waitForFunction(() => document.querySelector('#error')?.textContent.includes('banana'));

    // A bad seed typed into the seed field.
    await page.evaluate(() => { window.location.hash = ''; });
    await page.fill('#seed', '-5');
    await page.click('#load');
    await page.waitForFunction(() => document.querySelector('#error')?.textContent.includes('-5'));
    assert.match(await page.textContent('#error'), /seed/i);

    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});
