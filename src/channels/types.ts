import type { BalanceUnit } from '../domain/balance';
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
  /** The service in words for people (`SMS.ru`); the provider id when unset. */
  service?: string;
  /** In `unit`: messages left for SMPP gateways that count them, money for most HTTP APIs. */
  amount: number;
  /** What `amount` counts, as the provider answered it (a currency means money). */
  unit: 'messages' | 'money';
  /** With `unit: 'money'` only: ISO 4217 (`RUB`). */
  currency?: string;
  /** The provider's answer as received, for the test/balance endpoints. */
  raw: string;
}

/** An SMS provider is a channel adapter that can also tell its balance. */
export interface SmsProvider extends ChannelAdapter {
  readonly channel: 'sms';
  /**
   * The unit its settings declare its balance in (SMS.ru: roubles; an SMPP
   * gateway: messages unless `balanceCurrency` is set). The balance alert's
   * threshold is in this unit; a balance answered in another is not compared.
   */
  readonly balanceUnit?: BalanceUnit;
  balance(): Promise<SmsBalance>;
  /**
   * Asks the provider whether it has the message it accepted under this id
   * (SMPP `query_sm`, SMS.ru `sms/status`). A transient failure throws.
   */
  lookup?(providerMessageId: string): Promise<LookupResult>;
}
