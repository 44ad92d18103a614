import { execFile, spawnSync } from 'node:child_process';
import fs from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { SMTPServer } from 'smtp-server';

/** Whether the `openssl` command is there to make a self-signed certificate. */
export const opensslAvailable: boolean = (() => {
  try {
    return spawnSync('openssl', ['version'], { stdio: 'ignore' }).status === 0;
  } catch {
    return false;
  }
})();

export interface SelfSigned {
  key: string;
  cert: string;
}

/** A throwaway self-signed certificate for localhost / 127.0.0.1, made with openssl. */
export async function makeSelfSignedCertificate(): Promise<SelfSigned> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'smtp-tls-'));
  try {
    const keyPath = path.join(dir, 'key.pem');
    const certPath = path.join(dir, 'cert.pem');
    await promisify(execFile)('openssl', [
      'req', '-x509', '-newkey', 'rsa:2048', '-nodes',
      '-keyout', keyPath, '-out', certPath,
      '-days', '1', '-subj', '/CN=localhost',
      '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1',
    ]);
    return { key: await fs.readFile(keyPath, 'utf8'), cert: await fs.readFile(certPath, 'utf8') };
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}

export interface TlsReceivedMail {
  from: string;
  to: string[];
  raw: Buffer;
  /** The session was encrypted when the message came (STARTTLS done, or implicit TLS). */
  secure: boolean;
  /** Who authenticated, if anybody. */
  user: string | undefined;
}

export interface TlsSmtpPeer {
  port: number;
  readonly messages: readonly TlsReceivedMail[];
  /** Credentials offered by clients, in order, with whether the session was encrypted then. */
  readonly authAttempts: readonly { user: string; secure: boolean }[];
  stop(): Promise<void>;
}

export interface TlsSmtpPeerOptions {
  certificate: SelfSigned;
  /** true: TLS from the first byte (smtps, port-465 style); false: plain, upgraded by STARTTLS. */
  implicitTls?: boolean;
  /** Demand AUTH with these credentials, and only over TLS. */
  auth?: { user: string; pass: string };
  /**
   * false: a server that offers no STARTTLS and takes AUTH in clear text, so
   * that a client which sends credentials without TLS is seen doing it.
   */
  startTls?: boolean;
}

/** A real SMTP server with a self-signed certificate that only takes AUTH over TLS (unless `startTls: false`). */
export async function startTlsSmtpPeer(opts: TlsSmtpPeerOptions): Promise<TlsSmtpPeer> {
  const messages: TlsReceivedMail[] = [];
  const authAttempts: { user: string; secure: boolean }[] = [];
  const server = new SMTPServer({
    secure: opts.implicitTls ?? false,
    key: opts.certificate.key,
    cert: opts.certificate.cert,
    logger: false,
    authOptional: !opts.auth,
    allowInsecureAuth: opts.startTls === false,
    disabledCommands: [...(opts.auth ? [] : ['AUTH']), ...(opts.startTls === false ? ['STARTTLS'] : [])],
    onAuth(auth, session, callback) {
      authAttempts.push({ user: auth.username ?? '', secure: Boolean(session.secure) });
      if (opts.auth && auth.username === opts.auth.user && auth.password === opts.auth.pass) {
        callback(null, { user: auth.username });
      } else {
        callback(Object.assign(new Error('authentication failed'), { responseCode: 535 }));
      }
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('error', callback);
      stream.on('end', () => {
        messages.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          raw: Buffer.concat(chunks),
          secure: Boolean(session.secure),
          user: typeof session.user === 'string' ? session.user : undefined,
        });
        callback();
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  // A client that gives up on a bad certificate resets the socket; that is expected here.
  server.on('error', () => undefined);
  const { port } = server.server.address() as AddressInfo;
  return {
    port,
    messages,
    authAttempts,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
