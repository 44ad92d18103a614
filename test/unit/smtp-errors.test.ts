import net from 'node:net';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { classifySmtpError, createEmailChannel, createSmtpTransport, smtpOptionsFromUrl } from '../../src/channels/email';
import { InvalidRecipientError, RejectedError, UnavailableError, type ChannelError } from '../../src/channels/errors';
import type { ChannelAdapter, OutboundMessage } from '../../src/channels/types';

/** What nodemailer attaches to the errors it throws. */
const smtpError = (fields: { code?: string; responseCode?: number; response?: string; message?: string }) =>
  Object.assign(new Error(fields.message ?? 'smtp failure'), fields);

describe('classifySmtpError', () => {
  it('turns a 550 reply into a permanent RejectedError that keeps the server response', () => {
    const response = '550 5.7.1 Message rejected as spam';
    const error = classifySmtpError(smtpError({ code: 'EMESSAGE', responseCode: 550, response }));
    expect(error).toBeInstanceOf(RejectedError);
    expect(error.permanent).toBe(true);
    expect(error.providerReason).toBe(response);
    expect(error.message).toContain(response);
  });

  it.each([421, 451, 452])('turns a %i reply into a transient UnavailableError', (responseCode) => {
    const response = `${responseCode} 4.3.0 Try again later`;
    const error = classifySmtpError(smtpError({ code: 'EMESSAGE', responseCode, response }));
    expect(error).toBeInstanceOf(UnavailableError);
    expect(error.permanent).toBe(false);
    expect(error.providerReason).toBe(response);
  });

  it('turns a refused recipient (EENVELOPE with 550) into a permanent InvalidRecipientError', () => {
    const response = '550 5.1.1 <nobody@example.com>: Recipient address rejected';
    const error = classifySmtpError(smtpError({ code: 'EENVELOPE', responseCode: 550, response }));
    expect(error).toBeInstanceOf(InvalidRecipientError);
    expect(error.permanent).toBe(true);
    expect(error.providerReason).toBe(response);
  });

  it('keeps a recipient refused for now (EENVELOPE with 450) transient', () => {
    const error = classifySmtpError(smtpError({ code: 'EENVELOPE', responseCode: 450, response: '450 mailbox busy' }));
    expect(error).toBeInstanceOf(UnavailableError);
    expect(error.permanent).toBe(false);
  });

  it('turns a refused connection (no reply code) into a transient UnavailableError that names neither address nor port', () => {
    const error = classifySmtpError(smtpError({ code: 'ECONNREFUSED', message: 'connect ECONNREFUSED 127.0.0.1:25' }));
    expect(error).toBeInstanceOf(UnavailableError);
    expect(error.permanent).toBe(false);
    expect(error.providerReason).toBe('connection refused');
    expect(error.message).not.toContain('127.0.0.1');
  });

  it('says a server that sends something other than an SMTP greeting is not an SMTP server, without repeating what it sent', () => {
    const error = classifySmtpError(smtpError({ code: 'EPROTOCOL', message: 'Invalid greeting. response=HTTP/1.1 400 internal-body', response: 'HTTP/1.1 400 internal-body' }));
    expect(error).toBeInstanceOf(UnavailableError);
    expect(`${error.message} ${error.providerReason}`).not.toContain('internal-body');
    expect(error.providerReason).toBe('not an SMTP server');
  });

  it('does not throw on something that is not an Error', () => {
    expect(classifySmtpError(undefined)).toBeInstanceOf(UnavailableError);
    expect(classifySmtpError('boom').providerReason).toBe('boom');
  });
});

describe('the e-mail channel classifies what a real SMTP server answers', () => {
  let server: SMTPServer;
  let port: number;
  let channel: ChannelAdapter;

  beforeAll(async () => {
    server = new SMTPServer({
      disabledCommands: ['STARTTLS', 'AUTH'],
      authOptional: true,
      logger: false,
      onRcptTo(address, _session, callback) {
        const [local] = address.address.split('@');
        if (local === 'nobody') return callback(Object.assign(new Error('no such mailbox'), { responseCode: 550 }));
        if (local === 'busy') return callback(Object.assign(new Error('mailbox busy, try later'), { responseCode: 450 }));
        return callback();
      },
      onData(stream, _session, callback) {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          const raw = Buffer.concat(chunks).toString();
          if (raw.includes('Subject: spam')) return callback(Object.assign(new Error('looks like spam'), { responseCode: 550 }));
          if (raw.includes('Subject: later')) return callback(Object.assign(new Error('greylisted'), { responseCode: 451 }));
          return callback();
        });
      },
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.server.address() as net.AddressInfo).port;
    channel = createEmailChannel({ transport: createSmtpTransport(`smtp://127.0.0.1:${port}?ignoreTLS=true`) });
  });
  afterAll(async () => {
    await channel?.close?.();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  });

  const message = (overrides: Partial<OutboundMessage> = {}): OutboundMessage => ({
    to: 'ivan@example.com',
    from: { name: 'Демо', address: 'notify@example.com' },
    subject: 'hello',
    text: 'Привет',
    ...overrides,
  });
  const failureOf = async (send: Promise<unknown>): Promise<ChannelError> => {
    try {
      await send;
    } catch (err) {
      return err as ChannelError;
    }
    return expect.fail('the message was accepted');
  };

  it('sends when the server accepts', async () => {
    const result = await channel.send(message());
    expect(result.provider).toBe('smtp');
    expect(result.response).toMatch(/^250/);
  });

  it('reports a 550 after DATA as a permanent rejection with the server response', async () => {
    const error = await failureOf(channel.send(message({ subject: 'spam' })));
    expect(error).toBeInstanceOf(RejectedError);
    expect(error.permanent).toBe(true);
    expect(error.providerReason).toMatch(/^550 .*looks like spam/);
  });

  it('reports a 451 after DATA as transient', async () => {
    const error = await failureOf(channel.send(message({ subject: 'later' })));
    expect(error).toBeInstanceOf(UnavailableError);
    expect(error.permanent).toBe(false);
    expect(error.providerReason).toMatch(/^451 .*greylisted/);
  });

  it('reports a recipient the server refuses with 550 as an invalid recipient', async () => {
    const error = await failureOf(channel.send(message({ to: 'nobody@example.com' })));
    expect(error).toBeInstanceOf(InvalidRecipientError);
    expect(error.permanent).toBe(true);
    expect(error.providerReason).toContain('no such mailbox');
  });

  it('reports a recipient refused with 450 as transient', async () => {
    const error = await failureOf(channel.send(message({ to: 'busy@example.com' })));
    expect(error).toBeInstanceOf(UnavailableError);
    expect(error.permanent).toBe(false);
  });

  it('reports a server nobody listens on as transient', async () => {
    const closed = await new Promise<number>((resolve) => {
      const probe = net.createServer().listen(0, '127.0.0.1', () => {
        const { port: free } = probe.address() as net.AddressInfo;
        probe.close(() => resolve(free));
      });
    });
    const nowhere = createEmailChannel({ transport: createSmtpTransport(`smtp://127.0.0.1:${closed}?ignoreTLS=true`) });
    try {
      const error = await failureOf(nowhere.send(message()));
      expect(error).toBeInstanceOf(UnavailableError);
      expect(error.permanent).toBe(false);
      expect(error.providerReason).toBe('connection refused');
    } finally {
      await nowhere.close?.();
    }
  });

  it('refuses a message without a From address as an invalid recipient, without calling the server', async () => {
    const { from: _from, ...noFrom } = message();
    const error = await failureOf(channel.send(noFrom));
    expect(error).toBeInstanceOf(InvalidRecipientError);
  });
});

describe('smtpOptionsFromUrl', () => {
  it('uses port 465 with implicit TLS for smtps://', () => {
    expect(smtpOptionsFromUrl('smtps://mail.example')).toEqual({
      host: 'mail.example',
      port: 465,
      secure: true,
      tls: { rejectUnauthorized: true },
    });
  });

  it('uses port 587 without implicit TLS for smtp://', () => {
    expect(smtpOptionsFromUrl('smtp://mail.example')).toEqual({
      host: 'mail.example',
      port: 587,
      secure: false,
      tls: { rejectUnauthorized: true },
    });
  });

  it('keeps an explicit port', () => {
    expect(smtpOptionsFromUrl('smtps://mail.example:2465').port).toBe(2465);
    expect(smtpOptionsFromUrl('smtp://mail.example:25').port).toBe(25);
  });

  it('percent-decodes the user and password', () => {
    const options = smtpOptionsFromUrl('smtp://notify%40demo.example:p%40ss%3Aw%2Frd%25@mail.example');
    expect(options.auth).toEqual({ user: 'notify@demo.example', pass: 'p@ss:w/rd%' });
  });

  it('decodes Cyrillic credentials', () => {
    const url = `smtp://${encodeURIComponent('почта')}:${encodeURIComponent('пароль')}@mail.example`;
    expect(smtpOptionsFromUrl(url).auth).toEqual({ user: 'почта', pass: 'пароль' });
  });

  it('sends no credentials when the URL has none', () => {
    expect(smtpOptionsFromUrl('smtp://mail.example')).not.toHaveProperty('auth');
  });

  it('honours ?ignoreTLS=true', () => {
    expect(smtpOptionsFromUrl('smtp://mail.example?ignoreTLS=true')).toMatchObject({ ignoreTLS: true });
    expect(smtpOptionsFromUrl('smtp://mail.example?ignoreTLS=false')).toMatchObject({ ignoreTLS: false });
    expect(smtpOptionsFromUrl('smtp://mail.example')).not.toHaveProperty('ignoreTLS');
  });

  it('honours ?requireTLS=true', () => {
    expect(smtpOptionsFromUrl('smtp://mail.example?requireTLS=true')).toMatchObject({ requireTLS: true });
  });

  it('honours ?tlsRejectUnauthorized=false and checks certificates otherwise', () => {
    expect(smtpOptionsFromUrl('smtps://mail.example?tlsRejectUnauthorized=false').tls).toEqual({ rejectUnauthorized: false });
    expect(smtpOptionsFromUrl('smtps://mail.example?tlsRejectUnauthorized=0').tls).toEqual({ rejectUnauthorized: false });
    expect(smtpOptionsFromUrl('smtps://mail.example?tlsRejectUnauthorized=true').tls).toEqual({ rejectUnauthorized: true });
  });
});
