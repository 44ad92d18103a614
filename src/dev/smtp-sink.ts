import fs from 'node:fs/promises';
import path from 'node:path';
import { SMTPServer, type SMTPServerSession } from 'smtp-server';

export interface ReceivedMail {
  from: string;
  to: string[];
  raw: Buffer;
  receivedAt: Date;
}

export interface SmtpSink {
  /** `smtp://127.0.0.1:<port>` with `ignoreTLS`, ready for `SMTP_URL`. */
  url: string;
  port: number;
  readonly messages: readonly ReceivedMail[];
  /** Resolves once at least `count` messages have arrived. */
  waitForMessages(count: number, timeoutMs?: number): Promise<ReceivedMail[]>;
  stop(): Promise<void>;
}

export interface SmtpSinkOptions {
  port?: number;
  /** Each message is also written there as an .eml file, for a developer to open. */
  dir?: string;
  /**
   * Called before a message is accepted; throwing an Error with `responseCode`
   * answers that SMTP reply instead (tests use it to play a failing server).
   */
  beforeAccept?: (mail: Omit<ReceivedMail, 'receivedAt'>) => void | Promise<void>;
  /** Extra credentials the sink demands (AUTH PLAIN/LOGIN); none by default. */
  auth?: { user: string; pass: string };
  /** How long `stop()` lets open connections finish before cutting them; smtp-server's 30 s by default. */
  closeTimeoutMs?: number;
}

/** A real SMTP server on loopback that keeps what it receives: the dev and test inbox. */
export async function startSmtpSink(opts: SmtpSinkOptions = {}): Promise<SmtpSink> {
  const messages: ReceivedMail[] = [];
  let written = 0;
  const waiters = new Set<() => void>();
  if (opts.dir) await fs.mkdir(opts.dir, { recursive: true });

  const server = new SMTPServer({
    secure: false,
    disabledCommands: opts.auth ? ['STARTTLS'] : ['STARTTLS', 'AUTH'],
    authOptional: !opts.auth,
    allowInsecureAuth: true,
    logger: false,
    size: 25 * 1024 * 1024,
    ...(opts.closeTimeoutMs !== undefined ? { closeTimeout: opts.closeTimeoutMs } : {}),
    onAuth(auth, _session, callback) {
      if (opts.auth && auth.username === opts.auth.user && auth.password === opts.auth.pass) {
        callback(null, { user: auth.username });
      } else {
        callback(Object.assign(new Error('authentication failed'), { responseCode: 535 }));
      }
    },
    onData(stream, session: SMTPServerSession, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('error', callback);
      stream.on('end', () => {
        const mail = {
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          raw: Buffer.concat(chunks),
        };
        void (async () => {
          await opts.beforeAccept?.(mail);
          const received = { ...mail, receivedAt: new Date() };
          if (opts.dir) {
            // A counter taken synchronously: two messages in the same millisecond must not share a file.
            const name = `${received.receivedAt.toISOString().replace(/[:.]/g, '-')}-${++written}.eml`;
            await fs.writeFile(path.join(opts.dir, name), received.raw);
          }
          messages.push(received);
          for (const wake of waiters) wake();
        })().then(
          () => callback(),
          (err: Error) => callback(err),
        );
      });
    },
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  server.on('error', () => undefined);
  const address = server.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const credentials = opts.auth
    ? `${encodeURIComponent(opts.auth.user)}:${encodeURIComponent(opts.auth.pass)}@`
    : '';

  return {
    url: `smtp://${credentials}127.0.0.1:${port}?ignoreTLS=true`,
    port,
    messages,
    waitForMessages(count, timeoutMs = 30_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (messages.length >= count) {
            waiters.delete(check);
            clearTimeout(timer);
            resolve([...messages]);
          }
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`expected ${count} messages, got ${messages.length} within ${timeoutMs} ms`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
