import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A real HTTP server on 127.0.0.1 that answers like SMS.ru's `sms/send`,
 * `sms/status` and `my/balance` with `json=1` (https://sms.ru/api/send,
 * /api/status, /api/balance): errors come with HTTP 200 and a status_code,
 * request-level ones at the top, per-number ones inside `sms`.
 */
export interface SmsRuPeer {
  /** `http://127.0.0.1:<port>`, for `createSmsRuChannel({ baseUrl })`. */
  baseUrl: string;
  /** The only api_id the peer accepts. */
  apiId: string;
  /** Messages accepted for real (not `test=1`), oldest first. */
  readonly sent: SmsRuSent[];
  /** Every request as it arrived, to check how the key travels. */
  readonly requests: SmsRuRequest[];
  setBalance(amount: number): void;
  /** The next API call answers this code (and the documented text unless given). */
  failNext(statusCode: number, statusText?: string): void;
  /** Every call answers this HTTP status with an HTML page until set to null. */
  setHttpFailure(status: number | null): void;
  /** Holds every answer this long; for timeouts. */
  setDelay(ms: number): void;
  markDelivered(smsId: string): void;
  /** A final failure status, 104–108 or 150. */
  markFailed(smsId: string, code?: number): void;
  stop(): Promise<void>;
}

export interface SmsRuSent {
  to: string;
  msg: string;
  from?: string;
  smsId: string;
  /** What the peer debited: segments × price per segment. */
  cost: number;
  segments: number;
  at: Date;
}

export interface SmsRuRequest {
  method: string;
  /** Path and query string as received. */
  url: string;
  contentType: string;
  params: Record<string, string>;
}

export interface SmsRuPeerOptions {
  apiId?: string;
  /** Roubles; default 100. */
  balance?: number;
  /** Roubles per segment; default 2.5. */
  pricePerSegment?: number;
}

/** The texts of SMS.ru's code table ("Коды ответов") for the codes the peer produces. */
export const SMS_RU_TEXTS: Readonly<Record<number, string>> = {
  [-1]: 'Сообщение не найдено',
  100: 'Сообщение находится в нашей очереди',
  101: 'Сообщение передается оператору',
  102: 'Сообщение отправлено (в пути)',
  103: 'Сообщение доставлено',
  104: 'Не может быть доставлено: время жизни истекло',
  105: 'Не может быть доставлено: удалено оператором',
  106: 'Не может быть доставлено: сбой в телефоне',
  107: 'Не может быть доставлено: неизвестная причина',
  108: 'Не может быть доставлено: отклонено',
  150: 'Не может быть доставлено: не найден маршрут на данный номер',
  200: 'Неправильный api_id',
  201: 'Не хватает средств на лицевом счету',
  202: 'Неправильно указан номер телефона получателя, либо на него нет маршрута',
  203: 'Нет текста сообщения',
  204: 'Имя отправителя не согласовано с администрацией',
  205: 'Сообщение слишком длинное (превышает 8 СМС)',
  206: 'Будет превышен или уже превышен дневной лимит на отправку сообщений',
  207: 'На этот номер нет маршрута для доставки сообщений',
  209: 'Вы добавили этот номер (или один из номеров) в стоп-лист',
  211: 'Метод не найден',
  220: 'Сервис временно недоступен, попробуйте чуть позже',
  230: 'Превышен общий лимит количества сообщений на этот номер в день',
  231: 'Превышен лимит одинаковых сообщений на этот номер в минуту',
  232: 'Превышен лимит одинаковых сообщений на этот номер в день',
  300: 'Неправильный token (возможно истек срок действия, либо ваш IP изменился)',
  301: 'Неправильный api_id, либо логин/пароль',
  302: 'Пользователь авторизован, но аккаунт не подтвержден',
  500: 'Ошибка на сервере. Повторите запрос',
};

/** Codes SMS.ru gives for the whole request rather than for one number. */
const REQUEST_LEVEL_CODES = new Set([200, 210, 211, 212, 220, 300, 301, 302, 500]);
const MAX_SEGMENTS = 8;

// GSM 03.38 basic table and the extension table (whose characters take two septets).
const GSM_BASIC = new Set(
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà',
);
const GSM_EXTENSION = new Set('^{}\\[~]|€\f');

/** Segments as an operator bills them: 160/153 in GSM-7, 70/67 in UCS-2. */
export function countSegments(text: string): number {
  const chars = [...text];
  const gsm = chars.every((c) => GSM_BASIC.has(c) || GSM_EXTENSION.has(c));
  const length = gsm ? chars.reduce((n, c) => n + (GSM_EXTENSION.has(c) ? 2 : 1), 0) : text.length;
  const [single, multi] = gsm ? [160, 153] : [70, 67];
  if (length === 0) return 0;
  return length <= single ? 1 : Math.ceil(length / multi);
}

interface StoredMessage {
  statusCode: number;
  cost: number;
}

export async function startSmsRuPeer(opts: SmsRuPeerOptions = {}): Promise<SmsRuPeer> {
  const apiId = opts.apiId ?? 'A3CA597E-0000-4E7D-82EE-CF82B52B1A8B';
  const price = opts.pricePerSegment ?? 2.5;
  let balance = opts.balance ?? 100;
  let httpFailure: number | null = null;
  let delayMs = 0;
  let nextId = 1;
  const failures: { code: number; text: string }[] = [];
  const messages = new Map<string, StoredMessage>();
  const sent: SmsRuSent[] = [];
  const requests: SmsRuRequest[] = [];

  const roubles = (n: number) => Math.round(n * 100) / 100;
  const error = (code: number, text?: string) => ({
    status: 'ERROR',
    status_code: code,
    status_text: text ?? SMS_RU_TEXTS[code] ?? `Ошибка ${code}`,
  });

  function sendSms(params: Record<string, string>, failure: { code: number; text: string } | undefined) {
    const numbers = (params.to ?? '').split(',').map((n) => n.trim()).filter(Boolean);
    const msg = params.msg ?? '';
    const sms: Record<string, unknown> = {};
    for (const to of numbers) {
      if (failure) {
        sms[to] = error(failure.code, failure.text);
        continue;
      }
      if (!/^\d{10,15}$/.test(to)) {
        sms[to] = error(202);
        continue;
      }
      const segments = countSegments(msg);
      if (segments === 0) {
        sms[to] = error(203);
        continue;
      }
      if (segments > MAX_SEGMENTS) {
        sms[to] = error(205);
        continue;
      }
      const cost = roubles(segments * price);
      const test = params.test === '1';
      if (!test && cost > balance) {
        sms[to] = error(201);
        continue;
      }
      const smsId = `000000-${String(10_000_000 + nextId++)}`;
      if (!test) {
        balance = roubles(balance - cost);
        messages.set(smsId, { statusCode: 100, cost });
        sent.push({
          to,
          msg,
          ...(params.from !== undefined ? { from: params.from } : {}),
          smsId,
          cost,
          segments,
          at: new Date(),
        });
      }
      sms[to] = { status: 'OK', status_code: 100, sms_id: smsId };
    }
    if (numbers.length === 0) return error(202);
    return { status: 'OK', status_code: 100, sms, balance };
  }

  function smsStatus(params: Record<string, string>, failure: { code: number; text: string } | undefined) {
    if (failure) return error(failure.code, failure.text);
    const sms: Record<string, unknown> = {};
    for (const id of (params.sms_id ?? '').split(',').map((s) => s.trim()).filter(Boolean)) {
      const stored = messages.get(id);
      sms[id] = stored
        ? { status: 'OK', status_code: stored.statusCode, cost: stored.cost, status_text: SMS_RU_TEXTS[stored.statusCode] ?? '' }
        : error(-1);
    }
    return { status: 'OK', status_code: 100, sms, balance };
  }

  function answer(path: string, params: Record<string, string>): unknown {
    const failure = failures.shift();
    if (failure && REQUEST_LEVEL_CODES.has(failure.code)) return error(failure.code, failure.text);
    if (params.api_id !== apiId) return error(200);
    switch (path) {
      case '/sms/send':
        return sendSms(params, failure);
      case '/sms/status':
        return smsStatus(params, failure);
      case '/my/balance':
        return failure ? error(failure.code, failure.text) : { status: 'OK', status_code: 100, balance };
      default:
        return error(211);
    }
  }

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      // SMS.ru takes parameters from the query string or a form body alike.
      const params: Record<string, string> = Object.fromEntries(url.searchParams);
      const contentType = req.headers['content-type'] ?? '';
      if (contentType.startsWith('application/x-www-form-urlencoded')) {
        Object.assign(params, Object.fromEntries(new URLSearchParams(Buffer.concat(chunks).toString('utf8'))));
      }
      requests.push({ method: req.method ?? '', url: req.url ?? '', contentType, params });
      const reply = () => {
        if (httpFailure !== null) {
          res.writeHead(httpFailure, { 'content-type': 'text/html' });
          res.end(`<html><body><h1>${httpFailure} Service Temporarily Unavailable</h1></body></html>`);
          return;
        }
        const body = JSON.stringify(answer(url.pathname, params));
        res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
        res.end(body);
      };
      if (delayMs > 0) setTimeout(reply, delayMs).unref();
      else reply();
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  const setStatus = (smsId: string, statusCode: number) => {
    const stored = messages.get(smsId);
    if (!stored) throw new Error(`the SMS.ru peer never accepted ${smsId}`);
    stored.statusCode = statusCode;
  };

  return {
    baseUrl: `http://127.0.0.1:${port}`,
    apiId,
    sent,
    requests,
    setBalance(amount) {
      balance = amount;
    },
    failNext(statusCode, statusText) {
      failures.push({ code: statusCode, text: statusText ?? SMS_RU_TEXTS[statusCode] ?? `Ошибка ${statusCode}` });
    },
    setHttpFailure(status) {
      httpFailure = status;
    },
    setDelay(ms) {
      delayMs = ms;
    },
    markDelivered(smsId) {
      setStatus(smsId, 103);
    },
    markFailed(smsId, code = 104) {
      setStatus(smsId, code);
    },
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
