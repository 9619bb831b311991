import { useMemo, type KeyboardEvent } from 'react';
import { setPasteFormat, setTrace, setTraceField } from '../state/actions';
import { parseTraceFields, parseTraceText, type ParsedTrace } from '../state/parseTrace';
import type { PasteFormat } from '../state/slices';
import { useStore } from '../state/store';

const FORMAT_NAMES: Record<ParsedTrace['format'], string> = {
  'think-text': 'plain text with <think>…</think>',
  json: 'a JSON message',
  fields: 'separate fields',
};

/** What the parser found, said before anything runs. */
function ParseSummary({ parsed }: { parsed: ParsedTrace }) {
  const c = parsed.counts;
  const part = (name: string, n: number) => (n > 0 ? `${name} (${n} characters)` : null);
  const found = [part('prompt', c.prompt), part('reasoning', c.reasoning), part('answer', c.answer)].filter(Boolean);
  return (
    <div className="parse-summary" role="status" data-testid="parse-summary">
      {found.length > 0 && (
        <p>
          Read as {FORMAT_NAMES[parsed.format]}: found {found.join(', ')}.
        </p>
      )}
      {parsed.problems.length > 0 && (
        <ul className="problems">
          {parsed.problems.map((p) => (
            <li key={p}>{p}</li>
          ))}
        </ul>
      )}
      {parsed.notes.length > 0 && (
        <ul className="notes">
          {parsed.notes.map((p) => (
            <li key={p}>{p}</li>
          ))}
        </ul>
      )}
    </div>
  );
}

export function PastePanel({ onSubmitKey }: { readonly onSubmitKey: (e: KeyboardEvent) => void }) {
  const format = useStore((s) => s.pasteFormat);
  const trace = useStore((s) => s.trace);
  const prompt = useStore((s) => s.fieldPrompt);
  const reasoning = useStore((s) => s.fieldReasoning);
  const answer = useStore((s) => s.fieldAnswer);
  const parsed = useMemo(
    () => (format === 'fields' ? parseTraceFields({ prompt, reasoning, answer }) : parseTraceText(trace)),
    [format, trace, prompt, reasoning, answer],
  );
  const touched = format === 'fields' ? prompt + reasoning + answer !== '' : trace !== '';
  return (
    <>
      <fieldset className="paste-format">
        <legend>How the trace is given</legend>
        {(
          [
            ['text', 'One text: plain with <think>…</think>, or a JSON message'],
            ['fields', 'Separate prompt, reasoning and answer'],
          ] as [PasteFormat, string][]
        ).map(([id, label]) => (
          <label key={id} className="inline radio">
            <input type="radio" name="paste-format" value={id} checked={format === id} onChange={() => setPasteFormat(id)} /> {label}
          </label>
        ))}
      </fieldset>
      {format === 'text' ? (
        <>
          <label htmlFor="trace">Finished trace (prompt, then &lt;think&gt;…&lt;/think&gt; and the answer; or a JSON message with reasoning_content)</label>
          <textarea id="trace" rows={10} value={trace} onChange={(e) => setTrace(e.target.value)} onKeyDown={onSubmitKey} spellCheck={false} />
        </>
      ) : (
        <>
          <label htmlFor="field-prompt">Prompt</label>
          <textarea id="field-prompt" rows={2} value={prompt} onChange={(e) => setTraceField('fieldPrompt', e.target.value)} onKeyDown={onSubmitKey} />
          <label htmlFor="field-reasoning">Reasoning (without the &lt;think&gt; tags)</label>
          <textarea id="field-reasoning" rows={6} value={reasoning} onChange={(e) => setTraceField('fieldReasoning', e.target.value)} onKeyDown={onSubmitKey} />
          <label htmlFor="field-answer">Answer</label>
          <textarea id="field-answer" rows={2} value={answer} onChange={(e) => setTraceField('fieldAnswer', e.target.value)} onKeyDown={onSubmitKey} />
        </>
      )}
      {touched && <ParseSummary parsed={parsed} />}
    </>
  );
}
