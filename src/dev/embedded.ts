/**
 * Starts a stand-in for every external service the configuration leaves
 * unset, so `npm start` runs with nothing installed: embedded PostgreSQL, the
 * Temporal dev server, an SMTP sink and, in the fully embedded mode (no
 * external database), a local SMSC and Bot API as the default providers.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import type { Logger } from 'pino';
import type { Config } from '../config';
import { startSmsc } from './peers/smsc';
import { startTelegramBotApi } from './peers/telegram-bot-api';
import { writeDevTelegramInfo } from './telegram-client';
import { startEmbeddedPostgres } from './postgres';
import { startSmtpSink } from './smtp-sink';
import { startDevTemporal } from './temporal';

/** Which parts of the service run in this process. */
export type ProcessRole = 'api' | 'worker' | 'all';

/** Where everything is, configured or embedded. */
export interface Environment {
  databaseUrl: string;
  temporalAddress: string;
  temporalUiUrl: string | undefined;
  /** Unset only for the API role, which sends nothing. */
  smtpUrl: string | undefined;
  smsUrl: string | undefined;
  telegramApiRoot: string | undefined;
  /** `OUTBOUND_ALLOW` and the hosts of the stand-ins started here, so company settings may point at them. */
  outboundAllow: readonly string[];
  /** Lines for the start banner: the Temporal UI and the stand-ins. */
  banner: string[];
  /** Stops the stand-ins, last started first. */
  stop(): Promise<void>;
}

export async function startEmbedded(config: Config, role: ProcessRole, log: Logger): Promise<Environment> {
  const stops: (() => Promise<void>)[] = [];
  const banner: string[] = [];
  const peerHosts = new Set<string>();
  const peer = (url: string) => peerHosts.add(new URL(url).hostname);
  const stop = async () => {
    for (const step of stops.reverse()) await step().catch((err: unknown) => log.warn({ err }, 'shutdown step failed'));
  };
  try {
    let databaseUrl = config.databaseUrl;
    if (!databaseUrl) {
      log.info('DATABASE_URL unset: starting embedded PostgreSQL');
      const pg = await startEmbeddedPostgres({ dataDir: config.dataDir, log: (m) => log.debug(m) });
      stops.push(() => pg.stop());
      databaseUrl = pg.url;
    }

    let temporalAddress = config.temporal.address;
    let temporalUiUrl = config.temporal.uiUrl;
    if (!temporalAddress) {
      log.info('TEMPORAL_ADDRESS unset: starting the Temporal dev server (first start can take a minute)');
      const temporal = await startDevTemporal({
        dataDir: path.join(config.dataDir, 'temporal'),
        ...((await isPortFree(7233)) ? { port: 7233 } : {}),
        ...((await isPortFree(8233)) ? { uiPort: 8233 } : {}),
        namespace: config.temporal.namespace,
        ...(config.temporal.cliPath ? { cliPath: config.temporal.cliPath } : {}),
        log: (m) => log.info(m),
      });
      stops.push(() => temporal.stop());
      temporalAddress = temporal.address;
      temporalUiUrl ??= temporal.uiUrl;
    }
    if (temporalUiUrl) banner.push(`  Temporal UI   ${temporalUiUrl}`);

    let smtpUrl = config.smtpUrl;
    if (!smtpUrl && role !== 'api') {
      const mailDir = path.join(config.dataDir, 'mail');
      const sink = await startSmtpSink({ dir: mailDir });
      stops.push(() => sink.stop());
      smtpUrl = sink.url;
      peer(sink.url);
      banner.push(`  Sent e-mail   ${mailDir} (local SMTP sink at ${smtpUrl})`);
    }

    // Fully embedded (no external database): local SMS and Telegram peers stand in for providers.
    let smsUrl = config.smsUrl;
    let telegramApiRoot = config.telegramApiRoot;
    if (!config.databaseUrl && role !== 'api') {
      if (!smsUrl) {
        const smsc = await startSmsc({ balance: 1000 });
        stops.push(() => smsc.stop());
        peer(smsc.url);
        smsUrl = `${smsc.url}?source=NOTIFY&balanceUrl=${encodeURIComponent(smsc.balanceUrl)}`;
        banner.push(`  SMS (dev SMSC) ${smsc.url.replace(/\/\/[^@]*@/, '//')}  built-in default SMS provider`);
      }
      if (!telegramApiRoot) {
        const token = devTelegramToken(config.dataDir);
        const bot = await startTelegramBotApi({ token, botUsername: 'dev_notify_bot' });
        stops.push(() => bot.stop());
        telegramApiRoot = bot.apiRoot;
        peer(bot.apiRoot);
        writeDevTelegramInfo(config.dataDir, { apiRoot: bot.apiRoot, botUsername: 'dev_notify_bot' });
        banner.push(`  Telegram (dev) ${bot.apiRoot}  bot token for settings: ${token}`);
        banner.push('                 write to the bot as a client: npm run dev:telegram -- --as 1001 "/start <token>"');
      }
    }
    const outboundAllow = [...new Set([...config.outboundAllow, ...peerHosts])];
    return { databaseUrl, temporalAddress, temporalUiUrl, smtpUrl, smsUrl, telegramApiRoot, outboundAllow, banner, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** The dev Bot API's token, kept under DATA_DIR so the one saved in the demo settings stays valid. */
function devTelegramToken(dataDir: string): string {
  const file = path.join(dataDir, 'dev-telegram-token');
  if (fs.existsSync(file)) return fs.readFileSync(file, 'utf8').trim();
  const token = `${100_000_000 + Math.floor(Math.random() * 899_999_999)}:DEV${randomBytes(16).toString('hex')}`;
  fs.mkdirSync(dataDir, { recursive: true });
  fs.writeFileSync(file, `${token}\n`);
  return token;
}

/** The dev server's usual ports when they are free, so bookmarks keep working; any free port otherwise. */
function isPortFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = net.createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });
}
