/**
 * Saving a Blob as a file from the page (the one DOM helper of src/record): an object URL on a
 * temporary link with `download`, revoked once the browser has taken it.
 */
export function downloadBlob(blob: Blob, filename: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  a.rel = 'noopener';
  a.style.display = 'none';
  document.body.appendChild(a);
  try {
    a.click();
  } finally {
    a.remove();
    // The download has started from the click; a later revoke frees the Blob without racing it.
    setTimeout(() => URL.revokeObjectURL(url), 60_000);
  }
}

/** A file-name stem from a run's name: lower-case words joined by '-', at most 60 characters. */
export function fileStem(name: string): string {
  const s = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 60)
    .replace(/-+$/, '');
  return s || 'cotk-run';
}
