/**
 * The engine section of docs/benchmarks.md, between two markers so that a rerun replaces only
 * what it measured; anything outside them (other benchmarks, hand-written analysis) is kept.
 */
import { hostRows, keyValueTable } from '../shared/host';
import type { CellResult, SeriesName } from './measure';
import { markdownTable, scoreTable, tapTable, tjsTable, type Machine } from './report';
import { median, pairRatios } from './stats';

export const START = '<!-- bench/engine:start — written by `node bench/engine/run.mjs`; edit bench/engine/doc.ts, not this section -->';
export const END = '<!-- bench/engine:end -->';

export interface DocContext {
  readonly traceId: number;
  readonly webgpuChunk: number;
}

function machineTable(m: Machine): string {
  return keyValueTable([
    ...hostRows(m),
    ['WebGPU adapter', m.adapter],
    ['onnxruntime-node', m.ortNode],
    ['onnxruntime-web', m.ortWeb],
    ['@huggingface/transformers', m.transformers],
    ['repetitions kept (after 1 warm-up)', Object.entries(m.reps).map(([k, v]) => `${k}: ${v}`).join('; ')],
    ['load average (1 min)', `${m.load} (the machine is shared)`],
    ['run time', `${m.durationS.toFixed(0)} s`],
  ]);
}

/** Notes that follow from this run's data, so they stay true when it is rerun. */
function dataNotes(cells: readonly CellResult[]): string[] {
  const notes: string[] = [];
  for (const c of cells) {
    if (c.error) notes.push(`**${c.variant} on ${c.runtime} cannot run.** The engine says: “${c.error}”${c.tjsError ? ` transformers.js: “${c.tjsError}”` : ''}`);
    else if (c.tjsError) notes.push(`transformers.js cannot run ${c.variant} on ${c.runtime}: “${c.tjsError}”`);
  }
  const int4 = cells.filter((c) => c.variant === 'int4-cpu' && !c.error).map((c) => c.runtime);
  if (int4.length) {
    notes.push(`The int4-cpu graph (MatMulNBits, GatherBlockQuantized) ran here on: ${int4.join('; ')}.`);
  }
  const differ = cells.filter((c) => !c.error && !c.tjsError && c.checks.tjsSameIds === false);
  if (differ.length) {
    notes.push(
      `transformers.js produced other tokens than the engine on ${differ.map((c) => `${c.runtime} ${c.variant}`).join('; ')}. ` +
        'On WebGPU that is expected: transformers.js prefills the prompt in one pass, which SwiftShader computes wrongly past 16 positions ' +
        '(docs/webgpu-gqa-repro), while the engine prefills in the chunk its parity check picks. The token count is forced equal ' +
        '(min_new_tokens = max_new_tokens), so the per-token decode times still compare like for like.',
    );
  }
  const tapDiff = cells.filter((c) => !c.error && !c.checks.tapUntapSameIds);
  if (tapDiff.length) notes.push(`The tapped and untapped engines generated different tokens on ${tapDiff.map((c) => `${c.runtime} ${c.variant}`).join('; ')}: check the tap.`);
  const short = cells.filter((c) => !c.error && c.checks.tokensGenerated < c.decodeTokens);
  if (short.length) {
    notes.push(
      `Greedy decoding emits EOS before the asked token count on ${short.map((c) => `${c.runtime} ${c.variant} (after ${c.checks.tokensGenerated} of ${c.decodeTokens})`).join('; ')}: ` +
        'those runs decode that many tokens, and transformers.js was given the same length (EOS let through at the same step).',
    );
  }
  return notes;
}

/**
 * Where the tap's cost goes, per cell with the attribution series: the graph (1 − step ratio) and
 * the per-token bookkeeping on the states (record.tap − record.untap), in decode and in scoring.
 */
function whereTimeGoes(cells: readonly CellResult[]): string[] {
  const get = (c: CellResult, k: SeriesName) => c.series[k] ?? [];
  // Pair by pair, as the tables: the two series of a repetition ran under the same load.
  const diff = (c: CellResult, a: SeriesName, b: SeriesName) => median(get(c, a).map((x, i) => x - get(c, b)[i]));
  const signed = (x: number, d: number) => `${x < 0 ? '−' : '+'}${Math.abs(x).toFixed(d)}`;
  const out: string[] = [];
  for (const c of cells) {
    if (c.error || !get(c, 'record.tap').length) continue;
    const step = median(get(c, 'step.untap'));
    const graph = median(pairRatios(get(c, 'step.tap'), get(c, 'step.untap'))) - 1;
    const book = diff(c, 'record.tap', 'record.untap');
    const scored = c.scoreTokens - c.promptTokens;
    out.push(
      `${c.runtime} ${c.variant}: an untapped decode step takes ${(step * 1000).toFixed(0)} µs; the tapped graph changes it by ${signed(graph * 100, 1)} %, ` +
        `and reducing the states adds ${(book * 1000).toFixed(0)} µs per token (${((book / median(get(c, 'decode.untap'))) * 100).toFixed(1)} % of an untapped decode token). ` +
        `The tap changes score() by ${signed(diff(c, 'score.tap', 'score.untap'), 1)} ms; reducing its ${scored} tokens at that rate accounts for ${(book * scored).toFixed(1)} ms.`,
    );
  }
  return out;
}

export function renderSection(cells: readonly CellResult[], m: Machine, ctx: DocContext): string {
  const perCell = cells.map((c) => `${c.runtime} ${c.variant}: ${c.seconds.toFixed(0)} s`).join('; ');
  return `${START}
## Engine speed (\`bench/engine\`)

**What.** Three ratios of the engine (\`src/engine\`) on the bundled tiny-reasoner graphs, each measured side by side in one run:

1. **Tap cost**: decode tokens/s of the engine with the hidden-state tap vs the same engine on the untapped graph (\`createEngine(..., { tap: null })\`). Goal ≥ 0.97.
2. **Decode loop**: decode tokens/s of our loop (\`engine.generate\`) vs transformers.js \`generate()\` on the same ONNX graph and runtime. Goal ≥ 1.0.
3. **Scoring**: teacher-forced \`engine.score(prompt, output)\` (tapped, with the streaming reduction) vs one plain forward of the untapped graph over the same ids. Goal ≤ 1.2.

**How to rerun.** \`node bench/engine/run.mjs\` (5–10 minutes on 2 cores, depending on the load; \`--only node,wasm,chromium-webgpu,chromium-wasm\`, \`--reps N\`, \`--no-write\`). It needs the shared fixtures beside the checkout (\`../shared\`, or \`COTK_SHARED\`) and Chromium at \`/usr/bin/chromium\` (\`node scripts/ensure-chromium.mjs\`; \`COTK_CHROMIUM\` overrides). It prints the tables and rewrites this section.

**How.** Prompt: testbed trace ${ctx.traceId} (\`expr + "=?"\`, chat-templated: 52 tokens), greedy. Each runtime × graph is one *cell*: it opens the tapped engine, the untapped engine, raw tapped/untapped sessions and transformers.js, runs one warm-up repetition (dropped), then N repetitions in which every variant runs once, in an order rotated from one repetition to the next. Every ratio is the median of the per-repetition ratios (the two variants of a pair ran seconds apart, under the same load), with the interquartile range in brackets; tokens/s and times are medians [IQR] too.
- *Decode tokens/s* = 1000 / (ms per decoded token). Ours: \`RunResult.timing.decodeMs\` / tokens — the whole decode loop: sampling, the forward pass, reading logits (and states), the streaming reduction, the text stream. transformers.js: the time between the first and the last token its streamer receives, / (tokens − 1): its decode loop alone, prefill excluded. 64 tokens per call (8 on WebGPU); the fp32 graph's output has no EOS before then, so each of its calls decodes exactly that many (the int4 graphs' outputs differ: see the notes).
- *Whole call ratio*: wall time of the whole \`generate()\` call (prefill included; ours also runs the final token's step that gives its states, which transformers.js never runs).
- *Graph alone: step ratio*: the engine's \`runStep\` (forward pass + tensor I/O, no reduction) on the tapped vs untapped graph over the same decode sequence: how much of the tap cost is the graph's. *Loop bookkeeping*: around that same loop, the engine's \`RunRecorder\` (streaming reduction, kept states, text stream, \`finish\`) timed apart from the step, µs per token.
- *Plain forward*: \`runStep\` of the untapped graph over prompt + output from an empty cache, in the same chunks as \`score()\` (one pass; ${ctx.webgpuChunk} on WebGPU, the chunk the app's parity check picks on SwiftShader). *Untapped score()/forward*: the engine's scoring bookkeeping without the tap's outputs.
- transformers.js 4.3.1 loads the same graph file from a throwaway onnx-community folder of symbolic links (\`bench/engine/hfFolder.ts\`; nothing copied). Two adjustments, both outside the timed loop: the builder's graphs keep their weights in \`model.onnx.data\` (transformers.js expects \`model.onnx_data\`), so the session gets \`externalData\`; and they name the KV head dimension \`kv_cache_dim\`, which transformers.js resolves to 0 when it makes the empty cache, so \`generate()\` gets an empty \`DynamicCache\` of the right shape.
- One intra-op thread everywhere (the engine's default for small models; WASM without cross-origin isolation has one). In Chromium the cells run in the page's thread (\`bench/engine/pages/engine-bench.html\`), not in the app's worker: the worker's API has no untapped engine. On WebGPU the engine keeps the KV cache on the GPU (\`kvOnDevice\`, as the app does) and transformers.js does the same for \`device: 'webgpu'\`. In Node, each runtime runs in its own process (transformers.js binds to one onnxruntime package per process).

**Machine.**

${machineTable(m)}

### 1. Decode tokens/s: hidden-state tap vs untapped graph (goal ≥ 0.97)

${markdownTable(tapTable(cells))}

Where the tap's cost goes (medians; “graph” from the step ratio, “reduction” from the engine's RunRecorder timed apart):

${whereTimeGoes(cells)
  .map((n) => `- ${n}`)
  .join('\n')}

### 2. Our decode loop vs transformers.js \`generate()\`, same graph (goal ≥ 1.0)

${markdownTable(tjsTable(cells))}

### 3. Teacher-forced \`score()\` vs one plain forward (goal ≤ 1.2)

${markdownTable(scoreTable(cells))}

### Notes from this run

${dataNotes(cells)
  .map((n) => `- ${n}`)
  .join('\n')}
- WebGPU is SwiftShader (a CPU implementation of Vulkan) on a shared 2-core machine: a forward pass there takes a few hundred ms whatever its size, so its cells run fewer tokens (8), score a shorter output (the first 26 tokens) and skip the attribution series (–). Its numbers say little about a real GPU. Its *whole call* ratio also counts the engine's prefill in 4 passes of 16 (the parity-safe chunk) against transformers.js's single, wrong, pass.
- Time per cell: ${perCell}.
${END}`;
}

export function updateDoc(old: string | null, section: string): string {
  if (old === null) return `# Benchmarks\n\nNumbers that matter, from scripts in \`bench/\` that anyone can rerun, with the machine and the date.\n\n${section}\n`;
  const a = old.indexOf(START);
  const b = old.indexOf(END);
  if (a >= 0 && b > a) return old.slice(0, a) + section + old.slice(b + END.length);
  return `${old.trimEnd()}\n\n${section}\n`;
}
