import { existsSync } from 'node:fs';
import path from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';

/** Where the console's built assets live and what to tell when they are missing. */
export interface ConsoleOptions {
  /** The folder `npm run console:build` writes (console/dist). */
  dir: string;
}

/** What a build holds besides index.html: a missing one is a 404, not the app. */
const ASSET_EXTENSIONS = new Set(['.js', '.mjs', '.css', '.map', '.png', '.jpg', '.jpeg', '.gif', '.svg', '.ico', '.webp', '.woff', '.woff2', '.ttf', '.json', '.txt', '.html', '.wasm']);

/**
 * A file of the build, not a client route. Client routes carry ids with dots
 * (`/console/event-types/order.ready_for_pickup`): only the build's own kinds of file count.
 */
export function isAssetPath(url: string): boolean {
  return url.startsWith('/console/assets/') || ASSET_EXTENSIONS.has(path.extname(url).toLowerCase());
}

/**
 * The operator console at /console: the built single-page app, with every client route
 * (`/console/journal/...`) answered by its index.html; `/` leads there.
 * Without a build, /console says how to make one instead of a bare 404.
 */
export async function registerConsole(app: FastifyInstance, opts: ConsoleOptions): Promise<void> {
  app.get('/', { schema: { hide: true } }, (_request, reply) => reply.redirect('/console/'));
  const index = path.join(opts.dir, 'index.html');
  await app.register(
    async (scope) => {
      if (!existsSync(index)) {
        const missing = (_request: unknown, reply: { status(code: number): { type(t: string): { send(b: string): unknown } } }) =>
          reply.status(503).type('text/plain; charset=utf-8').send('The console is not built: run `npm run console:build` (or `npm start`, which builds it).');
        scope.get('/', { schema: { hide: true } }, missing);
        scope.get('/*', { schema: { hide: true } }, missing);
        return;
      }
      await scope.register(fastifyStatic, {
        root: opts.dir,
        prefix: '/',
        // Hashed file names change with every build; the page itself must never be cached stale.
        setHeaders: (res, file) => {
          res.header('cache-control', file.endsWith('.html') ? 'no-cache' : 'public, max-age=31536000, immutable');
        },
      });
      // A client route (no file of that name) gets the app, which routes it; a missing asset stays a 404.
      scope.setNotFoundHandler((request, reply) => {
        if (request.method !== 'GET' || isAssetPath(request.url.split('?')[0] ?? '')) {
          return reply.status(404).send({ error: { code: 'NOT_FOUND', message: `${request.method} ${request.url} not found`, details: [] } });
        }
        return reply.type('text/html; charset=utf-8').header('cache-control', 'no-cache').sendFile('index.html');
      });
    },
    { prefix: '/console' },
  );
}
