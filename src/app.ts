import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Client } from '@temporalio/client';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import type { Logger } from 'pino';
import type { Db } from './db/client';
import { registerAuth } from './api/plugins/auth';
import { registerErrorHandling } from './api/plugins/errors';
import { ErrorSchema } from './api/schemas';
import { eventsRoutes } from './api/routes/events';
import { healthRoutes } from './api/routes/health';
import { settingsRoutes } from './api/routes/settings';

export interface AppDeps {
  db: Db;
  temporal: Client;
  taskQueue: string;
  namespace: string;
  temporalUiUrl: string | undefined;
  logger?: Logger | false;
}

/** Events carry template variables, not files: anything near this size is a mistake. */
export const BODY_LIMIT_BYTES = 256 * 1024;

/** Builds the HTTP API; never listens, so tests and `main` decide how it runs. */
export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const options: FastifyServerOptions = {
    bodyLimit: BODY_LIMIT_BYTES,
    ...(deps.logger ? { loggerInstance: deps.logger } : { logger: false }),
  };
  const app = Fastify(options).withTypeProvider<TypeBoxTypeProvider>();

  // Bodies are validated as sent: no type coercion, no silent removal of unknown fields.
  // Query strings and path parameters arrive as text and are coerced.
  const strict = addFormats(new Ajv({ allErrors: true, coerceTypes: false, removeAdditional: false, useDefaults: true, strict: false }));
  const coercing = addFormats(new Ajv({ allErrors: true, coerceTypes: 'array', removeAdditional: false, useDefaults: true, strict: false }));
  app.setValidatorCompiler(({ schema, httpPart }) =>
    (httpPart === 'body' ? strict : coercing).compile(schema),
  );

  registerErrorHandling(app);
  app.addSchema(ErrorSchema);

  await app.register(swagger, {
    openapi: {
      info: {
        title: 'Notification service',
        version: '0.1.0',
        description: 'Business events in; e-mail, SMS and Telegram out through durable Temporal workflows.',
      },
      components: { securitySchemes: { apiKey: { type: 'http', scheme: 'bearer' } } },
      security: [{ apiKey: [] }],
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });

  await app.register(healthRoutes, { db: deps.db, temporal: deps.temporal });
  await app.register(
    async (v1) => {
      registerAuth(v1, deps.db);
      await v1.register(eventsRoutes, deps);
      await v1.register(settingsRoutes, { db: deps.db });
    },
    { prefix: '/v1' },
  );
  return app;
}
