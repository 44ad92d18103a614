import { useState } from 'react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { App, Button, Card, Input, Space, Typography } from 'antd';
import { api, ApiError, ok } from '../api/client';
import { useI18n } from '../i18n';
import { AUDIENCE_LABELS, CHANNEL_LABELS } from '../labels';
import type { paths } from '../api/schema';

type EventDto = paths['/v1/events/{id}']['get']['responses'][200]['content']['application/json'];

/** The messages that would go out on approval, as the person deciding reads them. */
export function PendingTexts({ pending }: { pending: EventDto['pending'] }) {
  const { t } = useI18n();
  if (pending.length === 0) return <Typography.Text type="secondary">{t('Тексты ещё не сформированы.')}</Typography.Text>;
  return (
    <Space orientation="vertical" style={{ width: '100%' }}>
      {pending.map((p) => (
        <Card
          key={p.deliveryKey}
          size="small"
          title={`${t(AUDIENCE_LABELS[p.audience] ?? p.audience)}: ${p.recipientName} · ${t(CHANNEL_LABELS[p.channel] ?? p.channel)} ${p.recipient}`}
        >
          {p.subject && (
            <Typography.Paragraph strong>
              {t('Тема')}: {p.subject}
            </Typography.Paragraph>
          )}
          {p.error ? (
            <Typography.Text type="danger">{p.error}</Typography.Text>
          ) : (
            <Typography.Paragraph style={{ whiteSpace: 'pre-wrap', marginBottom: 0 }} data-testid="pending-text">
              {p.text}
            </Typography.Paragraph>
          )}
        </Card>
      ))}
    </Space>
  );
}

/** Approve or reject an event awaiting confirmation, with an optional comment (R13). */
export function DecisionButtons({ eventId, onDone }: { eventId: string; onDone?: () => void }) {
  const { t } = useI18n();
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const [comment, setComment] = useState('');
  const decide = useMutation({
    mutationFn: (approve: boolean) =>
      ok(api.POST('/v1/events/{id}/decision', { params: { path: { id: eventId } }, body: { approve, ...(comment.trim() ? { comment: comment.trim() } : {}) } })),
    onSuccess: (_data, approve) => {
      void message.success(approve ? t('Отправка подтверждена') : t('Отправка отклонена'));
      void queryClient.invalidateQueries();
      onDone?.();
    },
    onError: (err) => {
      if (!(err instanceof ApiError && err.code === 'RUN_ENDED')) return void message.error(err.message);
      // The run was stopped before a decision: the journal says so now, and the event has left the queue.
      void message.warning(t('Выполнение события остановлено в Temporal до решения: событие убрано из очереди'));
      void queryClient.invalidateQueries();
      onDone?.();
    },
  });
  return (
    <Space orientation="vertical" style={{ width: '100%' }}>
      <Input.TextArea
        aria-label={t('Комментарий к решению')}
        placeholder={t('Комментарий (необязательно)')}
        value={comment}
        onChange={(e) => setComment(e.target.value)}
        autoSize={{ minRows: 1, maxRows: 4 }}
      />
      <Space>
        <Button type="primary" loading={decide.isPending && decide.variables} onClick={() => decide.mutate(true)}>
          {t('Подтвердить отправку')}
        </Button>
        <Button danger loading={decide.isPending && !decide.variables} onClick={() => decide.mutate(false)}>
          {t('Отклонить')}
        </Button>
      </Space>
    </Space>
  );
}
