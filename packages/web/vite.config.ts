import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

// The web client: Preact (JSX compiled by Vite's own oxc transform), the SDK straight from its
// TypeScript sources (no separate SDK build), output in dist/ for the server to serve at `/`.
const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));
// `npm run dev -w packages/web` proxies the API to a running server (npm start).
const server = process.env.MAJLIS_URL ?? 'http://localhost:8009';

export default defineConfig({
  root: here('.'),
  base: '/',
  resolve: {
    alias: {
      'majlis-client': here('../sdk/src/index.ts'),
      '@majlis/protocol': here('../protocol/src/index.ts'),
    },
  },
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: here('dist'),
    emptyOutDir: true,
    target: 'es2022',
    reportCompressedSize: false,
  },
  server: {
    proxy: {
      '/api': server,
      '/uploads': server,
      '/ws': { target: server.replace(/^http/, 'ws'), ws: true },
    },
  },
});
