import { InputError } from './errors';
import { binaryMetrics, orient, type BinaryMetrics, type Orientation } from './metrics';
import { aggregateLogitStats, coe, cotkV1, cotkV2, tokenLogitStats, type TraceScores } from './scores/index';
import { COTK_V1_DEFAULT_GAMMA } from './scores/cotKinetics';
import { spanLength, type LayerStates, type Span } from './tensor';
import { outputPositions } from './trace/segment';

/**
 * The golden states layout (shared/golden/scoring-v1.json): captured states of one run plus the
 * logits rows that predicted its output tokens. `cotk capture` writes it; `cotk states` scores it.
 */
export interface StatesCase {
  readonly name?: string;
  readonly residual: LayerStates;
  readonly hidden: LayerStates;
  readonly vocab: number;
  readonly logits: ArrayLike<number>;
  readonly targets: ArrayLike<number>;
  readonly reasoning: Span;
  readonly answer: Span;
  readonly gamma: number;
}

export interface MetricsInput {
  readonly scores: number[];
  readonly labels: number[];
  readonly orientation: Orientation;
}

export interface StatesFile {
  readonly cases: StatesCase[];
  readonly metrics: MetricsInput[];
}

export interface ParseOptions {
  /** Accept cases whose answer span is empty (a trace that never closed `</think>`). */
  readonly allowEmptyAnswer?: boolean;
}

type Obj = Record<string, unknown>;

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (typeof v === 'string') return v === 'NaN' || v.endsWith('Infinity') ? v : JSON.stringify(v);
  if (Array.isArray(v)) return `an array of ${v.length}`;
  return typeof v === 'object' ? 'an object' : String(v);
}

class Reader {
  constructor(
    readonly where: string,
    readonly obj: Obj,
  ) {}

  fail(field: string, detail: string): never {
    throw new InputError(this.where, field, detail);
  }

  has(field: string): boolean {
    return this.obj[field] !== undefined;
  }

  get(field: string): unknown {
    if (!(field in this.obj)) this.fail(field, 'missing');
    return this.obj[field];
  }

  int(field: string, min: number): number {
    const v = this.get(field);
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min) {
      this.fail(field, `expected an integer ≥ ${min}, got ${describe(v)}`);
    }
    return v;
  }

  numbers(field: string, length: number, lengthText: string): number[] {
    const v = this.get(field);
    if (!Array.isArray(v)) this.fail(field, `expected an array of numbers, got ${describe(v)}`);
    if (v.length !== length) this.fail(field, `expected ${lengthText} = ${length} numbers, got ${v.length}`);
    for (let i = 0; i < v.length; i++) {
      const x: unknown = v[i];
      if (typeof x !== 'number' || !Number.isFinite(x)) {
        this.fail(field, `element ${i} is ${describe(x)}, not a finite number`);
      }
    }
    return v as number[];
  }

  span(field: string, tokens: number): Span {
    const v = this.get(field);
    if (!Array.isArray(v) || v.length !== 2 || !v.every((x) => Number.isInteger(x))) {
      this.fail(field, `expected a half-open range [start, end] of two integers, got ${JSON.stringify(v)}`);
    }
    const [a, b] = v as [number, number];
    if (a < 0 || b < a || b > tokens) this.fail(field, `range [${a}, ${b}] is not inside the ${tokens} tokens`);
    return [a, b];
  }
}

function asObject(v: unknown, where: string, what: string): Obj {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) {
    throw new InputError(where, what, `expected an object, got ${describe(v)}`);
  }
  return v as Obj;
}

function caseLabel(i: number, c: Obj): string {
  return typeof c.name === 'string' ? `case ${i} ("${c.name}")` : `case ${i}`;
}

export function parseStatesCase(raw: unknown, index: number, opts: ParseOptions = {}): StatesCase {
  const obj = asObject(raw, `case ${index}`, 'cases[]');
  const r: Reader = new Reader(caseLabel(index, obj), obj);
  if (obj.name !== undefined && obj.name !== null && typeof obj.name !== 'string') r.fail('name', `expected a string (the case's label), got ${describe(obj.name)}`);
  const layers = r.int('layers', 1);
  const tokens = r.int('tokens', 1);
  const dim = r.int('dim', 1);
  const vocab = r.int('vocab', 2);
  const stateText = `(layers+1)·tokens·dim = ${layers + 1}·${tokens}·${dim}`;
  const residual = r.numbers('residual', (layers + 1) * tokens * dim, stateText);
  const hidden = r.numbers('hidden', (layers + 1) * tokens * dim, stateText);
  const reasoning = r.span('reasoning', tokens);
  const answer = r.span('answer', tokens);
  if (spanLength(reasoning) === 0) r.fail('reasoning', `empty range [${reasoning[0]}, ${reasoning[1]}]: there is no reasoning to score`);
  if (answer[0] < reasoning[1]) r.fail('answer', `range [${answer[0]}, ${answer[1]}] starts inside the reasoning [${reasoning[0]}, ${reasoning[1]}]`);
  if (spanLength(answer) === 0 && !opts.allowEmptyAnswer) {
    r.fail('answer', `empty range [${answer[0]}, ${answer[1]}]: no answer tokens (pass --allow-empty-answer to score the reasoning alone)`);
  }
  const rows = spanLength(reasoning) + spanLength(answer);
  const rowText = `one row per output token: (reasoning + answer)·vocab = ${rows}·${vocab}`;
  const logits = r.numbers('logits', rows * vocab, rowText);
  const targets = r.numbers('targets', rows, `one per output token (reasoning + answer)`);
  targets.forEach((t, i) => {
    if (!Number.isInteger(t) || t < 0 || t >= vocab) r.fail('targets', `element ${i} is ${t}, not a token id in [0, ${vocab})`);
  });
  let gamma = COTK_V1_DEFAULT_GAMMA;
  if (r.has('gamma')) {
    const g = r.get('gamma');
    if (typeof g !== 'number' || !(g >= 0 && g <= 1)) r.fail('gamma', `expected a number in [0, 1], got ${describe(g)}`);
    gamma = g;
  }
  return {
    name: typeof obj.name === 'string' ? obj.name : undefined,
    residual: { layers, tokens, dim, data: residual },
    hidden: { layers, tokens, dim, data: hidden },
    vocab,
    logits,
    targets,
    reasoning,
    answer,
    gamma,
  };
}

export function parseMetricsInput(raw: unknown, index: number): MetricsInput {
  const r: Reader = new Reader(`metrics ${index}`, asObject(raw, `metrics ${index}`, 'metrics[]'));
  const scoresRaw = r.get('scores');
  const n = Array.isArray(scoresRaw) ? scoresRaw.length : 0;
  const scores = r.numbers('scores', n, 'one score per trace');
  const labelsRaw = r.get('labels');
  if (!Array.isArray(labelsRaw)) r.fail('labels', `expected an array of 0/1 labels, got ${describe(labelsRaw)}`);
  if (labelsRaw.length !== n) r.fail('labels', `expected one label per score (${n}), got ${labelsRaw.length}`);
  const labels = labelsRaw.map((l: unknown, i) => {
    if (l === 0 || l === 1) return l;
    if (l === true || l === false) return l ? 1 : 0;
    return r.fail('labels', `element ${i} is ${describe(l)}, not 0 or 1`);
  });
  const pos = labels.filter((l) => l === 1).length;
  if (pos === 0 || pos === n) r.fail('labels', `needs both classes; got ${pos} correct (1) and ${n - pos} wrong (0)`);
  let orientation: Orientation = 'higher-is-correct';
  if (r.has('orientation')) {
    const o = r.get('orientation');
    if (o !== 'higher-is-correct' && o !== 'lower-is-correct') {
      r.fail('orientation', `expected "higher-is-correct" or "lower-is-correct", got ${describe(o)}`);
    }
    orientation = o;
  }
  return { scores, labels, orientation };
}

export function parseStatesFile(raw: unknown, opts: ParseOptions = {}): StatesFile {
  const top = asObject(raw, 'file', '(top level)');
  const r: Reader = new Reader('file', top);
  const cases = r.has('cases') ? r.get('cases') : [];
  const metrics = r.has('metrics') ? r.get('metrics') : [];
  if (!Array.isArray(cases)) r.fail('cases', `expected an array, got ${describe(cases)}`);
  if (!Array.isArray(metrics)) r.fail('metrics', `expected an array, got ${describe(metrics)}`);
  if (cases.length === 0 && metrics.length === 0) r.fail('cases', 'the file has no cases and no metrics to score');
  return {
    cases: cases.map((c, i) => parseStatesCase(c, i, opts)),
    metrics: metrics.map((m, i) => parseMetricsInput(m, i)),
  };
}

/** Every scorer on one captured case. */
export function scoreStatesCase(c: StatesCase): TraceScores {
  const nr = spanLength(c.reasoning);
  const perToken = tokenLogitStats(c.logits, c.vocab, c.targets);
  return {
    cotk: cotkV1(c.residual, c.reasoning, c.gamma),
    cotkV2: cotkV2(c.residual, c.reasoning, perToken.slice(0, nr).map((t) => -t.logProb)),
    coe: coe(c.hidden, outputPositions(c.reasoning, c.answer)),
    output: aggregateLogitStats(perToken),
    answer: perToken.length > nr ? aggregateLogitStats(perToken.slice(nr)) : null,
  };
}

export function scoreMetricsInput(m: MetricsInput): BinaryMetrics {
  return binaryMetrics(orient(m.scores, m.orientation), m.labels);
}
