/**
 * What every bench records about the machine it ran on, and the table it writes it as in
 * docs/benchmarks.md (bench/engine and bench/batch share these rows, so the sections read alike).
 */
import { readFileSync } from 'node:fs';
import { cpus, loadavg, release, totalmem, type as osType } from 'node:os';
import { resolve } from 'node:path';
import { REPO_ROOT } from '../../test/paths';

export interface Host {
  readonly date: string;
  readonly cpu: string;
  readonly cores: number;
  readonly memory: string;
  readonly os: string;
  readonly node: string;
  readonly ortNode: string;
  readonly ortWeb: string;
}

/** The installed version of a package of this checkout. */
export function pkgVersion(name: string): string {
  return (JSON.parse(readFileSync(resolve(REPO_ROOT, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
}

function cpuModel(): string {
  try {
    const m = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    if (m) return m[1].trim();
  } catch {
    // not Linux: fall through
  }
  return cpus()[0]?.model ?? 'unknown';
}

/** This machine, today, and the ONNX Runtime packages installed. */
export function hostInfo(): Host {
  return {
    date: new Date().toISOString().slice(0, 10),
    cpu: cpuModel(),
    cores: cpus().length,
    memory: `${Math.round(totalmem() / 2 ** 30)} GiB`,
    os: `${osType()} ${release()}`,
    node: process.version,
    ortNode: pkgVersion('onnxruntime-node'),
    ortWeb: pkgVersion('onnxruntime-web'),
  };
}

/** Notes the 1-minute load average now; the function it returns says how it went ("x at the start, y at the end"). */
export function watchLoad(): () => string {
  const before = loadavg()[0];
  return () => `${before.toFixed(1)} at the start, ${loadavg()[0].toFixed(1)} at the end`;
}

/** The machine table's first rows, the same in every bench: date, CPU, OS, Node, Chromium. */
export function hostRows(m: Host & { readonly chromium: string }): [string, string][] {
  return [
    ['date', m.date],
    ['CPU', `${m.cpu} (from /proc/cpuinfo), ${m.cores} cores, ${m.memory}`],
    ['OS', m.os],
    ['Node', m.node],
    ['Chromium', `${m.chromium} (Debian, headless via playwright-core)`],
  ];
}

/** A two-column Markdown table with an empty header, `|` escaped in the values. */
export function keyValueTable(rows: readonly (readonly [string, string])[]): string {
  return ['| | |', '| --- | --- |', ...rows.map(([k, v]) => `| ${k} | ${v.replace(/\|/g, '\\|')} |`)].join('\n');
}
