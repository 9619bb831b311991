import { useId, useRef, useState, type ReactNode } from 'react';
import { ErrorNote } from '../../components/ErrorNote';
import { downloadBlob, fileStem } from '../../record/download';
import { defaultRunName } from '../../record/snapshot';
import { errorSentence } from '../../state/errors';
import { useStore } from '../../state/store';
import { selectEducator } from '../../state/selectors';
import { chartToPng, chartToSvg } from './chartExport';
import './chartExport.css';

interface ViewPanelProps {
  readonly title: string;
  /** One or two sentences of what the chart shows now, in words (always present, for screen readers too). */
  readonly summary: ReactNode;
  /** Educator mode's plain-language caption. */
  readonly caption: string;
  readonly controls?: ReactNode;
  readonly children: ReactNode;
  readonly table?: ReactNode;
  readonly className?: string;
  readonly testId?: string;
  /**
   * A view that paints on a canvas hands its canvas layer as SVG markup (same layout, canvas pixel
   * coordinates) so the SVG download is vector throughout; without it the canvas goes in as pixels.
   */
  readonly vector?: () => string;
}

/** The view's short name in file names: "view-strip" → "strip". */
function viewSlug(testId: string | undefined, title: string): string {
  return testId?.replace(/^view-/, '') || fileStem(title);
}

/** The frame every view shares: heading, controls, SVG/PNG downloads, the chart, a summary, the caption and the table. */
export function ViewPanel({ title, summary, caption, controls, children, table, className, testId, vector }: ViewPanelProps) {
  const id = useId();
  const educator = useStore(selectEducator);
  const run = useStore((s) => s.run);
  const body = useRef<HTMLDivElement | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const slug = viewSlug(testId, title);

  const save = async (kind: 'svg' | 'png') => {
    const el = body.current;
    if (!el) return;
    setError(null);
    setBusy(true);
    try {
      const src = { body: el, title, vector };
      const blob = kind === 'svg' ? chartToSvg(src) : await chartToPng(src);
      downloadBlob(blob, `${fileStem(run ? defaultRunName(run) : 'cotk')}-${slug}.${kind}`);
    } catch (e) {
      setError(errorSentence(e, `The ${kind.toUpperCase()} of “${title}” could not be made`));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className={`view ${className ?? ''}`} aria-labelledby={`${id}-h`} data-testid={testId}>
      <div className="view-head">
        <h3 id={`${id}-h`}>{title}</h3>
        <div className="view-controls">
          {controls}
          <span className="chart-export" role="group" aria-label="Download this chart">
            <button type="button" onClick={() => void save('svg')} disabled={busy} aria-label={`Download “${title}” as SVG`} data-testid={`export-svg-${slug}`}>
              SVG
            </button>
            <button type="button" onClick={() => void save('png')} disabled={busy} aria-label={`Download “${title}” as PNG`} data-testid={`export-png-${slug}`}>
              PNG
            </button>
          </span>
        </div>
      </div>
      <ErrorNote message={error} testId={`export-error-${slug}`} />
      {educator && (
        <p className="caption" role="note">
          {caption}
        </p>
      )}
      <div className="view-body" ref={body}>
        {children}
      </div>
      <p className="view-summary">{summary}</p>
      {table}
    </section>
  );
}
