import './setup';
import { act, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Header } from '../../src/app/Header';
import { ModelsOnDevice } from '../../src/pwa/ModelsOnDevice';
import { usePwa } from '../../src/pwa/pwaState';

const initialPwa = usePwa.getState();

afterEach(() => {
  usePwa.setState(initialPwa, true);
});

/** What register.ts does when workbox says a new version is waiting. */
function newVersionWaiting(update: () => Promise<void>) {
  act(() => usePwa.setState({ needRefresh: true, update }));
}

describe('the update prompt in the header', () => {
  it('is not there while no new version is waiting', () => {
    render(<Header />);
    expect(screen.queryByTestId('pwa-update')).toBeNull();
    expect(screen.queryByRole('button', { name: 'Reload to update' })).toBeNull();
  });

  it('appears when a new version waits, and switches to it only on the click', async () => {
    let release = () => {};
    const update = vi.fn(() => new Promise<void>((done) => (release = done)));
    render(<Header />);
    newVersionWaiting(update);
    const prompt = screen.getByTestId('pwa-update');
    expect(prompt.textContent).toMatch(/^Update available/);
    expect(update).not.toHaveBeenCalled();
    fireEvent.click(screen.getByRole('button', { name: 'Reload to update' }));
    expect(update).toHaveBeenCalledTimes(1);
    // While the new version takes over (the page then reloads) the buttons cannot be pressed twice.
    const busy = screen.getByRole('button', { name: 'Reloading…' }) as HTMLButtonElement;
    expect(busy.disabled).toBe(true);
    expect((screen.getByRole('button', { name: 'Later' }) as HTMLButtonElement).disabled).toBe(true);
    await act(async () => release());
  });

  it('"Later" hides it without updating', () => {
    const update = vi.fn(async () => {});
    render(<Header />);
    newVersionWaiting(update);
    fireEvent.click(screen.getByRole('button', { name: 'Later' }));
    expect(screen.queryByTestId('pwa-update')).toBeNull();
    expect(update).not.toHaveBeenCalled();
  });

  it('says in a sentence when the update fails, and can be tried again', async () => {
    const update = vi.fn(async () => {
      throw new Error('the waiting service worker is gone');
    });
    render(<Header />);
    newVersionWaiting(update);
    fireEvent.click(screen.getByRole('button', { name: 'Reload to update' }));
    await waitFor(() => expect(screen.getByTestId('pwa-update-error').textContent).toBe('The update could not be applied (the waiting service worker is gone); reload the page to try again.'));
    expect((screen.getByRole('button', { name: 'Reload to update' }) as HTMLButtonElement).disabled).toBe(false);
  });
});

describe('"Models on this device" without Cache Storage (jsdom has none, like some private windows)', () => {
  it('opens from its button, says why it cannot list anything, and closes with Escape back to the button', async () => {
    render(<ModelsOnDevice />);
    const open = screen.getByRole('button', { name: 'Models on this device' });
    fireEvent.click(open);
    const panel = screen.getByRole('dialog', { name: 'Models on this device' });
    expect(panel.textContent).toMatch(/Looking at this browser's storage/);
    expect(document.activeElement?.id).toBe('models-on-device-title');
    await waitFor(() =>
      expect(screen.getByTestId('models-error').textContent).toBe(
        'The models on this device could not be listed: this browser gives the page no Cache Storage (a private window, or an insecure origin).',
      ),
    );
    fireEvent.keyDown(document, { key: 'Escape' });
    expect(screen.queryByRole('dialog')).toBeNull();
    expect(document.activeElement).toBe(open);
  });
});
