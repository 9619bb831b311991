import 'fake-indexeddb/auto';
import './setup';
import { IDBFactory } from 'fake-indexeddb';
import { act, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { App } from '../../src/app/App';
import { createFakeEngine } from '../../src/engine/fake';
import { closeHistoryDb } from '../../src/history/store';
import { loadModel, setEngine } from '../../src/state/actions';
import type { CalibrationProfile } from '../../src/state/calibration';
import { LAYER_ABLATION } from '../../src/state/calibration';
import { profileFile, setBundledProfileSource } from '../../src/state/profileActions';
import { useStore } from '../../src/state/store';
import { storedProfile } from '../../src/storage/profiles';
import { fakeProfile, wrongTrace } from './verdictFixtures';

/**
 * The verdict at the top of the results, with the fake engine and a profile fitted on fake runs by
 * the real core: each state (calibrated, no profile, outside the profile, characters the tokenizer
 * cannot represent, written elsewhere) and every refusal of an imported profile.
 */
let profile: CalibrationProfile;
let text: string;

beforeAll(async () => {
  profile = await fakeProfile();
  text = JSON.stringify(profile);
});

beforeEach(async () => {
  await closeHistoryDb();
  globalThis.indexedDB = new IDBFactory();
  setBundledProfileSource(async () => text);
});

afterEach(() => {
  setBundledProfileSource(null);
  vi.restoreAllMocks();
});

async function boot(): Promise<void> {
  render(<App />);
  await act(async () => {
    setEngine(createFakeEngine());
    await loadModel();
  });
  await waitFor(() => expect(useStore.getState().calibration.status).toBe('ready'));
}

async function ask(q: string): Promise<void> {
  fireEvent.change(screen.getByLabelText('Question for the model'), { target: { value: q } });
  fireEvent.click(screen.getByRole('button', { name: 'Generate' }));
  await waitFor(() => expect(screen.getByTestId('run-status').getAttribute('data-status')).toBe('done'));
}

async function paste(trace: string): Promise<void> {
  fireEvent.click(screen.getByRole('tab', { name: 'Paste a trace' }));
  fireEvent.change(screen.getByLabelText(/Finished trace/), { target: { value: trace } });
  fireEvent.click(screen.getByRole('button', { name: 'Score trace' }));
  await waitFor(() => expect(screen.getByTestId('run-status').getAttribute('data-status')).toBe('done'));
}

const verdict = () => screen.getByTestId('verdict');
const headline = () => screen.getByTestId('verdict-headline').textContent ?? '';

function file(content: string, name = 'profile.json'): File {
  const f = new File([content], name, { type: 'application/json' });
  // jsdom's File has no text(); the app reads it as browsers do.
  Object.defineProperty(f, 'text', { value: () => Promise.resolve(content) });
  return f;
}

async function importProfile(content: string, name?: string): Promise<void> {
  await act(async () => {
    fireEvent.change(screen.getByTestId('profile-file'), { target: { files: [file(content, name)] } });
    await new Promise((r) => setTimeout(r, 30));
  });
}

describe('the verdict', () => {
  it('with the bundled profile: a calibrated verdict in words, what it measures, each score’s percentile', async () => {
    await boot();
    expect(useStore.getState().calibration.origin).toBe('bundled');
    await ask('(12+7)*3=?');
    expect(verdict().getAttribute('data-kind')).toBe('calibrated');
    expect(headline()).toMatch(/^(Likely sound|Uncertain|Likely unsound) — \d+ % \(calibrated on 48 labelled traces of this model; held-out AUROC \d\.\d\d, ECE \d\.\d\d\)$/);
    const p = Number(verdict().getAttribute('data-p'));
    expect(p).toBeGreaterThan(0.5); // the fake's own right answer
    expect(verdict().textContent).toMatch(/this model’s view of this trace/);
    const rows = within(screen.getByTestId('verdict-scores')).getAllByRole('row').slice(1);
    expect(rows.length).toBeGreaterThanOrEqual(9);
    const v2 = rows.find((r) => r.getAttribute('data-score') === 'cotkV2');
    expect(Number(v2?.getAttribute('data-percentile'))).toBeGreaterThanOrEqual(0);
    expect(v2?.textContent).toMatch(/\d+th/);
    expect(screen.getByTestId('profile-status').textContent).toMatch(/48 labelled traces of fake arithmetic \(shipped with the bundled model\)/);
  });

  it('without a profile for the loaded model: says so, shows the raw scores and how to make one', async () => {
    setBundledProfileSource(async () => null);
    await boot();
    await ask('(12+7)*3=?');
    expect(verdict().getAttribute('data-kind')).toBe('no-profile');
    expect(headline()).toBe('No verdict: there is no calibration profile for this model yet.');
    expect(screen.getByTestId('verdict-how').textContent).toMatch(/Batch tab.*Make a calibration profile from these results.*cotk calibrate/s);
    expect(within(screen.getByTestId('verdict-scores')).getAllByRole('row').length).toBeGreaterThan(5);
    expect(screen.queryByTestId('verdict-aside')).toBeNull();
  });

  it('a bundled profile for another model does not apply: no verdict rather than a wrong one', async () => {
    const other = await fakeProfile({ key: { model: 'some-other-model', revision: '', dtype: 'fake' } });
    setBundledProfileSource(async () => JSON.stringify(other));
    await boot();
    await ask('(12+7)*3=?');
    expect(verdict().getAttribute('data-kind')).toBe('no-profile');
  });

  it('a bundled profile that cannot be read is said so, and gives no verdict', async () => {
    setBundledProfileSource(async () => JSON.stringify({ ...profile, version: 99 }));
    await boot();
    await ask('(12+7)*3=?');
    expect(verdict().getAttribute('data-kind')).toBe('no-profile');
    expect(screen.getByTestId('profile-error').textContent).toMatch(/^The calibration profile shipped with the bundled model could not be read: This calibration profile was made by a newer version of the app \(v99\)/);
  });

  it('a run outside what the profile covers gets no confident number, and says which scores are out of range', async () => {
    // A profile whose traces all had a perplexity far above this run's: the run lies outside its range.
    const q = profile.scorers.perplexity.quantiles.map((x) => x + 100);
    const narrow = { ...profile, scorers: { ...profile.scorers, perplexity: { ...profile.scorers.perplexity, quantiles: q, range: [q[0], q[q.length - 1]] } } };
    setBundledProfileSource(async () => JSON.stringify(narrow));
    await boot();
    await ask('(12+7)*3=?');
    expect(verdict().getAttribute('data-kind')).toBe('outside');
    expect(headline()).toBe('Outside what this profile covers: no confident number.');
    expect(headline()).not.toMatch(/%/);
    expect(screen.getByTestId('verdict-flags').textContent).toMatch(/Far outside the traces the profile was fitted on: Perplexity\. A number here would be an extrapolation\./);
    const row = within(screen.getByTestId('verdict-scores')).getAllByRole('row').find((r) => r.getAttribute('data-score') === 'perplexity');
    expect(row?.getAttribute('data-outside')).toBe('true');
    expect(row?.textContent).toMatch(/0th \(outside\)/);
    expect(screen.getByTestId('verdict-aside').textContent).toMatch(/For reference only: .* would say \d+ %/);
  });

  it('characters the tokenizer cannot represent are named, and the verdict is flagged outside', async () => {
    await boot();
    await ask('12×3=?');
    expect(verdict().getAttribute('data-kind')).toBe('outside');
    const flag = screen.getByTestId('verdict-flags').querySelector('[data-flag="unrepresentable"]');
    expect(flag?.textContent).toBe('The tokenizer cannot represent “×” (U+00D7): the model reads it as unknown tokens.');
  });

  it('a pasted trace the model would not have written is marked “written elsewhere”, where it departs', async () => {
    await boot();
    await paste(`(12+7)*3=?\n${wrongTrace('(12+7)*3=?')}`);
    expect(verdict().getAttribute('data-kind')).toBe('written-elsewhere');
    expect(headline()).toBe('Written elsewhere: this model would not have written this trace.');
    const flag = screen.getByTestId('verdict-flags').querySelector('[data-flag="written-elsewhere"]');
    // <think>\n12+7=19\n19*3=5|8 : the trace's "8" where the model would write "7"
    expect(flag?.textContent).toMatch(/departs from this trace at token 17 \(“8”, where it would have written “7”\); it disagrees at 1 of the \d+ tokens/);
  });

  it('the model’s own trace, pasted, is not written elsewhere', async () => {
    await boot();
    await paste('(12+7)*3=?\n<think>\n12+7=19\n19*3=57\n</think>\n\n57<|im_end|>');
    expect(verdict().getAttribute('data-kind')).toBe('calibrated');
    expect(screen.queryByTestId('verdict-flags')).toBeNull();
  });
});

describe('profiles: import, export, refusals', () => {
  it('imports a good profile for this model, keeps it in IndexedDB and prefers it over the bundled one', async () => {
    setBundledProfileSource(async () => null);
    await boot();
    await ask('(12+7)*3=?');
    expect(verdict().getAttribute('data-kind')).toBe('no-profile');
    await importProfile(text, 'mine.json');
    expect(screen.getByTestId('profile-notice').textContent).toMatch(/^Using “mine.json”: 48 labelled traces of fake-reasoner/);
    expect(verdict().getAttribute('data-kind')).toBe('calibrated');
    const key = profile.key;
    expect((await storedProfile(key))?.profile).toEqual(profile);
    // a later page finds it kept
    await act(async () => {
      await loadModel();
    });
    await waitFor(() => expect(useStore.getState().calibration.origin).toBe('stored'));
    // forgetting it brings back what the model ships (here: nothing)
    fireEvent.click(screen.getByTestId('profile-forget'));
    await waitFor(() => expect(useStore.getState().calibration.profile).toBeNull());
    expect(await storedProfile(key)).toBeUndefined();
  });

  it('exports the profile in use as a file that imports back', async () => {
    await boot();
    const f = profileFile();
    expect(f?.name).toBe('calibration-fake-reasoner_deterministic_-fake.json');
    expect(JSON.parse(f?.text ?? '')).toEqual(profile);
  });

  const bad: [string, () => Promise<string>, RegExp][] = [
    ['another model', async () => JSON.stringify(await fakeProfile({ key: { model: 'Qwen3-0.6B', revision: 'main', dtype: 'q4f16' } })), /for Qwen3-0\.6B \(q4f16, revision main\), another model, and the loaded model is fake-reasoner/],
    ['fewer than 30 traces', async () => JSON.stringify({ ...profile, dataset: { ...profile.dataset, n: 12 } }), /fitted on 12 traces; a profile needs at least 30/],
    ['one label only', async () => JSON.stringify({ ...profile, dataset: { ...profile.dataset, accuracy: 1 } }), /fitted on correct traces only, so it cannot tell them apart/],
    ['not JSON', async () => '{"format": "cotk-calibration", ', /JSON|truncated/],
    ['a newer version', async () => JSON.stringify({ ...profile, version: 99 }), /newer/],
    ['a run file', async () => JSON.stringify({ format: 'cotk-run', version: 1 }), /not a calibration profile|cotk-run/],
  ];
  for (const [what, make, why] of bad) {
    it(`refuses a profile file that is ${what}, and keeps the run and the profile in use`, async () => {
      await boot();
      await ask('(12+7)*3=?');
      const run = useStore.getState().run;
      const before = useStore.getState().calibration.profile;
      await importProfile(await make(), 'bad.json');
      const err = screen.getByTestId('profile-error').textContent ?? '';
      expect(err).toMatch(/^Could not use “bad.json” as a calibration profile: /);
      expect(err).toMatch(why);
      expect(useStore.getState().run).toBe(run);
      expect(useStore.getState().calibration.profile).toBe(before);
      expect(verdict().getAttribute('data-kind')).toBe('calibrated');
    });
  }
});

describe('the method panel', () => {
  it('states what the layers add to the verdict, from the ablation, before any run', () => {
    render(<App />);
    const panel = screen.getByTestId('layer-ablation');
    expect(panel.textContent).toContain(LAYER_ABLATION.summary);
    const rows = within(panel).getAllByRole('row');
    expect(rows).toHaveLength(3);
    expect(rows[1].textContent).toContain(`${LAYER_ABLATION.testbed.auroc.both.point.toFixed(3)} [`);
  });
});
