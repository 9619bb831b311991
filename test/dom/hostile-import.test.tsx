import './setup';
import { act, cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
// @ts-expect-error -- jsdom ships no type declarations; one constructor is used, typed below
import { JSDOM as UntypedJSDOM } from 'jsdom';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { App } from '../../src/app/App';
import { createFakeEngine } from '../../src/engine/fake';
import { parseRunFile, serializeRun } from '../../src/record/serialize';
import { snapshotRun } from '../../src/record/snapshot';
import { loadModel, setEngine } from '../../src/state/actions';
import { useStore } from '../../src/state/store';
import { recordProbe } from '../reliability';

/**
 * Run files that parse but contradict themselves, or carry markup, imported in jsdom: each is
 * refused with a sentence (the run shown stays), or it renders, exports (JSON, CSV, HTML report)
 * and re-imports with no exception and no dead control. Markup in any string never becomes an
 * element, in the page or in the report.
 */
const JSDOM = UntypedJSDOM as new (html: string, opts: { runScripts: 'dangerously' }) => { window: Window & typeof globalThis };

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

let downloads: { name: string; blob: Blob }[] = [];
const blobs = new Map<string, Blob>();
let pageErrors: unknown[] = [];
const onError = (e: ErrorEvent) => pageErrors.push(e.error ?? e.message);

beforeEach(() => {
  downloads = [];
  pageErrors = [];
  window.addEventListener('error', onError);
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
  window.removeEventListener('error', onError);
  vi.restoreAllMocks();
  cleanup();
});

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** A real run from the fake engine, exported as the run format and parsed back as plain JSON to mutate. */
async function goodRun(question = '(12+7)*3=?'): Promise<Json> {
  render(<App />);
  await act(async () => {
    setEngine(createFakeEngine({ delayMs: 0 }));
    await loadModel();
  });
  fireEvent.change(screen.getByLabelText('Question for the model'), { target: { value: question } });
  fireEvent.click(screen.getByRole('button', { name: 'Generate' }));
  await waitFor(() => expect(screen.getByTestId('run-status').getAttribute('data-status')).toBe('done'));
  return JSON.parse(serializeRun(snapshotRun(useStore.getState(), { keepStates: true })!)) as Json;
}

async function importText(text: string, name = 'crafted.cotk.json'): Promise<{ error: string | null; status: string | null }> {
  await act(async () => {
    fireEvent.change(screen.getByTestId('import-file'), { target: { files: [new File([text], name)] } });
    await new Promise((r) => setTimeout(r, 30));
  });
  await waitFor(() => expect(screen.queryByTestId('import-error') ?? screen.queryByTestId('import-status')).not.toBeNull());
  return { error: screen.queryByTestId('import-error')?.textContent ?? null, status: screen.queryByTestId('import-status')?.textContent ?? null };
}

/** Clicks an export button and returns its download, or fails naming the error the page showed. */
async function exported(testId: string): Promise<{ name: string; blob: Blob }> {
  const before = downloads.length;
  const b = screen.getByTestId(testId) as HTMLButtonElement;
  expect(b.disabled, `${testId} is disabled without a reason`).toBe(false);
  fireEvent.click(b);
  await waitFor(() => expect(downloads.length, document.querySelector('[data-testid^="export-error"]')?.textContent ?? '').toBe(before + 1));
  return downloads[downloads.length - 1];
}

/** Every export works and the JSON one opens again. */
async function exportsAndReimports(): Promise<void> {
  const json = await exported('export-json');
  await exported('export-csv');
  const html = await (await exported('export-html')).blob.text();
  const report = new JSDOM(html, { runScripts: 'dangerously' });
  expect(report.window.document.getElementById('report')?.getAttribute('data-rendered')).not.toBeNull();
  const again = await importText(await json.blob.text(), 'again.cotk.json');
  expect(again.error).toBeNull();
}

const refusals: Array<[string, (j: Json) => void, RegExp]> = [
  ['segments outside the token range', (j) => (j.run.result.segments.answer = [0, j.run.result.ids.length + 40]), /run\.result\.segments\.answer: the span \[0, \d+\] reaches past the \d+ ids\./],
  ['a token id outside the vocabulary', (j) => (j.run.result.ids[j.run.result.ids.length - 1] = j.meta.model.vocab + 7), /run\.result\.ids\[\d+\]: token id \d+ is outside the model's vocabulary of \d+/],
  ['a streamed token id outside the vocabulary', (j) => (j.run.events[0].id = 10 ** 9), /run\.events\[0\]\.id: token id 1000000000 is outside the model's vocabulary/],
  [
    'projection token indices out of range',
    (j) => {
      const layers = j.meta.model.layers as number;
      j.run.result.projection = { ok: true, data: { tokens: [10 ** 6], layers, xy: { $f32: Array.from({ length: (layers + 1) * 2 }, () => 0) }, explained: [0.5, 0.25], dropped: 0 } };
    },
    /run\.result\.projection\.data\.tokens\[0\]: token 1000000 is not in the run/,
  ],
  ['tokens that do not match the ids', (j) => (j.run.result.tokens[1].id = (j.run.result.tokens[1].id + 1) % j.meta.model.vocab), /run\.result\.tokens\[1\]\.id: expected \d+/],
  [
    'segments that disagree with the tokens (reasoning span shifted)',
    (j) => {
      const s = j.run.result.segments;
      s.reasoning = [s.reasoning[0] + 3, s.reasoning[1]];
    },
    /run\.result\.segments\.reasoning: the reasoning span \[\d+, \d+\] holds tokens whose v1 energy at γ = 0\.8 is .* its segments disagree with its tokens/,
  ],
];

describe('hostile run files', () => {
  it('refuses a file that contradicts itself, with a sentence, and keeps the run shown', async () => {
    const good = await goodRun();
    const shown = useStore.getState().run;
    for (const [what, mutate, re] of refusals) {
      const j = structuredClone(good);
      mutate(j);
      const { error } = await importText(JSON.stringify(j));
      expect(error, what).toMatch(re);
      expect(useStore.getState().run).toBe(shown);
      recordProbe({ area: 'run-file import', input: what, outcome: 'refused with a sentence', said: error ?? undefined, kept: 'the run shown and the drafts' });
    }
    expect(pageErrors).toEqual([]);
  });

  it('a run with no tokens at all (empty events, no result) opens, exports and re-imports: no dead control', async () => {
    const j = await goodRun();
    j.run.events = [];
    j.run.result = null;
    j.run.status = 'cancelled';
    j.meta.keptStates = false;
    const { error, status } = await importText(JSON.stringify(j));
    expect(error).toBeNull();
    expect(status).toMatch(/: 0 tokens/);
    await exportsAndReimports();
    const csv = downloads.find((d) => d.name.endsWith('-tokens.csv'));
    expect((await csv!.blob.text()).split('\r\n')[0]).toMatch(/^index,position,id,text/);
    expect(pageErrors).toEqual([]);
    recordProbe({ area: 'run-file import', input: 'empty events and no result (0 tokens)', outcome: 'handled', said: status ?? undefined, kept: 'the run opened; JSON, CSV and HTML exports all download and re-import' });
  });

  it('NaN in every array renders, exports and re-imports without an exception', async () => {
    const j = await goodRun();
    const nanify = (v: unknown): unknown => {
      if (Array.isArray(v)) return v.map((x) => (typeof x === 'number' ? 'NaN' : nanify(x)));
      if (v && typeof v === 'object') {
        const o = v as Json;
        if ('$f32b64' in o) return { $f32: Array.from({ length: parseRunFileLength(o.$f32b64 as string) }, () => 'NaN') };
        for (const k of Object.keys(o)) o[k] = k === 'ids' || k === 'tokens' || k === 'span' || k === 'prompt' || k === 'reasoning' || k === 'answer' ? nanifyDeep(k, o[k]) : nanify(o[k]);
      }
      return v;
    };
    const nanifyDeep = (k: string, v: unknown) => (k === 'tokens' ? nanify(v) : v);
    const parseRunFileLength = (b64: string) => Math.floor((atob(b64).length / 4));
    const r = j.run.result;
    nanify(r.detail);
    nanify(r.states);
    for (const t of [...j.run.events, ...r.tokens]) {
      for (const k of ['logProb', 'entropy', 'selfCertainty', 'maxProb', 'kinetic', 'curvature', 'energy', 'kappa']) t[k] = 'NaN';
      t.speeds = { $f32: Array.from({ length: parseRunFileLength(t.speeds.$f32b64 ?? '') || (t.speeds.$f32?.length ?? 0) }, () => 'NaN') };
      t.norms = { $f32: Array.from({ length: parseRunFileLength(t.norms.$f32b64 ?? '') || (t.norms.$f32?.length ?? 0) }, () => 'NaN') };
    }
    for (const k of Object.keys(r.scores)) r.scores[k] = r.scores[k] === null ? null : 'NaN';
    if (r.projection?.ok) r.projection.data.xy = { $f32: Array.from({ length: parseRunFileLength(r.projection.data.xy.$f32b64 ?? '') || r.projection.data.xy.$f32.length }, () => 'NaN') };
    const text = JSON.stringify(j);
    expect(() => parseRunFile(text)).not.toThrow();
    const errs = vi.spyOn(console, 'error');
    const { error } = await importText(text);
    expect(error).toBeNull();
    expect(screen.getAllByTestId('run-status').length).toBeGreaterThan(0);
    await exportsAndReimports();
    expect(pageErrors).toEqual([]);
    expect(errs.mock.calls.map((c) => String(c[0])).filter((m) => !/not implemented|act\(/i.test(m))).toEqual([]);
    recordProbe({ area: 'run-file import', input: 'NaN in every number array (scores, tokens, states, projection)', outcome: 'handled', kept: 'the run opened with n/a where numbers are undefined; exports download and re-import' });
  });

  it('markup in every string of a run file never becomes an element, in the page or in the HTML report', async () => {
    const j = await goodRun();
    const evil = '<img src=x onerror="window.__pwned=1"></script><script>window.__pwned=1</script><b data-evil="1">x</b>';
    j.meta.name = evil;
    j.meta.model.name = evil;
    j.run.prompt = evil;
    j.meta.input.question = evil;
    j.run.events[0].text = evil;
    j.run.result.text = evil + j.run.result.text;
    if (j.run.result.tokens[0].text !== undefined) j.run.result.tokens[0].text = evil;
    j.run.result.segments.notes = [evil];
    j.run.error = evil;
    const { error } = await importText(JSON.stringify(j), `${evil}.json`);
    expect(error).toBeNull();
    expect(document.querySelector('[data-evil], img[src="x"]')).toBeNull();
    expect((window as unknown as { __pwned?: number }).__pwned).toBeUndefined();
    expect(document.body.textContent).toContain('data-evil'); // shown as text
    const html = await (await exported('export-html')).blob.text();
    const report = new JSDOM(html, { runScripts: 'dangerously' });
    await new Promise((r) => setTimeout(r, 20));
    expect(report.window.document.querySelector('[data-evil], img[src="x"]')).toBeNull();
    expect((report.window as unknown as { __pwned?: number }).__pwned).toBeUndefined();
    expect(report.window.document.getElementById('report')?.getAttribute('data-rendered')).not.toBeNull();
    recordProbe({ area: 'run-file import', input: 'markup (<img onerror>, </script><script>) in names, prompt, token text, notes, error', outcome: 'handled', kept: 'the run, shown as text; the HTML report renders it as text (no element, no script)' });
  });
});
