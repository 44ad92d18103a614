import path from 'node:path';
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

/**
 * The operator console. Built into console/dist and served by the API at /console.
 * `@domain` is the service's pure rules (src/domain): the SMS counter the browser shows
 * is the very module the server counts with.
 */
export default defineConfig({
  root: import.meta.dirname,
  base: '/console/',
  plugins: [react()],
  resolve: { alias: { '@domain': path.resolve(import.meta.dirname, '../src/domain') } },
  build: {
    outDir: path.resolve(import.meta.dirname, 'dist'),
    emptyOutDir: true,
    chunkSizeWarningLimit: 2000,
  },
  server: {
    // `npm run console:dev` against an API on the default port.
    proxy: { '/v1': 'http://127.0.0.1:3000', '/docs': 'http://127.0.0.1:3000' },
  },
});
