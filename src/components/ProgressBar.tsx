import type { LoadProgress } from '../engine/protocol';
import { formatBytes } from '../core/plan';

/** "12.3 MB" from bytes; null when unknown. */
export { formatBytes };

const PHASES: Record<LoadProgress['phase'], string> = {
  download: 'Downloading',
  cache: 'Reading from the browser cache',
  read: 'Reading',
  tap: 'Tapping the hidden states',
  session: 'Starting the runtime',
  warmup: 'Warming up',
  parity: 'Checking the backend against a reference',
};

/** One file's (or phase's) progress: a native <progress> with its sizes in words. */
export function ProgressBar({ p }: { readonly p: LoadProgress }) {
  const loaded = formatBytes(p.loaded);
  const total = formatBytes(p.total ?? null);
  const what = p.file ?? p.message ?? '';
  const label = `${PHASES[p.phase]}${what ? ` ${what}` : ''}`;
  const sizes = loaded ? (total ? `${loaded} of ${total}` : loaded) : '';
  const determinate = p.loaded !== undefined && p.total;
  return (
    <div className="progress-row">
      <span className="progress-label">{label}</span>
      <progress aria-label={label} max={determinate ? (p.total ?? 1) : undefined} value={determinate ? p.loaded : undefined} />
      {sizes && <span className="progress-sizes">{sizes}</span>}
    </div>
  );
}
