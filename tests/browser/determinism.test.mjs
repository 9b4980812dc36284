// The browser and the native CLI compute the same trace hash for the same
// scenario and seed: `#scenario=<file>&seed=<n>&run=1` in the web app against
// `streamlab run scenarios/<file> --seed <n> --json` (its "trace_hash").

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import {
  ROOT, startServer, launchBrowser, openApp, screenshot, builtinScenarios, runCli,
} from './helpers.mjs';

const SEEDS = [42, 7];

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

/** `streamlab run <file> --seed <seed> --json` → the parsed report. */
async function cliReport(file, seed) {
  return JSON.parse(await runCli(['run', file, '--seed', String(seed), '--json']));
}

test('the web app and the native CLI agree on the trace hash', async (t) => {
  const { page, context } = await openApp(browser, server.url);
  const names = await builtinScenarios(page);
  await context.close();
  assert.ok(names.length > 0, 'BUILTIN_SCENARIOS is empty: no scenario to compare');

  let shot = false;
  for (const name of names) {
    const file = path.join(ROOT, 'scenarios', name);
    assert.ok(existsSync(file), `built-in scenario ${name} has no file ${file}`);
    for (const seed of SEEDS) {
      const { page, context, problems } = await openApp(browser, server.url, {
        fragment: `#scenario=${encodeURIComponent(name)}&seed=${seed}&run=1`,
      });
      try {
        await page.waitForSelector('#trace-hash[data-finished="true"]', { timeout: 120_000 });
        const web = (await page.textContent('#trace-hash')).trim();
        assert.equal(await page.textContent('#seed-value'), String(seed));
        const report = await cliReport(file, seed);
        t.diagnostic(`${name} seed ${seed}: web ${web}, cli ${report.trace_hash}`);
        assert.equal(web, report.trace_hash, `${name} with seed ${seed}`);
        if (!shot) {
          await screenshot(page, 'determinism-run-to-end');
          shot = true;
        }
        assert.deepEqual(problems, []);
      } finally {
        await context.close();
      }
    }
  }
});
