import { describe, expect, it } from 'vitest';
import { DEFAULT_COTK, reweightCotk } from '../../../src/core/scores/index';
import { deriveRun, metricValue } from '../../../src/state/derive';
import { synthRun } from './fixtures';

describe('deriveRun', () => {
  it('places tokens by the result’s spans and carries the streamed text', () => {
    const { events, result } = synthRun();
    const v = deriveRun(events, result, 0.8);
    expect(v.rows.map((r) => r.segment)).toEqual(['other', ...Array(12).fill('reasoning'), 'other', 'answer', 'other']);
    expect(v.rows.map((r) => r.text).join('')).toBe(result.text);
    expect(v.layers).toBe(3);
    expect(v.hasStates).toBe(true);
    expect(v.live).toBe(false);
  });

  it('at the run’s own γ reproduces the engine’s energies and trace energy', () => {
    const { events, result } = synthRun({ gamma: 0.8 });
    const v = deriveRun(events, result, 0.8);
    v.rows.forEach((r, i) => expect(r.energy).toBe(events[i].energy));
    expect(v.scores.cotkEnergy).toBeCloseTo(result.scores.cotkEnergy as number, 12);
  });

  it('recomputes every energy for another γ with reweightCotk, and leaves the other scores alone', () => {
    const { events, result } = synthRun();
    const v = deriveRun(events, result, 0.3);
    for (const r of v.rows) expect(r.energy).toBeCloseTo(0.3 * r.kinetic + 0.7 * r.curvature, 12);
    const reasoning = v.rows.filter((r) => r.segment === 'reasoning');
    const expected = reweightCotk(
      reasoning.map((r) => r.kinetic),
      reasoning.map((r) => r.curvature),
      0.3,
    ).traceEnergy;
    expect(v.scores.cotkEnergy).toBe(expected);
    expect(v.scores.cotkEnergy).not.toBeCloseTo(result.scores.cotkEnergy as number, 6);
    expect(v.scores.perplexity).toBe(result.scores.perplexity);
    expect(v.scores.coeR).toBe(0.42);
    expect(v.scores.cotkV2).toBe(result.scores.cotkV2);
    expect(v.scores.cotk).toBe(DEFAULT_COTK === 'cotkEnergy' ? expected : result.scores.cotkV2);
  });

  it('gives live estimates from streamed tokens before the result (CoE only at the end)', () => {
    const { events, result } = synthRun();
    const v = deriveRun(events.slice(0, 8), null, 0.8);
    expect(v.live).toBe(true);
    const scored = events.slice(1, 8);
    const meanLp = scored.reduce((s, e) => s + e.logProb, 0) / scored.length;
    expect(v.scores.perplexity).toBeCloseTo(Math.exp(-meanLp), 12);
    expect(v.scores.coeR).toBeNull();
    expect(v.scores.answerConfidence).toBeNull();
    // v2 live: the registry's cotkV2FromTerms over the reasoning tokens so far
    const r = events.slice(1, 8);
    expect(v.scores.cotkV2).toBeCloseTo(Math.max(...r.map((e) => -e.logProb)) - r.reduce((s, e) => s + e.kappa, 0) / r.length, 12);
    expect(v.scores.cotk).toBe(v.scores[DEFAULT_COTK]);
    const full = deriveRun(events, null, 0.8);
    expect(full.scores.answerConfidence).toBeCloseTo(result.scores.answerConfidence as number, 12);
  });

  it('without states: no energies, no layers, null energy score', () => {
    const { events, result } = synthRun({ states: false });
    const v = deriveRun(events, result, 0.8);
    expect(v.hasStates).toBe(false);
    expect(v.layers).toBe(0);
    expect(v.scores.cotkEnergy).toBeNull();
    expect(v.rows.every((r) => Number.isNaN(r.energy))).toBe(true);
  });

  it('metricValue reads each tint metric (surprise is −log p)', () => {
    const { events, result } = synthRun();
    const r = deriveRun(events, result, 0.8).rows[2];
    expect(metricValue(r, 'surprise')).toBe(-r.logProb);
    expect(metricValue(r, 'entropy')).toBe(r.entropy);
    expect(metricValue(r, 'kinetic')).toBe(r.kinetic);
    expect(metricValue(r, 'curvature')).toBe(r.curvature);
    expect(metricValue(r, 'energy')).toBe(r.energy);
    expect(metricValue(r, 'kappa')).toBe(events[2].kappa);
    expect(metricValue(r, 'v2energy')).toBeCloseTo(-events[2].logProb - events[2].kappa, 12);
  });
});
