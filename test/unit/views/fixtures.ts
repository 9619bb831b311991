import { aggregateLogitStats, cotkV1Token, cotkV2FromTerms, cotkV2Kappa, DEFAULT_COTK, layerSpeeds, type ScoreKey } from '../../../src/core/scores/index';
import { normAt } from '../../../src/core/linalg';
import { tokenPath, type LayerStates } from '../../../src/core/tensor';
import type { KeptStates } from '../../../src/engine/keep';
import type { TokenSegment } from '../../../src/engine/segmentStream';
import type { RunResult, TokenEvent } from '../../../src/engine/run';

/**
 * A synthetic run with known numbers: `<think>`, reasoning tokens, `</think>`, answer tokens and an
 * end marker after a prompt of `promptLength` positions. States are smooth functions of position
 * and layer; each token's K, P, E, speeds and norms come from the real scorer on those states, so
 * what the views derive can be checked against them.
 */
export interface SynthOptions {
  readonly prompt?: string;
  readonly reasoning?: readonly string[];
  readonly answer?: readonly string[];
  readonly layers?: number;
  readonly dim?: number;
  readonly promptLength?: number;
  readonly gamma?: number;
  /** false: no states at all (K, P, E NaN; speeds empty; states null). */
  readonly states?: boolean;
  /** Positions kept in `states` (default all): fewer simulates the memory cap. */
  readonly keptPositions?: number;
}

export interface SynthRun {
  readonly prompt: string;
  readonly events: TokenEvent[];
  readonly result: RunResult;
  readonly residual: Float32Array;
}

export const DEFAULT_REASONING = ['12', '+', '7', '=', '19', '\n', '19', '*', '3', '=', '57', '\n'];
export const DEFAULT_ANSWER = ['57'];

export function stateValue(p: number, l: number, k: number): number {
  return Math.sin(0.3 * p + k) * (1 + l) + 0.2 * l * Math.cos(0.7 * p + k * l) + 0.05 * k * l;
}

export function synthRun(o: SynthOptions = {}): SynthRun {
  const reasoning = o.reasoning ?? DEFAULT_REASONING;
  const answer = o.answer ?? DEFAULT_ANSWER;
  const L = o.layers ?? 3;
  const d = o.dim ?? 6;
  const P = o.promptLength ?? 5;
  const gamma = o.gamma ?? 0.8;
  const withStates = o.states ?? true;
  const texts = ['<think>', ...reasoning, '</think>', ...answer, '<|im_end|>'];
  const segs: TokenSegment[] = ['marker', ...reasoning.map((): TokenSegment => 'reasoning'), 'marker', ...answer.map((): TokenSegment => 'answer'), 'marker'];
  const T = P + texts.length;
  const residual = new Float32Array((L + 1) * T * d);
  for (let l = 0; l <= L; l++) for (let p = 0; p < T; p++) for (let k = 0; k < d; k++) residual[(l * T + p) * d + k] = stateValue(p, l, k);
  const all: LayerStates = { layers: L, tokens: T, dim: d, data: residual };
  const events: TokenEvent[] = texts.map((text, i) => {
    const p = P + i;
    const path = tokenPath(all, p);
    const terms = withStates ? { ...cotkV1Token(path, gamma), kappa: cotkV2Kappa(path) } : { kinetic: NaN, curvature: NaN, energy: NaN, kappa: NaN };
    const norms = new Float32Array(withStates ? L + 1 : 0);
    if (withStates) for (let l = 0; l <= L; l++) norms[l] = normAt(residual, (l * T + p) * d, d);
    return {
      index: i,
      position: p,
      id: 100 + i,
      segment: segs[i],
      logProb: -0.1 * (1 + (i % 5)),
      entropy: 0.5 + 0.1 * (i % 3),
      selfCertainty: 2 + 0.01 * i,
      maxProb: 0.8,
      ...terms,
      speeds: withStates ? Float32Array.from(layerSpeeds(path)) : new Float32Array(0),
      norms,
      text,
    };
  });
  const r0 = P + 1;
  const r1 = r0 + reasoning.length;
  const a0 = r1 + 1;
  const a1 = a0 + answer.length;
  const scored = events.filter((e) => e.segment === 'reasoning' || e.segment === 'answer');
  const ans = events.filter((e) => e.segment === 'answer');
  const rEv = events.filter((e) => e.segment === 'reasoning');
  const traceEnergy = withStates && rEv.length ? rEv.reduce((s, e) => s + e.energy, 0) / rEv.length : null;
  const output = scored.length ? aggregateLogitStats(scored) : null;
  const answerStats = ans.length ? aggregateLogitStats(ans) : null;
  const v2 = withStates && rEv.length ? cotkV2FromTerms(rEv.map((e) => e.kappa), rEv.map((e) => -e.logProb)) : null;
  const scores: Record<ScoreKey, number | null> = {
    cotk: null,
    cotkV2: v2?.energy ?? null,
    cotkEnergy: traceEnergy,
    coeR: withStates ? 0.42 : null,
    coeC: withStates ? 0.61 : null,
    perplexity: output?.perplexity ?? null,
    meanEntropy: output?.meanEntropy ?? null,
    selfCertainty: output?.selfCertainty ?? null,
    maxProb: output?.maxProb ?? null,
    answerConfidence: answerStats?.geoMeanProb ?? null,
  };
  scores.cotk = scores[DEFAULT_COTK];
  const kept = Math.min(T, o.keptPositions ?? T);
  let states: KeptStates | null = null;
  if (withStates) {
    const res = new Float32Array((L + 1) * kept * d);
    for (let l = 0; l <= L; l++) res.set(residual.subarray(l * T * d, (l * T + kept) * d), l * kept * d);
    states = { layers: L, tokens: kept, dim: d, residual: res, finalNorm: new Float32Array(kept * d), truncated: kept < T };
  }
  const result: RunResult = {
    ids: [...Array.from({ length: P }, (_, i) => i), ...events.map((e) => e.id)],
    promptLength: P,
    text: texts.join(''),
    stop: 'eos',
    segments: { prompt: [0, P], reasoning: [r0, r1], answer: [a0, a1], thinkAt: P, endThinkAt: r1, eosAt: a1, notes: [] },
    // The result's reductions carry no text (RunResult.tokens are TokenReductions).
    tokens: events.map(({ text: _text, ...red }) => red),
    scores,
    detail: { cotk: null, cotkV2: v2, coe: null, output, answer: answerStats },
    states,
    logits: null,
    timing: { prefillMs: 10, decodeMs: 90, steps: texts.length },
  };
  return { prompt: o.prompt ?? '(12+7)*3=?', events, result, residual };
}
