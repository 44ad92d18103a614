import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { BrowserRouter } from 'react-router-dom';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { App as AntApp, ConfigProvider } from 'antd';
import ruRU from 'antd/locale/ru_RU';
import enUS from 'antd/locale/en_US';
import dayjs from 'dayjs';
import 'dayjs/locale/ru';
import { I18nProvider, useI18n } from './i18n';
import { SessionProvider } from './session';
import { App } from './App';

const queryClient = new QueryClient({
  defaultOptions: {
    queries: { retry: (count, err) => count < 2 && !(err instanceof Error && 'status' in err && Number(err.status) < 500), refetchOnWindowFocus: true },
  },
});

function Localized() {
  const { lang } = useI18n();
  dayjs.locale(lang === 'en' ? 'en' : 'ru');
  return (
    <ConfigProvider locale={lang === 'en' ? enUS : ruRU} theme={{ token: { colorPrimary: '#1f5fa8', borderRadius: 6 } }}>
      <AntApp>
        <SessionProvider>
          <App />
        </SessionProvider>
      </AntApp>
    </ConfigProvider>
  );
}

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <QueryClientProvider client={queryClient}>
      <BrowserRouter basename="/console">
        <I18nProvider>
          <Localized />
        </I18nProvider>
      </BrowserRouter>
    </QueryClientProvider>
  </StrictMode>,
);
