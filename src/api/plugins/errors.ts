import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, type ErrorDetail } from '../../domain/errors';
import { TooManyRequestsError } from '../../domain/limits';
import { isDatabaseUnavailable } from '../../db/wait';

/** What a 503 answer tells the caller in `Retry-After`: outages of a dependency are retried, not given up on. */
export const RETRY_AFTER_SECONDS = 5;

interface AjvIssue {
  instancePath: string;
  schemaPath?: string;
  keyword: string;
  message?: string;
  params: Record<string, unknown>;
}

/** The one place that turns any failure into the contract's error body. */
export function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError, request, reply) => {
    if (err instanceof AppError) {
      if (err.statusCode === 503) reply.header('retry-after', String(RETRY_AFTER_SECONDS));
      if (err instanceof TooManyRequestsError) reply.header('retry-after', String(err.retryAfterSeconds));
      return reply.status(err.statusCode).send(body(err.code, err.message, err.details));
    }
    if (isDatabaseUnavailable(err)) {
      request.log.warn({ err }, 'database unavailable');
      return reply
        .status(503)
        .header('retry-after', String(RETRY_AFTER_SECONDS))
        .send(body('UNAVAILABLE', 'the database is unavailable; retry the same request later', []));
    }
    if (err.validation) {
      const part = err.validationContext ?? 'body';
      const details = validationDetails(part, err.validation as AjvIssue[]);
      return reply
        .status(400)
        .send(body('VALIDATION_ERROR', `invalid ${part}: ${details.map((d) => `${d.path} ${d.message}`).join('; ')}`, details));
    }
    const status = err.statusCode ?? 500;
    if (status >= 400 && status < 500) {
      const code = CLIENT_ERROR_CODES[err.code] ?? 'BAD_REQUEST';
      return reply.status(status).send(body(code, clientMessage(err), []));
    }
    request.log.error({ err }, 'request failed');
    return reply.status(500).send(body('INTERNAL', 'internal error', []));
  });

  app.setNotFoundHandler((request, reply) =>
    reply.status(404).send(body('NOT_FOUND', `no route ${request.method} ${request.url.split('?')[0]}`, [])),
  );
}

const CLIENT_ERROR_CODES: Record<string, string> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_INVALID_JSON_BODY: 'INVALID_JSON',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'INVALID_JSON',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'BAD_REQUEST',
};

function clientMessage(err: FastifyError): string {
  switch (err.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return 'request body is too large';
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return 'request body must be JSON (Content-Type: application/json)';
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return 'request body is empty but Content-Type is application/json';
    default:
      return err.message;
  }
}

/**
 * Errors the router finds before any route or hook runs: a path segment longer
 * than any id (414) or a URL that does not decode (400). The URL is never echoed:
 * a webhook path carries a secret.
 */
export function frameworkErrorHandler(err: FastifyError, _request: FastifyRequest, reply: FastifyReply): void {
  switch (err.code) {
    case 'FST_ERR_MAX_PARAM_LENGTH':
      void reply.status(414).send(body('URI_TOO_LONG', 'a path segment is longer than any identifier the API accepts', []));
      return;
    case 'FST_ERR_BAD_URL':
      void reply.status(400).send(body('BAD_URL', 'the URL path is not valid percent-encoded UTF-8', []));
      return;
    default:
      void reply.status(500).send(body('INTERNAL', 'internal error', []));
  }
}

/**
 * Node's HTTP parser refuses some requests before Fastify sees them: headers
 * over the size limit (431), a request that took too long (408), or bytes that
 * are not HTTP (400). The answer still has the contract's body.
 */
export function clientErrorHandler(err: Error & { code?: string }, socket: Socket): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, code, message] =
    err.code === 'HPE_HEADER_OVERFLOW'
      ? [431, 'HEADERS_TOO_LARGE', 'the request line and headers are larger than the server accepts']
      : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, 'REQUEST_TIMEOUT', 'the request was not received in time']
        : [400, 'BAD_REQUEST', 'the request is not valid HTTP'];
  if (socket.writable) {
    const payload = JSON.stringify(body(code, message, []));
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json; charset=utf-8\r\n` +
        `Content-Length: ${Buffer.byteLength(payload)}\r\nConnection: close\r\n\r\n${payload}`,
    );
  }
  socket.destroy(err);
}

const TYPE_WORDS: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  integer: 'an integer',
  boolean: 'true or false',
  null: 'null',
  object: 'an object',
  array: 'an array',
};

const typeWords = (type: unknown): string =>
  (Array.isArray(type) ? type : [type]).map((t) => TYPE_WORDS[String(t)] ?? String(t)).join(' or ');

/** What a failed alternative of a union asked for, in words: `"none"`, `50`, `a string`. */
function alternativeWords(issue: AjvIssue): string | undefined {
  if (issue.keyword === 'const') return JSON.stringify(issue.params.allowedValue);
  if (issue.keyword === 'enum' && Array.isArray(issue.params.allowedValues)) return issue.params.allowedValues.map((v) => JSON.stringify(v)).join(', ');
  if (issue.keyword === 'type') return typeWords(issue.params.type);
  return undefined;
}

/** "a, b or c" */
const orList = (items: readonly string[]): string => (items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} or ${items.at(-1)}`);

/**
 * ajv's issues as the contract's details, one per problem. A union (anyOf)
 * that failed is one detail saying what is allowed in words ("must be one of
 * "none", 50, 100 or 200"), not one "must be equal to constant" per
 * alternative; when the value has the shape of one alternative (an object
 * whose field is wrong), that alternative's own problems are reported instead.
 */
export function validationDetails(part: string, issues: readonly AjvIssue[]): ErrorDetail[] {
  const unions = issues.filter((i) => i.keyword === 'anyOf' || i.keyword === 'oneOf');
  const consumed = new Set<AjvIssue>();
  const details: ErrorDetail[] = [];
  // Innermost unions first, so an outer union sees an inner one already worded.
  for (const union of [...unions].sort((a, b) => (b.schemaPath ?? '').length - (a.schemaPath ?? '').length)) {
    if (consumed.has(union)) continue;
    consumed.add(union);
    const prefix = `${union.schemaPath ?? ''}/`;
    const branchOf = (i: AjvIssue) => (i.schemaPath?.startsWith(prefix) ? Number(i.schemaPath.slice(prefix.length).split('/')[0]) : undefined);
    const inside = issues.filter((i) => i !== union && !consumed.has(i) && branchOf(i) !== undefined);
    for (const i of inside) consumed.add(i);
    const branches = new Map<number, AjvIssue[]>();
    for (const i of inside) branches.set(branchOf(i)!, [...(branches.get(branchOf(i)!) ?? []), i]);
    // An alternative whose shape matched (only its inner fields failed) is what the caller meant.
    const meant = [...branches.values()].find((list) => list.every((i) => i.instancePath !== union.instancePath || !alternativeWords(i)));
    if (meant) {
      details.push(...validationDetails(part, meant));
      continue;
    }
    // A constant's branch also fails its `type` ("none" is a string): the constant says it better.
    const branchWords = (list: AjvIssue[]) => {
      const exact = list.filter((i) => i.keyword === 'const' || i.keyword === 'enum');
      return (exact.length ? exact : list).map(alternativeWords).filter((w): w is string => w !== undefined);
    };
    const words = [...new Set([...branches.values()].flatMap(branchWords))];
    const values = words.filter((w) => !/^(a|an|null|true) /.test(w) && w !== 'null');
    const kinds = words.filter((w) => !values.includes(w));
    const allowed = [...(values.length ? [values.length === 1 && kinds.length === 0 ? values[0]! : `one of ${values.join(', ')}`] : []), ...kinds];
    details.push({ path: `/${part}${union.instancePath}`, message: allowed.length ? `must be ${orList(allowed)}` : (union.message ?? 'is not allowed') });
  }
  for (const issue of issues) if (!consumed.has(issue)) details.push(validationDetail(part, issue));
  return details;
}

function validationDetail(part: string, issue: AjvIssue): ErrorDetail {
  const base = `/${part}${issue.instancePath}`;
  if (issue.keyword === 'required') {
    return { path: `${base}/${String(issue.params.missingProperty)}`, message: 'is required' };
  }
  if (issue.keyword === 'additionalProperties') {
    return { path: `${base}/${String(issue.params.additionalProperty)}`, message: 'is not a known field' };
  }
  if (issue.keyword === 'enum' && Array.isArray(issue.params.allowedValues)) {
    return { path: base, message: `must be one of ${issue.params.allowedValues.join(', ')}` };
  }
  if (issue.keyword === 'const') return { path: base, message: `must be ${JSON.stringify(issue.params.allowedValue)}` };
  if (issue.keyword === 'type') return { path: base, message: `must be ${typeWords(issue.params.type)}` };
  return { path: base, message: issue.message ?? issue.keyword };
}

function body(code: string, message: string, details: ErrorDetail[]) {
  return { error: { code, message, details } };
}
