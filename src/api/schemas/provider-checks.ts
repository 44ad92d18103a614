import { Type, type Static } from '@sinclair/typebox';
import { fullFormats } from 'ajv-formats/dist/formats';
import type { Channel } from '../../domain/vocabulary';
import { ChannelSchema, StringEnum } from './common';

export const TestMessageInputSchema = Type.Object(
  {
    channel: ChannelSchema,
    to: Type.String({ minLength: 1, maxLength: 254, description: 'One recipient: an e-mail address, a phone in E.164 (sms) or a numeric Telegram chat id.' }),
    text: Type.Optional(Type.String({ minLength: 1, maxLength: 4000 })),
  },
  { additionalProperties: false },
);
export type TestMessageRequest = Static<typeof TestMessageInputSchema>;

const E164 = /^\+[1-9]\d{6,14}$/;
const CHAT_ID = /^-?\d{1,20}$/;

/** Why `to` is not one recipient of `channel` (a list, or the wrong kind of address), or undefined when it is. */
export function testRecipientProblem(channel: Channel, to: string): string | undefined {
  switch (channel) {
    case 'email':
      return to.length <= 254 && (fullFormats.email as RegExp).test(to) ? undefined : 'must be one e-mail address, e.g. name@example.com';
    case 'sms':
      return E164.test(to) ? undefined : 'must be one phone number in E.164, e.g. +79161234567';
    case 'telegram':
      return CHAT_ID.test(to) ? undefined : 'must be one numeric Telegram chat id, e.g. 123456789';
  }
}

export const TestMessageResultSchema = Type.Object({
  ok: Type.Boolean(),
  channel: Type.String(),
  provider: Type.Optional(Type.String()),
  providerMessageId: Type.Optional(Type.String()),
  response: Type.Optional(Type.String({ description: "The provider's answer as received." })),
  sms: Type.Optional(
    Type.Object(
      {
        encoding: StringEnum(['GSM-7', 'UCS-2']),
        segments: Type.Integer({ description: 'How many SMS the text took: each is billed as one message.' }),
        length: Type.Integer({ description: 'Characters of the text.' }),
      },
      { description: 'SMS only: the encoding and what the message cost in segments.' },
    ),
  ),
  journalEntryId: Type.Optional(Type.Integer({ description: 'The journal row of this test message (event type `test.message`).' })),
  error: Type.Optional(Type.String()),
  errorType: Type.Optional(Type.String()),
  note: Type.Optional(Type.String({ description: 'In Russian, for people: what the message cost and where it is journaled.' })),
});
export type TestMessageResult = Static<typeof TestMessageResultSchema>;

export const SmsBalanceSchema = Type.Object({
  ok: Type.Boolean(),
  provider: Type.Optional(Type.String()),
  amount: Type.Optional(Type.Number({ description: 'In `unit`.' })),
  unit: Type.Optional(StringEnum(['messages', 'money'], { description: 'What `amount` counts: messages left, or money in `currency`.' })),
  currency: Type.Optional(Type.String({ description: 'With `unit: money`: ISO 4217, e.g. RUB.' })),
  unitLabel: Type.Optional(Type.String({ description: 'The unit for people: `SMS`, `₽ (RUB)`.' })),
  formatted: Type.Optional(Type.String({ description: 'The amount with its unit in Russian: «42,50 ₽», «120 SMS».' })),
  raw: Type.Optional(Type.String()),
  error: Type.Optional(Type.String()),
});
export type SmsBalance = Static<typeof SmsBalanceSchema>;
