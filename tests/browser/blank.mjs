import { launchBrowser } from './helpers.mjs';
const browser = await launchBrowser();
const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
await page.setContent('<div id=x style="font-size:40px">0</div>');
const r = await page.evaluate(async () => {
  let n = 0; let running = true; const t0 = performance.now();
  const loop = () => { n++; document.getElementById('x').textContent = n; if (running) requestAnimationFrame(loop); };
  requestAnimationFrame(loop);
  await new Promise((r) => setTimeout(r, 3000)); running = false;
  return n / ((performance.now() - t0) / 1000);
});
console.log('blank page fps', r.toFixed(1));
await browser.close();
