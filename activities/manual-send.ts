import { ApplicationFailure } from '@temporalio/common';
import { createCompanyRepository } from '../src/db/repositories/companies';
import { createJournalRepository } from '../src/db/repositories/journal';
import { entryDeliveryKey } from '../src/domain/keys';
import type { Audience, Channel } from '../src/domain/vocabulary';
import type { ActivityDeps } from './deps';
import type { ManualSendPlan } from './types';

/** A manager's manual send (R14): what the tracked entry says is to be sent. */
export function createManualSendActivities({ db }: Pick<ActivityDeps, 'db'>) {
  const journal = createJournalRepository(db);
  const companies = createCompanyRepository(db);
  return {
    /** Reads a "not sent, tracked by manager" entry so that a manager's manual send can deliver it. */
    async loadManualSend(input: { companyId: string; entryId: number }): Promise<ManualSendPlan> {
      const entry = await journal.findEntry(input.companyId, input.entryId);
      if (!entry || entry.status !== 'not_sent_tracked' || !entry.channel || !entry.recipient) {
        throw ApplicationFailure.nonRetryable(`journal entry ${input.entryId} cannot be sent by hand`, 'NotSendable');
      }
      const company = await companies.find(input.companyId);
      const details = (entry.details ?? {}) as { html?: string | null; deliveryKey?: string; from?: { name: string; address: string } };
      return {
        mode: company?.mode ?? 'off',
        scope: { companyId: entry.companyId, eventId: entry.eventId, eventType: entry.eventType, counterpartyId: entry.counterpartyId },
        send: {
          deliveryKey: details.deliveryKey ?? entryDeliveryKey(entry.id),
          audience: (entry.audience ?? 'client') as Audience,
          channel: entry.channel as Channel,
          to: entry.recipient,
          toName: entry.recipientName ?? '',
          // The legal entity's From the message was rendered for (seed 000), else the company's.
          from: details.from ?? { name: company?.emailFromName ?? '', address: company?.emailFrom ?? '' },
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
