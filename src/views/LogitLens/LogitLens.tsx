import { useEffect, useMemo } from 'react';
import { ErrorNote } from '../../components/ErrorNote';
import type { RunResult } from '../../engine/protocol';
import { requestLens } from '../../state/actions';
import type { RunView } from '../../state/derive';
import { lensKey, vocabularyOf } from '../../state/lens';
import { selectEvents, selectRun } from '../../state/selectors';
import { useStore } from '../../state/store';
import { CAPTIONS } from '../captions';
import { tokenLabel } from '../shared/format';
import { ViewPanel } from '../shared/ViewPanel';
import { lensTable, lensVocabulary, pct, spell, type LensCell, type LensTable } from './layout';
import './lens.css';
import { useLensTarget } from './useLensTarget';

/** A token as a chip: its text with whitespace made visible, boxed so "-" or "." never reads as an empty cell. */
function Chip({ cell }: { readonly cell: LensCell }) {
  return (
    <code className={cell.known ? 'lens-chip' : 'lens-chip lens-unknown'} title={cell.known ? `token id ${cell.id}` : `token id ${cell.id}: no spelling`}>
      {cell.label}
    </code>
  );
}

function Table({ table, index, label, next, targetId }: { table: LensTable; index: number; label: string; next: string; targetId: number | null }) {
  const L = table.rows.length - 1;
  return (
    <table className="scores lens-table" data-testid="lens-table" data-target-id={targetId ?? undefined} data-settles={table.settlesAt ?? undefined}>
      <caption>
        Logit lens after token {index} “{label}”: what each layer would predict next{targetId !== null ? `; the token that follows is “${next}”` : ''}.
      </caption>
      <thead>
        <tr>
          <th scope="col">Layer</th>
          <th scope="col">Top prediction</th>
          <th scope="col">p(top)</th>
          <th scope="col">{targetId !== null ? `p(“${next}”)` : 'p(next)'}</th>
          <th scope="col">Next four</th>
        </tr>
      </thead>
      <tbody>
        {table.rows.map((r) => {
          const settles = r.layer === table.settlesAt;
          const cls = [r.topIsTarget ? 'lens-hit' : '', r.topIsFinal && table.settlesAt !== null && r.layer >= table.settlesAt ? 'lens-settled' : '', settles ? 'lens-settle' : ''].filter(Boolean).join(' ');
          return (
            <tr key={r.layer} data-layer={r.layer} className={cls || undefined} data-settle={settles || undefined}>
              <th scope="row">
                {r.layer === 0 ? '0 (embedding)' : r.layer === L ? `${r.layer} (last)` : r.layer}
                {settles && (
                  <span className="lens-settle-mark" data-testid="lens-settle-mark" title="From this layer on, the top prediction is the model’s final one">
                    {' '}
                    ◆ settles
                  </span>
                )}
              </th>
              <td className="lens-top" data-id={r.top.id}>
                <Chip cell={r.top} />
              </td>
              <td className="num">{pct(r.top.p)}</td>
              <td className="num">{pct(r.targetProb)}</td>
              <td className="lens-others">
                {r.others.map((c) => (
                  <span key={c.id} data-id={c.id} className="lens-other">
                    <Chip cell={c} /> {pct(c.p)}
                  </span>
                ))}
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

/**
 * The logit lens for the hovered or picked token: the model's own read-out applied to each layer's
 * state at that token's position (see src/state/lens.ts for why "next"). The table is the view.
 */
export function LogitLens({ view, result }: { readonly view: RunView; readonly result: RunResult | null }) {
  const target = useLensTarget();
  const run = useStore(selectRun);
  const events = useStore(selectEvents);
  const runId = run?.id ?? '';
  const entry = useStore((s) => (target !== null && runId ? s.lens[lensKey(runId, target)] : undefined));
  const pageVocab = useMemo(() => vocabularyOf(events), [events]);
  const spelled = entry?.spelled;
  const vocab = useMemo(() => lensVocabulary(pageVocab, spelled), [pageVocab, spelled]);
  const valid = target !== null && target < view.rows.length;
  useEffect(() => {
    if (result && valid) void requestLens(target);
  }, [result, valid, target, runId]);
  const row = valid ? view.rows[target] : undefined;
  const label = row ? tokenLabel(row.text) : '';
  const targetId = entry?.targetId ?? null;
  const next = targetId === null ? '' : spell(targetId, vocab).label;
  const table = useMemo(() => (entry?.rows ? lensTable(entry.rows, targetId, vocab) : null), [entry, targetId, vocab]);
  let body;
  if (!result) body = <p className="note" data-testid="lens-note">The logit lens reads the run’s kept states, so it is computed once the run has finished.</p>;
  else if (!row) body = <p className="note" data-testid="lens-note">Point at or pick a token in any view to see what each layer would predict after it.</p>;
  else if (!entry || entry.status === 'loading') body = <p className="note" role="status" data-testid="lens-note">Computing the logit lens for token {target} “{label}”…</p>;
  else if (entry.status === 'unavailable') body = <p className="note" data-testid="lens-note">{entry.error}</p>;
  else if (entry.status === 'error') body = <ErrorNote message={entry.error} testId="lens-error" />;
  else if (table && target !== null) body = <Table table={table} index={target} label={label} next={next} targetId={targetId} />;
  const L = table ? table.rows.length - 1 : 0;
  const summary = !table
    ? 'Per layer: the token it would predict next, its probability, and the probability of the token that actually follows.'
    : `${
        targetId === null
          ? 'This is the last output token: nothing follows it.'
          : table.rows.some((r) => r.topIsTarget)
            ? `The token that follows (“${next}”) is the top prediction at layer${table.rows.filter((r) => r.topIsTarget).length > 1 ? 's' : ''} ${table.rows.filter((r) => r.topIsTarget).map((r) => r.layer).join(', ')}.`
            : `No layer’s top prediction is the token that follows (“${next}”).`
      }${
        table.final && table.settlesAt !== null
          ? ` The final prediction “${table.final.label}” settles at layer ${table.settlesAt} of ${L} (◆): from there on every layer’s top prediction is the last layer’s.`
          : ''
      }${table.unknownIds ? ' Tokens shown as #id could not be spelled (the engine gave no text for them).' : ''}`;
  return (
    <ViewPanel title="Logit lens" testId="view-lens" className={table ? 'view-lens' : undefined} caption={CAPTIONS.lens} summary={summary}>
      {body}
    </ViewPanel>
  );
}
