import type { AttachmentTemplate, Audience, Channel, CompanyMode, EmailDelivery } from '../src/domain/vocabulary';
import type { JournalStatus } from '../src/domain/vocabulary';
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

/** The template of one channel, with the client's own overrides already applied. */
export interface ChannelTemplate {
  subject?: string | null;
  html?: string | null;
  text?: string | null;
  fromName?: string | null;
  attachments?: AttachmentTemplate[];
}

/** One way to reach a recipient; `address` is null when the recipient has none for that channel. */
export interface Route {
  channel: Channel;
  address: string | null;
}

/** One person to tell, with the channels to try in order. */
export interface PlannedDelivery {
  /** Stable within the event: used in step keys and message ids. */
  key: string;
  audience: Audience;
  recipientName: string;
  routes: Route[];
  templates: Partial<Record<Channel, ChannelTemplate>>;
  /** Template variables about this recipient. */
  recipient: Record<string, unknown>;
  /** The client turned this notification off (R12); what happens then depends on `tracked`. */
  optedOut?: boolean;
}

export interface Plan {
  mode: CompanyMode;
  /** Why nothing is planned, when nothing is. */
  skipReason?: string;
  confirm: { required: boolean; timeoutSeconds: number };
  trackedByManager: boolean;
  emailDelivery: EmailDelivery;
  from: EmailAddress;
  deliveries: PlannedDelivery[];
  /** Template variables besides the event's data: `company`, `client`, `manager`. */
  context: Record<string, unknown>;
}

export interface RenderMessageInput {
  channel: Channel;
  template: ChannelTemplate;
  data: Record<string, unknown>;
}

export interface RenderedMessage {
  subject?: string;
  html?: string | null;
  text: string;
  fromName?: string | null;
  attachments?: { filename: string; content: string; contentType: string }[];
}

export interface SendMessageInput {
  scope: JournalScope;
  deliveryKey: string;
  audience: Audience;
  channel: Channel;
  to: string;
  toName: string;
  from: EmailAddress;
  message: RenderedMessage;
  /** Set for a manager's manual send (R14): the journal entry it answers. */
  manualOf?: number;
}

export interface SendMessageResult {
  provider: string;
  providerMessageId: string;
  response: string;
  entryId: number;
  /** True when an earlier attempt had already sent it. */
  alreadySent: boolean;
}
