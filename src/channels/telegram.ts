import http from 'node:http';
import https from 'node:https';
import { Api, GrammyError, HttpError } from 'grammy';
import {
  BlockedError,
  InvalidRecipientError,
  NotSubscribedError,
  RateLimitedError,
  RejectedError,
  UnavailableError,
  type ChannelError,
} from './errors';
import { describeConnectionFailure, guardedLookup, urlHost, type ResolveHost } from './outbound';
import type { ChannelAdapter, OutboundMessage, SendResult } from './types';
import { parseIp } from '../domain/addresses';

/** The public Bot API; a local Bot API server or the test peer replaces it through `apiRoot`. */
export const DEFAULT_TELEGRAM_API_ROOT = 'https://api.telegram.org';

export interface TelegramChannelOptions {
  /** The bot token from BotFather. It never leaves this module except inside request URLs. */
  token: string;
  /** Without a trailing slash. Default {@link DEFAULT_TELEGRAM_API_ROOT}. */
  apiRoot?: string;
  /** The name written to the journal as the provider. Default `telegram`. */
  provider?: string;
  /** `HTML` makes Telegram interpret the text as HTML; templates must then escape `<`, `>`, `&`. */
  parseMode?: 'HTML' | undefined;
  /** Upper bound for one call other than long polling. Default 30 s. */
  requestTimeoutMs?: number;
  /**
   * Resolves and checks the API root's host before each connection, which
   * then goes to the address it returns. Unset for the operator's own root.
   */
  resolveHost?: ResolveHost;
}

/**
 * The part of a Telegram `Update` the service uses: text messages written to
 * the bot (subscription by `/start <token>`, `/stop`, auto-replies). Updates
 * of other kinds keep only `update_id`, so the polling offset still advances.
 */
export interface TelegramUpdate {
  update_id: number;
  message?: {
    message_id: number;
    /** Unix seconds. */
    date?: number;
    chat: { id: number; type: 'private' | 'group' | 'supergroup' | 'channel' };
    /** Absent in channel posts. */
    from?: { id: number; first_name: string; username?: string };
    /** Absent for stickers, photos and other non-text messages. */
    text?: string;
  };
}

/** The Telegram adapter: a channel adapter plus the bot management calls the settings and subscription code need. */
export interface TelegramChannel extends ChannelAdapter {
  readonly channel: 'telegram';
  getMe(): Promise<{ id: number; username: string }>;
  /** Telegram then POSTs updates to `url` with header `X-Telegram-Bot-Api-Secret-Token: secretToken`. */
  setWebhook(url: string, secretToken: string): Promise<void>;
  /** Switches back to long polling; pending updates are kept. */
  deleteWebhook(): Promise<void>;
  /**
   * Long polling. Passing `offset` confirms every update below it, so the
   * caller must only advance it past updates it has handled.
   */
  getUpdates(offset: number, timeoutSec: number): Promise<TelegramUpdate[]>;
  /** The test message of R3. */
  sendText(chatId: string, text: string): Promise<SendResult>;
}

/** A numeric chat id (negative for groups) or a public `@channelusername`. */
const CHAT_ID = /^(-?\d{1,20}|@[A-Za-z][A-Za-z0-9_]{3,31})$/;

/**
 * Builds the Telegram Bot API adapter on grammY's `Api` client.
 *
 * Every failure comes out as a typed {@link ChannelError} whose message,
 * reason and stack are free of the bot token; the original grammY error is
 * deliberately not kept as `cause`, because node-fetch's errors inside it
 * carry the request URL, and the URL carries the token.
 */
export function createTelegramChannel(opts: TelegramChannelOptions): TelegramChannel {
  const { token, parseMode } = opts;
  const apiRoot = (opts.apiRoot ?? DEFAULT_TELEGRAM_API_ROOT).replace(/\/+$/, '');
  const provider = opts.provider ?? 'telegram';
  const requestTimeoutMs = opts.requestTimeoutMs ?? 30_000;
  // Our own keep-alive agent, so close() can release the sockets; grammY's
  // default agents are cached per API root for the life of the process.
  const lookup = opts.resolveHost ? { lookup: guardedLookup(opts.resolveHost) } : {};
  const agent = apiRoot.startsWith('https:') ? new https.Agent({ keepAlive: true, ...lookup }) : new http.Agent({ keepAlive: true, ...lookup });
  // An IP literal is connected to without any lookup, so it is checked before each call instead.
  const rootHost = URL.canParse(apiRoot) ? urlHost(new URL(apiRoot)) : apiRoot;
  const checkLiteral = opts.resolveHost && (parseIp(rootHost) || !URL.canParse(apiRoot)) ? opts.resolveHost : undefined;
  // The Bot API never redirects; a redirect to an IP literal would skip the checking lookup.
  const noRedirects = opts.resolveHost ? { redirect: 'error' as const } : {};
  // grammY's own per-client deadline; its Node typings want the
  // `abort-controller` polyfill's AbortSignal, so per-call signals would need a cast.
  const apiWithDeadline = (timeoutMs: number) =>
    new Api(token, { apiRoot, timeoutSeconds: timeoutMs / 1000, baseFetchConfig: { agent, ...noRedirects } });
  const api = apiWithDeadline(requestTimeoutMs);
  const redact = redactor(token);

  /** Runs one Bot API call and classifies whatever it throws. */
  async function call<T>(method: string, run: () => Promise<T>): Promise<T> {
    try {
      await checkLiteral?.(rootHost);
      return await run();
    } catch (err) {
      throw classifyTelegramError(err, { method, redact });
    }
  }

  async function send(message: OutboundMessage): Promise<SendResult> {
    const chatId = message.to.trim();
    if (!CHAT_ID.test(chatId)) {
      throw new InvalidRecipientError(`not a Telegram chat id: ${JSON.stringify(redact(message.to))}`);
    }
    const sent = await call('sendMessage', () =>
      api.sendMessage(chatId, message.text, parseMode ? { parse_mode: parseMode } : {}),
    );
    return {
      provider,
      // message_id counts per chat, so it only identifies a message together with the chat.
      providerMessageId: `${sent.chat.id}:${sent.message_id}`,
      response: JSON.stringify({ message_id: sent.message_id, chat_id: sent.chat.id, date: sent.date }),
    };
  }

  return {
    channel: 'telegram',
    provider,
    send,
    sendText: (chatId, text) => send({ to: chatId, text }),
    async getMe() {
      const me = await call('getMe', () => api.getMe());
      return { id: me.id, username: me.username };
    },
    async setWebhook(url, secretToken) {
      await call('setWebhook', () => api.setWebhook(url, { secret_token: secretToken, allowed_updates: ['message'] }));
    },
    async deleteWebhook() {
      await call('deleteWebhook', () => api.deleteWebhook({ drop_pending_updates: false }));
    },
    async getUpdates(offset, timeoutSec) {
      // The server holds a long poll open for timeoutSec on purpose, so this
      // call gets a client whose deadline lies past it.
      const poller = apiWithDeadline(timeoutSec * 1000 + requestTimeoutMs);
      const updates = await call('getUpdates', () =>
        poller.getUpdates({ offset, timeout: timeoutSec, allowed_updates: ['message'] }),
      );
      return updates.map((u) => pickTelegramUpdate(u)).filter((u): u is TelegramUpdate => u !== null);
    },
    async close() {
      agent.destroy();
    },
  };
}

/**
 * Keeps the fields of {@link TelegramUpdate} from a raw Bot API update (from
 * getUpdates or a webhook body); `null` when it is not an update at all.
 */
export function pickTelegramUpdate(raw: unknown): TelegramUpdate | null {
  if (!isRecord(raw) || typeof raw.update_id !== 'number') return null;
  const update: TelegramUpdate = { update_id: raw.update_id };
  const m = raw.message;
  if (isRecord(m) && typeof m.message_id === 'number' && isRecord(m.chat) && typeof m.chat.id === 'number') {
    const chatType = m.chat.type;
    update.message = {
      message_id: m.message_id,
      chat: {
        id: m.chat.id,
        type: chatType === 'group' || chatType === 'supergroup' || chatType === 'channel' ? chatType : 'private',
      },
      ...(typeof m.date === 'number' ? { date: m.date } : {}),
      ...(isRecord(m.from) && typeof m.from.id === 'number'
        ? {
            from: {
              id: m.from.id,
              first_name: typeof m.from.first_name === 'string' ? m.from.first_name : '',
              ...(typeof m.from.username === 'string' ? { username: m.from.username } : {}),
            },
          }
        : {}),
      ...(typeof m.text === 'string' ? { text: m.text } : {}),
    };
  }
  return update;
}

/**
 * Reads a bot command that matters for subscriptions: `/start <payload>`
 * (the deep link `t.me/<bot>?start=<payload>` arrives as exactly that) and
 * `/stop`. In groups clients write `/start@BotName`; when `botUsername` is
 * given, a command addressed to another bot is not ours and yields `null`.
 */
export function parseStartCommand(
  text: string,
  botUsername?: string,
): { command: 'start' | 'stop' | null; payload?: string } {
  const match = /^\/(start|stop)(?:@([A-Za-z0-9_]+))?(?:\s+([\s\S]*))?$/i.exec(text.trim());
  if (!match) return { command: null };
  const [, word = '', mention, rest] = match;
  if (mention && botUsername && mention.toLowerCase() !== botUsername.replace(/^@/, '').toLowerCase()) {
    return { command: null };
  }
  const command = word.toLowerCase() === 'start' ? 'start' : 'stop';
  const payload = rest?.trim();
  return command === 'start' && payload ? { command, payload } : { command };
}

interface ClassifyContext {
  method: string;
  /** Removes the bot token from any text; identity when omitted. */
  redact?: (text: string) => string;
}

/**
 * Maps what grammY threw into one typed channel error. The Bot API's
 * `description` is the provider reason the journal shows; the decision rests
 * on `error_code` first and the description only where Telegram uses one code
 * for different situations (403, 400).
 */
export function classifyTelegramError(err: unknown, ctx: ClassifyContext): ChannelError {
  const redact = ctx.redact ?? ((text: string) => text);
  const { method } = ctx;
  if (err instanceof GrammyError) {
    const code = err.error_code;
    const reason = redact(err.description);
    const said = `Telegram ${method} failed with ${code}: ${reason}`;
    const lower = reason.toLowerCase();
    if (code === 429) {
      const seconds = err.parameters.retry_after ?? Number(/retry after (\d+)/i.exec(reason)?.[1] ?? 1);
      return new RateLimitedError(said, seconds * 1000, reason);
    }
    if (code === 401 || code === 404) {
      // 401 is a wrong token, 404 a malformed one: fix the settings, but a
      // corrected token should let later retries succeed, hence transient.
      return new UnavailableError(`Telegram rejected the bot token (${code}: ${reason}); check the company's bot settings`, reason);
    }
    if (code === 403) {
      // The user never pressed Start: the chat is known but not subscribed.
      if (lower.includes("can't initiate conversation")) return new NotSubscribedError(said, reason);
      if (lower.includes("can't send messages to bots")) return new InvalidRecipientError(said, reason);
      // Blocked by the user, user deactivated, bot kicked from the group.
      return new BlockedError(said, reason);
    }
    if (code === 400 && lower.includes('chat not found')) return new NotSubscribedError(said, reason);
    // 409: another getUpdates or an active webhook; it clears on its own or by deleteWebhook.
    if (code >= 500 || code === 409) return new UnavailableError(said, reason);
    return new RejectedError(said, reason);
  }
  // Anything but a Bot API answer is said in a few words: the fetch error's
  // text names the URL (token included), the address and port, and for a
  // body that is not JSON, the start of that body.
  const inner = err instanceof HttpError ? err.error : err;
  if ((inner as { type?: string } | undefined)?.type === 'invalid-json') {
    return new UnavailableError(`Telegram ${method} failed: not a Bot API answer`, 'not a Bot API answer');
  }
  const reason = describeConnectionFailure(err);
  if (reason === 'address not allowed') return new RejectedError(`Telegram ${method}: ${reason}`, reason);
  if (err instanceof HttpError) {
    const error = new UnavailableError(`Telegram ${method} could not be reached: ${reason}`, reason);
    // A connection lost or timed out while waiting may have carried the request; a refused one did not.
    return reason === 'timed out' || reason === 'connection failed' ? UnavailableError.afterRequest(error) : error;
  }
  const own = redact(err instanceof Error ? err.message : String(err));
  return new UnavailableError(`Telegram ${method} failed: ${own}`, own);
}

/** Replaces the token, raw or URL-encoded, wherever it occurs. */
function redactor(token: string): (text: string) => string {
  const forms = [...new Set([token, encodeURIComponent(token)])].filter((t) => t.length > 0);
  return (text) => forms.reduce((out, form) => out.split(form).join('<bot-token>'), text);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}
