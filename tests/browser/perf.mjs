// Browser performance of the web app, measured with the Performance API in
// headless Chromium (not a test: `cargo xtask bench-web` runs it and prints
// the figures docs/performance.md records).
//
//   1. Playback: the 5-broker, 12-partition scenario played at 10× for a few
//      seconds, first with the page at its top (the cluster and the
//      partitions in sight), then with each lower tab scrolled into sight
//      under the player bar, as a student reading it would; frames are
//      counted with requestAnimationFrame, and the simulated time advanced
//      is compared with 10× the wall time. While playing, the app redraws
//      only the views in sight, so where the page is scrolled matters.
//   2. Scrubbing: the time slider of a 1-minute scenario set to random
//      moments (backward and forward); each seek is timed from the input
//      event to the moment the page shows the new time.
//
// Writes target/perf/browser.json as well.

import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ROOT, startServer, launchBrowser, openApp } from './helpers.mjs';

const SCENARIO = 'perf/five-brokers-twelve-partitions.toml';
const PLAY_MS = Number(process.env.PERF_PLAY_MS || 4000);
const SEEKS = Number(process.env.PERF_SEEKS || 40);
const TABS = ['#tab-summary', '#tab-messages', '#tab-metrics', '#tab-outputs', '#tab-trace', '#tab-event-time'];

const server = await startServer();
const browser = await launchBrowser();
const results = { scenario: SCENARIO, date: new Date().toISOString(), playback: [], scrub: null };
try {
  const { page, problems } = await openApp(browser, server.url, { fragment: `#scenario=${encodeURIComponent(SCENARIO)}&seed=1`, width: 1440, height: 900 });
  await page.waitForSelector('#trace-hash');
  await page.click('#toggle-editor'); // the views get the whole width, as in a lecture
  await page.selectOption('#speed', '10');
  // Warm up first: the browser compiles the WASM quickly, then again,
  // optimised, in the background during the first seconds; measure the
  // page as it runs once that is done.
  await page.click('#play');
  await page.waitForTimeout(3000);
  await page.click('#pause');
  await page.click('#reset');
  for (const tab of [null, ...TABS]) {
    if (tab && (await page.locator(tab).count()) === 0) continue;
    if (tab) await page.click(tab);
    const r = await page.evaluate(async ({ playMs, toTabs }) => {
      // The tabs sit at the end of the page, below the partitions; scrolled
      // as far down as the page goes, the tab shown is all in sight. The
      // page grows as the run starts (the partitions get their notes), so
      // scroll again once it plays, then measure.
      const scroll = () => {
        const bar = document.querySelector('.player-bar')?.getBoundingClientRect().height ?? 0;
        const tabs = document.querySelector('.view-tabs');
        window.scrollTo(0, toTabs && tabs ? tabs.getBoundingClientRect().top + window.scrollY - bar : 0);
      };
      scroll();
      document.querySelector('#play').click();
      await new Promise((r) => setTimeout(r, 600));
      scroll();
      await new Promise((r) => setTimeout(r, 100));
      const inSight = toTabs ? Math.round(document.querySelector('.tab-panel').getBoundingClientRect().top) : null;
      const simUs = () => Number(document.querySelector('#sim-time').dataset.us);
      const startUs = simUs();
      const frames = [];
      let last = performance.now();
      let running = true;
      const loop = (t) => { frames.push(t - last); last = t; if (running) requestAnimationFrame(loop); };
      const t0 = performance.now();
      requestAnimationFrame((t) => { last = t; requestAnimationFrame(loop); });
      await new Promise((r) => setTimeout(r, playMs));
      running = false;
      const wall = performance.now() - t0;
      document.querySelector('#pause')?.click();
      const sorted = frames.slice().sort((a, b) => a - b);
      const pct = (p) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
      return {
        frames: frames.length,
        fps: frames.length / (wall / 1000),
        frame_ms_p50: pct(0.5), frame_ms_p95: pct(0.95), frame_ms_max: sorted[sorted.length - 1],
        sim_speed: (simUs() - startUs) / 1000 / wall,
        tab_panel_top_px: inSight,
      };
    }, { playMs: PLAY_MS, toTabs: Boolean(tab) });
    r.tab = tab ? tab.replace('#tab-', '') : 'top';
    results.playback.push(r);
    console.log(`play 10× with ${tab ? r.tab : 'the page at its top (cluster, partitions)'}: ${r.fps.toFixed(1)} fps (frame p50 ${r.frame_ms_p50.toFixed(1)} ms, p95 ${r.frame_ms_p95.toFixed(1)} ms, max ${r.frame_ms_max.toFixed(1)} ms), simulated ${r.sim_speed.toFixed(2)}× real time${tab ? `, tab panel at ${r.tab_panel_top_px} px of 900` : ""}`);
    await page.click('#reset');
  }

  // Scrub: run to the end first, so every moment is within the recorded run.
  await page.click('#tab-summary');
  await page.click('#run-to-end');
  await page.waitForSelector('#trace-hash[data-finished="true"]', { timeout: 120_000 });
  for (const [label, tab] of [['summary', '#tab-summary'], ['metrics', '#tab-metrics'], ['messages', '#tab-messages']]) {
    if ((await page.locator(tab).count()) === 0) continue;
    await page.click(tab);
    const times = await page.evaluate(async (n) => {
      const slider = document.querySelector('#scrub');
      const shown = () => document.querySelector('#sim-time').dataset.us;
      const max = Number(slider.max);
      // A fixed pseudo-random sequence, so runs compare.
      let x = 12345;
      const rand = () => { x = (x * 1103515245 + 12345) % 2147483648; return x / 2147483648; };
      const out = [];
      for (let i = 0; i < n; i++) {
        const target = Math.floor(rand() * max / 1000) * 1000;
        const t0 = performance.now();
        slider.value = String(target);
        slider.dispatchEvent(new Event('input', { bubbles: true }));
        // Wait until the page shows the new moment (Yew renders synchronously
        // or on the next microtask; poll each animation frame as a fallback).
        while (shown() !== String(target)) {
          await new Promise((r) => requestAnimationFrame(r));
          if (performance.now() - t0 > 10_000) break;
        }
        out.push({ target, ms: performance.now() - t0 });
        await new Promise((r) => setTimeout(r, 20));
      }
      return out;
    }, SEEKS);
    const ms = times.map((t) => t.ms).sort((a, b) => a - b);
    const s = { tab: label, seeks: ms.length, ms_min: ms[0], ms_p50: ms[Math.floor(ms.length / 2)], ms_p95: ms[Math.floor(ms.length * 0.95)], ms_max: ms[ms.length - 1] };
    (results.scrub ??= []).push(s);
    console.log(`scrub with ${label}: ${s.seeks} seeks: min ${s.ms_min.toFixed(1)} ms, p50 ${s.ms_p50.toFixed(1)} ms, p95 ${s.ms_p95.toFixed(1)} ms, max ${s.ms_max.toFixed(1)} ms`);
  }
  if (problems.length) console.log('page problems:\n' + problems.join('\n'));
} finally {
  await browser.close();
  await server.close();
}
const out = path.join(ROOT, 'target', 'perf');
await mkdir(out, { recursive: true });
await writeFile(path.join(out, 'browser.json'), JSON.stringify(results, null, 2));
console.log(`wrote ${path.join(out, 'browser.json')}`);
