import { useCallback, useEffect, useRef, useState } from 'react';
import { ErrorNote } from '../components/ErrorNote';
import { formatBytes } from '../components/ProgressBar';
import { CacheStorageCache } from '../engine/source/cache';
import { describeHubModel, HUB_CACHE, keysToDelete, readDeviceModels, type CachedHubModel, type DeviceModels } from './offlineModels';
import { usePwa } from './pwaState';
import './pwa.css';

const size = (n: number) => formatBytes(n) ?? `${n} B`;
const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/**
 * "Models on this device": the button in the header and the panel it opens. The panel lists the Hub
 * downloads kept for offline use (one row per repo, revision and dtype, each deletable), the
 * bundled model's offline copy (part of the installed app: shown, not deletable here, since the
 * service worker would fetch it again on its next update check) and the site's storage use.
 */
export function ModelsOnDevice({ hubCache }: { readonly hubCache?: CacheStorageCache }) {
  const [open, setOpen] = useState(false);
  const opener = useRef<HTMLButtonElement>(null);
  const close = useCallback(() => {
    setOpen(false);
    opener.current?.focus();
  }, []);
  return (
    <div className="models-on-device">
      <button type="button" ref={opener} aria-expanded={open} aria-controls="models-on-device" onClick={() => (open ? close() : setOpen(true))}>
        Models on this device
      </button>
      {open && <ModelsPanel onClose={close} hubCache={hubCache} />}
    </div>
  );
}

type Listing = { state: 'loading' } | { state: 'error'; message: string } | { state: 'ready'; data: DeviceModels };

/** Reads Cache Storage and the storage estimate; a failure becomes a sentence. */
async function list(cache: CacheStorageCache | null): Promise<Listing> {
  try {
    return { state: 'ready', data: await readDeviceModels(cache ?? new CacheStorageCache(HUB_CACHE)) };
  } catch (e) {
    return { state: 'error', message: `The models on this device could not be listed: ${(e as Error).message}.` };
  }
}

function ModelsPanel({ onClose, hubCache }: { readonly onClose: () => void; readonly hubCache?: CacheStorageCache }) {
  const [listing, setListing] = useState<Listing>({ state: 'loading' });
  const [busy, setBusy] = useState<string | null>(null);
  const [note, setNote] = useState<string | null>(null);
  const [deleteError, setDeleteError] = useState<string | null>(null);
  const heading = useRef<HTMLHeadingElement>(null);
  const registerError = usePwa((s) => s.registerError);
  const cache = hubCache ?? null;

  useEffect(() => {
    // Escape closes the panel wherever the focus is (a deleted row takes its button, and the focus, with it).
    const onKey = (e: KeyboardEvent) => e.key === 'Escape' && onClose();
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, [onClose]);

  useEffect(() => {
    heading.current?.focus();
    let live = true;
    void list(cache).then((l) => live && setListing(l));
    return () => {
      live = false;
    };
  }, [cache]);

  const remove = async (label: string, keys: readonly string[], bytes: number, id: string) => {
    setBusy(id);
    setNote(null);
    setDeleteError(null);
    try {
      await (cache ?? new CacheStorageCache(HUB_CACHE)).deleteAll(keys);
      setNote(`Deleted ${label} (${size(bytes)} freed).`);
    } catch (e) {
      setDeleteError(`${label} could not be deleted: ${(e as Error).message}.`);
    }
    setBusy(null);
    setListing(await list(cache));
    heading.current?.focus();
  };

  const deleteModel = (m: CachedHubModel, all: readonly CachedHubModel[]) => {
    const keys = keysToDelete(m, all);
    const freed = [...m.files, ...m.shared].filter((f) => keys.includes(f.key)).reduce((a, f) => a + f.bytes, 0);
    return remove(describeHubModel(m), keys, freed, m.id);
  };

  return (
    <section
      id="models-on-device"
      className="models-panel panel"
      role="dialog"
      aria-labelledby="models-on-device-title"
      data-testid="models-on-device"
    >
      <h2 id="models-on-device-title" tabIndex={-1} ref={heading}>
        Models on this device
      </h2>
      {listing.state === 'loading' && <p className="note">Looking at this browser's storage…</p>}
      <ErrorNote message={listing.state === 'error' ? listing.message : null} testId="models-error" />
      {listing.state === 'ready' && (
        <>
          <h3>Bundled</h3>
          <BundledRow data={listing.data} registerError={registerError} />
          <h3>Downloaded from the Hub</h3>
          {listing.data.hub.length === 0 && listing.data.other.length === 0 ? (
            <p className="note" data-testid="hub-models-empty">
              None yet. A model you download from the Hub is kept here, so it loads again without the network.
            </p>
          ) : (
            <ul className="device-models" aria-label="Hub models kept for offline use">
              {listing.data.hub.map((m) => (
                <li key={m.id} data-testid="hub-model" data-repo={m.repo} data-dtype={m.dtype ?? ''} data-bytes={m.bytes}>
                  <span className="device-model-name">{describeHubModel(m)}</span>{' '}
                  <span className="device-model-size">
                    {size(m.bytes)} · {plural(m.files.length + m.shared.length, 'file')}
                    {!m.hasGraph ? ' · incomplete: its graph was never downloaded' : ''}
                  </span>
                  <button type="button" onClick={() => void deleteModel(m, listing.data.hub)} disabled={busy !== null} aria-label={`Delete ${describeHubModel(m)}`}>
                    {busy === m.id ? 'Deleting…' : 'Delete'}
                  </button>
                </li>
              ))}
              {listing.data.other.length > 0 && (
                <li data-testid="hub-other">
                  <span className="device-model-name">Other files in the model cache (not a Hub repo layout)</span>{' '}
                  <span className="device-model-size">
                    {size(listing.data.other.reduce((a, e) => a + e.bytes, 0))} · {plural(listing.data.other.length, 'file')}
                  </span>
                  <button
                    type="button"
                    disabled={busy !== null}
                    onClick={() => void remove('the other cached files', listing.data.other.map((e) => e.key), listing.data.other.reduce((a, e) => a + e.bytes, 0), 'other')}
                  >
                    {busy === 'other' ? 'Deleting…' : 'Delete'}
                  </button>
                </li>
              )}
            </ul>
          )}
          <p className="note" role="status" data-testid="models-note">
            {note}
          </p>
          <ErrorNote message={deleteError} testId="models-delete-error" />
          <StorageLine storage={listing.data.storage} />
        </>
      )}
      <div className="buttons">
        <button type="button" onClick={onClose}>
          Close
        </button>
      </div>
    </section>
  );
}

function BundledRow({ data, registerError }: { readonly data: DeviceModels; readonly registerError: string | null }) {
  const b = data.bundled;
  return (
    <>
      <ul className="device-models" aria-label="Bundled model">
        <li data-testid="bundled-model" data-bytes={b.modelBytes} data-offline={b.defaultGraph ? 'yes' : 'no'}>
          <span className="device-model-name">tiny-reasoner (bundled)</span>{' '}
          <span className="device-model-size">
            {b.modelFiles > 0 ? `${size(b.modelBytes)} · ${plural(b.modelFiles, 'file')} saved for offline use` : 'not saved for offline use yet'}
          </span>
          <span className="note">Part of the app: it is kept as long as the app is, and cannot be deleted on its own.</span>
        </li>
      </ul>
      <p className="note" data-testid="offline-status">
        {b.defaultGraph
          ? `The app works offline: it (${size(b.appBytes)} with ONNX Runtime's WebAssembly, ${plural(b.appFiles, 'file')}) and the bundled model are saved in this browser.`
          : 'The app is not saved for offline use yet: it is saved in the background the first time it is opened from a server (not in development mode).'}
      </p>
      <ErrorNote message={registerError} testId="pwa-register-error" />
    </>
  );
}

function StorageLine({ storage }: { readonly storage: DeviceModels['storage'] }) {
  if (!storage) return <p className="note">This browser does not say how much storage this site uses.</p>;
  const share = storage.quota > 0 ? ` (${((100 * storage.usage) / storage.quota).toFixed(storage.usage / storage.quota < 0.01 ? 2 : 0)}%)` : '';
  return (
    <p className="note" data-testid="storage-estimate">
      This site uses {size(storage.usage)} of the {size(storage.quota)} the browser allows it{share}.
    </p>
  );
}
