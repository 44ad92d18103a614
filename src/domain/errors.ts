/**
 * The refusals a use case can give, each with the HTTP status and code the
 * API answers with. They live in the domain so services refuse with field
 * paths without knowing about HTTP; the API's error handler is the one place
 * that turns them into the contract's error body.
 */

/** One problem with one field of a request: its JSON path and why. */
export interface ErrorDetail {
  path: string;
  message: string;
  /** For template errors: where in the template, 1-based. */
  line?: number;
  column?: number;
}

/** Errors the API answers on purpose; anything else is a 500 whose text is hidden. */
export class AppError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly details: ErrorDetail[] = [],
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class BadRequestError extends AppError {
  constructor(message: string, details: ErrorDetail[] = []) {
    super(400, 'VALIDATION_ERROR', message, details);
  }
}

export class UnauthorizedError extends AppError {
  constructor(message = 'a valid API key (Authorization: Bearer <key>) or a signed-in session is required') {
    super(401, 'UNAUTHORIZED', message);
  }
}

export class ForbiddenError extends AppError {
  constructor(role: string, who: 'API key' | 'user' = 'API key') {
    super(403, 'FORBIDDEN', `this ${who} lacks the role ${role}`);
  }
}

/**
 * 403 for a change sent with the session cookie but without the session's
 * CSRF token in `x-csrf-token`: a page of another site cannot read the token.
 */
export class CsrfRejectedError extends AppError {
  constructor() {
    super(403, 'CSRF_REJECTED', 'a request that changes something must carry the header x-csrf-token with the token of the session');
  }
}

export class NotFoundError extends AppError {
  constructor(what: string) {
    super(404, 'NOT_FOUND', `${what} not found`);
  }
}

export class ConflictError extends AppError {
  constructor(message: string, code = 'CONFLICT') {
    super(409, code, message);
  }
}

export class UnprocessableError extends AppError {
  constructor(code: string, message: string, details: ErrorDetail[] = []) {
    super(422, code, message, details);
  }
}

export class ServiceUnavailableError extends AppError {
  constructor(message: string) {
    super(503, 'UNAVAILABLE', message);
  }
}
