import { useMemo, useState } from 'react';
import { Link, useNavigate } from 'react-router-dom';
import { useQuery } from '@tanstack/react-query';
import { Button, DatePicker, Select, Space, Table, Tag, Tooltip, Typography } from 'antd';
import type { Dayjs } from 'dayjs';
import { api, ok } from '../api/client';
import type { paths } from '../api/schema';
import { useI18n } from '../i18n';
import { formatDateTime, timeZone } from '../format';
import { CHANNEL_LABELS, MESSAGE_STATUS_COLORS, MESSAGE_STATUS_LABELS } from '../labels';
import { POLL_MS, useCounterparties, useEventTypes, type Message } from '../waiting';

type Query = paths['/v1/messages']['get']['parameters']['query'];
const PAGE_SIZE = 20;

export function Journal() {
  const { t, lang } = useI18n();
  const navigate = useNavigate();
  const clients = useCounterparties();
  const types = useEventTypes();
  const [filters, setFilters] = useState<{ counterpartyId?: string; eventType?: string; channel?: 'email' | 'sms' | 'telegram'; status?: Message['status'] }>({});
  const [period, setPeriod] = useState<[Dayjs | null, Dayjs | null] | null>(null);
  // Cursor paging: the cursors of the pages before this one, newest page first.
  const [cursors, setCursors] = useState<(number | undefined)[]>([undefined]);
  const cursor = cursors[cursors.length - 1];

  const query: Query = {
    ...filters,
    ...(period?.[0] ? { from: period[0].startOf('day').toISOString() } : {}),
    ...(period?.[1] ? { to: period[1].endOf('day').toISOString() } : {}),
    ...(cursor !== undefined ? { cursor } : {}),
    limit: PAGE_SIZE,
  };
  const messages = useQuery({
    queryKey: ['messages', query],
    queryFn: () => ok(api.GET('/v1/messages', { params: { query } })),
    // The journal follows running events by itself.
    refetchInterval: POLL_MS,
    placeholderData: (previous) => previous,
  });

  const clientName = useMemo(() => new Map((clients.data ?? []).map((c) => [c.id, c.name])), [clients.data]);
  const typeName = useMemo(() => new Map((types.data ?? []).map((ty) => [ty.type, ty.name])), [types.data]);
  const change = (next: Partial<typeof filters>) => {
    setFilters((f) => ({ ...f, ...next }));
    setCursors([undefined]);
  };

  return (
    <section aria-labelledby="journal-title">
      <Typography.Title level={2} id="journal-title">
        {t('Журнал уведомлений')}
      </Typography.Title>
      <Space wrap style={{ marginBottom: 16 }}>
        <Select
          aria-label={t('Клиент')}
          placeholder={t('Клиент')}
          allowClear
          showSearch={{ optionFilterProp: 'label' }}
          style={{ width: 220 }}
          value={filters.counterpartyId}
          onChange={(v?: string) => change({ counterpartyId: v })}
          options={(clients.data ?? []).map((c) => ({ value: c.id, label: c.name }))}
        />
        <Select
          aria-label={t('Тип события')}
          placeholder={t('Тип события')}
          allowClear
          showSearch={{ optionFilterProp: 'label' }}
          style={{ width: 260 }}
          value={filters.eventType}
          onChange={(v?: string) => change({ eventType: v })}
          options={(types.data ?? []).map((ty) => ({ value: ty.type, label: ty.name }))}
        />
        <Select
          aria-label={t('Канал')}
          placeholder={t('Канал')}
          allowClear
          style={{ width: 140 }}
          value={filters.channel}
          onChange={(v?: 'email' | 'sms' | 'telegram') => change({ channel: v })}
          options={Object.entries(CHANNEL_LABELS).map(([value, label]) => ({ value, label: t(label) }))}
        />
        <Select
          aria-label={t('Статус')}
          placeholder={t('Статус')}
          allowClear
          style={{ width: 260 }}
          value={filters.status}
          onChange={(v?: Message['status']) => change({ status: v })}
          options={Object.entries(MESSAGE_STATUS_LABELS).map(([value, label]) => ({ value, label: t(label) }))}
        />
        <DatePicker.RangePicker
          aria-label={t('Период')}
          value={period}
          onChange={(v) => {
            setPeriod(v);
            setCursors([undefined]);
          }}
        />
      </Space>
      <Table<Message>
        rowKey="id"
        size="middle"
        loading={messages.isPending}
        dataSource={messages.data?.items ?? []}
        pagination={false}
        onRow={(m) => ({ onDoubleClick: () => navigate(`/events/${encodeURIComponent(m.eventId)}`) })}
        columns={[
          {
            title: t('Время ({zone})', { zone: timeZone }),
            key: 'createdAt',
            render: (_, m) => formatDateTime(m.createdAt, lang),
            width: 170,
          },
          { title: t('Клиент'), key: 'client', render: (_, m) => clientName.get(m.counterpartyId) ?? m.counterpartyId },
          { title: t('Событие'), key: 'type', render: (_, m) => typeName.get(m.eventType) ?? m.eventType },
          {
            title: t('Получатель'),
            key: 'recipient',
            render: (_, m) => (
              <span>
                {m.recipientName ?? '—'}
                {m.recipient && <Typography.Text type="secondary"> {m.recipient}</Typography.Text>}
              </span>
            ),
          },
          { title: t('Канал'), key: 'channel', render: (_, m) => (m.channel ? t(CHANNEL_LABELS[m.channel] ?? m.channel) : '—'), width: 100 },
          {
            title: t('Статус'),
            key: 'status',
            render: (_, m) => <Tag color={MESSAGE_STATUS_COLORS[m.status]}>{lang === 'ru' ? m.statusLabel : t(MESSAGE_STATUS_LABELS[m.status] ?? m.status)}</Tag>,
          },
          {
            title: t('Почему'),
            key: 'reason',
            render: (_, m) => (
              <Tooltip title={m.story}>
                <span>{m.reason ?? (m.legs.length > 1 ? m.story : '')}</span>
              </Tooltip>
            ),
          },
          {
            title: '',
            key: 'open',
            render: (_, m) => (
              <Link to={`/events/${encodeURIComponent(m.eventId)}`} aria-label={t('Открыть событие {id}', { id: m.eventId })}>
                {t('Открыть')}
              </Link>
            ),
            width: 90,
          },
        ]}
      />
      <Space style={{ marginTop: 16 }}>
        <Button disabled={cursors.length <= 1} onClick={() => setCursors((c) => c.slice(0, -1))}>
          {t('Новее')}
        </Button>
        <Button disabled={!messages.data?.next} onClick={() => setCursors((c) => [...c, messages.data?.next ?? undefined])}>
          {t('Старее')}
        </Button>
        <Typography.Text type="secondary">{t('Страница {n}', { n: cursors.length })}</Typography.Text>
      </Space>
    </section>
  );
}
