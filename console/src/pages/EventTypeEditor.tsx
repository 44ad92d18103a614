import { useEffect, useRef, useState } from 'react';
import { Link, useParams } from 'react-router-dom';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Alert, App, Button, Card, Checkbox, Col, Form, Input, InputNumber, Row, Select, Space, Switch, Table, Tabs, Tag, Typography } from 'antd';
import type { TextAreaRef } from 'antd/es/input/TextArea';
import { api, ApiError, ok } from '../api/client';
import type { paths } from '../api/schema';
import { useI18n } from '../i18n';
import { AUDIENCE_LABELS, CHANNEL_LABELS } from '../labels';
import { useSession } from '../session';
import { useDebounced } from '../components/useDebounced';
import { SmsCounter, SmsSegmentsHint } from '../components/SmsCounter';

type EventType = paths['/v1/event-types/{type}']['get']['responses'][200]['content']['application/json'];
type Audience = 'client' | 'manager';
type Channel = 'email' | 'sms' | 'telegram';
const CHANNELS: Channel[] = ['email', 'sms', 'telegram'];
const AUDIENCES: Audience[] = ['client', 'manager'];

/** Where in a template a problem is, from the API's error details. */
interface Problem {
  path?: string;
  message: string;
  line?: number;
  column?: number;
}

function problemsOf(err: unknown): Problem[] {
  if (!(err instanceof ApiError)) return [{ message: err instanceof Error ? err.message : String(err) }];
  if (err.details.length === 0) return [{ message: err.message }];
  return err.details.map((d) => ({
    ...(typeof d.path === 'string' ? { path: d.path } : {}),
    message: String(d.message ?? err.message),
    ...(typeof d.line === 'number' ? { line: d.line } : {}),
    ...(typeof d.column === 'number' ? { column: d.column } : {}),
  }));
}

/** Puts the caret at a 1-based line and column of a textarea, so the user lands on the error. */
function focusAt(area: HTMLTextAreaElement | null | undefined, line: number, column: number): void {
  if (!area) return;
  const lines = area.value.split('\n');
  let offset = 0;
  for (let i = 0; i < Math.min(line - 1, lines.length); i++) offset += (lines[i]?.length ?? 0) + 1;
  offset += Math.max(0, column - 1);
  area.focus();
  area.setSelectionRange(offset, offset);
}

function ProblemList({ problems, onGo }: { problems: Problem[]; onGo?: (p: Problem) => void }) {
  const { t } = useI18n();
  return (
    <Alert
      type="error"
      showIcon
      role="alert"
      title={t('Ошибка в шаблоне')}
      description={
        <ul style={{ margin: 0, paddingLeft: 18 }}>
          {problems.map((p, i) => (
            <li key={i}>
              {p.line !== undefined && (
                <strong>{t('Строка {line}, столбец {column}', { line: p.line, column: p.column ?? 0 })}: </strong>
              )}
              {p.message}
              {p.line !== undefined && onGo && (
                <Button type="link" size="small" onClick={() => onGo(p)}>
                  {t('Перейти к месту ошибки')}
                </Button>
              )}
            </li>
          ))}
        </ul>
      }
    />
  );
}

export function EventTypeEditor() {
  const { type = '' } = useParams();
  const { t } = useI18n();
  const { can } = useSession();
  const readOnly = !can('templates:write');
  const eventType = useQuery({ queryKey: ['event-type', type], queryFn: () => ok(api.GET('/v1/event-types/{type}', { params: { path: { type } } })) });
  if (eventType.isPending) return <Card loading />;
  if (eventType.isError) return <Alert type="error" showIcon title={eventType.error.message} />;
  const et = eventType.data;
  return (
    <Space orientation="vertical" size="large" style={{ width: '100%' }}>
      <div>
        <Link to="/event-types">← {t('Типы событий и шаблоны')}</Link>
        <Typography.Title level={2} style={{ marginTop: 8 }}>
          {et.name}
        </Typography.Title>
        <Typography.Text type="secondary">
          {et.type} · {et.description}
        </Typography.Text>
      </div>
      {readOnly && <Alert type="info" showIcon title={t('Только просмотр: для изменения шаблонов нужна роль «Шаблоны: редактирование».')} />}
      <SettingsCard et={et} readOnly={readOnly} />
      {et.subEvents.length > 0 && <SubEventsCard et={et} readOnly={readOnly} />}
      <Card title={t('Шаблоны сообщений')}>
        <Tabs
          items={AUDIENCES.flatMap((audience) =>
            CHANNELS.map((channel) => ({
              key: `${audience}-${channel}`,
              label: `${t(AUDIENCE_LABELS[audience] ?? audience)}: ${t(CHANNEL_LABELS[channel] ?? channel)}`,
              children: <TemplateEditor et={et} audience={audience} channel={channel} readOnly={readOnly} />,
            })),
          )}
        />
      </Card>
      <Card title={t('Переменные события и пример данных')}>
        <ul>
          {et.variables.map((v) => (
            <li key={v.name}>
              <code>{`{{ ${v.name} }}`}</code> — {v.description} ({t('пример')}: {JSON.stringify(v.example)})
            </li>
          ))}
          <li>
            <code>{'{{ recipient.name }}'}</code>, <code>{'{{ client.name }}'}</code>, <code>{'{{ manager.name }}'}</code>, <code>{'{{ company.name }}'}</code> —{' '}
            {t('получатель, клиент, ответственный менеджер и ваша компания')}
          </li>
          <li>
            <code>{'{{ legalEntity.name }}'}</code>, <code>{'{{ legalEntity.signature }}'}</code> —{' '}
            {t('юрлицо, от которого уходит письмо, и его подпись (без неё в шаблоне подпись добавляется в конец письма)')}
          </li>
          {et.subEvents.length > 0 && (
            <li>
              <code>{'{{ subEvent.name }}'}</code> — {t('шаг события (чек-листа)')}
            </li>
          )}
        </ul>
      </Card>
    </Space>
  );
}

const SETTINGS_FIELDS = [
  'active',
  'confirmBeforeSend',
  'confirmTimeoutSeconds',
  'sendToClient',
  'sendToManager',
  'trackedByManager',
  'defaultSendForNewClients',
  'emailDelivery',
  'channels',
  'managerChannels',
] as const;
type SettingsValues = Pick<EventType, (typeof SETTINGS_FIELDS)[number]>;

function SettingsCard({ et, readOnly }: { et: EventType; readOnly: boolean }) {
  const { t } = useI18n();
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const [form] = Form.useForm<SettingsValues>();
  const save = useMutation({
    mutationFn: (body: SettingsValues) => ok(api.PUT('/v1/event-types/{type}', { params: { path: { type: et.type } }, body })),
    onSuccess: (saved) => {
      queryClient.setQueryData(['event-type', et.type], saved);
      void queryClient.invalidateQueries({ queryKey: ['event-types'] });
      void message.success(t('Настройки события сохранены'));
    },
    onError: (err) => void message.error(err.message),
  });
  const initial = Object.fromEntries(SETTINGS_FIELDS.map((f) => [f, et[f]])) as SettingsValues;
  const channelOptions = CHANNELS.map((c) => ({ value: c, label: t(CHANNEL_LABELS[c] ?? c) }));
  const flag = (name: keyof SettingsValues, label: string) => (
    <Form.Item name={name} valuePropName="checked" style={{ marginBottom: 8 }}>
      <Checkbox disabled={readOnly}>{label}</Checkbox>
    </Form.Item>
  );
  return (
    <Card title={t('Основные настройки')}>
      <Form form={form} layout="vertical" initialValues={initial} onFinish={(v) => save.mutate(v)} disabled={readOnly}>
        <Row gutter={32}>
          <Col span={12}>
            <Form.Item name="active" valuePropName="checked" label={t('Уведомление включено')}>
              <Switch aria-label={t('Уведомление включено')} />
            </Form.Item>
            {flag('confirmBeforeSend', t('Запрос перед отправкой'))}
            {flag('sendToClient', t('Отправлять уведомление клиенту'))}
            {flag('sendToManager', t('Отправлять уведомление ответственному менеджеру'))}
            {flag('trackedByManager', t('Событие отслеживается менеджером'))}
            {flag('defaultSendForNewClients', t('Значение отправки уведомлений для новых клиентов'))}
          </Col>
          <Col span={12}>
            <Form.Item name="channels" label={t('Каналы клиенту (по порядку)')}>
              <Select mode="multiple" options={channelOptions} aria-label={t('Каналы клиенту (по порядку)')} />
            </Form.Item>
            <Form.Item name="managerChannels" label={t('Каналы менеджеру (по порядку)')}>
              <Select mode="multiple" options={channelOptions} aria-label={t('Каналы менеджеру (по порядку)')} />
            </Form.Item>
            <Form.Item name="emailDelivery" label={t('Отправка e-mail')}>
              <Select
                aria-label={t('Отправка e-mail')}
                options={[
                  { value: 'immediate', label: t('Сразу') },
                  { value: 'batched', label: t('По расписанию (пакетом)') },
                ]}
              />
            </Form.Item>
            <Form.Item name="confirmTimeoutSeconds" label={t('Ждать подтверждения, секунд')}>
              <InputNumber min={60} max={2_592_000} style={{ width: 200 }} aria-label={t('Ждать подтверждения, секунд')} />
            </Form.Item>
          </Col>
        </Row>
        {!readOnly && (
          <Button type="primary" htmlType="submit" loading={save.isPending}>
            {t('Сохранить настройки')}
          </Button>
        )}
      </Form>
    </Card>
  );
}

type SubEvent = EventType['subEvents'][number];

/** Seed 000: the checklist steps of the event, each with its own on/off switch. */
function SubEventsCard({ et, readOnly }: { et: EventType; readOnly: boolean }) {
  const { t } = useI18n();
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const toggle = useMutation({
    mutationFn: ({ code, active }: { code: string; active: boolean }) =>
      ok(api.PATCH('/v1/event-types/{type}', { params: { path: { type: et.type } }, body: { subEvents: { [code]: { active } } } })),
    onSuccess: (saved) => {
      queryClient.setQueryData(['event-type', et.type], saved);
      void message.success(t('Шаги события сохранены'));
    },
    onError: (err) => void message.error(err.message),
  });
  return (
    <Card title={t('Шаги события (чек-лист)')}>
      <Typography.Paragraph type="secondary">
        {t('Шаг приходит в переменной {variable}. Письмо уходит только по включённым шагам; по выключенному шагу в журнале будет запись «пропущено» с причиной.', {
          variable: et.subEventVariable ?? '',
        })}
      </Typography.Paragraph>
      <Table<SubEvent>
        rowKey="code"
        size="small"
        pagination={false}
        dataSource={et.subEvents}
        columns={[
          { title: t('Шаг'), dataIndex: 'name' },
          { title: t('Код'), dataIndex: 'code', render: (code: string) => <code>{code}</code> },
          {
            title: t('Шаблон'),
            render: (_, sub) =>
              sub.templates && Object.keys(sub.templates).length > 0 ? <Tag color="blue">{t('свой шаблон')}</Tag> : <Tag>{t('шаблон типа события')}</Tag>,
          },
          {
            title: t('Рассылка включена'),
            render: (_, sub) => (
              <Switch
                aria-label={`${t('Рассылка включена')}: ${sub.name}`}
                checked={sub.active}
                disabled={readOnly}
                loading={toggle.isPending && toggle.variables?.code === sub.code}
                onChange={(active) => toggle.mutate({ code: sub.code, active })}
              />
            ),
          },
        ]}
      />
    </Card>
  );
}

interface Draft {
  subject: string;
  html: string;
  text: string;
  fromName: string;
  legalEntityId: string | null;
  extraRecipients: string[];
  extraContactIds: number[];
}

/** Seed 000 "Наша компания" and "Адреса" of an e-mail template: who it is from and whom else it goes to. */
function EmailAddressing({ draft, setDraft, readOnly, label }: { draft: Draft; setDraft: (f: (d: Draft) => Draft) => void; readOnly: boolean; label: string }) {
  const { t } = useI18n();
  const { can } = useSession();
  const settings = useQuery({ queryKey: ['settings'], queryFn: () => ok(api.GET('/v1/settings')), enabled: can('settings:admin') });
  const clients = useQuery({
    queryKey: ['counterparties', 'all'],
    queryFn: () => ok(api.GET('/v1/counterparties', { params: { query: { limit: 500 } } })).then((p) => p.items),
    retry: false,
  });
  const entityOptions = [
    { value: '', label: t('Своя компания (по умолчанию)') },
    ...(settings.data?.legalEntities ?? []).map((e) => ({ value: e.id, label: `${e.name} <${e.fromAddress}>` })),
    // A stored choice stays visible when the list cannot be read.
    ...(draft.legalEntityId && !settings.data ? [{ value: draft.legalEntityId, label: draft.legalEntityId }] : []),
  ];
  const contactOptions = (clients.data ?? []).flatMap((c) =>
    c.contacts.filter((p) => p.email).map((p) => ({ value: p.id, label: `${c.name}: ${p.name} <${p.email}>` })),
  );
  return (
    <>
      <Form.Item label={t('Наша компания (юрлицо отправителя)')}>
        <Select
          aria-label={`${t('Наша компания (юрлицо отправителя)')} (${label})`}
          value={draft.legalEntityId ?? ''}
          options={entityOptions}
          disabled={readOnly}
          onChange={(value: string) => setDraft((d) => ({ ...d, legalEntityId: value || null }))}
        />
      </Form.Item>
      <Form.Item label={t('Адреса: сотрудники клиентов')} extra={t('Если выбраны сотрудники клиента, письмо по его событиям уходит только им.')}>
        <Select
          mode="multiple"
          aria-label={`${t('Адреса: сотрудники клиентов')} (${label})`}
          value={draft.extraContactIds}
          options={contactOptions.length > 0 ? contactOptions : draft.extraContactIds.map((id) => ({ value: id, label: `#${id}` }))}
          disabled={readOnly}
          optionFilterProp="label"
          onChange={(ids: number[]) => setDraft((d) => ({ ...d, extraContactIds: ids }))}
        />
      </Form.Item>
      <Form.Item label={t('Адреса: постоянные адреса')} extra={t('Приветствие для них — «Здравствуйте!», без имени.')}>
        <Select
          mode="tags"
          aria-label={`${t('Адреса: постоянные адреса')} (${label})`}
          value={draft.extraRecipients}
          disabled={readOnly}
          tokenSeparators={[',', ' ', ';']}
          onChange={(addresses: string[]) => setDraft((d) => ({ ...d, extraRecipients: addresses }))}
        />
      </Form.Item>
    </>
  );
}

function TemplateEditor({ et, audience, channel, readOnly }: { et: EventType; audience: Audience; channel: Channel; readOnly: boolean }) {
  const { t } = useI18n();
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const stored = et.templates[audience][channel];
  const [draft, setDraft] = useState<Draft>({
    subject: stored?.subject ?? '',
    html: stored?.html ?? '',
    text: stored?.text ?? '',
    fromName: stored?.fromName ?? '',
    legalEntityId: stored?.legalEntityId ?? null,
    extraRecipients: stored?.extraRecipients ?? [],
    extraContactIds: stored?.extraContactIds ?? [],
  });
  const [saveProblems, setSaveProblems] = useState<Problem[]>([]);
  const textRef = useRef<TextAreaRef>(null);
  const htmlRef = useRef<TextAreaRef>(null);
  const subjectRef = useRef<TextAreaRef>(null);
  const debounced = useDebounced(draft, 250);
  const template = channel === 'email' ? { subject: debounced.subject, html: debounced.html || null, text: debounced.text || null } : debounced.text;

  const preview = useQuery({
    queryKey: ['preview', et.type, channel, template],
    queryFn: () => ok(api.POST('/v1/templates/preview', { body: { channel, template, eventType: et.type } })),
    retry: false,
    placeholderData: (previous) => previous,
  });
  const previewProblems = preview.isError ? problemsOf(preview.error) : [];
  useEffect(() => setSaveProblems([]), [draft]);

  const save = useMutation({
    mutationFn: () => {
      const body =
        channel === 'email'
          ? {
              subject: draft.subject,
              html: draft.html || null,
              text: draft.text || null,
              fromName: draft.fromName || null,
              legalEntityId: draft.legalEntityId,
              extraRecipients: draft.extraRecipients,
              extraContactIds: draft.extraContactIds,
            }
          : { text: draft.text };
      // PATCH: the fields this editor does not show (attachments) stay as they are.
      return ok(api.PATCH('/v1/event-types/{type}', { params: { path: { type: et.type } }, body: { templates: { [audience]: { [channel]: body } } } }));
    },
    onSuccess: (saved) => {
      queryClient.setQueryData(['event-type', et.type], saved);
      void message.success(t('Шаблон сохранён'));
    },
    onError: (err) => setSaveProblems(problemsOf(err)),
  });

  const goTo = (p: Problem) => {
    const field = p.path?.split('/').pop();
    const ref = field === 'html' ? htmlRef : field === 'subject' ? subjectRef : textRef;
    focusAt(ref.current?.resizableTextArea?.textArea, p.line ?? 1, p.column ?? 1);
  };
  const set = (field: 'subject' | 'html' | 'text' | 'fromName') => (e: { target: { value: string } }) => setDraft((d) => ({ ...d, [field]: e.target.value }));
  const label = `${t(AUDIENCE_LABELS[audience] ?? audience)}: ${t(CHANNEL_LABELS[channel] ?? channel)}`;
  const previewText = preview.data?.text ?? '';

  return (
    <Row gutter={24}>
      <Col xs={24} lg={12}>
        <Form layout="vertical">
          {channel === 'email' && (
            <>
              <Form.Item label={t('Тема письма')}>
                <Input.TextArea ref={subjectRef} aria-label={`${t('Тема письма')} (${label})`} autoSize value={draft.subject} onChange={set('subject')} readOnly={readOnly} />
              </Form.Item>
              <Form.Item label={t('Имя отправителя')}>
                <Input aria-label={`${t('Имя отправителя')} (${label})`} value={draft.fromName} onChange={set('fromName')} readOnly={readOnly} />
              </Form.Item>
              <EmailAddressing draft={draft} setDraft={setDraft} readOnly={readOnly} label={label} />
              <Form.Item label={t('Тело письма (HTML)')}>
                <Input.TextArea ref={htmlRef} aria-label={`${t('Тело письма (HTML)')} (${label})`} autoSize={{ minRows: 4, maxRows: 20 }} value={draft.html} onChange={set('html')} readOnly={readOnly} style={{ fontFamily: 'monospace' }} />
              </Form.Item>
            </>
          )}
          <Form.Item label={channel === 'email' ? t('Тело письма (текст)') : t('Текст сообщения')}>
            <Input.TextArea
              ref={textRef}
              aria-label={`${t('Шаблон')} (${label})`}
              autoSize={{ minRows: 4, maxRows: 20 }}
              value={draft.text}
              onChange={set('text')}
              readOnly={readOnly}
              style={{ fontFamily: 'monospace' }}
            />
          </Form.Item>
        </Form>
        {saveProblems.length > 0 && <ProblemList problems={saveProblems} onGo={goTo} />}
        {!readOnly && (
          <Button type="primary" onClick={() => save.mutate()} loading={save.isPending} style={{ marginTop: 12 }}>
            {t('Сохранить шаблон')}
          </Button>
        )}
      </Col>
      <Col xs={24} lg={12}>
        <Card size="small" title={t('Предпросмотр с примером данных')} loading={preview.isPending && !preview.data}>
          {previewProblems.length > 0 ? (
            <ProblemList problems={previewProblems} onGo={readOnly ? undefined : goTo} />
          ) : (
            <>
              {preview.data?.subject !== undefined && (
                <Typography.Paragraph strong>
                  {t('Тема')}: {preview.data.subject}
                </Typography.Paragraph>
              )}
              <Typography.Paragraph style={{ whiteSpace: 'pre-wrap' }} data-testid="preview-text">
                {previewText}
              </Typography.Paragraph>
            </>
          )}
          {channel === 'sms' && !preview.isError && <SmsCounter text={previewText} cost={preview.data?.sms?.cost} warning={preview.data?.sms?.warning} />}
        </Card>
        {channel === 'sms' && (
          <div style={{ marginTop: 16 }}>
            <SmsSegmentsHint />
          </div>
        )}
      </Col>
    </Row>
  );
}
