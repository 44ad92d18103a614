import { createHash } from 'node:crypto';
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { and, asc, eq } from 'drizzle-orm';
import type { Db } from '../src/db/client';
import { createJournalRepository } from '../src/db/journal-repository';
import { companies, contacts, counterparties, eventTypes, templates } from '../src/db/schema';
import { ChannelError, RateLimitedError } from '../src/channels/errors';
import type { ChannelAdapter } from '../src/channels/types';
import { renderEmailTemplate } from '../src/domain/templates';
import type {
  LoadPlanInput,
  Plan,
  PlannedDelivery,
  RecordStepInput,
  RecordStepResult,
  RenderEmailInput,
  RenderedEmail,
  SendEmailInput,
  SendEmailResult,
} from './types';

export interface ActivityDeps {
  db: Db;
  channels: { email: ChannelAdapter };
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
      const [company] = await db.select().from(companies).where(eq(companies.id, input.companyId));
      if (!company) throw ApplicationFailure.nonRetryable(`company ${input.companyId} not found`, 'NotFound');
      const from = { name: company.emailFromName, address: company.emailFrom };
      const empty = { mode: company.mode, from, template: null, deliveries: [], unreachable: [] };

      const [eventType] = await db
        .select()
        .from(eventTypes)
        .where(and(eq(eventTypes.companyId, input.companyId), eq(eventTypes.type, input.eventType)));
      if (!eventType) return { ...empty, skipReason: `event type ${input.eventType} is not configured` };
      if (!eventType.active) return { ...empty, skipReason: `event type ${input.eventType} is inactive` };
      if (!eventType.sendToClient) return { ...empty, skipReason: 'event type does not notify the client' };

      const [counterparty] = await db
        .select()
        .from(counterparties)
        .where(and(eq(counterparties.companyId, input.companyId), eq(counterparties.id, input.counterpartyId)));
      if (!counterparty) return { ...empty, skipReason: `counterparty ${input.counterpartyId} not found` };

      const [template] = await db
        .select()
        .from(templates)
        .where(
          and(
            eq(templates.companyId, input.companyId),
            eq(templates.eventType, input.eventType),
            eq(templates.audience, 'client'),
            eq(templates.channel, 'email'),
          ),
        );
      if (!template || template.subject === null) {
        return { ...empty, skipReason: `event type ${input.eventType} has no e-mail template for clients` };
      }

      const people = await db
        .select()
        .from(contacts)
        .where(and(eq(contacts.companyId, input.companyId), eq(contacts.counterpartyId, input.counterpartyId)))
        .orderBy(asc(contacts.position), asc(contacts.id));

      const deliveries: PlannedDelivery[] = [];
      const unreachable: Plan['unreachable'] = [];
      for (const person of people) {
        const key = `client:contact-${person.id}:email`;
        if (person.email) {
          deliveries.push({ key, audience: 'client', channel: 'email', recipient: person.email, recipientName: person.name });
        } else {
          unreachable.push({ key, recipientName: person.name, reason: 'no address' });
        }
      }
      return {
        mode: company.mode,
        ...(deliveries.length === 0 && unreachable.length === 0 ? { skipReason: 'the client has no contacts' } : {}),
        from,
        template: { subject: template.subject, html: template.html, text: template.text },
        deliveries,
        unreachable,
        context: {
          company: { name: company.name },
          client: { id: counterparty.id, name: counterparty.name },
        },
      };
    },

    async renderEmail(input: RenderEmailInput): Promise<RenderedEmail> {
      try {
        return await renderEmailTemplate(input.template, {
          ...input.data,
          recipient: input.recipient,
        });
      } catch (err) {
        // A template that does not render will not render on retry either.
        throw ApplicationFailure.nonRetryable(`template error: ${(err as Error).message}`, 'TemplateError');
      }
    },

    async sendEmail(input: SendEmailInput): Promise<SendEmailResult> {
      const { workflowId, runId } = currentExecution();
      const stepKey = `${workflowId}/${input.delivery.key}/sent`;
      // A previous attempt may have sent and journaled it but died before Temporal heard back.
      const previous = await journal.findByStepKey(stepKey);
      if (previous) {
        return { providerMessageId: previous.providerMessageId ?? '', response: 'already sent', alreadySent: true };
      }
      const messageId = `<${createHash('sha256').update(`${workflowId}/${input.delivery.key}`).digest('hex').slice(0, 32)}@${domainOf(input.from.address)}>`;
      let result;
      try {
        result = await channels.email.send({
          to: input.delivery.recipient,
          toName: input.delivery.recipientName,
          from: input.from,
          subject: input.email.subject,
          html: input.email.html,
          text: input.email.text,
          messageId,
        });
      } catch (err) {
        throw toActivityFailure(err);
      }
      await journal.record({
        ...input.scope,
        stepKey,
        workflowId,
        runId,
        status: 'sent',
        audience: input.delivery.audience,
        channel: 'email',
        recipient: input.delivery.recipient,
        recipientName: input.delivery.recipientName,
        subject: input.email.subject,
        body: input.email.text,
        provider: result.provider,
        providerMessageId: result.providerMessageId,
        attempt: Context.current().info.attempt,
        details: { response: result.response },
      });
      return { providerMessageId: result.providerMessageId, response: result.response, alreadySent: false };
    },
  };
}

export type Activities = ReturnType<typeof createActivities>;

/** These activities only run inside workflows, so the execution is always known. */
function currentExecution(): { workflowId: string; runId: string } {
  const execution = Context.current().info.workflowExecution;
  if (!execution) throw ApplicationFailure.nonRetryable('activity must run inside a workflow', 'NoWorkflow');
  return execution;
}

function domainOf(address: string): string {
  const at = address.lastIndexOf('@');
  return at >= 0 ? address.slice(at + 1) : 'localhost';
}

/** Permanent channel errors must not be retried; rate limits say when to come back. */
function toActivityFailure(err: unknown): Error {
  if (err instanceof RateLimitedError) {
    return ApplicationFailure.create({
      message: err.message,
      type: err.name,
      details: [err.providerReason ?? null],
      nextRetryDelay: err.retryAfterMs,
    });
  }
  if (err instanceof ChannelError) {
    return ApplicationFailure.create({
      message: err.message,
      type: err.name,
      details: [err.providerReason ?? null],
      nonRetryable: err.permanent,
    });
  }
  return err instanceof Error ? err : new Error(String(err));
}
