/** Words for the API's codes. Russian here; the English dictionary translates them like any text. */
export const CHANNEL_LABELS: Record<string, string> = { email: 'E-mail', sms: 'SMS', telegram: 'Telegram' };
export const AUDIENCE_LABELS: Record<string, string> = { client: 'Клиенту', manager: 'Менеджеру' };

/** What became of a message (GET /v1/messages). */
export const MESSAGE_STATUS_LABELS: Record<string, string> = {
  delivered: 'Доставлено',
  undelivered: 'Не доставлено',
  sent: 'Отправлено',
  queued: 'В очереди',
  test: 'Тестовый режим',
  failed: 'Ошибка',
  skipped: 'Пропущено',
  not_sent_tracked: 'Не отправлено, отслеживается менеджером',
  sent_manually: 'Отправлено вручную',
  resolved: 'Решено',
  cancelled: 'Отменено',
  in_progress: 'В работе',
};
export const MESSAGE_STATUS_COLORS: Record<string, string> = {
  delivered: 'green',
  sent: 'blue',
  sent_manually: 'green',
  queued: 'gold',
  test: 'purple',
  failed: 'red',
  undelivered: 'red',
  skipped: 'default',
  not_sent_tracked: 'orange',
  resolved: 'cyan',
  cancelled: 'default',
  in_progress: 'processing',
};

/** The steps of the journal (an event's timeline). */
export const STEP_LABELS: Record<string, string> = {
  received: 'Событие получено',
  recipients_resolved: 'Получатели определены',
  awaiting_confirmation: 'Ожидает подтверждения',
  approved: 'Подтверждено',
  rejected: 'Отклонено',
  expired: 'Срок подтверждения истёк',
  rendered: 'Текст сформирован',
  queued: 'Поставлено в очередь',
  sent: 'Отправлено',
  delivered: 'Доставлено',
  undelivered: 'Не доставлено',
  attempt_failed: 'Попытка не удалась',
  failed: 'Ошибка отправки',
  fallback: 'Переход на резервный канал',
  skipped: 'Пропущено',
  not_sent_tracked: 'Не отправлено, отслеживается менеджером',
  status_changed: 'Статус изменён',
  test: 'Тестовый режим: не отправлено',
  completed: 'Обработка завершена',
  aborted: 'Выполнение остановлено',
  inbound: 'Сообщение клиента',
  sent_manually: 'Отправлено вручную',
  resolved: 'Решено',
  cancelled: 'Отменено',
};

export const EVENT_STATE_LABELS: Record<string, string> = {
  running: 'Выполняется',
  awaiting_confirmation: 'Ожидает подтверждения',
  completed: 'Завершено',
  partial: 'Завершено частично',
  failed: 'Ошибка',
  skipped: 'Пропущено',
  rejected: 'Отклонено',
  expired: 'Истёк срок подтверждения',
  not_started: 'Не запущено',
  unknown: 'Неизвестно (Temporal не ответил)',
};

export const ROLE_LABELS: Record<string, string> = {
  'events:write': 'Отправка событий',
  'journal:read': 'Журнал: просмотр',
  'journal:write': 'Журнал: действия',
  'templates:read': 'Шаблоны: просмотр',
  'templates:write': 'Шаблоны: редактирование',
  'settings:admin': 'Настройки: администратор',
};
