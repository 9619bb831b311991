import { useEffect, useMemo } from 'react';
import { useHistorySettings } from '../history/settings';
import { currentParse } from '../state/actions';
import { planAppRun, setPlanDevice, useRunPlans } from '../state/runPlan';
import { useStore } from '../state/store';
import { probeDevice } from './deviceProbe';

/**
 * One line under the run controls: what the next run will need against this device (the memory
 * planner, src/core/plan.ts), and, when the last run had to give something up (its states in
 * history, kept states, length), the sentence that says what it gave up. Never blocks typing: the
 * plan is arithmetic on the model's config and the drafted text's length.
 */
export function MemoryPlanLine({ probe = probeDevice }: { readonly probe?: typeof probeDevice }) {
  const info = useStore((s) => s.model.info);
  const mode = useStore((s) => s.mode);
  const question = useStore((s) => s.question);
  const trace = useStore((s) => s.trace);
  const fields = useStore((s) => `${s.fieldPrompt}${s.fieldReasoning}${s.fieldAnswer}`);
  const pasteFormat = useStore((s) => s.pasteFormat);
  const run = useStore((s) => s.run);
  const keep = useHistorySettings((s) => s.keepStates);
  const device = useRunPlans((s) => s.device);
  const lastPlan = useRunPlans((s) => (run ? s.byRun[run.id] : undefined));

  useEffect(() => {
    let live = true;
    if (useRunPlans.getState().device === null) {
      probe().then(
        (d) => live && setPlanDevice(d),
        () => undefined,
      );
    }
    return () => {
      live = false;
    };
  }, [probe]);

  const next = useMemo(() => {
    if (mode === 'ask') return planAppRun(info, 'generate', question.length);
    const parsed = currentParse();
    return parsed.ok ? planAppRun(info, 'score', parsed.prompt.length, parsed.output.length) : planAppRun(info, 'score', (pasteFormat === 'fields' ? fields : trace).length, 0);
    // device and keep change the plan through the stores planAppRun reads.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [info, mode, question, trace, fields, pasteFormat, keep, device]);

  if (!next && !lastPlan) return null;
  return (
    <div className="memory-plan">
      {lastPlan && lastPlan.verdict !== 'go' && run && (
        <p className="note" role="status" data-testid="run-memory-plan" data-verdict={lastPlan.verdict}>
          This run: {lastPlan.sentence}
        </p>
      )}
      {next && (!lastPlan || lastPlan.sentence !== next.sentence || run?.status === 'done' || run?.status === 'cancelled' || run?.status === 'error') && (
        <p className="note" data-testid="memory-plan" data-verdict={next.verdict}>
          {next.verdict === 'go' ? next.sentence : `Next run: ${next.sentence}`}
        </p>
      )}
    </div>
  );
}
