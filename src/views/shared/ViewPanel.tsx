import { useId, type ReactNode } from 'react';
import { useStore } from '../../state/store';
import { selectEducator } from '../../state/selectors';

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
}

/** The frame every view shares: heading, controls, the chart, a summary, the caption and the table. */
export function ViewPanel({ title, summary, caption, controls, children, table, className, testId }: ViewPanelProps) {
  const id = useId();
  const educator = useStore(selectEducator);
  return (
    <section className={`view ${className ?? ''}`} aria-labelledby={`${id}-h`} data-testid={testId}>
      <div className="view-head">
        <h3 id={`${id}-h`}>{title}</h3>
        {controls && <div className="view-controls">{controls}</div>}
      </div>
      {educator && (
        <p className="caption" role="note">
          {caption}
        </p>
      )}
      {children}
      <p className="view-summary">{summary}</p>
      {table}
    </section>
  );
}
