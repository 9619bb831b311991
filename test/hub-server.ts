import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { sharedPath } from './paths';

/**
 * A local stand-in for the Hugging Face Hub: serves repos at `/<repo>/resolve/<revision>/<file>`
 * with content-length, so downloads, progress and caching are real. `truncate` makes it announce a
 * file's full length and then cut the connection halfway.
 */
export interface HubServer {
  readonly host: string;
  readonly requests: string[];
  truncate: Set<string>;
  close(): Promise<void>;
}

export type Repos = Record<string, Record<string, Uint8Array>>;

export async function startHubServer(repos: Repos, revision = 'main'): Promise<HubServer> {
  const requests: string[] = [];
  const truncate = new Set<string>();
  const server: Server = createServer((req, res) => {
    const url = decodeURIComponent(req.url ?? '');
    requests.push(url);
    const m = /^\/([^/]+\/[^/]+)\/resolve\/([^/]+)\/(.+)$/.exec(url);
    const body = m && m[2] === revision ? repos[m[1]]?.[m[3]] : undefined;
    if (!m || !body) {
      res.writeHead(404, { 'content-type': 'text/plain', 'access-control-allow-origin': '*' }).end('Entry not found');
      return;
    }
    // The Hub answers cross-origin requests (the app fetches from the page's worker).
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(body.byteLength), 'access-control-allow-origin': '*' });
    if (truncate.has(m[3])) {
      res.write(body.subarray(0, body.byteLength >> 1), () => res.destroy());
      return;
    }
    res.end(body);
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  return {
    host: `http://127.0.0.1:${port}`,
    requests,
    truncate,
    close: () =>
      new Promise<void>((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}

/**
 * The graph's initializers name their external file "model.onnx.data" (the genai builder's name);
 * onnx-community repos name it "<graph>_data". Both names have 15 bytes, so the location strings can
 * be swapped in place without touching any protobuf length.
 */
function renameExternalData(graph: Uint8Array, from: string, to: string): Uint8Array {
  const a = new TextEncoder().encode(from);
  const b = new TextEncoder().encode(to);
  if (a.length !== b.length) throw new Error('in-place rename needs names of equal length');
  const out = graph.slice();
  let n = 0;
  for (let i = 0; i + a.length <= out.length; i++) {
    if (a.every((x, k) => out[i + k] === x)) {
      out.set(b, i);
      n++;
    }
  }
  if (n === 0) throw new Error(`no "${from}" in the graph`);
  return out;
}

/** The tiny-reasoner fp32 model laid out as an onnx-community repo (config + tokenizer + onnx/). */
export function tinyReasonerHubRepo(): Record<string, Uint8Array> {
  const hf = (f: string) => new Uint8Array(readFileSync(sharedPath('fixtures/tiny-reasoner/hf', f)));
  const onnx = (f: string) => new Uint8Array(readFileSync(sharedPath('fixtures/tiny-reasoner/onnx/fp32-cpu', f)));
  const config = JSON.parse(new TextDecoder().decode(hf('config.json')));
  config['transformers.js_config'] = { use_external_data_format: { 'model.onnx': 1 } };
  return {
    'config.json': new TextEncoder().encode(JSON.stringify(config)),
    'tokenizer.json': hf('tokenizer.json'),
    'tokenizer_config.json': hf('tokenizer_config.json'),
    'onnx/model.onnx': renameExternalData(onnx('model.onnx'), 'model.onnx.data', 'model.onnx_data'),
    'onnx/model.onnx_data': onnx('model.onnx.data'),
  };
}
