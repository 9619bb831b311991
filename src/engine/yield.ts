/**
 * Lets queued messages (a cancel, a new request) be handled between forward passes. On the WASM
 * backend a session run resolves through microtasks only, so a decode loop that never yields to
 * the event loop would read a Stop only after the whole answer was written. A MessageChannel round
 * trip costs tens of microseconds, far less than a forward pass, and is not clamped like setTimeout.
 */
export function yieldToEventLoop(): Promise<void> {
  if (typeof MessageChannel === 'undefined') return new Promise((done) => setTimeout(done, 0));
  return new Promise((done) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => {
      channel.port1.close();
      done();
    };
    channel.port2.postMessage(null);
  });
}
