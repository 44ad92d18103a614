import type { Transporter } from 'nodemailer';

/** One activity for the delivery baseline: the e-mails of one event, over a pooled nodemailer transport. */
export function createBareActivities(transport: Transporter) {
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
  };
}

export type BareActivities = ReturnType<typeof createBareActivities>;
