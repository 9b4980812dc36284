import { startServer, launchBrowser, openApp } from './helpers.mjs';
const TAB = process.argv[2] || '#tab-metrics';
const server = await startServer(); const browser = await launchBrowser();
const { page, context } = await openApp(browser, server.url, { fragment: '#scenario=perf%2Ffive-brokers-twelve-partitions.toml&seed=1', width: 1440, height: 900 });
await page.waitForSelector('#trace-hash');
await page.click('#toggle-editor');
await page.click('#run-to-end');
await page.waitForSelector('#trace-hash[data-finished="true"]', { timeout: 120000 });
await page.click(TAB);
const cdp = await context.newCDPSession(page);
await cdp.send('Profiler.enable');
await cdp.send('Profiler.setSamplingInterval', { interval: 200 });
await cdp.send('Profiler.start');
const times = await page.evaluate(async () => {
  const slider = document.querySelector('#scrub'); const max = Number(slider.max); const out = [];
  let x = 12345; const rand = () => { x = (x * 1103515245 + 12345) % 2147483648; return x / 2147483648; };
  for (let i = 0; i < 15; i++) {
    const target = Math.floor(rand() * max / 1000) * 1000; const t0 = performance.now();
    slider.value = String(target); slider.dispatchEvent(new Event('input', { bubbles: true }));
    while (document.querySelector('#sim-time').dataset.us !== String(target)) { await new Promise((r) => requestAnimationFrame(r)); }
    out.push(Math.round(performance.now() - t0)); await new Promise((r) => setTimeout(r, 20));
  }
  return out;
});
console.log(times.join(' '));
const { profile } = await cdp.send('Profiler.stop');
const byId = new Map(profile.nodes.map(n => [n.id, n]));
const counts = new Map(); for (const s of profile.samples) counts.set(s, (counts.get(s) || 0) + 1);
const parent = new Map(); for (const n of profile.nodes) for (const c of (n.children || [])) parent.set(c, n.id);
const incl = new Map(); let total = 0;
for (const [id, c] of counts) { total += c; const seen = new Set(); let cur = id;
  while (cur !== undefined) { const nm = byId.get(cur).callFrame.functionName || '(anon)'; if (!seen.has(nm)) { incl.set(nm, (incl.get(nm) || 0) + c); seen.add(nm); } cur = parent.get(cur); } }
console.log([...incl.entries()].sort((a, b) => b[1] - a[1]).filter(([n]) => !/closure|invoke|js-to-wasm|scheduler|Runnable|Stateful|lifecycle|dom_bundle/.test(n)).slice(0, 30).map(([n, c]) => `${(100 * c / total).toFixed(1).padStart(5)}%  ${n.slice(0, 130)}`).join('\n'));
await browser.close(); await server.close();
