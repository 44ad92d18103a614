import { useState } from 'react';
import { Link } from 'react-router-dom';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { App, Button, Card, Empty, Form, Input, Modal, Select, Space, Switch, Tag, Typography } from 'antd';
import { api, ok } from '../api/client';
import { useI18n } from '../i18n';
import { formatDateTime } from '../format';
import { AUDIENCE_LABELS, CHANNEL_LABELS } from '../labels';
import { useSession, useUser } from '../session';
import { useConfirmations, useQueueCounts, useTracked, type Confirmation, type TrackedEntry } from '../waiting';
import { DecisionButtons, PendingTexts } from '../components/Decision';

export function Queues() {
  const { t } = useI18n();
  const user = useUser();
  // A manager sees their own clients first; anyone else has no clients of their own.
  const [onlyMine, setOnlyMine] = useState(Boolean(user.managerId));
  const mine = onlyMine && Boolean(user.managerId);
  const confirmations = useConfirmations(mine);
  const tracked = useTracked(mine);
  const counts = useQueueCounts(mine);
  const waitingConfirmations = confirmations.data?.pages.flatMap((p) => p.items) ?? [];
  const waitingTracked = tracked.data?.pages.flatMap((p) => p.items) ?? [];

  return (
    <section aria-labelledby="queues-title">
      <Space style={{ width: '100%', justifyContent: 'space-between' }} align="center">
        <Typography.Title level={2} id="queues-title">
          {t('Ждут действия')}
        </Typography.Title>
        {user.managerId && (
          <Space>
            <Switch checked={onlyMine} onChange={setOnlyMine} aria-label={t('Только мои клиенты')} data-testid="only-mine" />
            <span>{t('Только мои клиенты')}</span>
          </Space>
        )}
      </Space>
      <Typography.Title level={3}>
        {t('На подтверждении')} <Tag data-testid="confirmations-count">{counts.data?.confirmations ?? waitingConfirmations.length}</Tag>
      </Typography.Title>
      {confirmations.isPending ? (
        <Card loading />
      ) : waitingConfirmations.length === 0 ? (
        <Empty description={t('Нет событий, ожидающих подтверждения')} />
      ) : (
        <Space orientation="vertical" style={{ width: '100%' }}>
          {waitingConfirmations.map((item) => (
            <ConfirmationCard key={item.eventId} item={item} />
          ))}
          {confirmations.hasNextPage && (
            <Button onClick={() => void confirmations.fetchNextPage()} loading={confirmations.isFetchingNextPage}>
              {t('Показать ещё')}
            </Button>
          )}
        </Space>
      )}
      <Typography.Title level={3} style={{ marginTop: 32 }}>
        {t('Не отправлено, отслеживается менеджером')} <Tag data-testid="tracked-count">{counts.data?.tracked ?? waitingTracked.length}</Tag>
      </Typography.Title>
      {tracked.isPending ? (
        <Card loading />
      ) : waitingTracked.length === 0 ? (
        <Empty description={t('Нет записей, ожидающих менеджера')} />
      ) : (
        <Space orientation="vertical" style={{ width: '100%' }}>
          {waitingTracked.map((entry) => (
            <TrackedCard key={entry.id} entry={entry} />
          ))}
          {tracked.hasNextPage && (
            <Button onClick={() => void tracked.fetchNextPage()} loading={tracked.isFetchingNextPage}>
              {t('Показать ещё')}
            </Button>
          )}
        </Space>
      )}
    </section>
  );
}

function ConfirmationCard({ item }: { item: Confirmation }) {
  const { t, lang } = useI18n();
  const { can } = useSession();
  return (
    <Card
      data-testid="confirmation"
      title={`${item.eventTypeName ?? item.eventType} · ${item.counterpartyName ?? item.counterpartyId}`}
      extra={
        <Space>
          <Typography.Text type="secondary">{formatDateTime(item.createdAt, lang)}</Typography.Text>
          <Link to={`/events/${encodeURIComponent(item.eventId)}`}>
            {t('Подробнее')}
          </Link>
        </Space>
      }
    >
      <PendingTexts pending={item.pending} />
      {can('journal:write') && (
        <div style={{ marginTop: 16 }}>
          <DecisionButtons eventId={item.eventId} />
        </div>
      )}
    </Card>
  );
}

type ManualStatus = 'sent_manually' | 'resolved' | 'cancelled';
const MANUAL_STATUS_LABELS: Record<ManualStatus, string> = {
  sent_manually: 'Отправлено вручную',
  resolved: 'Решено',
  cancelled: 'Отменено',
};

function TrackedCard({ entry }: { entry: TrackedEntry }) {
  const { t, lang } = useI18n();
  const { can } = useSession();
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const [sending, setSending] = useState(false);
  const [changing, setChanging] = useState(false);
  const done = () => {
    void queryClient.invalidateQueries({ queryKey: ['queue'] });
    void queryClient.invalidateQueries({ queryKey: ['messages'] });
  };
  const send = useMutation({
    mutationFn: (body: { comment?: string; text?: string; subject?: string; to?: string }) =>
      ok(api.POST('/v1/journal/{entryId}/send', { params: { path: { entryId: entry.id } }, body })),
    onSuccess: (answer) => {
      void message.success(t('Сообщение отправлено: {status}', { status: answer.status }));
      setSending(false);
      done();
    },
    onError: (err) => void message.error(err.message),
  });
  const change = useMutation({
    mutationFn: (body: { status: ManualStatus; comment?: string }) => ok(api.PATCH('/v1/journal/{entryId}', { params: { path: { entryId: entry.id } }, body })),
    onSuccess: () => {
      void message.success(t('Статус изменён'));
      setChanging(false);
      done();
    },
    onError: (err) => void message.error(err.message),
  });

  return (
    <Card
      data-testid="tracked"
      title={`${entry.eventTypeName ?? entry.eventType} · ${entry.counterpartyName ?? entry.counterpartyId}`}
      extra={<Typography.Text type="secondary">{formatDateTime(entry.createdAt, lang)}</Typography.Text>}
    >
      <Typography.Paragraph>
        {entry.audience ? t(AUDIENCE_LABELS[entry.audience] ?? entry.audience) : ''}: {entry.recipientName} ·{' '}
        {entry.channel ? t(CHANNEL_LABELS[entry.channel] ?? entry.channel) : ''} {entry.recipient}
      </Typography.Paragraph>
      {entry.subject && (
        <Typography.Paragraph strong>
          {t('Тема')}: {entry.subject}
        </Typography.Paragraph>
      )}
      <Typography.Paragraph style={{ whiteSpace: 'pre-wrap' }}>{entry.body}</Typography.Paragraph>
      {entry.reason && (
        <Typography.Paragraph type="secondary">
          {t('Почему')}: {entry.reason}
        </Typography.Paragraph>
      )}
      {can('journal:write') && (
        <Space>
          <Button type="primary" onClick={() => setSending(true)}>
            {t('Изменить и отправить')}
          </Button>
          <Button onClick={() => setChanging(true)}>{t('Изменить статус')}</Button>
        </Space>
      )}
      <Modal
        title={t('Отправка вручную')}
        open={sending}
        onCancel={() => setSending(false)}
        footer={null}
        destroyOnHidden
      >
        <Form
          layout="vertical"
          initialValues={{ text: entry.body ?? '', subject: entry.subject ?? '', recipient: entry.recipient ?? '', comment: '' }}
          onFinish={(v: { text: string; subject: string; recipient: string; comment: string }) =>
            send.mutate({
              ...(v.comment.trim() ? { comment: v.comment.trim() } : {}),
              ...(entry.channel === 'email' && v.subject !== (entry.subject ?? '') ? { subject: v.subject } : {}),
              ...(v.text !== (entry.body ?? '') ? { text: v.text } : {}),
              ...(v.recipient.trim() !== (entry.recipient ?? '') ? { to: v.recipient.trim() } : {}),
            })
          }
        >
          <Form.Item label={t('Получатель')} name="recipient">
            <Input />
          </Form.Item>
          {entry.channel === 'email' && (
            <Form.Item label={t('Тема')} name="subject">
              <Input />
            </Form.Item>
          )}
          <Form.Item label={t('Текст сообщения')} name="text" rules={[{ required: true, message: t('Текст не может быть пустым') }]}>
            <Input.TextArea autoSize={{ minRows: 3, maxRows: 12 }} />
          </Form.Item>
          <Form.Item label={t('Комментарий')} name="comment">
            <Input />
          </Form.Item>
          <Button type="primary" htmlType="submit" loading={send.isPending}>
            {t('Отправить')}
          </Button>
        </Form>
      </Modal>
      <Modal title={t('Изменение статуса')} open={changing} onCancel={() => setChanging(false)} footer={null} destroyOnHidden>
        <Form layout="vertical" initialValues={{ status: 'resolved', comment: '' }} onFinish={(v: { status: ManualStatus; comment: string }) => change.mutate({ status: v.status, ...(v.comment.trim() ? { comment: v.comment.trim() } : {}) })}>
          <Form.Item label={t('Новый статус')} name="status">
            <Select aria-label={t('Новый статус')} options={(Object.keys(MANUAL_STATUS_LABELS) as ManualStatus[]).map((s) => ({ value: s, label: t(MANUAL_STATUS_LABELS[s]) }))} />
          </Form.Item>
          <Form.Item label={t('Комментарий')} name="comment">
            <Input.TextArea autoSize={{ minRows: 2 }} />
          </Form.Item>
          <Button type="primary" htmlType="submit" loading={change.isPending}>
            {t('Сохранить')}
          </Button>
        </Form>
      </Modal>
    </Card>
  );
}
