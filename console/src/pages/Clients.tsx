import { Link } from 'react-router-dom';
import { Table, Typography } from 'antd';
import { useI18n } from '../i18n';
import { useCounterparties, useManagers } from '../waiting';

type Client = NonNullable<ReturnType<typeof useCounterparties>['data']>[number];

export function Clients() {
  const { t } = useI18n();
  const clients = useCounterparties();
  const managers = useManagers();
  return (
    <section aria-labelledby="clients-title">
      <Typography.Title level={2} id="clients-title">
        {t('Клиенты')}
      </Typography.Title>
      <Table<Client>
        rowKey="id"
        loading={clients.isPending}
        dataSource={clients.data ?? []}
        pagination={{ pageSize: 50, hideOnSinglePage: true }}
        columns={[
          { title: t('Клиент'), key: 'name', render: (_, c) => <Link to={`/clients/${encodeURIComponent(c.id)}`}>{c.name}</Link> },
          { title: t('Код'), dataIndex: 'id' },
          { title: t('Ответственный менеджер'), key: 'manager', render: (_, c) => managers.data?.find((m) => m.id === c.managerId)?.name ?? '—' },
          { title: t('Контактов'), key: 'contacts', render: (_, c) => c.contacts.length },
          {
            title: t('Подписаны на Telegram'),
            key: 'telegram',
            render: (_, c) => `${c.contacts.filter((x) => x.telegram.subscribed).length} / ${c.contacts.length}`,
          },
        ]}
      />
    </section>
  );
}
