import { createRoot } from 'react-dom/client';
import '../../../src/app/app.css';
import '../../../src/app/views.css';
import { App } from '../../../src/app/App';
import { setGamma, stepLayer } from '../../../src/state/actions';
import { useStore } from '../../../src/state/store';
import { benchRun, BENCH_LAYERS } from '../synth';

/**
 * The whole app without an engine, holding the 4k × 29 benchmark run, with a few timed
 * interactions for bench/ui/run.ts. Each measures from the input to the first frame after the DOM
 * has stopped changing: React's commit, the canvases' redraw effects, and a paint.
 */
const frame = () => new Promise<number>((r) => requestAnimationFrame(() => r(performance.now())));

async function settle(t0: number): Promise<number> {
  let changed = false;
  let last = t0;
  const mo = new MutationObserver(() => (changed = true));
  mo.observe(document.body, { subtree: true, childList: true, attributes: true, characterData: true });
  // Wait until one frame passes with no DOM change after at least one change (or 2 s).
  for (let quiet = 0; quiet < 1 && performance.now() - t0 < 2000; ) {
    const t = await frame();
    if (changed) {
      changed = false;
      last = t;
      quiet = 0;
    } else if (last > t0) quiet++;
  }
  mo.disconnect();
  return last - t0;
}

const token = (i: number) => document.getElementById(`tok-${i}`) as HTMLElement;

const bench = {
  ready: false,
  setup(): number {
    const t0 = performance.now();
    const s = benchRun();
    useStore.setState({ run: { id: 'bench', kind: 'generate', prompt: s.prompt, status: 'done', events: s.events, result: s.result, error: null }, educator: false });
    return performance.now() - t0;
  },
  async hover(i: number): Promise<number> {
    const t0 = performance.now();
    token(i).dispatchEvent(new MouseEvent('mouseover', { bubbles: true }));
    const ms = await settle(t0);
    const ok = [
      document.querySelector('.tok.active'),
      document.querySelector('[data-testid="strip-cursor"]'),
      document.querySelector('[data-testid="heat-cursor"]'),
      document.querySelector('g.traj[data-active]'),
    ].every(
      (el) => el?.getAttribute('data-index') === String(i),
    );
    if (!ok) throw new Error(`hover ${i} did not reach every view`);
    return ms;
  },
  async gamma(v: number): Promise<number> {
    const t0 = performance.now();
    setGamma(v);
    return settle(t0);
  },
  async layer(delta: number): Promise<number> {
    const t0 = performance.now();
    stepLayer(delta, BENCH_LAYERS);
    return settle(t0);
  },
};

(window as unknown as { bench: typeof bench }).bench = bench;
createRoot(document.getElementById('root') as HTMLElement).render(<App />);
bench.ready = true;
