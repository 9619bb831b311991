import { selectRun } from '../../state/selectors';
import { useStore } from '../../state/store';
import { runAnswer } from '../shared/answer';

/**
 * The run's answer in words at the top of the results: "Answer: 57", or a sentence saying why
 * there is none (stopped early, no `</think>`). While the model is still reasoning it says so.
 */
export function AnswerLine() {
  const run = useStore(selectRun);
  if (!run) return null;
  const a = runAnswer(run);
  if (a.kind === 'answer') {
    return (
      <p className="answer-line" data-testid="answer-line" data-answer={a.text} role="status">
        <span className="answer-label">Answer:</span> <output className="answer-text">{a.text}</output>
      </p>
    );
  }
  return (
    <p className={a.kind === 'none' ? 'answer-line answer-none' : 'answer-line answer-pending'} data-testid="answer-line" data-answer="" role="status">
      {a.kind === 'none' ? `No answer: ${a.why}.` : 'Answer: (the model is still reasoning)'}
    </p>
  );
}
