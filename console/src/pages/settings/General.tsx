import { useState } from 'react';
import { useMutation } from '@tanstack/react-query';
import { Alert, App, Button, Card, Descriptions, Form, Input, InputNumber, Modal, Popconfirm, Radio, Select, Space, Switch, Table, Tag, Typography } from 'antd';
import { api, ok } from '../../api/client';
import { useI18n } from '../../i18n';
import { CHANNEL_LABELS } from '../../labels';
import { useSaveSettings, useSettings, type Provider, type SettingsPatch } from './useSettings';

type Mode = 'off' | 'test' | 'live';
const MODE_LABELS: Record<Mode, string> = {
  off: 'Не использовать',
  test: 'Использовать в тестовом режиме',
  live: 'Использовать',
};
const MODE_HINTS: Record<Mode, string> = {
  off: 'сообщения клиентам и менеджерам отправляться не будут',
  test: 'вместо реальной отправки — только запись в журнал уведомлений с текстом сообщения',
  live: 'клиентам и менеджерам будут отправляться сообщения согласно настройкам',
};

export function GeneralSettings() {
  const { t } = useI18n();
  const { modal } = App.useApp();
  const settings = useSettings();
  const saveMode = useSaveSettings(t('Режим отправки изменён'));
  const save = useSaveSettings(t('Настройки сохранены'));
  if (!settings.data) return <Card loading />;
  const s = settings.data;
  const smsProviders = s.providers.filter((p) => p.kind === 'smpp' || p.kind === 'sms_ru');

  const changeMode = (mode: Mode) => {
    if (mode !== 'live') return saveMode.mutate({ mode });
    // Going live sends to real people: say so plainly and ask once more.
    modal.confirm({
      title: t('Включить реальную отправку?'),
      content: t(
        'После включения сообщения будут уходить настоящим клиентам и менеджерам: по e-mail, SMS и в Telegram, согласно настройкам событий. SMS расходуют баланс. Проверьте шаблоны и сервисы отправки перед включением.',
      ),
      okText: t('Включить отправку'),
      okButtonProps: { danger: true },
      cancelText: t('Отмена'),
      onOk: () => saveMode.mutateAsync({ mode: 'live' }),
    });
  };

  return (
    <Space orientation="vertical" size="large" style={{ width: '100%' }}>
      <Card title={t('Использовать отправку сообщений')}>
        {s.mode === 'live' ? (
          <Alert type="warning" showIcon title={t('Отправка включена: сообщения уходят реальным получателям.')} style={{ marginBottom: 16 }} />
        ) : (
          <Alert type="info" showIcon title={t('Сейчас сообщения не уходят получателям.')} style={{ marginBottom: 16 }} />
        )}
        <Radio.Group
          aria-label={t('Режим отправки')}
          value={s.mode}
          onChange={(e) => changeMode(e.target.value as Mode)}
          options={(Object.keys(MODE_LABELS) as Mode[]).map((m) => ({
            value: m,
            label: (
              <span>
                <strong>{t(MODE_LABELS[m])}</strong> — {t(MODE_HINTS[m])}
              </span>
            ),
          }))}
          style={{ display: 'flex', flexDirection: 'column', gap: 8 }}
        />
      </Card>
      <Card title={t('Каналы и отправитель')}>
        <Form
          layout="vertical"
          style={{ maxWidth: 560 }}
          initialValues={{
            primaryProviderId: s.sms.primaryProviderId ?? '',
            primaryChannel: s.primaryChannel ?? '',
            reserveChannel: s.reserveChannel ?? '',
            balanceThreshold: s.sms.balanceThreshold,
            from: s.email.from,
            fromName: s.email.fromName,
            adminEmail: s.adminEmail ?? '',
          }}
          onFinish={(v: { primaryProviderId: string; primaryChannel: string; reserveChannel: string; balanceThreshold: 'none' | 50 | 100 | 200; from: string; fromName: string; adminEmail: string }) =>
            save.mutate({
              sms: {
                primaryProviderId: v.primaryProviderId || null,
                balanceThreshold: v.balanceThreshold,
                // The threshold is meant in the unit shown; with another provider chosen, it is read in that provider's unit.
                ...(v.balanceThreshold !== 'none' && s.sms.balanceUnit && (v.primaryProviderId || null) === s.sms.primaryProviderId
                  ? { balanceThresholdUnit: s.sms.balanceUnit.code }
                  : {}),
              },
              primaryChannel: (v.primaryChannel || null) as SettingsPatch['primaryChannel'],
              reserveChannel: (v.reserveChannel || null) as SettingsPatch['reserveChannel'],
              email: { from: v.from, fromName: v.fromName },
              adminEmail: v.adminEmail.trim() || null,
            })
          }
        >
          <Form.Item label={t('Основной способ отправки сообщений')} extra={t('Для всех событий, которые отправляются в Telegram или по SMS.')} name="primaryChannel">
            <Select
              aria-label={t('Основной способ отправки сообщений')}
              options={[
                { value: '', label: t('Как указано в каждом событии') },
                { value: 'telegram', label: 'Telegram' },
                { value: 'sms', label: 'SMS' },
              ]}
            />
          </Form.Item>
          <Form.Item label={t('Сервис отправки SMS')} name="primaryProviderId">
            <Select
              aria-label={t('Сервис отправки SMS')}
              options={[{ value: '', label: t('Встроенный SMS-сервис') }, ...smsProviders.map((p) => ({ value: p.id, label: `${p.name} (${p.kind})` }))]}
            />
          </Form.Item>
          <Form.Item label={t('Резервный способ отправки сообщений')} extra={t('Куда идёт сообщение, если Telegram не смог его доставить.')} name="reserveChannel">
            <Select
              aria-label={t('Резервный способ отправки сообщений')}
              options={[
                { value: '', label: t('Нет') },
                { value: 'sms', label: 'SMS' },
                { value: 'email', label: 'E-mail' },
              ]}
            />
          </Form.Item>
          <Form.Item
            label={t('Уведомлять об окончании пакета с SMS')}
            name="balanceThreshold"
            extra={
              s.sms.balanceUnit
                ? s.sms.balanceUnit.unit === 'money'
                  ? t('Сервис считает баланс в деньгах ({unit}): порог в той же валюте.', { unit: s.sms.balanceUnit.label })
                  : t('Сервис считает баланс в сообщениях: порог — число SMS.')
                : t('SMS-сервис не настроен.')
            }
          >
            <Select
              aria-label={t('Уведомлять об окончании пакета с SMS')}
              options={[
                { value: 'none', label: t('Не уведомлять') },
                ...([50, 100, 200] as const).map((n) => ({ value: n, label: s.sms.balanceUnit ? `${n} ${s.sms.balanceUnit.unit === 'money' ? (s.sms.balanceUnit.label.split(' ')[0] ?? '') : 'SMS'}` : String(n) })),
              ]}
            />
          </Form.Item>
          <Form.Item label={t('Адрес отправителя e-mail')} name="from">
            <Input />
          </Form.Item>
          <Form.Item label={t('Имя отправителя e-mail')} name="fromName">
            <Input />
          </Form.Item>
          <Form.Item label={t('E-mail администратора (для предупреждений о балансе)')} name="adminEmail">
            <Input />
          </Form.Item>
          <Button type="primary" htmlType="submit" loading={save.isPending}>
            {t('Сохранить')}
          </Button>
        </Form>
      </Card>
    </Space>
  );
}

interface FieldDef {
  name: string;
  label: string;
  type: 'string' | 'integer' | 'boolean';
  required?: boolean;
  secret?: boolean;
}

/** The settings each kind of provider takes (the server checks them against its own schema). */
const KIND_FIELDS: Record<Provider['kind'], FieldDef[]> = {
  smpp: [
    { name: 'host', label: 'Сервер', type: 'string', required: true },
    { name: 'port', label: 'Порт', type: 'integer', required: true },
    { name: 'systemId', label: 'Логин (system_id)', type: 'string', required: true },
    { name: 'password', label: 'Пароль', type: 'string', secret: true },
    { name: 'sourceAddr', label: 'Имя отправителя', type: 'string', required: true },
    { name: 'balanceUrl', label: 'Адрес проверки баланса', type: 'string' },
  ],
  sms_ru: [
    { name: 'apiId', label: 'API-ключ (api_id)', type: 'string', secret: true },
    { name: 'from', label: 'Имя отправителя', type: 'string' },
    { name: 'baseUrl', label: 'Адрес API', type: 'string' },
  ],
  smtp: [
    { name: 'host', label: 'Сервер', type: 'string', required: true },
    { name: 'port', label: 'Порт', type: 'integer', required: true },
    { name: 'secure', label: 'Защищённое соединение (TLS)', type: 'boolean' },
    { name: 'requireTLS', label: 'Требовать STARTTLS', type: 'boolean' },
    { name: 'user', label: 'Логин', type: 'string' },
    { name: 'password', label: 'Пароль', type: 'string', secret: true },
  ],
  telegram: [
    { name: 'apiRoot', label: 'Адрес Bot API', type: 'string' },
    { name: 'botToken', label: 'Токен бота', type: 'string', secret: true },
  ],
};
const KIND_LABELS: Record<Provider['kind'], string> = { smpp: 'SMS по SMPP', sms_ru: 'SMS.ru', smtp: 'E-mail (SMTP)', telegram: 'Telegram' };

export function Providers() {
  const { t } = useI18n();
  const settings = useSettings();
  const save = useSaveSettings(t('Справочник сервисов сохранён'));
  const [editing, setEditing] = useState<{ provider: Provider | null; kind: Provider['kind'] } | null>(null);
  const [form] = Form.useForm();
  if (!settings.data) return <Card loading />;
  const providers = settings.data.providers;

  // One provider changes (PATCH by id); the others are not sent, so they and their secrets stay as they are.
  const replaceOne = (id: string, next: { kind: Provider['kind']; name: string; config: Record<string, string | number | boolean | null>; secrets?: Record<string, string> } | null) =>
    save.mutateAsync({ providers: { [id]: next } });

  const open = (provider: Provider | null, kind: Provider['kind'] = 'smpp') => {
    setEditing({ provider, kind: provider?.kind ?? kind });
    form.resetFields();
    form.setFieldsValue(provider ? { id: provider.id, name: provider.name, kind: provider.kind, ...provider.config } : { kind, id: '', name: '' });
  };
  const submit = async (values: Record<string, unknown>) => {
    const kind = (values.kind as Provider['kind']) ?? editing!.kind;
    const config: Record<string, string | number | boolean | null> = {};
    const previous = editing!.provider?.config ?? {};
    const secrets: Record<string, string> = {};
    for (const f of KIND_FIELDS[kind]) {
      const v = values[f.name];
      if (v === undefined || v === null || v === '') {
        // A setting cleared in the form is removed; a secret left empty is kept.
        if (!f.secret && f.name in previous) config[f.name] = null;
        continue;
      }
      if (f.secret) secrets[f.name] = String(v);
      else config[f.name] = f.type === 'integer' ? Number(v) : (v as string | boolean);
    }
    await replaceOne(editing!.provider?.id ?? String(values.id), { kind, name: String(values.name), config, ...(Object.keys(secrets).length ? { secrets } : {}) });
    setEditing(null);
  };
  const kind: Provider['kind'] = Form.useWatch('kind', form) ?? editing?.kind ?? 'smpp';

  return (
    <Card
      title={t('Сервисы отправки сообщений')}
      extra={
        <Button type="primary" onClick={() => open(null)}>
          {t('Добавить сервис')}
        </Button>
      }
    >
      <Table<Provider>
        rowKey="id"
        pagination={false}
        dataSource={providers}
        locale={{ emptyText: t('Сервисы не добавлены: используются встроенные.') }}
        columns={[
          { title: t('Название'), dataIndex: 'name' },
          { title: t('Код'), dataIndex: 'id' },
          { title: t('Вид'), key: 'kind', render: (_, p) => t(KIND_LABELS[p.kind]) },
          {
            title: t('Параметры'),
            key: 'config',
            render: (_, p) => (
              <Typography.Text type="secondary">
                {Object.entries(p.config)
                  .map(([k, v]) => `${k}: ${String(v)}`)
                  .join(', ')}
              </Typography.Text>
            ),
          },
          {
            title: t('Секреты'),
            key: 'secrets',
            render: (_, p) =>
              Object.entries(p.secrets).map(([k, v]) => (
                <Tag key={k} color={v.set ? 'green' : 'default'}>
                  {k}: {v.set ? t('задан') : t('не задан')}
                </Tag>
              )),
          },
          {
            title: '',
            key: 'actions',
            render: (_, p) => (
              <Space>
                <Button size="small" onClick={() => open(p)} aria-label={t('Изменить сервис {name}', { name: p.name })}>
                  {t('Изменить')}
                </Button>
                <Popconfirm title={t('Удалить сервис «{name}»?', { name: p.name })} okText={t('Удалить')} cancelText={t('Отмена')} onConfirm={() => replaceOne(p.id, null)}>
                  <Button size="small" danger aria-label={t('Удалить сервис {name}', { name: p.name })}>
                    {t('Удалить')}
                  </Button>
                </Popconfirm>
              </Space>
            ),
          },
        ]}
      />
      <Modal
        title={editing?.provider ? t('Сервис «{name}»', { name: editing.provider.name }) : t('Новый сервис отправки')}
        open={editing !== null}
        onCancel={() => setEditing(null)}
        onOk={() => form.submit()}
        okText={t('Сохранить')}
        cancelText={t('Отмена')}
        confirmLoading={save.isPending}
        forceRender
      >
        <Form form={form} layout="vertical" onFinish={submit}>
          <Form.Item label={t('Вид')} name="kind">
            <Select aria-label={t('Вид')} disabled={Boolean(editing?.provider)} options={(Object.keys(KIND_LABELS) as Provider['kind'][]).map((k) => ({ value: k, label: t(KIND_LABELS[k]) }))} />
          </Form.Item>
          <Form.Item label={t('Код (латиница, цифры, - и _)')} name="id" rules={[{ required: true, pattern: /^[a-z0-9][a-z0-9_-]*$/, message: t('Латинские строчные буквы, цифры, - и _') }]}>
            <Input disabled={Boolean(editing?.provider)} />
          </Form.Item>
          <Form.Item label={t('Название')} name="name" rules={[{ required: true, message: t('Введите название') }]}>
            <Input />
          </Form.Item>
          {KIND_FIELDS[kind].map((f) =>
            f.type === 'boolean' ? (
              <Form.Item key={f.name} label={t(f.label)} name={f.name} valuePropName="checked">
                <Switch aria-label={t(f.label)} />
              </Form.Item>
            ) : (
              <Form.Item
                key={f.name}
                label={t(f.label)}
                name={f.name}
                rules={f.required ? [{ required: true, message: t('Обязательное поле') }] : []}
                extra={f.secret && editing?.provider?.secrets[f.name]?.set ? t('Задан; оставьте пустым, чтобы не менять.') : undefined}
              >
                {f.secret ? <Input.Password autoComplete="new-password" /> : f.type === 'integer' ? <InputNumber style={{ width: '100%' }} /> : <Input />}
              </Form.Item>
            ),
          )}
        </Form>
      </Modal>
    </Card>
  );
}

type TestAnswer = {
  ok: boolean;
  channel: string;
  provider?: string;
  providerMessageId?: string;
  response?: string;
  sms?: { encoding: 'GSM-7' | 'UCS-2'; segments: number; length: number };
  error?: string;
  errorType?: string;
  note?: string;
};

export function BalanceAndTest() {
  const { t } = useI18n();
  const settings = useSettings();
  const balance = useMutation({ mutationFn: () => ok(api.GET('/v1/messaging/sms/balance')) });
  const test = useMutation({ mutationFn: (body: { channel: 'email' | 'sms' | 'telegram'; to: string; text?: string }) => ok(api.POST('/v1/messaging/test', { body })) });
  const threshold = settings.data?.sms.balanceThreshold;
  const unit = settings.data?.sms.balanceUnit;
  const answer = test.data as TestAnswer | undefined;
  return (
    <Space orientation="vertical" size="large" style={{ width: '100%' }}>
      <Card title={t('Баланс SMS')}>
        <Space orientation="vertical">
          <Button onClick={() => balance.mutate()} loading={balance.isPending}>
            {t('Проверить баланс')}
          </Button>
          {balance.data && (
            <Descriptions size="small" bordered column={1} data-testid="balance">
              <Descriptions.Item label={t('Сервис')}>{balance.data.provider ?? '—'}</Descriptions.Item>
              <Descriptions.Item label={t('Баланс')}>
                {balance.data.ok ? (balance.data.formatted ?? `${balance.data.amount ?? '—'} ${balance.data.currency ?? ''}`) : <Typography.Text type="danger">{balance.data.error}</Typography.Text>}
              </Descriptions.Item>
              {balance.data.ok && (
                <Descriptions.Item label={t('Единица баланса')}>
                  {balance.data.unit === 'money' ? t('деньги, {unit}', { unit: balance.data.unitLabel ?? balance.data.currency ?? '' }) : t('сообщения (SMS)')}
                </Descriptions.Item>
              )}
              <Descriptions.Item label={t('Порог предупреждения')}>
                {threshold === 'none' || threshold === undefined ? t('Не уведомлять') : `${threshold} ${unit ? (unit.unit === 'money' ? (unit.label.split(' ')[0] ?? '') : 'SMS') : ''}`.trim()}
              </Descriptions.Item>
            </Descriptions>
          )}
          {balance.isError && <Alert type="error" showIcon title={balance.error.message} />}
        </Space>
      </Card>
      <Card title={t('Тестовое сообщение')}>
        <Typography.Paragraph type="secondary">{t('Тестовое сообщение уходит сразу, в любом режиме; SMS уменьшит баланс.')}</Typography.Paragraph>
        <Form
          layout="inline"
          initialValues={{ channel: 'sms', to: '', text: '' }}
          onFinish={(v: { channel: 'email' | 'sms' | 'telegram'; to: string; text: string }) => test.mutate({ channel: v.channel, to: v.to.trim(), ...(v.text.trim() ? { text: v.text.trim() } : {}) })}
        >
          <Form.Item name="channel" label={t('Канал')}>
            <Select aria-label={t('Канал тестового сообщения')} style={{ width: 130 }} options={Object.entries(CHANNEL_LABELS).map(([value, label]) => ({ value, label }))} />
          </Form.Item>
          <Form.Item name="to" label={t('Получатель')} rules={[{ required: true, message: t('Укажите получателя') }]}>
            <Input aria-label={t('Получатель тестового сообщения')} placeholder="+79161234567" style={{ width: 220 }} />
          </Form.Item>
          <Form.Item name="text" label={t('Текст')}>
            <Input aria-label={t('Текст тестового сообщения')} style={{ width: 320 }} />
          </Form.Item>
          <Button type="primary" htmlType="submit" loading={test.isPending}>
            {t('Отправить тестовое сообщение')}
          </Button>
        </Form>
        {test.isError && <Alert style={{ marginTop: 16 }} type="error" showIcon title={test.error.message} />}
        {answer && (
          <Descriptions style={{ marginTop: 16 }} size="small" bordered column={1} data-testid="test-answer" title={t('Ответ сервиса')}>
            <Descriptions.Item label={t('Результат')}>{answer.ok ? <Tag color="green">{t('Принято сервисом')}</Tag> : <Tag color="red">{t('Ошибка')}</Tag>}</Descriptions.Item>
            {answer.provider && <Descriptions.Item label={t('Сервис')}>{answer.provider}</Descriptions.Item>}
            {answer.providerMessageId && <Descriptions.Item label={t('Номер сообщения у сервиса')}>{answer.providerMessageId}</Descriptions.Item>}
            {answer.sms && (
              <Descriptions.Item label={t('Кодировка и стоимость')}>
                {t('{encoding}, {length} символов, {segments} SMS', { encoding: answer.sms.encoding, length: answer.sms.length, segments: answer.sms.segments })}
              </Descriptions.Item>
            )}
            {answer.response && <Descriptions.Item label={t('Ответ')}>{answer.response}</Descriptions.Item>}
            {answer.error && <Descriptions.Item label={t('Ошибка')}>{answer.error}</Descriptions.Item>}
            {answer.note && <Descriptions.Item label={t('Примечание')}>{answer.note}</Descriptions.Item>}
          </Descriptions>
        )}
      </Card>
    </Space>
  );
}

export function TelegramSettings() {
  const { t } = useI18n();
  const settings = useSettings();
  const save = useSaveSettings(t('Настройки Telegram сохранены'));
  if (!settings.data) return <Card loading />;
  const tg = settings.data.telegram;
  return (
    <Card title={t('Telegram-бот')}>
      <Form
        layout="vertical"
        style={{ maxWidth: 560 }}
        initialValues={{ botToken: '', botUsername: tg.botUsername ?? '', chatWithClient: tg.chatWithClient, autoReply: tg.autoReply, webhookUrl: tg.webhookUrl ?? '' }}
        onFinish={(v: { botToken: string; botUsername: string; chatWithClient: boolean; autoReply: string; webhookUrl: string }) =>
          save.mutate({
            telegram: {
              ...(v.botToken.trim() ? { botToken: v.botToken.trim() } : {}),
              ...(v.botUsername.trim() ? { botUsername: v.botUsername.trim() } : {}),
              chatWithClient: v.chatWithClient,
              autoReply: v.autoReply,
              webhookUrl: v.webhookUrl.trim() || null,
            },
          })
        }
      >
        <Form.Item label={t('Токен бота')} name="botToken" extra={tg.botToken.set ? t('Токен задан; оставьте пустым, чтобы не менять.') : t('Токен не задан.')}>
          <Input.Password autoComplete="new-password" />
        </Form.Item>
        <Form.Item label={t('Имя бота')} name="botUsername">
          <Input prefix="@" />
        </Form.Item>
        <Form.Item label={t('Использовать чат с клиентом')} name="chatWithClient" valuePropName="checked">
          <Switch aria-label={t('Использовать чат с клиентом')} />
        </Form.Item>
        <Form.Item label={t('Текст автоответа при отключенном чате')} name="autoReply">
          <Input.TextArea autoSize={{ minRows: 2 }} />
        </Form.Item>
        <Form.Item label={t('Публичный адрес сервиса для webhook (пусто — опрос сервером)')} name="webhookUrl">
          <Input placeholder="https://notify.example.ru" />
        </Form.Item>
        <Button type="primary" htmlType="submit" loading={save.isPending}>
          {t('Сохранить')}
        </Button>
      </Form>
    </Card>
  );
}
