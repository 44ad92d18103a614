import { and, asc, eq } from 'drizzle-orm';
import { expect } from 'vitest';
import { journalEntries, type JournalEntry } from '../../src/db/schema';
import type { Harness } from './harness';

/** A custom event type whose templates name the channel, so a test can tell which one delivered. */
export async function putNoticeType(h: Harness, type: string, settings: Record<string, unknown> = {}): Promise<void> {
  const res = await h.request({
    method: 'PUT',
    url: `/v1/event-types/${type}`,
    payload: {
      name: 'Тестовое уведомление',
      variables: [{ name: 'n', description: 'Номер', example: 'ЗК-1' }],
      channels: ['telegram', 'sms'],
      ...settings,
      templates: {
        client: {
          telegram: { text: 'Telegram: заказ {{ n }} готов, {{ recipient.name }}' },
          sms: { text: 'SMS: заказ {{ n }} готов' },
          email: { subject: 'Заказ {{ n }}', text: 'E-mail: заказ {{ n }} готов' },
        },
        manager: { email: { subject: 'Клиент {{ client.name }}: заказ {{ n }}', text: 'Менеджеру: заказ {{ n }}' } },
      },
    },
  });
  expect(res.statusCode, res.body).toBe(200);
}

export interface ContactSpec {
  name: string;
  email?: string;
  phone?: string;
  telegramChatId?: string;
}

export async function putClient(h: Harness, id: string, contacts: ContactSpec[], extra: Record<string, unknown> = {}): Promise<void> {
  const res = await h.request({ method: 'PUT', url: `/v1/counterparties/${id}`, payload: { name: `Клиент ${id}`, contacts, ...extra } });
  expect(res.statusCode, res.body).toBe(200);
}

export async function postEvent(h: Harness, body: { id: string; type: string; counterpartyId: string; data: Record<string, unknown> }) {
  const res = await h.request({ method: 'POST', url: '/v1/events', payload: body });
  expect(res.statusCode, res.body).toBe(202);
  return res.json() as { workflowId: string; runId: string };
}

export async function journalOf(h: Harness, eventId: string): Promise<JournalEntry[]> {
  return h.db
    .select()
    .from(journalEntries)
    .where(and(eq(journalEntries.companyId, h.companyId), eq(journalEntries.eventId, eventId)))
    .orderBy(asc(journalEntries.id));
}

/**
 * The journal of one recipient as "status channel" lines, in order: the story
 * a test asserts. Delivery receipts come later and at their own pace, so they
 * are left out here and checked on their own.
 */
export function storyOf(entries: JournalEntry[], recipientName: string): string[] {
  return entries
    .filter((e) => e.recipientName === recipientName && e.status !== 'delivered' && e.status !== 'undelivered')
    .map((e) => `${e.status}${e.channel ? ` ${e.channel}` : ''}`);
}

export async function until<T>(probe: () => Promise<T | undefined> | T | undefined, what: string, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
