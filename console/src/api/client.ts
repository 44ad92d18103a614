import createClient, { type Middleware } from 'openapi-fetch';
import type { paths } from './schema';

/** An error answer of the API, with its code, message and the field-level details. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: { path?: string; message?: string; line?: number; column?: number; [k: string]: unknown }[] = [],
    readonly retryAfter?: number,
  ) {
    super(message);
  }
}

let csrfToken: string | null = null;
/** The CSRF token of the session: sent with every state-changing request. */
export function setCsrfToken(token: string | null): void {
  csrfToken = token;
}

let onUnauthorized: () => void = () => undefined;
/** What to do when the session has ended (a 401 on any request but the sign-in itself). */
export function setUnauthorizedHandler(handler: () => void): void {
  onUnauthorized = handler;
}

const session: Middleware = {
  onRequest({ request }) {
    if (request.method !== 'GET' && csrfToken) request.headers.set('x-csrf-token', csrfToken);
    return request;
  },
  onResponse({ request, response }) {
    if (response.status === 401 && !new URL(request.url).pathname.endsWith('/v1/session')) onUnauthorized();
    return response;
  },
};

/** The one API client: every path and body typed from the service's own OpenAPI document. */
export const api = createClient<paths>({ baseUrl: window.location.origin, credentials: 'same-origin' });
api.use(session);

interface Result<T> {
  data?: T;
  error?: unknown;
  response: Response;
}

/** The data of an answer, or an ApiError carrying the error body; for TanStack Query's queryFn / mutationFn. */
export async function ok<T>(call: Promise<Result<T>>): Promise<T> {
  const { data, error, response } = await call;
  if (response.ok) return data as T;
  const body = (error ?? {}) as { error?: { code?: string; message?: string; details?: ApiError['details'] } };
  const retry = Number(response.headers.get('retry-after') ?? NaN);
  throw new ApiError(
    response.status,
    body.error?.code ?? String(response.status),
    body.error?.message ?? response.statusText,
    body.error?.details ?? [],
    Number.isFinite(retry) ? retry : undefined,
  );
}
