// The lesson player in headless Chromium: lesson 4 walked from its first
// step to the quiz (predictions answered before the runs that reveal them,
// checks shown with their actual values), progress kept over a reload, the
// list's progress badge, "Try it yourself"; and `streamlab lesson preview`
// reloading a lesson when its file changes.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, writeFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { ROOT, DIST, startServer, launchBrowser, screenshot } from './helpers.mjs';

const LESSON = 'kafka-04-losing-a-broker';

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

/** Opens `url` in a fresh context (fresh local storage) and waits for the lessons page. */
async function openLessons(url, { width = 1280, height = 900 } = {}) {
  const context = await browser.newContext({ viewport: { width, height }, deviceScaleFactor: 1 });
  const page = await context.newPage();
  page.setDefaultTimeout(30_000);
  const problems = [];
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() === 'error') problems.push(`console error: ${msg.text()}`);
  });
  await page.goto(url);
  await page.waitForSelector('#lesson, #lessons-list, #lesson-loading, #lesson-error');
  return { page, context, problems };
}

const done = (page) => page.getAttribute('#lesson', 'data-done').then(Number);

/** Waits until the lesson is not replaying saved progress. */
async function settled(page) {
  await page.waitForSelector('#lesson[data-restoring="false"]', { timeout: 60_000 });
}

/** Clicks Next and waits for the step to be done. */
async function next(page) {
  const before = await done(page);
  await page.click('#lesson-next');
  await page.waitForFunction((b) => Number(document.querySelector('#lesson').dataset.done) > b, before, { timeout: 60_000 });
}

test('walks lesson 4 from the first step to the quiz and keeps the progress', async (t) => {
  const { page, context, problems } = await openLessons(`${server.url}#lesson=${LESSON}`);
  try {
    await settled(page);
    assert.equal(await done(page), 0, 'a fresh browser starts at step 0');
    const steps = Number(await page.getAttribute('#lesson', 'data-steps'));
    assert.equal(steps, 21);
    await screenshot(page, 'lesson-start');

    const started = Date.now();
    const answered = [];
    while ((await done(page)) < steps) {
      const open = page.locator('.prediction[data-state="open"]');
      if (await open.count()) {
        // Next waits for the prediction.
        assert.equal(await page.isDisabled('#lesson-next'), true, 'Next is disabled until the prediction is answered');
        assert.equal(await page.isDisabled('#prediction-submit'), true, 'nothing to lock in yet');
        const step = Number(await open.getAttribute('data-step'));
        if (await open.locator('.prediction-choice').count()) {
          // Lesson 4's choice predictions are both answered by choice 2.
          await open.locator('.prediction-choice[data-choice="1"]').click();
          assert.equal(await open.locator('.prediction-choice[data-choice="1"]').getAttribute('aria-pressed'), 'true');
        } else {
          await page.fill('#prediction-number', '0');
        }
        await page.click('#prediction-submit');
        await page.waitForSelector(`.prediction[data-step="${step}"][data-state="answered"]`);
        answered.push(step);
        if (answered.length === 1) await screenshot(page, 'lesson-prediction-answered');
      }
      await next(page);
      const n = await done(page);
      const card = page.locator(`.lesson-step[data-number="${n}"]`);
      assert.equal(await card.count(), 1, `step ${n} is shown`);
      if (n === 2) {
        assert.equal(await card.getAttribute('data-kind'), 'run');
        assert.match(await card.textContent(), /ran from 0\.000000s to 10\.000000s/);
        assert.equal(await page.getAttribute('#lesson-time', 'data-us'), '10000000', 'the views show the world at the end of the run');
      }
      if (n === 3) {
        assert.equal(await card.getAttribute('data-kind'), 'expect');
        assert.match(await card.locator('.check[data-ok="true"]').first().textContent(), /leader of orders-0 == b1.*actual: b1/);
      }
      if (n === 8) {
        // The run that reveals step 7's prediction.
        const reveal = card.locator('.prediction-reveal[data-step="7"]');
        assert.equal(await reveal.getAttribute('data-right'), 'true');
        assert.match(await reveal.textContent(), /You said 2\) It elects b2, which never had them: they are gone — the answer is 2\) It elects b2/);
        assert.match(await reveal.textContent(), /broker\.session\.timeout\.ms/, 'the explanation is shown');
        await card.scrollIntoViewIfNeeded();
        await screenshot(page, 'lesson-reveal');
      }
    }
    t.diagnostic(`21 steps walked in ${Date.now() - started} ms`);
    assert.deepEqual(answered, [7, 10, 15], 'every prediction was asked before its run');
    assert.equal(await page.locator('.prediction-reveal').count(), 3);
    assert.equal(await page.locator('.prediction-reveal[data-right="true"]').count(), 3);
    // The measured prediction: lost-write with acks=all.
    assert.match(await page.locator('.prediction-reveal[data-step="15"]').textContent(), /You said 0 — the answer is lost-write = 0/);
    const passed = await page.locator('.check[data-ok="true"]').count();
    assert.ok(passed >= 20, `${passed} checks hold`);
    assert.equal(await page.locator('.check[data-ok="false"]').count(), 0, 'every check of lesson 4 holds');
    assert.equal(await page.getAttribute('#lesson', 'data-finished'), 'true');
    assert.equal(await page.locator('#lesson-next').count(), 0, 'no Next after the last step');

    // The quiz: 4 questions, one answered wrong on purpose.
    await page.waitForSelector('#quiz');
    assert.equal(await page.locator('.quiz-question').count(), 4);
    await page.click('#quiz-submit');
    assert.match(await page.textContent('#quiz'), /Answer every question first \(missing: 1, 2, 3, 4\)/);
    await page.fill('.quiz-question[data-index="0"] .quiz-number', '9000');
    await page.click('.quiz-question[data-index="1"] .quiz-choice[data-choice="1"]');
    await page.click('.quiz-question[data-index="2"] .quiz-choice[data-choice="0"]');
    await page.click('.quiz-question[data-index="3"] .quiz-choice[data-choice="1"]');
    await page.click('#quiz-submit');
    assert.equal(await page.textContent('#quiz-score'), 'You got 3 of 4 right.');
    assert.equal(await page.getAttribute('.quiz-question[data-index="2"]', 'data-right'), 'false');
    assert.match(await page.textContent('.quiz-question[data-index="2"]'), /The answer: 2\) Nothing: every send succeeded, with offset -1/);
    await screenshot(page, 'lesson-quiz');

    // A reload replays the steps (deterministic) and keeps the answers.
    const timeBefore = await page.getAttribute('#lesson-time', 'data-us');
    assert.equal(timeBefore, '40000000', 'the acks=all scenario ran to its end (40 s)');
    const reloaded = Date.now();
    await page.reload();
    await page.waitForSelector('#lesson');
    await settled(page);
    t.diagnostic(`progress restored (21 steps replayed) in ${Date.now() - reloaded} ms`);
    assert.equal(await done(page), 21);
    assert.equal(await page.textContent('#quiz-score'), 'You got 3 of 4 right.');
    assert.equal(await page.locator('.prediction-reveal[data-right="true"]').count(), 3);
    assert.equal(await page.getAttribute('#lesson-time', 'data-us'), timeBefore, 'the world is back at the end of the last run');

    // The list shows the standing.
    await page.evaluate(() => { window.location.hash = 'lessons'; });
    await page.waitForSelector('#lessons-list');
    assert.equal(await page.textContent(`.lesson-card[data-lesson="${LESSON}"] .lesson-standing`), 'completed, quiz 3/4');
    assert.equal(await page.textContent('.lesson-card[data-lesson="kafka-01-topics-partitions-keys"] .lesson-standing'), 'not started');
    await screenshot(page, 'lesson-list');

    // "Try it yourself" hands the last scenario (acks=all) to the sandbox.
    await page.click(`.lesson-card[data-lesson="${LESSON}"] .lesson-open`);
    await page.waitForSelector('#lesson');
    await settled(page);
    await page.click('#try-it');
    await page.waitForSelector('#toml');
    assert.equal(await page.locator('#lesson').count(), 0, 'the sandbox replaces the lesson');
    assert.equal(await page.inputValue('#scenario-select'), 'kafka/a3-acks-all-no-loss.toml');
    assert.match(await page.inputValue('#toml'), /acks = "all"/);
    await screenshot(page, 'lesson-try-it');
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test('a lesson that changed since the progress was saved starts again; unknown lessons are named', async () => {
  const { page, context, problems } = await openLessons(`${server.url}#lesson=${LESSON}`);
  try {
    await settled(page);
    await next(page);
    await next(page);
    assert.equal(await done(page), 2);
    // Progress made on another version of the lesson text.
    await page.evaluate((id) => {
      const key = `streamlab.lesson.${id}`;
      const p = JSON.parse(localStorage.getItem(key));
      p.fingerprint = '0000000000000000';
      localStorage.setItem(key, JSON.stringify(p));
    }, LESSON);
    await page.reload();
    await page.waitForSelector('#lesson');
    await settled(page);
    assert.equal(await done(page), 0);
    assert.match(await page.textContent('.lesson-notice'), /changed since you last took it/);

    await page.evaluate(() => { window.location.hash = 'lesson=no-such-lesson'; });
    await page.waitForSelector('#lesson-error');
    assert.match(await page.textContent('#lesson-error'), /There is no lesson “no-such-lesson”\. Lessons: kafka-01-topics-partitions-keys, /);
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

const PREVIEW_LESSON = `id = "preview-demo"
title = "Version one"
minutes = 5
goals = ["See a lesson reload"]

[[scenarios]]
name = "basic"
file = "scenarios/basic.toml"

[[steps]]
narrative = "Hello from **version one**."

[[steps]]
run = "2s"
`;

test('lesson preview reloads the lesson when the file is saved and shows errors with their place', async (t) => {
  const cli = process.env.STREAMLAB_CLI || path.join(ROOT, 'target', 'debug', 'streamlab');
  if (!existsSync(cli)) {
    t.skip(`no streamlab binary at ${cli} (cargo build -p streamlab-cli)`);
    return;
  }
  const dir = await mkdtemp(path.join(tmpdir(), 'streamlab-preview-'));
  const file = path.join(dir, 'preview.toml');
  await writeFile(file, PREVIEW_LESSON);
  const child = spawn(cli, ['lesson', 'preview', file, '--port', '0', '--dist', DIST], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const first = await new Promise((resolve, reject) => {
      const rl = createInterface({ input: child.stdout });
      rl.once('line', resolve);
      child.once('exit', (code) => reject(new Error(`streamlab lesson preview exited with ${code}`)));
    });
    assert.match(first, /^http:\/\/127\.0\.0\.1:\d+\/#lesson-preview=\/__preview\/bundle\.json$/);
    const { page, context, problems } = await openLessons(first);
    try {
      await page.waitForSelector('#lesson[data-lesson="preview-demo"]');
      assert.equal(await page.textContent('.lesson-title'), 'Version one');
      await next(page);
      assert.match(await page.textContent('.lesson-step[data-number="1"]'), /Hello from version one\./);

      // Save a new version: the page reloads it within a second or two, at the same step.
      await writeFile(file, PREVIEW_LESSON.replace('Version one', 'Version two').replace('version one', 'version two'));
      await page.waitForFunction(() => document.querySelector('.lesson-title')?.textContent === 'Version two', null, { timeout: 10_000 });
      await settled(page);
      assert.equal(await done(page), 1, 'the preview keeps its place');
      assert.match(await page.textContent('.lesson-step[data-number="1"]'), /Hello from version two\./);

      // A broken save: the error with file:line:column, the last good version stays.
      await writeFile(file, PREVIEW_LESSON.replace('run = "2s"', 'runn = "2s"'));
      await page.waitForSelector('#lesson-preview-error', { timeout: 10_000 });
      assert.match(await page.textContent('#lesson-preview-error .error-location'), /preview\.toml:14:1$/);
      assert.match(await page.textContent('#lesson-preview-error'), /unknown field `runn`/);
      assert.equal(await page.textContent('.lesson-title'), 'Version two');
      await screenshot(page, 'lesson-preview-error');

      // Fixed again: the error goes away.
      await writeFile(file, PREVIEW_LESSON);
      await page.waitForSelector('#lesson-preview[data-error="false"]', { timeout: 10_000 });
      await page.waitForFunction(() => document.querySelector('.lesson-title')?.textContent === 'Version one', null, { timeout: 10_000 });
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
    }
  } finally {
    child.kill();
    await rm(dir, { recursive: true, force: true });
  }
});
