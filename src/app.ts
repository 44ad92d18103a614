import Fastify, { LogController, type FastifyInstance, type FastifyServerOptions } from 'fastify';
import cookie from '@fastify/cookie';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { Type, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Client } from '@temporalio/client';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import type { Logger } from 'pino';
import type { ChangeFeed } from './db/change-feed';
import type { Db } from './db/client';
import { registerAuth } from './api/plugins/auth';
import { registerConsole } from './api/plugins/console';
import { CONSOLE_DIST } from './paths';
import { clientErrorHandler, frameworkErrorHandler, registerErrorHandling } from './api/plugins/errors';
import { registerJsonBody } from './api/plugins/json-body';
import { registerEventLimits } from './api/plugins/limits';
import { DEFAULT_LIMITS, type Limits } from './domain/limits';
import { ErrorSchema, PATH_PARAM_MAX_LENGTH } from './api/schemas/common';
import { BadRequestError } from './domain/errors';
import { eventsRoutes, type EventIntakeFaults } from './api/routes/events';
import { healthRoutes } from './api/routes/health';
import { metricsRoutes } from './api/routes/metrics';
import fastifyPlugin from 'fastify-plugin';
import { settingsRoutes } from './api/routes/settings';
import { defaultSmsBalanceUnit } from './providers/default-sms';
import { apiKeysRoutes } from './api/routes/api-keys';
import { configChangesRoutes } from './api/routes/config-changes';
import { counterpartiesRoutes } from './api/routes/counterparties';
import { eventTypesRoutes } from './api/routes/event-types';
import { journalRoutes } from './api/routes/journal';
import { queuesRoutes } from './api/routes/queues';
import { messagesRoutes } from './api/routes/messages';
import { providerChecksRoutes } from './api/routes/provider-checks';
import { telegramWebhookRoutes } from './api/routes/telegram-webhook';
import { managersRoutes } from './api/routes/managers';
import { schedulesRoutes } from './api/routes/schedules';
import { templatePreviewRoutes } from './api/routes/templates-preview';
import { createMetrics, type Metrics } from './metrics';
import type { SecretBox } from './secrets';
import { withinDeadline } from './temporal/deadline';
import { ensureTelegramPolling } from './temporal/telegram-polling';
import type { Role } from './domain/roles';
import { DEFAULT_SESSION_POLICY, SESSION_COOKIE, CSRF_HEADER, type SessionPolicy } from './domain/sessions';
import { sessionRoutes } from './api/routes/session';
import { usersRoutes } from './api/routes/users';

export interface RouteRole {
  method: string;
  url: string;
  role: Role;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Every authenticated route with the role it requires. */
    routeRoles: readonly RouteRole[];
  }
}

export interface AppDeps {
  db: Db;
  temporal: Client;
  taskQueue: string;
  namespace: string;
  temporalUiUrl: string | undefined;
  /** Encrypts the secrets of settings and providers at rest. */
  secrets: SecretBox;
  /** Where the Bot API is, for setting the webhook; Telegram's own when unset. */
  telegramApiRoot?: string | undefined;
  /** Hosts and ranges company providers may name although internal (`OUTBOUND_ALLOW`). */
  outboundAllow?: readonly string[] | undefined;
  /** The built-in default SMS provider (`SMS_URL`), for the unit of its balance. */
  smsUrl?: string | undefined;
  logger?: Logger | false;
  /** Abuse limits (`loadConfig`); the defaults when unset. */
  limits?: Limits | undefined;
  /** Console sessions and sign-in limits (`loadConfig`); the defaults when unset. */
  sessions?: SessionPolicy | undefined;
  /** The process's metrics; a registry of the app's own when absent. */
  metrics?: Metrics | undefined;
  /** Start event workflows eagerly: `temporal` shares its connection with a worker in this process. */
  eagerStart?: boolean | undefined;
  /** The console's built assets, served at /console; console/dist when unset. */
  consoleDir?: string | undefined;
  /** The chaos suite's fault points in the event intake; never set outside it. */
  eventFaults?: EventIntakeFaults | undefined;
  /** Keeps API keys in memory between changes; without it every request reads its key from the database. */
  changes?: ChangeFeed | undefined;
}

/** Events carry template variables, not files: anything near this size is a mistake. */
export const BODY_LIMIT_BYTES = 256 * 1024;

/**
 * Standard formats, with `date-time` also required to be a date JavaScript can
 * hold (ajv accepts leap seconds, which `new Date` cannot represent).
 */
function withFormats(ajv: Ajv): Ajv {
  addFormats(ajv);
  const rfc3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;
  ajv.addFormat('date-time', (value: string) => rfc3339.test(value) && !Number.isNaN(Date.parse(value)));
  return ajv;
}

/** Builds the HTTP API; never listens, so tests and `main` decide how it runs. */
export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const options: FastifyServerOptions = {
    bodyLimit: BODY_LIMIT_BYTES,
    // Every id the API accepts fits in one path segment, so it can be read back (longer ones answer 414).
    routerOptions: { maxParamLength: PATH_PARAM_MAX_LENGTH },
    // Answers Fastify and Node give before any route runs (414, a bad URL, 431, 408) use the error contract too.
    frameworkErrors: frameworkErrorHandler,
    clientErrorHandler,
    // Request lines are logged below with the route pattern, never the raw URL: a webhook path carries a secret.
    logController: new LogController({ disableRequestLogging: true }),
    ...(deps.logger ? { loggerInstance: deps.logger } : { logger: false }),
  };
  const app = Fastify(options).withTypeProvider<TypeBoxTypeProvider>();

  // Bodies are validated as sent: no type coercion, no silent removal of unknown fields.
  // Query strings and path parameters arrive as text and are coerced.
  const strict = withFormats(new Ajv({ allErrors: true, coerceTypes: false, removeAdditional: false, useDefaults: true, strict: false }));
  const coercing = withFormats(new Ajv({ allErrors: true, coerceTypes: 'array', removeAdditional: false, useDefaults: true, strict: false }));
  app.setValidatorCompiler(({ schema, httpPart }) =>
    (httpPart === 'body' ? strict : coercing).compile(schema),
  );

  // Only JSON is accepted; anything else is a 415, not a string that fails validation.
  app.removeContentTypeParser(['text/plain']);
  registerErrorHandling(app);
  app.addSchema(ErrorSchema);
  app.addHook('onResponse', async (request, reply) => {
    request.log.info(
      { method: request.method, route: request.routeOptions.url ?? 'unmatched', statusCode: reply.statusCode, ms: Math.round(reply.elapsedTime) },
      'request',
    );
  });
  // Every /v1 route names the role it needs; the list lets tests check the whole matrix.
  const routeRoles: RouteRole[] = [];
  app.addHook('onRoute', (route) => {
    if (route.config?.role) {
      for (const method of [route.method].flat()) routeRoles.push({ method, url: route.url, role: route.config.role });
    }
  });
  app.decorate('routeRoles', routeRoles);
  documentCommonAnswers(app);
  // Strict UTF-8, no unpaired surrogates or U+0000 (PostgreSQL text cannot hold it), bounded nesting: refused with the field's path.
  registerJsonBody(app);
  // Parses the session cookie for every route; its onRequest hook runs before the /v1 authentication.
  await app.register(cookie);
  const sessions = deps.sessions ?? DEFAULT_SESSION_POLICY;

  await app.register(swagger, {
    openapi: {
      info: {
        title: 'Notification service',
        version: '0.1.0',
        description: 'Business events in; e-mail, SMS and Telegram out through durable Temporal workflows.',
      },
      components: {
        securitySchemes: {
          apiKey: { type: 'http', scheme: 'bearer', description: "A machine's API key: `Authorization: Bearer <key>`." },
          session: {
            type: 'apiKey',
            in: 'cookie',
            name: SESSION_COOKIE,
            description:
              `A person's session, set by \`POST /v1/session\`. Every request with it whose method is not GET, HEAD or OPTIONS must carry ` +
              `the session's CSRF token in the header \`${CSRF_HEADER}\` (403 \`CSRF_REJECTED\` otherwise). Roles are checked as for keys.`,
          },
        },
      },
      security: [{ apiKey: [] }, { session: [] }],
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });

  await registerConsole(app, { dir: deps.consoleDir ?? CONSOLE_DIST });
  await app.register(healthRoutes, { db: deps.db, temporal: deps.temporal });
  // Not encapsulated, so its hook counts the requests of every route.
  const metrics = deps.metrics ?? createMetrics({ db: deps.db });
  await app.register(fastifyPlugin(metricsRoutes), {
    registry: metrics.registry,
    requests: metrics.http.requests,
    latency: metrics.http.latency,
    eventsAccepted: metrics.eventsAccepted,
  });
  await app.register(
    async (v1) => {
      registerAuth(v1, deps.db, sessions, deps.changes);
      registerEventLimits(v1, { db: deps.db, limits: deps.limits ?? DEFAULT_LIMITS });
      await v1.register(eventsRoutes, { ...deps, faults: deps.eventFaults });
      await v1.register(settingsRoutes, {
        db: deps.db,
        secrets: deps.secrets,
        telegramApiRoot: deps.telegramApiRoot,
        outboundAllow: deps.outboundAllow,
        defaultSmsUnit: defaultSmsBalanceUnit(deps.smsUrl),
        // Bounded: a down Temporal answers 503 at once rather than after the SDK's retries.
        onTelegramChanged: (companyId) => withinDeadline(deps.temporal, () => ensureTelegramPolling(deps.temporal, deps.taskQueue, companyId)),
      });
      await v1.register(eventTypesRoutes, { db: deps.db });
      await v1.register(templatePreviewRoutes, { db: deps.db });
      await v1.register(counterpartiesRoutes, { db: deps.db });
      await v1.register(managersRoutes, { db: deps.db });
      await v1.register(apiKeysRoutes, { db: deps.db, changes: deps.changes });
      await v1.register(usersRoutes, { db: deps.db });
      await v1.register(configChangesRoutes, { db: deps.db });
      await v1.register(journalRoutes, { db: deps.db, temporal: deps.temporal, taskQueue: deps.taskQueue });
      await v1.register(messagesRoutes, { db: deps.db });
      await v1.register(queuesRoutes, { db: deps.db });
      await v1.register(providerChecksRoutes, { temporal: deps.temporal, taskQueue: deps.taskQueue });
      await v1.register(schedulesRoutes, { db: deps.db, temporal: deps.temporal, taskQueue: deps.taskQueue, namespace: deps.namespace, temporalUiUrl: deps.temporalUiUrl });
    },
    { prefix: '/v1' },
  );
  // Signing in is how a person gets authenticated: outside the hook above.
  await app.register(sessionRoutes, { prefix: '/v1', db: deps.db, policy: sessions });
  // Telegram authenticates its webhook with a secret of its own, not an API key.
  await app.register(telegramWebhookRoutes, { prefix: '/v1', db: deps.db, temporal: deps.temporal, taskQueue: deps.taskQueue });
  return app;
}

/**
 * Declares in every route's schema the answers any route of its kind can give
 * (the OpenAPI document must list every status a route answers; API fuzzing
 * checks it): 400 where there is anything to validate, 413 and 415 where there
 * is a body, 401 and 403 behind an API key, 503 where the database is asked
 * (every /v1 route: the key itself is looked up). A method a path does not
 * have answers 405 with `Allow` instead of 404.
 */
function documentCommonAnswers(app: FastifyInstance): void {
  const paths: { pattern: RegExp; methods: Set<string> }[] = [];
  app.addHook('onRoute', (route) => {
    const methods = [route.method].flat().map((m) => m.toUpperCase());
    // `:param` matches one segment, `*` anything.
    const source = route.url.split('/').map((part) => (part.startsWith(':') ? '[^/]+' : part === '*' ? '.*' : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))).join('/');
    const pattern = new RegExp(`^${source}/?$`);
    const known = paths.find((p) => p.pattern.source === pattern.source);
    if (known) for (const m of methods) known.methods.add(m);
    else paths.push({ pattern, methods: new Set(methods) });

    const schema = route.schema as ({ response?: Record<string | number, unknown>; body?: unknown; querystring?: unknown; params?: unknown; hide?: boolean } | undefined);
    if (!schema || !schema.response) return;
    const response = schema.response;
    const add = (code: number) => {
      if (!(code in response) && !(String(code) in response)) response[code] = Type.Ref(ErrorSchema);
    };
    const v1 = route.url.startsWith('/v1/');
    if (schema.body || schema.querystring || schema.params) add(400);
    if (schema.body) {
      add(413);
      add(415);
    }
    if (v1) add(503);
    if (route.config && (route.config as { role?: unknown }).role) {
      add(401);
      add(403);
    }
  });
  // `?a=1&=x`: the query parser drops a parameter without a name, so validation never sees it; refuse it instead.
  app.addHook('onRequest', async (request) => {
    const q = request.url.indexOf('?');
    if (q < 0 || !request.routeOptions.schema?.querystring) return;
    if (request.url.slice(q + 1).split('&').some((part) => part.startsWith('='))) {
      throw new BadRequestError('invalid querystring: a parameter without a name', [{ path: '/querystring', message: 'has a parameter without a name' }]);
    }
  });
  app.addHook('onRequest', async (request, reply) => {
    if (request.routeOptions.url !== undefined) return;
    const path = request.url.split('?')[0] ?? '';
    const allowed = new Set<string>();
    for (const p of paths) if (p.pattern.test(path)) for (const m of p.methods) allowed.add(m);
    if (allowed.size === 0 || allowed.has(request.method)) return;
    if (allowed.has('GET')) allowed.add('HEAD');
    return reply
      .status(405)
      .header('allow', [...allowed].sort().join(', '))
      .send({ error: { code: 'METHOD_NOT_ALLOWED', message: `${request.method} is not allowed on ${path}; allowed: ${[...allowed].sort().join(', ')}`, details: [] } });
  });
}
