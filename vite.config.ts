/// <reference types="vitest/config" />
import react from '@vitejs/plugin-react';
import { readFileSync } from 'node:fs';
import { defineConfig, type Plugin } from 'vite';
import { VitePWA } from 'vite-plugin-pwa';
import { contentSecurityPolicy } from './src/pwa/csp';

const pkg = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8')) as { version: string };

/** The precache may hold files up to this size: ONNX Runtime's asyncify .wasm is ~27 MB (workbox's default limit is 2 MiB). */
const MAX_PRECACHE_FILE = 32 * 1024 * 1024;

/**
 * index.html carries the policy as a static <meta> (so any static host enforces it); this checks
 * at build time that it is the text src/pwa/csp.ts makes, and in `vite dev` swaps in the dev
 * flavour (Vite's inline React-refresh preamble and injected <style>s need 'unsafe-inline').
 */
function cspMeta(): Plugin {
  const META = /<meta http-equiv="Content-Security-Policy" content="([^"]*)" \/>/;
  let dev = false;
  return {
    name: 'cotk-csp-meta',
    configResolved(c) {
      dev = c.command === 'serve' && !c.isProduction;
    },
    transformIndexHtml: {
      order: 'pre',
      handler(html, ctx) {
        const m = META.exec(html);
        if (!m) {
          // Only the app's index.html must carry it; the dev-only test pages get the header.
          if (ctx.path === '/index.html') throw new Error('index.html has no Content-Security-Policy <meta>: see src/pwa/csp.ts');
          return html;
        }
        if (!dev && m[1] !== contentSecurityPolicy('meta')) {
          throw new Error(`index.html's Content-Security-Policy differs from src/pwa/csp.ts; set it to:\n${contentSecurityPolicy('meta')}`);
        }
        return dev ? html.replace(META, `<meta http-equiv="Content-Security-Policy" content="${contentSecurityPolicy('meta', true)}" />`) : html;
      },
    },
  };
}

// One config for the app (vite) and the tests (vitest projects): `unit` runs in Node on the real
// modules, `dom` renders components in jsdom, `e2e` drives Debian's Chromium through playwright-core against the built app.
export default defineConfig({
  plugins: [
    react(),
    cspMeta(),
    // generateSW: the service worker needs nothing workbox does not generate (precache, one runtime
    // route, navigation fallback, SKIP_WAITING on the user's click), so there is no hand-written SW
    // to keep in step with workbox. No SW in `vite dev` (devOptions off): dev serves sources, not the precache.
    VitePWA({
      strategies: 'generateSW',
      registerType: 'prompt',
      injectRegister: false, // src/pwa/register.ts registers it, so the page needs no inline script
      manifest: {
        id: '/',
        name: 'CoT-Kinetics Inspector',
        short_name: 'CoT-Kinetics',
        description: 'See inside a small reasoning model whether a chain of thought is sound. Runs locally; nothing you type leaves this machine.',
        start_url: '/',
        scope: '/',
        display: 'standalone',
        theme_color: '#0b63c5',
        background_color: '#fbfbfd',
        icons: [
          { src: 'icons/icon-192.png', sizes: '192x192', type: 'image/png', purpose: 'any' },
          { src: 'icons/icon-512.png', sizes: '512x512', type: 'image/png', purpose: 'any' },
          { src: 'icons/maskable-192.png', sizes: '192x192', type: 'image/png', purpose: 'maskable' },
          { src: 'icons/maskable-512.png', sizes: '512x512', type: 'image/png', purpose: 'maskable' },
          { src: 'icons/icon.svg', sizes: 'any', type: 'image/svg+xml', purpose: 'any' },
        ],
      },
      workbox: {
        // The app shell, the engine worker, ONNX Runtime's .mjs + .wasm, the icons, and the bundled
        // model's two default graphs (fp32-cpu: WASM and WebGPU without f16; int4-webgpu: WebGPU with f16).
        globPatterns: [
          '**/*.{html,js,mjs,css,wasm,svg,png}',
          'models/tiny-reasoner/{manifest,parity}.json',
          'models/tiny-reasoner/{fp32-cpu,int4-webgpu}/*',
        ],
        maximumFileSizeToCacheInBytes: MAX_PRECACHE_FILE,
        navigateFallback: 'index.html',
        navigateFallbackDenylist: [/^\/models\//],
        cleanupOutdatedCaches: true,
        // The first install takes the open page over, so it works offline without a reload; later
        // versions still wait for the user's click (registerType 'prompt').
        clientsClaim: true,
        runtimeCaching: [
          {
            // The other bundled graphs (int4-cpu, fp16-webgpu) once someone loads them: fresh from the
            // server while online (so an update never mixes graph and weights), from here offline.
            urlPattern: ({ url, sameOrigin }) => sameOrigin && url.pathname.startsWith('/models/tiny-reasoner/'),
            handler: 'NetworkFirst',
            options: { cacheName: 'cotk-bundled-models' },
          },
        ],
      },
      includeManifestIcons: false, // the icons are in globPatterns already
      devOptions: { enabled: false },
    }),
  ],
  define: { __APP_VERSION__: JSON.stringify(pkg.version) },
  // onnxruntime-web ships its own wasm loader; pre-bundling breaks its relative asset URLs.
  optimizeDeps: { exclude: ['onnxruntime-web'] },
  worker: { format: 'es' },
  build: { target: 'es2022', sourcemap: true },
  // The policy also travels as a header, so the module worker and the service worker (which do not
  // see the page's <meta>) are under it too. public/_headers does the same on static hosts.
  server: { headers: { 'Content-Security-Policy': contentSecurityPolicy('header', true) } },
  preview: { host: '127.0.0.1', port: 4173, strictPort: true, headers: { 'Content-Security-Policy': contentSecurityPolicy('header') } },
  test: {
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          environment: 'node',
          testTimeout: 60_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'dom',
          include: ['test/dom/**/*.test.{ts,tsx}'],
          environment: 'jsdom',
          testTimeout: 30_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          environment: 'node',
          testTimeout: 300_000,
          hookTimeout: 300_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
