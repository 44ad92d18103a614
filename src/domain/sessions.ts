/**
 * Rules of people's sign-in (R20): how long a session lives, how many failed
 * sign-ins are allowed, and what a login is. The numbers come from the
 * environment (`loadConfig`).
 */

export interface SessionPolicy {
  /** A session unused for this long ends. */
  readonly idleSeconds: number;
  /** A session ends this long after sign-in, however much it is used. */
  readonly absoluteSeconds: number;
  /** Failed sign-ins for one login within `attemptWindowSeconds` before sign-in is refused with 429. */
  readonly failedPerLogin: number;
  /** Failed sign-ins from one IP address within `attemptWindowSeconds` before sign-in is refused with 429. */
  readonly failedPerIp: number;
  readonly attemptWindowSeconds: number;
}

export const DEFAULT_SESSION_POLICY: SessionPolicy = Object.freeze({
  idleSeconds: 12 * 3600,
  absoluteSeconds: 7 * 24 * 3600,
  failedPerLogin: 5,
  failedPerIp: 20,
  attemptWindowSeconds: 15 * 60,
});

/** The cookie that carries a console session. */
export const SESSION_COOKIE = 'notify_session';

/** The header that must repeat the session's CSRF token on every change made with the cookie. */
export const CSRF_HEADER = 'x-csrf-token';

/** Methods that change nothing, so a cookie alone suffices for them. */
export const SAFE_METHODS: readonly string[] = ['GET', 'HEAD', 'OPTIONS'];

/** Logins are compared without case: stored as typed in lower case, without surrounding spaces. */
export function normalizeLogin(login: string): string {
  return login.trim().toLowerCase();
}

/** The shortest password a person may be given. */
export const PASSWORD_MIN_LENGTH = 10;

/** What the journal and the change history show for a person: `Иванова Анна (ivanova)`. */
export function personLabel(user: { name: string; login: string }): string {
  return `${user.name} (${user.login})`;
}

/** Hosts a browser treats as a secure context over plain HTTP: the cookie goes without `Secure` only there. */
export function isLocalHost(hostname: string): boolean {
  const host = hostname.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  return host === 'localhost' || host === '127.0.0.1' || host === '::1';
}
