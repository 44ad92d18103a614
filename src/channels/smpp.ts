import { unitOfAnswer } from '../domain/balance';
import { analyzeSms, encodeGsm7, encodeUcs2, splitSms } from '../domain/sms';
import { InvalidRecipientError, RateLimitedError, RejectedError, UnavailableError, type ChannelError } from './errors';
import { createGuardedFetch, describeConnectionFailure, pinnedLookup, type ResolveHost } from './outbound';
import type { DeliveryReport, OutboundMessage, SendResult, SmsBalance, SmsProvider } from './types';

/** The parts of the untyped `smpp` package (farhadi/node-smpp) this adapter relies on. */
interface SmppPdu {
  readonly command: string;
  readonly command_status: number;
  readonly [field: string]: unknown;
  response(fields?: Record<string, unknown>): SmppPdu;
}

interface SmppSession {
  /** False, without ever calling back, when the socket is not writable. */
  send(pdu: SmppPdu, onResponse?: (response: SmppPdu) => void): boolean;
  on(event: 'connect' | 'secureConnect' | 'close', listener: () => void): void;
  on(event: 'error', listener: (error: Error) => void): void;
  on(event: string, listener: (pdu: SmppPdu) => void): void;
  close(): void;
  destroy(): void;
}

interface SmppLib {
  /** The options go to net.connect / tls.connect as they are. */
  connect(options: { host: string; port: number; tls: boolean; servername?: string; lookup?: unknown }): SmppSession;
  PDU: new (command: string, fields?: Record<string, unknown>) => SmppPdu;
  errors: Readonly<Record<string, number>>;
}

// The package ships no type declarations; the interfaces above are the contract we use.
const smpp = require('smpp') as SmppLib;

/** Options of {@link createSmppChannel}. */
export interface SmppChannelOptions {
  /**
   * `smpp://system_id:password@host:port` (`ssmpp://` for TLS), or the same by
   * its parts (settings build no URL); the password is only ever sent in the bind.
   */
  url: string | SmppTarget;
  /**
   * Resolves and checks the host before every connection, of the session and
   * of the balance query; the adapter connects to the address it returns.
   * Unset for the operator's own gateway.
   */
  resolveHost?: ResolveHost;
  /** Sender: `+79161234567` (international), digits (short code) or up to 11 letters (alphanumeric). */
  sourceAddr: string;
  /** Called for each final delivery receipt; see {@link createSmppChannel} for multipart messages. */
  onDeliveryReport?: (report: DeliveryReport) => void;
  /** Name in SendResult / DeliveryReport / SmsBalance. Default `smpp`. */
  provider?: string;
  /** Keepalive period while bound. Default 30 s. */
  enquireLinkMs?: number;
  /** Receives one line per connection event; it never contains the password. */
  log?: (msg: string) => void;
  /**
   * HTTP GET endpoint of the gateway answering `{ "balance": number, "currency"?: string }`.
   * SMPP has no balance command; real gateways expose it over HTTP.
   */
  balanceUrl?: string;
  /**
   * The currency the gateway's balance endpoint counts in (ISO 4217, `RUB`);
   * unset: it counts messages. Declares the unit of the alert threshold.
   */
  balanceCurrency?: string;
  /** For the balance query; tests and proxies inject their own. Default global `fetch`. */
  fetch?: typeof fetch;
  /** How long `send` waits for a bound session before failing with UnavailableError. Default 10 s. */
  bindWaitMs?: number;
  /** How long any request (bind, submit_sm, enquire_link) waits for its response. Default 10 s. */
  responseTimeoutMs?: number;
  /** Reconnect backoff: first delay, doubled per failed attempt up to the maximum. Defaults 250 ms / 30 s. */
  reconnectMinMs?: number;
  reconnectMaxMs?: number;
  /** What RateLimitedError asks the caller to wait after ESME_RTHROTTLED / ESME_RMSGQFUL. Default 1 s. */
  throttleRetryMs?: number;
}

/** What the adapter adds to {@link SmsProvider}. */
export interface SmppChannel extends SmsProvider {
  /** Unbinds and stops reconnecting; pending sends fail with UnavailableError. */
  close(): Promise<void>;
  /** True while a session is bound, for health checks. */
  readonly bound: boolean;
}

/** SMPP 3.4 `bind_transceiver` interface_version; the package defaults to 5.0 (0x50). */
const INTERFACE_VERSION_3_4 = 0x34;
const DATA_CODING = { 'GSM-7': 0x00, 'UCS-2': 0x08 } as const;
const ESM_CLASS_UDHI = 0x40;
/** esm_class message-type bits (2–5) of an SMSC delivery receipt. */
const ESM_CLASS_RECEIPT = 0x04;
const TON = { unknown: 0, international: 1, alphanumeric: 5 } as const;
const NPI = { unknown: 0, isdn: 1 } as const;
/** Multipart message ids remembered for receipt aggregation; older ones fall back to per-part reports. */
const MAX_TRACKED_PARTS = 10_000;

const STATUS_NAMES: ReadonlyMap<number, string> = new Map(
  Object.entries(smpp.errors).map(([name, code]) => [code, name] as const),
);

/** The SMPP spec's name for a command_status, or its hex value when the package does not know it. */
export function smppStatusName(status: number): string {
  return STATUS_NAMES.get(status) ?? `0x${status.toString(16).padStart(8, '0')}`;
}

/**
 * Classifies a non-zero submit_sm_resp command_status. Throttling and a full
 * queue are retried later; a system error is transient; a bad destination is
 * the recipient's fault; anything else is a permanent refusal of this message.
 */
export function classifySmppStatus(status: number, retryAfterMs = 1000): ChannelError {
  const name = smppStatusName(status);
  switch (status) {
    case smpp.errors.ESME_RTHROTTLED:
    case smpp.errors.ESME_RMSGQFUL:
      return new RateLimitedError(`SMSC asks to slow down: ${name}`, retryAfterMs, name);
    case smpp.errors.ESME_RINVDSTADR:
      return new InvalidRecipientError(`SMSC refused the destination address: ${name}`, name);
    case smpp.errors.ESME_RSYSERR:
    case smpp.errors.ESME_RINVBNDSTS:
      return new UnavailableError(`SMSC failed to take the message: ${name}`, name);
    default:
      return new RejectedError(`SMSC refused the message: ${name}`, name);
  }
}

/** A delivery receipt as SMSCs write it in the short_message (SMPP 3.4 Appendix B). */
export interface ParsedReceipt {
  id?: string;
  stat?: string;
  err?: string;
}

/** Reads `id:… sub:… dlvrd:… submit date:… done date:… stat:DELIVRD err:000 text:…`; fields may be missing. */
export function parseDeliveryReceipt(text: string): ParsedReceipt {
  const field = (name: string) => new RegExp(`(?:^|\\s)${name}:(\\S+)`, 'i').exec(text)?.[1];
  const id = field('id');
  const stat = field('stat')?.toUpperCase();
  const err = field('err');
  return { ...(id ? { id } : {}), ...(stat ? { stat } : {}), ...(err ? { err } : {}) };
}

/** message_state TLV values → the receipt's stat words. */
const MESSAGE_STATES: Readonly<Record<number, string>> = {
  1: 'ENROUTE',
  2: 'DELIVRD',
  3: 'EXPIRED',
  4: 'DELETED',
  5: 'UNDELIV',
  6: 'ACCEPTD',
  7: 'UNKNOWN',
  8: 'REJECTD',
};

/** Final receipt states; ENROUTE / ACCEPTD and the like are not reported. */
const FINAL_STATES: Readonly<Record<string, DeliveryReport['status']>> = {
  DELIVRD: 'delivered',
  UNDELIV: 'undelivered',
  REJECTD: 'undelivered',
  EXPIRED: 'undelivered',
  DELETED: 'undelivered',
  UNKNOWN: 'undelivered',
};

export interface SmppTarget {
  host: string;
  port: number;
  tls: boolean;
  systemId: string;
  password: string;
}

function parseSmppUrl(raw: string): SmppTarget {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    // The url holds the password: never echo it.
    throw new Error('SMPP url must look like smpp://system_id:password@host:port');
  }
  if (url.protocol !== 'smpp:' && url.protocol !== 'ssmpp:') {
    throw new Error(`SMPP url must use smpp:// or ssmpp://, not ${url.protocol}//`);
  }
  if (!url.hostname || !url.username) {
    throw new Error('SMPP url must name the host and the system_id: smpp://system_id:password@host:port');
  }
  const tls = url.protocol === 'ssmpp:';
  return {
    host: url.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: url.port ? Number(url.port) : tls ? 3550 : 2775,
    tls,
    systemId: decodeURIComponent(url.username),
    password: decodeURIComponent(url.password),
  };
}

/** E.164 digits for destination_addr with TON 1 / NPI 1; separators people type are tolerated. */
function destinationDigits(to: string): string {
  const compact = to.replace(/[\s\-().]/g, '');
  if (!/^\+[1-9]\d{6,14}$/.test(compact)) {
    throw new InvalidRecipientError(`SMS recipient "${to}" is not an E.164 number like +79161234567`);
  }
  return compact.slice(1);
}

function sourceAddress(sourceAddr: string): { source_addr: string; source_addr_ton: number; source_addr_npi: number } {
  if (/^\+\d+$/.test(sourceAddr)) {
    return { source_addr: sourceAddr.slice(1), source_addr_ton: TON.international, source_addr_npi: NPI.isdn };
  }
  // Short codes: numbering plan ISDN, type left to the SMSC, which is what most accept.
  if (/^\d+$/.test(sourceAddr)) {
    return { source_addr: sourceAddr, source_addr_ton: TON.unknown, source_addr_npi: NPI.isdn };
  }
  return { source_addr: sourceAddr, source_addr_ton: TON.alphanumeric, source_addr_npi: NPI.unknown };
}

/** Concatenation UDH with an 8-bit reference (IEI 0x00), 6 octets. */
function concatUdh(ref: number, total: number, seq: number): Buffer {
  return Buffer.from([0x05, 0x00, 0x03, ref, total, seq]);
}

/** The text of a receipt's short_message or message_payload, however the package decoded it. */
function receiptText(pdu: SmppPdu): string {
  for (const field of [pdu.short_message, pdu.message_payload]) {
    const value = field !== null && typeof field === 'object' && 'message' in field ? field.message : field;
    if (typeof value === 'string' && value) return value;
    if (Buffer.isBuffer(value) && value.length > 0) return value.toString('latin1');
  }
  return '';
}

interface Connection {
  session: SmppSession;
  bound: boolean;
  /** Requests sent on this session still waiting for their response. */
  pending: Set<(error: ChannelError) => void>;
  enquireTimer?: NodeJS.Timeout;
  closed: Promise<void>;
}

interface Waiter {
  resolve: (connection: Connection) => void;
  reject: (error: ChannelError) => void;
}

/** Receipt bookkeeping of one multipart message. */
interface PartGroup {
  firstId: string;
  total: number;
  delivered: Set<string>;
  reported: boolean;
}

/**
 * SMS over one SMPP 3.4 `bind_transceiver` session. The session is opened at
 * once (receipts arrive only while bound), kept alive with enquire_link and
 * re-opened with exponential backoff whenever it drops or the bind fails.
 * `send` waits up to `bindWaitMs` for a bound session; a refused bind fails
 * waiting sends at once, as credentials do not fix themselves.
 *
 * A text is sent in `analyzeSms(text).segments` submit_sm parts: GSM-7 as
 * unpacked septets with data_coding 0, anything else as UCS-2 with
 * data_coding 8; parts of a long text carry a concatenation UDH (esm_class
 * 0x40). `providerMessageId` is the SMSC's id of the first part; all ids are in
 * `response`. If a later part is refused, the error is thrown and a retry sends
 * every part again (SMPP has no idempotency key).
 *
 * Receipts (registered_delivery 1 on every part) are answered at once and
 * reported by the first part's id: a multipart message is `delivered` when all
 * its parts are, `undelivered` as soon as one part is not. Parts this process
 * did not send (e.g. after a restart) are reported by their own id.
 */
export function createSmppChannel(opts: SmppChannelOptions): SmppChannel {
  const target = typeof opts.url === 'string' ? parseSmppUrl(opts.url) : opts.url;
  const provider = opts.provider ?? 'smpp';
  const enquireLinkMs = opts.enquireLinkMs ?? 30_000;
  const bindWaitMs = opts.bindWaitMs ?? 10_000;
  const responseTimeoutMs = opts.responseTimeoutMs ?? 10_000;
  const reconnectMinMs = opts.reconnectMinMs ?? 250;
  const reconnectMaxMs = opts.reconnectMaxMs ?? 30_000;
  const throttleRetryMs = opts.throttleRetryMs ?? 1000;
  const resolveHost = opts.resolveHost;
  const fetchImpl = opts.fetch ?? (resolveHost ? createGuardedFetch(resolveHost) : fetch);
  const source = sourceAddress(opts.sourceAddr);
  const where = `${target.host}:${target.port} as ${target.systemId}`;

  /** Last line of defence: nothing we log or throw may carry the password or the balance URL. */
  const redact = (text: string): string => {
    let out = text;
    for (const secret of [target.password, opts.balanceUrl]) {
      if (secret) out = out.split(secret).join('***');
    }
    return out;
  };
  const log = (msg: string) => opts.log?.(redact(msg));

  let current: Connection | undefined;
  let closing = false;
  let attempt = 0;
  let reconnectTimer: NodeJS.Timeout | undefined;
  let lastProblem: string | undefined;
  const waiters = new Set<Waiter>();
  let nextRef = Math.floor(Math.random() * 256);
  const partGroups = new Map<string, PartGroup>();

  function request(connection: Connection, command: string, fields: Record<string, unknown>): Promise<SmppPdu> {
    return new Promise((resolve, reject) => {
      const fail = (error: ChannelError) => {
        clearTimeout(timer);
        connection.pending.delete(fail);
        reject(error);
      };
      const timer = setTimeout(
        () => fail(UnavailableError.afterRequest(new UnavailableError(`SMPP gateway did not answer ${command} within ${responseTimeoutMs} ms`))),
        responseTimeoutMs,
      );
      connection.pending.add(fail);
      const written = connection.session.send(new smpp.PDU(command, fields), (response) => {
        clearTimeout(timer);
        connection.pending.delete(fail);
        resolve(response);
      });
      if (!written) fail(new UnavailableError(`SMPP connection to ${target.host}:${target.port} is not open`));
    });
  }

  /** The last connection the outbound policy refused: sends fail at once with it instead of waiting for a bind. */
  let refused: ChannelError | undefined;

  function connect(): void {
    if (closing) return;
    if (!resolveHost) return open({ host: target.host, port: target.port, tls: target.tls });
    resolveHost(target.host).then(
      (address) => {
        refused = undefined;
        // The checked address, with TLS still verified against the configured name.
        open({ host: address.address, port: target.port, tls: target.tls, lookup: pinnedLookup(address), ...(target.tls ? { servername: target.host } : {}) });
      },
      (error: unknown) => {
        if (closing) return;
        const reason = describeConnectionFailure(error);
        lastProblem = reason;
        refused = reason === 'address not allowed' ? new RejectedError(`SMPP gateway ${reason}`, reason) : undefined;
        log(`SMPP ${where}: ${reason}`);
        if (refused) for (const waiter of [...waiters]) waiter.reject(refused);
        scheduleReconnect();
      },
    );
  }

  function open(options: Parameters<SmppLib['connect']>[0]): void {
    if (closing) return;
    const session = smpp.connect(options);
    let markClosed!: () => void;
    const connection: Connection = {
      session,
      bound: false,
      pending: new Set(),
      closed: new Promise((resolve) => (markClosed = resolve)),
    };
    current = connection;
    const connectTimer = setTimeout(() => {
      lastProblem = `no connection within ${responseTimeoutMs} ms`;
      session.destroy();
    }, responseTimeoutMs);

    session.on(target.tls ? 'secureConnect' : 'connect', () => {
      clearTimeout(connectTimer);
      void bind(connection);
    });
    session.on('error', (error: Error) => {
      lastProblem = error.message;
      log(`SMPP ${where}: ${error.message}`);
      // Socket errors close the session anyway; a PDU the package cannot parse does not.
      session.destroy();
    });
    session.on('close', () => {
      clearTimeout(connectTimer);
      clearInterval(connection.enquireTimer);
      const wasBound = connection.bound;
      connection.bound = false;
      for (const fail of [...connection.pending]) {
        // The request was written: the SMSC may have taken it before the link went.
        fail(UnavailableError.afterRequest(new UnavailableError('SMPP connection closed before the gateway answered')));
      }
      markClosed();
      if (current !== connection) return;
      current = undefined;
      if (wasBound) log(`SMPP ${where}: connection closed`);
      scheduleReconnect();
    });
    session.on('deliver_sm', (pdu: SmppPdu) => onDeliverSm(connection, pdu));
    session.on('enquire_link', (pdu: SmppPdu) => {
      session.send(pdu.response());
    });
    session.on('unbind', (pdu: SmppPdu) => {
      connection.bound = false;
      session.send(pdu.response());
      session.close();
    });
    session.on('unknown', (pdu: SmppPdu) => {
      session.send(pdu.response());
    });
  }

  async function bind(connection: Connection): Promise<void> {
    let response: SmppPdu;
    try {
      response = await request(connection, 'bind_transceiver', {
        system_id: target.systemId,
        password: target.password,
        interface_version: INTERFACE_VERSION_3_4,
      });
    } catch (error) {
      lastProblem = error instanceof Error ? error.message : String(error);
      connection.session.destroy();
      return;
    }
    if (response.command_status !== 0) {
      const name = smppStatusName(response.command_status);
      lastProblem = `bind refused: ${name}`;
      log(`SMPP ${where}: bind refused with ${name}`);
      const error = new UnavailableError(`SMPP gateway refused the bind: ${name}`, name);
      for (const waiter of [...waiters]) waiter.reject(error);
      connection.session.close();
      return;
    }
    if (current !== connection || closing) {
      connection.session.close();
      return;
    }
    connection.bound = true;
    attempt = 0;
    lastProblem = undefined;
    log(`SMPP ${where}: bound (transceiver)`);
    connection.enquireTimer = setInterval(() => {
      request(connection, 'enquire_link', {}).catch((error: unknown) => {
        log(`SMPP ${where}: keepalive failed (${error instanceof Error ? error.message : String(error)}), reconnecting`);
        connection.session.destroy();
      });
    }, enquireLinkMs);
    connection.enquireTimer.unref();
    for (const waiter of [...waiters]) waiter.resolve(connection);
  }

  function scheduleReconnect(): void {
    if (closing) return;
    const base = Math.min(reconnectMaxMs, reconnectMinMs * 2 ** attempt);
    // Jitter keeps many workers from reconnecting to a recovering gateway in lockstep.
    const delay = Math.round(base * (0.8 + Math.random() * 0.4));
    attempt += 1;
    log(`SMPP ${where}: reconnecting in ${delay} ms${lastProblem ? ` (${lastProblem})` : ''}`);
    reconnectTimer = setTimeout(() => {
      reconnectTimer = undefined;
      connect();
    }, delay);
    reconnectTimer.unref();
  }

  function boundConnection(): Promise<Connection> {
    if (current?.bound) return Promise.resolve(current);
    if (closing) return Promise.reject(new UnavailableError('SMPP channel is closed'));
    if (refused) return Promise.reject(refused);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        waiters.delete(waiter);
        reject(
          new UnavailableError(
            `SMPP gateway not bound after ${bindWaitMs} ms${lastProblem ? ` (${redact(lastProblem)})` : ''}`,
            lastProblem && redact(lastProblem),
          ),
        );
      }, bindWaitMs);
      const waiter: Waiter = {
        resolve: (connection) => {
          clearTimeout(timer);
          waiters.delete(waiter);
          resolve(connection);
        },
        reject: (error) => {
          clearTimeout(timer);
          waiters.delete(waiter);
          reject(error);
        },
      };
      waiters.add(waiter);
    });
  }

  function report(deliveryReport: Omit<DeliveryReport, 'provider' | 'at'>): void {
    try {
      opts.onDeliveryReport?.({ provider, at: new Date(), ...deliveryReport });
    } catch (error) {
      log(`SMPP delivery report handler failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  function onDeliverSm(connection: Connection, pdu: SmppPdu): void {
    // Answer first: an unanswered deliver_sm makes the SMSC resend it and, on many, stop delivering.
    connection.session.send(pdu.response());
    const esmClass = typeof pdu.esm_class === 'number' ? pdu.esm_class : 0;
    if ((esmClass & ESM_CLASS_RECEIPT) === 0) {
      log(`SMPP ${where}: ignored an incoming message that is not a delivery receipt`);
      return;
    }
    const parsed = parseDeliveryReceipt(receiptText(pdu));
    // The TLVs are authoritative where present: some SMSCs write the id in the text in another base.
    const id = typeof pdu.receipted_message_id === 'string' && pdu.receipted_message_id ? pdu.receipted_message_id : parsed.id;
    const stat = parsed.stat ?? (typeof pdu.message_state === 'number' ? MESSAGE_STATES[pdu.message_state] : undefined);
    if (!id || !stat) {
      log(`SMPP ${where}: ignored a delivery receipt without id or state`);
      return;
    }
    const status = FINAL_STATES[stat];
    if (!status) return;
    const reason = parsed.err && !/^0+$/.test(parsed.err) ? `${stat} err:${parsed.err}` : stat;

    const group = partGroups.get(id);
    if (!group) {
      report({ providerMessageId: id, status, reason });
      return;
    }
    if (group.reported) return;
    if (status === 'undelivered') {
      group.reported = true;
      report({ providerMessageId: group.firstId, status, reason });
      return;
    }
    group.delivered.add(id);
    if (group.delivered.size === group.total) {
      group.reported = true;
      report({ providerMessageId: group.firstId, status, reason });
    }
  }

  function trackPart(id: string, group: PartGroup): void {
    partGroups.set(id, group);
    while (partGroups.size > MAX_TRACKED_PARTS) {
      const oldest = partGroups.keys().next().value;
      if (oldest === undefined) break;
      partGroups.delete(oldest);
    }
  }

  connect();

  return {
    channel: 'sms',
    provider,
    balanceUnit: unitOfAnswer(opts.balanceCurrency),

    get bound() {
      return current?.bound ?? false;
    },

    async send(message: OutboundMessage): Promise<SendResult> {
      const destination = destinationDigits(message.to);
      if (message.text.length === 0) throw new RejectedError('SMS text is empty');
      const analysis = analyzeSms(message.text);
      const parts = splitSms(message.text);
      const encode = analysis.encoding === 'GSM-7' ? encodeGsm7 : encodeUcs2;
      const multipart = parts.length > 1;
      const ref = nextRef;
      if (multipart) nextRef = (nextRef + 1) % 256;

      const connection = await boundConnection();
      const ids: string[] = [];
      const group: PartGroup = { firstId: '', total: parts.length, delivered: new Set(), reported: false };
      try {
        for (const [index, part] of parts.entries()) {
          const body = encode(part);
          const response = await request(connection, 'submit_sm', {
            ...source,
            dest_addr_ton: TON.international,
            dest_addr_npi: NPI.isdn,
            destination_addr: destination,
            esm_class: multipart ? ESM_CLASS_UDHI : 0,
            registered_delivery: 1,
            data_coding: DATA_CODING[analysis.encoding],
            short_message: multipart ? Buffer.concat([concatUdh(ref, parts.length, index + 1), body]) : body,
          });
          if (response.command_status !== 0) {
            const error = classifySmppStatus(response.command_status, throttleRetryMs);
            if (multipart) error.message = `part ${index + 1} of ${parts.length}: ${error.message}`;
            throw error;
          }
          const id = String(response.message_id ?? '');
          ids.push(id);
          await message.onAccepted?.({ index, total: parts.length, providerMessageId: id });
          if (multipart) {
            if (index === 0) group.firstId = id;
            // Tracked as soon as accepted: a fast SMSC can send the receipt before the next part is submitted.
            trackPart(id, group);
          }
        }
      } catch (error) {
        for (const id of ids) partGroups.delete(id);
        throw error;
      }
      return {
        provider,
        providerMessageId: ids[0] ?? '',
        response: JSON.stringify({
          messageIds: ids,
          encoding: analysis.encoding,
          dataCoding: DATA_CODING[analysis.encoding],
          segments: parts.length,
          ...(multipart ? { ref } : {}),
        }),
      };
    },

    /**
     * `query_sm` by the SMSC's id of a part (SMPP 3.4 §4.8): any answer with
     * the message is `known`, whatever its state; ESME_RQUERYFAIL or
     * ESME_RINVMSGID is `not_found`; anything else is a transient failure.
     */
    async lookup(providerMessageId: string): Promise<'known' | 'not_found'> {
      const connection = await boundConnection();
      const response = await request(connection, 'query_sm', { message_id: providerMessageId, ...source });
      if (response.command_status === 0) return 'known';
      if (response.command_status === smpp.errors.ESME_RQUERYFAIL || response.command_status === smpp.errors.ESME_RINVMSGID) {
        return 'not_found';
      }
      throw new UnavailableError(`SMSC could not answer query_sm: ${smppStatusName(response.command_status)}`, smppStatusName(response.command_status));
    },

    async balance(): Promise<SmsBalance> {
      if (!opts.balanceUrl) {
        throw new Error('this SMPP gateway has no balance query configured (set balanceUrl to its HTTP balance endpoint)');
      }
      let response: Response;
      let raw: string;
      try {
        response = await fetchImpl(opts.balanceUrl, {
          headers: { accept: 'application/json' },
          signal: AbortSignal.timeout(responseTimeoutMs),
        });
        raw = await response.text();
      } catch (error) {
        // In a few words only: the socket's text names addresses and ports, and that would make this a port scanner.
        const reason = describeConnectionFailure(error);
        if (reason === 'address not allowed') throw new RejectedError(`SMS balance endpoint ${reason}`, reason);
        throw new UnavailableError(`SMS balance endpoint unreachable: ${reason}`, reason);
      }
      // What the endpoint sent is not repeated unless it is the answer we asked for: the URL may point anywhere.
      if (!response.ok) {
        throw new UnavailableError(`SMS balance endpoint answered HTTP ${response.status}`, `HTTP ${response.status}`);
      }
      let body: unknown;
      try {
        body = JSON.parse(raw);
      } catch {
        throw new UnavailableError('SMS balance endpoint did not answer JSON', 'not a balance answer');
      }
      const fields = (body ?? {}) as { balance?: unknown; currency?: unknown };
      const amount = typeof fields.balance === 'string' ? Number(fields.balance) : fields.balance;
      if (typeof amount !== 'number' || !Number.isFinite(amount)) {
        throw new UnavailableError('SMS balance endpoint answered without a numeric "balance"', 'not a balance answer');
      }
      // A currency in the answer means money; without one the gateway counts messages (the seed's "пакет SMS").
      const currency = typeof fields.currency === 'string' && fields.currency.trim() ? fields.currency.trim().toUpperCase() : undefined;
      return { provider, amount, ...(currency ? { unit: 'money' as const, currency } : { unit: 'messages' as const }), raw };
    },

    async close(): Promise<void> {
      closing = true;
      clearTimeout(reconnectTimer);
      const error = new UnavailableError('SMPP channel is closed');
      for (const waiter of [...waiters]) waiter.reject(error);
      const connection = current;
      if (!connection) return;
      if (connection.bound) {
        connection.bound = false;
        await request(connection, 'unbind', {}).catch(() => undefined);
      }
      connection.session.close();
      const forced = setTimeout(() => connection.session.destroy(), 2000);
      await connection.closed;
      clearTimeout(forced);
    },
  };
}
