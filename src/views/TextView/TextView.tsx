import { memo, useMemo, type KeyboardEvent, type MouseEvent } from 'react';
import { selectToken, setHover, setSpan, setTint } from '../../state/actions';
import { TINT_LABELS, type RunView } from '../../state/derive';
import { selectActive, selectSelected, selectSpan, selectTint } from '../../state/selectors';
import { useStore } from '../../state/store';
import { CAPTIONS } from '../captions';
import { fmt } from '../shared/format';
import { Legend } from '../shared/Legend';
import { SEQUENTIAL, SEGMENT_LABELS } from '../shared/palette';
import { ViewPanel } from '../shared/ViewPanel';
import { textLayout, type TextToken } from './layout';
import { MetricSelect } from '../shared/MetricSelect';
import './textView.css';

interface TokenProps {
  readonly t: TextToken;
  readonly active: boolean;
  readonly selected: boolean;
  readonly inSpan: boolean;
}

/** Equal when everything drawn is equal: a streamed batch rebuilds the layout, but most tokens look the same. */
function sameToken(a: TokenProps, b: TokenProps): boolean {
  return (
    a.active === b.active &&
    a.selected === b.selected &&
    a.inSpan === b.inSpan &&
    a.t.index === b.t.index &&
    a.t.shown === b.t.shown &&
    a.t.breaks === b.t.breaks &&
    a.t.bg === b.t.bg &&
    a.t.fg === b.t.fg &&
    Object.is(a.t.value, b.t.value)
  );
}

/** One token. Memoised: a hover re-renders two tokens, not four thousand. Text goes in as text, never HTML. */
const Token = memo(function Token({ t, active, selected, inSpan }: TokenProps) {
  const cls = ['tok', t.bg ? '' : 'no-value', active ? 'active' : '', selected ? 'selected' : '', inSpan ? 'in-span' : ''].join(' ');
  return (
    <span
      role="option"
      id={`tok-${t.index}`}
      data-index={t.index}
      aria-selected={selected}
      className={cls}
      style={t.bg ? { background: t.bg, color: t.fg ?? undefined } : undefined}
      title={`token ${t.index}: ${fmt(t.value)}`}
    >
      {t.shown}
      {t.breaks > 0 && (
        // In the token's own text colour (it reads on the token's tint, dark or light), one ↵ per newline.
        <span className="newline tok-newline" aria-label={t.breaks > 1 ? `${t.breaks} line breaks` : 'line break'}>
          {'↵'.repeat(t.breaks)}
        </span>
      )}
    </span>
  );
}, sameToken);

function indexOf(e: MouseEvent): number | null {
  const el = (e.target as HTMLElement).closest('[data-index]');
  return el ? Number(el.getAttribute('data-index')) : null;
}


export function TextView({ view, prompt }: { readonly view: RunView; readonly prompt: string }) {
  const tint = useStore(selectTint);
  const active = useStore(selectActive);
  const selected = useStore(selectSelected);
  const span = useStore(selectSpan);
  const layout = useMemo(() => textLayout(view.rows, tint), [view.rows, tint]);
  const n = view.rows.length;

  const onKey = (e: KeyboardEvent) => {
    if (n === 0) return;
    const cur = active ?? -1;
    const go = (i: number) => {
      e.preventDefault();
      setHover(Math.min(n - 1, Math.max(0, i)));
    };
    if (e.key === 'ArrowRight' || e.key === 'ArrowDown') go(cur + 1);
    else if (e.key === 'ArrowLeft' || e.key === 'ArrowUp') go(cur < 0 ? n - 1 : cur - 1);
    else if (e.key === 'Home') go(0);
    else if (e.key === 'End') go(n - 1);
    else if ((e.key === 'Enter' || e.key === ' ') && active !== null) {
      e.preventDefault();
      selectToken(active);
    } else if (e.key === 'Escape') {
      setHover(null);
      setSpan(null);
    }
  };

  const counts = { reasoning: 0, answer: 0 };
  for (const r of view.rows) if (r.segment === 'reasoning' || r.segment === 'answer') counts[r.segment]++;
  const controls = <MetricSelect label="Tint by" value={tint} onChange={setTint} />;
  return (
    <ViewPanel
      title="Text"
      testId="view-text"
      caption={CAPTIONS.text}
      controls={controls}
      summary={
        <>
          {counts.reasoning} reasoning tokens in {layout.steps} {layout.steps === 1 ? 'step' : 'steps'}, {counts.answer} answer tokens.
          {layout.missing > 0 && ` ${layout.missing} tokens have no ${TINT_LABELS[tint].toLowerCase()} (no states kept) and are not tinted.`}
        </>
      }
    >
      {prompt && (
        <p className="prompt-text">
          <span className="label">Prompt</span> {prompt}
        </p>
      )}
      <div
        className="token-text"
        role="listbox"
        tabIndex={0}
        aria-label="Output tokens: arrow keys move, Enter selects, Escape clears"
        aria-activedescendant={active !== null && active < n ? `tok-${active}` : undefined}
        onMouseOver={(e) => {
          const i = indexOf(e);
          if (i !== null) setHover(i);
        }}
        onMouseLeave={() => setHover(null)}
        onClick={(e) => {
          const i = indexOf(e);
          if (i !== null) selectToken(i);
        }}
        onKeyDown={onKey}
      >
        {layout.blocks.map((b, bi) => (
          <div key={bi} className={`block seg-${b.segment}`} role="group" aria-label={SEGMENT_LABELS[b.segment]}>
            {b.segment !== 'other' && <div className="block-label" aria-hidden="true">{SEGMENT_LABELS[b.segment]}</div>}
            {b.lines.map((l, li) => (
              <div key={li} className="line" data-step={l.step || undefined}>
                <span className="gutter" aria-hidden="true">
                  {l.step || ''}
                </span>
                {l.tokens.map((t) => (
                  <Token
                    key={t.index}
                    t={t}
                    active={t.index === active}
                    selected={t.index === selected}
                    inSpan={span !== null && t.index >= span[0] && t.index <= span[1]}
                  />
                ))}
              </div>
            ))}
          </div>
        ))}
      </div>
      <Legend label={TINT_LABELS[tint]} domain={layout.domain} interpolator={SEQUENTIAL} lowNote="(low)" highNote="(high)" />
    </ViewPanel>
  );
}
