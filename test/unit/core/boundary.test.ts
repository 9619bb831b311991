import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve, dirname } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../paths';

const CORE = resolve(REPO_ROOT, 'src/core');
const FORBIDDEN = /^(react|react-dom|onnxruntime-(web|node|common)|@huggingface\/transformers|comlink|d3-selection|d3|zustand)(\/|$)/;

/** Every module specifier in a source text: static imports/exports, dynamic import(), require(). */
export function specifiers(source: string): string[] {
  const out: string[] = [];
  const re = /(?:\bimport\s*(?:[\w*{}\s,]+\s*from\s*)?|\bexport\s*[\w*{}\s,]*\s*from\s*|\bimport\s*\(\s*|\brequire\s*\(\s*)['"]([^'"]+)['"]/g;
  for (let m = re.exec(source); m; m = re.exec(source)) out.push(m[1]);
  return out;
}

/** Problems with one file's imports: forbidden packages, any other package, or a path out of src/core. */
export function violations(file: string, source: string): string[] {
  const problems: string[] = [];
  for (const spec of specifiers(source)) {
    if (spec.startsWith('.')) {
      const target = resolve(dirname(file), spec);
      if (relative(CORE, target).startsWith('..')) problems.push(`${spec} leaves src/core`);
    } else if (FORBIDDEN.test(spec)) {
      problems.push(`${spec} is a runtime/UI library`);
    } else {
      problems.push(`${spec}: src/core takes no package imports`);
    }
  }
  return problems;
}

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : /\.(ts|tsx|js|mjs)$/.test(e.name) ? [join(dir, e.name)] : [],
  );
}

describe('src/core import boundary', () => {
  it('catches the imports it forbids', () => {
    const f = join(CORE, 'x.ts');
    expect(violations(f, "import React from 'react';")).toHaveLength(1);
    expect(violations(f, "import * as ort from 'onnxruntime-web';")).toHaveLength(1);
    expect(violations(f, "import { pipeline } from '@huggingface/transformers';")).toHaveLength(1);
    expect(violations(f, "import { wrap } from 'comlink'")).toHaveLength(1);
    expect(violations(f, "export { select } from 'd3-selection';")).toHaveLength(1);
    expect(violations(f, "const m = await import('onnxruntime-node');")).toHaveLength(1);
    expect(violations(f, "import type { X } from '../engine/protocol';")).toHaveLength(1);
    expect(violations(f, "import { mean } from './linalg';\nimport type { Span } from './tensor';")).toEqual([]);
  });

  it('holds for every file in src/core', () => {
    const files = sources(CORE);
    expect(files.length).toBeGreaterThan(5);
    const problems = files.flatMap((f) => violations(f, readFileSync(f, 'utf8')).map((p) => `${relative(REPO_ROOT, f)}: ${p}`));
    expect(problems).toEqual([]);
  });
});
