import type { Transporter } from 'nodemailer';

/** What the bare SMS baseline needs of an SMPP session: `submit_sm`, answered. */
export type BareSmsSubmit = (pdu: { destination_addr: string; short_message: string }) => Promise<void>;

/**
 * The delivery baselines' activities: an event's e-mails over a pooled
 * nodemailer transport, and its SMS over one bound SMPP session.
 */
export function createBareActivities(transport: Transporter, submitSms: BareSmsSubmit) {
  return {
    async sendBareEmails(input: { messageIds: string[] }): Promise<void> {
      await Promise.all(
        input.messageIds.map((messageId, i) =>
          transport.sendMail({
            from: 'Автозапчасти Демо <notify@demo-parts.example>',
            to: `contact-${i}@bench.example`,
            subject: 'Заказ № ЗК-1 готов к выдаче',
            text: 'Здравствуйте! Ваш заказ готов к выдаче.',
            messageId,
          }),
        ),
      );
    },
    async sendBareSms(input: { phones: string[]; text: string }): Promise<void> {
      await Promise.all(input.phones.map((phone) => submitSms({ destination_addr: phone, short_message: input.text })));
    },
  };
}

export type BareActivities = ReturnType<typeof createBareActivities>;
