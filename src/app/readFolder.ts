import type { PickedFile } from '../state/folderSource';

/**
 * Reading what the user picked or dropped into `{path, data}`: a FileList from
 * `<input webkitdirectory>` (paths in webkitRelativePath), a File System Access directory handle
 * (showDirectoryPicker, where the browser has it), or a drop of files and folders (entries).
 */
async function bytesOf(f: File): Promise<Uint8Array> {
  if (typeof f.arrayBuffer === 'function') return new Uint8Array(await f.arrayBuffer());
  // Blob.arrayBuffer is missing in older Safari (and jsdom); FileReader is everywhere.
  return new Promise((ok, fail) => {
    const r = new FileReader();
    r.onload = () => ok(new Uint8Array(r.result as ArrayBuffer));
    r.onerror = () => fail(r.error ?? new Error(`${f.name} could not be read`));
    r.readAsArrayBuffer(f);
  });
}

export async function readFileList(list: FileList | readonly File[]): Promise<PickedFile[]> {
  const files = Array.from(list);
  return Promise.all(files.map(async (f) => ({ path: f.webkitRelativePath || f.name, data: await bytesOf(f) })));
}

/** The subset of the File System Access API used here (TypeScript's DOM lib lacks `values()`). */
interface DirHandle {
  readonly kind: 'directory';
  readonly name: string;
  values(): AsyncIterable<DirHandle | { readonly kind: 'file'; readonly name: string; getFile(): Promise<File> }>;
}

export function hasDirectoryPicker(): boolean {
  return typeof window !== 'undefined' && typeof (window as { showDirectoryPicker?: unknown }).showDirectoryPicker === 'function';
}

/** Opens the browser's folder picker; null when the user cancels. */
export async function pickDirectory(): Promise<PickedFile[] | null> {
  const show = (window as unknown as { showDirectoryPicker: (o?: object) => Promise<DirHandle> }).showDirectoryPicker;
  let dir: DirHandle;
  try {
    dir = await show({ mode: 'read' });
  } catch (e) {
    if (e instanceof DOMException && e.name === 'AbortError') return null;
    throw e;
  }
  const out: PickedFile[] = [];
  const walk = async (d: DirHandle, prefix: string): Promise<void> => {
    for await (const h of d.values()) {
      if (h.kind === 'directory') await walk(h, `${prefix}${h.name}/`);
      else out.push({ path: `${prefix}${h.name}`, data: await bytesOf(await h.getFile()) });
    }
  };
  await walk(dir, `${dir.name}/`);
  return out;
}

function entryFile(e: FileSystemFileEntry): Promise<File> {
  return new Promise((ok, fail) => e.file(ok, fail));
}

async function entriesOf(dir: FileSystemDirectoryEntry): Promise<FileSystemEntry[]> {
  const reader = dir.createReader();
  const all: FileSystemEntry[] = [];
  // readEntries answers in batches (about 100 in Chromium) until it answers an empty one.
  for (;;) {
    const batch = await new Promise<FileSystemEntry[]>((ok, fail) => reader.readEntries(ok, fail));
    if (batch.length === 0) return all;
    all.push(...batch);
  }
}

/** Files and folders dropped on the page, folders walked recursively. */
export async function readDrop(dt: DataTransfer): Promise<PickedFile[]> {
  const entries = Array.from(dt.items ?? [])
    .map((i) => (typeof i.webkitGetAsEntry === 'function' ? i.webkitGetAsEntry() : null))
    .filter((e): e is FileSystemEntry => e !== null);
  if (entries.length === 0) return readFileList(dt.files);
  const out: PickedFile[] = [];
  const walk = async (e: FileSystemEntry, prefix: string): Promise<void> => {
    if (e.isDirectory) {
      for (const c of await entriesOf(e as FileSystemDirectoryEntry)) await walk(c, `${prefix}${e.name}/`);
    } else {
      out.push({ path: `${prefix}${e.name}`, data: await bytesOf(await entryFile(e as FileSystemFileEntry)) });
    }
  };
  for (const e of entries) await walk(e, '');
  return out;
}
