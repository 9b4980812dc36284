import { startServer, launchBrowser, openApp } from './helpers.mjs';
const server = await startServer(); const browser = await launchBrowser();
async function measure(label, css, tab = '#tab-summary', speed = '10') {
  const { page, context } = await openApp(browser, server.url, { fragment: '#scenario=perf%2Ffive-brokers-twelve-partitions.toml&seed=1', width: 1440, height: 900 });
  await page.waitForSelector('#trace-hash');
  await page.click('#toggle-editor');
  if (css) await page.addStyleTag({ content: css });
  await page.selectOption('#speed', speed);
  await page.click(tab);
  const r = await page.evaluate(async () => {
    const frames = []; let last = performance.now(); let running = true;
    const loop = (t) => { frames.push(t - last); last = t; if (running) requestAnimationFrame(loop); };
    document.querySelector('#play').click();
    const t0 = performance.now();
    requestAnimationFrame((t) => { last = t; requestAnimationFrame(loop); });
    await new Promise((r) => setTimeout(r, 3000));
    running = false;
    const wall = performance.now() - t0;
    document.querySelector('#pause')?.click();
    return { fps: frames.length / (wall / 1000), us: document.querySelector('#sim-time').dataset.us };
  });
  console.log(label, r.fps.toFixed(1), 'fps', r.us);
  await context.close();
}
const which = process.argv.slice(2);
await measure('baseline');
await measure('no partitions', '.partitions { display: none !important; }');
await measure('no cluster', '.cluster { display: none !important; }');
await measure('no tab', '.tab-panel { display: none !important; }');
await measure('no markers', '.marker { display: none !important; }');
await measure('nothing', '.partitions, .cluster, .tab-panel { display: none !important; }');
await browser.close(); await server.close();
