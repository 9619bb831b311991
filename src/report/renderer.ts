/**
 * The HTML report's renderer. It runs inside the exported .html file, offline, with no imports:
 * src/report/report.ts embeds `renderReport.toString()` as the file's only script, so this
 * function must be self-contained — everything it uses is declared inside it (the types below
 * are erased when compiled). It reads the two JSON blocks of the file (the run, in the run format,
 * and the app's view of it: score labels, the colour ramp) and builds the page with DOM calls:
 * token text goes in through textContent, never as markup.
 */

/** The app's view of the run, computed when the report is made (labels and colours the file cannot compute). */
export interface ReportView {
  readonly gamma: number;
  readonly scores: readonly { readonly id: string; readonly label: string; readonly value: number | null; readonly arrow: string; readonly reads: string }[];
  readonly headline: { readonly confidence: number | null; readonly energy: number | null; readonly energyLabel: string };
  /** The run's answer in words, or the sentence saying why it has none (src/views/shared/answer.ts). */
  readonly answer: { readonly text: string | null; readonly why: string };
  readonly tints: readonly { readonly id: string; readonly label: string }[];
  readonly tint: string;
  /** Sequential colour ramp (cividis), evenly spaced from low to high. */
  readonly ramp: readonly string[];
  readonly segmentColors: Readonly<Record<string, string>>;
  readonly seriesColors: Readonly<Record<string, string>>;
}

export function renderReport(): void {
  type Num = number | string;
  interface Tok {
    index: number;
    position: number;
    segment: string;
    logProb: Num;
    entropy: Num;
    kinetic: Num;
    curvature: Num;
    kappa: Num;
    text?: string;
  }
  interface Row {
    index: number;
    text: string;
    seg: string;
    logProb: number;
    entropy: number;
    kinetic: number;
    curvature: number;
    energy: number;
    kappa: number;
  }
  interface RunFile {
    meta: {
      name: string;
      createdAt: string;
      appVersion: string;
      model: { name: string; source: string; variant: string; backend: string; layers: number };
      settings: { gamma: Num; formulation: string };
      input: { mode: string };
    };
    run: {
      kind: string;
      prompt: string;
      status: string;
      error: string | null;
      events: Tok[];
      result: null | { tokens: Tok[]; stop: string; segments: { reasoning: [number, number]; answer: [number, number]; notes: string[] } };
    };
  }
  interface View {
    gamma: number;
    scores: { id: string; label: string; value: number | null; arrow: string; reads: string }[];
    headline: { confidence: number | null; energy: number | null; energyLabel: string };
    answer?: { text: string | null; why: string };
    tints: { id: string; label: string }[];
    tint: string;
    ramp: string[];
    segmentColors: Record<string, string>;
    seriesColors: Record<string, string>;
  }

  const doc = document;
  const root = doc.getElementById('report') as HTMLElement;
  const readJson = (id: string): unknown => JSON.parse((doc.getElementById(id) as HTMLElement).textContent || 'null');
  const file = readJson('cotk-run-data') as RunFile;
  const view = readJson('cotk-report-view') as View;
  // The SVG namespace, taken from an element the HTML parser made (no namespace literal in the file).
  const probe = doc.createElement('div');
  probe.innerHTML = '<svg></svg>';
  const SVG_NS = (probe.firstChild as Element).namespaceURI as string;

  const num = (v: Num | null | undefined): number => {
    if (typeof v === 'number') return v;
    if (v === 'NaN') return NaN;
    if (v === 'Infinity') return Infinity;
    if (v === '-Infinity') return -Infinity;
    if (v === '-0') return -0;
    return NaN;
  };
  const fmt = (v: number | null, digits = 3): string => {
    if (v === null || !isFinite(v)) return '—';
    if (v === 0) return '0';
    const a = Math.abs(v);
    if (a >= 1e4 || a < 1e-3) return v.toExponential(digits - 1);
    return String(Number(v.toPrecision(digits)));
  };
  const percent = (p: number | null): string => {
    if (p === null || !isFinite(p)) return '—';
    const v = p * 100;
    return `${v >= 10 ? v.toFixed(1) : v >= 1 ? v.toFixed(2) : v.toPrecision(2)}%`;
  };
  const el = <K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string> = {}, text?: string): HTMLElementTagNameMap[K] => {
    const e = doc.createElement(tag);
    for (const k of Object.keys(attrs)) e.setAttribute(k, attrs[k]);
    if (text !== undefined) e.textContent = text;
    return e;
  };
  const svgEl = (tag: string, attrs: Record<string, string | number> = {}, text?: string): SVGElement => {
    const e = doc.createElementNS(SVG_NS, tag) as SVGElement;
    for (const k of Object.keys(attrs)) e.setAttribute(k, String(attrs[k]));
    if (text !== undefined) e.textContent = text;
    return e;
  };

  // ——— rows, as the app derives them (src/state/derive.ts) ———
  const gamma = view.gamma;
  const result = file.run.result;
  const reds = result ? result.tokens : file.run.events;
  const rows: Row[] = reds.map((t, i) => {
    let seg = 'other';
    if (result) {
      const r = result.segments.reasoning;
      const a = result.segments.answer;
      if (t.position >= r[0] && t.position < r[1]) seg = 'reasoning';
      else if (t.position >= a[0] && t.position < a[1]) seg = 'answer';
    } else if (t.segment === 'reasoning' || t.segment === 'answer' || t.segment === 'pending') seg = t.segment;
    const k = num(t.kinetic);
    const c = num(t.curvature);
    return {
      index: i,
      text: file.run.events[i] && typeof file.run.events[i].text === 'string' ? (file.run.events[i].text as string) : '',
      seg,
      logProb: num(t.logProb),
      entropy: num(t.entropy),
      kinetic: k,
      curvature: c,
      energy: gamma * k + (1 - gamma) * c,
      kappa: num(t.kappa),
    };
  });
  const metric = (r: Row, m: string): number => {
    switch (m) {
      case 'energy':
        return r.energy;
      case 'kinetic':
        return r.kinetic;
      case 'curvature':
        return r.curvature;
      case 'surprise':
        return -r.logProb;
      case 'entropy':
        return r.entropy;
      case 'kappa':
        return r.kappa;
      default:
        return -(r.kappa + r.logProb); // v2energy: U_t − κ_t
    }
  };
  /** 2nd–98th percentile of the finite values (d3's quantile), as the app's text view uses. */
  const robustDomain = (values: number[]): [number, number] => {
    const s = values.filter((v) => isFinite(v)).sort((a, b) => a - b);
    if (s.length === 0) return [0, 1];
    const q = (p: number) => {
      const h = (s.length - 1) * p;
      const i = Math.floor(h);
      return i + 1 < s.length ? s[i] + (s[i + 1] - s[i]) * (h - i) : s[i];
    };
    const a = q(0.02);
    const b = q(0.98);
    return a < b ? [a, b] : [a - 0.5, a + 0.5];
  };
  const rampAt = (t: number): string => view.ramp[Math.round(Math.min(1, Math.max(0, t)) * (view.ramp.length - 1))];
  const textOn = (hex: string): string => {
    const n = parseInt(hex.slice(1), 16);
    const lin = (v: number) => {
      const s = v / 255;
      return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
    };
    const L = 0.2126 * lin((n >> 16) & 255) + 0.7152 * lin((n >> 8) & 255) + 0.0722 * lin(n & 255);
    return (L + 0.05) / 0.05 > 1.05 / (L + 0.05) ? '#000000' : '#ffffff';
  };

  // ——— header ———
  const m = file.meta;
  root.appendChild(el('h1', {}, m.name));
  if (view.answer) {
    const ans = el('p', { class: 'answer', 'data-testid': 'answer-line', 'data-answer': view.answer.text ?? '' });
    if (view.answer.text !== null) {
      ans.appendChild(el('span', { class: 'answer-label' }, 'Answer: '));
      ans.appendChild(el('strong', {}, view.answer.text));
    } else ans.appendChild(el('span', { class: 'answer-label' }, `No answer: ${view.answer.why}.`));
    root.appendChild(ans);
  }
  const facts = el('dl', { class: 'facts' });
  const fact = (k: string, v: string) => {
    facts.appendChild(el('dt', {}, k));
    facts.appendChild(el('dd', {}, v));
  };
  fact('Model', `${m.model.name}${m.model.variant ? ` (${m.model.variant})` : ''}, ${m.model.layers} layers, ${m.model.backend || 'backend not recorded'}`);
  fact('Run', `${file.run.kind === 'generate' ? 'asked (the model reasoned and answered)' : 'a pasted trace, scored by teacher forcing'}; ${file.run.status}${result ? `, stopped by ${result.stop}` : ''}`);
  fact('Settings', `γ = ${fmt(gamma, 2)}; default CoT-Kinetics formulation ${m.settings.formulation}`);
  fact('Made', `${m.createdAt} with CoT-Kinetics Inspector ${m.appVersion}`);
  root.appendChild(facts);
  if (file.run.error) root.appendChild(el('p', { class: 'error' }, file.run.error));
  const notes = result ? result.segments.notes : [];
  if (notes.length) {
    const ul = el('ul', { class: 'notes' });
    for (const n of notes) ul.appendChild(el('li', {}, n));
    root.appendChild(ul);
  }

  // ——— scores ———
  const scores = el('section', { 'aria-labelledby': 'h-scores' });
  scores.appendChild(el('h2', { id: 'h-scores' }, 'Scores'));
  const head = el('p', { class: 'headline' });
  head.appendChild(el('span', { 'data-testid': 'answer-confidence' }, `Answer confidence ${percent(view.headline.confidence)}`));
  head.appendChild(el('span', { 'data-testid': 'trace-energy' }, `${view.headline.energyLabel} ${fmt(view.headline.energy)}`));
  scores.appendChild(head);
  const rowH = 22;
  const table = svgEl('svg', { width: 760, height: rowH * (view.scores.length + 1) + 4, role: 'table', 'aria-label': 'Every score of this trace', class: 'score-table' });
  const headRow = svgEl('g', { role: 'row' });
  [
    ['Score', 4],
    ['Value', 400],
    ['Reads', 500],
  ].forEach(([t, x]) => headRow.appendChild(svgEl('text', { x, y: 15, class: 'th', role: 'columnheader' }, String(t))));
  table.appendChild(headRow);
  view.scores.forEach((s, i) => {
    const y = rowH * (i + 1);
    const g = svgEl('g', { role: 'row', 'data-scorer': s.id, 'data-testid': `score-${s.id}`, 'data-value': s.value === null ? '' : String(s.value) });
    g.appendChild(svgEl('line', { x1: 0, x2: 760, y1: y + 2, y2: y + 2, class: 'rule' }));
    g.appendChild(svgEl('text', { x: 4, y: y + 17, role: 'rowheader' }, s.label));
    g.appendChild(svgEl('text', { x: 400, y: y + 17, class: 'num', role: 'cell' }, fmt(s.value)));
    g.appendChild(svgEl('text', { x: 500, y: y + 17, class: 'muted', role: 'cell' }, `${s.arrow} ${s.reads}`));
    table.appendChild(g);
  });
  scores.appendChild(table);
  root.appendChild(scores);

  // ——— text, tinted ———
  const textSec = el('section', { 'aria-labelledby': 'h-text' });
  textSec.appendChild(el('h2', { id: 'h-text' }, 'Text'));
  const label = el('label', {}, 'Tint by ');
  const select = el('select', { id: 'tint' });
  for (const t of view.tints) {
    const o = el('option', { value: t.id }, t.label);
    if (t.id === view.tint) o.selected = true;
    select.appendChild(o);
  }
  label.appendChild(select);
  textSec.appendChild(label);
  if (file.run.prompt) {
    const p = el('p', { class: 'prompt' });
    p.appendChild(el('strong', {}, 'Prompt '));
    p.appendChild(doc.createTextNode(file.run.prompt));
    textSec.appendChild(p);
  }
  const text = el('div', { class: 'tokens', 'data-testid': 'report-text' });
  const legend = el('p', { class: 'legend' });
  textSec.appendChild(text);
  textSec.appendChild(legend);
  root.appendChild(textSec);
  const paint = () => {
    const mm = select.value;
    const values = rows.map((r) => metric(r, mm));
    const [lo, hi] = robustDomain(values);
    text.textContent = '';
    let missing = 0;
    let lastSeg = '';
    rows.forEach((r, i) => {
      if (r.seg !== lastSeg && (r.seg === 'answer' || r.seg === 'reasoning')) {
        text.appendChild(el('span', { class: 'seg-label' }, r.seg === 'answer' ? '\nanswer\n' : 'reasoning\n'));
      }
      lastSeg = r.seg;
      const v = values[i];
      const span = el('span', { class: `tok seg-${r.seg}`, 'data-index': String(i), title: `token ${i}: ${fmt(v)}` }, r.text);
      if (isFinite(v)) {
        const bg = rampAt((v - lo) / (hi - lo));
        span.style.background = bg;
        span.style.color = textOn(bg);
      } else missing++;
      text.appendChild(span);
    });
    const lab = view.tints.find((t) => t.id === mm);
    legend.textContent = `${lab ? lab.label : mm}: ${fmt(lo)} (low) to ${fmt(hi)} (high)${missing ? `; ${missing} tokens have no value (no states kept) and are not tinted` : ''}.`;
  };
  select.addEventListener('change', paint);
  paint();

  // ——— energy strip ———
  const stripSec = el('section', { 'aria-labelledby': 'h-strip' });
  stripSec.appendChild(el('h2', { id: 'h-strip' }, 'Energy strip'));
  const W = 900;
  const left = 56;
  const right = W - 12;
  const n = Math.max(1, rows.length);
  const x = (i: number) => left + ((right - left) * i) / n;
  const bands: { key: string; label: string; h: number; lo: (r: Row) => number; hi: (r: Row) => number; series: string; outline?: boolean; domain: [number, number] }[] = [];
  const fin = (v: number) => isFinite(v);
  const ext = (vals: number[], lo0: number, hi0: number): [number, number] => {
    let a = lo0;
    let b = hi0;
    for (const v of vals) if (fin(v)) [a, b] = [Math.min(a, v), Math.max(b, v)];
    return a < b ? [a, b] : [a, a + 1];
  };
  const eDom = ext(
    rows.map((r) => r.energy),
    0,
    0,
  );
  bands.push({ key: 'kinetic', label: 'Energy E_t (γ·K + (1−γ)·P)', h: 80, lo: () => 0, hi: (r) => gamma * r.kinetic, series: 'kinetic', domain: eDom });
  bands.push({ key: 'curvature', label: '', h: 0, lo: (r) => gamma * r.kinetic, hi: (r) => r.energy, series: 'curvature', domain: eDom });
  bands.push({ key: 'kappa', label: 'κ_t (v2)', h: 50, lo: () => 0, hi: (r) => r.kappa, series: 'kappa', domain: ext(rows.map((r) => r.kappa), 0, 0) });
  bands.push({ key: 'logProb', label: 'log p(token)', h: 60, lo: () => 0, hi: (r) => r.logProb, series: 'logProb', domain: ext(rows.map((r) => r.logProb), 0, 0) });
  bands.push({ key: 'entropy', label: 'Entropy', h: 50, lo: () => 0, hi: (r) => r.entropy, series: 'entropy', domain: ext(rows.map((r) => r.entropy), 0, 0) });
  const gap = 20;
  const total = 16 + bands.reduce((s, b) => s + (b.h ? b.h + gap : 0), 0) + 2;
  const strip = svgEl('svg', { width: W, height: total, viewBox: `0 0 ${W} ${total}`, role: 'img', 'aria-label': 'Energy strip: per-token energy, κ, log-probability and entropy', 'data-testid': 'report-strip' });
  let top = 16;
  let bandTop = top;
  let bandH = 0;
  const segs: { seg: string; a: number; b: number }[] = [];
  rows.forEach((r, i) => {
    const last = segs[segs.length - 1];
    if (last && last.seg === r.seg) last.b = i + 1;
    else segs.push({ seg: r.seg, a: i, b: i + 1 });
  });
  for (const s of segs) strip.appendChild(svgEl('rect', { x: x(s.a), width: x(s.b) - x(s.a), y: 0, height: total, fill: view.segmentColors[s.seg] || '#999999', opacity: 0.07 }));
  for (const b of bands) {
    if (b.h) {
      bandTop = top;
      bandH = b.h;
      top += b.h + gap;
      strip.appendChild(svgEl('text', { x: left, y: bandTop - 5, class: 'tick' }, b.label));
      for (const v of b.domain) {
        const yy = bandTop + bandH - ((v - b.domain[0]) / (b.domain[1] - b.domain[0])) * bandH;
        strip.appendChild(svgEl('line', { x1: left - 4, x2: right, y1: yy, y2: yy, class: 'grid' }));
        strip.appendChild(svgEl('text', { x: left - 6, y: yy + 3, 'text-anchor': 'end', class: 'tick' }, fmt(v, 2)));
      }
    }
    const y = (v: number) => bandTop + bandH - ((v - b.domain[0]) / (b.domain[1] - b.domain[0])) * bandH;
    const parts: string[] = [];
    rows.forEach((r, i) => {
      const lo = b.lo(r);
      const hi = b.hi(r);
      if (!fin(lo) || !fin(hi)) return;
      const r1 = (v: number) => Math.round(v * 10) / 10;
      parts.push(`M${r1(x(i))},${r1(y(lo))}V${r1(y(hi))}H${r1(x(i + 1))}V${r1(y(lo))}Z`);
    });
    strip.appendChild(svgEl('path', { d: parts.join(''), fill: view.seriesColors[b.series] || '#888888', 'fill-opacity': 0.85, 'data-series': b.series }));
  }
  stripSec.appendChild(strip);
  const key = el('p', { class: 'legend' });
  for (const [k, t] of [
    ['kinetic', 'kinetic part γ·K_t'],
    ['curvature', 'curvature part (1−γ)·P_t'],
    ['kappa', 'κ_t'],
    ['logProb', 'log p'],
    ['entropy', 'entropy'],
  ]) {
    const sw = el('span', { class: 'swatch' });
    sw.style.background = view.seriesColors[k];
    key.appendChild(sw);
    key.appendChild(doc.createTextNode(` ${t}   `));
  }
  stripSec.appendChild(key);
  root.appendChild(stripSec);
  root.setAttribute('data-rendered', String(rows.length));
}
