/** package.json's version, injected by Vite's `define` (vite.config.ts); undefined outside Vite. */
declare const __APP_VERSION__: string | undefined;
