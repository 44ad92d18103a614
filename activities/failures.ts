import { ApplicationFailure } from '@temporalio/common';
import { ChannelError, RateLimitedError, UnavailableError } from '../src/channels/errors';
import type { ChannelRegistry } from '../src/providers/registry';
import type { ChannelAdapter } from '../src/channels/types';
import type { Channel } from '../src/domain/vocabulary';

/** Any error as a typed channel error: what is not classified is taken as transient. */
export function asChannelError(err: unknown): ChannelError {
  if (err instanceof ChannelError) return err;
  return new UnavailableError(err instanceof Error ? err.message : String(err));
}

/**
 * A channel failure as Temporal sees it: the error's class name as the type
 * (the names `PERMANENT_FAILURE_TYPES` lists), the provider's words as the
 * first detail, permanent ones not retried, and a rate limit's wait as the
 * next retry's delay.
 */
export function toActivityFailure(err: unknown): ApplicationFailure {
  const typed = asChannelError(err);
  return ApplicationFailure.create({
    message: typed.message,
    type: typed.name,
    details: [typed.providerReason ?? null],
    nonRetryable: typed.permanent,
    ...(typed instanceof RateLimitedError ? { nextRetryDelay: typed.retryAfterMs } : {}),
  });
}

/** The company's adapter for a channel; an unconfigured channel is an outage of that channel, not a crash. */
export async function adapterFor(registry: ChannelRegistry, companyId: string, channel: Channel): Promise<ChannelAdapter> {
  const set = await registry.forCompany(companyId);
  const adapter = set[channel];
  if (!adapter) {
    throw new UnavailableError(
      channel === 'sms' ? 'no SMS provider is configured (pick one in settings or set SMS_URL)' : 'no Telegram bot token is configured',
    );
  }
  return adapter;
}

export function notFound(what: string): ApplicationFailure {
  return ApplicationFailure.nonRetryable(`${what} not found`, 'NotFound');
}
