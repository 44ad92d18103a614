import { sql } from 'drizzle-orm';
import type { ParsedMail } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEmailChannel, createSmtpTransport } from '../../src/channels/email';
import { ChannelError, UnavailableError } from '../../src/channels/errors';
import type { ChannelAdapter, OutboundMessage } from '../../src/channels/types';
import { startSmtpSink, type ReceivedMail, type SmtpSink } from '../../src/dev/smtp-sink';
import { createHarness, type Harness } from '../helpers/harness';
import { addressOf, parseMail } from '../helpers/mail';
import { journalOf, postEvent, putClient, storyOf } from '../helpers/scenario';
import {
  makeSelfSignedCertificate,
  opensslAvailable,
  startTlsSmtpPeer,
  type SelfSigned,
  type TlsSmtpPeer,
} from '../../src/dev/peers/smtp-tls';

/**
 * The e-mail channel (issue 5, SMTP bullet) through the whole path:
 * POST /v1/events → Temporal workflow → activity → nodemailer → a real SMTP
 * server on loopback, with the journal and the raw message checked.
 */

const SENDER = { name: 'Автозапчасти Демо', address: 'notify@demo-parts.example' };
const REJECT_TEXT = 'Message rejected by policy, ref 7731-ZETA';
const BUSY_TEXT = 'Service busy, closing channel, ref 4242-OMEGA';

interface EmailTemplateInput {
  subject: string;
  text?: string | null;
  html?: string | null;
  fromName?: string | null;
  attachments?: { filename: string; content: string; contentType: string }[];
}

/** A custom event type that goes only by e-mail, with the given client e-mail template. */
async function putEmailType(h: Harness, type: string, email: EmailTemplateInput): Promise<void> {
  const res = await h.request({
    method: 'PUT',
    url: `/v1/event-types/${type}`,
    payload: {
      name: 'Письмо клиенту',
      variables: [{ name: 'n', description: 'Номер', example: 'ЗК-1' }],
      channels: ['email'],
      sendToManager: false,
      templates: { client: { email } },
    },
  });
  expect(res.statusCode, res.body).toBe(200);
}

/** The header section of a raw message, unfolded: one entry per header, in order. */
function headersOf(raw: Buffer): { name: string; value: string; rawLines: number }[] {
  const text = raw.toString('latin1');
  const end = text.indexOf('\r\n\r\n');
  const block = end >= 0 ? text.slice(0, end) : text;
  const headers: { name: string; value: string; rawLines: number }[] = [];
  for (const line of block.split('\r\n')) {
    if (/^[ \t]/.test(line) && headers.length > 0) {
      const last = headers[headers.length - 1]!;
      last.value += ` ${line.trim()}`;
      last.rawLines += 1;
      continue;
    }
    const colon = line.indexOf(':');
    headers.push({ name: line.slice(0, colon).toLowerCase(), value: line.slice(colon + 1).trim(), rawLines: 1 });
  }
  return headers;
}

function headerBlock(raw: Buffer): string {
  const text = raw.toString('latin1');
  return text.slice(0, text.indexOf('\r\n\r\n'));
}

function single(raw: Buffer, name: string): string {
  const found = headersOf(raw).filter((h) => h.name === name.toLowerCase());
  expect(found, `exactly one ${name} header`).toHaveLength(1);
  return found[0]!.value;
}

describe('the e-mail channel through POST /v1/events, Temporal and a real SMTP server', () => {
  let h: Harness;
  /** Every DATA the default sink saw, accepted or not, in order. */
  const dataAttempts: { to: string[]; raw: Buffer }[] = [];
  const alreadyRefused = new Set<string>();

  beforeAll(async () => {
    h = await createHarness({
      mode: 'live',
      smtp: {
        beforeAccept(mail) {
          dataAttempts.push({ to: [...mail.to], raw: mail.raw });
          if (mail.to.some((to) => to.startsWith('reject550'))) {
            throw Object.assign(new Error(REJECT_TEXT), { responseCode: 550 });
          }
          const flaky = mail.to.find((to) => to.startsWith('flaky421'));
          if (flaky && !alreadyRefused.has(flaky)) {
            alreadyRefused.add(flaky);
            throw Object.assign(new Error(BUSY_TEXT), { responseCode: 421 });
          }
        },
      },
    });
  });
  afterAll(async () => {
    await h?.close();
  });

  const run = async (id: string, type: string, counterpartyId: string, data: Record<string, unknown>) => {
    const { workflowId } = await postEvent(h, { id, type, counterpartyId, data });
    const result = await h.temporal.workflow.getHandle(workflowId).result();
    return { workflowId, result, entries: await journalOf(h, id) };
  };
  const mailsTo = (address: string): ReceivedMail[] => h.smtp.messages.filter((m) => m.to.includes(address));
  const attemptsTo = (address: string) => dataAttempts.filter((a) => a.to.includes(address));
  const onlyMailTo = async (address: string): Promise<{ mail: ReceivedMail; parsed: ParsedMail }> => {
    const mails = mailsTo(address);
    expect(mails, `messages to ${address}`).toHaveLength(1);
    return { mail: mails[0]!, parsed: await parseMail(mails[0]!) };
  };

  describe('what the server answers', () => {
    beforeAll(async () => {
      await putEmailType(h, 'smtp.plain', { subject: 'Заказ {{ n }}', text: 'Заказ {{ n }} готов' });
    });

    it('journals a 550 as a permanent failure with the server text after exactly one attempt', async () => {
      const to = 'reject550@client.example';
      await putClient(h, 'c-550', [{ name: 'Отказ', email: to }]);
      const { result, entries } = await run('smtp-550', 'smtp.plain', 'c-550', { n: 'ЗК-550' });

      expect(result.outcome).toBe('failed');
      expect(attemptsTo(to)).toHaveLength(1);
      expect(mailsTo(to)).toHaveLength(0);
      expect(storyOf(entries, 'Отказ')).toEqual(['rendered email', 'attempt_failed email', 'failed email']);

      const attempts = entries.filter((e) => e.status === 'attempt_failed');
      expect(attempts).toHaveLength(1);
      expect(attempts[0]).toMatchObject({ attempt: 1, channel: 'email', recipient: to });
      expect(attempts[0]!.reason).toContain(REJECT_TEXT);
      expect(attempts[0]!.details).toMatchObject({ error: 'RejectedError', permanent: true });

      const failed = entries.filter((e) => e.status === 'failed');
      expect(failed).toHaveLength(1);
      expect(failed[0]!.reason).toContain('550');
      expect(failed[0]!.reason).toContain(REJECT_TEXT);
      expect(failed[0]!.details).toMatchObject({ type: 'RejectedError' });
      expect(entries.some((e) => e.status === 'queued' || e.status === 'sent')).toBe(false);
    });

    it('retries a 421 and then sends once, with the same Message-ID on both attempts', async () => {
      const to = 'flaky421@client.example';
      await putClient(h, 'c-421', [{ name: 'Повтор', email: to }]);
      const { result, entries } = await run('smtp-421', 'smtp.plain', 'c-421', { n: 'ЗК-421' });

      expect(result.outcome).toBe('completed');
      expect(storyOf(entries, 'Повтор')).toEqual(['rendered email', 'attempt_failed email', 'sent email']);
      const failedAttempt = entries.find((e) => e.status === 'attempt_failed')!;
      expect(failedAttempt.attempt).toBe(1);
      expect(failedAttempt.reason).toContain('421');
      expect(failedAttempt.reason).toContain(BUSY_TEXT);
      expect(failedAttempt.details).toMatchObject({ error: 'UnavailableError', permanent: false });
      const sent = entries.find((e) => e.status === 'sent')!;
      expect(sent.attempt).toBe(2);

      // The first DATA got the 421, the second was taken; the recipient has one message.
      expect(attemptsTo(to)).toHaveLength(2);
      const { parsed } = await onlyMailTo(to);
      expect(parsed.subject).toBe('Заказ ЗК-421');

      // A retry of the same delivery carries the same Message-ID, so a receiver can tell it is one message.
      const ids = attemptsTo(to).map((a) => single(a.raw, 'Message-ID'));
      expect(ids[0]).toBe(ids[1]);
      expect(sent.providerMessageId).toBe(ids[1]);
    });
  });

  describe('header injection through data', () => {
    beforeAll(async () => {
      await putEmailType(h, 'smtp.inject', { subject: 'Заказ {{ n }}', text: 'Ваш заказ готов' });
    });

    it('flattens a subject with "\\r\\nBcc: x@y" to one line and sends no Bcc', async () => {
      const to = 'subject-inject@client.example';
      await putClient(h, 'c-inject-subject', [{ name: 'Тема', email: to }]);
      const { result, entries } = await run('smtp-inject-subject', 'smtp.inject', 'c-inject-subject', { n: 'ЗК-1\r\nBcc: x@y' });
      expect(result.outcome).toBe('completed');

      const { mail, parsed } = await onlyMailTo(to);
      expect(mail.to).toEqual([to]);
      expect(h.smtp.messages.some((m) => m.to.includes('x@y'))).toBe(false);
      const headers = headersOf(mail.raw);
      expect(headers.filter((x) => x.name === 'bcc')).toEqual([]);
      expect(headerBlock(mail.raw)).not.toMatch(/^bcc:/im);
      single(mail.raw, 'Subject');
      expect(parsed.bcc).toBeUndefined();
      expect(parsed.subject).toBe('Заказ ЗК-1 Bcc: x@y');
      expect(parsed.subject).not.toMatch(/[\r\n]/);

      const sent = entries.find((e) => e.status === 'sent')!;
      expect(sent.subject).toBe('Заказ ЗК-1 Bcc: x@y');
    });

    describe('a contact name with CR/LF', () => {
      const to = 'name-inject@client.example';
      let refused = false;
      let delivered: { mail: ReceivedMail; parsed: ParsedMail } | undefined;

      beforeAll(async () => {
        const put = await h.request({
          method: 'PUT',
          url: '/v1/counterparties/c-inject-name',
          payload: { name: 'Клиент с именем', contacts: [{ name: 'Злой\r\nBcc: x@y', email: to }] },
        });
        // Refusing such a name outright is an acceptable answer too.
        if (put.statusCode === 400) {
          refused = true;
          return;
        }
        expect(put.statusCode, put.body).toBe(200);
        const { result } = await run('smtp-inject-name', 'smtp.inject', 'c-inject-name', { n: 'ЗК-2' });
        expect(result.outcome).toBe('completed');
        delivered = await onlyMailTo(to);
      });

      it('adds no Bcc header and no envelope recipient (or the API refuses the name with 400)', async () => {
        if (refused) return;
        const { mail, parsed } = delivered!;
        expect(mail.to).toEqual([to]);
        expect(h.smtp.messages.some((m) => m.to.includes('x@y'))).toBe(false);
        expect(headersOf(mail.raw).filter((x) => x.name === 'bcc')).toEqual([]);
        expect(headerBlock(mail.raw)).not.toMatch(/^bcc:/im);
        expect(parsed.bcc).toBeUndefined();
        single(mail.raw, 'To');
        expect(addressOf(parsed.to).address).toBe(to);
      });

      it('keeps the display name on one line, as the subject is (or the API refuses the name with 400)', async () => {
        if (refused) return;
        // A line break must not survive into the decoded name, whatever the data held.
        const { name } = addressOf(delivered!.parsed.to);
        expect(name).not.toMatch(/[\r\n]/);
        expect(name.replace(/\s+/g, ' ')).toBe('Злой Bcc: x@y');
      });
    });

    describe('a template From name with CR/LF', () => {
      const to = 'from-inject@client.example';
      let delivered: { mail: ReceivedMail; parsed: ParsedMail };

      beforeAll(async () => {
        await putEmailType(h, 'smtp.inject-from', { subject: 'Заказ {{ n }}', text: 'Ваш заказ готов', fromName: 'Отдел\r\nBcc: x@y' });
        await putClient(h, 'c-inject-from', [{ name: 'Отправитель', email: to }]);
        const { result } = await run('smtp-inject-from', 'smtp.inject-from', 'c-inject-from', { n: 'ЗК-3' });
        expect(result.outcome).toBe('completed');
        delivered = await onlyMailTo(to);
      });

      it('adds no Bcc header and no envelope recipient', () => {
        const { mail, parsed } = delivered;
        expect(mail.to).toEqual([to]);
        expect(headersOf(mail.raw).filter((x) => x.name === 'bcc')).toEqual([]);
        expect(headerBlock(mail.raw)).not.toMatch(/^bcc:/im);
        single(mail.raw, 'From');
        expect(addressOf(parsed.from).address).toBe(SENDER.address);
      });

      it('keeps the From display name on one line', () => {
        const { name } = addressOf(delivered.parsed.from);
        expect(name).not.toMatch(/[\r\n]/);
        expect(name.replace(/\s+/g, ' ')).toBe('Отдел Bcc: x@y');
      });
    });
  });

  describe('Cyrillic headers', () => {
    it('encodes the subject and the From/To names as RFC 2047 words that decode back exactly', async () => {
      const subject = 'Счёт № {{ n }} — оплата до пятницы; ёлки, щётки и «подъёмные» механизмы для склада на Южной улице';
      await putEmailType(h, 'smtp.cyrillic', { subject, text: 'Текст письма', fromName: 'Отдел продаж «Ёлка»' });
      const to = 'cyrillic@client.example';
      await putClient(h, 'c-cyrillic', [{ name: 'Пётр Ёлкин-Щукин', email: to }]);
      const { result } = await run('smtp-cyrillic', 'smtp.cyrillic', 'c-cyrillic', { n: 'ЗК-55' });
      expect(result.outcome).toBe('completed');

      const { mail, parsed } = await onlyMailTo(to);
      // Headers are 7-bit: nothing raw UTF-8 in them.
      expect([...headerBlock(mail.raw)].every((c) => c.charCodeAt(0) < 0x80)).toBe(true);
      expect(single(mail.raw, 'Subject')).toMatch(/^=\?UTF-8\?[BQ]\?/i);
      expect(single(mail.raw, 'From')).toMatch(/^=\?UTF-8\?[BQ]\?.*<notify@demo-parts\.example>$/i);
      expect(single(mail.raw, 'To')).toMatch(/^=\?UTF-8\?[BQ]\?.*<cyrillic@client\.example>$/i);

      expect(parsed.subject).toBe(
        'Счёт № ЗК-55 — оплата до пятницы; ёлки, щётки и «подъёмные» механизмы для склада на Южной улице',
      );
      expect(addressOf(parsed.from)).toEqual({ name: 'Отдел продаж «Ёлка»', address: SENDER.address });
      expect(addressOf(parsed.to)).toEqual({ name: 'Пётр Ёлкин-Щукин', address: to });
      expect(parsed.text?.trim()).toBe('Текст письма');
    });
  });

  describe('Message-ID', () => {
    it('puts the Message-ID we choose in the message and the journal, one per event and per recipient', async () => {
      await putEmailType(h, 'smtp.msgid', { subject: 'Заказ {{ n }}', text: 'Заказ {{ n }}' });
      const first = 'msgid-1@client.example';
      const second = 'msgid-2@client.example';
      await putClient(h, 'c-msgid', [
        { name: 'Первый', email: first },
        { name: 'Второй', email: second },
      ]);
      const a = await run('smtp-msgid-a', 'smtp.msgid', 'c-msgid', { n: 'A' });
      const b = await run('smtp-msgid-b', 'smtp.msgid', 'c-msgid', { n: 'B' });
      expect(a.result.outcome).toBe('completed');
      expect(b.result.outcome).toBe('completed');

      const ids = new Map<string, string>();
      for (const { workflowId, entries } of [a, b]) {
        for (const address of [first, second]) {
          const sent = entries.find((e) => e.status === 'sent' && e.recipient === address)!;
          expect(sent.workflowId).toBe(workflowId);
          const mail = mailsTo(address).find((m) => single(m.raw, 'Message-ID') === sent.providerMessageId);
          expect(mail, `the message to ${address} of ${workflowId} carries the journaled Message-ID`).toBeDefined();
          expect(sent.providerMessageId).toMatch(/^<[^<>@\s]+@demo-parts\.example>$/);
          expect((await parseMail(mail!)).messageId).toBe(sent.providerMessageId);
          ids.set(`${workflowId}|${address}`, sent.providerMessageId!);
        }
      }
      expect(mailsTo(first)).toHaveLength(2);
      expect(mailsTo(second)).toHaveLength(2);
      expect(new Set(ids.values()).size).toBe(4);
    });
  });

  describe('bodies and attachments', () => {
    it('sends HTML and text as multipart/alternative when the template has both', async () => {
      await putEmailType(h, 'smtp.alt', {
        subject: 'Заказ {{ n }}',
        text: 'Текст: заказ {{ n }} готов',
        html: '<p>HTML: заказ <b>{{ n }}</b> готов</p>',
      });
      const to = 'alt@client.example';
      await putClient(h, 'c-alt', [{ name: 'Альт', email: to }]);
      const { result } = await run('smtp-alt', 'smtp.alt', 'c-alt', { n: 'ЗК-<7>' });
      expect(result.outcome).toBe('completed');
      const { mail, parsed } = await onlyMailTo(to);
      expect(single(mail.raw, 'Content-Type')).toMatch(/^multipart\/alternative;/i);
      expect(mail.raw.toString('latin1')).toMatch(/Content-Type: text\/plain/i);
      expect(mail.raw.toString('latin1')).toMatch(/Content-Type: text\/html/i);
      expect(parsed.text?.trim()).toBe('Текст: заказ ЗК-<7> готов');
      expect(parsed.html).toContain('<p>HTML: заказ <b>ЗК-&lt;7&gt;</b> готов</p>');
      expect(parsed.attachments).toHaveLength(0);
    });

    it('attaches files rendered from the attachment templates, with their rendered names and content', async () => {
      await putEmailType(h, 'smtp.attach', {
        subject: 'Счёт {{ n }}',
        text: 'Счёт во вложении',
        html: '<p>Счёт во вложении</p>',
        attachments: [{ filename: 'Счёт {{ n }}.txt', content: 'Сумма: {{ n }}', contentType: 'text/plain; charset=utf-8' }],
      });
      const to = 'attach@client.example';
      await putClient(h, 'c-attach', [{ name: 'Бухгалтер', email: to }]);
      const { result } = await run('smtp-attach', 'smtp.attach', 'c-attach', { n: '1 250,50 ₽' });
      expect(result.outcome).toBe('completed');

      const { mail, parsed } = await onlyMailTo(to);
      expect(single(mail.raw, 'Content-Type')).toMatch(/^multipart\/mixed;/i);
      expect(parsed.text?.trim()).toBe('Счёт во вложении');
      expect(parsed.html).toContain('<p>Счёт во вложении</p>');
      expect(parsed.attachments).toHaveLength(1);
      const [file] = parsed.attachments;
      expect(file!.filename).toBe('Счёт 1 250,50 ₽.txt');
      expect(file!.contentType).toBe('text/plain');
      expect(file!.contentDisposition).toBe('attachment');
      expect(file!.content.toString('utf8')).toBe('Сумма: 1 250,50 ₽');
    });
  });

  describe("a company's own SMTP provider from the settings", () => {
    const PASSWORD = 's3cr3t-pass';
    let own: SmtpSink;

    beforeAll(async () => {
      own = await startSmtpSink({ auth: { user: 'mailer', pass: PASSWORD } });
      await putEmailType(h, 'smtp.own', { subject: 'Своя почта {{ n }}', text: 'Через свой сервер: {{ n }}' });
    });
    afterAll(async () => {
      // Back to the default server for anything that runs later.
      await h?.request({ method: 'PUT', url: '/v1/settings', payload: { providers: [] } });
      await own?.stop();
    });

    const putOwnProvider = async (password: string) => {
      const res = await h.request({
        method: 'PUT',
        url: '/v1/settings',
        payload: {
          providers: [
            {
              id: 'own-smtp',
              kind: 'smtp',
              name: 'Своя почта',
              config: { host: '127.0.0.1', port: own.port, user: 'mailer' },
              secrets: { password },
            },
          ],
        },
      });
      expect(res.statusCode, res.body).toBe(200);
      expect(res.body).not.toContain(password);
    };

    const everythingStored = async (): Promise<string> => {
      const journal = await h.db.execute(sql`select row_to_json(j)::text as row from journal_entries j`);
      const changes = await h.db.execute(sql`select row_to_json(c)::text as row from config_changes c`);
      return [...journal.rows, ...changes.rows].map((r) => String((r as { row: string }).row)).join('\n');
    };

    it('sends through the company provider with its credentials, and the password shows nowhere', async () => {
      await putOwnProvider(PASSWORD);
      const to = 'own@client.example';
      await putClient(h, 'c-own', [{ name: 'Своя', email: to }]);
      const defaultBefore = h.smtp.messages.length;
      const { result, entries } = await run('smtp-own', 'smtp.own', 'c-own', { n: 'ЗК-9' });
      expect(result.outcome).toBe('completed');

      // The sink demands AUTH as mailer / s3cr3t-pass: a message there means the provider's credentials were used.
      expect(own.messages.filter((m) => m.to.includes(to))).toHaveLength(1);
      expect(h.smtp.messages.length).toBe(defaultBefore);
      const parsed = await parseMail(own.messages.find((m) => m.to.includes(to))!);
      expect(parsed.subject).toBe('Своя почта ЗК-9');
      const sent = entries.find((e) => e.status === 'sent')!;
      expect(sent.provider).toBe('own-smtp');
      expect(sent.providerMessageId).toBe(parsed.messageId);

      const settings = await h.request({ method: 'GET', url: '/v1/settings' });
      expect(settings.statusCode).toBe(200);
      expect(settings.body).not.toContain(PASSWORD);
      const provider = (settings.json() as { providers: { id: string; config: unknown; secrets: unknown }[] }).providers.find(
        (p) => p.id === 'own-smtp',
      );
      expect(provider).toMatchObject({ config: { host: '127.0.0.1', port: own.port, user: 'mailer' }, secrets: { password: { set: true } } });

      const stored = await everythingStored();
      expect(stored).toContain('smtp-own');
      expect(stored).not.toContain(PASSWORD);
    });

    it('journals a refused login as a failure without either password in it, then the default server is used again', async () => {
      const WRONG = 'wr0ng-pass-Q7';
      await putOwnProvider(WRONG);
      const to = 'own-wrong@client.example';
      await putClient(h, 'c-own-wrong', [{ name: 'Чужой пароль', email: to }]);
      const { result, entries } = await run('smtp-own-wrong', 'smtp.own', 'c-own-wrong', { n: 'ЗК-10' });
      expect(result.outcome).toBe('failed');
      expect(own.messages.filter((m) => m.to.includes(to))).toHaveLength(0);
      const failed = entries.find((e) => e.status === 'failed')!;
      expect(failed.reason).toMatch(/535/);

      const settings = await h.request({ method: 'GET', url: '/v1/settings' });
      expect(settings.body).not.toContain(WRONG);
      const stored = await everythingStored();
      expect(stored).toContain('smtp-own-wrong');
      expect(stored).not.toContain(WRONG);
      expect(stored).not.toContain(PASSWORD);

      // With the provider removed, the next message goes by the default server again.
      const cleared = await h.request({ method: 'PUT', url: '/v1/settings', payload: { providers: [] } });
      expect(cleared.statusCode, cleared.body).toBe(200);
      const back = 'back-to-default@client.example';
      await putClient(h, 'c-own-back', [{ name: 'Снова по умолчанию', email: back }]);
      const again = await run('smtp-own-back', 'smtp.own', 'c-own-back', { n: 'ЗК-11' });
      expect(again.result.outcome).toBe('completed');
      expect(mailsTo(back)).toHaveLength(1);
      expect(own.messages.some((m) => m.to.includes(back))).toBe(false);
      expect(again.entries.find((e) => e.status === 'sent')!.provider).toBe('smtp');
    });
  });
});

describe.skipIf(!opensslAvailable)('TLS options of the SMTP URL, against servers with a self-signed certificate', () => {
  let certificate: SelfSigned;
  let starttls: TlsSmtpPeer;
  let implicit: TlsSmtpPeer;
  let noStartTls: TlsSmtpPeer;
  const channels: ChannelAdapter[] = [];
  const AUTH = { user: 'tls-user', pass: 'tls-pass-Z9' };

  beforeAll(async () => {
    certificate = await makeSelfSignedCertificate();
    starttls = await startTlsSmtpPeer({ certificate, auth: AUTH });
    implicit = await startTlsSmtpPeer({ certificate, implicitTls: true, auth: AUTH });
    noStartTls = await startTlsSmtpPeer({ certificate, auth: AUTH, startTls: false });
  });
  afterAll(async () => {
    for (const channel of channels) await channel.close?.();
    await starttls?.stop();
    await implicit?.stop();
    await noStartTls?.stop();
  });

  const channelFor = (url: string): ChannelAdapter => {
    const channel = createEmailChannel({ transport: createSmtpTransport(url) });
    channels.push(channel);
    return channel;
  };
  const message = (to: string): OutboundMessage => ({
    to,
    toName: 'Получатель',
    from: SENDER,
    subject: 'Проверка TLS',
    text: 'Письмо по защищённому каналу',
    messageId: `<${to.replace('@', '.')}@demo-parts.example>`,
  });
  const failureOf = async (send: Promise<unknown>): Promise<ChannelError> => {
    try {
      await send;
    } catch (err) {
      return err as ChannelError;
    }
    return expect.fail('the message was accepted');
  };
  const credentials = `${AUTH.user}:${AUTH.pass}`;

  it('upgrades with STARTTLS and authenticates only then, when ?tlsRejectUnauthorized=false accepts the certificate', async () => {
    const channel = channelFor(`smtp://${credentials}@127.0.0.1:${starttls.port}?requireTLS=true&tlsRejectUnauthorized=false`);
    const result = await channel.send(message('starttls@client.example'));
    expect(result.response).toMatch(/^250/);
    expect(result.providerMessageId).toBe('<starttls.client.example@demo-parts.example>');
    const mail = starttls.messages.find((m) => m.to.includes('starttls@client.example'))!;
    expect(mail).toMatchObject({ secure: true, user: AUTH.user });
    expect(starttls.authAttempts.every((a) => a.secure)).toBe(true);
    const parsed = await parseMail({ ...mail, receivedAt: new Date() });
    expect(parsed.subject).toBe('Проверка TLS');
  });

  it('refuses the self-signed certificate by default: a transient error, nothing sent, no credentials offered', async () => {
    const before = starttls.authAttempts.length;
    const channel = channelFor(`smtp://${credentials}@127.0.0.1:${starttls.port}?requireTLS=true`);
    const error = await failureOf(channel.send(message('strict@client.example')));
    expect(error).toBeInstanceOf(UnavailableError);
    expect(error.permanent).toBe(false);
    expect(`${error.message} ${error.providerReason ?? ''}`).toMatch(/self[- ]signed|certificate/i);
    expect(`${error.message} ${error.providerReason ?? ''}`).not.toContain(AUTH.pass);
    expect(starttls.messages.some((m) => m.to.includes('strict@client.example'))).toBe(false);
    expect(starttls.authAttempts.length).toBe(before);
  });

  it('with ?requireTLS=true, sends neither credentials nor the message to a server that offers no STARTTLS', async () => {
    const channel = channelFor(`smtp://${credentials}@127.0.0.1:${noStartTls.port}?requireTLS=true&tlsRejectUnauthorized=false`);
    const error = await failureOf(channel.send(message('cleartext@client.example')));
    expect(error).toBeInstanceOf(ChannelError);
    expect(`${error.message} ${error.providerReason ?? ''}`).not.toContain(AUTH.pass);
    expect(noStartTls.authAttempts).toEqual([]);
    expect(noStartTls.messages).toHaveLength(0);

    // The same server does take the message and the clear-text login when TLS is not demanded: the refusal above is requireTLS.
    const lax = channelFor(`smtp://${credentials}@127.0.0.1:${noStartTls.port}`);
    await lax.send(message('cleartext-ok@client.example'));
    expect(noStartTls.messages.map((m) => ({ to: m.to, secure: m.secure, user: m.user }))).toEqual([
      { to: ['cleartext-ok@client.example'], secure: false, user: AUTH.user },
    ]);
  });

  it('speaks TLS from the first byte with smtps:// and ?tlsRejectUnauthorized=false', async () => {
    const channel = channelFor(`smtps://${credentials}@127.0.0.1:${implicit.port}?tlsRejectUnauthorized=false`);
    await channel.send(message('implicit@client.example'));
    const mail = implicit.messages.find((m) => m.to.includes('implicit@client.example'))!;
    expect(mail).toMatchObject({ secure: true, user: AUTH.user });
  });
});
