import type { ReactElement, ReactNode } from 'react';
import { Link, useLocation } from 'react-router-dom';
import { Badge, Button, Layout, Menu, Segmented, Space, Tooltip, Typography } from 'antd';
import { useI18n, type Lang } from './i18n';
import { useSession, useUser } from './session';
import { useQueueCounts } from './waiting';

/** The count of work waiting for people: events to approve and tracked entries to act on (the user's clients when they are a manager). */
export function useWaitingCount(): number | undefined {
  const { can } = useSession();
  const user = useUser();
  const counts = useQueueCounts(Boolean(user.managerId), can('journal:read'));
  if (!counts.data) return undefined;
  return counts.data.confirmations + counts.data.tracked;
}

export function Shell({ children }: { children: ReactNode }) {
  const { t, lang, setLang } = useI18n();
  const { can, signOut } = useSession();
  const user = useUser();
  const location = useLocation();
  const waiting = useWaitingCount();
  const section = '/' + (location.pathname.split('/')[1] ?? '');
  const selected = section === '/events' ? '/journal' : section === '/clients' ? '/clients' : section;

  const items = [
    can('journal:read') && { key: '/journal', label: <Link to="/journal">{t('Журнал уведомлений')}</Link> },
    can('journal:read') && {
      key: '/queues',
      label: (
        <Link to="/queues">
          {t('Ждут действия')} <Badge count={waiting ?? 0} showZero={false} size="small" offset={[4, -2]} />
        </Link>
      ),
    },
    can('templates:read') && { key: '/event-types', label: <Link to="/event-types">{t('Типы событий и шаблоны')}</Link> },
    can('journal:read') && { key: '/clients', label: <Link to="/clients">{t('Клиенты')}</Link> },
    can('settings:admin') && { key: '/settings', label: <Link to="/settings">{t('Настройки')}</Link> },
  ].filter((item): item is { key: string; label: ReactElement } => Boolean(item));

  return (
    <Layout style={{ minHeight: '100vh' }}>
      <Layout.Sider width={250} theme="light" breakpoint="lg" collapsedWidth={0} style={{ borderRight: '1px solid #f0f0f0' }}>
        <div style={{ padding: '16px 20px' }}>
          <Typography.Title level={4} style={{ margin: 0 }}>
            {t('Уведомления')}
          </Typography.Title>
          <Typography.Text type="secondary">{t('Консоль оператора')}</Typography.Text>
        </div>
        <nav aria-label={t('Разделы')}>
          <Menu mode="inline" selectedKeys={[selected]} items={items} style={{ borderInlineEnd: 0 }} />
        </nav>
      </Layout.Sider>
      <Layout>
        <Layout.Header style={{ background: '#fff', padding: '0 24px', display: 'flex', alignItems: 'center', justifyContent: 'space-between', borderBottom: '1px solid #f0f0f0' }}>
          <div>
            {waiting !== undefined && (
              <Tooltip title={t('События на подтверждении и записи, отслеживаемые менеджером')}>
                <Link to="/queues" aria-label={t('Ждут действия: {n}', { n: waiting })} data-testid="waiting-count">
                  <Badge status={waiting > 0 ? 'warning' : 'success'} />
                  {t('Ждут действия: {n}', { n: waiting })}
                </Link>
              </Tooltip>
            )}
          </div>
          <Space size="middle">
            <Typography.Text>
              {user.name} <Typography.Text type="secondary">({user.login})</Typography.Text>
            </Typography.Text>
            <Segmented<Lang>
              aria-label={t('Язык')}
              size="small"
              value={lang}
              onChange={setLang}
              options={[
                { label: 'RU', value: 'ru' },
                { label: 'EN', value: 'en' },
              ]}
            />
            <Button onClick={() => void signOut()}>{t('Выйти')}</Button>
          </Space>
        </Layout.Header>
        <Layout.Content style={{ padding: 24 }}>
          <main>{children}</main>
        </Layout.Content>
      </Layout>
    </Layout>
  );
}
