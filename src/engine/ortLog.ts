/**
 * onnxruntime's own log lines (its C++ logger: "[W:onnxruntime:, session_state.cc:… ]") come with
 * raw ANSI colour codes and reach the console as errors, even for a warning such as the WebGPU
 * node-placement note (shape ops kept on the CPU). In the browser worker they are routed by their
 * own severity — warnings and below to console.debug, errors to console.error — with the colour
 * codes stripped; in Node (`cotk`) the runtime is told to log nothing below fatal, since every error
 * it would print also comes back as an exception that `cotk` explains in one line.
 */

export type OrtLogLevel = 'verbose' | 'info' | 'warning' | 'error' | 'fatal';
const LEVELS: readonly OrtLogLevel[] = ['verbose', 'info', 'warning', 'error', 'fatal'];

/** The session option for a level (0 verbose … 4 fatal). */
export function logSeverity(level: OrtLogLevel): 0 | 1 | 2 | 3 | 4 {
  return LEVELS.indexOf(level) as 0 | 1 | 2 | 3 | 4;
}

/**
 * `COTK_ORT_LOG=warning` (any of the five names) shows more of the runtime's log in `cotk`, as the
 * runtime writes it (its native code and its wasm build in Node write to the terminal directly, colour
 * codes included); anything else is the default, fatal.
 */
export function cliLogLevel(env: string | undefined): OrtLogLevel {
  return LEVELS.find((l) => l === env?.trim().toLowerCase()) ?? 'fatal';
}

// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[[0-9;]*[A-Za-z]/g;

export function stripAnsi(s: string): string {
  return s.replace(ANSI, '');
}

const ORT_LINE = /\[([VIWEF]):onnxruntime/;
const SEVERITY: Readonly<Record<string, number>> = { V: 0, I: 1, W: 2, E: 3, F: 4 };

/** An onnxruntime log line's severity (0 verbose … 4 fatal) and its text without colour codes; null for any other line. */
export function parseOrtLine(text: string): { severity: number; text: string } | null {
  const plain = stripAnsi(text);
  const m = ORT_LINE.exec(plain);
  return m ? { severity: SEVERITY[m[1]], text: plain.trim() } : null;
}

interface ConsoleLike {
  error: (...args: unknown[]) => void;
  warn: (...args: unknown[]) => void;
  debug: (...args: unknown[]) => void;
}

export interface RouteOptions {
  /** Lines of this severity and above go to console.error (default 3: errors). */
  readonly errorFrom?: number;
  /** Where the lines below it go (default console.debug). */
  readonly quiet?: (text: string) => void;
}

/**
 * Wraps console.error and console.warn so that onnxruntime's lines lose their colour codes and go
 * by their own severity: errors to console.error, the rest to `quiet`. Other lines pass unchanged.
 */
export function routeOrtLogs(con: ConsoleLike = console, opts: RouteOptions = {}): void {
  const error = con.error.bind(con);
  const quiet = opts.quiet ?? con.debug.bind(con);
  const errorFrom = opts.errorFrom ?? SEVERITY.E;
  for (const method of ['error', 'warn'] as const) {
    const original = con[method].bind(con);
    con[method] = (...args: unknown[]) => {
      const line = typeof args[0] === 'string' ? parseOrtLine(args.map(String).join(' ')) : null;
      if (!line) original(...args);
      else if (line.severity >= errorFrom) error(line.text);
      else quiet(line.text);
    };
  }
}
