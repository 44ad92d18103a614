import type { Audience, Channel, CompanyMode } from '../src/db/schema';
import type { JournalStatus } from '../src/domain/journal';
import type { EmailTemplate, RenderedEmail } from '../src/domain/templates';
import type { EmailAddress } from '../src/channels/types';

/** Identifies the event a journal entry belongs to. */
export interface JournalScope {
  companyId: string;
  eventId: string;
  eventType: string;
  counterpartyId: string;
}

export interface RecordStepInput {
  scope: JournalScope;
  /** Unique within the workflow: the same step recorded twice is one row. */
  step: string;
  status: JournalStatus;
  audience?: Audience;
  channel?: Channel;
  recipient?: string;
  recipientName?: string;
  subject?: string;
  body?: string;
  provider?: string;
  providerMessageId?: string;
  reason?: string;
  attempt?: number;
  details?: Record<string, unknown>;
}

export interface RecordStepResult {
  entryId: number;
  created: boolean;
}

export interface LoadPlanInput {
  companyId: string;
  eventType: string;
  counterpartyId: string;
}

export interface PlannedDelivery {
  /** Stable within the event: used in step keys and message ids. */
  key: string;
  audience: Audience;
  channel: Channel;
  recipient: string;
  recipientName: string;
}

export interface Plan {
  mode: CompanyMode;
  /** Why nothing is planned, when nothing is. */
  skipReason?: string;
  from: EmailAddress;
  template: EmailTemplate | null;
  deliveries: PlannedDelivery[];
  /** Recipients that have no usable address for any channel. */
  unreachable: { key: string; recipientName: string; reason: string }[];
  /** Template variables besides the event's data: `company`, `client`. */
  context?: Record<string, unknown>;
}

export interface RenderEmailInput {
  template: EmailTemplate;
  data: Record<string, unknown>;
  recipient: { name: string; address: string };
}

export type { RenderedEmail };

export interface SendEmailInput {
  scope: JournalScope;
  delivery: PlannedDelivery;
  from: EmailAddress;
  email: RenderedEmail;
}

export interface SendEmailResult {
  providerMessageId: string;
  response: string;
  /** True when an earlier attempt had already sent it. */
  alreadySent: boolean;
}
