// A student's first session, in headless Chromium: open a scenario, press
// play, crash the partition leader by clicking it in the cluster view, step to
// the election, check what the views show, scrub back to before the crash and
// forward again. Then the same app with each lower tab open, one screenshot per
// view (target/screenshots/view-*.png).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startServer, launchBrowser, openApp, screenshot, screenshotPath, runState,
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

/** What the partitions view shows for one partition. */
async function partition(page, tp) {
  return page.evaluate((tp) => {
    const section = document.querySelector(`section.partition[data-tp="${tp}"]`);
    if (!section) return null;
    const replicas = {};
    for (const r of section.querySelectorAll('[data-replica]')) {
      replicas[r.dataset.replica] = {
        hw: Number(r.dataset.hw), leo: Number(r.dataset.leo), isr: r.dataset.isr, status: r.dataset.status, leader: r.dataset.leader === 'true',
      };
    }
    return { leader: section.dataset.leader, epoch: Number(section.dataset.leaderEpoch), hw: Number(section.dataset.hw), replicas };
  }, tp);
}

/** The status the cluster view gives a node (up, down, paused). */
async function nodeStatus(page, name) {
  return page.getAttribute(`.cluster-node[data-node="${name}"]`, 'data-status');
}

/** Moves the time slider to `us` and waits until the page shows that moment. */
async function scrubTo(page, us) {
  await page.evaluate((us) => {
    const slider = document.querySelector('#scrub');
    slider.value = String(us);
    slider.dispatchEvent(new Event('input', { bubbles: true }));
  }, us);
  await page.waitForFunction((us) => document.querySelector('#sim-time')?.dataset.us === String(us), us);
}

// A cluster, a producer and two jobs: 60 s, long enough for a failover.
const SCENARIO = 'stream/compare/flink-vs-spark.toml';
const TP = 'clicks-0';

test('play, crash the leader by clicking it, watch the election, scrub back and forward', async (t) => {
  const { page, context, problems } = await openApp(browser, server.url, {
    fragment: `#scenario=${encodeURIComponent(SCENARIO)}&seed=3`, width: 1440,
  });
  try {
    await page.waitForSelector(`section.partition[data-tp="${TP}"]`);
    const start = await runState(page);
    assert.equal(start.state, 'paused');

    // Play at 10× until about 3 s of simulated time have passed.
    await page.selectOption('#speed', '10');
    await page.click('#play');
    await page.waitForFunction(() => Number(document.querySelector('#sim-time').dataset.us) >= 3_000_000, null, { timeout: 20_000 });
    await page.click('#pause');
    const beforeCrash = await runState(page);
    const p0 = await partition(page, TP);
    t.diagnostic(`paused at ${beforeCrash.us} µs: ${TP} leader ${p0.leader}, epoch ${p0.epoch}, HW ${p0.hw}`);
    assert.match(p0.leader, /^b\d$/, `${TP} has a leader`);
    assert.ok(p0.hw > 0, 'records have been replicated and the HW has moved');
    assert.equal(Object.values(p0.replicas).filter((r) => r.isr === 'in').length, 3, 'all three replicas are in the ISR');
    const leader = p0.leader;
    assert.equal(await nodeStatus(page, leader), 'up');
    await screenshot(page, 'student-before-crash');

    // Click the leader in the cluster view; the fault menu offers a crash.
    await page.click(`.cluster-node[data-node="${leader}"]`);
    await page.waitForSelector('#fault-menu');
    assert.match(await page.textContent('#fault-menu'), new RegExp(`${leader} \\(up\\)`));
    await page.click('#fault-crash');
    await page.waitForSelector('#fault-menu', { state: 'detached' });
    await page.waitForFunction((n) => document.querySelector(`.cluster-node[data-node="${n}"]`)?.dataset.status === 'down', leader);
    // The fault became part of the scenario: the editor's text has it, at the moment it was injected.
    const text = await page.inputValue('#toml');
    assert.match(text, /\[\[faults\]\]/, 'the injected crash is written into the scenario');
    assert.match(text, new RegExp(`"${leader}"`));

    // Play on: the controller notices the broker is gone (its session times
    // out) and elects a new leader from the ISR.
    await page.click('#play');
    await page.waitForFunction(
      ([tp, old]) => {
        const l = document.querySelector(`section.partition[data-tp="${tp}"]`)?.dataset.leader;
        return (l && l !== old && /^b\d$/.test(l)) || document.querySelector('#trace-hash')?.dataset.finished === 'true';
      },
      [TP, leader],
      { timeout: 30_000 },
    );
    await page.click('#pause');
    const p = await partition(page, TP);
    const elected = await runState(page);
    t.diagnostic(`after the crash: ${TP} leader ${p.leader}, epoch ${p.epoch} at ${elected.us} µs`);
    assert.notEqual(p.leader, leader, 'a new leader was elected');
    assert.match(p.leader, /^b\d$/);
    assert.ok(p.epoch > p0.epoch, `the leader epoch went up (${p0.epoch} → ${p.epoch})`);
    assert.equal(p.replicas[leader].status, 'down', 'the crashed broker\'s replica is shown down');
    assert.ok(p.replicas[p.leader].leader, 'the new leader\'s replica is marked as leader');
    await page.click('#tab-trace');
    await screenshot(page, 'student-after-election');

    // Next ⚑ moves to the next interesting event (or the end), never backwards.
    await page.click('#next-interesting');
    const next = await runState(page);
    assert.ok(next.us >= elected.us && next.len > elected.len, `Next ⚑ moves on (${elected.us} → ${next.us} µs)`);
    await page.click('#step');
    assert.equal((await runState(page)).len > next.len || (await runState(page)).finished, true, 'Step adds to the trace');

    // Scrub back to before the crash: the old leader is back, up, with its epoch.
    await scrubTo(page, 2_000_000);
    const back = await partition(page, TP);
    assert.equal(back.leader, leader, 'before the crash the old leader leads again');
    assert.equal(back.epoch, p0.epoch);
    assert.equal(await nodeStatus(page, leader), 'up');
    assert.ok(back.hw <= p0.hw, `the HW at 2 s (${back.hw}) is not above the HW at ${beforeCrash.us} µs (${p0.hw})`);
    await screenshot(page, 'student-scrubbed-back');

    // Scrub forward to the election again: same moment, same trace, same hash.
    await scrubTo(page, elected.us);
    const again = await runState(page);
    assert.equal(again.hash, elected.hash, 'scrubbing back and forth re-creates the same trace');
    assert.equal(again.len, elected.len);
    assert.deepEqual(await partition(page, TP), p);

    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

// One scenario with a cluster, two jobs (Flink-style and Spark-style) and
// checkers, so every view has something to draw.
const VIEWS_SCENARIO = 'stream/compare/flink-vs-spark.toml';
const TABS = [
  ['summary', '#tab-summary'],
  ['messages', '#tab-messages'],
  ['event-time', '#tab-event-time'],
  ['metrics', '#tab-metrics'],
  ['outputs', '#tab-outputs'],
  ['trace', '#tab-trace'],
];

/** Opens VIEWS_SCENARIO run to its end, then scrubbed to its middle (plots
 *  have points on both sides of the cursor). */
async function openViewsScenarioAtMiddle() {
  const opened = await openApp(browser, server.url, {
    fragment: `#scenario=${encodeURIComponent(VIEWS_SCENARIO)}&seed=1&run=1`, width: 1440,
  });
  await opened.page.waitForSelector('#trace-hash[data-finished="true"]', { timeout: 120_000 });
  const end = await runState(opened.page);
  await scrubTo(opened.page, Math.floor(end.us / 2 / 1000) * 1000);
  return opened;
}

test('every view draws something, and is photographed', async (t) => {
  const { page, context, problems } = await openViewsScenarioAtMiddle();
  try {
    for (const [name, tab] of TABS) {
      await page.click(tab);
      await page.waitForSelector(`${tab}[aria-selected="true"]`);
      const panel = page.locator('.tab-panel');
      const size = await panel.evaluate((el) => ({
        text: el.textContent.trim().length,
        canvases: [...el.querySelectorAll('canvas')].filter((c) => c.width > 0 && c.height > 0).length,
        svgs: el.querySelectorAll('svg *').length,
        rows: el.querySelectorAll('tr, li').length,
      }));
      t.diagnostic(`${name}: ${JSON.stringify(size)}`);
      assert.ok(size.text > 0 || size.canvases > 0 || size.svgs > 0, `the ${name} tab shows something`);
      if (name === 'event-time' || name === 'metrics') assert.ok(size.canvases > 0, `the ${name} tab draws its plots`);
      if (name === 'trace') assert.ok(size.rows > 0, 'the trace table has rows');
      await screenshot(page, `view-${name}`);
    }
    // The top views: cluster and partitions.
    assert.ok(await page.locator('.cluster-node').count() > 0, 'the cluster view shows nodes');
    await page.locator('.cluster').screenshot({ path: await screenshotPath('view-cluster') });
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

// The Messages diagram is a canvas: hovering names the arrow under the
// pointer (the canvas's title), clicking it jumps to its delivery, and
// clicking a lane's header opens that node's fault menu.
test('the messages diagram names the arrow under the pointer and jumps to it', async () => {
  const { page, context, problems } = await openViewsScenarioAtMiddle();
  try {
    await page.click('#tab-messages');
    const canvas = page.locator('#msg-canvas');
    await canvas.waitFor();
    assert.ok(Number(await canvas.getAttribute('data-arrows')) > 0, 'the diagram has arrows');
    const box = await canvas.boundingBox();
    const lanes = Number(await canvas.getAttribute('data-lanes'));
    const laneW = (box.width - 84 - 24) / lanes;
    // Sweep down between neighbouring lanes until the pointer is on an arrow.
    let title = null;
    sweep: for (let lane = 0; lane + 1 < lanes; lane++) {
      for (let y = 60; y < 565; y += 3) {
        await page.mouse.move(box.x + 84 + laneW * (lane + 1), box.y + y);
        if ((await canvas.getAttribute('data-hover'))?.startsWith('arrow')) {
          title = await canvas.getAttribute('title');
          break sweep;
        }
      }
    }
    assert.ok(title, 'some arrow lies under the pointer');
    const m = title.match(/^\S+ #\d+: (\S+) → (\S+)(?: — .*)?\nsent (\d+)\.(\d{6})s\n(delivered|dropped|still in flight)/);
    assert.ok(m, `an arrow's title names it: ${title}`);
    await page.mouse.down();
    await page.mouse.up();
    const at = title.match(/\n(?:delivered|dropped) (\d+)\.(\d{6})s/);
    const want = at ? Number(at[1]) * 1e6 + Number(at[2]) : Number(m[3]) * 1e6 + Number(m[4]);
    await page.waitForFunction((us) => document.querySelector('#sim-time')?.dataset.us === String(us), want);

    // A lane's header opens the node's fault menu.
    await page.mouse.move(box.x + 84 + laneW * 1.5, box.y + 20);
    assert.match(await canvas.getAttribute('title'), /click for the fault menu/);
    await page.mouse.down();
    await page.mouse.up();
    await page.waitForSelector('#fault-menu');
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

// While a run plays, views out of sight are not redrawn (views/in_view.rs);
// one scrolled back into sight must be current again, not left as it was.
test('a view scrolled back into sight while playing shows the run as it is now', async () => {
  const { page, context, problems } = await openApp(browser, server.url, {
    fragment: `#scenario=${encodeURIComponent('perf/five-brokers-twelve-partitions.toml')}&seed=1`, width: 1440, height: 900,
  });
  try {
    await page.waitForSelector('#trace-hash');
    await page.selectOption('#speed', '10');
    const hw = () => page.getAttribute('section.partition[data-tp="events-0"]', 'data-hw').then(Number);
    const scrollTo = (sel) => page.evaluate((sel) => {
      const bar = document.querySelector('.player-bar').getBoundingClientRect().height;
      window.scrollTo(0, sel ? document.querySelector(sel).getBoundingClientRect().top + window.scrollY - bar : 0);
    }, sel);
    await page.click('#play');
    await scrollTo('.view-tabs');
    await page.waitForTimeout(800);
    const away = await hw();
    await scrollTo(null);
    // Back in sight, the block follows the run again.
    await page.waitForFunction((away) => Number(document.querySelector('section.partition[data-tp="events-0"]').dataset.hw) > away + 5, away, { timeout: 5_000 });
    await page.click('#pause');
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});
