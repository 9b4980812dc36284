// Shared helpers of the browser tests: a static server over web/dist on an
// ephemeral 127.0.0.1 port, the system Chromium through playwright-core, and
// screenshots into target/screenshots/.
//
// Environment (all optional; `cargo xtask test` sets them):
//   STREAMLAB_ROOT         the repository root
//   STREAMLAB_DIST         the built web app (default: web/dist)
//   STREAMLAB_CHROMIUM     the Chromium binary (default: /usr/bin/chromium)
//   STREAMLAB_CLI          the native `streamlab` binary (default: target/debug/streamlab)
//   STREAMLAB_SCREENSHOTS  where screenshots go (default: target/screenshots)

import { createServer } from 'node:http';
import { readFile, mkdir, stat } from 'node:fs/promises';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = path.dirname(fileURLToPath(import.meta.url));
export const ROOT = process.env.STREAMLAB_ROOT || path.resolve(here, '..', '..');
export const DIST = process.env.STREAMLAB_DIST || path.join(ROOT, 'web', 'dist');
export const SCREENSHOTS = process.env.STREAMLAB_SCREENSHOTS || path.join(ROOT, 'target', 'screenshots');
export const CHROMIUM = process.env.STREAMLAB_CHROMIUM || '/usr/bin/chromium';

const MIME = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.wasm': 'application/wasm',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};

/** Serves DIST on 127.0.0.1:<ephemeral>; resolves to { url, close() }. */
export async function startServer(dir = DIST) {
  if (!existsSync(path.join(dir, 'index.html'))) {
    throw new Error(`${dir}/index.html is missing: build the web app first (cargo xtask build-web)`);
  }
  const root = path.resolve(dir);
  const server = createServer(async (req, res) => {
    try {
      const url = new URL(req.url, 'http://localhost');
      let file = path.resolve(root, '.' + decodeURIComponent(url.pathname));
      if (file !== root && !file.startsWith(root + path.sep)) throw new Error('outside');
      if ((await stat(file)).isDirectory()) file = path.join(file, 'index.html');
      const body = await readFile(file);
      res.writeHead(200, {
        'Content-Type': MIME[path.extname(file)] || 'application/octet-stream',
        'Cache-Control': 'no-cache',
      });
      res.end(req.method === 'HEAD' ? undefined : body);
    } catch {
      res.writeHead(404, { 'Content-Type': 'text/plain' });
      res.end('not found');
    }
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address();
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

/** Launches headless Chromium with flags that keep it off the network. */
export async function launchBrowser() {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`Chromium not found at ${CHROMIUM} (cargo xtask test installs it; or set STREAMLAB_CHROMIUM)`);
  }
  // playwright-core adds --headless and a fresh temporary --user-data-dir itself.
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    timeout: 60_000,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-dev-shm-usage',
    ],
  });
}

/**
 * Opens the app (optionally with a fragment such as `#scenario=x&seed=1`) in a
 * new page and waits until Yew has rendered. Returns { page, context, problems }
 * where `problems` collects uncaught page errors and console errors.
 */
export async function openApp(browser, baseUrl, { fragment = '', width = 1024, height = 900 } = {}) {
  const context = await browser.newContext({ viewport: { width, height }, deviceScaleFactor: 1 });
  const page = await context.newPage();
  page.setDefaultTimeout(30_000);
  const problems = [];
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() === 'error') problems.push(`console error: ${msg.text()}`);
  });
  page.on('requestfailed', (req) => problems.push(`request failed: ${req.url()}`));
  await page.goto(baseUrl + fragment);
  await page.waitForSelector('#player');
  return { page, context, problems };
}

/** target/screenshots/<name>.png (the directory made if missing). */
export async function screenshotPath(name) {
  await mkdir(SCREENSHOTS, { recursive: true });
  return path.join(SCREENSHOTS, `${name}.png`);
}

/** Writes a full-page PNG to target/screenshots/<name>.png and returns its path. */
export async function screenshot(page, name) {
  const file = await screenshotPath(name);
  // From the top: a sticky bar would otherwise be drawn where the page was scrolled to.
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

/** The run's visible state: simulated µs, trace length, hash, finished flag. */
export async function runState(page) {
  return page.evaluate(() => {
    const hash = document.querySelector('#trace-hash');
    return {
      us: Number(document.querySelector('#sim-time')?.dataset.us ?? NaN),
      len: Number(document.querySelector('#trace-len')?.textContent ?? NaN),
      hash: hash?.textContent ?? null,
      finished: hash?.dataset.finished === 'true',
      state: document.querySelector('#state')?.textContent ?? null,
    };
  });
}

/** The built-in scenario file names listed in the select. */
export async function builtinScenarios(page) {
  return page.$$eval('#scenario-select option', (options) => options.map((o) => o.value).filter(Boolean));
}

/**
 * Runs the native `streamlab` (STREAMLAB_CLI, else target/debug/streamlab,
 * else `cargo run`) with `args` from the repository root; resolves to its
 * stdout. Exit code 1 means "ran, but an expectation failed": the output is
 * still returned.
 */
export async function runCli(args) {
  const cli = process.env.STREAMLAB_CLI || path.join(ROOT, 'target', 'debug', 'streamlab');
  const [program, argv] = existsSync(cli)
    ? [cli, args]
    : ['cargo', ['run', '--quiet', '--package', 'streamlab-cli', '--', ...args]];
  try {
    return (await promisify(execFile)(program, argv, { cwd: ROOT, maxBuffer: 256 * 1024 * 1024 })).stdout;
  } catch (err) {
    if (err.code === 1 && err.stdout) return err.stdout;
    throw new Error(`${program} ${argv.join(' ')} failed (exit ${err.code}): ${err.stderr || err.message}`);
  }
}
