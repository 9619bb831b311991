// Renders the app icons (public/icons/*.png) from their SVG sources with Debian's Chromium, so the
// PNGs are real rasterisations of the same drawing as the favicon. Run after changing an SVG:
//   node scripts/make-icons.mjs
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const dir = fileURLToPath(new URL('../public/icons/', import.meta.url));
/** @type {[svg: string, png: string, size: number][]} */
const targets = [
  ['icon.svg', 'icon-192.png', 192],
  ['icon.svg', 'icon-512.png', 512],
  ['maskable.svg', 'maskable-192.png', 192],
  ['maskable.svg', 'maskable-512.png', 512],
  // iOS masks home-screen icons itself, so it gets the full-bleed drawing.
  ['maskable.svg', 'apple-touch-icon-180.png', 180],
];

const browser = await chromium.launch({ executablePath: process.env.COTK_CHROMIUM ?? '/usr/bin/chromium', args: ['--no-sandbox'] });
try {
  const page = await browser.newPage();
  for (const [svg, png, size] of targets) {
    const src = `data:image/svg+xml;base64,${readFileSync(dir + svg).toString('base64')}`;
    await page.setViewportSize({ width: size, height: size });
    await page.setContent(`<html><body style="margin:0;background:transparent"><img src="${src}" width="${size}" height="${size}" style="display:block"></body></html>`);
    await page.waitForFunction(() => document.images[0]?.complete);
    writeFileSync(dir + png, await page.screenshot({ omitBackground: true, clip: { x: 0, y: 0, width: size, height: size } }));
    console.log(`${png}: ${size}×${size}`);
  }
} finally {
  await browser.close();
}
