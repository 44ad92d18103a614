import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { App } from 'antd';
import { api, ok } from '../../api/client';
import type { paths } from '../../api/schema';
import { useI18n } from '../../i18n';

export type SettingsDto = paths['/v1/settings']['get']['responses'][200]['content']['application/json'];
export type Provider = SettingsDto['providers'][number];
export type SettingsPatch = paths['/v1/settings']['patch']['requestBody']['content']['application/json'];

export function useSettings() {
  return useQuery({ queryKey: ['settings'], queryFn: () => ok(api.GET('/v1/settings')) });
}

/** Saves a change of the settings (PUT replaces only what it names) and shows the outcome. */
export function useSaveSettings(successText: string) {
  const { t } = useI18n();
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  return useMutation({
    // PATCH: only what is named changes (one provider of the directory, one field), other secrets kept.
    mutationFn: (body: SettingsPatch) => ok(api.PATCH('/v1/settings', { body })),
    onSuccess: (saved) => {
      queryClient.setQueryData(['settings'], saved);
      void message.success(successText);
    },
    onError: (err) => void message.error(t('Не сохранено: {message}', { message: err.message })),
  });
}
