import { useEffect, useState } from 'react';
import { Link, useParams } from 'react-router-dom';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Alert, App, Button, Card, Checkbox, Descriptions, Form, Input, Modal, Popover, Select, Space, Table, Tabs, Tag, Typography } from 'antd';
import { api, ok } from '../api/client';
import type { paths } from '../api/schema';
import { useI18n } from '../i18n';
import { CHANNEL_LABELS } from '../labels';
import { SmsCounter } from '../components/SmsCounter';
import { useSession } from '../session';
import { useEventTypes, useManagers } from '../waiting';

type Client = paths['/v1/counterparties/{id}']['get']['responses'][200]['content']['application/json'];
type Contact = Client['contacts'][number];
type Overrides = NonNullable<paths['/v1/counterparties/{id}']['put']['requestBody']['content']['application/json']['overrides']>;

export function ClientCard() {
  const { id = '' } = useParams();
  const { t } = useI18n();
  const { can } = useSession();
  const admin = can('settings:admin');
  const client = useQuery({ queryKey: ['counterparty', id], queryFn: () => ok(api.GET('/v1/counterparties/{id}', { params: { path: { id } } })) });
  if (client.isPending) return <Card loading />;
  if (client.isError) return <Alert type="error" showIcon title={client.error.message} />;
  const c = client.data;
  return (
    <Space orientation="vertical" size="large" style={{ width: '100%' }}>
      <div>
        <Link to="/clients">← {t('Клиенты')}</Link>
        <Typography.Title level={2} style={{ marginTop: 8 }}>
          {c.name}
        </Typography.Title>
      </div>
      <Tabs
        items={[
          { key: 'contacts', label: t('Сотрудники и менеджер'), children: <ContactsTab client={c} admin={admin} /> },
          { key: 'notifications', label: t('Уведомления'), children: <NotificationsTab client={c} admin={admin} /> },
        ]}
      />
    </Space>
  );
}

function ContactsTab({ client, admin }: { client: Client; admin: boolean }) {
  const { t } = useI18n();
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const managers = useManagers();
  const setManager = useMutation({
    mutationFn: (managerId: string | null) => ok(api.PUT('/v1/counterparties/{id}', { params: { path: { id: client.id } }, body: { managerId } })),
    onSuccess: (saved) => {
      queryClient.setQueryData(['counterparty', client.id], saved);
      void queryClient.invalidateQueries({ queryKey: ['counterparties'] });
      void message.success(t('Ответственный менеджер изменён'));
    },
    onError: (err) => void message.error(err.message),
  });
  return (
    <Space orientation="vertical" size="large" style={{ width: '100%' }}>
      <Descriptions bordered size="small" column={1}>
        <Descriptions.Item label={t('Код клиента')}>{client.id}</Descriptions.Item>
        <Descriptions.Item label={t('Ответственный менеджер')}>
          {admin ? (
            <Select
              aria-label={t('Ответственный менеджер')}
              style={{ width: 300 }}
              value={client.managerId ?? ''}
              onChange={(v: string) => setManager.mutate(v || null)}
              options={[{ value: '', label: t('Не назначен') }, ...(managers.data ?? []).map((m) => ({ value: m.id, label: m.name }))]}
            />
          ) : (
            (managers.data?.find((m) => m.id === client.managerId)?.name ?? '—')
          )}
        </Descriptions.Item>
      </Descriptions>
      <Table<Contact>
        rowKey="id"
        pagination={false}
        dataSource={client.contacts}
        columns={[
          { title: t('Сотрудник'), dataIndex: 'name' },
          { title: 'E-mail', key: 'email', render: (_, x) => x.email ?? '—' },
          { title: t('Телефон'), key: 'phone', render: (_, x) => x.phone ?? '—' },
          {
            title: 'Telegram',
            key: 'telegram',
            render: (_, x) => (
              <Space>
                {x.telegram.subscribed ? <Tag color="green">{t('подписан')}</Tag> : <Tag>{t('не подписан')}</Tag>}
                {x.telegram.link && (
                  <>
                    <Typography.Link href={x.telegram.link} target="_blank" copyable={{ text: x.telegram.link }}>
                      {t('ссылка для подписки')}
                    </Typography.Link>
                    <Popover
                      trigger="click"
                      title={t('Отсканируйте телефоном, чтобы подписаться')}
                      content={
                        // Drawn by the API (the session cookie authenticates the image's GET).
                        <img
                          src={`/v1/counterparties/${encodeURIComponent(client.id)}/contacts/${x.id}/telegram-qr.png`}
                          width={180}
                          height={180}
                          alt={t('QR-код подписки {name}', { name: x.name })}
                        />
                      }
                    >
                      <Button size="small" aria-label={t('QR-код для {name}', { name: x.name })}>
                        QR
                      </Button>
                    </Popover>
                  </>
                )}
              </Space>
            ),
          },
        ]}
      />
    </Space>
  );
}

type Row = NonNullable<ReturnType<typeof useEventTypes>['data']>[number];

function NotificationsTab({ client, admin }: { client: Client; admin: boolean }) {
  const { t } = useI18n();
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const types = useEventTypes();
  const [send, setSend] = useState<Record<string, boolean>>({});
  useEffect(() => setSend(Object.fromEntries(Object.entries(client.overrides).map(([type, o]) => [type, o.send]))), [client.overrides]);
  const save = useMutation({
    mutationFn: () => {
      // PUT replaces the overrides it names: each goes back whole, with its own templates and attachments.
      const overrides: Overrides = {};
      for (const ty of types.data ?? []) {
        const current = client.overrides[ty.type];
        overrides[ty.type] = {
          send: send[ty.type] ?? current?.send ?? ty.defaultSendForNewClients,
          ...(current ? { templates: current.templates as NonNullable<Overrides[string]['templates']>, attachments: current.attachments } : {}),
        };
      }
      return ok(api.PUT('/v1/counterparties/{id}', { params: { path: { id: client.id } }, body: { overrides } }));
    },
    onSuccess: (saved) => {
      queryClient.setQueryData(['counterparty', client.id], saved);
      void message.success(t('Настройки уведомлений клиента сохранены'));
    },
    onError: (err) => void message.error(err.message),
  });
  const [editing, setEditing] = useState<Row | null>(null);
  return (
    <Space orientation="vertical" style={{ width: '100%' }}>
      <Typography.Paragraph type="secondary">
        {t('Для каждого уведомления: получает ли его этот клиент и есть ли у него свои шаблоны.')}
      </Typography.Paragraph>
      <Table<Row>
        rowKey="type"
        pagination={false}
        loading={types.isPending}
        dataSource={types.data ?? []}
        columns={[
          { title: t('Уведомление'), key: 'name', render: (_, ty) => ty.name },
          {
            title: t('Отправлять уведомление'),
            key: 'send',
            render: (_, ty) => (
              <Checkbox
                aria-label={t('Отправлять уведомление «{name}»', { name: ty.name })}
                disabled={!admin}
                checked={send[ty.type] ?? client.overrides[ty.type]?.send ?? ty.defaultSendForNewClients}
                onChange={(e) => setSend((s) => ({ ...s, [ty.type]: e.target.checked }))}
              />
            ),
          },
          {
            title: t('Свои шаблоны'),
            key: 'templates',
            render: (_, ty) => {
              const own = Object.keys(client.overrides[ty.type]?.templates ?? {});
              return (
                <Space wrap>
                  {own.length ? own.map((ch) => <Tag key={ch}>{t(CHANNEL_LABELS[ch] ?? ch)}</Tag>) : '—'}
                  {admin && (
                    <Button size="small" onClick={() => setEditing(ty)} aria-label={t('Свои шаблоны «{name}»', { name: ty.name })}>
                      {t('Изменить')}
                    </Button>
                  )}
                </Space>
              );
            },
          },
          { title: t('Отслеживается менеджером'), key: 'tracked', render: (_, ty) => (ty.trackedByManager ? t('да') : '—') },
        ]}
      />
      {admin && (
        <Button type="primary" onClick={() => save.mutate()} loading={save.isPending}>
          {t('Сохранить')}
        </Button>
      )}
      {editing && <OverrideTemplates client={client} type={editing} onClose={() => setEditing(null)} />}
    </Space>
  );
}

const OVERRIDE_CHANNELS = ['email', 'sms', 'telegram'] as const;
type OverrideChannel = (typeof OVERRIDE_CHANNELS)[number];
type OverrideForm = Record<OverrideChannel, { subject: string; text: string }>;

/**
 * The client's own texts of one notification (seed 002, «Уведомления»): per channel, a text
 * (and an e-mail subject) replacing the event type's; left empty, the type's template applies.
 * Saved with PATCH, so the other types' overrides and this one's «send» stay as they are.
 */
function OverrideTemplates({ client, type, onClose }: { client: Client; type: Row; onClose: () => void }) {
  const { t } = useI18n();
  const { can } = useSession();
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const [form] = Form.useForm<OverrideForm>();
  const sms = Form.useWatch(['sms', 'text'], form) ?? '';
  const own = (client.overrides[type.type]?.templates ?? {}) as Partial<Record<OverrideChannel, { subject?: string; text?: string }>>;
  // The type's own templates, shown as the placeholder of what applies when the field is empty.
  const eventType = useQuery({
    queryKey: ['event-type', type.type],
    queryFn: () => ok(api.GET('/v1/event-types/{type}', { params: { path: { type: type.type } } })),
    enabled: can('templates:read'),
  });
  const typeTemplate = (channel: OverrideChannel) => eventType.data?.templates.client[channel] ?? null;
  const save = useMutation({
    mutationFn: (values: OverrideForm) => {
      const templates: Partial<Record<OverrideChannel, { subject?: string; text?: string } | null>> = {};
      for (const channel of OVERRIDE_CHANNELS) {
        const text = values[channel].text.trim() ? values[channel].text : '';
        const subject = channel === 'email' && values.email.subject.trim() ? values.email.subject : '';
        if (!text && !subject) {
          if (own[channel]) templates[channel] = null;
          continue;
        }
        templates[channel] = { ...(text ? { text } : {}), ...(subject ? { subject } : {}) };
      }
      return ok(api.PATCH('/v1/counterparties/{id}', { params: { path: { id: client.id } }, body: { overrides: { [type.type]: { templates } } } }));
    },
    onSuccess: (saved) => {
      queryClient.setQueryData(['counterparty', client.id], saved);
      void message.success(t('Шаблоны клиента сохранены'));
      onClose();
    },
    onError: (err) => void message.error(err.message),
  });
  return (
    <Modal open title={t('Свои шаблоны клиента: {name}', { name: type.name })} onCancel={onClose} footer={null} width={720} destroyOnHidden>
      <Typography.Paragraph type="secondary">{t('Пустое поле — действует шаблон типа события.')}</Typography.Paragraph>
      <Form<OverrideForm>
        form={form}
        layout="vertical"
        initialValues={Object.fromEntries(OVERRIDE_CHANNELS.map((ch) => [ch, { subject: own[ch]?.subject ?? '', text: own[ch]?.text ?? '' }]))}
        onFinish={(values) => save.mutate(values)}
      >
        {OVERRIDE_CHANNELS.map((channel) => (
          <Card key={channel} size="small" title={t(CHANNEL_LABELS[channel] ?? channel)} style={{ marginBottom: 12 }}>
            {channel === 'email' && (
              <Form.Item name={['email', 'subject']} label={t('Тема письма')}>
                <Input placeholder={typeTemplate('email')?.subject ?? ''} />
              </Form.Item>
            )}
            <Form.Item name={[channel, 'text']} label={t('Текст: {channel}', { channel: t(CHANNEL_LABELS[channel] ?? channel) })} style={{ marginBottom: channel === 'sms' ? 4 : undefined }}>
              <Input.TextArea autoSize={{ minRows: 2, maxRows: 10 }} placeholder={typeTemplate(channel)?.text ?? ''} />
            </Form.Item>
            {channel === 'sms' && sms && <SmsCounter text={sms} />}
          </Card>
        ))}
        <Button type="primary" htmlType="submit" loading={save.isPending}>
          {t('Сохранить')}
        </Button>
      </Form>
    </Modal>
  );
}
