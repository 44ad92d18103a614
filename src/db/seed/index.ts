import { randomBytes } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { migrateDatabase, type Db } from '../client';
import { createApiKeyRepository } from '../repositories/api-keys';
import { sql } from 'drizzle-orm';
import { companies, contacts, counterparties, counterpartyOverrides, eventTypes, managers, templates } from '../schema';
import { EVENT_CATALOG, NEUTRAL_GREETING } from './event-catalog';
import { ROLES, type Role } from '../../domain/roles';
import { normalizeLogin } from '../../domain/sessions';
import { createUserRepository, generatePassword, hashPassword } from '../repositories/users';
import { createSessionRepository } from '../repositories/sessions';

export const DEMO_COMPANY_ID = 'demo';

/**
 * A database ready for the service: migrated, with the demo company on first
 * start and `ADMIN_API_KEY` bound to it when given.
 */
export async function prepareDatabase(db: Db, adminApiKey: string | undefined): Promise<SeedResult> {
  await migrateDatabase(db);
  const seeded = await seedDemo(db);
  if (adminApiKey) await ensureAdminKey(db, adminApiKey);
  if (seeded.created) return seeded;
  // A demo company made before people could sign in gets its demo users at the next start.
  const users = await ensureDemoUsers(db);
  return users.length > 0 ? { ...seeded, users } : seeded;
}

export interface SeedResult {
  created: boolean;
  /** Shown once, when the demo company is created. */
  apiKey?: string;
  /** The demo users' logins and passwords, shown once, when the demo company is created. */
  users?: DemoUserPassword[];
}

export interface DemoUserPassword {
  login: string;
  password: string;
}

/** The demo manager; the demo user `manager` is this person. */
const DEMO_MANAGER = { id: 'manager-1', name: 'Ольга Соколова' } as const;

/**
 * The people of the demo company: an administrator with every role, and the
 * demo manager, who sees the journal, approves, sends by hand and reads templates.
 */
const DEMO_USERS: readonly { login: string; name: string; roles: readonly Role[]; managerId: string | null }[] = [
  { login: 'admin', name: 'Администратор', roles: ROLES, managerId: null },
  { login: 'manager', name: DEMO_MANAGER.name, roles: ['journal:read', 'journal:write', 'templates:read', 'events:write'], managerId: DEMO_MANAGER.id },
];

/**
 * Creates the demo company on an empty database: a key with every role, one
 * client with two contacts and the event "order ready for pickup" with a
 * Russian e-mail template. Does nothing when the company exists.
 */
export async function seedDemo(db: Db, companyId: string = DEMO_COMPANY_ID): Promise<SeedResult> {
  return db.transaction(async (tx) => {
    const inserted = await tx
      .insert(companies)
      .values({
        id: companyId,
        name: 'ООО «Автозапчасти Демо»',
        emailFrom: 'notify@demo-parts.example',
        emailFromName: 'Автозапчасти Демо',
        mode: 'test',
        legalEntities: DEMO_LEGAL_ENTITIES,
      })
      .onConflictDoNothing()
      .returning({ id: companies.id });
    if (inserted.length === 0) return { created: false };

    await seedCatalog(tx, companyId);
    // The demo shows the whole path by e-mail, which the local SMTP sink makes visible.
    await tx
      .update(eventTypes)
      .set({ channels: ['email'] })
      .where(sql`${eventTypes.companyId} = ${companyId} and ${eventTypes.type} = 'order.ready_for_pickup'`);
    await tx
      .insert(templates)
      .values({ companyId, eventType: 'order.ready_for_pickup', audience: 'client', channel: 'email', ...DEMO_EMAIL })
      .onConflictDoUpdate({
        target: [templates.companyId, templates.eventType, templates.audience, templates.channel],
        set: DEMO_EMAIL,
      });
    await tx.insert(managers).values({
      companyId,
      id: DEMO_MANAGER.id,
      name: DEMO_MANAGER.name,
      email: 'o.sokolova@demo-parts.example',
      phone: '+79031234567',
    });
    await tx
      .insert(counterparties)
      .values({ companyId, id: 'demo-client', name: 'ООО «Ромашка»', managerId: 'manager-1' });
    await tx.execute(sql`
      insert into ${counterpartyOverrides} (company_id, counterparty_id, event_type, send)
      select company_id, 'demo-client', type, default_send_for_new_clients from ${eventTypes}
      where company_id = ${companyId} on conflict do nothing`);
    const demoContacts = await tx.insert(contacts).values([
      {
        companyId,
        counterpartyId: 'demo-client',
        name: 'Иван Петров',
        email: 'ivan.petrov@romashka.example',
        phone: '+79161234567',
        position: 0,
        telegramLinkToken: randomBytes(12).toString('base64url'),
      },
      {
        companyId,
        counterpartyId: 'demo-client',
        name: 'Анна Смирнова',
        email: 'anna.smirnova@romashka.example',
        phone: '+79167654321',
        position: 1,
        telegramLinkToken: randomBytes(12).toString('base64url'),
      },
    ]).returning({ id: contacts.id, name: contacts.name });
    // Seed 000: the logistics mailing goes as the logistics entity, to the client's dispatcher
    // (chosen from its employees) and to a fixed address, greeted «Здравствуйте!».
    await tx
      .update(templates)
      .set({
        legalEntityId: 'logistics',
        extraContactIds: demoContacts.filter((c) => c.name === 'Иван Петров').map((c) => c.id),
        extraRecipients: ['dispatch@romashka.example'],
      })
      .where(
        sql`${templates.companyId} = ${companyId} and ${templates.eventType} = 'transport_request.checklist_event' and ${templates.audience} = 'client' and ${templates.channel} = 'email'`,
      );
    const { key } = await createApiKeyRepository(tx).create(companyId, 'demo admin', ROLES);
    return { created: true, apiKey: key, users: await createDemoUsers(tx, companyId) };
  });
}

/** Seed 000 "Наша компания": the demo company's two legal entities. */
const DEMO_LEGAL_ENTITIES = [
  {
    id: 'parts',
    name: 'ООО «Автозапчасти Демо»',
    fromAddress: 'notify@demo-parts.example',
    fromName: 'Автозапчасти Демо',
    signature: 'С уважением,\nООО «Автозапчасти Демо»\n+7 495 123-45-67',
  },
  {
    id: 'logistics',
    name: 'ООО «Демо Логистик»',
    fromAddress: 'logistics@demo-logistics.example',
    fromName: 'Демо Логистик, отдел перевозок',
    signature: 'С уважением,\nотдел перевозок ООО «Демо Логистик»\n+7 495 765-43-21, logistics@demo-logistics.example',
  },
];

const DEMO_EMAIL = {
  subject: 'Заказ № {{ orderNumber }} готов к выдаче',
  html: [
    `<p>${NEUTRAL_GREETING}</p>`,
    '<p>Ваш заказ № {{ orderNumber }} на сумму {{ total }} ₽ готов к выдаче.</p>',
    '<p>Место выдачи: {{ warehouse }}</p>',
    '{% if pickupUntil %}<p>Заказ ждёт вас до {{ pickupUntil }}.</p>{% endif %}',
    '<p>С уважением,<br>{{ company.name }}</p>',
  ].join('\n'),
  text: [
    NEUTRAL_GREETING,
    '',
    'Ваш заказ № {{ orderNumber }} на сумму {{ total }} ₽ готов к выдаче.',
    'Место выдачи: {{ warehouse }}',
    '{% if pickupUntil %}Заказ ждёт вас до {{ pickupUntil }}.{% endif %}',
    '',
    'С уважением,',
    '{{ company.name }}',
  ].join('\n'),
};

/**
 * Adds the seeded event types of R7 with their default templates to a
 * company; types it already has are left as they are.
 */
export async function seedCatalog(db: Db, companyId: string): Promise<void> {
  for (const entry of EVENT_CATALOG) {
    await db
      .insert(eventTypes)
      .values({
        companyId,
        type: entry.type,
        name: entry.name,
        description: entry.description,
        source: entry.source,
        variables: entry.variables,
        channels: entry.channels,
        sendToClient: entry.sendToClient,
        sendToManager: entry.sendToManager,
        managerChannels: entry.managerChannels,
        ...(entry.subEventVariable ? { subEventVariable: entry.subEventVariable, subEvents: entry.subEvents ?? [] } : {}),
      })
      .onConflictDoNothing();
    for (const t of entry.templates) {
      await db
        .insert(templates)
        .values({
          companyId,
          eventType: entry.type,
          audience: t.audience,
          channel: t.channel,
          subject: t.subject ?? null,
          html: t.html ?? null,
          text: t.text,
        })
        .onConflictDoNothing();
    }
  }
}

/**
 * A new key with every role for the demo company, for when the one printed at
 * the first start is lost (`npm run seed -- --new-key`). Earlier keys stay valid.
 * @throws when the demo company does not exist yet.
 */
export async function createDemoAdminKey(db: Db, companyId: string = DEMO_COMPANY_ID): Promise<string> {
  const [company] = await db.select({ id: companies.id }).from(companies).where(eq(companies.id, companyId));
  if (!company) throw new Error(`the company ${companyId} does not exist; run \`npm run seed\` to create it`);
  const { key } = await createApiKeyRepository(db).create(companyId, `demo admin (seed --new-key, ${new Date().toISOString()})`, ROLES);
  return key;
}

/** The lines that show a freshly made demo key, wherever it was made: the API banner, the worker, the seed command. */
export function demoKeyNotice(key: string): string {
  return `  Demo API key  ${key}   (shown once; it has every role; \`npm run seed -- --new-key\` makes another)`;
}

/** Creates the demo users that do not exist yet; returns the passwords of those it made. */
async function createDemoUsers(db: Db, companyId: string): Promise<DemoUserPassword[]> {
  const made: DemoUserPassword[] = [];
  for (const user of DEMO_USERS) {
    const password = generatePassword();
    const created = await createUserRepository(db).create(companyId, { ...user, passwordHash: await hashPassword(password), active: true });
    // Another process starting at the same moment made it: its output shows the password.
    if (created !== 'login_taken') made.push({ login: user.login, password });
  }
  return made;
}

/**
 * The demo users for a demo company that has no users at all (one made
 * before sign-in existed); nothing when it has any, so a deliberate removal
 * or rename is never undone.
 */
export async function ensureDemoUsers(db: Db, companyId: string = DEMO_COMPANY_ID): Promise<DemoUserPassword[]> {
  const [company] = await db.select({ id: companies.id }).from(companies).where(eq(companies.id, companyId));
  if (!company || (await createUserRepository(db).list(companyId)).length > 0) return [];
  return createDemoUsers(db, companyId);
}

/** The lines that show the demo users' fresh passwords beside the demo key. */
export function demoUsersNotice(users: readonly DemoUserPassword[]): string {
  return users
    .map((u) => `  Demo sign-in  ${u.login} / ${u.password}   (shown once; \`npm run seed -- --new-password ${u.login}\` sets another)`)
    .join('\n');
}

/**
 * A new random password for a user of the demo company, for when the one
 * printed at the first start is lost (`npm run seed -- --new-password <login>`).
 * The user's sessions end.
 * @throws when the company or the user does not exist.
 */
export async function resetDemoPassword(db: Db, login: string, companyId: string = DEMO_COMPANY_ID): Promise<string> {
  const password = generatePassword();
  const passwordHash = await hashPassword(password);
  return db.transaction(async (tx) => {
    const users = createUserRepository(tx);
    const user = await users.findByLogin(companyId, normalizeLogin(login));
    if (!user) throw new Error(`the company ${companyId} has no user "${login}"; run \`npm run seed\` to create the demo users`);
    await users.update(companyId, user.id, { passwordHash });
    await createSessionRepository(tx).deleteForUser(user.id);
    return password;
  });
}

/** Makes ADMIN_API_KEY a key with every role for the demo company (API.md, Operations contract). */
export async function ensureAdminKey(db: Db, key: string): Promise<'active' | 'revoked'> {
  const [company] = await db.select({ id: companies.id }).from(companies).where(eq(companies.id, DEMO_COMPANY_ID));
  if (!company) throw new Error('the demo company must exist before ADMIN_API_KEY can be bound to it');
  // A value revoked through the API stays revoked: setting ADMIN_API_KEY again does not bring it back.
  return createApiKeyRepository(db).ensure(DEMO_COMPANY_ID, 'ADMIN_API_KEY', key, ROLES);
}
