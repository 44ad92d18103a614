import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo, Server, Socket } from 'node:net';

/** The parts of the untyped `smpp` package the peer uses. */
interface PeerPdu {
  readonly command: string;
  readonly command_status: number;
  readonly sequence_number: number;
  readonly [field: string]: unknown;
  response(fields?: Record<string, unknown>): PeerPdu;
  isResponse(): boolean;
}

interface PeerSession {
  socket: Socket;
  send(pdu: PeerPdu, callback?: (pdu: PeerPdu) => void): boolean;
  on(event: 'pdu', listener: (pdu: PeerPdu) => void): void;
  on(event: 'error', listener: (error: Error) => void): void;
  on(event: 'close', listener: () => void): void;
  close(): void;
  destroy(): void;
}

interface PeerServer extends Server {
  sessions: PeerSession[];
}

interface SmppServerLib {
  createServer(listener: (session: PeerSession) => void): PeerServer;
  PDU: new (command: string, fields?: Record<string, unknown>) => PeerPdu;
  errors: Readonly<Record<string, number>>;
  gsmCoder: { decode(septets: Buffer, table: number): string };
}

// The package ships no type declarations; the interfaces above are the contract we use.
const smpp = require('smpp') as SmppServerLib;

/** What the SMSC answers in its delivery receipts; `none` sends none. */
export type ReceiptMode = 'delivered' | 'undelivered' | 'none';

/** Options of {@link startSmsc}; the defaults suit most tests. */
export interface StartSmscOptions {
  systemId?: string;
  password?: string;
  /** What every submit_sm with registered_delivery asks for gets back. Default `delivered`. */
  receipts?: ReceiptMode;
  receiptDelayMs?: number;
  /** `text+tlv` (default) adds receipted_message_id and message_state; `text` is the bare 3.4 Appendix B text. */
  receiptFormat?: 'text+tlv' | 'text';
  /** Messages left; each accepted part costs one. Default 1000. */
  balance?: number;
  currency?: string;
}

/** One submit_sm as it arrived on the wire. */
export interface SmscSubmit {
  source: string;
  destination: string;
  destTon: number;
  destNpi: number;
  dataCoding: number;
  esmClass: number;
  registeredDelivery: number;
  /** The short_message octets exactly as sent, UDH included. */
  shortMessage: Buffer;
  udh?: { ref: number; total: number; seq: number };
  messageId: string;
  /** The payload after the UDH, decoded by its data_coding (GSM 03.38 by the package's own table). */
  text: string;
}

/** Parts of one message put back together by their concatenation reference. */
export interface SmscMessage {
  destination: string;
  dataCoding: number;
  ref?: number;
  total: number;
  parts: SmscSubmit[];
  messageIds: string[];
  text: string;
  complete: boolean;
}

/** A receipt the SMSC sent. */
export interface SmscReceipt {
  messageId: string;
  stat: string;
  /** The ESME answered the deliver_sm. */
  acked: boolean;
}

/** A running SMSC and what it has seen. */
export interface Smsc {
  /** `smpp://system_id:password@127.0.0.1:port`. */
  url: string;
  port: number;
  /** HTTP GET → `{ balance, currency? }`, as SMS gateways expose it. */
  balanceUrl: string;
  submits: SmscSubmit[];
  receipts: SmscReceipt[];
  /** Names of the requests the SMSC received, in order (bind_transceiver, submit_sm, enquire_link, ...). */
  received: string[];
  /** The message ids asked about by query_sm, in order. */
  queries: string[];
  messages(): SmscMessage[];
  /** The next `count` submit_sm (default 1) are answered with this command_status. */
  failNext(status: number, count?: number): void;
  /** The next submit_sm carrying part `seq` of a concatenated message is answered with this command_status. */
  failPart(seq: number, status: number): void;
  setReceipts(mode: ReceiptMode): void;
  setBalance(amount: number): void;
  /** Sessions bound right now. */
  boundSessions(): number;
  /** Cuts every TCP connection without unbind, as a network failure would. */
  dropConnections(): void;
  /** The next `count` submit_sm (default 1) are taken (recorded, no receipt) and the link is cut before the answer. */
  dropAfterNextSubmit(count?: number): void;
  stop(): Promise<void>;
}

const BIND_COMMANDS = new Set(['bind_transceiver', 'bind_transmitter', 'bind_receiver']);
const ESM_CLASS_UDHI = 0x40;
const ESM_CLASS_RECEIPT = 0x04;

/** Reads short_message straight from the raw submit_sm body, walking its mandatory fields (SMPP 3.4 §4.4.1). */
function rawShortMessage(raw: Buffer): Buffer {
  let offset = 16;
  const skipCString = () => {
    const end = raw.indexOf(0, offset);
    if (end < 0) throw new Error('submit_sm: unterminated C-octet string');
    offset = end + 1;
  };
  skipCString(); // service_type
  offset += 2; // source_addr_ton, source_addr_npi
  skipCString(); // source_addr
  offset += 2; // dest_addr_ton, dest_addr_npi
  skipCString(); // destination_addr
  offset += 3; // esm_class, protocol_id, priority_flag
  skipCString(); // schedule_delivery_time
  skipCString(); // validity_period
  offset += 4; // registered_delivery, replace_if_present_flag, data_coding, sm_default_msg_id
  const length = raw.readUInt8(offset);
  return Buffer.from(raw.subarray(offset + 1, offset + 1 + length));
}

function parseUdh(shortMessage: Buffer): { udh?: SmscSubmit['udh']; payload: Buffer } {
  const udhLength = shortMessage[0] ?? 0;
  const payload = shortMessage.subarray(1 + udhLength);
  let offset = 1;
  while (offset + 1 < 1 + udhLength) {
    const iei = shortMessage[offset] ?? 0;
    const length = shortMessage[offset + 1] ?? 0;
    const data = shortMessage.subarray(offset + 2, offset + 2 + length);
    if (iei === 0x00 && length === 3) {
      return { udh: { ref: data[0] ?? 0, total: data[1] ?? 0, seq: data[2] ?? 0 }, payload };
    }
    if (iei === 0x08 && length === 4) {
      return { udh: { ref: data.readUInt16BE(0), total: data[2] ?? 0, seq: data[3] ?? 0 }, payload };
    }
    offset += 2 + length;
  }
  return { payload };
}

function decodePayload(payload: Buffer, dataCoding: number): string {
  if (dataCoding === 0x08) return Buffer.from(payload).swap16().toString('utf16le');
  if (dataCoding === 0x03) return payload.toString('latin1');
  return smpp.gsmCoder.decode(payload, 0x00);
}

/** `YYMMDDhhmm`, the receipt's date format. */
function receiptDate(date: Date): string {
  const two = (n: number) => String(n).padStart(2, '0');
  return `${two(date.getUTCFullYear() % 100)}${two(date.getUTCMonth() + 1)}${two(date.getUTCDate())}${two(date.getUTCHours())}${two(date.getUTCMinutes())}`;
}

/**
 * A real SMPP 3.4 SMSC on loopback, built on the `smpp` package's server: it
 * checks bind credentials, answers submit_sm with fresh message ids, records
 * every submit with its raw short_message, and sends delivery receipts on the
 * session that submitted (another bound one if that is gone).
 */
export async function startSmsc(opts: StartSmscOptions = {}): Promise<Smsc> {
  const systemId = opts.systemId ?? 'notify';
  const password = opts.password ?? 'secret';
  const receiptDelayMs = opts.receiptDelayMs ?? 20;
  const receiptFormat = opts.receiptFormat ?? 'text+tlv';
  let receiptMode: ReceiptMode = opts.receipts ?? 'delivered';
  let balance = opts.balance ?? 1000;
  const failures: number[] = [];
  const partFailures: { seq: number; status: number }[] = [];
  let dropsAfterSubmit = 0;
  const submits: SmscSubmit[] = [];
  const receipts: SmscReceipt[] = [];
  const received: string[] = [];
  const queries: string[] = [];
  const bound = new Set<PeerSession>();
  const runId = randomBytes(3).toString('hex');
  let counter = 0;
  const timers = new Set<NodeJS.Timeout>();

  function sendReceipt(origin: PeerSession, submit: SmscSubmit, mode: Exclude<ReceiptMode, 'none'>): void {
    const session = bound.has(origin) ? origin : [...bound][0];
    if (!session) return;
    const delivered = mode === 'delivered';
    const stat = delivered ? 'DELIVRD' : 'UNDELIV';
    const now = receiptDate(new Date());
    const text =
      `id:${submit.messageId} sub:001 dlvrd:${delivered ? '001' : '000'} submit date:${now} done date:${now} ` +
      `stat:${stat} err:${delivered ? '000' : '001'} text:`;
    const receipt: SmscReceipt = { messageId: submit.messageId, stat, acked: false };
    receipts.push(receipt);
    session.send(
      new smpp.PDU('deliver_sm', {
        source_addr_ton: submit.destTon,
        source_addr_npi: submit.destNpi,
        source_addr: submit.destination,
        destination_addr: submit.source,
        esm_class: ESM_CLASS_RECEIPT,
        data_coding: 0,
        short_message: Buffer.from(text, 'ascii'),
        ...(receiptFormat === 'text+tlv'
          ? { receipted_message_id: submit.messageId, message_state: delivered ? 2 : 5 }
          : {}),
      }),
      (response) => {
        receipt.acked = response.command_status === 0;
      },
    );
  }

  function onSubmit(session: PeerSession, pdu: PeerPdu, raw: Buffer): void {
    if (!bound.has(session)) {
      session.send(pdu.response({ command_status: smpp.errors.ESME_RINVBNDSTS }));
      return;
    }
    const failure = failures.shift();
    if (failure !== undefined) {
      session.send(pdu.response({ command_status: failure }));
      return;
    }
    const esmClass = Number(pdu.esm_class ?? 0);
    const dataCoding = Number(pdu.data_coding ?? 0);
    const shortMessage = rawShortMessage(raw);
    const { udh, payload } = esmClass & ESM_CLASS_UDHI ? parseUdh(shortMessage) : { udh: undefined, payload: shortMessage };
    const partFailure = udh ? partFailures.findIndex((f) => f.seq === udh.seq) : -1;
    if (partFailure >= 0) {
      const [{ status }] = partFailures.splice(partFailure, 1) as [{ seq: number; status: number }];
      session.send(pdu.response({ command_status: status }));
      return;
    }
    counter += 1;
    const submit: SmscSubmit = {
      source: String(pdu.source_addr ?? ''),
      destination: String(pdu.destination_addr ?? ''),
      destTon: Number(pdu.dest_addr_ton ?? 0),
      destNpi: Number(pdu.dest_addr_npi ?? 0),
      dataCoding,
      esmClass,
      registeredDelivery: Number(pdu.registered_delivery ?? 0),
      shortMessage,
      ...(udh ? { udh } : {}),
      messageId: `${runId}${counter.toString(16).padStart(6, '0')}`,
      text: decodePayload(payload, dataCoding),
    };
    submits.push(submit);
    balance -= 1;
    if (dropsAfterSubmit > 0) {
      // Taken, and the link goes before the answer: the ESME cannot know.
      dropsAfterSubmit -= 1;
      bound.delete(session);
      session.destroy();
      return;
    }
    session.send(pdu.response({ message_id: submit.messageId }));
    const mode = receiptMode;
    if (mode !== 'none' && submit.registeredDelivery & 0x01) {
      const timer = setTimeout(() => {
        timers.delete(timer);
        sendReceipt(session, submit, mode);
      }, receiptDelayMs);
      timers.add(timer);
    }
  }

  /** SMPP 3.4 §4.8: the state of a message this SMSC accepted, by its id and the source address it came from. */
  function onQuery(session: PeerSession, pdu: PeerPdu): void {
    const messageId = String(pdu.message_id ?? '');
    queries.push(messageId);
    const submit = submits.find((s) => s.messageId === messageId && s.source === String(pdu.source_addr ?? ''));
    if (!bound.has(session) || !submit) {
      session.send(pdu.response({ command_status: bound.has(session) ? smpp.errors.ESME_RQUERYFAIL : smpp.errors.ESME_RINVBNDSTS }));
      return;
    }
    const receipt = receipts.find((r) => r.messageId === messageId);
    // message_state: 1 ENROUTE until the receipt went out, then 2 DELIVERED or 5 UNDELIVERABLE.
    const state = !receipt ? 1 : receipt.stat === 'DELIVRD' ? 2 : 5;
    session.send(pdu.response({ message_id: messageId, final_date: '', message_state: state, error_code: 0 }));
  }

  function onPdu(session: PeerSession, pdu: PeerPdu, raw: Buffer): void {
    if (pdu.isResponse()) return;
    received.push(pdu.command);
    if (BIND_COMMANDS.has(pdu.command)) {
      if (bound.has(session)) {
        session.send(pdu.response({ command_status: smpp.errors.ESME_RALYBND }));
      } else if (pdu.system_id === systemId && pdu.password === password) {
        bound.add(session);
        session.send(pdu.response({ system_id: 'test-smsc' }));
      } else {
        session.send(pdu.response({ command_status: smpp.errors.ESME_RBINDFAIL }), () => session.close());
      }
      return;
    }
    switch (pdu.command) {
      case 'submit_sm':
        onSubmit(session, pdu, raw);
        return;
      case 'enquire_link':
        session.send(pdu.response());
        return;
      case 'query_sm':
        onQuery(session, pdu);
        return;
      case 'unbind':
        bound.delete(session);
        session.send(pdu.response(), () => session.close());
        return;
      default:
        // generic_nack for unknown commands, ESME_RINVCMDID for known ones this SMSC does not offer.
        session.send(
          pdu.command === 'unknown' ? pdu.response() : pdu.response({ command_status: smpp.errors.ESME_RINVCMDID }),
        );
    }
  }

  const server = smpp.createServer((session) => {
    session.on('error', () => undefined);
    session.on('close', () => bound.delete(session));
    // The package hands out decoded PDUs only; keep the octets it reads so submits can be checked byte for byte.
    const socket = session.socket;
    const read = socket.read.bind(socket);
    const chunks: Buffer[] = [];
    socket.read = ((size?: number) => {
      const chunk: unknown = read(size);
      if (Buffer.isBuffer(chunk)) chunks.push(chunk);
      return chunk;
    }) as typeof socket.read;
    session.on('pdu', (pdu) => {
      const raw = Buffer.concat(chunks);
      chunks.length = 0;
      if (pdu.command === 'submit_sm' && (raw.length < 16 || raw.readUInt32BE(0) !== raw.length)) {
        // Only if the package changes how it reads the socket; fail the submit visibly rather than guess.
        process.stderr.write(`[smsc] lost track of the raw submit_sm (${raw.length} octets)\n`);
        session.send(pdu.response({ command_status: smpp.errors.ESME_RSYSERR }));
        return;
      }
      onPdu(session, pdu, raw);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;

  const balanceServer = http.createServer((req, res) => {
    if (req.method !== 'GET' || !req.url?.startsWith('/balance')) {
      res.writeHead(404).end();
      return;
    }
    res
      .writeHead(200, { 'content-type': 'application/json' })
      .end(JSON.stringify({ balance, ...(opts.currency ? { currency: opts.currency } : {}) }));
  });
  await new Promise<void>((resolve) => balanceServer.listen(0, '127.0.0.1', resolve));
  const balancePort = (balanceServer.address() as AddressInfo).port;

  return {
    url: `smpp://${encodeURIComponent(systemId)}:${encodeURIComponent(password)}@127.0.0.1:${port}`,
    port,
    balanceUrl: `http://127.0.0.1:${balancePort}/balance`,
    submits,
    receipts,
    received,
    queries,
    messages() {
      const messages: SmscMessage[] = [];
      const open = new Map<string, SmscMessage>();
      for (const submit of submits) {
        if (!submit.udh) {
          messages.push({
            destination: submit.destination,
            dataCoding: submit.dataCoding,
            total: 1,
            parts: [submit],
            messageIds: [submit.messageId],
            text: submit.text,
            complete: true,
          });
          continue;
        }
        const key = `${submit.destination}|${submit.udh.ref}`;
        let message = open.get(key);
        if (!message || message.complete || message.parts.some((p) => p.udh?.seq === submit.udh?.seq)) {
          message = {
            destination: submit.destination,
            dataCoding: submit.dataCoding,
            ref: submit.udh.ref,
            total: submit.udh.total,
            parts: [],
            messageIds: [],
            text: '',
            complete: false,
          };
          open.set(key, message);
          messages.push(message);
        }
        message.parts.push(submit);
        message.parts.sort((a, b) => (a.udh?.seq ?? 0) - (b.udh?.seq ?? 0));
        message.messageIds = message.parts.map((p) => p.messageId);
        message.text = message.parts.map((p) => p.text).join('');
        message.complete = message.parts.length === message.total;
      }
      return messages;
    },
    failNext(status, count = 1) {
      for (let i = 0; i < count; i += 1) failures.push(status);
    },
    failPart(seq, status) {
      partFailures.push({ seq, status });
    },
    setReceipts(mode) {
      receiptMode = mode;
    },
    setBalance(amount) {
      balance = amount;
    },
    boundSessions: () => bound.size,
    dropAfterNextSubmit(count = 1) {
      dropsAfterSubmit += count;
    },
    dropConnections() {
      for (const session of [...server.sessions]) session.destroy();
      bound.clear();
    },
    async stop() {
      for (const timer of timers) clearTimeout(timer);
      for (const session of [...server.sessions]) session.destroy();
      await Promise.all([
        new Promise<void>((resolve) => server.close(() => resolve())),
        new Promise<void>((resolve) => balanceServer.close(() => resolve())),
      ]);
    },
  };
}
