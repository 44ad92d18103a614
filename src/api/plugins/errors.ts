import type { FastifyError, FastifyInstance } from 'fastify';
import { AppError, type ErrorDetail } from '../../domain/errors';

interface AjvIssue {
  instancePath: string;
  keyword: string;
  message?: string;
  params: Record<string, unknown>;
}

/** The one place that turns any failure into the contract's error body. */
export function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError, request, reply) => {
    if (err instanceof AppError) {
      return reply.status(err.statusCode).send(body(err.code, err.message, err.details));
    }
    if (err.validation) {
      const part = err.validationContext ?? 'body';
      const details = (err.validation as AjvIssue[]).map((issue) => validationDetail(part, issue));
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
  return { path: base, message: issue.message ?? issue.keyword };
}

function body(code: string, message: string, details: ErrorDetail[]) {
  return { error: { code, message, details } };
}
