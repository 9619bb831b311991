import type { EngineWorkerApi } from '../engine/protocol';

/** The injected engine, shared by the action modules (actions.ts, lensActions.ts): they alone call it. */
let engine: EngineWorkerApi | null = null;

export function setEngineRef(api: EngineWorkerApi | null): void {
  engine = api;
}

export function engineRef(): EngineWorkerApi | null {
  return engine;
}
