import { existsSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import { fitProfile, graphHash, ProfileError, profileKeyOf, serializeProfile, V2_BARRIER, V2_KAPPA, type CalibrationProfile, type CalibrationRow } from '../core/calibration/index';
import { asCliError, flagNumber, flagString } from './engineSetup';
import { CliError, parseArgs, readInput, type CliIo } from './io';
import { loadModelDir } from './modelDir';

export const CALIBRATE_USAGE = `usage: cotk calibrate --in scored.jsonl --out profile.json --model DIR [--variant V] [options]
  Fits a calibration profile (docs/calibration.md) on labelled traces scored by cotk batch (or written by
  cotk batch --generate): for every scorer its reference distribution and an isotonic map to P(correct),
  and the verdict, an L2 logistic regression over standardised scores, with held-out metrics from k-fold
  cross-validation split by trace id (AUROC, AUPR, FPR95, ECE, Brier, log loss). cotk batch and cotk generate
  then add "verdict" to each trace's scores (--calibration FILE, or calibration.json in the model folder).
  The profile is for one model: --model (and --variant) name the graph the traces were scored with; its key
  is the folder's name, the graph's hash and the variant. At least 30 traces with both labels are needed.
  --in FILE       cotk batch output lines (JSON lines; the metrics line is skipped; - for standard input)
  --out FILE      the profile (JSON); written whole or not at all, never over a file that is not a profile
  --model DIR     the model folder the traces were scored with (only its graph is read: no model is run)
  --variant V     which graph of the folder (as for cotk batch)
  --name NAME     the data set's name stored in the profile (default: the input file's name)
  --folds K       k of the cross-validation (default 5)
  --seed S        seed of the fold assignment (default 0)`;

/** The labelled rows of cotk batch output text; a CliError naming the line for anything else. */
export function readScoredRows(text: string, name: string): CalibrationRow[] {
  const rows: CalibrationRow[] = [];
  const lines = text.split('\n');
  lines.forEach((raw, i) => {
    const l = raw.trim();
    if (l === '') return;
    const at = `${name} line ${i + 1}`;
    let v: unknown;
    try {
      v = JSON.parse(l);
    } catch {
      throw new CliError(`${at} is not JSON (cotk calibrate reads the JSON lines cotk batch writes)`);
    }
    if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new CliError(`${at} is not a JSON object`);
    const o = v as Record<string, unknown>;
    if ('metrics' in o && !('scores' in o)) return; // the metrics line of a run with --out -
    const scores = o.scores;
    if (typeof scores !== 'object' || scores === null || Array.isArray(scores)) {
      throw new CliError(`${at} has no "scores" object: score the traces with cotk batch first, then calibrate on its output`);
    }
    if (o.label !== 0 && o.label !== 1) {
      throw new CliError(`${at} has ${o.label === undefined ? 'no "label"' : `label ${JSON.stringify(o.label)}`}: a profile is fitted on labelled traces (label 0 = incorrect, 1 = correct)`);
    }
    const s: Record<string, number | null> = {};
    for (const [k, x] of Object.entries(scores as Record<string, unknown>)) {
      if (k === '__proto__') continue;
      if (x !== null && typeof x !== 'number') throw new CliError(`${at}: scores.${k} is ${JSON.stringify(x)}, not a number or null`);
      s[k] = x as number | null;
    }
    rows.push({ id: o.id, label: o.label, scores: s });
  });
  return rows;
}

/** Writes `text` to `path` whole or not at all (a temporary file renamed over it). */
function writeAtomically(path: string, text: string): void {
  const tmp = `${path}.${process.pid}.tmp`;
  try {
    writeFileSync(tmp, text);
    renameSync(tmp, path);
  } catch (e) {
    if (existsSync(tmp)) unlinkSync(tmp);
    throw new CliError(`cannot write ${path}: ${(e as Error).message}`);
  }
}

/** Refuses to replace a file that is not a calibration profile (it may be the user's data). */
function checkOverwrite(path: string, inPath: string): void {
  if (path === inPath) throw new CliError(`--out ${path} is the input file; write the profile to another file`);
  if (!existsSync(path)) return;
  let head = '';
  try {
    head = readFileSync(path, 'utf8').slice(0, 200);
  } catch {
    return;
  }
  if (!/^\s*\{\s*"format"\s*:\s*"cotk-calibration"/.test(head)) {
    throw new CliError(`${path} exists and is not a calibration profile; cotk calibrate does not write over it (choose another --out or move the file)`);
  }
}

const f3 = (x: number): string => x.toFixed(3);

/** The profile's numbers for people (stderr). */
export function profileSummary(p: CalibrationProfile): string {
  const h = p.verdict.heldOut;
  const lines = [
    `profile for ${p.key.model} (${p.key.dtype}) on ${p.dataset.n} traces of "${p.dataset.name}", accuracy ${p.dataset.accuracy.toFixed(4)}`,
    `verdict (${p.verdict.features.length} features), held out over ${h.folds} folds by trace id: AUROC ${f3(h.auroc)}, AUPR ${f3(h.aupr)}, FPR95 ${f3(h.fpr95)}, ECE ${f3(h.ece)}, Brier ${f3(h.brier)}, log loss ${f3(h.logLoss)}`,
    'each scorer through its own isotonic map, held out:',
  ];
  for (const [k, s] of Object.entries(p.scorers)) {
    lines.push(`  ${k.padEnd(17)} ${s.heldOut ? `AUROC ${f3(s.heldOut.auroc)}  ECE ${f3(s.heldOut.ece)}  Brier ${f3(s.heldOut.brier)}` : '—'}${s.missing ? `  (${s.missing} null)` : ''}`);
  }
  return lines.join('\n');
}

export async function calibrateCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const args = parseArgs(argv, ['in', 'out', 'model', 'variant', 'name', 'folds', 'seed'], []);
  if (args.positional.length > 0) throw new CliError(`unexpected argument "${args.positional[0]}"\n${CALIBRATE_USAGE}`);
  const inPath = flagString(args, 'in');
  const outPath = flagString(args, 'out');
  const dir = flagString(args, 'model');
  if (!inPath || !outPath) throw new CliError(`--in FILE and --out FILE are required\n${CALIBRATE_USAGE}`);
  if (!dir) throw new CliError(`--model DIR is required: a profile is for the model the traces were scored with\n${CALIBRATE_USAGE}`);
  if (outPath === '-') throw new CliError('--out needs a FILE (the profile is written whole or not at all)');
  const folds = flagNumber(args, 'folds', (x) => Number.isInteger(x) && x >= 2, 'a whole number ≥ 2');
  const seed = flagNumber(args, 'seed', Number.isInteger, 'an integer');
  checkOverwrite(outPath, inPath);
  const name = inPath === '-' ? 'standard input' : inPath;
  const rows = readScoredRows(await readInput(inPath, io), name);
  const err = (m: string): void => void io.stderr.write(`cotk calibrate: ${m}\n`);
  if (rows.length > 0 && rows.every((r) => r.scores[V2_BARRIER] === undefined && r.scores[V2_KAPPA] === undefined)) {
    err(`${name} has no ${V2_BARRIER}/${V2_KAPPA} (written by an older cotk batch?): the verdict is fitted without v2's two terms; score the traces again for them`);
  }
  let files;
  try {
    files = await loadModelDir(dir, { variant: flagString(args, 'variant') });
  } catch (e) {
    throw asCliError(e);
  }
  const key = profileKeyOf({ name: files.name, variant: files.variant, graphHash: graphHash(files.graph) });
  let profile: CalibrationProfile;
  try {
    profile = fitProfile(rows, { key, datasetName: flagString(args, 'name') ?? (inPath === '-' ? 'standard input' : basename(inPath)), folds, seed });
  } catch (e) {
    if (e instanceof ProfileError) throw new CliError(`${name}: ${e.message}`);
    throw e;
  }
  writeAtomically(outPath, serializeProfile(profile));
  err(profileSummary(profile));
  err(`wrote ${outPath}`);
  return 0;
}
