import { createHash, timingSafeEqual } from 'node:crypto';
import { pickTelegramUpdate, type TelegramUpdate } from '../channels/telegram';
import type { Db } from '../db/client';
import { createCompanyRepository } from '../db/repositories/companies';
import { BadRequestError, UnauthorizedError } from '../domain/errors';

/** The secret in the webhook path is stored only as this hash. */
export function hashWebhookSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

/** An update Telegram posted, with the company whose bot it is for. */
export interface WebhookUpdate {
  companyId: string;
  update: TelegramUpdate;
}

/**
 * Telegram's side of a company's webhook (R5). Telegram authenticates with
 * the secret in the path and the same secret in
 * `X-Telegram-Bot-Api-Secret-Token`; only the secret's hash is stored.
 */
export function createTelegramWebhookService(db: Db) {
  const companies = createCompanyRepository(db);
  return {
    /** Throws `UnauthorizedError` for an unknown secret and `BadRequestError` for a body that is no update. */
    async accept(pathSecret: string, headerSecret: string | string[] | undefined, body: unknown): Promise<WebhookUpdate> {
      const companyId = await companies.findIdByWebhookSecretHash(hashWebhookSecret(pathSecret));
      if (!companyId || typeof headerSecret !== 'string' || !sameSecret(headerSecret, pathSecret)) {
        throw new UnauthorizedError('unknown webhook secret');
      }
      const update = pickTelegramUpdate(body);
      if (!update) throw new BadRequestError('not a Telegram update', [{ path: '/body', message: 'must be a Telegram Update' }]);
      return { companyId, update };
    },
  };
}

export type TelegramWebhookService = ReturnType<typeof createTelegramWebhookService>;

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
