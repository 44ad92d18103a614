import { randomBytes, randomInt } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A real HTTP server on loopback that speaks the part of the Telegram Bot API
 * the service uses: `getMe`, `sendMessage`, `setWebhook`, `deleteWebhook`,
 * `getWebhookInfo`, `getUpdates`. Paths, envelopes, error codes and
 * descriptions follow api.telegram.org, so a client pointed at `apiRoot`
 * cannot tell the difference for these methods.
 */

export type PeerFailureCode = 403 | 400 | 429 | 500;

export interface PeerFailure {
  code: PeerFailureCode;
  /** Telegram's wording by default, e.g. `Forbidden: bot was blocked by the user` for 403. */
  description?: string;
  /** Seconds; 429 only. Default 1. */
  retryAfter?: number;
  /** How many sendMessage calls to this chat fail; forever when omitted. */
  times?: number;
}

export interface PeerSentMessage {
  chatId: string;
  text: string;
  messageId: number;
  parseMode?: string;
  at: Date;
}

/** A message a user writes to the bot; what is left out gets plausible defaults. */
export interface PeerUpdateInput {
  chatId: number | string;
  text: string;
  chatType?: 'private' | 'group' | 'supergroup' | 'channel';
  from?: { id?: number; first_name?: string; username?: string };
}

/** The update as the peer delivers it, shaped like Telegram's `Update`. */
export interface PeerUpdate {
  update_id: number;
  message: {
    message_id: number;
    date: number;
    chat: { id: number; type: string; first_name?: string; username?: string };
    from: { id: number; is_bot: false; first_name: string; username?: string };
    text: string;
  };
}

export interface TelegramBotApiPeer {
  /** `http://127.0.0.1:<port>`, for the client's `apiRoot`. */
  readonly apiRoot: string;
  readonly token: string;
  readonly bot: { id: number; username: string; first_name: string };
  /** Every message sendMessage accepted, in order. */
  readonly sent: PeerSentMessage[];
  /** Every authorised call, failed ones included. */
  readonly calls: Array<{ method: string; params: Record<string, unknown> }>;
  /** Set by setWebhook, cleared by deleteWebhook. */
  readonly webhook: { url: string; secretToken: string | null } | null;
  /** Makes sendMessage to `chatId` answer with this Bot API error. */
  failFor(chatId: string, failure: PeerFailure): void;
  clearFailures(): void;
  /** Queues an update for getUpdates and wakes a waiting long poll. */
  queueUpdate(input: PeerUpdateInput): PeerUpdate;
  /**
   * POSTs one update to the webhook set by setWebhook, with the
   * `X-Telegram-Bot-Api-Secret-Token` header, as Telegram does; resolves with
   * the webhook's answer. Throws when no webhook is set.
   */
  pushUpdate(input: PeerUpdateInput): Promise<{ status: number; body: string; update: PeerUpdate }>;
  /** Same as {@link pushUpdate}. */
  postUpdateToWebhook(input: PeerUpdateInput): Promise<{ status: number; body: string; update: PeerUpdate }>;
  stop(): Promise<void>;
}

interface Envelope {
  status: number;
  body: { ok: true; result: unknown; description?: string } | { ok: false; error_code: number; description: string; parameters?: { retry_after?: number } };
}

class BotApiError extends Error {
  constructor(
    readonly code: number,
    readonly description: string,
    readonly retryAfter?: number,
  ) {
    super(description);
  }
}

/** A successful answer that also carries Telegram's `description`, as setWebhook's does. */
class Described {
  constructor(
    readonly result: unknown,
    readonly description: string,
  ) {}
}

const DEFAULT_DESCRIPTIONS: Record<PeerFailureCode, string> = {
  403: 'Forbidden: bot was blocked by the user',
  400: 'Bad Request: chat not found',
  429: 'Too Many Requests: retry after %d',
  500: 'Internal Server Error',
};

/** Telegram's limit for one text message, in UTF-16 code units after entity parsing. */
const MAX_TEXT = 4096;

/**
 * Starts the peer on an ephemeral loopback port (or `port`). The token is
 * random unless given; as on Telegram, its numeric prefix is the bot's id.
 */
export async function startTelegramBotApi(
  opts: { token?: string; botUsername?: string; port?: number } = {},
): Promise<TelegramBotApiPeer> {
  const token = opts.token ?? `${randomInt(100_000_000, 999_999_999)}:AA${randomBytes(24).toString('base64url')}`;
  const botId = Number(/^(\d+):/.exec(token)?.[1] ?? 1);
  const bot = { id: botId, username: opts.botUsername ?? 'notify_test_bot', first_name: 'Notify test bot' };

  const sent: PeerSentMessage[] = [];
  const calls: Array<{ method: string; params: Record<string, unknown> }> = [];
  const failures = new Map<string, PeerFailure & { left: number }>();
  const messageIds = new Map<string, number>();
  let pending: PeerUpdate[] = [];
  let nextUpdateId = randomInt(10_000, 100_000);
  let nextIncomingMessageId = 1;
  let webhook: { url: string; secretToken: string | null } | null = null;
  /** The one long poll Telegram allows at a time. */
  let waiter: { wake: () => void; conflict: () => void } | null = null;
  let stopped = false;

  const buildUpdate = (input: PeerUpdateInput): PeerUpdate => {
    const chatId = Number(input.chatId);
    const fromId = input.from?.id ?? (chatId > 0 ? chatId : 700_000_001);
    const firstName = input.from?.first_name ?? 'Иван';
    const username = input.from?.username;
    const chatType = input.chatType ?? (chatId > 0 ? 'private' : 'group');
    return {
      update_id: nextUpdateId++,
      message: {
        message_id: nextIncomingMessageId++,
        date: Math.floor(Date.now() / 1000),
        chat:
          chatType === 'private'
            ? { id: chatId, type: chatType, first_name: firstName, ...(username ? { username } : {}) }
            : { id: chatId, type: chatType },
        from: { id: fromId, is_bot: false, first_name: firstName, ...(username ? { username } : {}) },
        text: input.text,
      },
    };
  };

  const methods: Record<string, (p: Record<string, unknown>) => Promise<unknown> | unknown> = {
    getme: () => ({
      id: bot.id,
      is_bot: true,
      first_name: bot.first_name,
      username: bot.username,
      can_join_groups: true,
      can_read_all_group_messages: false,
      supports_inline_queries: false,
    }),

    sendmessage: (p) => {
      const chatId = p.chat_id === undefined || p.chat_id === null ? '' : String(p.chat_id);
      if (chatId === '') throw new BotApiError(400, 'Bad Request: chat_id is empty');
      const text = typeof p.text === 'string' ? p.text : p.text === undefined ? '' : String(p.text);
      if (text.trim() === '') throw new BotApiError(400, 'Bad Request: message text is empty');
      if (text.length > MAX_TEXT) throw new BotApiError(400, 'Bad Request: message is too long');
      const failure = failures.get(chatId);
      if (failure) {
        failure.left -= 1;
        if (failure.left <= 0) failures.delete(chatId);
        const retryAfter = failure.code === 429 ? (failure.retryAfter ?? 1) : undefined;
        const description = (failure.description ?? DEFAULT_DESCRIPTIONS[failure.code]).replace('%d', String(retryAfter ?? ''));
        throw new BotApiError(failure.code, description, retryAfter);
      }
      const messageId = (messageIds.get(chatId) ?? 0) + 1;
      messageIds.set(chatId, messageId);
      const parseMode = typeof p.parse_mode === 'string' ? p.parse_mode : undefined;
      const at = new Date();
      sent.push({ chatId, text, messageId, at, ...(parseMode ? { parseMode } : {}) });
      const numericChat = /^-?\d+$/.test(chatId);
      return {
        message_id: messageId,
        from: { id: bot.id, is_bot: true, first_name: bot.first_name, username: bot.username },
        chat: numericChat
          ? { id: Number(chatId), type: Number(chatId) > 0 ? 'private' : 'group' }
          : { id: -1_000_000_000_000 - chatId.length, type: 'channel', username: chatId.slice(1) },
        date: Math.floor(at.getTime() / 1000),
        text,
      };
    },

    setwebhook: (p) => {
      const url = typeof p.url === 'string' ? p.url : '';
      if (url === '') {
        webhook = null;
        return new Described(true, 'Webhook was deleted');
      }
      const secret = typeof p.secret_token === 'string' && p.secret_token !== '' ? p.secret_token : null;
      if (secret !== null && !/^[A-Za-z0-9_-]{1,256}$/.test(secret)) {
        throw new BotApiError(400, 'Bad Request: secret token contains unallowed characters');
      }
      if (p.drop_pending_updates === true || p.drop_pending_updates === 'true') pending = [];
      webhook = { url, secretToken: secret };
      // A long poll cannot coexist with a webhook.
      waiter?.conflict();
      return new Described(true, 'Webhook was set');
    },

    deletewebhook: (p) => {
      const had = webhook !== null;
      webhook = null;
      if (p.drop_pending_updates === true || p.drop_pending_updates === 'true') pending = [];
      return new Described(true, had ? 'Webhook was deleted' : 'Webhook is already deleted');
    },

    getwebhookinfo: () => ({
      url: webhook?.url ?? '',
      has_custom_certificate: false,
      pending_update_count: pending.length,
    }),

    getupdates: async (p) => {
      if (webhook) {
        throw new BotApiError(409, "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first");
      }
      const offset = toInt(p.offset, 0);
      const limit = Math.min(Math.max(toInt(p.limit, 100), 1), 100);
      const timeoutSec = Math.max(toInt(p.timeout, 0), 0);
      // An offset confirms every update below it: they are gone for good.
      if (offset > 0) pending = pending.filter((u) => u.update_id >= offset);
      const select = () => (offset < 0 ? pending.slice(offset) : pending).slice(0, limit);
      if (select().length > 0 || timeoutSec === 0 || stopped) return select();
      // A second poll ends the first one with 409, as Telegram does.
      waiter?.conflict();
      return await new Promise<PeerUpdate[]>((resolve, reject) => {
        const finish = () => {
          clearTimeout(timer);
          if (waiter === me) waiter = null;
        };
        const me = {
          wake: () => {
            finish();
            resolve(select());
          },
          conflict: () => {
            finish();
            reject(new BotApiError(409, 'Conflict: terminated by other getUpdates request; make sure that only one bot instance is running'));
          },
        };
        const timer = setTimeout(me.wake, timeoutSec * 1000);
        waiter = me;
      });
    },
  };

  /**
   * Not Telegram's: lets a person on this machine write to the bot as a client
   * (`npm run dev:telegram`). `POST /dev/client-message {chatId, text}` hands
   * the update over as Telegram would (to the webhook if one is set, else to
   * the long poll); `GET /dev/sent?chatId=&after=` lists what the bot wrote
   * to that chat after message id `after`.
   */
  const handleDev = async (req: http.IncomingMessage, url: URL): Promise<Envelope> => {
    if (url.pathname === '/dev/client-message' && req.method === 'POST') {
      const params = await readParams(req);
      const chatId = String(params.chatId ?? '');
      const text = typeof params.text === 'string' ? params.text : '';
      if (!/^-?\d{1,15}$/.test(chatId) || text === '') return fail(400, 'Bad Request: chatId (digits) and text are required');
      const lastMessageId = sent.reduce((max, m) => (m.chatId === chatId ? Math.max(max, m.messageId) : max), 0);
      const input: PeerUpdateInput = { chatId: Number(chatId), text, from: { first_name: typeof params.firstName === 'string' ? params.firstName : 'Клиент' } };
      if (webhook) {
        const pushed = await pushUpdate(input);
        return { status: 200, body: { ok: true, result: { update: pushed.update, delivery: 'webhook', webhookStatus: pushed.status, lastMessageId } } };
      }
      pending.push(buildUpdate(input));
      waiter?.wake();
      return { status: 200, body: { ok: true, result: { update: pending.at(-1), delivery: 'getUpdates', lastMessageId } } };
    }
    if (url.pathname === '/dev/sent' && req.method === 'GET') {
      const chatId = url.searchParams.get('chatId') ?? '';
      const after = Number(url.searchParams.get('after') ?? 0);
      return { status: 200, body: { ok: true, result: sent.filter((m) => m.chatId === chatId && m.messageId > after) } };
    }
    return fail(404, 'Not Found');
  };

  const handle = async (req: http.IncomingMessage): Promise<Envelope> => {
    const url = new URL(req.url ?? '/', 'http://peer');
    if (url.pathname.startsWith('/dev/')) return handleDev(req, url);
    const match = /^\/bot([^/]+)\/([A-Za-z]+)$/.exec(url.pathname);
    if (!match) return fail(404, 'Not Found');
    const [, pathToken = '', methodName = ''] = match;
    if (decodeURIComponent(pathToken) !== token) return fail(401, 'Unauthorized');
    const method = methods[methodName.toLowerCase()];
    if (!method) return fail(404, 'Not Found');
    let params: Record<string, unknown>;
    try {
      params = { ...Object.fromEntries(url.searchParams), ...(await readParams(req)) };
    } catch (err) {
      return fail(400, `Bad Request: ${err instanceof Error ? err.message : String(err)}`);
    }
    calls.push({ method: methodName, params });
    try {
      const out = await method(params);
      if (out instanceof Described) {
        return { status: 200, body: { ok: true, result: out.result, description: out.description } };
      }
      return { status: 200, body: { ok: true, result: out } };
    } catch (err) {
      if (err instanceof BotApiError) return fail(err.code, err.description, err.retryAfter);
      return fail(500, 'Internal Server Error');
    }
  };

  const server = http.createServer((req, res) => {
    handle(req)
      .then(({ status, body }) => {
        const json = JSON.stringify(body);
        res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(json) });
        res.end(json);
      })
      .catch(() => {
        res.writeHead(500).end();
      });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  const pushUpdate = async (input: PeerUpdateInput) => {
    if (!webhook) throw new Error('no webhook is set: call setWebhook first');
    const update = buildUpdate(input);
    const res = await fetch(webhook.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(webhook.secretToken ? { 'x-telegram-bot-api-secret-token': webhook.secretToken } : {}),
      },
      body: JSON.stringify(update),
    });
    return { status: res.status, body: await res.text(), update };
  };

  return {
    apiRoot: `http://127.0.0.1:${port}`,
    token,
    bot,
    sent,
    calls,
    get webhook() {
      return webhook;
    },
    failFor(chatId, failure) {
      failures.set(String(chatId), { ...failure, left: failure.times ?? Number.POSITIVE_INFINITY });
    },
    clearFailures() {
      failures.clear();
    },
    queueUpdate(input) {
      const update = buildUpdate(input);
      pending.push(update);
      waiter?.wake();
      return update;
    },
    pushUpdate,
    postUpdateToWebhook: pushUpdate,
    async stop() {
      stopped = true;
      waiter?.wake();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Keep-alive sockets of the clients would hold close() open.
        server.closeAllConnections();
      });
    },
  };
}

function fail(code: number, description: string, retryAfter?: number): Envelope {
  return {
    status: code,
    body: { ok: false, error_code: code, description, ...(retryAfter !== undefined ? { parameters: { retry_after: retryAfter } } : {}) },
  };
}

/** JSON or form-encoded, as the Bot API accepts both; form values that look like JSON (arrays, booleans) are decoded. */
async function readParams(req: http.IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const raw = Buffer.concat(chunks).toString('utf8');
  if (raw.trim() === '') return {};
  const type = (req.headers['content-type'] ?? '').toLowerCase();
  if (type.includes('application/json')) {
    const parsed: unknown = JSON.parse(raw);
    if (!isRecord(parsed)) throw new Error('the request body must be a JSON object');
    return parsed;
  }
  if (type.includes('application/x-www-form-urlencoded')) {
    const out: Record<string, unknown> = {};
    for (const [key, value] of new URLSearchParams(raw)) {
      out[key] = /^[[{]|^(true|false)$/.test(value) ? safeJson(value) : value;
    }
    return out;
  }
  throw new Error(`unsupported content type ${JSON.stringify(type)}`);
}

function safeJson(value: string): unknown {
  try {
    return JSON.parse(value) as unknown;
  } catch {
    return value;
  }
}

function toInt(value: unknown, fallback: number): number {
  const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN;
  return Number.isFinite(n) ? Math.trunc(n) : fallback;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
