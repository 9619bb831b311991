import 'fake-indexeddb/auto';
import './setup';
import { act, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createFakeEngine } from '../../src/engine/fake';
import { closeHistoryDb } from '../../src/history/store';
import { applyProfile, brier, ece } from '../../src/state/calibration';
import { setBundledProfileSource } from '../../src/state/profileActions';
import { useStore } from '../../src/state/store';
import { storedProfile } from '../../src/storage/profiles';
import { batchProgress, bootBatch, metricValues, openBatchFile, resetBatch } from './batchHelpers';
import { batchFile } from './verdictFixtures';

/**
 * The batch view's calibration part with the fake engine: a profile made from labelled results (and
 * refused with why), the reliability diagram, and the ECE/Brier columns and verdict row of the metrics.
 */
beforeEach(async () => {
  await resetBatch();
  await closeHistoryDb();
  setBundledProfileSource(async () => null);
});

afterEach(() => setBundledProfileSource(null));

async function scoreAll(): Promise<void> {
  fireEvent.click(screen.getByRole('button', { name: 'Score all' }));
  await waitFor(() => expect(batchProgress().getAttribute('data-status')).toBe('done'), { timeout: 20_000 });
}

async function makeProfile(): Promise<void> {
  await act(async () => {
    fireEvent.click(screen.getByTestId('make-profile'));
    await new Promise((r) => setTimeout(r, 50));
  });
}

describe('calibration in the batch view', () => {
  it('makes a profile from labelled results for the loaded model, then shows its ECE/Brier and verdict row', async () => {
    await bootBatch(createFakeEngine({ delayMs: 0, batch: 1000 }));
    await openBatchFile(batchFile(20), 'fake-set.jsonl');
    await scoreAll();
    // Before any profile: the held-out reliability of a verdict fitted on these traces, and no calibration columns.
    const diagram = screen.getByTestId('batch-reliability');
    expect(diagram.querySelector('[data-series="held-out"]')).not.toBeNull();
    expect(diagram.querySelector('[data-series="profile"]')).toBeNull();
    expect(diagram.querySelectorAll('g[data-series="held-out"] circle').length).toBe(10);
    expect(within(diagram).getByText(/Show the data as a table \(10 rows\)/)).toBeTruthy();
    expect(metricValues()['cotkV2.ece']).toBe('null');
    expect(screen.getByTestId('batch-metrics').querySelector('tr[data-scorer="verdict"]')).toBeNull();

    await makeProfile();
    expect(screen.getByTestId('make-profile-notice').textContent).toMatch(
      /^Made a calibration profile for fake-reasoner \(deterministic\) \(fake\) from 40 labelled traces of fake-set\.jsonl: held-out AUROC \d\.\d{3}, ECE \d\.\d{3}, Brier \d\.\d{3}; kept in this browser\.$/,
    );
    const cal = useStore.getState().calibration;
    expect(cal.origin).toBe('made');
    expect(cal.profile?.dataset).toMatchObject({ name: 'fake-set.jsonl', n: 40, accuracy: 0.5 });
    expect((await storedProfile(cal.profile!.key))?.origin).toBe('made');

    // The metrics table: each scorer's ECE/Brier through the profile's own map, the verdict as a scorer.
    const profile = cal.profile!;
    const rows = (await import('../../src/state/batchStore')).useBatchStore.getState().scored.map((s) => s.row);
    const res = rows.map((r) => applyProfile(profile, r.scores));
    const y = rows.map((r) => r.label as number);
    const pm = res.map((r) => r.perScorer.perplexity);
    const m = metricValues();
    expect(Number(m['perplexity.ece'])).toBeCloseTo(ece(pm, y), 12);
    expect(Number(m['perplexity.brier'])).toBeCloseTo(brier(pm, y), 12);
    expect(Number(m['verdict.ece'])).toBeCloseTo(
      ece(
        res.map((r) => r.p),
        y,
      ),
      12,
    );
    expect(Number(m['verdict.auroc'])).toBeGreaterThan(0.5);
    // Both series now; the profile's is in-sample and the page says so.
    expect(screen.getByTestId('batch-reliability').querySelector('[data-series="profile"]')).not.toBeNull();
    expect(screen.getByTestId('batch-calibration').textContent).toMatch(/fitted on these very traces, so its series is in-sample/);
  });

  it('refuses a profile from fewer than 30 traces, or from traces without labels, with why', async () => {
    await bootBatch(createFakeEngine({ delayMs: 0, batch: 1000 }));
    await openBatchFile(batchFile(10), 'small.jsonl');
    await scoreAll();
    expect(screen.getByTestId('batch-reliability-note').textContent).toMatch(/needs at least 30 labelled traces and got 20/);
    await makeProfile();
    expect(screen.getByTestId('make-profile-error').textContent).toBe(
      'No calibration profile was made: a calibration profile needs at least 30 labelled traces and got 20: with fewer, its held-out numbers would mean little.',
    );
    expect(useStore.getState().calibration.profile).toBeNull();
    expect(screen.queryByTestId('batch-reliability')).toBeNull();
  });

  it('refuses when some traces have no label', async () => {
    await bootBatch(createFakeEngine({ delayMs: 0, batch: 1000 }));
    const text = batchFile(20)
      .split('\n')
      .map((l, i) => (i < 3 && l ? JSON.stringify({ ...JSON.parse(l), label: undefined }) : l))
      .join('\n');
    await openBatchFile(text, 'partial.jsonl');
    await scoreAll();
    await makeProfile();
    expect(screen.getByTestId('make-profile-error').textContent).toBe(
      'No calibration profile was made: 3 of the 40 traces have no label; a profile needs every trace labelled 0 (incorrect) or 1 (correct).',
    );
  });
});
