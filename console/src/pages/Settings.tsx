import { Typography, Tabs } from 'antd';
import { useI18n } from '../i18n';
import { GeneralSettings, Providers, BalanceAndTest, TelegramSettings } from './settings/General';
import { Users, ApiKeys } from './settings/People';
import { Schedules } from './settings/Schedules';
import { LegalEntities } from './settings/LegalEntities';

/** The company's settings (seed 002's groups), for administrators only. */
export function Settings() {
  const { t } = useI18n();
  return (
    <section aria-labelledby="settings-title">
      <Typography.Title level={2} id="settings-title">
        {t('Настройки')}
      </Typography.Title>
      <Tabs
        items={[
          { key: 'general', label: t('Основные настройки'), children: <GeneralSettings /> },
          { key: 'legal-entities', label: t('Наша компания'), children: <LegalEntities /> },
          { key: 'providers', label: t('Сервисы отправки сообщений'), children: <Providers /> },
          { key: 'balance', label: t('Баланс и тестовое сообщение'), children: <BalanceAndTest /> },
          { key: 'telegram', label: t('Telegram-бот'), children: <TelegramSettings /> },
          { key: 'users', label: t('Пользователи'), children: <Users /> },
          { key: 'keys', label: t('API-ключи'), children: <ApiKeys /> },
          { key: 'schedules', label: t('Расписания'), children: <Schedules /> },
        ]}
      />
    </section>
  );
}
