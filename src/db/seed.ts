import { eq } from 'drizzle-orm';
import type { Db } from './client';
import { createApiKeyRepository } from './api-keys';
import { companies, contacts, counterparties, eventTypes, templates } from './schema';
import { ROLES } from '../domain/roles';

export const DEMO_COMPANY_ID = 'demo';

export interface SeedResult {
  created: boolean;
  /** Shown once, when the demo company is created. */
  apiKey?: string;
}

/**
 * Creates the demo company on an empty database: a key with every role, one
 * client with two contacts and the event "order ready for pickup" with a
 * Russian e-mail template. Does nothing when the company exists.
 */
export async function seedDemo(db: Db): Promise<SeedResult> {
  return db.transaction(async (tx) => {
    const inserted = await tx
      .insert(companies)
      .values({
        id: DEMO_COMPANY_ID,
        name: 'ООО «Автозапчасти Демо»',
        emailFrom: 'notify@demo-parts.example',
        emailFromName: 'Автозапчасти Демо',
        mode: 'test',
      })
      .onConflictDoNothing()
      .returning({ id: companies.id });
    if (inserted.length === 0) return { created: false };

    await tx.insert(eventTypes).values({
      companyId: DEMO_COMPANY_ID,
      type: 'order.ready_for_pickup',
      name: 'Заказ покупателя готов к выдаче',
      description: 'Переменные: orderNumber, total, warehouse, pickupUntil',
      channels: ['email'],
    });
    await tx.insert(templates).values({
      companyId: DEMO_COMPANY_ID,
      eventType: 'order.ready_for_pickup',
      audience: 'client',
      channel: 'email',
      subject: 'Заказ № {{ orderNumber }} готов к выдаче',
      html: [
        '<p>Здравствуйте, {{ recipient.name }}!</p>',
        '<p>Ваш заказ № {{ orderNumber }} на сумму {{ total }} ₽ готов к выдаче на складе «{{ warehouse }}».</p>',
        '{% if pickupUntil %}<p>Заказ ждёт вас до {{ pickupUntil }}.</p>{% endif %}',
        '<p>С уважением,<br>{{ company.name }}</p>',
      ].join('\n'),
      text: [
        'Здравствуйте, {{ recipient.name }}!',
        '',
        'Ваш заказ № {{ orderNumber }} на сумму {{ total }} ₽ готов к выдаче на складе «{{ warehouse }}».',
        '{% if pickupUntil %}Заказ ждёт вас до {{ pickupUntil }}.{% endif %}',
        '',
        'С уважением,',
        '{{ company.name }}',
      ].join('\n'),
    });
    await tx.insert(counterparties).values({ companyId: DEMO_COMPANY_ID, id: 'demo-client', name: 'ООО «Ромашка»' });
    await tx.insert(contacts).values([
      {
        companyId: DEMO_COMPANY_ID,
        counterpartyId: 'demo-client',
        name: 'Иван Петров',
        email: 'ivan.petrov@romashka.example',
        phone: '+79161234567',
        position: 0,
      },
      {
        companyId: DEMO_COMPANY_ID,
        counterpartyId: 'demo-client',
        name: 'Анна Смирнова',
        email: 'anna.smirnova@romashka.example',
        phone: '+79167654321',
        position: 1,
      },
    ]);
    const { key } = await createApiKeyRepository(tx as unknown as Db).create(DEMO_COMPANY_ID, 'demo admin', ROLES);
    return { created: true, apiKey: key };
  });
}

/** Makes ADMIN_API_KEY a key with every role for the demo company (API.md, Operations contract). */
export async function ensureAdminKey(db: Db, key: string): Promise<void> {
  const [company] = await db.select({ id: companies.id }).from(companies).where(eq(companies.id, DEMO_COMPANY_ID));
  if (!company) throw new Error('the demo company must exist before ADMIN_API_KEY can be bound to it');
  await createApiKeyRepository(db).ensure(DEMO_COMPANY_ID, 'ADMIN_API_KEY', key, ROLES);
}
