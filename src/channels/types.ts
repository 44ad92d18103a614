import type { Channel, DeliveryReport, EmailAddress } from '../domain/vocabulary';

export type { DeliveryReport, EmailAddress };

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
  /** E-mail only: rendered attachments. */
  attachments?: { filename: string; content: string; contentType: string }[];
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

export interface SmsBalance {
  provider: string;
  /** In the provider's unit: messages for SMPP gateways that count them, money for most HTTP APIs. */
  amount: number;
  currency?: string;
  /** The provider's answer as received, for the test/balance endpoints. */
  raw: string;
}

/** An SMS provider is a channel adapter that can also tell its balance. */
export interface SmsProvider extends ChannelAdapter {
  readonly channel: 'sms';
  balance(): Promise<SmsBalance>;
}
