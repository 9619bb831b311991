import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Download, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseRunFile } from '../../src/record/serialize';
import { sameBits } from '../unit/record/arbitraries';
import { ARTIFACTS, startHarness, watchErrors, type Harness } from './harness';

/**
 * Export, import and share in the production build, in Chromium: a question asked of the bundled
 * model on WASM is exported as JSON, CSV, HTML and every chart as SVG and PNG; the JSON opens in a
 * fresh page with the same scores; the HTML report renders from file:// with the network off; a
 * share link opened in a new page restores the question, asks, and on Run gives the same result.
 */
let h: Harness;
let dir: string;

beforeAll(async () => {
  h = await startHarness();
  dir = mkdtempSync(join(tmpdir(), 'cotk-export-'));
}, 120_000);

afterAll(async () => {
  await h?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function openApp(query: string): Promise<{ page: Page; errors: string[] }> {
  const { page } = await h.newPage();
  await page.setViewportSize({ width: 1400, height: 1000 });
  const errors = watchErrors(page);
  await page.goto(`${h.url}${query}`);
  await page.waitForSelector('[data-testid="engine-status"]:text("ready")', { timeout: 180_000 });
  return { page, errors };
}

async function save(page: Page, testId: string): Promise<{ name: string; bytes: Buffer }> {
  // Headless Chromium drops exactly one download of a page, its 11th (measured: 14 clicks on one SVG
  // button give downloads 1–10 and 12–14, and the page did make the 11th object URL and link click),
  // so a click that brings no download is tried once more; an export that never downloads still fails.
  const click = () => Promise.all([page.waitForEvent('download', { timeout: 15_000 }) as Promise<Download>, page.click(`[data-testid="${testId}"]`)]);
  const [d] = await click().catch(click);
  const path = join(dir, d.suggestedFilename());
  await d.saveAs(path);
  return { name: d.suggestedFilename(), bytes: readFileSync(path) };
}

const scoreTable = (page: Page) =>
  page.$$eval('[data-testid^="score-"][data-scorer]', (els) => Object.fromEntries(els.map((e) => [e.getAttribute('data-scorer'), e.getAttribute('data-value')])));

/** Shapes in an SVG text, counted by the browser's own parser. */
const svgShapes = (page: Page, text: string) =>
  page.evaluate((t) => {
    const d = new DOMParser().parseFromString(t, 'image/svg+xml');
    if (d.querySelector('parsererror')) return { error: d.querySelector('parsererror')?.textContent ?? 'parse error', shapes: 0, images: 0, texts: 0 };
    return { error: null, shapes: d.querySelectorAll('rect, path, line, circle, polygon').length, images: d.querySelectorAll('image').length, texts: d.querySelectorAll('text').length };
  }, text);

/** Share of a PNG's pixels that are strongly coloured (max − min channel > 60), decoded by the browser. */
const colouredShare = (page: Page, png: Buffer) =>
  page.evaluate(async (b64) => {
    const img = new Image();
    img.src = `data:image/png;base64,${b64}`;
    await img.decode();
    const c = document.createElement('canvas');
    [c.width, c.height] = [img.width, img.height];
    const ctx = c.getContext('2d') as CanvasRenderingContext2D;
    ctx.drawImage(img, 0, 0);
    const d = ctx.getImageData(0, 0, c.width, c.height).data;
    let n = 0;
    for (let i = 0; i < d.length; i += 4) if (Math.max(d[i], d[i + 1], d[i + 2]) - Math.min(d[i], d[i + 1], d[i + 2]) > 60) n++;
    return n / (d.length / 4);
  }, png.toString('base64'));

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const VIEWS = ['text', 'confidence', 'trajectories', 'strip', 'heatmap', 'lens'];

describe('export, import and share in Chromium (wasm)', () => {
  let original: Record<string, string | null>;
  let runJson: string;
  let page: Page;
  let errors: string[];

  it('asks, then exports the run as JSON, CSV, HTML and every chart as SVG and PNG', async () => {
    ({ page, errors } = await openApp('?backend=wasm'));
    await page.getByLabel('Question for the model').fill('(12+7)*3=?');
    await page.getByRole('button', { name: 'Generate' }).click();
    await page.waitForSelector('[data-testid="run-status"][data-status="done"]', { timeout: 180_000 });
    original = await scoreTable(page);
    expect(Object.keys(original)).toHaveLength(9);
    expect(Number.isFinite(Number(original.cotkV2))).toBe(true);

    const json = await save(page, 'export-json');
    expect(json.name).toMatch(/^asked-12-7-3-57-\d\d-\d\d-\d\d\.cotk\.json$/);
    runJson = json.bytes.toString('utf8');
    const saved = parseRunFile(runJson);
    expect(saved.meta.model.name).toMatch(/^tiny-reasoner/);
    expect(saved.run.result?.tokens.length).toBeGreaterThan(10);

    const withStates = parseRunFile((await save(page, 'export-json-states')).bytes.toString('utf8'));
    expect(withStates.meta.keptStates).toBe(true);
    expect(withStates.run.result?.states?.residual.length).toBeGreaterThan(0);

    const csv = (await save(page, 'export-csv')).bytes.toString('utf8').split('\r\n');
    expect(csv[0]).toMatch(/^index,position,id,text,segment,logProb,entropy,selfCertainty,maxProb,kinetic,curvature,energy,kappa,lagrangian,runAnswer,speed_1,/);
    expect(csv.length - 2).toBe(saved.run.result?.tokens.length);

    const html = await save(page, 'export-html');
    expect(html.name).toMatch(/^asked-12-7-3-57-\d\d-\d\d-\d\d-report\.html$/);
    writeFileSync(join(dir, 'report.html'), html.bytes);
    const reportText = html.bytes.toString('utf8');
    // No network reference anywhere: the only "http" allowed would be inside the run's own text, and this run has none.
    expect(reportText).not.toMatch(/https?:\/\//);

    for (const view of VIEWS) {
      const svg = await save(page, `export-svg-${view}`);
      expect(svg.name).toBe(`asked-12-7-3-57-${view}.svg`);
      const parsed = await svgShapes(page, svg.bytes.toString('utf8'));
      expect(parsed.error, view).toBeNull();
      expect(parsed.shapes + parsed.texts, view).toBeGreaterThan(3);
      // Vector throughout: the heatmap's canvas comes out as rects, not as an embedded picture.
      expect(parsed.images, view).toBe(0);
      writeFileSync(join(ARTIFACTS, `export-${view}.svg`), svg.bytes);
      const png = await save(page, `export-png-${view}`);
      expect(png.name).toBe(`asked-12-7-3-57-${view}.png`);
      expect(png.bytes.subarray(0, 8).equals(PNG_SIGNATURE), view).toBe(true);
      expect(png.bytes.length, view).toBeGreaterThan(2000);
      writeFileSync(join(ARTIFACTS, `export-${view}.png`), png.bytes);
    }
    // The text view's SVG holds the whole reasoning, token by token.
    const textSvg = readFileSync(join(ARTIFACTS, 'export-text.svg'), 'utf8');
    expect(textSvg).toContain('19');
    const heat = await svgShapes(page, readFileSync(join(ARTIFACTS, 'export-heatmap.svg'), 'utf8'));
    expect(heat.shapes).toBeGreaterThan(saved.run.result!.tokens.length);
    // The heatmap PNG holds the canvas's own pixels: many strongly coloured ones (viridis), not a blank plot.
    expect(await colouredShare(page, readFileSync(join(ARTIFACTS, 'export-heatmap.png')))).toBeGreaterThan(0.15);
    expect(errors).toEqual([]);
  });

  it('imports the JSON in a fresh page and shows identical scores', async () => {
    const fresh = await openApp('?engine=fake');
    expect(await fresh.page.locator('[data-testid="view-confidence"]').count()).toBe(0);
    const file = join(dir, 'import.cotk.json');
    writeFileSync(file, runJson);
    await fresh.page.setInputFiles('[data-testid="import-file"]', file);
    await fresh.page.waitForSelector('[data-testid="import-status"]');
    expect(await fresh.page.textContent('[data-testid="import-status"]')).toMatch(/^Opened “Asked: \(12\+7\)\*3=\? → 57 · [\d:]+” from import\.cotk\.json: \d+ tokens, made with tiny-reasoner/);
    expect(await scoreTable(fresh.page)).toEqual(original);
    expect(await fresh.page.inputValue('#question')).toBe('(12+7)*3=?');
    // Exported again from the page that imported it: the same run, the same model named.
    const again = parseRunFile((await save(fresh.page, 'export-json')).bytes.toString('utf8'));
    const first = parseRunFile(runJson);
    expect(sameBits(again.run, first.run)).toBeNull();
    expect(again.meta.model).toEqual(first.meta.model);
    // A file that is not ours: its sentence, and the run shown stays.
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, runJson.replace('"version": 1', '"version": 2'));
    await fresh.page.setInputFiles('[data-testid="import-file"]', bad);
    await fresh.page.waitForSelector('[data-testid="import-error"]');
    expect(await fresh.page.textContent('[data-testid="import-error"]')).toMatch(/newer version of the app \(v2\); this app reads v1 — update the app/);
    expect(await scoreTable(fresh.page)).toEqual(original);
    expect(fresh.errors).toEqual([]);
  });

  it('opens the HTML report from file:// with the network off and draws the tokens and the scores', async () => {
    const context = await h.browser.newContext();
    await context.setOffline(true);
    const report = await context.newPage();
    const requests: string[] = [];
    report.on('request', (r) => requests.push(r.url()));
    const errs = watchErrors(report);
    await report.goto(`file://${join(dir, 'report.html')}`);
    await report.waitForSelector('#report[data-rendered]', { timeout: 10_000 });
    const n = parseRunFile(runJson).run.result!.tokens.length;
    expect(await report.getAttribute('#report', 'data-rendered')).toBe(String(n));
    expect(await report.locator('[data-testid="report-text"] .tok').count()).toBe(n);
    expect((await report.textContent('[data-testid="report-text"]')) ?? '').toContain('12+7=19');
    expect(await scoreTable(report)).toEqual(original);
    expect(await report.locator('[data-testid="report-strip"] path').count()).toBeGreaterThan(3);
    await report.screenshot({ path: join(ARTIFACTS, 'export-report.png'), fullPage: true });
    expect(requests.every((u) => u.startsWith('file://'))).toBe(true);
    expect(errs).toEqual([]);
    await context.close();
  });

  it('round-trips a share link: a new page restores the question, asks, and Run gives the same result', async () => {
    await page.click('[data-testid="share-button"]');
    const link = await page.inputValue('[data-testid="share-url"]');
    expect(link).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?backend=wasm#share=v1\.[A-Za-z0-9_-]+$/);
    expect(await page.textContent('[data-testid="share-length"]')).toMatch(new RegExp(`The link is ${link.length} characters long`));

    const other = await h.newPage();
    const errs = watchErrors(other.page);
    await other.page.goto(link);
    await other.page.waitForSelector('[data-testid="engine-status"]:text("ready")', { timeout: 180_000 });
    expect(await other.page.inputValue('#question')).toBe('(12+7)*3=?');
    expect(new URL(other.page.url()).hash).toBe('');
    const banner = await other.page.textContent('[data-testid="share-banner"]');
    expect(banner).toMatch(/This link restores a question\. Run it now with tiny-reasoner \(bundled\)\?/);
    // Nothing ran by itself.
    expect(await other.page.locator('[data-testid="run-status"]').count()).toBe(0);
    await other.page.click('[data-testid="share-run"]');
    await other.page.waitForSelector('[data-testid="run-status"][data-status="done"]', { timeout: 180_000 });
    expect(await scoreTable(other.page)).toEqual(original);
    // A reload does not ask again.
    await other.page.reload();
    await other.page.waitForSelector('[data-testid="engine-status"]:text("ready")', { timeout: 180_000 });
    expect(await other.page.locator('[data-testid="share-banner"]').count()).toBe(0);
    expect(errs).toEqual([]);
  });

  it('draws a long run’s trajectory canvas as vector lines in SVG and as its pixels in PNG', async () => {
    const { page: p, errors: errs } = await openApp('?engine=fake');
    // Over the canvas threshold: 700 tokens × 5 layer points (the fake model has 4 layers).
    const steps = Array.from({ length: 70 }, (_, i) => `${i}+${i}=${2 * i}`).join('\n');
    await p.getByRole('tab', { name: 'Paste a trace' }).click();
    await p.getByLabel(/Finished trace/).fill(`sum=?\n<think>\n${steps}\n</think>\n\n0`);
    await p.getByRole('button', { name: 'Score trace' }).click();
    await p.waitForSelector('[data-testid="run-status"][data-status="done"]', { timeout: 60_000 });
    expect(await p.locator('[data-testid="view-trajectories"] canvas').count()).toBe(1);
    const svg = await save(p, 'export-svg-trajectories');
    const parsed = await svgShapes(p, svg.bytes.toString('utf8'));
    expect(parsed.images).toBe(0);
    expect(parsed.shapes).toBeGreaterThan(700 * 4);
    const png = await save(p, 'export-png-trajectories');
    expect(png.bytes.subarray(0, 8).equals(PNG_SIGNATURE)).toBe(true);
    // The canvas's pixels are in the PNG (a blank canvas gives 0); the plot shares the picture with its legend of every mark.
    expect(await colouredShare(p, png.bytes)).toBeGreaterThan(0.01);
    writeFileSync(join(ARTIFACTS, 'export-trajectories-canvas.png'), png.bytes);
    expect(errs).toEqual([]);
  });
});
