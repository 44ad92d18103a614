import { createHash } from 'node:crypto';
import nodemailer from 'nodemailer';
import type { Transporter } from 'nodemailer';
import { InvalidRecipientError, RejectedError, UnavailableError, type ChannelError } from './errors';
import type { ChannelAdapter, OutboundMessage, SendResult } from './types';
import { oneLine } from '../domain/templates';

export interface EmailChannelOptions {
  transport: Transporter;
  provider?: string;
}

/** Builds a pooled SMTP transport; credentials stay inside nodemailer and are never logged. */
export function createSmtpTransport(smtpUrl: string): Transporter {
  return nodemailer.createTransport({
    ...smtpOptionsFromUrl(smtpUrl),
    pool: true,
    maxConnections: 5,
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 20_000,
    logger: false,
    debug: false,
  });
}

/**
 * `smtp://user:pass@host:port` or `smtps://...`; query flags `requireTLS`,
 * `ignoreTLS` and `tlsRejectUnauthorized=false` (for self-signed test servers).
 */
export function smtpOptionsFromUrl(smtpUrl: string) {
  const url = new URL(smtpUrl);
  const secure = url.protocol === 'smtps:';
  const flag = (name: string): boolean | undefined => {
    const value = url.searchParams.get(name);
    return value === null ? undefined : value !== 'false' && value !== '0';
  };
  return {
    host: url.hostname,
    port: url.port ? Number(url.port) : secure ? 465 : 587,
    secure,
    ...(url.username
      ? { auth: { user: decodeURIComponent(url.username), pass: decodeURIComponent(url.password) } }
      : {}),
    ...(flag('requireTLS') !== undefined ? { requireTLS: flag('requireTLS') } : {}),
    ...(flag('ignoreTLS') !== undefined ? { ignoreTLS: flag('ignoreTLS') } : {}),
    tls: { rejectUnauthorized: flag('tlsRejectUnauthorized') ?? true },
  };
}

/**
 * A Message-ID derived from a stable key (workflow and step): every retry of
 * the same send carries the same id, so receivers can drop a duplicate.
 */
export function stableMessageId(key: string, fromAddress: string): string {
  const at = fromAddress.lastIndexOf('@');
  const domain = at >= 0 ? fromAddress.slice(at + 1) : 'localhost';
  return `<${createHash('sha256').update(key).digest('hex').slice(0, 32)}@${domain}>`;
}

export function createEmailChannel({ transport, provider = 'smtp' }: EmailChannelOptions): ChannelAdapter {
  return {
    channel: 'email',
    provider,
    async send(message: OutboundMessage): Promise<SendResult> {
      if (!message.from) throw new InvalidRecipientError('e-mail needs a From address');
      try {
        const info = await transport.sendMail({
          // Display names come from data: one line each, like the subject.
          from: { name: oneLine(message.from.name), address: message.from.address },
          to: message.toName ? { name: oneLine(message.toName), address: message.to } : message.to,
          subject: message.subject ?? '',
          text: message.text,
          ...(message.html ? { html: message.html } : {}),
          ...(message.messageId ? { messageId: message.messageId } : {}),
          ...(message.attachments?.length ? { attachments: message.attachments } : {}),
        });
        return {
          provider,
          providerMessageId: info.messageId,
          response: String(info.response ?? ''),
        };
      } catch (err) {
        throw classifySmtpError(err);
      }
    },
    async close() {
      transport.close();
    },
  };
}

interface SmtpFailure {
  code?: string;
  responseCode?: number;
  response?: string;
  message?: string;
}

/** SMTP 5xx is permanent, 4xx and connection trouble are transient. */
export function classifySmtpError(err: unknown): ChannelError {
  const e = (err ?? {}) as SmtpFailure;
  const reason = e.response ?? e.message ?? String(err);
  // Login and TLS failures are settings problems: say so, and do not retry them as if the message were at fault.
  if (e.code === 'EAUTH') return new RejectedError(`SMTP login failed (check the user and password): ${reason}`, reason);
  if (e.code === 'ETLS') return new RejectedError(`SMTP TLS upgrade failed: ${e.message ?? reason}`, e.message ?? reason);
  if (typeof e.responseCode === 'number') {
    if (e.responseCode >= 500) {
      if (e.code === 'EENVELOPE') return new InvalidRecipientError(`recipient refused: ${reason}`, reason);
      return new RejectedError(`SMTP server refused the message: ${reason}`, reason);
    }
    return new UnavailableError(`SMTP server answered ${e.responseCode}: ${reason}`, reason);
  }
  if (e.code === 'EENVELOPE') return new InvalidRecipientError(`bad recipient: ${reason}`, reason);
  return new UnavailableError(`SMTP server unreachable: ${reason}`, reason);
}
