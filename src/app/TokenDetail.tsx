import type { RunView } from '../state/derive';
import { selectActive, selectSelected } from '../state/selectors';
import { useStore } from '../state/store';
import { fmt, tokenLabel } from '../views/shared/format';
import { SEGMENT_LABELS } from '../views/shared/palette';

/** The token picked in any view, with its numbers: the views' shared readout. */
export function TokenDetail({ view }: { readonly view: RunView }) {
  const active = useStore(selectActive);
  const selected = useStore(selectSelected);
  const r = active !== null ? view.rows[active] : undefined;
  if (!r) {
    return (
      <p className="token-detail note" data-testid="token-detail">
        Point at or pick a token in any view to see it highlighted in all of them.
      </p>
    );
  }
  return (
    <dl className="token-detail" data-testid="token-detail" aria-label={`Token ${r.index}${selected === r.index ? ' (picked)' : ''}`}>
      <dt>Token</dt>
      <dd>
        {r.index} “{tokenLabel(r.text)}” · {SEGMENT_LABELS[r.segment]}
        {selected === r.index ? ' · picked' : ''}
      </dd>
      <dt>p(token)</dt>
      <dd>{fmt(Math.exp(r.logProb))}</dd>
      <dt>Entropy</dt>
      <dd>{fmt(r.entropy)}</dd>
      <dt>K · P · E</dt>
      <dd>
        {fmt(r.kinetic)} · {fmt(r.curvature)} · {fmt(r.energy)}
      </dd>
    </dl>
  );
}
