import path from 'node:path';
import { readDevTelegramInfo, writeAsClient } from './telegram-client';

/**
 * `npm run dev:telegram -- --as <chatId> "<text>"`: writes to the embedded
 * dev bot as a client (for example `"/start <token>"` from a contact's deep
 * link) and prints what the bot answers. Needs `npm start` running in its
 * fully embedded mode on the same DATA_DIR.
 */
async function main(argv: string[]): Promise<number> {
  const asIndex = argv.indexOf('--as');
  const chatId = asIndex >= 0 ? argv[asIndex + 1] : undefined;
  const text = argv.filter((_, i) => i !== asIndex && i !== asIndex + 1).join(' ').trim();
  if (!chatId || !/^-?\d{1,15}$/.test(chatId) || text === '') {
    process.stderr.write('usage: npm run dev:telegram -- --as <chatId> "<text>"   (e.g. --as 1001 "/start <token from the contact\'s link>")\n');
    return 2;
  }
  const dataDir = path.resolve(process.env.DATA_DIR ?? './data');
  const info = readDevTelegramInfo(dataDir);
  if (!info) {
    process.stderr.write(`no dev Bot API found under ${dataDir}: start the service with \`npm start\` (fully embedded, no DATABASE_URL or TELEGRAM_API_ROOT)\n`);
    return 1;
  }
  let result;
  try {
    result = await writeAsClient(info.apiRoot, chatId, text);
  } catch (err) {
    process.stderr.write(`could not reach the dev Bot API at ${info.apiRoot} (is \`npm start\` running?): ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
  process.stdout.write(`you (chat ${chatId}) → @${info.botUsername}: ${text}\n`);
  if (result.answers.length === 0) {
    process.stdout.write('the bot did not answer within 10 s (with "chat with client" on it keeps the message in the journal for the manager instead)\n');
  }
  for (const answer of result.answers) process.stdout.write(`@${info.botUsername} → you: ${answer.text}\n`);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
