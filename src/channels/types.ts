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
  /**
   * Called as soon as the provider accepted a part (an SMS may have several),
   * before the next part goes out; the returned promise is awaited, so the
   * caller can record the id durably while the next part waits. A rejection
   * stops the send.
   */
  onAccepted?: (part: AcceptedPart) => Promise<void>;
}

/** One part of a message the provider took. */
export interface AcceptedPart {
  index: number;
  total: number;
  providerMessageId: string;
}

/** What a provider says of an id it gave: it has the message, or it does not know it. */
export type LookupResult = 'known' | 'not_found';

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
  /**
   * Asks the provider whether it has the message it accepted under this id
   * (SMPP `query_sm`, SMS.ru `sms/status`). A transient failure throws.
   */
  lookup?(providerMessageId: string): Promise<LookupResult>;
}
