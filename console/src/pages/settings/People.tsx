import { useState } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Alert, App, Button, Card, Checkbox, Form, Input, Modal, Popconfirm, Select, Switch, Table, Tag, Typography } from 'antd';
import { api, ok } from '../../api/client';
import type { paths } from '../../api/schema';
import { useI18n } from '../../i18n';
import { ROLE_LABELS } from '../../labels';
import { formatDateTime } from '../../format';
import { useManagers } from '../../waiting';
import { useUser } from '../../session';

type User = paths['/v1/users']['get']['responses'][200]['content']['application/json']['items'][number];
type Role = User['roles'][number];
type ApiKey = paths['/v1/api-keys']['get']['responses'][200]['content']['application/json']['items'][number];
const ROLES = Object.keys(ROLE_LABELS) as Role[];

function RoleTags({ roles }: { roles: readonly string[] }) {
  const { t } = useI18n();
  return (
    <>
      {roles.map((r) => (
        <Tag key={r}>{t(ROLE_LABELS[r] ?? r)}</Tag>
      ))}
    </>
  );
}

export function Users() {
  const { t } = useI18n();
  const { message } = App.useApp();
  const me = useUser();
  const queryClient = useQueryClient();
  const managers = useManagers();
  const users = useQuery({ queryKey: ['users'], queryFn: () => ok(api.GET('/v1/users')).then((p) => p.items) });
  const [editing, setEditing] = useState<User | 'new' | null>(null);
  const [form] = Form.useForm();
  const done = (text: string) => {
    void message.success(text);
    void queryClient.invalidateQueries({ queryKey: ['users'] });
    setEditing(null);
  };
  const create = useMutation({
    mutationFn: (body: paths['/v1/users']['post']['requestBody']['content']['application/json']) => ok(api.POST('/v1/users', { body })),
    onSuccess: () => done(t('Пользователь создан')),
    onError: (err) => void message.error(err.message),
  });
  const update = useMutation({
    mutationFn: ({ id, body }: { id: number; body: paths['/v1/users/{id}']['patch']['requestBody']['content']['application/json'] }) =>
      ok(api.PATCH('/v1/users/{id}', { params: { path: { id } }, body })),
    onSuccess: () => done(t('Пользователь изменён')),
    onError: (err) => void message.error(err.message),
  });
  const open = (user: User | 'new') => {
    setEditing(user);
    form.resetFields();
    form.setFieldsValue(user === 'new' ? { roles: ['journal:read', 'journal:write'], active: true, managerId: '' } : { ...user, managerId: user.managerId ?? '', password: '' });
  };
  const submit = (v: { login: string; name: string; password: string; roles: Role[]; managerId: string; active: boolean }) => {
    const managerId = v.managerId || null;
    if (editing === 'new') create.mutate({ login: v.login.trim(), name: v.name.trim(), password: v.password, roles: v.roles, managerId, active: v.active });
    else if (editing) update.mutate({ id: editing.id, body: { name: v.name.trim(), roles: v.roles, managerId, active: v.active, ...(v.password ? { password: v.password } : {}) } });
  };
  return (
    <Card
      title={t('Пользователи')}
      extra={
        <Button type="primary" onClick={() => open('new')}>
          {t('Добавить пользователя')}
        </Button>
      }
    >
      <Table<User>
        rowKey="id"
        loading={users.isPending}
        dataSource={users.data ?? []}
        pagination={false}
        columns={[
          { title: t('Имя'), dataIndex: 'name' },
          { title: t('Логин'), dataIndex: 'login' },
          { title: t('Роли'), key: 'roles', render: (_, u) => <RoleTags roles={u.roles} /> },
          { title: t('Менеджер'), key: 'manager', render: (_, u) => managers.data?.find((m) => m.id === u.managerId)?.name ?? '—' },
          { title: t('Активен'), key: 'active', render: (_, u) => (u.active ? t('да') : <Tag color="red">{t('отключён')}</Tag>) },
          {
            title: '',
            key: 'edit',
            render: (_, u) => (
              <Button size="small" onClick={() => open(u)} aria-label={t('Изменить пользователя {login}', { login: u.login })}>
                {t('Изменить')}
              </Button>
            ),
          },
        ]}
      />
      <Modal
        title={editing === 'new' ? t('Новый пользователь') : t('Пользователь {login}', { login: typeof editing === 'object' && editing ? editing.login : '' })}
        open={editing !== null}
        onCancel={() => setEditing(null)}
        onOk={() => form.submit()}
        okText={t('Сохранить')}
        cancelText={t('Отмена')}
        confirmLoading={create.isPending || update.isPending}
        forceRender
      >
        <Form form={form} layout="vertical" onFinish={submit}>
          <Form.Item label={t('Логин')} name="login" rules={[{ required: true, message: t('Введите логин') }]}>
            <Input disabled={editing !== 'new'} autoComplete="off" />
          </Form.Item>
          <Form.Item label={t('Имя')} name="name" rules={[{ required: true, message: t('Введите имя') }]}>
            <Input />
          </Form.Item>
          <Form.Item
            label={editing === 'new' ? t('Пароль (не короче 10 символов)') : t('Новый пароль (пусто — не менять)')}
            name="password"
            rules={editing === 'new' ? [{ required: true, min: 10, message: t('Не короче 10 символов') }] : [{ min: 10, message: t('Не короче 10 символов') }]}
          >
            <Input.Password autoComplete="new-password" />
          </Form.Item>
          <Form.Item label={t('Роли')} name="roles">
            <Checkbox.Group options={ROLES.map((r) => ({ value: r, label: t(ROLE_LABELS[r] ?? r) }))} style={{ display: 'flex', flexDirection: 'column' }} />
          </Form.Item>
          <Form.Item label={t('Это менеджер (для «моих клиентов»)')} name="managerId">
            <Select aria-label={t('Это менеджер (для «моих клиентов»)')} options={[{ value: '', label: t('Нет') }, ...(managers.data ?? []).map((m) => ({ value: m.id, label: m.name }))]} />
          </Form.Item>
          <Form.Item label={t('Активен')} name="active" valuePropName="checked">
            <Switch aria-label={t('Активен')} disabled={editing !== 'new' && editing?.id === me.id} />
          </Form.Item>
        </Form>
      </Modal>
    </Card>
  );
}

export function ApiKeys() {
  const { t, lang } = useI18n();
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const keys = useQuery({ queryKey: ['api-keys'], queryFn: () => ok(api.GET('/v1/api-keys')).then((p) => p.items) });
  const [creating, setCreating] = useState(false);
  const [created, setCreated] = useState<string | null>(null);
  const create = useMutation({
    mutationFn: (body: { name: string; roles: Role[] }) => ok(api.POST('/v1/api-keys', { body })),
    onSuccess: (answer) => {
      setCreated(answer.key);
      setCreating(false);
      void queryClient.invalidateQueries({ queryKey: ['api-keys'] });
    },
    onError: (err) => void message.error(err.message),
  });
  const revoke = useMutation({
    mutationFn: (id: number) => ok(api.DELETE('/v1/api-keys/{id}', { params: { path: { id } } })),
    onSuccess: () => {
      void message.success(t('Ключ отозван'));
      void queryClient.invalidateQueries({ queryKey: ['api-keys'] });
    },
    onError: (err) => void message.error(err.message),
  });
  return (
    <Card
      title={t('API-ключи учётных систем')}
      extra={
        <Button type="primary" onClick={() => setCreating(true)}>
          {t('Создать ключ')}
        </Button>
      }
    >
      {created && (
        <Alert
          type="success"
          showIcon
          closable={{ onClose: () => setCreated(null) }}
          style={{ marginBottom: 16 }}
          title={t('Ключ создан. Скопируйте его сейчас: больше он показан не будет.')}
          description={<Typography.Text copyable code>{created}</Typography.Text>}
        />
      )}
      <Table<ApiKey>
        rowKey="id"
        loading={keys.isPending}
        dataSource={keys.data ?? []}
        pagination={false}
        columns={[
          { title: t('Название'), dataIndex: 'name' },
          { title: t('Роли'), key: 'roles', render: (_, k) => <RoleTags roles={k.roles} /> },
          { title: t('Создан'), key: 'createdAt', render: (_, k) => formatDateTime(k.createdAt, lang) },
          { title: t('Отозван'), key: 'revokedAt', render: (_, k) => (k.revokedAt ? formatDateTime(k.revokedAt, lang) : '—') },
          {
            title: '',
            key: 'revoke',
            render: (_, k) =>
              !k.revokedAt && (
                <Popconfirm title={t('Отозвать ключ «{name}»? Системы с ним перестанут работать.', { name: k.name })} okText={t('Отозвать')} cancelText={t('Отмена')} onConfirm={() => revoke.mutateAsync(k.id)}>
                  <Button size="small" danger>
                    {t('Отозвать')}
                  </Button>
                </Popconfirm>
              ),
          },
        ]}
      />
      <Modal title={t('Новый API-ключ')} open={creating} onCancel={() => setCreating(false)} footer={null} destroyOnHidden>
        <Form layout="vertical" initialValues={{ name: '', roles: ['events:write'] }} onFinish={(v: { name: string; roles: Role[] }) => create.mutate(v)}>
          <Form.Item label={t('Название')} name="name" rules={[{ required: true, message: t('Введите название') }]}>
            <Input placeholder={t('Например, «1С: Управление торговлей»')} />
          </Form.Item>
          <Form.Item label={t('Роли')} name="roles" rules={[{ required: true, message: t('Выберите хотя бы одну роль') }]}>
            <Checkbox.Group options={ROLES.map((r) => ({ value: r, label: t(ROLE_LABELS[r] ?? r) }))} style={{ display: 'flex', flexDirection: 'column' }} />
          </Form.Item>
          <Button type="primary" htmlType="submit" loading={create.isPending}>
            {t('Создать')}
          </Button>
        </Form>
      </Modal>
    </Card>
  );
}
