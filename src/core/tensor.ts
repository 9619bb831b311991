/**
 * Layer states of one run, row-major `[layer 0..L][token][dim]` as one flat array.
 * `layers` is L, the number of decoder layers, so the array holds L + 1 layer slices.
 */
export interface LayerStates {
  readonly layers: number;
  readonly tokens: number;
  readonly dim: number;
  readonly data: ArrayLike<number>;
}

/** Offset of `[layer][token][0]` in a {@link LayerStates} array. */
export function stateOffset(s: LayerStates, layer: number, token: number): number {
  return (layer * s.tokens + token) * s.dim;
}

/**
 * One token's path through the layers: vector `l` starts at `base + l * layerStride`.
 * It lets the same scorer read a `[layer][token][dim]` capture or a streamed `[layer][dim]` block.
 */
export interface PathView {
  readonly data: ArrayLike<number>;
  readonly base: number;
  readonly layerStride: number;
  readonly layers: number;
  readonly dim: number;
}

export function tokenPath(s: LayerStates, token: number): PathView {
  return { data: s.data, base: token * s.dim, layerStride: s.tokens * s.dim, layers: s.layers, dim: s.dim };
}

/** A half-open position range `[start, end)`. */
export type Span = readonly [number, number];

export function spanLength(s: Span): number {
  return s[1] - s[0];
}
