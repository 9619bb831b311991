import type { HeatLayout } from '../LayerHeatmap/layout';
import { stepAlpha, type TrajLayout } from '../Trajectories/layout';
import { SEGMENT_COLORS } from './palette';

/**
 * Every view as a standalone SVG or PNG file, drawn from what is on the page:
 * - inline <svg> charts are copied with their computed styles written onto each element, so CSS
 *   variables and class rules are resolved and the file renders without the app's style sheet;
 * - HTML parts (the tinted text, the score and lens tables, keys and legends) become SVG rects and
 *   text at the places the browser laid them out (no foreignObject: the file is plain vector SVG);
 * - a <canvas> layer becomes, in SVG, the vector drawing the view supplies from the same layout
 *   its canvas painter uses (`vector`), and in PNG its own pixels.
 * Scroll boxes (the text view's, the tables') are opened for the measurement, so the file holds
 * the whole chart rather than the part scrolled into view; the page is put back before it paints.
 */
export interface ChartSource {
  /** The element holding the chart (the view panel's body). */
  readonly body: HTMLElement;
  /** Written at the top of the file. */
  readonly title: string;
  /** The canvas layer as SVG markup in the canvas's own pixel coordinates. */
  readonly vector?: () => string;
}

export interface ComposedSvg {
  readonly svg: string;
  readonly width: number;
  readonly height: number;
}

const SVG_NS = 'http://www.w3.org/2000/svg';
const PAD = 8;
const TITLE_H = 26;

/** Presentation properties copied from computed style, with the values that need not be written. */
const SVG_PROPS: readonly [string, string | null][] = [
  ['fill', null],
  ['fill-opacity', '1'],
  ['stroke', 'none'],
  ['stroke-width', '1px'],
  ['stroke-opacity', '1'],
  ['stroke-dasharray', 'none'],
  ['stroke-linecap', 'butt'],
  ['stroke-linejoin', 'miter'],
  ['opacity', '1'],
  ['font-family', null],
  ['font-size', null],
  ['font-weight', '400'],
  ['font-style', 'normal'],
  ['text-anchor', 'start'],
  ['dominant-baseline', 'auto'],
  ['letter-spacing', 'normal'],
  ['stop-color', null],
  ['stop-opacity', '1'],
  ['visibility', 'visible'],
];

export function escapeXml(s: string): string {
  return s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c] as string);
}

const r2 = (v: number) => Math.round(v * 100) / 100;

function isTransparent(c: string): boolean {
  return c === 'transparent' || c === '' || /^rgba\([^)]*,\s*0\)$/.test(c);
}

/** The background the chart sits on: the first opaque one up the tree (the panel's). */
function backgroundOf(el: Element | null): string {
  for (let e = el; e; e = e.parentElement) {
    const bg = getComputedStyle(e).backgroundColor;
    if (!isTransparent(bg)) return bg;
  }
  return '#ffffff';
}

/** Opens every scroll box and height cap under `root` (root included); returns the undo. */
function openScrollBoxes(root: HTMLElement): () => void {
  const undo: (() => void)[] = [];
  for (const el of [root, ...root.querySelectorAll<HTMLElement>('*')]) {
    if (!(el instanceof HTMLElement)) continue;
    const cs = getComputedStyle(el);
    const scrolls = /(auto|scroll|hidden)/.test(cs.overflowX + cs.overflowY) && (el.scrollHeight > el.clientHeight + 1 || el.scrollWidth > el.clientWidth + 1);
    if (!scrolls && cs.maxHeight === 'none') continue;
    const { overflow, maxHeight } = el.style;
    const { scrollTop, scrollLeft } = el;
    el.style.overflow = 'visible';
    el.style.maxHeight = 'none';
    undo.push(() => {
      el.style.overflow = overflow;
      el.style.maxHeight = maxHeight;
      el.scrollTop = scrollTop;
      el.scrollLeft = scrollLeft;
    });
  }
  return () => undo.reverse().forEach((f) => f());
}

/** An element that takes no visible space or is meant for screen readers only. */
function hidden(el: Element, cs: CSSStyleDeclaration): boolean {
  if (cs.display === 'none' || cs.visibility === 'hidden' || cs.visibility === 'collapse') return true;
  if (el.hasAttribute('data-export-skip')) return true;
  const r = el.getBoundingClientRect();
  // The visually-hidden pattern: a 1-pixel box that clips its content.
  return r.width <= 1 && r.height <= 1 && (cs.overflow === 'hidden' || cs.clip.startsWith('rect'));
}

/** A copy of a live <svg> with every element's computed presentation written onto it. */
function inlineSvg(svg: SVGSVGElement, x: number, y: number): string {
  const r = svg.getBoundingClientRect();
  const copy = svg.cloneNode(true) as SVGSVGElement;
  const from = [svg, ...svg.querySelectorAll('*')];
  const to = [copy, ...copy.querySelectorAll('*')];
  from.forEach((src, i) => {
    const dst = to[i];
    const cs = getComputedStyle(src);
    // Presentation attributes, not a style attribute: the app's Content-Security-Policy forbids
    // inline styles (style-src 'self'), and every SVG reader knows these.
    for (const [p, skip] of SVG_PROPS) {
      const v = cs.getPropertyValue(p);
      if (v && v !== skip) dst.setAttribute(p, v);
      else if (dst.hasAttribute(p)) dst.removeAttribute(p);
    }
    // A CSS transform (the trajectory marks move by one) as the transform attribute.
    const t = cs.transform;
    if (t && t !== 'none' && !src.hasAttribute('transform') && src !== svg) dst.setAttribute('transform', t.replace(/px/g, ''));
    if (cs.display === 'none') dst.setAttribute('display', 'none');
    dst.removeAttribute('class');
    dst.removeAttribute('tabindex');
    dst.removeAttribute('style');
  });
  copy.setAttribute('x', String(r2(x)));
  copy.setAttribute('y', String(r2(y)));
  copy.setAttribute('width', String(r2(r.width)));
  copy.setAttribute('height', String(r2(r.height)));
  copy.setAttribute('overflow', 'visible');
  return new XMLSerializer().serializeToString(copy);
}

type Run = { text: string; left: number; top: number; width: number; height: number };

/**
 * Text runs of a text node: one per line box it occupies, with the box it fills. Spaces the page
 * shows are kept (as no-break spaces: an SVG reader drops a text's leading and trailing spaces and
 * collapses the rest); spaces the page collapsed are left out, and the run starts where its first
 * shown character does.
 */
function textRuns(t: Text, range: Range, preserve: boolean): Run[] {
  const data = t.data;
  range.selectNodeContents(t);
  // jsdom has no layout (and no Range.getClientRects): nothing to place there.
  if (typeof range.getClientRects !== 'function') return [];
  const rects = range.getClientRects();
  if (rects.length === 0) return [];
  const shown = (s: string) => (preserve ? s : s.replace(/\s+/g, ' ')).replace(/ /g, '\u00a0');
  const widthOf = (a: number, b: number) => {
    if (a >= b) return 0;
    range.setStart(t, a);
    range.setEnd(t, b);
    return range.getBoundingClientRect().width;
  };
  if (rects.length === 1) {
    const r = rects[0];
    let a = 0;
    let b = data.length;
    let left = r.left;
    let width = r.width;
    if (!preserve) {
      while (a < b && /\s/.test(data[a])) a++;
      while (b > a && /\s/.test(data[b - 1])) b--;
      if (a === b) return [];
      // A leading or trailing space the page did show still takes its room.
      const lead = widthOf(0, a);
      left += lead;
      width -= lead + widthOf(b, data.length);
    }
    return [{ text: shown(data.slice(a, b)), left, top: r.top, width, height: r.height }];
  }
  // Wrapped: group the characters by the line box they land in.
  const runs: Run[] = [];
  let cur: { text: string; left: number; top: number; right: number; height: number } | null = null;
  const flush = () => {
    if (!cur) return;
    const text = preserve ? cur.text : cur.text.trim();
    if (text !== '') runs.push({ text: shown(text), left: cur.left, top: cur.top, width: cur.right - cur.left, height: cur.height });
    cur = null;
  };
  for (let i = 0; i < data.length; i++) {
    range.setStart(t, i);
    range.setEnd(t, i + 1);
    const r = range.getBoundingClientRect();
    if (r.width === 0 && r.height === 0) continue; // a collapsed space
    const blank = !preserve && /\s/.test(data[i]);
    if (cur && Math.abs(r.top - cur.top) < 2) {
      cur.text += data[i];
      if (!blank) cur.right = Math.max(cur.right, r.right);
    } else {
      flush();
      if (blank) continue; // a line does not start with a space the page shows at the end of the last one
      cur = { text: data[i], left: r.left, top: r.top, right: r.right, height: r.height };
    }
  }
  flush();
  return runs;
}

interface Walk {
  readonly ox: number;
  readonly oy: number;
  readonly out: string[];
  readonly range: Range;
  readonly raster: boolean;
  readonly vector?: () => string;
  vectorUsed: boolean;
}

function walk(el: Element, w: Walk): void {
  const cs = getComputedStyle(el);
  if (hidden(el, cs)) return;
  if (el instanceof SVGSVGElement) {
    const r = el.getBoundingClientRect();
    w.out.push(inlineSvg(el, r.left - w.ox, r.top - w.oy));
    return;
  }
  if (el instanceof HTMLCanvasElement) {
    const r = el.getBoundingClientRect();
    const x = r2(r.left - w.ox);
    const y = r2(r.top - w.oy);
    if (!w.raster && w.vector && !w.vectorUsed) {
      w.vectorUsed = true;
      w.out.push(`<g transform="translate(${x},${y})">${w.vector()}</g>`);
    } else {
      // PNG, or a canvas the view draws no vector for: its pixels, at their place.
      w.out.push(`<image x="${x}" y="${y}" width="${r2(r.width)}" height="${r2(r.height)}" preserveAspectRatio="none" href="${el.toDataURL('image/png')}"/>`);
    }
    return;
  }
  if (el instanceof HTMLInputElement || el instanceof HTMLSelectElement || el instanceof HTMLTextAreaElement) return;
  const opacity = Number(cs.opacity);
  if (opacity < 1) w.out.push(`<g opacity="${opacity}">`);
  if (el instanceof HTMLElement) {
    const r = el.getBoundingClientRect();
    const x = r2(r.left - w.ox);
    const y = r2(r.top - w.oy);
    if (!isTransparent(cs.backgroundColor) && r.width > 0 && r.height > 0) {
      const rx = parseFloat(cs.borderTopLeftRadius) || 0;
      w.out.push(`<rect x="${x}" y="${y}" width="${r2(r.width)}" height="${r2(r.height)}"${rx ? ` rx="${r2(rx)}"` : ''} fill="${cs.backgroundColor}"/>`);
    }
    for (const [side, x1, y1, x2, y2] of [
      ['Top', r.left, r.top, r.right, r.top],
      ['Bottom', r.left, r.bottom, r.right, r.bottom],
      ['Left', r.left, r.top, r.left, r.bottom],
      ['Right', r.right, r.top, r.right, r.bottom],
    ] as const) {
      const width = parseFloat(cs.getPropertyValue(`border-${side.toLowerCase()}-width`));
      const style = cs.getPropertyValue(`border-${side.toLowerCase()}-style`);
      const color = cs.getPropertyValue(`border-${side.toLowerCase()}-color`);
      if (!(width > 0) || style === 'none' || style === 'hidden' || isTransparent(color)) continue;
      const dash = style === 'dashed' ? ` stroke-dasharray="${width * 3} ${width * 2}"` : style === 'dotted' ? ` stroke-dasharray="${width} ${width}"` : '';
      w.out.push(`<line x1="${r2(x1 - w.ox)}" y1="${r2(y1 - w.oy)}" x2="${r2(x2 - w.ox)}" y2="${r2(y2 - w.oy)}" stroke="${color}" stroke-width="${width}"${dash}/>`);
    }
  }
  const preserve = /^(pre|pre-wrap|break-spaces)$/.test(cs.whiteSpace);
  for (const child of el.childNodes) {
    if (child.nodeType === Node.TEXT_NODE) {
      for (const run of textRuns(child as Text, w.range, preserve)) {
        let s = run.text;
        if (cs.textTransform === 'uppercase') s = s.toUpperCase();
        else if (cs.textTransform === 'lowercase') s = s.toLowerCase();
        const ls = cs.letterSpacing !== 'normal' ? ` letter-spacing="${cs.letterSpacing}"` : '';
        // textLength pins each run to the width it had on the page, whatever font the reader has.
        w.out.push(
          `<text x="${r2(run.left - w.ox)}" y="${r2(run.top - w.oy + run.height / 2)}" dominant-baseline="central" textLength="${r2(run.width)}" lengthAdjust="spacingAndGlyphs" fill="${cs.color}" font-family="${escapeXml(cs.fontFamily)}" font-size="${cs.fontSize}" font-weight="${cs.fontWeight}"${cs.fontStyle !== 'normal' ? ` font-style="${cs.fontStyle}"` : ''}${ls}>${escapeXml(s)}</text>`,
        );
      }
    } else if (child.nodeType === Node.ELEMENT_NODE) walk(child as Element, w);
  }
  if (opacity < 1) w.out.push('</g>');
}

/** The chart as one standalone SVG document: PNG mode keeps canvases as their pixels. */
export function composeSvg(src: ChartSource, raster: boolean): ComposedSvg {
  const restore = openScrollBoxes(src.body);
  try {
    const box = src.body.getBoundingClientRect();
    const width = Math.ceil(box.width + 2 * PAD);
    const height = Math.ceil(box.height + 2 * PAD + TITLE_H);
    const w: Walk = { ox: box.left - PAD, oy: box.top - PAD - TITLE_H, out: [], range: document.createRange(), raster, vector: src.vector, vectorUsed: false };
    walk(src.body, w);
    const cs = getComputedStyle(src.body);
    const svg =
      `<svg xmlns="${SVG_NS}" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">` +
      `<title>${escapeXml(src.title)}</title>` +
      `<rect width="100%" height="100%" fill="${backgroundOf(src.body)}"/>` +
      `<text x="${PAD}" y="${PAD + 14}" font-family="${escapeXml(cs.fontFamily)}" font-size="15px" font-weight="600" fill="${cs.color}">${escapeXml(src.title)}</text>` +
      w.out.join('') +
      '</svg>';
    return { svg, width, height };
  } finally {
    restore();
  }
}

/** The chart as PNG bytes: the raster composition drawn onto a canvas at `scale` device pixels per CSS pixel. */
export async function chartToPng(src: ChartSource, scale = Math.max(2, window.devicePixelRatio || 1)): Promise<Blob> {
  const { svg, width, height } = composeSvg(src, true);
  const url = URL.createObjectURL(new Blob([svg], { type: 'image/svg+xml' }));
  try {
    const img = new Image();
    img.src = url;
    await img.decode();
    const canvas = document.createElement('canvas');
    canvas.width = Math.round(width * scale);
    canvas.height = Math.round(height * scale);
    const ctx = canvas.getContext('2d');
    if (!ctx) throw new Error('this browser gives no 2-D canvas to draw the PNG on');
    ctx.scale(scale, scale);
    ctx.drawImage(img, 0, 0, width, height);
    return await new Promise<Blob>((done, fail) => canvas.toBlob((b) => (b ? done(b) : fail(new Error('the browser could not encode the PNG'))), 'image/png'));
  } finally {
    URL.revokeObjectURL(url);
  }
}

/** The chart as an SVG file (vector throughout where the view supplies its canvas layer as a vector). */
export function chartToSvg(src: ChartSource): Blob {
  return new Blob([composeSvg(src, false).svg], { type: 'image/svg+xml' });
}

// ——— vector drawings of the canvas layers, from the layouts their painters use ———

/**
 * The heatmap's cells as rects (the canvas paints the same layout.image, one pixel per cell,
 * scaled up without smoothing); runs of equal colour along a row share one rect.
 */
export function heatmapVector(l: HeatLayout): string {
  const out: string[] = [];
  for (let r = 0; r < l.rows; r++) {
    for (let t = 0; t < l.tokens; ) {
      const o = (r * l.tokens + t) * 4;
      if (l.image[o + 3] === 0) {
        t++;
        continue;
      }
      let e = t + 1;
      while (e < l.tokens) {
        const q = (r * l.tokens + e) * 4;
        if (l.image[q + 3] === 0 || l.image[q] !== l.image[o] || l.image[q + 1] !== l.image[o + 1] || l.image[q + 2] !== l.image[o + 2]) break;
        e++;
      }
      const hex = `#${[l.image[o], l.image[o + 1], l.image[o + 2]].map((v) => v.toString(16).padStart(2, '0')).join('')}`;
      out.push(`<rect x="${r2(l.left + t * l.cellW)}" y="${r2(l.top + r * l.cellH)}" width="${r2((e - t) * l.cellW)}" height="${r2(l.cellH)}" fill="${hex}"/>`);
      t = e;
    }
  }
  return `<g shape-rendering="crispEdges">${out.join('')}</g>`;
}

/** The trajectory plot's canvas layer (drawTrajectories) as lines and marks with the same alphas. */
export function trajectoryVector(l: TrajLayout, dim: boolean): string {
  const out: string[] = [];
  const L = Math.max(1, l.layer);
  for (const m of l.marks) {
    const c = SEGMENT_COLORS[m.segment];
    for (let k = 1; k < m.points.length; k++) {
      const a = r2(stepAlpha(k, L) * (dim ? 0.35 : 0.8));
      const [p, q] = [m.points[k - 1], m.points[k]];
      out.push(`<line x1="${r2(p[0])}" y1="${r2(p[1])}" x2="${r2(q[0])}" y2="${r2(q[1])}" stroke="${c}" stroke-opacity="${a}" stroke-width="1"/>`);
    }
  }
  out.push(`<g opacity="${dim ? 0.5 : 1}">`);
  for (const m of l.marks) {
    const c = SEGMENT_COLORS[m.segment];
    out.push(
      m.segment === 'answer'
        ? `<rect x="${r2(m.x - 2.5)}" y="${r2(m.y - 2.5)}" width="5" height="5" fill="${c}"/>`
        : `<circle cx="${r2(m.x)}" cy="${r2(m.y)}" r="2.5" fill="${c}"/>`,
    );
  }
  out.push('</g>');
  return out.join('');
}
