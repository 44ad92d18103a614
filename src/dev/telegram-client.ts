import fs from 'node:fs';
import path from 'node:path';

/** Where `npm start`'s embedded mode says its dev Bot API listens (under DATA_DIR). */
export const DEV_TELEGRAM_FILE = 'dev-telegram.json';

export interface DevTelegramInfo {
  apiRoot: string;
  botUsername: string;
}

export function writeDevTelegramInfo(dataDir: string, info: DevTelegramInfo): void {
  fs.mkdirSync(dataDir, { recursive: true });
  fs.writeFileSync(path.join(dataDir, DEV_TELEGRAM_FILE), `${JSON.stringify(info, null, 2)}\n`);
}

export function readDevTelegramInfo(dataDir: string): DevTelegramInfo | undefined {
  const file = path.join(dataDir, DEV_TELEGRAM_FILE);
  if (!fs.existsSync(file)) return undefined;
  return JSON.parse(fs.readFileSync(file, 'utf8')) as DevTelegramInfo;
}

export interface BotAnswer {
  text: string;
  at: string;
}

/**
 * Writes `text` to the dev bot as the client with chat `chatId` and collects
 * what the bot answers in that chat: waits up to `waitMs` for the first
 * answer, then `quietMs` more for any further ones.
 */
export async function writeAsClient(
  apiRoot: string,
  chatId: string,
  text: string,
  opts: { waitMs?: number; quietMs?: number } = {},
): Promise<{ delivery: string; answers: BotAnswer[] }> {
  const res = await fetch(`${apiRoot}/dev/client-message`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ chatId, text }),
  });
  const body = (await res.json()) as { ok: boolean; description?: string; result?: { delivery: string; lastMessageId: number } };
  if (!body.ok || !body.result) throw new Error(`the dev Bot API refused the message: ${body.description ?? res.status}`);
  const { delivery, lastMessageId } = body.result;
  const waitUntil = Date.now() + (opts.waitMs ?? 10_000);
  let answers: BotAnswer[] = [];
  let quietUntil = Number.POSITIVE_INFINITY;
  while (Date.now() < Math.min(waitUntil, quietUntil)) {
    await new Promise((resolve) => setTimeout(resolve, 200));
    const sent = (await (await fetch(`${apiRoot}/dev/sent?chatId=${encodeURIComponent(chatId)}&after=${lastMessageId}`)).json()) as {
      result: { text: string; at: string }[];
    };
    if (sent.result.length > answers.length) {
      answers = sent.result.map((m) => ({ text: m.text, at: m.at }));
      quietUntil = Date.now() + (opts.quietMs ?? 1500);
    }
  }
  return { delivery, answers };
}
