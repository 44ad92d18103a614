import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildEvent } from '../helpers/factories';
import { createHarness, type Harness } from '../helpers/harness';
import { journalOf, postEvent, putClient, putNoticeType, until } from '../helpers/scenario';

/** The samples of one metric in a Prometheus exposition, as label sets with values. */
function samples(exposition: string, name: string): { labels: Record<string, string>; value: number }[] {
  const found: { labels: Record<string, string>; value: number }[] = [];
  for (const line of exposition.split('\n')) {
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const labels = Object.fromEntries([...(match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1]!, m[2]!]));
    found.push({ labels, value: Number(match[3]) });
  }
  return found;
}

/** The sum of a metric's samples whose labels include `where`; 0 when there are none. */
function valueOf(exposition: string, name: string, where: Record<string, string> = {}): number {
  return samples(exposition, name)
    .filter((s) => Object.entries(where).every(([k, v]) => s.labels[k] === v))
    .reduce((sum, s) => sum + s.value, 0);
}

describe('GET /metrics', () => {
  let h: Harness;
  const scrape = async () => {
    const res = await h.request({ method: 'GET', url: '/metrics', key: null });
    expect(res.statusCode).toBe(200);
    expect(String(res.headers['content-type'])).toMatch(/^text\/plain/);
    return res.body;
  };

  beforeAll(async () => {
    h = await createHarness({ mode: 'live' });
    await putNoticeType(h, 'obs.batched', { channels: ['email'], emailDelivery: 'batched' });
    await putNoticeType(h, 'obs.confirm', { channels: ['email'], confirmBeforeSend: true });
    await putClient(h, 'obs-client', [{ name: 'Ольга Метрикова', email: 'olga@metrics.example' }]);
  });
  afterAll(async () => {
    await h?.close();
  });

  it('counts an accepted e-mail event and one sent e-mail delivery per recipient, with the send latency', async () => {
    const before = await scrape();
    const event = buildEvent();
    const accepted = await postEvent(h, event);
    await h.temporal.workflow.getHandle(accepted.workflowId).result();
    const sentRows = (await journalOf(h, event.id)).filter((e) => e.status === 'sent' && e.channel === 'email');
    expect(sentRows).toHaveLength(2);

    const after = await scrape();
    const accepted_ = { event_type: event.type };
    expect(valueOf(after, 'notify_events_accepted_total', accepted_) - valueOf(before, 'notify_events_accepted_total', accepted_)).toBe(1);
    const sent = { channel: 'email', provider: 'smtp', status: 'sent' };
    expect(valueOf(after, 'notify_deliveries_total', sent) - valueOf(before, 'notify_deliveries_total', sent)).toBe(sentRows.length);
    const emailSends = { channel: 'email', outcome: 'ok' };
    expect(valueOf(after, 'notify_send_duration_seconds_count', emailSends) - valueOf(before, 'notify_send_duration_seconds_count', emailSends)).toBe(2);
    expect(valueOf(after, 'notify_journal_write_duration_seconds_count')).toBeGreaterThan(valueOf(before, 'notify_journal_write_duration_seconds_count'));

    // A repeated post of the same event is a duplicate: neither accepted again nor sent again.
    const again = await h.request({ method: 'POST', url: '/v1/events', payload: event });
    expect(again.statusCode).toBe(200);
    const third = await scrape();
    expect(valueOf(third, 'notify_events_accepted_total', accepted_)).toBe(valueOf(after, 'notify_events_accepted_total', accepted_));
    expect(valueOf(third, 'notify_deliveries_total', sent)).toBe(valueOf(after, 'notify_deliveries_total', sent));

    // No label carries a recipient's address.
    expect(third).not.toContain('@romashka.example');
  });

  it('shows a batched e-mail in the outbox depth and the age of the oldest queued one', async () => {
    const before = await scrape();
    const event = { id: `obs-batched-${Date.now()}`, type: 'obs.batched', counterpartyId: 'obs-client', data: { n: 'ЗК-1' } };
    const accepted = await postEvent(h, event);
    await h.temporal.workflow.getHandle(accepted.workflowId).result();
    expect((await journalOf(h, event.id)).some((e) => e.status === 'queued' && e.channel === 'email')).toBe(true);

    const after = await scrape();
    expect(valueOf(after, 'notify_email_outbox_depth') - valueOf(before, 'notify_email_outbox_depth')).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    expect(valueOf(await scrape(), 'notify_email_outbox_oldest_age_seconds')).toBeGreaterThanOrEqual(1);
    // Batched is not sent yet.
    const sent = { channel: 'email', status: 'sent' };
    expect(valueOf(after, 'notify_deliveries_total', sent)).toBe(valueOf(before, 'notify_deliveries_total', sent));
  });

  it('counts an event awaiting confirmation in the waiting gauge until a manager decides', async () => {
    const before = valueOf(await scrape(), 'notify_confirmations_waiting');
    const event = { id: `obs-confirm-${Date.now()}`, type: 'obs.confirm', counterpartyId: 'obs-client', data: { n: 'ЗК-2' } };
    const accepted = await postEvent(h, event);
    await until(async () => (await journalOf(h, event.id)).some((e) => e.status === 'awaiting_confirmation') || undefined, 'awaiting confirmation');
    expect(valueOf(await scrape(), 'notify_confirmations_waiting')).toBe(before + 1);

    // The journal row comes first; the workflow takes decisions once its own state says it waits.
    await until(async () => {
      const read = await h.request({ method: 'GET', url: `/v1/events/${encodeURIComponent(event.id)}` });
      return read.json().state === 'awaiting_confirmation' || undefined;
    }, 'the workflow awaiting confirmation');
    const decided = await h.request({ method: 'POST', url: `/v1/events/${encodeURIComponent(event.id)}/decision`, payload: { approve: false, by: 'Ольга Соколова' } });
    expect(decided.statusCode, decided.body).toBeLessThan(300);
    await h.temporal.workflow.getHandle(accepted.workflowId).result();
    expect(valueOf(await scrape(), 'notify_confirmations_waiting')).toBe(before);
  });
});
