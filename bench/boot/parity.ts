/**
 * `npx tsx bench/boot/parity.ts`: what keeping the parity verdict saves, in Node on onnxruntime-web's
 * WASM backend (the browser worker's engine host, fetching public/ from disk): loads of the bundled
 * model alternating between a fresh verdict store (the check runs) and a store that holds the verdict
 * (it is read back), side by side so that the machine's load affects both alike.
 */
import { loadavg } from 'node:os';
import * as ortWeb from 'onnxruntime-web';
import { EngineHost } from '../../src/engine/host';
import type { OrtModule } from '../../src/engine/ort';
import { MemoryCache } from '../../src/engine/source/cache';
import { publicFetch } from '../../test/unit/engine/helpers';

const warm = new MemoryCache();
const host = (store: MemoryCache) =>
  new EngineHost({ ort: ortWeb as unknown as OrtModule, baseUrl: 'http://app.test/', fetch: publicFetch, probeWebGpu: async () => null, parityStore: store, runtimeVersion: 'bench' });
await host(warm).load({ kind: 'bundled' }); // fills `warm`, and warms the wasm module
const checked: number[] = [];
const cached: number[] = [];
for (let i = 0; i < 5; i++) {
  const a = await host(new MemoryCache()).load({ kind: 'bundled' });
  if (a.parity?.cached) throw new Error('a fresh store had a verdict');
  checked.push(a.loadMs);
  const b = await host(warm).load({ kind: 'bundled' });
  if (!b.parity?.cached) throw new Error('the warm store had no verdict');
  cached.push(b.loadMs);
}
const med = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];
console.log(`load with the parity check: median ${med(checked).toFixed(0)} ms (${checked.map((x) => x.toFixed(0)).join(', ')})`);
console.log(`load with the kept verdict: median ${med(cached).toFixed(0)} ms (${cached.map((x) => x.toFixed(0)).join(', ')})`);
console.log(`saved: ${(med(checked) - med(cached)).toFixed(0)} ms (ratio ${(med(checked) / med(cached)).toFixed(2)}); load average ${loadavg()[0].toFixed(1)}`);
