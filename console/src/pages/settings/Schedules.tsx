import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { App, Button, Card, Input, Space, Table, Tag, Typography } from 'antd';
import { useState } from 'react';
import { api, ok } from '../../api/client';
import type { paths } from '../../api/schema';
import { useI18n } from '../../i18n';
import { formatDateTime } from '../../format';

type Schedule = paths['/v1/schedules']['get']['responses'][200]['content']['application/json']['items'][number];

const SCHEDULE_LABELS: Record<string, string> = {
  'email-dispatch': 'Журнал обмена. Отправка e-mail',
  'sms-balance': 'Проверка баланса SMS',
};

/** The run's page in the Temporal UI, next to the schedule's own page the API links to. */
function runLink(schedule: Schedule, workflowId: string, runId: string): string | null {
  const base = schedule.temporalUiUrl?.replace(/\/schedules\/[^/]+$/, '');
  return base ? `${base}/workflows/${encodeURIComponent(workflowId)}/${encodeURIComponent(runId)}/history` : null;
}

export function Schedules() {
  const { t, lang } = useI18n();
  const schedules = useQuery({ queryKey: ['schedules'], queryFn: () => ok(api.GET('/v1/schedules')).then((p) => p.items), refetchInterval: 10_000 });
  return (
    <Space orientation="vertical" size="large" style={{ width: '100%' }}>
      {schedules.isPending && <Card loading />}
      {(schedules.data ?? []).map((s) => (
        <ScheduleCard key={s.name} schedule={s} lang={lang} t={t} />
      ))}
    </Space>
  );
}

function ScheduleCard({ schedule: s, lang, t }: { schedule: Schedule; lang: 'ru' | 'en'; t: ReturnType<typeof useI18n>['t'] }) {
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const [every, setEvery] = useState(s.every ?? '');
  const refresh = () => void queryClient.invalidateQueries({ queryKey: ['schedules'] });
  const update = useMutation({
    mutationFn: (body: { every?: string; paused?: boolean }) => ok(api.PUT('/v1/schedules/{name}', { params: { path: { name: s.name } }, body })),
    onSuccess: () => {
      void message.success(t('Расписание изменено'));
      refresh();
    },
    onError: (err) => void message.error(err.message),
  });
  const trigger = useMutation({
    mutationFn: () => ok(api.POST('/v1/schedules/{name}/trigger', { params: { path: { name: s.name } } })),
    onSuccess: () => {
      void message.success(t('Задача запущена'));
      setTimeout(refresh, 1500);
    },
    onError: (err) => void message.error(err.message),
  });
  return (
    <Card
      title={t(SCHEDULE_LABELS[s.name] ?? s.name)}
      extra={
        s.temporalUiUrl && (
          <a href={s.temporalUiUrl} target="_blank" rel="noreferrer">
            {t('Расписание в Temporal UI')}
          </a>
        )
      }
    >
      <Space wrap>
        {s.paused ? <Tag color="orange">{t('Приостановлено')}</Tag> : <Tag color="green">{t('Работает')}</Tag>}
        <span>{t('Период')}:</span>
        <Input aria-label={t('Период {name}', { name: s.name })} value={every} onChange={(e) => setEvery(e.target.value)} style={{ width: 100 }} placeholder="5m" />
        <Button onClick={() => update.mutate({ every })} loading={update.isPending && update.variables?.every !== undefined}>
          {t('Сохранить период')}
        </Button>
        <Button onClick={() => update.mutate({ paused: !s.paused })}>{s.paused ? t('Возобновить') : t('Приостановить')}</Button>
        <Button type="primary" onClick={() => trigger.mutate()} loading={trigger.isPending}>
          {t('Запустить сейчас')}
        </Button>
      </Space>
      <Typography.Paragraph type="secondary" style={{ marginTop: 12 }}>
        {t('Следующий запуск')}: {s.nextRunAt[0] ? formatDateTime(s.nextRunAt[0], lang) : '—'} · {t('Всего запусков')}: {s.actionsTaken}
        {s.note ? ` · ${s.note}` : ''}
      </Typography.Paragraph>
      <Table
        size="small"
        rowKey="runId"
        pagination={false}
        dataSource={s.recentRuns}
        locale={{ emptyText: t('Запусков ещё не было') }}
        columns={[
          { title: t('Запуск'), key: 'startedAt', render: (_, r) => formatDateTime(r.startedAt, lang) },
          {
            title: t('Процесс в Temporal'),
            key: 'link',
            render: (_, r) => {
              const href = runLink(s, r.workflowId, r.runId);
              return href ? (
                <a href={href} target="_blank" rel="noreferrer">
                  {r.workflowId}
                </a>
              ) : (
                r.workflowId
              );
            },
          },
        ]}
      />
    </Card>
  );
}
