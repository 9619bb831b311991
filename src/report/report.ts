import { DEFAULT_COTK, scorerInfo } from '../core/scores/index';
import { serializeRun } from '../record/serialize';
import type { SavedRun } from '../record/types';
import { deriveRun, TINT_LABELS } from '../state/derive';
import type { TintMetric } from '../state/slices';
import { scoreRows } from '../views/Confidence/layout';
import { STRIP_COLORS } from '../views/EnergyStrip/EnergyStrip';
import { SEGMENT_COLORS, SEQUENTIAL } from '../views/shared/palette';
import { runAnswer } from '../views/shared/answer';
import { renderReport, type ReportView } from './renderer';
import { color } from 'd3';

/**
 * The self-contained HTML report: one file with the run (in the run format, without hidden states)
 * and the app's view of it as inert JSON blocks, a style sheet, and one script — the renderer's
 * source (Function.prototype.toString of renderReport, so the code the file runs is the code the
 * tests run). A Content-Security-Policy forbids every fetch: the file renders from itself alone.
 */

/** JSON made safe inside <script type="application/json">: no "</script", no "<!--" can appear. */
export function scriptSafeJson(json: string): string {
  return json.replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
}

/** A colour as #rrggbb; a CSS variable (the strip's energy line is var(--fg)) as the report's text colour. */
function hex(c: string): string {
  return color(c)?.formatHex() ?? '#1b1d23';
}

/** The app's side of the report: the score table and headline at the run's γ, labels and colours. */
export function reportView(saved: SavedRun, tint: TintMetric): ReportView {
  const gamma = saved.meta.settings.gamma;
  const view = deriveRun(saved.run.events, saved.run.result, gamma);
  const main = scorerInfo(DEFAULT_COTK);
  return {
    gamma,
    scores: scoreRows(view.scores).map((r) => ({ id: r.id, label: r.label, value: r.value, arrow: r.arrow, reads: r.reads })),
    answer: (() => {
      const a = runAnswer(saved.run);
      return a.kind === 'answer' ? { text: a.text, why: '' } : { text: null, why: a.kind === 'none' ? a.why : 'the run had not answered yet' };
    })(),
    headline: { confidence: view.scores.answerConfidence, energy: view.scores[DEFAULT_COTK], energyLabel: `Trace energy (${main.formulation ?? 'v1'})` },
    tints: (Object.keys(TINT_LABELS) as TintMetric[]).map((id) => ({ id, label: TINT_LABELS[id] })),
    tint,
    ramp: Array.from({ length: 64 }, (_, i) => hex(SEQUENTIAL(i / 63))),
    segmentColors: SEGMENT_COLORS,
    seriesColors: Object.fromEntries(Object.entries(STRIP_COLORS).map(([k, c]) => [k, hex(c)])),
  };
}

const STYLE = `
:root { color-scheme: light; font: 15px/1.5 system-ui, sans-serif; color: #1b1d23; background: #fbfbfd; }
body { max-width: 960px; margin: 1.5rem auto; padding: 0 1rem; }
h1 { font-size: 1.35rem; margin: 0 0 0.5rem; } .answer { font-size: 1.2rem; margin: 0 0 0.5rem; } .answer-label { color: #5b6170; } h2 { font-size: 1.05rem; margin: 1.25rem 0 0.4rem; }
.facts { display: grid; grid-template-columns: max-content 1fr; gap: 0.1rem 0.75rem; font-size: 0.9rem; }
.facts dt { color: #5b6170; } .facts dd { margin: 0; }
.error { color: #b3261e; } .notes { color: #5b6170; font-size: 0.85rem; }
.headline { display: flex; gap: 2rem; font-size: 1.1rem; font-weight: 600; font-variant-numeric: tabular-nums; }
.score-table text { font-size: 13px; fill: #1b1d23; } .score-table .th { font-weight: 600; } .score-table .muted { fill: #5b6170; }
.score-table .num { font-variant-numeric: tabular-nums; } .score-table .rule { stroke: #d6d9e0; }
.prompt { color: #5b6170; white-space: pre-wrap; font-size: 0.9rem; }
.tokens { font: 0.9rem/1.8 ui-monospace, Menlo, monospace; white-space: pre-wrap; border: 1px solid #d6d9e0; border-radius: 6px; padding: 0.5rem; }
.tok { border-radius: 2px; } .seg-other { color: #5b6170; font-size: 0.75rem; }
.seg-label { font: 600 0.7rem system-ui, sans-serif; text-transform: uppercase; letter-spacing: 0.04em; color: #5b6170; }
.legend { font-size: 0.85rem; color: #5b6170; } .swatch { display: inline-block; width: 0.9rem; height: 0.6rem; border-radius: 2px; }
svg .tick { font-size: 10px; fill: #5b6170; } svg .grid { stroke: rgba(0, 0, 0, 0.08); }
footer { margin-top: 2rem; font-size: 0.8rem; color: #5b6170; }
`;

async function sha256Base64(s: string): Promise<string | null> {
  const subtle = globalThis.crypto?.subtle;
  if (!subtle) return null;
  const d = new Uint8Array(await subtle.digest('SHA-256', new TextEncoder().encode(s)));
  return btoa(String.fromCharCode(...d));
}

/** The report as one HTML document (a string). `saved` may hold states: they are left out. */
export async function buildReport(saved: SavedRun, tint: TintMetric): Promise<string> {
  const slim: SavedRun = { meta: { ...saved.meta, keptStates: false }, run: saved.run.result ? { ...saved.run, result: { ...saved.run.result, states: null } } : saved.run };
  const data = scriptSafeJson(serializeRun(slim));
  const view = scriptSafeJson(JSON.stringify(reportView(slim, tint)));
  const script = `(${renderReport.toString()})();`;
  const hash = await sha256Base64(script);
  // No source is allowed at all: not the network, not even the file's own folder. The one script
  // runs by its hash (where the browser that makes the report can compute it).
  const csp = `default-src 'none'; style-src 'unsafe-inline'; script-src ${hash ? `'sha256-${hash}'` : "'unsafe-inline'"}; img-src data:; base-uri 'none'; form-action 'none'`;
  const title = escapeHtml(saved.meta.name);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="CoT-Kinetics Inspector ${escapeHtml(saved.meta.appVersion)}">
<title>${title} — CoT-Kinetics report</title>
<style>${STYLE}</style>
</head>
<body>
<main id="report"><noscript><h1>${title}</h1><p>This report draws itself with a small script; allow scripts for this file to see the text and the charts. The run's data is in the file as JSON (the element with id "cotk-run-data").</p></noscript></main>
<footer>Made by CoT-Kinetics Inspector ${escapeHtml(saved.meta.appVersion)}. This file needs no network: the run is inside it (script#cotk-run-data, the documented run format, v1; the app's Import reads it), drawn by the script below.</footer>
<script type="application/json" id="cotk-run-data">${data}</script>
<script type="application/json" id="cotk-report-view">${view}</script>
<script>${script}</script>
</body>
</html>
`;
}
