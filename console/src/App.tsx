import { Navigate, Route, Routes } from 'react-router-dom';
import { Spin } from 'antd';
import { useSession } from './session';
import { SignIn } from './pages/SignIn';
import { Shell } from './Shell';
import { Journal } from './pages/Journal';
import { EventPage } from './pages/EventPage';
import { Queues } from './pages/Queues';
import { EventTypes } from './pages/EventTypes';
import { EventTypeEditor } from './pages/EventTypeEditor';
import { Settings } from './pages/Settings';
import { Clients } from './pages/Clients';
import { ClientCard } from './pages/ClientCard';

/** The first page a user may see, by their roles. */
function home(can: (role: string) => boolean): string {
  if (can('journal:read')) return '/journal';
  if (can('templates:read')) return '/event-types';
  if (can('settings:admin')) return '/settings';
  return '/nothing';
}

export function App() {
  const { user, loading, can } = useSession();
  if (loading) return <Spin fullscreen />;
  if (!user) return <SignIn />;
  return (
    <Shell>
      <Routes>
        <Route path="/" element={<Navigate to={home(can)} replace />} />
        <Route path="/signin" element={<Navigate to={home(can)} replace />} />
        {can('journal:read') && <Route path="/journal" element={<Journal />} />}
        {can('journal:read') && <Route path="/events/:id" element={<EventPage />} />}
        {can('journal:read') && <Route path="/queues" element={<Queues />} />}
        {can('journal:read') && <Route path="/clients" element={<Clients />} />}
        {can('journal:read') && <Route path="/clients/:id" element={<ClientCard />} />}
        {can('templates:read') && <Route path="/event-types" element={<EventTypes />} />}
        {can('templates:read') && <Route path="/event-types/:type" element={<EventTypeEditor />} />}
        {can('settings:admin') && <Route path="/settings" element={<Settings />} />}
        <Route path="*" element={<NoAccess />} />
      </Routes>
    </Shell>
  );
}

function NoAccess() {
  return <NoAccessText />;
}

import { Result } from 'antd';
import { useI18n } from './i18n';
function NoAccessText() {
  const { t } = useI18n();
  return <Result status="403" title={t('Нет доступа')} subTitle={t('Эта страница не существует или недоступна с вашими правами.')} />;
}
