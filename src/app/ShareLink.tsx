import { useState } from 'react';
import { LONG_LINK_CHARS, shareUrl } from '../share/codec';
import { currentSharePayload, dismissShare, nothingToShare, restorePreviousDrafts, runShared, useShareStore } from '../share/state';
import { useStore } from '../state/store';
import './export.css';

/**
 * "Copy share link": the inputs and settings (not the results) compressed into the URL fragment,
 * which never reaches a server. The link is also shown, with its length, for copying by hand.
 */
export function ShareLinkButton() {
  const [link, setLink] = useState<{ url: string; copied: boolean } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const make = async () => {
    const payload = currentSharePayload(useStore.getState());
    const why = nothingToShare(payload);
    if (why) {
      setLink(null);
      setError(why);
      return;
    }
    setError(null);
    const url = shareUrl(window.location, payload);
    let copied = false;
    try {
      await navigator.clipboard.writeText(url);
      copied = true;
    } catch {
      copied = false; // no clipboard permission (or no clipboard): the field below has the link
    }
    setLink({ url, copied });
  };
  const long = link !== null && link.url.length > LONG_LINK_CHARS;
  return (
    <div className="share-link">
      <button type="button" onClick={() => void make()} data-testid="share-button">
        Copy share link
      </button>
      {error && (
        <p className="note" role="status" data-testid="share-error">
          {error}
        </p>
      )}
      {link && (
        <div className="share-out">
          <label htmlFor="share-url" className="visually-hidden">
            Share link
          </label>
          <input id="share-url" type="text" readOnly value={link.url} onFocus={(e) => e.currentTarget.select()} data-testid="share-url" />
          <p className={long ? 'warning' : 'note'} role="status" data-testid="share-length" data-length={link.url.length}>
            {link.copied ? 'Copied. ' : 'Select the link above and copy it. '}
            The link is {link.url.length.toLocaleString('en')} characters long
            {long
              ? ` — over about ${LONG_LINK_CHARS.toLocaleString('en')}, some chat apps, mail clients and browsers cut links short; for a long trace, share the exported run file instead.`
              : '; it holds the inputs and settings, not the results, and opening it asks before running.'}
          </p>
        </div>
      )}
    </div>
  );
}

/** The banner a share link leaves: run the restored input now (never by itself), or dismiss. */
export function ShareBanner() {
  const offer = useShareStore((s) => s.offer);
  const error = useShareStore((s) => s.error);
  const model = useStore((s) => s.model);
  const busy = useStore((s) => s.run?.status === 'running' || s.run?.status === 'stopping');
  if (error) {
    return (
      <div className="share-banner error-note" role="alert" data-testid="share-link-error">
        <p>{error} What you had typed is unchanged.</p>
        <button type="button" onClick={dismissShare}>
          Dismiss
        </button>
      </div>
    );
  }
  if (!offer) return null;
  const what = offer.payload.mode === 'ask' ? 'a question' : 'a trace';
  const ready = model.status === 'ready';
  const name = model.info?.name ?? 'the model';
  return (
    <div className="share-banner" role="region" aria-label="Opened from a share link" data-testid="share-banner">
      <p>
        This link restores {what}. {ready ? `Run it now with ${name}?` : `Run it once the model has loaded (${model.status === 'loading' ? 'loading now' : 'not loaded'})?`}
      </p>
      {offer.modelNote && <p className="note">{offer.modelNote}</p>}
      <div className="buttons">
        <button type="button" className="primary" onClick={() => void runShared()} disabled={!ready || busy} data-testid="share-run">
          Run
        </button>
        <button type="button" onClick={dismissShare} data-testid="share-dismiss">
          Dismiss
        </button>
        {offer.replaced && (
          <button type="button" className="link" onClick={restorePreviousDrafts}>
            Put back what I had typed
          </button>
        )}
      </div>
    </div>
  );
}
