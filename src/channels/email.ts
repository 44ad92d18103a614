import { createHash } from 'node:crypto';
import nodemailer from 'nodemailer';
import type { Transporter } from 'nodemailer';
import { InvalidRecipientError, RejectedError, UnavailableError, type ChannelError } from './errors';
import { describeConnectionFailure, type ResolvedAddress, type ResolveHost } from './outbound';
import type { ChannelAdapter, OutboundMessage, SendResult } from './types';
import { oneLine } from '../domain/templates';

/** A transport made per send, e.g. {@link createGuardedSmtpTransport}. */
export interface TransportSource {
  get(): Promise<Transporter>;
  close(): void;
}

export interface EmailChannelOptions {
  transport: Transporter | TransportSource;
  provider?: string;
}

/** An SMTP server by its parts, as a company's provider settings hold it. */
export interface SmtpServer {
  host: string;
  port: number;
  secure?: boolean | undefined;
  user?: string | undefined;
  password?: string | undefined;
  requireTLS?: boolean | undefined;
  tlsRejectUnauthorized?: boolean | undefined;
}

type SmtpOptions = ReturnType<typeof smtpOptionsFromUrl>;

/** Builds a pooled SMTP transport; credentials stay inside nodemailer and are never logged. */
export function createSmtpTransport(smtp: string | SmtpOptions): Transporter {
  return nodemailer.createTransport({
    ...(typeof smtp === 'string' ? smtpOptionsFromUrl(smtp) : smtp),
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

/** nodemailer options from parts: no URL is pasted together, so no host or user can smuggle in a port or credentials. */
export function smtpOptionsFromParts(server: SmtpServer): SmtpOptions {
  const secure = server.secure ?? false;
  return {
    host: server.host,
    port: server.port,
    secure,
    ...(server.user ? { auth: { user: server.user, pass: server.password ?? '' } } : {}),
    ...(server.requireTLS ? { requireTLS: true } : {}),
    tls: { rejectUnauthorized: server.tlsRejectUnauthorized ?? true },
  };
}

/**
 * A company's SMTP server, reached only at an address `resolve` approved: each
 * send resolves the host again, connects to the checked IP and verifies TLS
 * against the name. The pool is kept while the address stays the same.
 */
export function createGuardedSmtpTransport(server: SmtpServer, resolve: ResolveHost): TransportSource {
  const options = smtpOptionsFromParts(server);
  let pinned: { target: ResolvedAddress; transport: Transporter } | undefined;
  return {
    async get() {
      const target = await resolve(server.host);
      if (pinned?.target.address !== target.address) {
        pinned?.transport.close();
        const servername = target.address === server.host ? undefined : server.host;
        pinned = {
          target,
          transport: createSmtpTransport({ ...options, host: target.address, tls: { ...options.tls, ...(servername ? { servername } : {}) } }),
        };
      }
      return pinned.transport;
    },
    close() {
      pinned?.transport.close();
      pinned = undefined;
    },
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

export function createEmailChannel({ transport: source, provider = 'smtp' }: EmailChannelOptions): ChannelAdapter {
  // A nodemailer Transporter has a `get` of its own (plugin options): tell them apart by `sendMail`.
  const isSource = (t: Transporter | TransportSource): t is TransportSource => !('sendMail' in t);
  return {
    channel: 'email',
    provider,
    async send(message: OutboundMessage): Promise<SendResult> {
      if (!message.from) throw new InvalidRecipientError('e-mail needs a From address');
      try {
        const transport = isSource(source) ? await source.get() : source;
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
      source.close();
    },
  };
}

interface SmtpFailure {
  code?: string;
  responseCode?: number;
  response?: string;
  message?: string;
}

/** Errors before any SMTP reply: said in a few words, never with the socket's text (address, port) or what the far end sent. */
const CONNECTION_CODES = new Set(['ECONNECTION', 'ETIMEDOUT', 'ESOCKET', 'EDNS', 'EPROTOCOL', 'ECONNREFUSED', 'EADDRNOTALLOWED']);

/** SMTP 5xx is permanent, 4xx and connection trouble are transient; a forbidden address is permanent. */
export function classifySmtpError(err: unknown): ChannelError {
  const e = (err ?? {}) as SmtpFailure & { cause?: unknown };
  const reason = e.response ?? e.message ?? String(err);
  // Login and TLS failures are settings problems: say so, and do not retry them as if the message were at fault.
  if (e.code === 'EAUTH') return new RejectedError(`SMTP login failed (check the user and password): ${reason}`, reason);
  if (e.code === 'ETLS') return new RejectedError('SMTP TLS upgrade failed', 'TLS failed');
  if (e.code !== undefined && typeof e.responseCode !== 'number' && CONNECTION_CODES.has(e.code)) {
    const what = connectionWords(err);
    if (what === 'address not allowed') return new RejectedError(`SMTP server ${what}`, what);
    return new UnavailableError(`SMTP server unreachable: ${what}`, what);
  }
  if (typeof e.responseCode === 'number') {
    if (e.responseCode >= 500) {
      if (e.code === 'EENVELOPE') return new InvalidRecipientError(`recipient refused: ${reason}`, reason);
      return new RejectedError(`SMTP server refused the message: ${reason}`, reason);
    }
    return new UnavailableError(`SMTP server answered ${e.responseCode}: ${reason}`, reason);
  }
  if (e.code === 'EENVELOPE') return new InvalidRecipientError(`bad recipient: ${reason}`, reason);
  // No code: not a socket failure but something of ours; its words are our own.
  if (e.code === undefined) return new UnavailableError(`SMTP server unreachable: ${reason}`, reason);
  const what = connectionWords(err);
  return new UnavailableError(`SMTP server unreachable: ${what}`, what);
}

/** nodemailer says "Greeting never received" for a server that keeps silent, and names TLS trouble in its message. */
function connectionWords(err: unknown): string {
  const general = describeConnectionFailure(err);
  if (general === 'address not allowed' || general === 'connection refused' || general === 'host not found') return general;
  const e = err as { code?: string; message?: string };
  const message = e.message ?? '';
  if (e.code === 'EPROTOCOL') return 'not an SMTP server';
  if (/self[- ]signed/i.test(message)) return 'TLS failed (self-signed certificate)';
  if (/certificate|CERT_|wrong version number|\bssl\b|\btls\b/i.test(message)) return 'TLS failed (certificate not trusted or no TLS)';
  if (/greeting never received|timeout|timed out/i.test(message)) return 'timed out';
  if (/ECONNREFUSED/.test(message)) return 'connection refused';
  return general;
}
