import type { ModelSourceSpec } from '../engine/protocol';

export type FilesSource = Extract<ModelSourceSpec, { kind: 'files' }>;

export interface PickedFile {
  /** '/'-separated, relative to what the user picked (a folder picker includes the folder's own name). */
  readonly path: string;
  readonly data: Uint8Array;
}

/** Files the OS or the browser adds to folders, never part of a model. */
const JUNK = /(^|\/)(\.DS_Store|Thumbs\.db|desktop\.ini|\.git\/.*)$/;

/**
 * The picked or dropped files as a `files` source. A folder picker (and dropping one folder) gives
 * paths that start with the folder's name; the engine reads layouts relative to the model folder,
 * so one leading folder shared by every file is taken off and becomes the source's name.
 */
export function toFilesSource(files: readonly PickedFile[], fallbackName = 'dropped files'): FilesSource {
  const clean = files.map((f) => ({ path: f.path.replace(/\\/g, '/').replace(/^\/+/, ''), data: f.data })).filter((f) => f.path !== '' && !JUNK.test(f.path));
  const first = clean[0]?.path.split('/')[0];
  const shared = first !== undefined && clean.every((f) => f.path.startsWith(`${first}/`));
  return {
    kind: 'files',
    name: shared ? first : fallbackName,
    files: shared ? clean.map((f) => ({ path: f.path.slice(first.length + 1), data: f.data })) : clean,
  };
}
