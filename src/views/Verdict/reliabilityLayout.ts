import { line, scaleLinear } from 'd3';
import { equalMassBins } from '../../core/metrics';

/**
 * The reliability diagram's data and geometry, pure. Predictions are binned by the ECE's own equal-mass bins
 * (equalMassBins in src/core/metrics.ts: sorted by p, bin b holds sorted positions
 * ⌊b·n/B⌋ … ⌊(b+1)·n/B⌋ − 1, a tie group's labels averaged over it), so the diagram and the ECE
 * beside it read the same bins.
 */
export interface ReliabilityBin {
  readonly bin: number;
  readonly n: number;
  /** Mean predicted P(correct) in the bin. */
  readonly meanP: number;
  /** Share of the bin's traces labelled correct. */
  readonly observed: number;
  /** Lowest and highest prediction in the bin. */
  readonly lo: number;
  readonly hi: number;
}

export function reliabilityBins(p: readonly number[], y: readonly number[], bins = 10): ReliabilityBin[] {
  if (p.length === 0) return [];
  return equalMassBins(p, y, bins).map((b) => ({ bin: b.bin, n: b.n, meanP: b.sumP / b.n, observed: b.sumY / b.n, lo: b.lo, hi: b.hi }));
}

/** ECE read off the bins: Σ (n_b/n)·|mean p − observed|. */
export function binsEce(bins: readonly ReliabilityBin[]): number {
  const n = bins.reduce((s, b) => s + b.n, 0);
  return n === 0 ? NaN : bins.reduce((s, b) => s + (b.n / n) * Math.abs(b.meanP - b.observed), 0);
}

export interface ReliabilityLayout {
  readonly width: number;
  readonly height: number;
  readonly left: number;
  readonly top: number;
  readonly size: number;
  readonly ticks: readonly { value: string; pos: number; posY: number }[];
  readonly diagonal: string;
  readonly path: string;
  readonly points: readonly { x: number; y: number; r: number; bin: ReliabilityBin }[];
}

export function reliabilityLayout(bins: readonly ReliabilityBin[], width: number): ReliabilityLayout {
  const margin = { left: 44, top: 12, bottom: 40 };
  const size = Math.max(120, Math.min(320, width - margin.left - 16));
  const x = scaleLinear().domain([0, 1]).range([margin.left, margin.left + size]);
  const yS = scaleLinear().domain([0, 1]).range([margin.top + size, margin.top]);
  const maxN = Math.max(1, ...bins.map((b) => b.n));
  const points = bins.map((b) => ({ x: x(b.meanP), y: yS(b.observed), r: 2.5 + 4 * Math.sqrt(b.n / maxN), bin: b }));
  const path = line<{ x: number; y: number }>()
    .x((d) => d.x)
    .y((d) => d.y)(points) ?? '';
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((t) => ({ value: String(t), pos: x(t), posY: yS(t) }));
  return {
    width: margin.left + size + 16,
    height: margin.top + size + margin.bottom,
    left: margin.left,
    top: margin.top,
    size,
    ticks,
    diagonal: `M${x(0)},${yS(0)}L${x(1)},${yS(1)}`,
    path,
    points,
  };
}
