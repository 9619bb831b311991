import type { ScaleSequential } from 'd3';
import { metricValue, type RowSegment, type TokenRow } from '../../state/derive';
import type { TintMetric } from '../../state/slices';
import { robustDomain, sequentialScale, textOn } from '../shared/palette';

/**
 * The text view's geometry, such as it is: tokens grouped into segment blocks and lines (a line
 * ends at a token holding a newline: a reasoning step), each with its tint. No DOM here.
 */
export interface TextToken {
  readonly index: number;
  /** The token's text without its newlines (they become line breaks). */
  readonly shown: string;
  /** Newlines the token holds; > 0 ends the line. */
  readonly breaks: number;
  readonly value: number;
  /** Background and a text colour that reads on it; null where the value is undefined. */
  readonly bg: string | null;
  readonly fg: string | null;
}

export interface TextLine {
  /** 1-based step number within a reasoning block; 0 for other blocks. */
  readonly step: number;
  readonly tokens: readonly TextToken[];
}

export interface TextBlock {
  readonly segment: RowSegment;
  readonly lines: readonly TextLine[];
}

export interface TextLayout {
  readonly blocks: readonly TextBlock[];
  readonly domain: [number, number];
  readonly scale: ScaleSequential<string>;
  /** Tokens with no value for the metric (no states kept, or not yet known). */
  readonly missing: number;
  /** Reasoning steps (non-empty lines of the reasoning). */
  readonly steps: number;
}

/** Consecutive rows of the same segment form a block; 'pending' joins the reasoning it will most likely become. */
function blockKey(s: RowSegment): RowSegment {
  return s === 'pending' ? 'reasoning' : s;
}

export function textLayout(rows: readonly TokenRow[], metric: TintMetric): TextLayout {
  const values = rows.map((r) => metricValue(r, metric));
  const domain = robustDomain(values);
  const scale = sequentialScale(domain);
  const blocks: { segment: RowSegment; lines: { step: number; tokens: TextToken[] }[] }[] = [];
  let missing = 0;
  let steps = 0;
  rows.forEach((r, i) => {
    const v = values[i];
    const ok = Number.isFinite(v);
    if (!ok) missing++;
    const bg = ok ? scale(v) : null;
    const tok: TextToken = {
      index: r.index,
      shown: r.text.replace(/\r?\n/g, ''),
      breaks: (r.text.match(/\n/g) ?? []).length,
      value: v,
      bg,
      fg: bg ? textOn(bg) : null,
    };
    const seg = blockKey(r.segment);
    let block = blocks.at(-1);
    if (!block || block.segment !== seg) {
      block = { segment: seg, lines: [] };
      blocks.push(block);
    }
    let line = block.lines.at(-1);
    if (!line) {
      line = { step: 0, tokens: [] };
      block.lines.push(line);
    }
    line.tokens.push(tok);
    if (tok.breaks > 0) block.lines.push({ step: 0, tokens: [] });
  });
  // Number the reasoning steps: its lines with visible text, in order.
  for (const b of blocks) {
    b.lines = b.lines.filter((l) => l.tokens.length > 0);
    if (b.segment !== 'reasoning') continue;
    b.lines.forEach((l, k) => {
      if (l.tokens.some((t) => t.shown.trim() !== '')) b.lines[k] = { ...l, step: ++steps };
    });
  }
  return { blocks, domain, scale, missing, steps };
}
