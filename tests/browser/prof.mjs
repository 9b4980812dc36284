import { startServer, launchBrowser, openApp } from './helpers.mjs';
const TAB = process.argv[2] || '#tab-summary';
const server = await startServer(); const browser = await launchBrowser();
const { page, context } = await openApp(browser, server.url, { fragment: '#scenario=perf%2Ffive-brokers-twelve-partitions.toml&seed=1', width: 1440, height: 900 });
await page.waitForSelector('#trace-hash');
await page.click('#toggle-editor');
await page.selectOption('#speed', '10');
await page.click(TAB);
const cdp = await context.newCDPSession(page);
await cdp.send('Profiler.enable');
await cdp.send('Profiler.setSamplingInterval', { interval: 200 });
await cdp.send('Profiler.start');
await page.click('#play');
await page.waitForTimeout(3000);
await page.click('#pause');
const { profile } = await cdp.send('Profiler.stop');
const self = new Map(); const byId = new Map(profile.nodes.map(n => [n.id, n]));
const counts = new Map();
for (const s of profile.samples) counts.set(s, (counts.get(s) || 0) + 1);
// inclusive: walk parents
const parent = new Map(); for (const n of profile.nodes) for (const c of (n.children || [])) parent.set(c, n.id);
const incl = new Map();
let total = 0;
for (const [id, c] of counts) {
  total += c;
  const n = byId.get(id); const name = n.callFrame.functionName || '(anon)';
  self.set(name, (self.get(name) || 0) + c);
  const seen = new Set(); let cur = id;
  while (cur !== undefined) { const nm = byId.get(cur).callFrame.functionName || '(anon)'; if (!seen.has(nm)) { incl.set(nm, (incl.get(nm) || 0) + c); seen.add(nm); } cur = parent.get(cur); }
}
const top = (m, k) => [...m.entries()].sort((a, b) => b[1] - a[1]).slice(0, k).map(([n, c]) => `${(100 * c / total).toFixed(1).padStart(5)}%  ${n.slice(0, 150)}`).join('\n');
console.log('SELF\n' + top(self, 25));
console.log('INCLUSIVE\n' + top(incl, 45));
await browser.close(); await server.close();
