import { Alert, Table, Typography } from 'antd';
import { analyzeSms } from '@domain/sms';
import { pluralRu, useI18n } from '../i18n';

/**
 * The SMS counter, by the very rules the server sends with (src/domain/sms.ts): encoding,
 * segments and what is left in the last one, e.g. "2 SMS, осталось 12 символов".
 */
/** What the server's preview says the text costs (`sms.cost`) and its warning past 4 segments. */
export interface SmsCost {
  perRecipient: number;
  recipients: number | null;
  total: number | null;
}

export function SmsCounter({ text, cost, warning }: { text: string; cost?: SmsCost | undefined; warning?: string | undefined }) {
  const { t, lang } = useI18n();
  const sms = analyzeSms(text);
  const left =
    lang === 'en'
      ? `${sms.segments} SMS, ${sms.remaining} ${sms.remaining === 1 ? 'character' : 'characters'} left`
      : `${sms.segments} SMS, ${pluralRu(sms.remaining, 'остался', 'осталось', 'осталось')} ${sms.remaining} ${pluralRu(sms.remaining, 'символ', 'символа', 'символов')}`;
  return (
    <div role="status" aria-live="polite" data-testid="sms-counter">
      <Typography.Text strong>{left}</Typography.Text>{' '}
      <Typography.Text type="secondary">
        · {t('длина {n}', { n: sms.length })} ·{' '}
        {sms.encoding === 'UCS-2' ? t('кодировка UCS-2 (кириллица): 70 символов в одном SMS') : t('кодировка GSM-7 (латиница): 160 символов в одном SMS')}
      </Typography.Text>
      {cost && (
        <div data-testid="sms-cost">
          <Typography.Text>
            {t('Стоимость')}:{' '}
            {cost.recipients === null || cost.total === null
              ? t('{n} SMS на получателя', { n: cost.perRecipient })
              : lang === 'en'
                ? `${cost.perRecipient} SMS × ${cost.recipients} ${cost.recipients === 1 ? 'recipient' : 'recipients'} = ${cost.total} SMS`
                : `${cost.perRecipient} SMS × ${cost.recipients} ${pluralRu(cost.recipients, 'получатель', 'получателя', 'получателей')} = ${cost.total} SMS`}
          </Typography.Text>
        </div>
      )}
      {warning && <Alert style={{ marginTop: 8 }} type="warning" showIcon title={lang === 'en' ? t('Текст длиннее 4 SMS: каждому получателю уйдёт столько сообщений, и каждое оплачивается. Сократите текст.') : warning} />}
    </div>
  );
}

/** The seed's table: how many characters fit into 1–4 segments. */
export function SmsSegmentsHint() {
  const { t } = useI18n();
  const rows = [
    { n: 1, cyr: 70, lat: 160 },
    { n: 2, cyr: 134, lat: 306 },
    { n: 3, cyr: 201, lat: 459 },
    { n: 4, cyr: 268, lat: 612 },
  ];
  return (
    <Table
      size="small"
      pagination={false}
      rowKey="n"
      dataSource={rows}
      caption={t('Сколько символов помещается в сообщение')}
      columns={[
        { title: t('Сегментов'), dataIndex: 'n' },
        { title: t('Кириллица'), dataIndex: 'cyr' },
        { title: t('Латиница'), dataIndex: 'lat' },
      ]}
    />
  );
}
