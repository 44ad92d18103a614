import { useMemo } from 'react';
import { Link, useParams } from 'react-router-dom';
import { useQuery } from '@tanstack/react-query';
import { Alert, Card, Descriptions, Space, Table, Tag, Timeline, Typography } from 'antd';
import { api, ok } from '../api/client';
import { useI18n } from '../i18n';
import { formatDateTime } from '../format';
import { AUDIENCE_LABELS, CHANNEL_LABELS, EVENT_STATE_LABELS, MESSAGE_STATUS_COLORS, MESSAGE_STATUS_LABELS, STEP_LABELS } from '../labels';
import { POLL_MS, useCounterparties, useEventTypes, type JournalEntry, type Message } from '../waiting';
import { DecisionButtons, PendingTexts } from '../components/Decision';
import { useSession } from '../session';

const STEP_COLORS: Record<string, string> = {
  delivered: 'green',
  sent: 'green',
  sent_manually: 'green',
  approved: 'green',
  completed: 'gray',
  failed: 'red',
  undelivered: 'red',
  attempt_failed: 'red',
  rejected: 'red',
  expired: 'red',
  aborted: 'red',
  fallback: 'orange',
  skipped: 'gray',
  not_sent_tracked: 'orange',
  awaiting_confirmation: 'blue',
};

/** Who acted, when a person or key did: the journal's details carry it. */
function actorOf(entry: JournalEntry): string | null {
  const details = entry.details ?? {};
  const by = details.by ?? details.actor ?? details.changedBy ?? details.sentBy;
  if (typeof by === 'string') return by;
  if (by && typeof by === 'object' && 'name' in by) {
    const person = by as { name?: string; login?: string };
    return person.login ? `${person.name} (${person.login})` : (person.name ?? null);
  }
  return null;
}

export function EventPage() {
  const { id = '' } = useParams();
  const { t, lang } = useI18n();
  const { can } = useSession();
  const clients = useCounterparties();
  const types = useEventTypes();
  const event = useQuery({
    queryKey: ['event', id],
    queryFn: () => ok(api.GET('/v1/events/{id}', { params: { path: { id } } })),
    refetchInterval: (q) => (q.state.data && ['completed', 'partial', 'failed', 'skipped', 'rejected', 'expired'].includes(q.state.data.state) ? POLL_MS * 5 : POLL_MS),
  });
  const typeName = useMemo(() => new Map((types.data ?? []).map((ty) => [ty.type, ty.name])), [types.data]);

  if (event.isPending) return <Card loading />;
  if (event.isError) return <Alert type="error" showIcon title={event.error.message} />;
  const e = event.data;
  const client = clients.data?.find((c) => c.id === e.counterpartyId);
  const rendered = e.journal.filter((j) => j.status === 'rendered' && j.body);

  return (
    <Space orientation="vertical" size="large" style={{ width: '100%' }}>
      <div>
        <Link to="/journal">← {t('Журнал уведомлений')}</Link>
        <Typography.Title level={2} style={{ marginTop: 8 }}>
          {typeName.get(e.type) ?? e.type}: {client?.name ?? e.counterpartyId}
        </Typography.Title>
      </div>
      <Descriptions bordered size="small" column={2}>
        <Descriptions.Item label={t('Событие')}>{e.eventId}</Descriptions.Item>
        <Descriptions.Item label={t('Состояние')}>
          <Tag color={e.state === 'awaiting_confirmation' ? 'blue' : e.state === 'failed' ? 'red' : e.state === 'completed' ? 'green' : e.state === 'partial' ? 'orange' : ['skipped', 'rejected', 'expired'].includes(e.state) ? 'default' : 'processing'}>
            {t(EVENT_STATE_LABELS[e.state] ?? e.state)}
          </Tag>
        </Descriptions.Item>
        <Descriptions.Item label={t('Произошло')}>{formatDateTime(e.occurredAt, lang)}</Descriptions.Item>
        <Descriptions.Item label={t('Получено')}>{formatDateTime(e.receivedAt, lang)}</Descriptions.Item>
        <Descriptions.Item label={t('Процесс в Temporal')} span={2}>
          {e.temporalUiUrl ? (
            <a href={e.temporalUiUrl} target="_blank" rel="noreferrer">
              {t('Открыть в Temporal UI')}
            </a>
          ) : (
            e.workflowId
          )}
        </Descriptions.Item>
      </Descriptions>

      {e.state === 'awaiting_confirmation' && (
        <Card title={t('Ожидает подтверждения: что будет отправлено')}>
          <PendingTexts pending={e.pending} />
          {can('journal:write') && (
            <div style={{ marginTop: 16 }}>
              <DecisionButtons eventId={e.eventId} />
            </div>
          )}
        </Card>
      )}

      <Card title={t('Сообщения')}>
        <Table<Message>
          rowKey="id"
          size="small"
          pagination={false}
          dataSource={e.messages as Message[]}
          columns={[
            { title: t('Кому'), key: 'a', render: (_, m) => (m.audience ? t(AUDIENCE_LABELS[m.audience] ?? m.audience) : '—') },
            { title: t('Получатель'), key: 'r', render: (_, m) => `${m.recipientName ?? ''} ${m.recipient ?? ''}` },
            { title: t('Канал'), key: 'c', render: (_, m) => (m.channel ? t(CHANNEL_LABELS[m.channel] ?? m.channel) : '—') },
            { title: t('Статус'), key: 's', render: (_, m) => <Tag color={MESSAGE_STATUS_COLORS[m.status]}>{lang === 'ru' ? m.statusLabel : t(MESSAGE_STATUS_LABELS[m.status] ?? m.status)}</Tag> },
            { title: t('Путь сообщения'), key: 'story', render: (_, m) => m.story },
            { title: t('Попыток'), key: 'n', render: (_, m) => m.attempts },
          ]}
        />
      </Card>

      {rendered.length > 0 && (
        <Card title={t('Сформированные тексты')}>
          <Space orientation="vertical" style={{ width: '100%' }}>
            {rendered.map((r) => (
              <Card key={r.id} size="small" type="inner" title={`${r.recipientName ?? ''} · ${r.channel ? t(CHANNEL_LABELS[r.channel] ?? r.channel) : ''} ${r.recipient ?? ''}`}>
                {r.subject && (
                  <Typography.Paragraph strong>
                    {t('Тема')}: {r.subject}
                  </Typography.Paragraph>
                )}
                <Typography.Paragraph style={{ whiteSpace: 'pre-wrap', marginBottom: 0 }}>{r.body}</Typography.Paragraph>
              </Card>
            ))}
          </Space>
        </Card>
      )}

      <Card title={t('Ход обработки')}>
        <Timeline
          items={e.journal.map((j) => {
            const actor = actorOf(j);
            return {
              color: STEP_COLORS[j.status] ?? 'blue',
              content: (
                <div data-testid="timeline-step">
                  <Typography.Text strong>{t(STEP_LABELS[j.status] ?? j.status)}</Typography.Text>{' '}
                  <Typography.Text type="secondary">{formatDateTime(j.createdAt, lang)}</Typography.Text>
                  {(j.channel || j.recipient) && (
                    <div>
                      {j.channel ? t(CHANNEL_LABELS[j.channel] ?? j.channel) : ''} {j.recipientName ?? ''} {j.recipient ?? ''}
                      {j.provider ? ` · ${j.provider}` : ''}
                      {j.attempt ? ` · ${t('попытка {n}', { n: j.attempt })}` : ''}
                    </div>
                  )}
                  {j.reason && j.status !== 'completed' && (
                    <div>
                      {t('Почему')}: {j.reason}
                    </div>
                  )}
                  {actor && (
                    <div>
                      {t('Кто')}: {actor}
                    </div>
                  )}
                  {typeof j.details?.comment === 'string' && j.details.comment && (
                    <div>
                      {t('Комментарий')}: {j.details.comment}
                    </div>
                  )}
                </div>
              ),
            };
          })}
        />
      </Card>
    </Space>
  );
}
