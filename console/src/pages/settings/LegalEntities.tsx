import { useState } from 'react';
import { Alert, Button, Card, Form, Input, Modal, Popconfirm, Space, Table, Typography } from 'antd';
import { useI18n } from '../../i18n';
import { useSaveSettings, useSettings, type SettingsDto } from './useSettings';

type LegalEntity = SettingsDto['legalEntities'][number];
interface EntityForm {
  id: string;
  name: string;
  fromAddress: string;
  fromName?: string;
  signature: string;
}

/** Seed 000 "Наша компания": the company's legal entities that e-mail templates send as. */
export function LegalEntities() {
  const { t } = useI18n();
  const settings = useSettings();
  const save = useSaveSettings(t('Юридические лица сохранены'));
  const [editing, setEditing] = useState<LegalEntity | 'new' | null>(null);
  const [form] = Form.useForm<EntityForm>();
  if (!settings.data) return <Card loading />;
  const entities = settings.data.legalEntities;

  const open = (entity: LegalEntity | 'new') => {
    setEditing(entity);
    form.setFieldsValue(entity === 'new' ? { id: '', name: '', fromAddress: '', fromName: '', signature: '' } : { ...entity, fromName: entity.fromName ?? '' });
  };
  const submit = async (values: EntityForm) => {
    const { id, fromName, ...rest } = values;
    await save.mutateAsync({ legalEntities: { [id]: { ...rest, fromName: fromName ? fromName : null } } });
    setEditing(null);
  };

  return (
    <Card title={t('Наша компания: юридические лица')}>
      <Alert
        type="info"
        showIcon
        style={{ marginBottom: 16 }}
        title={t('Шаблон письма выбирает юрлицо: письмо уходит с его адреса и с его подписью. Без выбора письмо уходит от имени компании.')}
      />
      <Table<LegalEntity>
        rowKey="id"
        pagination={false}
        dataSource={entities}
        locale={{ emptyText: t('Юридических лиц пока нет') }}
        columns={[
          { title: t('Код'), dataIndex: 'id', render: (id: string) => <code>{id}</code> },
          { title: t('Название'), dataIndex: 'name' },
          { title: t('Адрес отправителя'), render: (_, e) => `${e.fromName ?? e.name} <${e.fromAddress}>` },
          {
            title: t('Подпись'),
            dataIndex: 'signature',
            render: (signature: string) => <Typography.Text style={{ whiteSpace: 'pre-line' }}>{signature}</Typography.Text>,
          },
          {
            title: '',
            render: (_, e) => (
              <Space>
                <Button size="small" onClick={() => open(e)}>
                  {t('Изменить')}
                </Button>
                <Popconfirm title={t('Удалить юрлицо «{name}»?', { name: e.name })} onConfirm={() => save.mutate({ legalEntities: { [e.id]: null } })}>
                  <Button size="small" danger>
                    {t('Удалить')}
                  </Button>
                </Popconfirm>
              </Space>
            ),
          },
        ]}
      />
      <Button style={{ marginTop: 16 }} onClick={() => open('new')}>
        {t('Добавить юрлицо')}
      </Button>
      <Modal
        open={editing !== null}
        title={editing === 'new' ? t('Новое юрлицо') : t('Юрлицо')}
        okText={t('Сохранить')}
        cancelText={t('Отмена')}
        confirmLoading={save.isPending}
        onCancel={() => setEditing(null)}
        onOk={() => form.submit()}
        destroyOnHidden
      >
        <Form form={form} layout="vertical" onFinish={(v) => void submit(v)}>
          <Form.Item name="id" label={t('Код')} rules={[{ required: true, pattern: /^[a-z0-9][a-z0-9_-]*$/, message: t('Латинские строчные буквы, цифры, «-» и «_»') }]}>
            <Input disabled={editing !== 'new'} aria-label={t('Код')} />
          </Form.Item>
          <Form.Item name="name" label={t('Название')} rules={[{ required: true }]}>
            <Input aria-label={t('Название')} />
          </Form.Item>
          <Form.Item name="fromAddress" label={t('Адрес отправителя (From)')} rules={[{ required: true, type: 'email' }]}>
            <Input aria-label={t('Адрес отправителя (From)')} />
          </Form.Item>
          <Form.Item name="fromName" label={t('Имя отправителя')}>
            <Input aria-label={t('Имя отправителя')} />
          </Form.Item>
          <Form.Item name="signature" label={t('Подпись')}>
            <Input.TextArea autoSize={{ minRows: 3 }} aria-label={t('Подпись')} />
          </Form.Item>
        </Form>
      </Modal>
    </Card>
  );
}
