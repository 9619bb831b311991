/**
 * Educator mode's captions: what each view shows, in plain words, for someone who has not read
 * docs/method.md. Kept together so they read as one voice and can be reviewed in one place.
 */
export const CAPTIONS = {
  text:
    'This is what the model wrote. Each word-piece (token) is shaded by the measure picked above; by default its CoT-Kinetics energy: brighter tokens are ones the model found more surprising, or moved less decisively through its layers. New lines are reasoning steps.',
  trajectories:
    'Every token is a point that the model moves, layer by layer, from its first representation to its last. The plot squeezes those states into 2-D (the two directions along which this run’s states differ most: PC 1 and PC 2), so the paths can be seen. The bold line is the reasoning tokens’ average path; the picked token is drawn bright. Step through the layers with the arrow keys; the line below says which tokens move most at each layer.',
  strip:
    'One column per token, left to right in the order they were written. The top band is the v1 token energy, split into its kinetic part (how uneven the steps were) and its curvature part (how much the path turned); then κ, how fast the token moves through the layers (v2). Below: how surprised the model was by the token, and how unsure it was before writing it.',
  heatmap:
    'Rows are the model’s layers, columns are tokens. Each cell shows how far that layer moved that token’s state. Bright rows are layers that do a lot of work on every token; bright columns are tokens the model had to work hard on.',
  confidence:
    'How much the model believes its own answer, next to the reasoning’s energy and other published ways of scoring a trace. Each arrow says which direction is supposed to mean “more likely correct”.',
  lens:
    'Each layer’s state is read the way the model reads its last one: through its final normalisation and its word table. The table shows, layer by layer, which token that state already points to next; early layers often guess something generic, and the answer settles in the late layers.',
  method:
    'The formulas behind every number. γ sets how much the v1 energy counts uneven steps versus turning: move it and every v1 energy on the page is recomputed, without running the model again. The v2 energy has no such weight.',
} as const;

export type CaptionKey = keyof typeof CAPTIONS;

/** What the run-specific caption reads per token: its text and its per-layer step lengths ‖R[l] − R[l−1]‖. */
export interface CaptionToken {
  readonly index: number;
  readonly text: string;
  readonly segment: string;
  /** speeds[l − 1] = ‖R[l] − R[l−1]‖ (empty without states). */
  readonly speeds: ArrayLike<number>;
}

const quote = (t: string) => `‘${t.replace(/\n/g, '↵').replace(/\t/g, '⇥').replace(/^ +| +$/g, (m) => '␣'.repeat(m.length)) || '∅'}’`;

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const h = s.length >> 1;
  return s.length % 2 ? s[h] : (s[h - 1] + s[h]) / 2;
}

const num = (v: number) => (Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 10 ? v.toFixed(1) : v.toPrecision(2));

/**
 * The caption for `layer` written from this run's numbers: which output tokens the layer moves most
 * (the step ‖R[l] − R[l−1]‖ of each token's hidden state), against the median step of the layer,
 * and where the layer sits in the model. Layer 0 (the embedding) says where the tokens start.
 * Falls back to layerCaption when the run has no states.
 */
export function trajectoryCaption(layer: number, layers: number, tokens: readonly CaptionToken[]): string {
  if (layers <= 0) return '';
  const moved = tokens.filter((t) => layer >= 1 && Number.isFinite(t.speeds[layer - 1])).map((t) => ({ t, v: t.speeds[layer - 1] }));
  if (layer <= 0 || moved.length === 0) {
    const reasoning = tokens.filter((t) => t.segment === 'reasoning').length;
    if (layer <= 0 && tokens.length > 0) {
      return `Layer 0, the embedding: each of the ${tokens.length} output tokens (${reasoning} of them reasoning) starts from the vector the model looks it up by, so equal tokens start at the same point; nothing has been computed yet.`;
    }
    return layerCaption(layer, layers);
  }
  moved.sort((a, b) => b.v - a.v);
  const top = moved.slice(0, Math.min(2, moved.length));
  const med = median(moved.map((m) => m.v));
  const where = layer >= layers ? 'the last layer, the one the prediction is read from' : layer / layers < 1 / 3 ? 'an early layer' : layer / layers < 2 / 3 ? 'a middle layer' : 'a late layer';
  const names = top.map((m) => `${quote(m.t.text)} (token ${m.t.index})`).join(' and ');
  const steps = top.map((m) => num(m.v)).join(' and ');
  const ratio = med > 0 ? top[0].v / med : Infinity;
  const spread =
    ratio >= 2
      ? `${Number.isFinite(ratio) ? num(ratio) : 'many'} times the median step (${num(med)}): this layer works on a few tokens`
      : `close to the median step (${num(med)}): this layer moves every token about alike`;
  return `At layer ${layer} of ${layers} (${where}) the token${top.length > 1 ? 's' : ''} ${names} move${top.length > 1 ? '' : 's'} most: steps of ${steps}, ${spread}.`;
}

/** The generic commentary for a layer (runs without states). */
export function layerCaption(layer: number, layers: number): string {
  if (layers <= 0) return '';
  if (layer <= 0) return 'Layer 0: the embedding. Each token starts from the fixed vector the model looks it up by; nothing has been computed yet.';
  if (layer >= layers) return `Layer ${layers}, the last: these are the states the model reads its next-token prediction from.`;
  const third = layer / layers;
  const where = third < 1 / 3 ? 'an early layer, where tokens mostly gather context about their neighbours' : third < 2 / 3 ? 'a middle layer, where much of the reasoning work is thought to happen' : 'a late layer, where states turn toward the prediction';
  return `Layer ${layer} of ${layers}: ${where}.`;
}
