/**
 * The journal people read (R15): the step log of an event folded into one row
 * per message, i.e. per recipient of an event, with its final status, the
 * channel that delivered (or was last tried) and the whole story in Russian,
 * e.g. "Telegram: не подписан → SMS: доставлено". Pure functions over journal
 * entries, so the API, the event view and unit tests fold them the same way.
 */
import { CHANNEL_LABELS, explainReason, REASON_LABELS, type ExplainedReason, type ReasonCode } from './reasons';
import { CHANNELS, MANUAL_STATUSES, type Channel } from './vocabulary';

/** The fields of a journal entry a message is built from. */
export interface MessageStepEntry {
  id: number;
  eventId: string;
  eventType: string;
  counterpartyId: string;
  workflowId: string;
  stepKey: string;
  status: string;
  audience: string | null;
  channel: string | null;
  recipient: string | null;
  recipientName: string | null;
  provider: string | null;
  providerMessageId: string | null;
  reason: string | null;
  details: unknown;
  createdAt: Date;
}

// ---------------------------------------------------------------------------
// Statuses of a message

/**
 * What became of a message, as a code. `in_progress`: nothing final journaled
 * yet (rendered, or an attempt failed and the next one is pending).
 */
export const MESSAGE_STATUSES = [
  'delivered',
  'undelivered',
  'sent',
  'unknown',
  'queued',
  'test',
  'failed',
  'skipped',
  'not_sent_tracked',
  ...MANUAL_STATUSES,
  'in_progress',
] as const;
export type MessageStatus = (typeof MESSAGE_STATUSES)[number];

export const MESSAGE_STATUS_LABELS: Record<MessageStatus, string> = {
  delivered: 'доставлено',
  undelivered: 'не доставлено',
  sent: 'отправлено',
  unknown: 'неизвестно, ушло ли сообщение',
  queued: 'в очереди',
  test: 'тестовый режим',
  failed: 'ошибка отправки',
  skipped: 'не отправлялось',
  not_sent_tracked: 'не отправлено, на контроле у менеджера',
  sent_manually: 'отправлено вручную',
  resolved: 'решено менеджером',
  cancelled: 'отменено',
  in_progress: 'отправляется',
};

// The reasons' words have one home, `reasons.ts`; re-exported for the readers of messages.
export { CHANNEL_LABELS, explainReason, REASON_LABELS, type ExplainedReason, type ReasonCode } from './reasons';

/** A message's statuses that say what the last channel did; any later one replaces an earlier one. */
const FINAL_STATUSES: ReadonlySet<string> = new Set(['sent', 'unknown', 'delivered', 'undelivered', 'queued', 'test', 'failed', 'skipped', 'not_sent_tracked', ...MANUAL_STATUSES]);

// ---------------------------------------------------------------------------
// Steps of a message

export interface MessageStepRef {
  /** The recipient within the event, e.g. `client:contact-12`. */
  deliveryKey: string;
  channel: Channel | null;
  /** The step's last part: `sent`, `fallback`, `attempt-2`, `skipped`, ... */
  step: string;
}

/**
 * Which message an entry of an event workflow belongs to, from its step key
 * `<workflowId>/<deliveryKey>[/<channel>]/<step>`. Steps of the event as a
 * whole (`received`, `completed`, ...) and manual status changes belong to none.
 */
export function messageStepOf(entry: Pick<MessageStepEntry, 'workflowId' | 'stepKey' | 'status'>): MessageStepRef | undefined {
  if (!MESSAGE_WORKFLOW_PREFIXES.some((p) => entry.workflowId.startsWith(p)) || entry.status === 'status_changed') return undefined;
  const prefix = `${entry.workflowId}/`;
  if (!entry.stepKey.startsWith(prefix)) return undefined;
  const parts = entry.stepKey.slice(prefix.length).split('/');
  if (parts.length === 2) return { deliveryKey: parts[0]!, channel: null, step: parts[1]! };
  if (parts.length === 3 && (CHANNELS as readonly string[]).includes(parts[1]!)) {
    return { deliveryKey: parts[0]!, channel: parts[1] as Channel, step: parts[2]! };
  }
  return undefined;
}

/** Workflows whose steps are messages: events, and managers' manual sends (R14), each its own message. */
export const MESSAGE_WORKFLOW_PREFIXES = ['event:', 'manual-send:'] as const;

/** A manual send (R14): who sent it, and what they changed of the tracked entry. */
export interface ManualSendView {
  /** The tracked ("not sent, tracked by manager") entry it answers. */
  of: number;
  by: string | null;
  comment: string | null;
  edited: { text: boolean; subject: boolean; recipient: boolean };
  original: { recipient: string | null; subject: string | null; text: string | null };
  sent: { recipient: string | null; subject: string | null; text: string | null };
}

/** What one channel did for a message: one leg of its story. */
export interface MessageLeg {
  channel: Channel;
  /** The channel's own outcome: a message status, or `fallback` when it gave way to the next channel. */
  status: MessageStatus | 'fallback';
  statusLabel: string;
  reasonCode: ReasonCode | null;
  reason: string | null;
  rawReason: string | null;
}

export interface MessageView {
  /** Stable: `<workflowId>/<deliveryKey>`. */
  id: string;
  eventId: string;
  eventType: string;
  counterpartyId: string;
  workflowId: string;
  deliveryKey: string;
  audience: string | null;
  recipientName: string | null;
  /** The address on `channel`. */
  recipient: string | null;
  /** The channel that delivered, or the last one tried; null when none was. */
  channel: Channel | null;
  status: MessageStatus;
  statusLabel: string;
  /** Send attempts over all channels (failed tries and the successful one). */
  attempts: number;
  provider: string | null;
  providerMessageId: string | null;
  sentAt: Date | null;
  deliveredAt: Date | null;
  /** Why it ended this way, in Russian; null when it went out without trouble. */
  reasonCode: ReasonCode | null;
  reason: string | null;
  /** The journaled reason as the workflow or the provider wrote it. */
  rawReason: string | null;
  /** The whole way of the message in one line, e.g. "Telegram: не подписан → SMS: доставлено". */
  story: string;
  legs: MessageLeg[];
  /** Set when a manager sent it by hand: the original and the sent text and recipient. */
  manual: ManualSendView | null;
  /** The journal entries of this message, oldest first. */
  entryIds: number[];
  /** When its first step was journaled; the order of the message list. */
  createdAt: Date;
  firstEntryId: number;
}

/** Groups entries (any order) into messages, newest message first. */
export function buildMessages(entries: readonly MessageStepEntry[]): MessageView[] {
  const groups = new Map<string, { deliveryKey: string; steps: { entry: MessageStepEntry; ref: MessageStepRef }[] }>();
  for (const entry of [...entries].sort((a, b) => a.id - b.id)) {
    const ref = messageStepOf(entry);
    if (!ref) continue;
    const id = `${entry.workflowId}/${ref.deliveryKey}`;
    const group = groups.get(id) ?? { deliveryKey: ref.deliveryKey, steps: [] };
    group.steps.push({ entry, ref });
    groups.set(id, group);
  }
  return [...groups.entries()].map(([id, g]) => foldMessage(id, g.deliveryKey, g.steps)).sort((a, b) => b.firstEntryId - a.firstEntryId);
}

const isChannel = (value: string | null): value is Channel => value !== null && (CHANNELS as readonly string[]).includes(value);

const typeOf = (entry: MessageStepEntry): string | undefined => {
  const details = entry.details as { type?: unknown; error?: unknown } | null | undefined;
  const type = details?.type ?? details?.error;
  return typeof type === 'string' ? type : undefined;
};

/** A fallback's reason without its `telegram → sms: ` head. */
const fallbackRaw = (reason: string | null): string | null => reason?.replace(/^[\w-]+ → [\w-]+: /, '') ?? null;

function foldMessage(id: string, deliveryKey: string, steps: { entry: MessageStepEntry; ref: MessageStepRef }[]): MessageView {
  const first = steps[0]!.entry;
  const entries = steps.map((s) => s.entry);
  const last = <T>(pick: (e: MessageStepEntry) => T | null | undefined): T | null => {
    for (let i = entries.length - 1; i >= 0; i--) {
      const value = pick(entries[i]!);
      if (value !== null && value !== undefined) return value;
    }
    return null;
  };

  const final = [...entries].reverse().find((e) => FINAL_STATUSES.has(e.status));
  const status: MessageStatus = final ? (final.status as MessageStatus) : 'in_progress';
  const channels: Channel[] = [];
  for (const e of entries) if (isChannel(e.channel) && !channels.includes(e.channel)) channels.push(e.channel);
  /** The channel the final entry is about; a recipient-level `failed` after every channel gave way names none. */
  const finalChannel = final ? (isChannel(final.channel) ? final.channel : null) : (channels.at(-1) ?? null);
  const channel = finalChannel ?? channels.at(-1) ?? null;

  const sent = [...entries].reverse().find((e) => e.status === 'sent');
  const report = [...entries].reverse().find((e) => e.status === 'delivered' || e.status === 'undelivered');
  const reportedAt = (report?.details as { reportedAt?: unknown } | null | undefined)?.reportedAt;

  // The final reason: the final entry's own, or for a failure with none, the last failed try's.
  const failedTry = [...entries].reverse().find((e) => e.status === 'attempt_failed' || e.status === 'fallback');
  const rawReason =
    final?.reason ??
    (status === 'failed' || status === 'in_progress' ? (failedTry?.status === 'fallback' ? fallbackRaw(failedTry.reason) : (failedTry?.reason ?? null)) : null);
  // A receipt's own words ("DELIVRD") stay raw: a message that went out has nothing to explain.
  const explained =
    status === 'sent' || status === 'delivered'
      ? null
      : status === 'undelivered'
        ? { code: 'undelivered' as const, text: REASON_LABELS.undelivered }
        : explainReason(rawReason, final ? typeOf(final) : undefined);

  const legs = channels.map((c) => legOf(c, entries.filter((e) => e.channel === c), c === finalChannel ? status : undefined));
  return {
    id,
    eventId: first.eventId,
    eventType: first.eventType,
    counterpartyId: first.counterpartyId,
    workflowId: first.workflowId,
    deliveryKey,
    audience: last((e) => e.audience),
    recipientName: last((e) => e.recipientName),
    recipient: last((e) => (channel === null || e.channel === channel ? e.recipient : null)),
    channel,
    status,
    statusLabel: MESSAGE_STATUS_LABELS[status],
    attempts: entries.filter((e) => e.status === 'attempt_failed' || e.status === 'sent').length,
    provider: sent?.provider ?? null,
    providerMessageId: sent?.providerMessageId ?? null,
    sentAt: sent?.createdAt ?? null,
    deliveredAt: report?.status === 'delivered' ? (typeof reportedAt === 'string' ? new Date(reportedAt) : report.createdAt) : null,
    reasonCode: explained?.code ?? null,
    reason: explained?.text ?? null,
    rawReason,
    story: storyOf(legs, status, explained),
    legs,
    manual: manualOf(entries),
    entryIds: entries.map((e) => e.id),
    createdAt: first.createdAt,
    firstEntryId: first.id,
  };
}

/** The last `requested` step of a manual send, read back; null for an event's message. */
function manualOf(entries: readonly MessageStepEntry[]): ManualSendView | null {
  const requested = [...entries].reverse().find((e) => e.workflowId.startsWith('manual-send:') && e.status === 'queued');
  const d = requested?.details as Partial<ManualSendView> & { manualOf?: number; edited?: ManualSendView['edited'] } | null | undefined;
  if (!d || typeof d.manualOf !== 'number') return null;
  const text = (t: Partial<ManualSendView['sent']> | undefined) => ({ recipient: t?.recipient ?? null, subject: t?.subject ?? null, text: t?.text ?? null });
  return {
    of: d.manualOf,
    by: typeof d.by === 'string' ? d.by : null,
    comment: typeof d.comment === 'string' ? d.comment : null,
    edited: d.edited ?? { text: false, subject: false, recipient: false },
    original: text(d.original),
    sent: text(d.sent),
  };
}

/** One channel's part. `finalStatus` is given for the channel the message ended on. */
function legOf(channel: Channel, entries: MessageStepEntry[], finalStatus: MessageStatus | undefined): MessageLeg {
  const fallback = [...entries].reverse().find((e) => e.status === 'fallback');
  if (fallback && finalStatus === undefined) {
    const rawReason = fallbackRaw(fallback.reason);
    const explained = explainReason(rawReason, typeOf(fallback));
    return { channel, status: 'fallback', statusLabel: 'переход на следующий канал', reasonCode: explained?.code ?? null, reason: explained?.text ?? null, rawReason };
  }
  const status = finalStatus ?? 'in_progress';
  const final = [...entries].reverse().find((e) => FINAL_STATUSES.has(e.status) || e.status === 'attempt_failed');
  const rawReason = status === 'sent' || status === 'delivered' ? null : (final?.reason ?? null);
  const explained = status === 'undelivered' ? { code: 'undelivered' as const, text: REASON_LABELS.undelivered } : explainReason(rawReason, final ? typeOf(final) : undefined);
  return { channel, status, statusLabel: MESSAGE_STATUS_LABELS[status], reasonCode: explained?.code ?? null, reason: explained?.text ?? null, rawReason };
}

/** "Telegram: не подписан на бота → SMS: доставлено"; without any channel, the status and why. */
function storyOf(legs: readonly MessageLeg[], status: MessageStatus, explained: ExplainedReason | null): string {
  if (legs.length === 0) return explained ? `${MESSAGE_STATUS_LABELS[status]}: ${explained.text}` : MESSAGE_STATUS_LABELS[status];
  const parts = legs.map((leg) => {
    const what = leg.status === 'fallback' ? (leg.reason ?? leg.rawReason ?? leg.statusLabel) : leg.statusLabel;
    const why = leg.status !== 'fallback' && leg.reason && !['sent', 'delivered', 'test'].includes(leg.status) ? ` (${leg.reason})` : '';
    return `${CHANNEL_LABELS[leg.channel]}: ${what}${why}`;
  });
  // A message that failed after its channels gave way ("no channel could deliver") says so at the end.
  const lastLeg = legs.at(-1)!;
  if (lastLeg.status === 'fallback' && status !== 'in_progress') parts.push(explained ? `${MESSAGE_STATUS_LABELS[status]}: ${explained.text}` : MESSAGE_STATUS_LABELS[status]);
  return parts.join(' → ');
}
