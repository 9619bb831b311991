// `node bench/pwa/run.mjs [DIST]` (default dist/, after `npm run build`): what the service worker
// precaches, read from the built sw.js's manifest and the files' sizes, grouped as
// docs/offline-and-privacy.md explains them. Prints a Markdown table; --write puts it into
// docs/benchmarks.md between its markers, with the date.
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(fileURLToPath(import.meta.url), '../../..');
const args = process.argv.slice(2);
const write = args.includes('--write');
const dist = resolve(root, args.find((a) => !a.startsWith('--')) ?? 'dist');

let sw;
try {
  sw = readFileSync(resolve(dist, 'sw.js'), 'utf8');
} catch {
  console.error(`${dist}/sw.js is missing: build the app first (npm run build)`);
  process.exit(2);
}
const urls = [...sw.matchAll(/url:"([^"]+)"/g)].map((m) => m[1]);
if (urls.length === 0) {
  console.error(`${dist}/sw.js lists no precache entries`);
  process.exit(2);
}

/** @type {[string, (url: string) => boolean][]} */
const GROUPS = [
  ['ONNX Runtime WebAssembly (.wasm + .mjs loader)', (u) => /\/ort-wasm[^/]*\.(wasm|mjs)$/.test(u)],
  ['bundled model, fp32-cpu graph', (u) => u.startsWith('models/tiny-reasoner/fp32-cpu/')],
  ['bundled model, int4-webgpu graph', (u) => u.startsWith('models/tiny-reasoner/int4-webgpu/')],
  ['bundled model, manifest.json and parity.json', (u) => /^models\/tiny-reasoner\/[^/]+\.json$/.test(u)],
  ['icons and web manifest', (u) => u.startsWith('icons/') || u === 'manifest.webmanifest' || u === 'favicon.svg'],
  ['the app: page, scripts, styles', () => true],
];
const sums = GROUPS.map(([label]) => ({ label, files: 0, bytes: 0 }));
for (const u of urls) {
  const i = GROUPS.findIndex(([, match]) => match(u));
  sums[i].files++;
  sums[i].bytes += statSync(resolve(dist, u)).size;
}
const mb = (/** @type {number} */ b) => `${(b / 1e6).toFixed(b < 1e5 ? 2 : 1)} MB`;
const total = sums.reduce((a, s) => a + s.bytes, 0);
const date = new Date().toISOString().slice(0, 10);
const table = [
  '| what | files | size |',
  '| --- | --- | --- |',
  ...sums.map((s) => `| ${s.label} | ${s.files} | ${mb(s.bytes)} |`),
  `| **precache in total** | **${urls.length}** | **${mb(total)}** (${(total / 2 ** 20).toFixed(1)} MiB) |`,
].join('\n');
console.log(table);

if (write) {
  const doc = resolve(root, 'docs/benchmarks.md');
  const START = '<!-- pwa:begin -->';
  const END = '<!-- pwa:end -->';
  const section = `${START}
## Offline precache (\`bench/pwa\`)

*Written by \`node bench/pwa/run.mjs --write\` on ${date} from the production build (\`npm run build\`), Node ${process.version}.* What the service worker keeps for offline use, from the manifest in the built \`sw.js\` and the files' sizes on disk. Why each part is there: [\`offline-and-privacy.md\`](offline-and-privacy.md).

${table}
${END}`;
  const old = readFileSync(doc, 'utf8');
  const a = old.indexOf(START);
  const b = old.indexOf(END);
  writeFileSync(doc, a >= 0 && b > a ? old.slice(0, a) + section + old.slice(b + END.length) : `${old.trimEnd()}\n\n${section}\n`);
  console.log(`wrote the precache section of ${doc}`);
}
