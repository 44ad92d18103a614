import { useState } from 'react';
import { Alert, Button, Card, Form, Input, Segmented, Typography } from 'antd';
import { ApiError } from '../api/client';
import { useI18n, type Lang } from '../i18n';
import { useSession } from '../session';

export function SignIn() {
  const { t, lang, setLang } = useI18n();
  const { signIn } = useSession();
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (values: { login: string; password: string }) => {
    setBusy(true);
    setError(null);
    try {
      await signIn(values.login.trim(), values.password);
    } catch (err) {
      if (err instanceof ApiError && err.status === 429) {
        setError(t('Слишком много неудачных попыток входа. Попробуйте снова через {n} с.', { n: err.retryAfter ?? 60 }));
      } else if (err instanceof ApiError && err.status === 401) {
        setError(t('Неверный логин или пароль.'));
      } else {
        setError(t('Не удалось войти: {message}', { message: err instanceof Error ? err.message : String(err) }));
      }
    } finally {
      setBusy(false);
    }
  };

  return (
    <main style={{ minHeight: '100vh', display: 'grid', placeItems: 'center', background: '#f0f2f5' }}>
      <Card style={{ width: 380 }}>
        <div style={{ display: 'flex', justifyContent: 'space-between', alignItems: 'center' }}>
          <Typography.Title level={3} style={{ margin: 0 }}>
            {t('Вход в консоль')}
          </Typography.Title>
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
        </div>
        <Typography.Paragraph type="secondary">{t('Сервис уведомлений: журнал, подтверждения, шаблоны и настройки.')}</Typography.Paragraph>
        <Form layout="vertical" onFinish={submit} requiredMark={false}>
          <Form.Item label={t('Логин')} name="login" rules={[{ required: true, message: t('Введите логин') }]}>
            <Input autoComplete="username" autoFocus />
          </Form.Item>
          <Form.Item label={t('Пароль')} name="password" rules={[{ required: true, message: t('Введите пароль') }]}>
            <Input.Password autoComplete="current-password" />
          </Form.Item>
          {error && <Alert role="alert" type="error" showIcon title={error} style={{ marginBottom: 16 }} />}
          <Button type="primary" htmlType="submit" block loading={busy}>
            {t('Войти')}
          </Button>
        </Form>
      </Card>
    </main>
  );
}
