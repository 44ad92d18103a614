import { stableMessageId } from '../src/channels/email';
import { CancelledFailure, Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { and, asc, eq } from 'drizzle-orm';
import type { Db } from '../src/db/client';
import { createJournalRepository } from '../src/db/repositories/journal';
import { companies, contacts, counterparties, counterpartyOverrides, eventTypes, journalEntries, managers, templates, type Contact, type Manager, type Template } from '../src/db/schema';
import { type Channel } from '../src/domain/vocabulary';
import { ChannelError, RateLimitedError, UnavailableError } from '../src/channels/errors';
import type { ChannelRegistry } from '../src/providers/registry';
import type { ChannelAdapter } from '../src/channels/types';
import { oneLine, renderEmailTemplate, renderTemplate, TemplateError } from '../src/domain/templates';
import type { TelegramUpdate } from '../src/channels/telegram';
import { applyTelegramUpdate, type TelegramReply } from '../src/services/telegram-subscriptions';
import type { SmsBalanceResult, TelegramUpdateInput, TestMessageInput, TestMessageResult } from '../workflows/contract';
import type {
  ChannelTemplate,
  JournalScope,
  LoadPlanInput,
  Plan,
  RecordStepInput,
  RecordStepResult,
  RenderedMessage,
  RenderMessageInput,
  SendMessageInput,
  SendMessageResult,
} from './types';

export interface ActivityDeps {
  db: Db;
  channels: ChannelRegistry;
}

/** What a manual send (R14) needs from the journal entry it answers. */
export interface ManualSendPlan {
  /** The company's mode now: a manual send obeys it like any other (R1). */
  mode: 'off' | 'test' | 'live';
  scope: JournalScope;
  send: Omit<SendMessageInput, 'scope' | 'manualOf'>;
}

/**
 * Every side effect the workflows ask for. Workflows import only the type of
 * this factory's result, never its values.
 */
export function createActivities({ db, channels }: ActivityDeps) {
  const journal = createJournalRepository(db);

  return {
    async recordStep(input: RecordStepInput): Promise<RecordStepResult> {
      const { workflowId, runId } = currentExecution();
      const { entry, created } = await journal.record({
        ...input.scope,
        stepKey: `${workflowId}/${input.step}`,
        workflowId,
        runId,
        status: input.status,
        audience: input.audience,
        channel: input.channel,
        recipient: input.recipient,
        recipientName: input.recipientName,
        subject: input.subject,
        body: input.body,
        provider: input.provider,
        providerMessageId: input.providerMessageId,
        reason: input.reason,
        attempt: input.attempt,
        details: input.details,
      });
      return { entryId: entry.id, created };
    },

    async loadPlan(input: LoadPlanInput): Promise<Plan> {
      return loadPlan(db, input);
    },

    async renderMessage(input: RenderMessageInput): Promise<RenderedMessage> {
      try {
        return await renderMessage(input);
      } catch (err) {
        // A template that does not render will not render on retry either.
        const message = err instanceof TemplateError ? `template error: ${err.message}` : `render failed: ${String(err)}`;
        throw ApplicationFailure.nonRetryable(message, 'TemplateError');
      }
    },

    async sendMessage(input: SendMessageInput): Promise<SendMessageResult> {
      const info = Context.current().info;
      const { workflowId, runId } = currentExecution();
      const step = `${input.deliveryKey}/${input.channel}`;
      const stepKey = `${workflowId}/${step}/sent`;
      // A previous attempt may have sent and journaled it but died before Temporal heard back.
      const previous = await journal.findByStepKey(stepKey);
      if (previous) {
        return {
          provider: previous.provider ?? '',
          providerMessageId: previous.providerMessageId ?? '',
          response: 'already sent',
          entryId: previous.id,
          alreadySent: true,
        };
      }
      const base = {
        ...input.scope,
        workflowId,
        runId,
        audience: input.audience,
        channel: input.channel,
        recipient: input.to,
        recipientName: input.toName,
        subject: input.message.subject ?? null,
        body: input.message.text,
        attempt: info.attempt,
      };
      let adapter: ChannelAdapter;
      let result;
      const context = Context.current();
      const heartbeat = setInterval(() => context.heartbeat(), 2_000);
      try {
        adapter = await adapterFor(channels, input.scope.companyId, input.channel);
        result = await adapter.send({
          to: input.to,
          toName: input.toName,
          from: input.message.fromName ? { ...input.from, name: input.message.fromName } : input.from,
          text: input.message.text,
          ...(input.message.subject !== undefined ? { subject: input.message.subject } : {}),
          ...(input.message.html !== undefined ? { html: input.message.html } : {}),
          ...(input.message.attachments ? { attachments: input.message.attachments } : {}),
          messageId: stableMessageId(`${workflowId}/${step}`, input.from.address),
        });
      } catch (err) {
        const typed = err instanceof ChannelError ? err : new UnavailableError(err instanceof Error ? err.message : String(err));
        await journal.record({
          ...base,
          stepKey: `${workflowId}/${step}/attempt-${info.attempt}`,
          status: 'attempt_failed',
          reason: typed.providerReason ?? typed.message,
          details: { error: typed.name, permanent: typed.permanent, ...(typed instanceof RateLimitedError ? { retryAfterMs: typed.retryAfterMs } : {}) },
        });
        throw toActivityFailure(typed);
      } finally {
        clearInterval(heartbeat);
      }
      const { entry } = await journal.record({
        ...base,
        stepKey,
        status: 'sent',
        provider: result.provider,
        providerMessageId: result.providerMessageId,
        details: {
          response: result.response,
          ...(input.message.html ? { html: input.message.html } : {}),
          ...(input.manualOf !== undefined ? { manualOf: input.manualOf } : {}),
        },
      });
      return { ...result, entryId: entry.id, alreadySent: false };
    },

    async applyTelegramUpdate(input: TelegramUpdateInput): Promise<TelegramReply | null> {
      return applyTelegramUpdate(db, input.companyId, input.update as TelegramUpdate);
    },

    async sendTelegramReply(input: { companyId: string; chatId: string; text: string }): Promise<void> {
      const { telegram } = await channels.forCompany(input.companyId);
      if (!telegram) throw ApplicationFailure.nonRetryable('the company has no Telegram bot token', 'NotConfigured');
      try {
        await telegram.sendText(input.chatId, input.text);
      } catch (err) {
        throw toActivityFailure(err instanceof ChannelError ? err : new UnavailableError(String(err)));
      }
    },

    /**
     * One long poll of the company's bot. `stop` when polling is not this
     * company's way of getting updates (no token, or a webhook is set).
     */
    async pollTelegramUpdates(input: { companyId: string; offset: number }): Promise<{ stop: boolean; updates: TelegramUpdateInput['update'][] }> {
      const [company] = await db.select({ telegram: companies.telegram }).from(companies).where(eq(companies.id, input.companyId));
      const { telegram } = await channels.forCompany(input.companyId);
      if (!company || !telegram || company.telegram.webhookSecretHash) return { stop: true, updates: [] };
      try {
        // A worker shutting down cancels the activity; do not hold it for the rest of the long poll.
        const updates = await Promise.race([telegram.getUpdates(input.offset, 25), Context.current().cancelled]);
        return { stop: false, updates: updates as TelegramUpdateInput['update'][] };
      } catch (err) {
        if (err instanceof CancelledFailure) throw err;
        throw toActivityFailure(err instanceof ChannelError ? err : new UnavailableError(String(err)));
      }
    },

    /** R3: sends one message now and returns the provider's answer. */
    async sendTestMessage(input: TestMessageInput): Promise<Omit<TestMessageResult, 'ok'>> {
      const { companyId, channel, to, text } = input;
      try {
        const adapter = await adapterFor(channels, companyId, channel);
        const [company] = await db.select().from(companies).where(eq(companies.id, companyId));
        const result = await adapter.send({
          to,
          text,
          ...(channel === 'email'
            ? { subject: 'Тестовое сообщение', from: { name: company?.emailFromName ?? '', address: company?.emailFrom ?? '' } }
            : {}),
        });
        return { provider: result.provider, providerMessageId: result.providerMessageId, response: result.response };
      } catch (err) {
        throw toActivityFailure(err instanceof ChannelError ? err : new UnavailableError(err instanceof Error ? err.message : String(err)));
      }
    },

    /** R4: the balance of the company's SMS provider, asked now. */
    async querySmsBalance(input: { companyId: string }): Promise<Omit<SmsBalanceResult, 'ok'>> {
      const { sms } = await channels.forCompany(input.companyId);
      if (!sms) throw ApplicationFailure.nonRetryable('no SMS provider is configured', 'NotConfigured');
      const balance = await sms.balance();
      return { provider: balance.provider, amount: balance.amount, ...(balance.currency ? { currency: balance.currency } : {}), raw: balance.raw };
    },

    /** Reads a "not sent, tracked by manager" entry so that a manager's manual send can deliver it. */
    async loadManualSend(input: { companyId: string; entryId: number }): Promise<ManualSendPlan> {
      const [entry] = await db
        .select()
        .from(journalEntries)
        .where(and(eq(journalEntries.companyId, input.companyId), eq(journalEntries.id, input.entryId)));
      if (!entry || entry.status !== 'not_sent_tracked' || !entry.channel || !entry.recipient) {
        throw ApplicationFailure.nonRetryable(`journal entry ${input.entryId} cannot be sent by hand`, 'NotSendable');
      }
      const [company] = await db.select().from(companies).where(eq(companies.id, input.companyId));
      const details = (entry.details ?? {}) as { html?: string | null; deliveryKey?: string };
      return {
        mode: company?.mode ?? 'off',
        scope: { companyId: entry.companyId, eventId: entry.eventId, eventType: entry.eventType, counterpartyId: entry.counterpartyId },
        send: {
          deliveryKey: details.deliveryKey ?? `entry-${entry.id}`,
          audience: (entry.audience ?? 'client') as 'client' | 'manager',
          channel: entry.channel as Channel,
          to: entry.recipient,
          toName: entry.recipientName ?? '',
          from: { name: company?.emailFromName ?? '', address: company?.emailFrom ?? '' },
          message: {
            text: entry.body ?? '',
            ...(entry.subject !== null ? { subject: entry.subject } : {}),
            ...(details.html ? { html: details.html } : {}),
          },
        },
      };
    },
  };
}

export type Activities = ReturnType<typeof createActivities>;

async function adapterFor(registry: ChannelRegistry, companyId: string, channel: Channel): Promise<ChannelAdapter> {
  const set = await registry.forCompany(companyId);
  const adapter = set[channel];
  if (!adapter) {
    throw new UnavailableError(
      channel === 'sms' ? 'no SMS provider is configured (pick one in settings or set SMS_URL)' : 'no Telegram bot token is configured',
    );
  }
  return adapter;
}

async function loadPlan(db: Db, input: LoadPlanInput): Promise<Plan> {
  const [company] = await db.select().from(companies).where(eq(companies.id, input.companyId));
  if (!company) throw ApplicationFailure.nonRetryable(`company ${input.companyId} not found`, 'NotFound');
  const [eventType] = await db
    .select()
    .from(eventTypes)
    .where(and(eq(eventTypes.companyId, input.companyId), eq(eventTypes.type, input.eventType)));
  const [counterparty] = await db
    .select()
    .from(counterparties)
    .where(and(eq(counterparties.companyId, input.companyId), eq(counterparties.id, input.counterpartyId)));
  const manager: Manager | undefined = counterparty?.managerId
    ? (
        await db
          .select()
          .from(managers)
          .where(and(eq(managers.companyId, input.companyId), eq(managers.id, counterparty.managerId)))
      )[0]
    : undefined;

  const plan: Plan = {
    mode: company.mode,
    confirm: { required: eventType?.confirmBeforeSend ?? false, timeoutSeconds: eventType?.confirmTimeoutSeconds ?? 86_400 },
    trackedByManager: eventType?.trackedByManager ?? false,
    emailDelivery: eventType?.emailDelivery ?? 'immediate',
    from: { name: company.emailFromName, address: company.emailFrom },
    deliveries: [],
    context: {
      company: { name: company.name },
      client: { id: input.counterpartyId, name: counterparty?.name ?? '' },
      manager: manager ? { name: manager.name, email: manager.email ?? '', phone: manager.phone ?? '' } : {},
    },
  };
  if (!eventType) return { ...plan, skipReason: `event type ${input.eventType} is not configured` };
  if (!eventType.active) return { ...plan, skipReason: `event type ${input.eventType} is inactive` };
  if (!counterparty) return { ...plan, skipReason: `counterparty ${input.counterpartyId} not found` };

  const rows = await db
    .select()
    .from(templates)
    .where(and(eq(templates.companyId, input.companyId), eq(templates.eventType, input.eventType)));
  const [override] = await db
    .select()
    .from(counterpartyOverrides)
    .where(
      and(
        eq(counterpartyOverrides.companyId, input.companyId),
        eq(counterpartyOverrides.counterpartyId, input.counterpartyId),
        eq(counterpartyOverrides.eventType, input.eventType),
      ),
    );

  if (eventType.sendToClient) {
    const clientChannels = [...eventType.channels];
    // R6: a Telegram-first event falls back to the company's reserve channel.
    if (clientChannels[0] === 'telegram' && company.reserveChannel && !clientChannels.includes(company.reserveChannel)) {
      clientChannels.push(company.reserveChannel);
    }
    const clientTemplates = templatesFor(rows, 'client', clientChannels, override?.templates, override?.attachments ?? undefined);
    const people = await db
      .select()
      .from(contacts)
      .where(and(eq(contacts.companyId, input.companyId), eq(contacts.counterpartyId, input.counterpartyId)))
      .orderBy(asc(contacts.position), asc(contacts.id));
    for (const person of people) {
      plan.deliveries.push({
        key: `client:contact-${person.id}`,
        audience: 'client',
        recipientName: person.name,
        routes: clientChannels.map((channel) => ({ channel, address: addressOf(person, channel) })),
        templates: clientTemplates,
        recipient: { name: person.name, email: person.email ?? '', phone: person.phone ?? '' },
        ...(override?.send === false ? { optedOut: true } : {}),
      });
    }
    // Seed 000 "Адреса": fixed extra addresses named by the e-mail template.
    const emailTemplate = rows.find((t) => t.audience === 'client' && t.channel === 'email');
    if (clientChannels.includes('email') && clientTemplates.email) {
      for (const [i, address] of (emailTemplate?.extraRecipients ?? []).entries()) {
        plan.deliveries.push({
          key: `client:extra-${i}`,
          audience: 'client',
          recipientName: address,
          routes: [{ channel: 'email', address }],
          templates: { email: clientTemplates.email },
          recipient: { name: address, email: address, phone: '' },
          ...(override?.send === false ? { optedOut: true } : {}),
        });
      }
    }
  }

  if (eventType.sendToManager && manager) {
    plan.deliveries.push({
      key: `manager:${manager.id}`,
      audience: 'manager',
      recipientName: manager.name,
      routes: eventType.managerChannels.map((channel) => ({ channel, address: addressOf(manager, channel) })),
      templates: templatesFor(rows, 'manager', eventType.managerChannels),
      recipient: { name: manager.name, email: manager.email ?? '', phone: manager.phone ?? '' },
    });
  }

  if (plan.deliveries.length === 0) {
    return { ...plan, skipReason: eventType.sendToClient ? 'the client has no contacts' : 'nobody is to be notified' };
  }
  return plan;
}

function addressOf(person: Pick<Contact, 'email' | 'phone' | 'telegramChatId'>, channel: Channel): string | null {
  if (channel === 'email') return person.email;
  if (channel === 'sms') return person.phone;
  return person.telegramChatId;
}

/** The templates of an audience per channel, with a client's overrides (R12) laid over them. */
function templatesFor(
  rows: Template[],
  audience: 'client' | 'manager',
  channelList: readonly Channel[],
  overrides?: Partial<Record<Channel, { subject?: string; html?: string; text?: string }>>,
  attachmentOverride?: { filename: string; content: string; contentType: string }[],
): Partial<Record<Channel, ChannelTemplate>> {
  const result: Partial<Record<Channel, ChannelTemplate>> = {};
  for (const channel of channelList) {
    const row = rows.find((t) => t.audience === audience && t.channel === channel);
    if (!row) continue;
    const own = overrides?.[channel];
    result[channel] = {
      subject: own?.subject ?? row.subject,
      html: own?.html ?? row.html,
      text: own?.text ?? row.text,
      fromName: row.fromName,
      attachments: attachmentOverride ?? row.attachments,
    };
  }
  return result;
}

async function renderMessage(input: RenderMessageInput): Promise<RenderedMessage> {
  const { template, data } = input;
  if (input.channel === 'email') {
    const email = await renderEmailTemplate(
      { subject: template.subject ?? '', html: template.html ?? null, text: template.text ?? null },
      data,
    );
    const attachments = await Promise.all(
      (template.attachments ?? []).map(async (a) => ({
        filename: oneLine(await renderTemplate(a.filename, 'text', data)),
        content: await renderTemplate(a.content, 'text', data),
        contentType: a.contentType,
      })),
    );
    return {
      subject: email.subject,
      html: email.html,
      text: email.text,
      ...(template.fromName ? { fromName: template.fromName } : {}),
      ...(attachments.length > 0 ? { attachments } : {}),
    };
  }
  return { text: (await renderTemplate(template.text ?? '', 'text', data)).trim() };
}

/** These activities only run inside workflows, so the execution is always known. */
function currentExecution(): { workflowId: string; runId: string } {
  const execution = Context.current().info.workflowExecution;
  if (!execution) throw ApplicationFailure.nonRetryable('activity must run inside a workflow', 'NoWorkflow');
  return execution;
}


/** Permanent channel errors must not be retried; rate limits say when to come back. */
function toActivityFailure(err: ChannelError): ApplicationFailure {
  return ApplicationFailure.create({
    message: err.message,
    type: err.name,
    details: [err.providerReason ?? null],
    nonRetryable: err.permanent,
    ...(err instanceof RateLimitedError ? { nextRetryDelay: err.retryAfterMs } : {}),
  });
}
