import { describe, expect, it } from 'vitest';
import { cliLogLevel, parseOrtLine, routeOrtLogs, stripAnsi } from '../../../src/engine/ortLog';
import { cotkChild } from './cliHarness';

/**
 * A graph the CPU kernels cannot run makes onnxruntime print its own ANSI-coloured error line
 * before the exception that cotk explains; only cotk's sentence may reach the terminal.
 */
describe("cotk keeps onnxruntime's own log lines off the terminal", () => {
  for (const runtime of ['node', 'wasm']) {
    it(`on ${runtime}: one sentence, no colour codes`, () => {
      const r = cotkChild(['generate', '--runtime', runtime, '--model', 'public/models/tiny-reasoner', '--variant', 'int4-webgpu', '--prompt', '1+2=?']);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/cannot run tiny-reasoner, int4-webgpu/);
      expect(r.stderr.includes('\u001b[')).toBe(false);
      expect(r.stderr).not.toMatch(/\[E:onnxruntime/);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    });
  }
});

describe('routing onnxruntime log lines (the browser worker)', () => {
  const WARN = '\u001b[0;93m2026-12-06 01:02:03.4 [W:onnxruntime:, session_state.cc:1280 VerifyEachNodeIsAssignedToAnEp] Some nodes were not assigned\u001b[m';
  const ERR = '\u001b[1;31m2026-12-06 01:02:03.4 [E:onnxruntime:, sequential_executor.cc:671 ExecuteKernel] Non-zero status\u001b[m';

  it('sends warnings to debug and errors to error, without colour codes; other lines pass unchanged', () => {
    const seen: [string, unknown[]][] = [];
    const con = {
      error: (...a: unknown[]) => seen.push(['error', a]),
      warn: (...a: unknown[]) => seen.push(['warn', a]),
      debug: (...a: unknown[]) => seen.push(['debug', a]),
    };
    routeOrtLogs(con);
    con.error(WARN);
    con.warn(ERR);
    con.error('something else', 42);
    con.warn('\u001b[31mnot ours\u001b[m');
    expect(seen).toEqual([
      ['debug', [stripAnsi(WARN)]],
      ['error', [stripAnsi(ERR)]],
      ['error', ['something else', 42]],
      ['warn', ['\u001b[31mnot ours\u001b[m']],
    ]);
    expect(parseOrtLine(WARN)?.severity).toBe(2);
  });

  it('reads COTK_ORT_LOG, defaulting to fatal', () => {
    expect(cliLogLevel(undefined)).toBe('fatal');
    expect(cliLogLevel(' Warning ')).toBe('warning');
    expect(cliLogLevel('loud')).toBe('fatal');
  });
});
