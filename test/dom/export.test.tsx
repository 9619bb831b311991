import './setup';
import { act, fireEvent, render, screen, waitFor } from '@testing-library/react';
// @ts-expect-error -- jsdom ships no type declarations (and @types/jsdom is not installed); one constructor is used, typed below
import { JSDOM as UntypedJSDOM } from 'jsdom';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { App } from '../../src/app/App';
import { createFakeEngine } from '../../src/engine/fake';
import { parseRunFile, serializeRun } from '../../src/record/serialize';
import { snapshotRun } from '../../src/record/snapshot';
import { loadModel, setEngine } from '../../src/state/actions';
import { useStore } from '../../src/state/store';
import { sameBits } from '../unit/record/arbitraries';

/**
 * The export menu, the per-chart downloads and the import button in jsdom, with the fake engine:
 * downloads are caught where the page hands them to the browser (URL.createObjectURL + a click on
 * a download link), so what is checked is the Blob a user would get.
 */
/** A second jsdom window for the report file, its scripts enabled (what opening the file does). */
const JSDOM = UntypedJSDOM as new (html: string, opts: { runScripts: 'dangerously' }) => { window: Window & typeof globalThis };

// jsdom's Blob has no text(); the browser's does (the app reads an imported file with it).
if (typeof Blob.prototype.text !== 'function') {
  Blob.prototype.text = function (this: Blob) {
    return new Promise<string>((done, fail) => {
      const r = new FileReader();
      r.onload = () => done(r.result as string);
      r.onerror = () => fail(r.error);
      r.readAsText(this);
    });
  };
}

interface Download {
  readonly name: string;
  readonly blob: Blob;
}
let downloads: Download[] = [];
const blobs = new Map<string, Blob>();

beforeEach(() => {
  downloads = [];
  blobs.clear();
  let n = 0;
  URL.createObjectURL = vi.fn((b: Blob | MediaSource) => {
    const url = `blob:test/${++n}`;
    blobs.set(url, b as Blob);
    return url;
  });
  URL.revokeObjectURL = vi.fn();
  vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(function (this: HTMLAnchorElement) {
    if (this.download) downloads.push({ name: this.download, blob: blobs.get(this.href) as Blob });
  });
});

afterEach(() => {
  vi.restoreAllMocks();
});

async function askedRun(question = '(12+7)*3=?'): Promise<void> {
  await act(async () => {
    setEngine(createFakeEngine({ delayMs: 0 }));
    await loadModel();
  });
  fireEvent.change(screen.getByLabelText('Question for the model'), { target: { value: question } });
  fireEvent.click(screen.getByRole('button', { name: 'Generate' }));
  await waitFor(() => expect(screen.getByTestId('run-status').getAttribute('data-status')).toBe('done'));
}

async function download(testId: string): Promise<Download> {
  const before = downloads.length;
  fireEvent.click(screen.getByTestId(testId));
  await waitFor(() => expect(downloads.length, document.querySelector('[data-testid^="export-error"]')?.textContent ?? '').toBe(before + 1));
  return downloads[downloads.length - 1];
}

const shownScores = () => Object.fromEntries([...document.querySelectorAll('[data-testid^="score-"]')].map((e) => [e.getAttribute('data-scorer'), e.getAttribute('data-value')]));

function pick(file: File): void {
  fireEvent.change(screen.getByTestId('import-file'), { target: { files: [file] } });
}

describe('export', () => {
  it('downloads the run as JSON that parses back to the run shown', async () => {
    render(<App />);
    await askedRun();
    const d = await download('export-json');
    expect(d.name).toMatch(/^asked-12-7-3-57-\d\d-\d\d-\d\d\.cotk\.json$/);
    expect(d.blob.type).toBe('application/json');
    const back = parseRunFile(await d.blob.text());
    const now = snapshotRun(useStore.getState())!;
    expect(sameBits(back.run, now.run)).toBeNull();
    expect(back.meta.keptStates).toBe(false);
    expect(back.run.result?.states).toBeNull();
    const withStates = parseRunFile(await (await download('export-json-states')).blob.text());
    expect(withStates.meta.keptStates).toBe(true);
    expect(sameBits(withStates.run.result?.states, useStore.getState().run?.result?.states)).toBeNull();
  });

  it('downloads the per-token CSV', async () => {
    render(<App />);
    await askedRun();
    const d = await download('export-csv');
    expect(d.name).toMatch(/^asked-12-7-3-57-\d\d-\d\d-\d\d-tokens\.csv$/);
    const lines = (await d.blob.text()).split('\r\n');
    expect(lines[0]).toBe('index,position,id,text,segment,logProb,entropy,selfCertainty,maxProb,kinetic,curvature,energy,kappa,lagrangian,runAnswer,speed_1,speed_2,speed_3,speed_4');
    expect(lines.length - 2).toBe(useStore.getState().run?.result?.tokens.length);
    expect(lines).toContain(lines.find((l) => l.startsWith('1,')));
  });

  it('downloads an HTML report that renders the tokens and the scores by itself', async () => {
    render(<App />);
    await askedRun();
    const d = await download('export-html');
    expect(d.name).toMatch(/^asked-12-7-3-57-\d\d-\d\d-\d\d-report\.html$/);
    const html = await d.blob.text();
    // Every script of the file is the inline renderer or inert JSON; nothing is fetched.
    expect(html).not.toMatch(/<script[^>]+src=|<link|<img|@import|url\(/i);
    expect(html).toMatch(/Content-Security-Policy" content="default-src 'none'/);
    const page = new JSDOM(html, { runScripts: 'dangerously' });
    const doc = page.window.document;
    const n = useStore.getState().run!.result!.tokens.length;
    expect(doc.getElementById('report')?.getAttribute('data-rendered')).toBe(String(n));
    expect(doc.querySelectorAll('[data-testid="report-text"] .tok').length).toBe(n);
    expect(doc.querySelector('[data-testid="report-text"]')?.textContent).toContain('12+7=19');
    const reportScores = Object.fromEntries([...doc.querySelectorAll('[data-testid^="score-"]')].map((e) => [e.getAttribute('data-scorer'), e.getAttribute('data-value')]));
    expect(reportScores).toEqual(shownScores());
    expect(doc.querySelector('[data-testid="report-strip"] path[data-series="logProb"]')?.getAttribute('d')).toMatch(/^M/);
    // The tint select re-paints the text.
    const sel = doc.getElementById('tint') as HTMLSelectElement;
    const before = (doc.querySelector('.tok') as HTMLElement).style.background;
    sel.value = 'entropy';
    sel.dispatchEvent(new page.window.Event('change'));
    expect(doc.querySelector('.legend')?.textContent).toMatch(/^Entropy of the prediction/);
    expect((doc.querySelector('.tok') as HTMLElement).style.background).not.toBe('');
    expect(typeof before).toBe('string');
  });

  it('downloads each chart as an SVG that parses (shapes where jsdom lays them out); a PNG jsdom cannot draw is said in a sentence', async () => {
    render(<App />);
    await askedRun();
    // jsdom lays nothing out, so only the views drawn in SVG have shapes here (the browser test checks them all).
    for (const view of ['text', 'confidence', 'trajectories', 'strip', 'heatmap', 'lens']) {
      const d = await download(`export-svg-${view}`);
      expect(d.name).toBe(`asked-12-7-3-57-${view}.svg`);
      expect(d.blob.type).toBe('image/svg+xml');
      const svg = new DOMParser().parseFromString(await d.blob.text(), 'image/svg+xml');
      expect(svg.querySelector('parsererror')).toBeNull();
      expect(svg.documentElement.getAttribute('xmlns')).toBe('http://www.w3.org/2000/svg');
      expect(svg.querySelector('title')?.textContent, view).toBeTruthy();
      if (view === 'strip') expect(svg.querySelectorAll('path[data-series]').length).toBe(6);
      if (view === 'trajectories') expect(svg.querySelectorAll('g.traj, g[data-index]').length).toBeGreaterThan(5);
    }
    fireEvent.click(screen.getByTestId('export-png-strip'));
    await waitFor(() => expect(screen.getByTestId('export-error-strip').textContent).toMatch(/^The PNG of “Energy strip” could not be made: /));
  });
});

describe('import', () => {
  it('opens an exported run in a fresh page: same run, same scores, drafts restored', async () => {
    const first = render(<App />);
    await askedRun('(2+3)*4=?');
    const file = (await download('export-json')).blob;
    const scores = shownScores();
    const run = snapshotRun(useStore.getState())!.run;
    first.unmount();
    act(() => useStore.setState({ run: null, question: 'something else', gamma: 0.5 }));
    render(<App />);
    expect(screen.queryByTestId('view-confidence')).toBeNull();
    pick(new File([await file.text()], 'run.cotk.json', { type: 'application/json' }));
    await waitFor(() => expect(screen.getByTestId('import-status').textContent).toMatch(/^Opened “Asked: \(2\+3\)\*4=\? → 20 · [\d:]+” from run\.cotk\.json: \d+ tokens/));
    expect(shownScores()).toEqual(scores);
    expect(sameBits(useStore.getState().run, run)).toBeNull();
    expect(useStore.getState().question).toBe('(2+3)*4=?');
    expect(useStore.getState().gamma).toBe(0.8);
  });

  it('refuses what is not a run file with its sentence and leaves the run shown untouched', async () => {
    render(<App />);
    await askedRun();
    const run = useStore.getState().run;
    const good = serializeRun(snapshotRun(useStore.getState())!);
    const cases: [string, string, RegExp][] = [
      ['notes.json', '{"hello": "world"}', /^Could not open “notes\.json”: This is not a CoT-Kinetics run file: it has no "format": "cotk-run" field\.$/],
      ['cut.json', good.slice(0, 500), /^Could not open “cut\.json”: The file is not complete JSON: it is truncated at byte 500/],
      ['new.json', good.replace('"version": 1', '"version": 2'), /made by a newer version of the app \(v2\); this app reads v1 — update the app/],
      ['bad.json', good.replace(/"speeds": \{"\$f32": \[[^\]]*\]\}/, '"speeds": "fast"'), /: run\.events\[0\]\.speeds: expected Float32Array data/],
    ];
    for (const [name, text, re] of cases) {
      pick(new File([text], name));
      await waitFor(() => expect(screen.getByTestId('import-error').textContent).toMatch(re));
      expect(useStore.getState().run).toBe(run);
    }
  });

  it('opens a run file dropped on the input panel', async () => {
    render(<App />);
    await askedRun();
    const text = serializeRun(snapshotRun(useStore.getState(), { name: 'Dropped run' })!);
    act(() => useStore.setState({ run: null }));
    const panel = screen.getByRole('region', { name: 'Input' });
    const file = new File([text], 'dropped.json');
    fireEvent.dragOver(panel, { dataTransfer: { types: ['Files'], files: [file] } });
    fireEvent.drop(panel, { dataTransfer: { types: ['Files'], files: [file] } });
    await waitFor(() => expect(screen.getByTestId('import-status').textContent).toMatch(/^Opened “Dropped run”/));
    expect(useStore.getState().run?.status).toBe('done');
  });
});
