/**
 * Educator mode's captions: what each view shows, in plain words, for someone who has not read
 * docs/method.md. Kept together so they read as one voice and can be reviewed in one place.
 */
export const CAPTIONS = {
  text:
    'This is what the model wrote. Each word-piece (token) is shaded by the measure picked above; by default its CoT-Kinetics energy: brighter tokens are ones the model found more surprising, or moved less decisively through its layers. New lines are reasoning steps.',
  trajectories:
    'Every token is a point that the model moves, layer by layer, from its first representation to its last. The plot squeezes those high-dimensional states into 2-D so the paths can be seen. Step through the layers with the arrow keys and watch where the tokens go.',
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

/** The educator's running commentary for the layer now shown in the trajectory plot. */
export function layerCaption(layer: number, layers: number): string {
  if (layers <= 0) return '';
  if (layer <= 0) return 'Layer 0: the embedding. Each token starts from the fixed vector the model looks it up by; nothing has been computed yet.';
  if (layer >= layers) return `Layer ${layers}, the last: these are the states the model reads its next-token prediction from.`;
  const third = layer / layers;
  const where = third < 1 / 3 ? 'an early layer, where tokens mostly gather context about their neighbours' : third < 2 / 3 ? 'a middle layer, where much of the reasoning work is thought to happen' : 'a late layer, where states turn toward the prediction';
  return `Layer ${layer} of ${layers}: ${where}.`;
}
