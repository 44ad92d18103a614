import { Link } from 'react-router-dom';
import { Table, Tag, Typography } from 'antd';
import { useI18n } from '../i18n';
import { CHANNEL_LABELS } from '../labels';
import { useEventTypes } from '../waiting';

type EventType = NonNullable<ReturnType<typeof useEventTypes>['data']>[number];

export function EventTypes() {
  const { t } = useI18n();
  const types = useEventTypes();
  const yes = (v: boolean) => (v ? t('да') : '—');
  return (
    <section aria-labelledby="types-title">
      <Typography.Title level={2} id="types-title">
        {t('Типы событий и шаблоны')}
      </Typography.Title>
      <Typography.Paragraph type="secondary">
        {t('Для каждого события — когда и кому отправлять уведомление и шаблоны сообщений для клиента и менеджера.')}
      </Typography.Paragraph>
      <Table<EventType>
        rowKey="type"
        size="middle"
        loading={types.isPending}
        dataSource={types.data ?? []}
        pagination={false}
        columns={[
          {
            title: t('Событие'),
            key: 'name',
            render: (_, ty) => (
              <Link to={`/event-types/${encodeURIComponent(ty.type)}`}>
                {ty.name}
              </Link>
            ),
          },
          { title: t('Когда'), key: 'description', render: (_, ty) => <Typography.Text type="secondary">{ty.description}</Typography.Text> },
          { title: t('Включено'), key: 'active', render: (_, ty) => (ty.active ? <Tag color="green">{t('Включено')}</Tag> : <Tag>{t('Выключено')}</Tag>) },
          { title: t('Каналы'), key: 'channels', render: (_, ty) => ty.channels.map((c) => t(CHANNEL_LABELS[c] ?? c)).join(' → ') },
          { title: t('Запрос перед отправкой'), key: 'confirm', render: (_, ty) => yes(ty.confirmBeforeSend) },
          { title: t('Отслеживается менеджером'), key: 'tracked', render: (_, ty) => yes(ty.trackedByManager) },
        ]}
      />
    </section>
  );
}
