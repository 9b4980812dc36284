import { startServer, launchBrowser, openApp } from './helpers.mjs';
const server = await startServer(); const browser = await launchBrowser();
const { page, context } = await openApp(browser, server.url, { fragment: '#scenario=perf%2Ffive-brokers-twelve-partitions.toml&seed=1', width: 1440, height: 900 });
await page.waitForSelector('#trace-hash');
await page.click('#toggle-editor');
await page.selectOption('#speed', process.argv[2] || '10');
await page.click(process.argv[3] || '#tab-summary');
await browser.startTracing(page, { categories: ['devtools.timeline', 'disabled-by-default-devtools.timeline'] });
await page.click('#play');
await page.waitForTimeout(3000);
await page.click('#pause');
const buf = await browser.stopTracing();
const ev = JSON.parse(buf.toString()).traceEvents;
// main thread = thread with most FunctionCall/RunTask? pick renderer main by name
const names = new Map(ev.filter(e => e.ph === 'M' && e.name === 'thread_name').map(e => [e.pid + ':' + e.tid, e.args.name]));
const agg = new Map();
for (const e of ev) {
  if (e.ph !== 'X' || !e.dur) continue;
  const th = names.get(e.pid + ':' + e.tid) || '?';
  if (th !== 'CrRendererMain') continue;
  agg.set(e.name, (agg.get(e.name) || 0) + e.dur / 1000);
}
const fc = new Map();
for (const e of ev) {
  if (e.ph !== 'X' || !e.dur || (e.name !== 'FunctionCall' && e.name !== 'TimerFire' && e.name !== 'TimerInstall')) continue;
  const d = e.args?.data || {};
  const k = e.name + ' ' + (d.functionName || '') + ' ' + (d.url || '').split('/').pop() + ':' + (d.lineNumber ?? '') + ' t' + (d.timerId ?? '') ;
  fc.set(k, (fc.get(k) || 0) + e.dur / 1000);
}
console.log([...fc.entries()].sort((a, b) => b[1] - a[1]).slice(0, 12).map(([n, d]) => `${d.toFixed(0).padStart(7)} ms  ${n}`).join('\n'));
console.log([...agg.entries()].sort((a, b) => b[1] - a[1]).slice(0, 20).map(([n, d]) => `${d.toFixed(0).padStart(7)} ms  ${n}`).join('\n'));
await browser.close(); await server.close();
