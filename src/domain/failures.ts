/**
 * The one list of failures that retrying cannot fix, and the one way to turn
 * a failure into the reason a person reads in the journal.
 *
 * Workflows see activity failures as Temporal's `ActivityFailure` wrapping an
 * `ApplicationFailure` whose `type` is the channel error's class name and
 * whose first detail is the provider's own words. This module reads those
 * shapes by their `name` (Temporal marks its failure classes so), which keeps
 * it free of imports and usable in the workflow sandbox, in activities and in
 * unit tests alike.
 */

/**
 * Failure types no retry can fix: the recipient or the provider said no for
 * good, or the template does not render. Retry policies list them as
 * non-retryable; the channel adapters' permanent errors carry these names.
 */
export const PERMANENT_FAILURE_TYPES = [
  'InvalidRecipientError',
  'RejectedError',
  'BlockedError',
  'NotSubscribedError',
  'TemplateError',
] as const;

export type PermanentFailureType = (typeof PERMANENT_FAILURE_TYPES)[number];

/** The failure type of a template that does not render. */
export const TEMPLATE_FAILURE_TYPE = 'TemplateError' satisfies PermanentFailureType;


export function isPermanentFailureType(type: string | undefined | null): boolean {
  return (PERMANENT_FAILURE_TYPES as readonly string[]).includes(type ?? '');
}

export interface FailureReason {
  /** The provider's own words when it gave any, else the failure's message. */
  message: string;
  /** Retrying will not help: fall back or give up, do not queue for later. */
  permanent: boolean;
  /** For the journal entry's details. */
  details: Record<string, unknown>;
}

interface ApplicationFailureLike {
  name: 'ApplicationFailure';
  message: string;
  type?: string | null;
  nonRetryable?: boolean;
  details?: unknown[] | null;
}

function isNamed(value: unknown, name: string): value is { name: string; message: string; cause?: unknown } {
  return value instanceof Error && value.name === name;
}

/** What went wrong, out of whatever a workflow caught from an activity or child. */
export function failureReason(err: unknown): FailureReason {
  const cause = isNamed(err, 'ActivityFailure') || isNamed(err, 'ChildWorkflowFailure') ? err.cause : err;
  if (isNamed(cause, 'ApplicationFailure')) {
    const failure = cause as ApplicationFailureLike;
    const providerReason = failure.details?.[0];
    return {
      message: typeof providerReason === 'string' && providerReason ? providerReason : failure.message,
      permanent: Boolean(failure.nonRetryable) || isPermanentFailureType(failure.type),
      details: { type: failure.type, error: failure.message },
    };
  }
  if (cause instanceof Error) return { message: cause.message, permanent: false, details: { type: cause.name } };
  return { message: String(cause), permanent: false, details: {} };
}

/** The failure's type name (`RejectedError`, `NotConfigured`, …) when it has one. */
export function failureType(err: unknown): string | undefined {
  const cause = isNamed(err, 'ActivityFailure') ? err.cause : err;
  return isNamed(cause, 'ApplicationFailure') ? ((cause as ApplicationFailureLike).type ?? undefined) : undefined;
}

/** An activity (or a message's attempt within one) that failed because its template did not render. */
export function isTemplateFailure(err: unknown): boolean {
  return failureType(err) === TEMPLATE_FAILURE_TYPE;
}
