import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Client } from '@temporalio/client';
import { pingDatabase, type Db } from '../../db/client';
import { LiveSchema, ReadySchema } from '../schemas/health';

export const healthRoutes: FastifyPluginAsyncTypebox<{ db: Db; temporal: Client }> = async (app, { db, temporal }) => {
  app.get(
    '/healthz',
    { schema: { tags: ['operations'], summary: 'The process is up', security: [], response: { 200: LiveSchema } } },
    async () => ({ status: 'ok' as const }),
  );

  app.get(
    '/readyz',
    {
      schema: {
        tags: ['operations'],
        summary: 'Temporal (with the namespace) and the database answer',
        security: [],
        response: { 200: ReadySchema, 503: ReadySchema },
      },
    },
    async (_request, reply) => {
      const [database, workflowEngine] = await Promise.all([
        check(() => pingDatabase(db)),
        // The namespace, not just the frontend: a worker or a call on a missing namespace fails all the same.
        check(() => temporal.workflowService.describeNamespace({ namespace: temporal.options.namespace })),
      ]);
      const ready = database.ok && workflowEngine.ok;
      return reply.status(ready ? 200 : 503).send({ ready, checks: { database, temporal: workflowEngine } });
    },
  );
};

async function check(probe: () => Promise<unknown>): Promise<{ ok: boolean; error?: string }> {
  try {
    await withTimeout(probe(), 3000);
    return { ok: true };
  } catch (err) {
    return { ok: false, error: err instanceof Error ? err.message : String(err) };
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
