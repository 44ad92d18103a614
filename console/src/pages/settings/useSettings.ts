import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { App } from 'antd';
import { api, ok } from '../../api/client';
import type { paths } from '../../api/schema';
import { useI18n } from '../../i18n';

export type SettingsDto = paths['/v1/settings']['get']['responses'][200]['content']['application/json'];
export type SettingsUpdate = paths['/v1/settings']['put']['requestBody']['content']['application/json'];
export type Provider = SettingsDto['providers'][number];

export function useSettings() {
  return useQuery({ queryKey: ['settings'], queryFn: () => ok(api.GET('/v1/settings')) });
}

/** Saves a change of the settings (PUT replaces only what it names) and shows the outcome. */
export function useSaveSettings(successText: string) {
  const { t } = useI18n();
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: SettingsUpdate) => ok(api.PUT('/v1/settings', { body })),
    onSuccess: (saved) => {
      queryClient.setQueryData(['settings'], saved);
      void message.success(successText);
    },
    onError: (err) => void message.error(t('Не сохранено: {message}', { message: err.message })),
  });
}
