import type { Channel } from '../db/schema';

export interface EmailAddress {
  name: string;
  address: string;
}

/** One message to one recipient, already rendered. */
export interface OutboundMessage {
  to: string;
  toName?: string;
  /** E-mail only. */
  from?: EmailAddress;
  subject?: string;
  html?: string | null;
  text: string;
  /** An id we choose, so a retry of the same step can be recognised. */
  messageId?: string;
}

export interface SendResult {
  provider: string;
  providerMessageId: string;
  /** The provider's answer, for the journal and the test-message API. */
  response: string;
}

/** The one interface every channel adapter implements. */
export interface ChannelAdapter {
  readonly channel: Channel;
  readonly provider: string;
  send(message: OutboundMessage): Promise<SendResult>;
  close?(): Promise<void>;
}
