import { SCORERS, type ScoreKey } from '../core/scores/index';
import { reweightCotk, type CotkTrace } from '../core/scores/cotKinetics';
import type { CotkV2Trace } from '../core/scores/cotkV2';
import type { CoeScores } from '../core/scores/coe';
import type { LogitStats } from '../core/scores/logits';
import type { Segments } from '../core/trace/segment';
import type { KeptStates } from '../engine/keep';
import type { TrajectoryResult } from '../engine/projection';
import type { ReducedScores, TokenReduction } from '../engine/reduce';
import type { RunResult, RunTiming, StopReason, TokenEvent } from '../engine/run';
import type { TokenSegment } from '../engine/segmentStream';
import type { RunState } from '../state/slices';
import { kindOf, own, schemaReader, type Obj } from '../core/schema';
import { base64ToFloat32 } from './jsonText';
import { readSavedVerdict } from './verdict';
import { RUN_FORMAT, RUN_VERSION, type ModelSummary, type RunInput, type RunSettings, type SavedRun, type SavedRunMeta } from './types';

/**
 * The hand-written reader of the run format (docs/run-format.md). It walks the parsed JSON along
 * the schema and builds fresh objects with the known keys only: nothing in the file is ever run,
 * looked up as code, or used as a key of an object the app owns, and a `__proto__` key anywhere is
 * refused. Unknown keys are ignored (a later v1 may add optional fields). Every problem is one
 * sentence that names the field by its path.
 */
export class RunFileError extends Error {
  override readonly name = 'RunFileError';
}

const R = schemaReader((m) => new RunFileError(m), 'a run file');
const { fail, problem, obj, str, bool, num, int, oneOf, arr, nullable, nums, ints, strs } = R;

/** Float32Array data: {"$f32": [numbers]} or {"$f32b64": "base64 of little-endian bytes"}. */
function f32(v: unknown, path: string): Float32Array {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) fail(path, 'Float32Array data ({"$f32": [...]} or {"$f32b64": "..."})', v);
  const o = v as Obj;
  const dec = own(o, '$f32');
  if (dec !== undefined) {
    const a = arr(dec, `${path}.$f32`);
    const out = new Float32Array(a.length);
    for (let i = 0; i < a.length; i++) out[i] = num(a[i], `${path}.$f32[${i}]`);
    return out;
  }
  const b64 = own(o, '$f32b64');
  if (b64 !== undefined) {
    const r = base64ToFloat32(str(b64, `${path}.$f32b64`));
    if (typeof r === 'string') return problem(`${path}.$f32b64`, `${r}.`);
    return r;
  }
  return fail(path, 'Float32Array data ({"$f32": [...]} or {"$f32b64": "..."})', v);
}

const nullableF32 = (v: unknown, path: string) => nullable(v, path, f32);

function span(v: unknown, path: string): readonly [number, number] {
  const a = arr(v, path);
  if (a.length !== 2) problem(path, `expected a span [start, end], got an array of ${a.length}.`);
  const s = int(a[0], `${path}[0]`, 0);
  const e = int(a[1], `${path}[1]`, 0);
  if (e < s) problem(path, `the span [${s}, ${e}] ends before it starts.`);
  return [s, e];
}

// ——— meta ———

function modelSummary(v: unknown, p: string): ModelSummary {
  const o = obj(v, p);
  return {
    name: str(own(o, 'name'), `${p}.name`),
    source: str(own(o, 'source'), `${p}.source`),
    variant: str(own(o, 'variant'), `${p}.variant`),
    backend: str(own(o, 'backend'), `${p}.backend`),
    layers: int(own(o, 'layers'), `${p}.layers`, 0),
    hidden: int(own(o, 'hidden'), `${p}.hidden`, 0),
    vocab: int(own(o, 'vocab'), `${p}.vocab`, 0),
  };
}

export function runInput(v: unknown, p: string): RunInput {
  const o = obj(v, p);
  return {
    mode: oneOf(own(o, 'mode'), `${p}.mode`, ['ask', 'paste'] as const),
    question: str(own(o, 'question'), `${p}.question`),
    trace: str(own(o, 'trace'), `${p}.trace`),
    pasteFormat: oneOf(own(o, 'pasteFormat'), `${p}.pasteFormat`, ['text', 'fields'] as const),
    fieldPrompt: str(own(o, 'fieldPrompt'), `${p}.fieldPrompt`),
    fieldReasoning: str(own(o, 'fieldReasoning'), `${p}.fieldReasoning`),
    fieldAnswer: str(own(o, 'fieldAnswer'), `${p}.fieldAnswer`),
  };
}

function runSettings(v: unknown, p: string): RunSettings {
  const o = obj(v, p);
  const gamma = num(own(o, 'gamma'), `${p}.gamma`);
  if (!(gamma >= 0 && gamma <= 1)) problem(`${p}.gamma`, `expected γ between 0 and 1, got ${gamma}.`);
  return { gamma, formulation: str(own(o, 'formulation'), `${p}.formulation`) };
}

function meta(v: unknown, p: string): SavedRunMeta {
  const o = obj(v, p);
  // The verdict was added within v1: older files have none.
  const vd = own(o, 'verdict');
  const verdict = vd === undefined ? undefined : readSavedVerdict(R, vd, `${p}.verdict`);
  return {
    ...(verdict === undefined ? {} : { verdict }),
    id: str(own(o, 'id'), `${p}.id`),
    name: str(own(o, 'name'), `${p}.name`),
    createdAt: str(own(o, 'createdAt'), `${p}.createdAt`),
    model: modelSummary(own(o, 'model'), `${p}.model`),
    input: runInput(own(o, 'input'), `${p}.input`),
    settings: runSettings(own(o, 'settings'), `${p}.settings`),
    keptStates: bool(own(o, 'keptStates'), `${p}.keptStates`),
    appVersion: str(own(o, 'appVersion'), `${p}.appVersion`),
  };
}

// ——— run ———

const TOKEN_SEGMENTS: readonly TokenSegment[] = ['pending', 'reasoning', 'answer', 'marker', 'after'];
const STOPS: readonly StopReason[] = ['eos', 'max-tokens', 'cancelled', 'complete'];
/** A saved run is finished; 'running' and 'stopping' only exist in a live page. */
const SAVED_STATUSES = ['done', 'cancelled', 'error'] as const;

function reduction(o: Obj, p: string, i: number): TokenReduction {
  const index = int(own(o, 'index'), `${p}.index`, 0);
  if (index !== i) problem(`${p}.index`, `expected ${i} (tokens are listed in order), got ${index}.`);
  const speeds = f32(own(o, 'speeds'), `${p}.speeds`);
  const norms = f32(own(o, 'norms'), `${p}.norms`);
  if (speeds.length === 0 ? norms.length !== 0 : norms.length !== speeds.length + 1) {
    problem(p, `a token has L layer speeds and L + 1 norms (or neither), got ${speeds.length} speeds and ${norms.length} norms.`);
  }
  // The greedy choice was added to the token record later: older files have none, and get none.
  const argmax = own(o, 'argmax');
  return {
    ...(argmax === undefined ? {} : { argmax: int(argmax, `${p}.argmax`, 0) }),
    index,
    position: int(own(o, 'position'), `${p}.position`, 0),
    id: int(own(o, 'id'), `${p}.id`, 0),
    segment: oneOf(own(o, 'segment'), `${p}.segment`, TOKEN_SEGMENTS),
    logProb: num(own(o, 'logProb'), `${p}.logProb`),
    entropy: num(own(o, 'entropy'), `${p}.entropy`),
    selfCertainty: num(own(o, 'selfCertainty'), `${p}.selfCertainty`),
    maxProb: num(own(o, 'maxProb'), `${p}.maxProb`),
    kinetic: num(own(o, 'kinetic'), `${p}.kinetic`),
    curvature: num(own(o, 'curvature'), `${p}.curvature`),
    energy: num(own(o, 'energy'), `${p}.energy`),
    kappa: num(own(o, 'kappa'), `${p}.kappa`),
    speeds,
    norms,
  };
}

function tokenEvent(v: unknown, p: string, i: number): TokenEvent {
  const o = obj(v, p);
  return { ...reduction(o, p, i), text: str(own(o, 'text'), `${p}.text`) };
}

/** The result's reductions; some engines (the fake) hand in the streamed events, text included. */
function resultToken(v: unknown, p: string, i: number): TokenReduction {
  const o = obj(v, p);
  const r = reduction(o, p, i);
  const text = own(o, 'text');
  return text === undefined ? r : ({ ...r, text: str(text, `${p}.text`) } as TokenEvent);
}

function segments(v: unknown, p: string): Segments {
  const o = obj(v, p);
  return {
    prompt: span(own(o, 'prompt'), `${p}.prompt`),
    reasoning: span(own(o, 'reasoning'), `${p}.reasoning`),
    answer: span(own(o, 'answer'), `${p}.answer`),
    thinkAt: int(own(o, 'thinkAt'), `${p}.thinkAt`, -1),
    endThinkAt: int(own(o, 'endThinkAt'), `${p}.endThinkAt`, -1),
    eosAt: int(own(o, 'eosAt'), `${p}.eosAt`, -1),
    notes: strs(own(o, 'notes'), `${p}.notes`),
  };
}

/** Score keys in the registry's order; a key missing from the file (a scorer added later) reads as null. */
export const SCORE_KEYS: readonly ScoreKey[] = [...SCORERS.map((s) => s.id), 'cotk'];

function scores(v: unknown, p: string): Record<ScoreKey, number | null> {
  const o = obj(v, p);
  const out = {} as Record<ScoreKey, number | null>;
  for (const k of SCORE_KEYS) {
    const x = own(o, k);
    out[k] = x === undefined || x === null ? null : num(x, `${p}.${k}`);
  }
  return out;
}

function cotk(v: unknown, p: string): CotkTrace {
  const o = obj(v, p);
  return {
    kinetic: nums(own(o, 'kinetic'), `${p}.kinetic`),
    curvature: nums(own(o, 'curvature'), `${p}.curvature`),
    energy: nums(own(o, 'energy'), `${p}.energy`),
    traceEnergy: num(own(o, 'traceEnergy'), `${p}.traceEnergy`),
  };
}

function cotkV2(v: unknown, p: string): CotkV2Trace {
  const o = obj(v, p);
  return {
    kappa: nums(own(o, 'kappa'), `${p}.kappa`),
    surprisal: nums(own(o, 'surprisal'), `${p}.surprisal`),
    lagrangian: nums(own(o, 'lagrangian'), `${p}.lagrangian`),
    kappaMean: num(own(o, 'kappaMean'), `${p}.kappaMean`),
    barrier: num(own(o, 'barrier'), `${p}.barrier`),
    energy: num(own(o, 'energy'), `${p}.energy`),
  };
}

function coe(v: unknown, p: string): CoeScores {
  const o = obj(v, p);
  return {
    mag: num(own(o, 'mag'), `${p}.mag`),
    ang: num(own(o, 'ang'), `${p}.ang`),
    coeR: num(own(o, 'coeR'), `${p}.coeR`),
    coeC: num(own(o, 'coeC'), `${p}.coeC`),
    stepMag: nums(own(o, 'stepMag'), `${p}.stepMag`),
    stepAng: nums(own(o, 'stepAng'), `${p}.stepAng`),
  };
}

function logitStats(v: unknown, p: string): LogitStats {
  const o = obj(v, p);
  return {
    meanLogProb: num(own(o, 'meanLogProb'), `${p}.meanLogProb`),
    perplexity: num(own(o, 'perplexity'), `${p}.perplexity`),
    geoMeanProb: num(own(o, 'geoMeanProb'), `${p}.geoMeanProb`),
    meanEntropy: num(own(o, 'meanEntropy'), `${p}.meanEntropy`),
    selfCertainty: num(own(o, 'selfCertainty'), `${p}.selfCertainty`),
    maxProb: num(own(o, 'maxProb'), `${p}.maxProb`),
    tokenLogProb: nums(own(o, 'tokenLogProb'), `${p}.tokenLogProb`),
    tokenEntropy: nums(own(o, 'tokenEntropy'), `${p}.tokenEntropy`),
  };
}

function detail(v: unknown, p: string): ReducedScores {
  const o = obj(v, p);
  return {
    cotk: nullable(own(o, 'cotk'), `${p}.cotk`, cotk),
    cotkV2: nullable(own(o, 'cotkV2'), `${p}.cotkV2`, cotkV2),
    coe: nullable(own(o, 'coe'), `${p}.coe`, coe),
    output: nullable(own(o, 'output'), `${p}.output`, logitStats),
    answer: nullable(own(o, 'answer'), `${p}.answer`, logitStats),
  };
}

function states(v: unknown, p: string): KeptStates {
  const o = obj(v, p);
  const layers = int(own(o, 'layers'), `${p}.layers`, 0);
  const tokens = int(own(o, 'tokens'), `${p}.tokens`, 0);
  const dim = int(own(o, 'dim'), `${p}.dim`, 0);
  const residual = f32(own(o, 'residual'), `${p}.residual`);
  const finalNorm = f32(own(o, 'finalNorm'), `${p}.finalNorm`);
  if (residual.length !== (layers + 1) * tokens * dim) {
    problem(`${p}.residual`, `expected (layers + 1) × tokens × dim = ${(layers + 1) * tokens * dim} values, got ${residual.length}.`);
  }
  if (finalNorm.length !== tokens * dim) problem(`${p}.finalNorm`, `expected tokens × dim = ${tokens * dim} values, got ${finalNorm.length}.`);
  return { layers, tokens, dim, residual, finalNorm, truncated: bool(own(o, 'truncated'), `${p}.truncated`) };
}

function timing(v: unknown, p: string): RunTiming {
  const o = obj(v, p);
  return { prefillMs: num(own(o, 'prefillMs'), `${p}.prefillMs`), decodeMs: num(own(o, 'decodeMs'), `${p}.decodeMs`), steps: int(own(o, 'steps'), `${p}.steps`, 0) };
}

function projection(v: unknown, p: string): TrajectoryResult {
  const o = obj(v, p);
  const ok = bool(own(o, 'ok'), `${p}.ok`);
  if (!ok) return { ok: false, reason: str(own(o, 'reason'), `${p}.reason`) };
  const d = obj(own(o, 'data'), `${p}.data`);
  const q = `${p}.data`;
  const tokens = ints(own(d, 'tokens'), `${q}.tokens`, 0);
  const layers = int(own(d, 'layers'), `${q}.layers`, 0);
  const xy = f32(own(d, 'xy'), `${q}.xy`);
  if (xy.length !== tokens.length * (layers + 1) * 2) problem(`${q}.xy`, `expected tokens × (layers + 1) × 2 = ${tokens.length * (layers + 1) * 2} values, got ${xy.length}.`);
  const ex = nums(own(d, 'explained'), `${q}.explained`);
  if (ex.length !== 2) problem(`${q}.explained`, `expected 2 numbers, got ${ex.length}.`);
  return { ok: true, data: { tokens, layers, xy, explained: [ex[0], ex[1]], dropped: int(own(d, 'dropped'), `${q}.dropped`, 0) } };
}

function result(v: unknown, p: string): RunResult {
  const o = obj(v, p);
  const ids = ints(own(o, 'ids'), `${p}.ids`, 0);
  const promptLength = int(own(o, 'promptLength'), `${p}.promptLength`, 0);
  if (promptLength > ids.length) problem(`${p}.promptLength`, `the prompt (${promptLength} tokens) is longer than all the ids (${ids.length}).`);
  const out: RunResult = {
    ids,
    promptLength,
    text: str(own(o, 'text'), `${p}.text`),
    stop: oneOf(own(o, 'stop'), `${p}.stop`, STOPS),
    segments: segments(own(o, 'segments'), `${p}.segments`),
    tokens: arr(own(o, 'tokens'), `${p}.tokens`).map((t, i) => resultToken(t, `${p}.tokens[${i}]`, i)),
    scores: scores(own(o, 'scores'), `${p}.scores`),
    detail: detail(own(o, 'detail'), `${p}.detail`),
    states: nullable(own(o, 'states'), `${p}.states`, states),
    logits: nullableF32(own(o, 'logits'), `${p}.logits`),
    timing: timing(own(o, 'timing'), `${p}.timing`),
  };
  for (const [k, s] of [['prompt', out.segments.prompt], ['reasoning', out.segments.reasoning], ['answer', out.segments.answer]] as const) {
    if (s[1] > ids.length) problem(`${p}.segments.${k}`, `the span [${s[0]}, ${s[1]}] reaches past the ${ids.length} ids.`);
  }
  const extra: { outputLogits?: Float32Array | null; projection?: TrajectoryResult; unrepresentable?: readonly string[] } = {};
  const un = own(o, 'unrepresentable');
  if (un !== undefined) extra.unrepresentable = strs(un, `${p}.unrepresentable`);
  const ol = own(o, 'outputLogits');
  if (ol !== undefined) extra.outputLogits = nullableF32(ol, `${p}.outputLogits`);
  const pr = own(o, 'projection');
  if (pr !== undefined) extra.projection = projection(pr, `${p}.projection`);
  return { ...out, ...extra };
}

function runState(v: unknown, p: string): RunState {
  const o = obj(v, p);
  return {
    id: str(own(o, 'id'), `${p}.id`),
    kind: oneOf(own(o, 'kind'), `${p}.kind`, ['generate', 'score'] as const),
    prompt: str(own(o, 'prompt'), `${p}.prompt`),
    status: oneOf(own(o, 'status'), `${p}.status`, SAVED_STATUSES),
    events: arr(own(o, 'events'), `${p}.events`).map((t, i) => tokenEvent(t, `${p}.events[${i}]`, i)),
    result: nullable(own(o, 'result'), `${p}.result`, result),
    error: nullable(own(o, 'error'), `${p}.error`, str),
  };
}

/** What a parsed JSON value that is not a run file looks like, in a few words. */
function notOurs(v: unknown): string {
  const base = 'This is not a CoT-Kinetics run file';
  if (typeof v !== 'object' || v === null || Array.isArray(v)) {
    return `${base}: a run file is a JSON object with "format": "${RUN_FORMAT}", and this file holds ${kindOf(v)}.`;
  }
  const o = v as Obj;
  const format = own(o, 'format');
  if (format !== undefined) return `${base}: its "format" is ${JSON.stringify(format).slice(0, 60)}, not "${RUN_FORMAT}".`;
  if (own(o, 'cases') !== undefined) return `${base}: it looks like captured states for \`cotk states\` (it has "cases"), not an exported run.`;
  if (own(o, 'id') !== undefined && own(o, 'prompt') !== undefined) return `${base}: it looks like one line of a batch file, not an exported run.`;
  return `${base}: it has no "format": "${RUN_FORMAT}" field.`;
}

/** A parsed JSON value as a SavedRun, or a RunFileError that says what is wrong and where. */
export function validateRunFile(v: unknown): SavedRun {
  if (typeof v !== 'object' || v === null || Array.isArray(v) || own(v as Obj, 'format') !== RUN_FORMAT) throw new RunFileError(notOurs(v));
  const o = v as Obj;
  const version = own(o, 'version');
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 1) {
    throw new RunFileError(`This run file has no usable version (expected "version": ${RUN_VERSION}, got ${kindOf(version)}).`);
  }
  if (version > RUN_VERSION) {
    throw new RunFileError(`This run file was made by a newer version of the app (v${version}); this app reads v${RUN_VERSION} — update the app to open it.`);
  }
  R.refuseProtoKeys(v);
  const m = meta(own(o, 'meta'), 'meta');
  const run = runState(own(o, 'run'), 'run');
  const hasStates = run.result !== null && run.result.states !== null;
  if (m.keptStates !== hasStates) {
    problem('meta.keptStates', `says ${m.keptStates} but run.result.states is ${hasStates ? 'present' : 'absent'}.`);
  }
  return { meta: m, run };
}

/**
 * A file that parses can still contradict itself (crafted, or damaged by a tool): tokens that do not
 * match the ids, ids outside the model's vocabulary, a projection of tokens the run lacks, segments
 * that give another score than the one saved. Shown as it is, such a run would render numbers that
 * are not the file's or break a view, so it is refused with a sentence naming the field. Separate
 * from validateRunFile (the format), and applied where a file is opened (ImportButton).
 */
export function checkRunConsistency({ meta: m, run }: SavedRun): void {
  const vocab = m.model.vocab;
  const checkIds = (ids: readonly number[], path: (i: number) => string) => {
    if (vocab <= 0) return;
    const i = ids.findIndex((id) => id >= vocab);
    if (i >= 0) problem(path(i), `token id ${ids[i]} is outside the model's vocabulary of ${vocab} (meta.model.vocab).`);
  };
  checkIds(
    run.events.map((t) => t.id),
    (i) => `run.events[${i}].id`,
  );
  const r = run.result;
  if (!r) return;
  checkIds(r.ids, (i) => `run.result.ids[${i}]`);
  const out = r.ids.length - r.promptLength;
  if (r.tokens.length !== out) problem('run.result.tokens', `expected one token per output id (${out} = ids after the prompt), got ${r.tokens.length}.`);
  r.tokens.forEach((t, i) => {
    if (t.id !== r.ids[r.promptLength + i]) problem(`run.result.tokens[${i}].id`, `expected ${r.ids[r.promptLength + i]} (run.result.ids[${r.promptLength + i}]), got ${t.id}.`);
    if (t.position !== r.promptLength + i) problem(`run.result.tokens[${i}].position`, `expected ${r.promptLength + i} (the prompt's length plus the token's index), got ${t.position}.`);
  });
  if (run.events.length > r.tokens.length) problem('run.events', `there are ${run.events.length} streamed tokens but only ${r.tokens.length} in run.result.tokens.`);
  const pr = r.projection;
  if (pr?.ok) {
    const bad = pr.data.tokens.findIndex((t) => t >= r.tokens.length);
    if (bad >= 0) problem(`run.result.projection.data.tokens[${bad}]`, `token ${pr.data.tokens[bad]} is not in the run (it has ${r.tokens.length} output tokens).`);
    if (pr.data.layers !== (r.tokens.find((t) => t.speeds.length > 0)?.speeds.length ?? pr.data.layers)) {
      problem('run.result.projection.data.layers', `expected the run's ${r.tokens.find((t) => t.speeds.length > 0)?.speeds.length} layers, got ${pr.data.layers}.`);
    }
  }
  // The inspector recomputes the v1 trace energy from the tokens in the reasoning span (so it can
  // follow γ): at the file's own γ that must give the file's score, or the segments and the tokens disagree.
  const saved = r.scores.cotkEnergy;
  const [a, b] = r.segments.reasoning;
  const reasoning = r.tokens.filter((t) => t.position >= a && t.position < b);
  if (saved !== null && Number.isFinite(saved) && reasoning.length > 0) {
    const g = m.settings.gamma;
    const again = reweightCotk(
      reasoning.map((t) => t.kinetic),
      reasoning.map((t) => t.curvature),
      g,
    ).traceEnergy;
    if (!(Math.abs(again - saved) <= 1e-4 * Math.max(1, Math.abs(saved)))) {
      problem(
        'run.result.segments.reasoning',
        `the reasoning span [${a}, ${b}] holds tokens whose v1 energy at γ = ${g} is ${Number.isFinite(again) ? again.toPrecision(6) : String(again)}, but the file's score is ${saved.toPrecision(6)}: its segments disagree with its tokens, so the run is refused rather than shown with a score that is not the file's.`,
      );
    }
  }
}
