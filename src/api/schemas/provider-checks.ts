import { Type, type Static } from '@sinclair/typebox';
import { ChannelSchema } from './common';

export const TestMessageInputSchema = Type.Object(
  {
    channel: ChannelSchema,
    to: Type.String({ minLength: 1, maxLength: 254, description: 'A phone in E.164, a Telegram chat id or an e-mail address.' }),
    text: Type.Optional(Type.String({ minLength: 1, maxLength: 4000 })),
  },
  { additionalProperties: false },
);
export type TestMessageRequest = Static<typeof TestMessageInputSchema>;

export const TestMessageResultSchema = Type.Object({
  ok: Type.Boolean(),
  channel: Type.String(),
  provider: Type.Optional(Type.String()),
  providerMessageId: Type.Optional(Type.String()),
  response: Type.Optional(Type.String()),
  error: Type.Optional(Type.String()),
  errorType: Type.Optional(Type.String()),
  note: Type.Optional(Type.String()),
});
export type TestMessageResult = Static<typeof TestMessageResultSchema>;

export const SmsBalanceSchema = Type.Object({
  ok: Type.Boolean(),
  provider: Type.Optional(Type.String()),
  amount: Type.Optional(Type.Number()),
  currency: Type.Optional(Type.String()),
  raw: Type.Optional(Type.String()),
  error: Type.Optional(Type.String()),
});
export type SmsBalance = Static<typeof SmsBalanceSchema>;
