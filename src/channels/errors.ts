/**
 * Typed channel failures. Adapters classify what a provider said into one of
 * these; activities turn permanent ones into non-retryable Temporal failures.
 */
export abstract class ChannelError extends Error {
  /** A permanent failure will fail the same way when retried. */
  abstract readonly permanent: boolean;
  constructor(
    message: string,
    /** The provider's own words, for the journal. */
    readonly providerReason?: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class NotSubscribedError extends ChannelError {
  readonly permanent = true;
}

export class BlockedError extends ChannelError {
  readonly permanent = true;
}

export class InvalidRecipientError extends ChannelError {
  readonly permanent = true;
}

/** The provider refused the message for good (e.g. an SMTP 5xx reply). */
export class RejectedError extends ChannelError {
  readonly permanent = true;
}

export class RateLimitedError extends ChannelError {
  readonly permanent = false;
  constructor(
    message: string,
    readonly retryAfterMs: number,
    providerReason?: string,
  ) {
    super(message, providerReason);
  }
}

/** The provider could not be reached or answered with a transient error. */
export class UnavailableError extends ChannelError {
  readonly permanent = false;
  /**
   * The request had left when the failure came (a timeout or a connection lost
   * while waiting for the answer): the provider may have taken the message.
   */
  maybeAccepted = false;

  /** Marks a failure as one after which the provider may have the message. */
  static afterRequest(error: UnavailableError): UnavailableError {
    error.maybeAccepted = true;
    return error;
  }
}
