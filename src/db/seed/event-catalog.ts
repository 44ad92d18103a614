import type { Audience, Channel } from '../../domain/vocabulary';
import type { CatalogEventType, CatalogTemplate, EventVariable } from './event-catalog-types';

/*
 * Seeded default event types (R7): the 16 ERP SMS events of seed 002 and the
 * logistics checklist event of seed 000, with Russian templates (R9) for
 * every client channel and, where the manager is notified, manager templates.
 *
 * Templates are LiquidJS. Besides the variables declared per event type they
 * may use the built-ins: recipient.name, client.name, client.id, company.name,
 * manager.name, manager.phone, manager.email, event.id, event.type.
 * Client SMS texts fit one UCS-2 segment (70 characters) with the example data.
 *
 * Texts are written so that any value reads well in them: values that may
 * already name the place ("Центральный склад") or hold a quoted company name
 * stand after a label ("Склад: …"), not inside «…» after the noun; free text
 * (reasons, comments, changes) is never followed by a full stop of ours; phone
 * numbers go through the `phone` filter.
 */

// ---------------------------------------------------------------------------
// Template building blocks: only string assembly, the result is plain Liquid.

/** A paragraph: always shown, or only when a variable is set. Or a block with separate HTML and text forms. */
type Block = string | { if: string; line: string } | { html: string; text: string };

function blockHtml(block: Block): string {
  if (typeof block === 'string') return `<p>${block}</p>`;
  if ('if' in block) return `{% if ${block.if} %}<p>${block.line}</p>{% endif %}`;
  return block.html;
}

function blockText(block: Block): string {
  if (typeof block === 'string') return `${block}\n`;
  if ('if' in block) return `{% if ${block.if} %}${block.line}\n{% endif %}`;
  return `${block.text}\n`;
}

/** A fixed address (seed 000 "Адреса") has no name: it is greeted with a neutral «Здравствуйте!». */
export const NEUTRAL_GREETING = '{% if recipient.name != blank %}Здравствуйте, {{ recipient.name }}!{% else %}Здравствуйте!{% endif %}';
const CLIENT_GREETING: Block = { html: `<p>${NEUTRAL_GREETING}</p>`, text: `${NEUTRAL_GREETING}\n` };
const CLIENT_MANAGER: Block = {
  if: 'manager.name',
  line: 'Ваш менеджер: {{ manager.name }}{% if manager.phone %}, тел. {{ manager.phone | phone }}{% endif %}{% if manager.email %}, эл. почта {{ manager.email }}{% endif %}',
};
const CLIENT_SIGNATURE: Block = {
  html: '<p>С уважением,<br>{{ company.name }}</p>',
  text: '\nС уважением,\n{{ company.name }}',
};
/**
 * Seed 000 "Наша компания": the signature of the legal entity the template
 * sends as (`legalEntityId`), else the company's. `pre-line` keeps its lines in HTML.
 */
const LEGAL_ENTITY_SIGNATURE: Block = {
  html: '<p style="white-space:pre-line">{% if legalEntity.signature %}{{ legalEntity.signature }}{% else %}С уважением,\n{{ company.name }}{% endif %}</p>',
  text: '\n{% if legalEntity.signature %}{{ legalEntity.signature }}{% else %}С уважением,\n{{ company.name }}{% endif %}',
};
const MANAGER_GREETING: Block = { html: '<p>{{ recipient.name }}, добрый день!</p>', text: '{{ recipient.name }}, добрый день!\n' };
const MANAGER_CLIENT: Block = 'Клиент: {{ client.name }} (код {{ client.id }}).';
const MANAGER_SIGNATURE: Block = {
  html: '<p style="color:#777">Письмо сформировано автоматически сервисом уведомлений {{ company.name }}.</p>',
  text: '\n—\nПисьмо сформировано автоматически сервисом уведомлений {{ company.name }}.',
};

function email(audience: Audience, subject: string, blocks: Block[], signature: Block = CLIENT_SIGNATURE): CatalogTemplate {
  const all =
    audience === 'client'
      ? [CLIENT_GREETING, ...blocks, signature]
      : [MANAGER_GREETING, ...blocks, MANAGER_SIGNATURE];
  return {
    audience,
    channel: 'email',
    subject,
    html: all.map(blockHtml).join('\n'),
    text: all.map(blockText).join('').replace(/\n+$/, ''),
  };
}

const sms = (audience: Audience, text: string): CatalogTemplate => ({ audience, channel: 'sms', text });
const telegram = (audience: Audience, text: string): CatalogTemplate => ({ audience, channel: 'telegram', text });

/** Client Telegram text: greeting, the lines, signature. */
const telegramText = (...lines: string[]): string =>
  ['Здравствуйте, {{ recipient.name }}!', ...lines, '', '{{ company.name }}'].join('\n');

/** A table of `items` ({ article, brand, name, quantity, amount }) for e-mail. */
function itemsBlock(heading: string, list = 'items'): Block {
  return {
    html: [
      `<p>${heading}</p>`,
      '<table border="1" cellpadding="4" cellspacing="0" style="border-collapse:collapse">',
      '<tr><th>Артикул</th><th>Бренд</th><th>Наименование</th><th>Кол-во</th><th>Сумма, ₽</th></tr>',
      `{% for item in ${list} %}<tr><td>{{ item.article }}</td><td>{{ item.brand }}</td><td>{{ item.name }}</td><td>{{ item.quantity }}</td><td>{{ item.amount }}</td></tr>`,
      '{% endfor %}</table>',
    ].join('\n'),
    text: `${heading}{% for item in ${list} %}\n— {{ item.brand }} {{ item.article }}, {{ item.name }}: {{ item.quantity }} шт., {{ item.amount }} ₽{% endfor %}`,
  };
}

// ---------------------------------------------------------------------------
// Variables shared by several event types.

/**
 * A declared variable. It is required (an event without it is refused) unless
 * its description says "необязательно" or it is a list, which may be empty.
 */
const v = (name: string, description: string, example: unknown): EventVariable => ({
  name,
  description,
  example,
  ...(description.includes('необязательно') || Array.isArray(example) ? {} : { required: true }),
});

const ITEMS_DESCRIPTION =
  'Позиции (массив): article — артикул, brand — бренд, name — наименование, quantity — количество, amount — сумма, ₽';

const ORDER_ITEMS = [
  { article: 'GDB1330', brand: 'TRW', name: 'Колодки тормозные передние', quantity: 1, amount: '3 240,00' },
  { article: 'OC 90', brand: 'Knecht', name: 'Фильтр масляный', quantity: 2, amount: '1 180,00' },
  { article: '09.A820.11', brand: 'Brembo', name: 'Диск тормозной передний', quantity: 2, amount: '11 060,00' },
];
const REFUSED_ITEMS = [ORDER_ITEMS[0]];

const orderNumber = v('orderNumber', 'Номер заказа клиента', 'ЗК-000123');
const orderDate = v('orderDate', 'Дата заказа клиента', '23.11.2026');
const orderTotal = v('total', 'Сумма заказа, ₽', '15 480,00');
const orderItems = v('items', ITEMS_DESCRIPTION, ORDER_ITEMS);
const expectedDate = v('expectedDate', 'Ориентировочная дата готовности заказа (необязательно)', '27.11.2026');
const carModel = v('carModel', 'Марка и модель автомобиля', 'Toyota Camry');
const plateNumber = v('plateNumber', 'Государственный номер автомобиля', 'А123ВС777');
const vin = v('vin', 'VIN-номер автомобиля', 'XW7BF4FK30S123456');

// Repair-zone tasks (events 14 and 15).
const repairTaskVariables: EventVariable[] = [
  v('taskNumber', 'Номер задания в ремзону', 'ЗР-000056'),
  v('workOrderNumber', 'Номер заказ-наряда', 'ЗН-000214'),
  carModel,
  plateNumber,
  v('taskDescription', 'Что нужно сделать', 'Замена передних тормозных колодок и дисков'),
  v('repairZone', 'Ремзона или пост', 'Пост № 2'),
  v('mechanic', 'Исполнитель (необязательно)', 'Сергеев А. В.'),
  v('plannedStart', 'Плановое начало работ', '24.11.2026 10:00'),
  v('plannedEnd', 'Плановое окончание работ (необязательно)', '24.11.2026 13:00'),
];

const repairTaskEmailBlocks: Block[] = [
  'Заказ-наряд: {{ workOrderNumber }}',
  'Автомобиль: {{ carModel }}, госномер {{ plateNumber }}',
  'Работы: {{ taskDescription }}',
  'Ремзона: {{ repairZone }}{% if mechanic %}, исполнитель: {{ mechanic }}{% endif %}',
  'Начало: {{ plannedStart }}{% if plannedEnd %}, окончание: {{ plannedEnd }}{% endif %}',
];

/** Seed 002: the responsible manager gets an SMS on the mobile; e-mail is the reserve. */
const MANAGER_CHANNELS: Channel[] = ['sms', 'email'];

// ---------------------------------------------------------------------------

export const EVENT_CATALOG: readonly CatalogEventType[] = [
  // 1 -----------------------------------------------------------------------
  {
    type: 'vin_request.posted',
    name: 'Проводка VIN-запроса',
    description:
      'При проведении документа «VIN-запрос»: запрос клиента на подбор запчастей по VIN-номеру автомобиля обработан, подбор готов.',
    source: 'erp',
    variables: [
      v('requestNumber', 'Номер VIN-запроса', 'ВЗ-000457'),
      v('requestDate', 'Дата VIN-запроса', '23.11.2026'),
      vin,
      carModel,
      v('comment', 'Комментарий менеджера к подбору (необязательно)', 'Подобраны оригинальные запчасти и аналоги, цены действительны 3 дня.'),
    ],
    channels: ['sms'],
    sendToClient: true,
    sendToManager: false,
    managerChannels: MANAGER_CHANNELS,
    templates: [
      sms('client', 'VIN-запрос {{ requestNumber }} обработан, подбор запчастей готов.'),
      telegram(
        'client',
        telegramText(
          'Ваш VIN-запрос № {{ requestNumber }} от {{ requestDate }} обработан: подбор запчастей для {{ carModel }} (VIN {{ vin }}) готов.',
          '{% if comment %}{{ comment }}\n{% endif %}Чтобы оформить заказ, свяжитесь с менеджером{% if manager.phone %}: {{ manager.phone | phone }}{% endif %}.',
        ),
      ),
      email('client', 'VIN-запрос № {{ requestNumber }} обработан', [
        'Ваш VIN-запрос № {{ requestNumber }} от {{ requestDate }} обработан: подбор запчастей для {{ carModel }} (VIN {{ vin }}) готов.',
        { if: 'comment', line: '{{ comment }}' },
        'Чтобы оформить заказ, ответьте на это письмо или свяжитесь с менеджером.',
        CLIENT_MANAGER,
      ]),
      sms('manager', 'VIN-запрос {{ requestNumber }} ({{ client.name }}) проведён, подбор для {{ carModel }} готов'),
      email('manager', 'VIN-запрос № {{ requestNumber }} проведён ({{ client.name }})', [
        MANAGER_CLIENT,
        'VIN-запрос № {{ requestNumber }} от {{ requestDate }} проведён: подбор запчастей для {{ carModel }} (VIN {{ vin }}) готов.',
        { if: 'comment', line: 'Комментарий к подбору: {{ comment }}' },
        'Свяжитесь с клиентом, чтобы оформить заказ.',
      ]),
    ],
  },

  // 2 -----------------------------------------------------------------------
  {
    type: 'customer_order.created',
    name: 'Новый Заказ клиента',
    description: 'При создании нового документа «Заказ клиента».',
    source: 'erp',
    variables: [orderNumber, orderDate, orderTotal, orderItems, expectedDate],
    channels: ['telegram', 'sms'],
    sendToClient: true,
    sendToManager: false,
    managerChannels: MANAGER_CHANNELS,
    templates: [
      sms('client', 'Создан заказ {{ orderNumber }} на {{ total }} ₽. Спасибо за обращение!'),
      telegram(
        'client',
        telegramText(
          'Мы создали заказ № {{ orderNumber }} от {{ orderDate }} на сумму {{ total }} ₽.',
          '{% if expectedDate %}Ориентировочная дата готовности: {{ expectedDate }}.\n{% endif %}Мы сообщим, когда заказ будет подтверждён. Спасибо за обращение!',
        ),
      ),
      email('client', 'Заказ № {{ orderNumber }} создан', [
        'Мы создали заказ № {{ orderNumber }} от {{ orderDate }} на сумму {{ total }} ₽.',
        itemsBlock('Состав заказа:'),
        { if: 'expectedDate', line: 'Ориентировочная дата готовности: {{ expectedDate }}.' },
        'Мы сообщим, когда заказ будет подтверждён. Спасибо за обращение!',
        CLIENT_MANAGER,
      ]),
      sms('manager', 'Новый заказ {{ orderNumber }} ({{ client.name }}) на {{ total }} ₽'),
      email('manager', 'Новый заказ № {{ orderNumber }} ({{ client.name }})', [
        MANAGER_CLIENT,
        'Создан заказ № {{ orderNumber }} от {{ orderDate }} на сумму {{ total }} ₽.',
        itemsBlock('Состав заказа:'),
        { if: 'expectedDate', line: 'Ориентировочная дата готовности: {{ expectedDate }}.' },
      ]),
    ],
  },

  // 3 -----------------------------------------------------------------------
  {
    type: 'customer_order.posted',
    name: 'Проводка Заказа клиента',
    description: 'При проведении документа «Заказ клиента»: заказ подтверждён и принят в работу.',
    source: 'erp',
    variables: [
      orderNumber,
      orderDate,
      orderTotal,
      orderItems,
      expectedDate,
      v('prepayment', 'Сумма предоплаты, ₽ (необязательно)', '5 000,00'),
    ],
    channels: ['telegram', 'sms'],
    sendToClient: true,
    sendToManager: false,
    managerChannels: MANAGER_CHANNELS,
    templates: [
      sms(
        'client',
        'Заказ {{ orderNumber }} на {{ total }} ₽ подтверждён{% if expectedDate %}, готовность {{ expectedDate }}{% endif %}.',
      ),
      telegram(
        'client',
        telegramText(
          'Ваш заказ № {{ orderNumber }} от {{ orderDate }} на сумму {{ total }} ₽ подтверждён и принят в работу.',
          '{% if expectedDate %}Ориентировочная дата готовности: {{ expectedDate }}.\n{% endif %}{% if prepayment %}Для начала работы по заказу внесите предоплату {{ prepayment }} ₽.\n{% endif %}Мы сообщим, когда заказ будет готов к выдаче.',
        ),
      ),
      email('client', 'Заказ № {{ orderNumber }} подтверждён', [
        'Ваш заказ № {{ orderNumber }} от {{ orderDate }} на сумму {{ total }} ₽ подтверждён и принят в работу.',
        itemsBlock('Состав заказа:'),
        { if: 'expectedDate', line: 'Ориентировочная дата готовности: {{ expectedDate }}.' },
        { if: 'prepayment', line: 'Для начала работы по заказу внесите предоплату {{ prepayment }} ₽.' },
        'Мы сообщим, когда заказ будет готов к выдаче.',
        CLIENT_MANAGER,
      ]),
      sms('manager', 'Заказ {{ orderNumber }} ({{ client.name }}) на {{ total }} ₽ проведён'),
      email('manager', 'Заказ № {{ orderNumber }} проведён ({{ client.name }})', [
        MANAGER_CLIENT,
        'Заказ № {{ orderNumber }} от {{ orderDate }} на сумму {{ total }} ₽ проведён и принят в работу.',
        itemsBlock('Состав заказа:'),
        { if: 'expectedDate', line: 'Ориентировочная дата готовности: {{ expectedDate }}.' },
        { if: 'prepayment', line: 'Ожидается предоплата: {{ prepayment }} ₽.' },
      ]),
    ],
  },

  // 4 -----------------------------------------------------------------------
  {
    type: 'client_refusal.by_order_posted',
    name: 'Проводка Отказа клиента (в разрезе ЗК)',
    description:
      'При проведении документа «Отказ клиента», оформленного на основании «Заказа клиента»: клиент отказался от позиций заказа.',
    source: 'erp',
    variables: [
      v('refusalNumber', 'Номер документа «Отказ клиента»', 'ОК-000045'),
      v('refusalDate', 'Дата отказа', '24.11.2026'),
      orderNumber,
      v('refusalTotal', 'Сумма отказа, ₽', '3 240,00'),
      v('reason', 'Причина отказа (необязательно)', 'Не подошло по применимости'),
      v('items', ITEMS_DESCRIPTION + ' — позиции, от которых отказался клиент', REFUSED_ITEMS),
    ],
    channels: ['telegram', 'sms'],
    sendToClient: true,
    sendToManager: true,
    managerChannels: MANAGER_CHANNELS,
    templates: [
      sms('client', 'По заказу {{ orderNumber }} оформлен отказ на {{ refusalTotal }} ₽.'),
      telegram(
        'client',
        telegramText(
          'По вашему заказу № {{ orderNumber }} оформлен отказ № {{ refusalNumber }} от {{ refusalDate }} на сумму {{ refusalTotal }} ₽.',
          '{% if reason %}Причина: {{ reason }}\n{% endif %}Если это ошибка, пожалуйста, свяжитесь с менеджером{% if manager.phone %}: {{ manager.phone | phone }}{% endif %}.',
        ),
      ),
      email('client', 'Отказ по заказу № {{ orderNumber }}', [
        'По вашему заказу № {{ orderNumber }} оформлен отказ № {{ refusalNumber }} от {{ refusalDate }} на сумму {{ refusalTotal }} ₽.',
        itemsBlock('Позиции, от которых вы отказались:'),
        { if: 'reason', line: 'Причина: {{ reason }}' },
        'Если это ошибка, пожалуйста, свяжитесь с менеджером.',
        CLIENT_MANAGER,
      ]),
      sms('manager', 'Отказ клиента {{ client.name }} по заказу {{ orderNumber }}: {{ refusalTotal }} ₽'),
      email('manager', 'Отказ клиента {{ client.name }} по заказу № {{ orderNumber }}', [
        MANAGER_CLIENT,
        'Проведён отказ № {{ refusalNumber }} от {{ refusalDate }} по заказу № {{ orderNumber }} на сумму {{ refusalTotal }} ₽.',
        { if: 'reason', line: 'Причина: {{ reason }}' },
        itemsBlock('Позиции:'),
      ]),
    ],
  },

  // 5 -----------------------------------------------------------------------
  {
    type: 'client_refusal.posted',
    name: 'Проводка Отказа клиента (в разрезе ОК)',
    description: 'При проведении документа «Отказ клиента»: одно уведомление на весь документ отказа.',
    source: 'erp',
    variables: [
      v('refusalNumber', 'Номер документа «Отказ клиента»', 'ОК-000045'),
      v('refusalDate', 'Дата отказа', '24.11.2026'),
      v('refusalTotal', 'Сумма отказа, ₽', '3 240,00'),
      v('reason', 'Причина отказа (необязательно)', 'Не подошло по применимости'),
      v('items', ITEMS_DESCRIPTION + ' — позиции отказа', REFUSED_ITEMS),
    ],
    channels: ['telegram', 'sms'],
    sendToClient: true,
    sendToManager: true,
    managerChannels: MANAGER_CHANNELS,
    templates: [
      sms('client', 'Оформлен отказ {{ refusalNumber }} на {{ refusalTotal }} ₽, позиций: {{ items | size }}.'),
      telegram(
        'client',
        telegramText(
          'Оформлен отказ № {{ refusalNumber }} от {{ refusalDate }} на сумму {{ refusalTotal }} ₽.',
          'Позиции:{% for item in items %}\n— {{ item.brand }} {{ item.article }}, {{ item.name }}: {{ item.quantity }} шт.{% endfor %}',
          '{% if reason %}Причина: {{ reason }}\n{% endif %}Если это ошибка, пожалуйста, свяжитесь с менеджером{% if manager.phone %}: {{ manager.phone | phone }}{% endif %}.',
        ),
      ),
      email('client', 'Отказ № {{ refusalNumber }} от {{ refusalDate }}', [
        'Оформлен отказ № {{ refusalNumber }} от {{ refusalDate }} на сумму {{ refusalTotal }} ₽.',
        itemsBlock('Позиции, от которых вы отказались:'),
        { if: 'reason', line: 'Причина: {{ reason }}' },
        'Если это ошибка, пожалуйста, свяжитесь с менеджером.',
        CLIENT_MANAGER,
      ]),
      sms('manager', 'Отказ {{ refusalNumber }} от {{ client.name }} на {{ refusalTotal }} ₽'),
      email('manager', 'Отказ клиента {{ client.name }} № {{ refusalNumber }}', [
        MANAGER_CLIENT,
        'Проведён отказ № {{ refusalNumber }} от {{ refusalDate }} на сумму {{ refusalTotal }} ₽.',
        { if: 'reason', line: 'Причина: {{ reason }}' },
        itemsBlock('Позиции:'),
      ]),
    ],
  },

  // 6 -----------------------------------------------------------------------
  {
    type: 'supplier_refusal.posted',
    name: 'Проводка Отказа поставщика (в разрезе ЗК)',
    description:
      'При проведении документа «Отказ поставщика»: поставщик не поставит позиции, заказанные для «Заказа клиента».',
    source: 'erp',
    variables: [
      v('refusalNumber', 'Номер документа «Отказ поставщика»', 'ОП-000019'),
      orderNumber,
      v('supplierName', 'Поставщик (только для менеджера)', 'ООО «Автоснаб»'),
      v('refusalTotal', 'Сумма позиций, которые не будут поставлены, ₽', '3 240,00'),
      v('reason', 'Причина отказа (необязательно)', 'Нет в наличии у поставщика'),
      v('items', ITEMS_DESCRIPTION + ' — позиции, которые не будут поставлены', REFUSED_ITEMS),
    ],
    channels: ['telegram', 'sms'],
    sendToClient: true,
    sendToManager: true,
    managerChannels: MANAGER_CHANNELS,
    templates: [
      sms('client', 'Часть позиций заказа {{ orderNumber }} не поставлена. Мы свяжемся с вами.'),
      telegram(
        'client',
        telegramText(
          'К сожалению, поставщик не сможет поставить часть позиций вашего заказа № {{ orderNumber }}{% if reason %} ({{ reason | downcase }}){% endif %}:',
          '{% for item in items %}— {{ item.brand }} {{ item.article }}, {{ item.name }}: {{ item.quantity }} шт.\n{% endfor %}Менеджер свяжется с вами и предложит замену{% if manager.phone %}; телефон для связи: {{ manager.phone | phone }}{% endif %}.',
        ),
      ),
      email('client', 'Изменения в заказе № {{ orderNumber }}', [
        'К сожалению, поставщик не сможет поставить часть позиций вашего заказа № {{ orderNumber }}.',
        { if: 'reason', line: 'Причина: {{ reason }}' },
        itemsBlock('Позиции, которые не будут поставлены:'),
        'Менеджер свяжется с вами и предложит замену или вернёт предоплату за эти позиции.',
        CLIENT_MANAGER,
      ]),
      sms('manager', 'Отказ поставщика по заказу {{ orderNumber }} ({{ client.name }}): {{ refusalTotal }} ₽'),
      email('manager', 'Отказ поставщика по заказу № {{ orderNumber }} ({{ client.name }})', [
        MANAGER_CLIENT,
        'Поставщик {{ supplierName }} отказал в поставке по заказу клиента № {{ orderNumber }} (документ {{ refusalNumber }}) на сумму {{ refusalTotal }} ₽.',
        { if: 'reason', line: 'Причина: {{ reason }}' },
        itemsBlock('Позиции:'),
        'Предложите клиенту замену или верните предоплату.',
      ]),
    ],
  },

  // 7 -----------------------------------------------------------------------
  {
    type: 'goods_receipt.posted',
    name: 'Проводка Приходной накладной',
    description:
      'При проведении документа «Приходная накладная»: товар по заказу клиента поступил от поставщика на склад.',
    source: 'erp',
    variables: [
      v('receiptNumber', 'Номер приходной накладной', 'ПН-000871'),
      v('receiptDate', 'Дата поступления', '26.11.2026'),
      orderNumber,
      v('warehouse', 'Склад поступления', 'Центральный склад'),
      v('items', ITEMS_DESCRIPTION + ' — поступившие позиции заказа', ORDER_ITEMS.slice(0, 2)),
    ],
    channels: ['sms'],
    sendToClient: true,
    sendToManager: false,
    managerChannels: MANAGER_CHANNELS,
    templates: [
      sms('client', 'Товар по заказу {{ orderNumber }} поступил. Склад: {{ warehouse }}'),
      telegram(
        'client',
        telegramText(
          '{{ receiptDate }} поступил товар по вашему заказу № {{ orderNumber }}, склад: {{ warehouse }}.',
          '{% for item in items %}— {{ item.brand }} {{ item.article }}, {{ item.name }}: {{ item.quantity }} шт.\n{% endfor %}Мы сообщим, когда заказ будет готов к выдаче.',
        ),
      ),
      email('client', 'Поступил товар по заказу № {{ orderNumber }}', [
        '{{ receiptDate }} поступил товар по вашему заказу № {{ orderNumber }}.',
        'Склад: {{ warehouse }}',
        itemsBlock('Поступившие позиции:'),
        'Мы сообщим, когда заказ будет готов к выдаче.',
        CLIENT_MANAGER,
      ]),
      sms('manager', 'Поступил товар по заказу {{ orderNumber }} ({{ client.name }}), накладная {{ receiptNumber }}'),
      email('manager', 'Поступил товар по заказу № {{ orderNumber }} ({{ client.name }})', [
        MANAGER_CLIENT,
        'Проведена приходная накладная № {{ receiptNumber }} от {{ receiptDate }}: поступил товар по заказу № {{ orderNumber }}.',
        'Склад: {{ warehouse }}',
        itemsBlock('Поступившие позиции:'),
      ]),
    ],
  },

  // 8 -----------------------------------------------------------------------
  {
    type: 'payment.registered',
    name: 'Зарегистрирован платеж',
    description:
      'При проведении финансового документа «ПКО» (приходный кассовый ордер) или «Платежное поручение входящее».',
    source: 'erp',
    variables: [
      v('paymentNumber', 'Номер платёжного документа', 'ПКО-000312'),
      v('paymentDate', 'Дата платежа', '24.11.2026'),
      v('amount', 'Сумма платежа, ₽', '15 480,00'),
      v('paymentMethod', 'Способ оплаты', 'наличными в кассе'),
      v('orderNumber', 'Номер заказа клиента, если платёж по заказу (необязательно)', 'ЗК-000123'),
      v('debt', 'Остаток задолженности после платежа, ₽ (необязательно)', '0,00'),
    ],
    channels: ['telegram', 'sms'],
    sendToClient: true,
    sendToManager: false,
    managerChannels: MANAGER_CHANNELS,
    templates: [
      sms('client', 'Получен платёж {{ amount }} ₽{% if orderNumber %} по заказу {{ orderNumber }}{% endif %}. Спасибо!'),
      telegram(
        'client',
        telegramText(
          'Мы получили ваш платёж {{ paymentDate }} на сумму {{ amount }} ₽ ({{ paymentMethod }}){% if orderNumber %} по заказу № {{ orderNumber }}{% endif %}.',
          '{% if debt %}Остаток задолженности: {{ debt }} ₽.\n{% endif %}Спасибо за оплату!',
        ),
      ),
      email('client', 'Платёж на сумму {{ amount }} ₽ получен', [
        'Мы получили ваш платёж {{ paymentDate }} на сумму {{ amount }} ₽ ({{ paymentMethod }}), документ № {{ paymentNumber }}.',
        { if: 'orderNumber', line: 'Платёж зачтён по заказу № {{ orderNumber }}.' },
        { if: 'debt', line: 'Остаток задолженности: {{ debt }} ₽.' },
        'Спасибо за оплату!',
      ]),
      sms('manager', 'Платёж {{ amount }} ₽ от {{ client.name }}{% if orderNumber %} по заказу {{ orderNumber }}{% endif %}'),
      email('manager', 'Платёж {{ amount }} ₽ ({{ client.name }})', [
        MANAGER_CLIENT,
        'Зарегистрирован платёж № {{ paymentNumber }} от {{ paymentDate }} на сумму {{ amount }} ₽ ({{ paymentMethod }}).',
        { if: 'orderNumber', line: 'Платёж зачтён по заказу № {{ orderNumber }}.' },
        { if: 'debt', line: 'Остаток задолженности: {{ debt }} ₽.' },
      ]),
    ],
  },

  // 9 -----------------------------------------------------------------------
  {
    type: 'work_order.completed',
    name: 'Завершение работ по Заказ-Наряду',
    description: 'При установке состояния «Работы завершены» по документу «Заказ-Наряд»: автомобиль готов к выдаче.',
    source: 'erp',
    variables: [
      v('workOrderNumber', 'Номер заказ-наряда', 'ЗН-000214'),
      carModel,
      plateNumber,
      v('total', 'Сумма к оплате по заказ-наряду, ₽', '18 780,00'),
      v('works', 'Выполненные работы (массив): name — наименование, amount — сумма, ₽', [
        { name: 'Замена передних тормозных колодок и дисков', amount: '2 400,00' },
        { name: 'Замена моторного масла и масляного фильтра', amount: '900,00' },
      ]),
      v('serviceAddress', 'Адрес автосервиса (необязательно)', 'г. Москва, ул. Складская, д. 5'),
    ],
    channels: ['telegram', 'sms'],
    sendToClient: true,
    sendToManager: false,
    managerChannels: MANAGER_CHANNELS,
    templates: [
      sms('client', 'Работы по заказ-наряду {{ workOrderNumber }} завершены, авто готово к выдаче.'),
      telegram(
        'client',
        telegramText(
          'Работы по заказ-наряду № {{ workOrderNumber }} завершены. Ваш автомобиль {{ carModel }} ({{ plateNumber }}) готов к выдаче.',
          'Выполнено:{% for work in works %}\n— {{ work.name }}{% endfor %}',
          'К оплате: {{ total }} ₽.{% if serviceAddress %}\nЖдём вас по адресу: {{ serviceAddress }}.{% endif %}',
        ),
      ),
      email('client', 'Автомобиль {{ carModel }} ({{ plateNumber }}) готов к выдаче', [
        'Работы по заказ-наряду № {{ workOrderNumber }} завершены. Ваш автомобиль {{ carModel }} ({{ plateNumber }}) готов к выдаче.',
        {
          html: '<p>Выполненные работы:</p>\n<ul>{% for work in works %}<li>{{ work.name }} — {{ work.amount }} ₽</li>{% endfor %}</ul>',
          text: 'Выполненные работы:{% for work in works %}\n— {{ work.name }}: {{ work.amount }} ₽{% endfor %}',
        },
        'Итого к оплате (работы и запчасти): {{ total }} ₽.',
        { if: 'serviceAddress', line: 'Ждём вас по адресу: {{ serviceAddress }}.' },
        CLIENT_MANAGER,
      ]),
      sms('manager', 'Работы по заказ-наряду {{ workOrderNumber }} ({{ plateNumber }}) завершены, к оплате {{ total }} ₽'),
      email('manager', 'Работы по заказ-наряду № {{ workOrderNumber }} завершены ({{ client.name }})', [
        MANAGER_CLIENT,
        'Работы по заказ-наряду № {{ workOrderNumber }} завершены: автомобиль {{ carModel }} ({{ plateNumber }}) готов к выдаче.',
        {
          html: '<p>Выполненные работы:</p>\n<ul>{% for work in works %}<li>{{ work.name }} — {{ work.amount }} ₽</li>{% endfor %}</ul>',
          text: 'Выполненные работы:{% for work in works %}\n— {{ work.name }}: {{ work.amount }} ₽{% endfor %}',
        },
        'К оплате: {{ total }} ₽.',
      ]),
    ],
  },

  // 10 ----------------------------------------------------------------------
  {
    type: 'order.ready_for_pickup',
    name: 'Заказ клиента готов к выдаче',
    description:
      'Когда все позиции «Заказа клиента» в состоянии «Резерв», то есть на складе: заказ можно забрать.',
    source: 'erp',
    // Same variables as the demo template of the seeded demo company.
    variables: [
      orderNumber,
      orderTotal,
      v('warehouse', 'Склад выдачи', 'Склад на Складской, 5'),
      v('pickupUntil', 'До какой даты заказ ждёт клиента (необязательно)', '30.11.2026'),
    ],
    channels: ['telegram', 'sms'],
    sendToClient: true,
    sendToManager: false,
    managerChannels: MANAGER_CHANNELS,
    templates: [
      sms(
        'client',
        'Заказ {{ orderNumber }} на {{ total }} ₽ готов к выдаче{% if pickupUntil %} до {{ pickupUntil }}{% endif %}.',
      ),
      telegram(
        'client',
        telegramText(
          'Ваш заказ № {{ orderNumber }} на сумму {{ total }} ₽ готов к выдаче.\nМесто выдачи: {{ warehouse }}{% if pickupUntil %}\nЗаказ ждёт вас до {{ pickupUntil }}.{% endif %}',
        ),
      ),
      email('client', 'Заказ № {{ orderNumber }} готов к выдаче', [
        'Ваш заказ № {{ orderNumber }} на сумму {{ total }} ₽ готов к выдаче.',
        'Место выдачи: {{ warehouse }}',
        { if: 'pickupUntil', line: 'Заказ ждёт вас до {{ pickupUntil }}.' },
        CLIENT_MANAGER,
      ]),
      sms('manager', 'Заказ {{ orderNumber }} ({{ client.name }}) на {{ total }} ₽ готов к выдаче'),
      email('manager', 'Заказ № {{ orderNumber }} готов к выдаче ({{ client.name }})', [
        MANAGER_CLIENT,
        'Все позиции заказа № {{ orderNumber }} на сумму {{ total }} ₽ в резерве: заказ готов к выдаче.',
        'Место выдачи: {{ warehouse }}',
        { if: 'pickupUntil', line: 'Заказ ждёт клиента до {{ pickupUntil }}.' },
      ]),
    ],
  },

  // 11 ----------------------------------------------------------------------
  {
    type: 'counterparty.category_changed',
    name: 'Изменение категории контрагента',
    description: 'При смене категории клиента (контрагента), например при переводе из розницы в опт.',
    source: 'erp',
    variables: [
      v('oldCategory', 'Прежняя категория', 'Розница'),
      v('newCategory', 'Новая категория', 'Оптовый покупатель'),
      v('discount', 'Скидка по новой категории, % (необязательно)', '7'),
      v('changedAt', 'Дата изменения', '24.11.2026'),
    ],
    channels: ['sms'],
    sendToClient: true,
    sendToManager: true,
    managerChannels: MANAGER_CHANNELS,
    templates: [
      sms('client', 'Ваша категория клиента изменена на «{{ newCategory }}».'),
      telegram(
        'client',
        telegramText(
          'С {{ changedAt }} ваша категория клиента изменена: «{{ oldCategory }}» → «{{ newCategory }}».',
          '{% if discount %}Теперь ваша скидка составляет {{ discount }}%.\n{% endif %}Спасибо, что работаете с нами!',
        ),
      ),
      email('client', 'Ваша категория клиента изменена', [
        'С {{ changedAt }} ваша категория клиента изменена: «{{ oldCategory }}» → «{{ newCategory }}».',
        { if: 'discount', line: 'Теперь ваша скидка составляет {{ discount }}%.' },
        'Спасибо, что работаете с нами!',
        CLIENT_MANAGER,
      ]),
      sms('manager', '{{ client.name }}: категория {{ oldCategory }} → {{ newCategory }}'),
      email('manager', 'Категория клиента {{ client.name }} изменена', [
        MANAGER_CLIENT,
        'С {{ changedAt }} категория клиента изменена: «{{ oldCategory }}» → «{{ newCategory }}».',
        { if: 'discount', line: 'Скидка по новой категории: {{ discount }}%.' },
      ]),
    ],
  },

  // 12 ----------------------------------------------------------------------
  {
    type: 'counterparty.block_status_changed',
    name: 'Изменение статуса блокировки контрагента',
    description: 'При изменении состояния блокировки клиента (контрагента): блокировка установлена или снята.',
    source: 'erp',
    variables: [
      v('blocked', 'Заблокирован ли клиент после изменения (true / false)', true),
      v('blockStatus', 'Новое состояние блокировки', 'Блокировка отгрузок'),
      v('blockReason', 'Причина блокировки (необязательно)', 'превышен лимит задолженности'),
      v('debt', 'Текущая задолженность, ₽ (необязательно)', '48 300,00'),
      v('changedAt', 'Дата изменения', '24.11.2026'),
    ],
    channels: ['sms'],
    sendToClient: true,
    sendToManager: true,
    managerChannels: MANAGER_CHANNELS,
    templates: [
      sms(
        'client',
        '{% if blocked %}Отгрузки приостановлены{% if blockReason %}: {{ blockReason }}{% endif %}.{% else %}Блокировка снята, отгрузки возобновлены.{% endif %}',
      ),
      telegram(
        'client',
        telegramText(
          '{% if blocked %}С {{ changedAt }} по вашему договору установлено ограничение «{{ blockStatus }}».{% if blockReason %}\nПричина: {{ blockReason }}{% endif %}{% if debt %}\nТекущая задолженность: {{ debt }} ₽.{% endif %}\nЧтобы снять ограничение, свяжитесь с менеджером{% if manager.phone %}: {{ manager.phone | phone }}{% endif %}.{% else %}С {{ changedAt }} блокировка снята, отгрузки возобновлены. Спасибо!{% endif %}',
        ),
      ),
      email('client', '{% if blocked %}Ограничение по договору: {{ blockStatus }}{% else %}Блокировка снята{% endif %}', [
        '{% if blocked %}С {{ changedAt }} по вашему договору установлено ограничение «{{ blockStatus }}».{% else %}С {{ changedAt }} блокировка снята, отгрузки возобновлены.{% endif %}',
        { if: 'blocked and blockReason', line: 'Причина: {{ blockReason }}' },
        { if: 'debt', line: 'Текущая задолженность: {{ debt }} ₽.' },
        { if: 'blocked', line: 'Чтобы снять ограничение, свяжитесь с менеджером.' },
        CLIENT_MANAGER,
      ]),
      sms(
        'manager',
        '{{ client.name }}: {% if blocked %}{{ blockStatus }}{% if blockReason %} ({{ blockReason }}){% endif %}{% else %}блокировка снята{% endif %}',
      ),
      email('manager', 'Статус блокировки клиента {{ client.name }}: {% if blocked %}{{ blockStatus }}{% else %}блокировка снята{% endif %}', [
        MANAGER_CLIENT,
        '{% if blocked %}С {{ changedAt }} установлено состояние «{{ blockStatus }}».{% else %}С {{ changedAt }} блокировка снята.{% endif %}',
        { if: 'blockReason', line: 'Причина: {{ blockReason }}' },
        { if: 'debt', line: 'Текущая задолженность: {{ debt }} ₽.' },
      ]),
    ],
  },

  // 13 ----------------------------------------------------------------------
  {
    type: 'transfer.posted',
    name: 'Проводка Перемещения (в разрезе ЗК)',
    description: 'При проведении документа «Перемещение»: товар по заказу клиента перемещён на другой склад.',
    source: 'erp',
    variables: [
      v('transferNumber', 'Номер документа «Перемещение»', 'ПМ-000098'),
      orderNumber,
      v('fromWarehouse', 'Склад-отправитель', 'Центральный склад'),
      v('toWarehouse', 'Склад-получатель', 'ПВЗ на Ленина, 12'),
      v('items', ITEMS_DESCRIPTION + ' — перемещённые позиции заказа', ORDER_ITEMS.slice(0, 2)),
    ],
    channels: ['sms'],
    sendToClient: true,
    sendToManager: false,
    managerChannels: MANAGER_CHANNELS,
    templates: [
      sms('client', 'Товар по заказу {{ orderNumber }} перемещён. Склад: {{ toWarehouse }}'),
      telegram(
        'client',
        telegramText(
          'Товар по вашему заказу № {{ orderNumber }} перемещён: {{ fromWarehouse }} → {{ toWarehouse }}.',
          '{% for item in items %}— {{ item.brand }} {{ item.article }}, {{ item.name }}: {{ item.quantity }} шт.\n{% endfor %}Мы сообщим, когда заказ будет готов к выдаче.',
        ),
      ),
      email('client', 'Заказ № {{ orderNumber }}: товар перемещён', [
        'Товар по вашему заказу № {{ orderNumber }} перемещён: {{ fromWarehouse }} → {{ toWarehouse }}.',
        itemsBlock('Перемещённые позиции:'),
        'Мы сообщим, когда заказ будет готов к выдаче.',
        CLIENT_MANAGER,
      ]),
      sms('manager', 'Перемещение {{ transferNumber }} по заказу {{ orderNumber }} ({{ client.name }}) проведено'),
      email('manager', 'Перемещение № {{ transferNumber }} по заказу № {{ orderNumber }} ({{ client.name }})', [
        MANAGER_CLIENT,
        'Проведено перемещение № {{ transferNumber }} по заказу № {{ orderNumber }}: {{ fromWarehouse }} → {{ toWarehouse }}.',
        itemsBlock('Перемещённые позиции:'),
      ]),
    ],
  },

  // 14 ----------------------------------------------------------------------
  {
    type: 'repair_zone_task.created',
    name: 'Новое Задание в ремзону',
    description: 'При создании нового задания в ремзону по заказ-наряду.',
    source: 'erp',
    variables: repairTaskVariables,
    channels: ['sms'],
    sendToClient: false,
    sendToManager: true,
    managerChannels: MANAGER_CHANNELS,
    templates: [
      sms('client', 'Автомобиль {{ plateNumber }} принят в работу, начало {{ plannedStart }}.'),
      telegram(
        'client',
        telegramText(
          'Ваш автомобиль {{ carModel }} ({{ plateNumber }}) принят в работу по заказ-наряду № {{ workOrderNumber }}.',
          'Работы: {{ taskDescription }}',
          'Начало: {{ plannedStart }}{% if plannedEnd %}, ориентировочное окончание: {{ plannedEnd }}{% endif %}.',
        ),
      ),
      email('client', 'Автомобиль {{ carModel }} ({{ plateNumber }}) принят в работу', [
        'Ваш автомобиль {{ carModel }} ({{ plateNumber }}) принят в работу по заказ-наряду № {{ workOrderNumber }}.',
        'Работы: {{ taskDescription }}',
        'Начало: {{ plannedStart }}{% if plannedEnd %}, ориентировочное окончание: {{ plannedEnd }}{% endif %}.',
        CLIENT_MANAGER,
      ]),
      sms('manager', 'Задание {{ taskNumber }}: {{ plateNumber }}, {{ repairZone }}, {{ plannedStart }}'),
      email('manager', 'Новое задание в ремзону № {{ taskNumber }}: {{ carModel }} ({{ plateNumber }})', [
        'Создано задание в ремзону № {{ taskNumber }}.',
        MANAGER_CLIENT,
        ...repairTaskEmailBlocks,
      ]),
    ],
  },

  // 15 ----------------------------------------------------------------------
  {
    type: 'repair_zone_task.changed',
    name: 'Изменения задания в ремзону',
    description: 'При изменении данных задания в ремзону: сроков, исполнителя, состава работ или состояния.',
    source: 'erp',
    variables: [
      ...repairTaskVariables,
      v('taskStatus', 'Текущее состояние задания', 'В работе'),
      v('changes', 'Что изменилось', 'Начало работ перенесено на 24.11.2026 12:00'),
    ],
    channels: ['sms'],
    sendToClient: false,
    sendToManager: true,
    managerChannels: MANAGER_CHANNELS,
    templates: [
      sms('client', 'Работы по авто {{ plateNumber }}: {{ taskStatus | downcase }}.'),
      telegram(
        'client',
        telegramText(
          'Изменения по работам с вашим автомобилем {{ carModel }} ({{ plateNumber }}), заказ-наряд № {{ workOrderNumber }}:',
          '{{ changes }}',
          'Состояние: {{ taskStatus }}.',
        ),
      ),
      email('client', 'Изменения по работам с автомобилем {{ carModel }} ({{ plateNumber }})', [
        'Изменения по работам с вашим автомобилем {{ carModel }} ({{ plateNumber }}), заказ-наряд № {{ workOrderNumber }}:',
        '{{ changes }}',
        'Состояние: {{ taskStatus }}.',
        CLIENT_MANAGER,
      ]),
      sms('manager', 'Задание {{ taskNumber }} ({{ plateNumber }}) изменено. {{ changes }}'),
      email('manager', 'Изменено задание в ремзону № {{ taskNumber }}: {{ carModel }} ({{ plateNumber }})', [
        'Изменено задание в ремзону № {{ taskNumber }}.',
        'Что изменилось: {{ changes }}',
        'Состояние: {{ taskStatus }}.',
        MANAGER_CLIENT,
        ...repairTaskEmailBlocks,
      ]),
    ],
  },

  // 16 ----------------------------------------------------------------------
  {
    type: 'customer_return.decision',
    name: 'Решение по Возврату клиента',
    description:
      'Когда по документу «Возврат клиента» принято решение и менеджер выполнил команду «Уведомить клиента».',
    source: 'erp',
    variables: [
      v('returnNumber', 'Номер документа «Возврат клиента»', 'ВК-000031'),
      v('returnDate', 'Дата возврата', '25.11.2026'),
      v('decision', 'Решение: «одобрен», «одобрен частично» или «отклонён»', 'одобрен'),
      v('refundAmount', 'Сумма к возврату, ₽ (необязательно)', '3 240,00'),
      v('comment', 'Комментарий к решению (необязательно)', 'Деньги поступят на карту в течение 5 рабочих дней.'),
      v('items', ITEMS_DESCRIPTION + ' — позиции возврата', REFUSED_ITEMS),
    ],
    channels: ['sms'],
    sendToClient: true,
    sendToManager: true,
    managerChannels: MANAGER_CHANNELS,
    templates: [
      sms('client', 'Возврат {{ returnNumber }}: {{ decision }}{% if refundAmount %}, сумма {{ refundAmount }} ₽{% endif %}.'),
      telegram(
        'client',
        telegramText(
          'По вашему возврату № {{ returnNumber }} от {{ returnDate }} принято решение: {{ decision }}.',
          '{% if refundAmount %}Сумма к возврату: {{ refundAmount }} ₽.\n{% endif %}{% if comment %}{{ comment }}\n{% endif %}Вопросы можно задать менеджеру{% if manager.phone %}: {{ manager.phone | phone }}{% endif %}.',
        ),
      ),
      email('client', 'Решение по возврату № {{ returnNumber }}: {{ decision }}', [
        'По вашему возврату № {{ returnNumber }} от {{ returnDate }} принято решение: {{ decision }}.',
        itemsBlock('Позиции возврата:'),
        { if: 'refundAmount', line: 'Сумма к возврату: {{ refundAmount }} ₽.' },
        { if: 'comment', line: '{{ comment }}' },
        CLIENT_MANAGER,
      ]),
      sms('manager', 'Возврат {{ returnNumber }} ({{ client.name }}): {{ decision }}, клиент уведомлён'),
      email('manager', 'Возврат № {{ returnNumber }} ({{ client.name }}): {{ decision }}', [
        MANAGER_CLIENT,
        'Клиенту отправлено решение по возврату № {{ returnNumber }} от {{ returnDate }}: {{ decision }}.',
        { if: 'refundAmount', line: 'Сумма к возврату: {{ refundAmount }} ₽.' },
        { if: 'comment', line: 'Комментарий: {{ comment }}' },
        itemsBlock('Позиции:'),
      ]),
    ],
  },

  // 17 ----------------------------------------------------------------------
  {
    type: 'transport_request.checklist_event',
    name: 'Чек-лист заявки на перевозку: установлено фактическое время события',
    description:
      'Когда в чек-листе заявки на перевозку (Клиенты \\ Заявки \\ Заявка \\ Перевозка \\ Чек-лист) указано фактическое время события, выбранного в шаблоне заявок, и установлен флаг рассылки: клиенту уходит письмо.',
    source: 'logistics',
    variables: [
      v('requestNumber', 'Номер заявки на перевозку', 'ЗП-001874'),
      v('checklistEvent', 'Событие чек-листа', 'Погрузка'),
      v('actualTime', 'Фактическое время события', '23.11.2026 14:30'),
      v('plannedTime', 'Плановое время события (необязательно)', '23.11.2026 14:00'),
      v('loadingAddress', 'Адрес погрузки', 'г. Москва, ул. Складская, д. 5'),
      v('unloadingAddress', 'Адрес выгрузки', 'г. Казань, ул. Тэцевская, д. 14'),
      v('cargo', 'Груз', 'Автозапчасти, 12 паллет, 4 300 кг'),
      v('vehicle', 'Транспортное средство (необязательно)', 'MAN TGX, Р456КМ799'),
      v('driver', 'Водитель (необязательно)', 'Кузнецов Павел Игоревич'),
      v('comment', 'Комментарий к событию (необязательно)', 'Груз принят без замечаний, пломба № 0458213.'),
    ],
    channels: ['email'],
    sendToClient: true,
    sendToManager: false,
    managerChannels: ['email'],
    templates: [
      email('client', 'Заявка № {{ requestNumber }}: {{ checklistEvent }} — {{ actualTime }}', [
        'По заявке на перевозку № {{ requestNumber }} выполнено событие «{{ checklistEvent }}».',
        'Фактическое время: {{ actualTime }}{% if plannedTime %} (по плану: {{ plannedTime }}){% endif %}',
        'Маршрут: {{ loadingAddress }} → {{ unloadingAddress }}',
        'Груз: {{ cargo }}',
        { if: 'vehicle', line: 'Транспорт: {{ vehicle }}{% if driver %}, водитель: {{ driver }}{% endif %}' },
        { if: 'comment', line: 'Комментарий: {{ comment }}' },
        CLIENT_MANAGER,
      ], LEGAL_ENTITY_SIGNATURE),
    ],
    // Seed 000: the checklist steps a mailing can be on or off for, named by `checklistEvent`.
    subEventVariable: 'checklistEvent',
    subEvents: [
      { code: 'arrival_loading', name: 'Прибытие на погрузку', active: true },
      { code: 'loading', name: 'Погрузка', active: true },
      { code: 'arrival_unloading', name: 'Прибытие на выгрузку', active: true },
      {
        code: 'unloading',
        name: 'Выгрузка',
        active: true,
        templates: {
          email: {
            subject: 'Заявка № {{ requestNumber }}: груз доставлен — {{ actualTime }}',
            ...(() => {
              const delivered = email('client', '', [
                'Груз по заявке на перевозку № {{ requestNumber }} доставлен и выгружен.',
                'Фактическое время выгрузки: {{ actualTime }}{% if plannedTime %} (по плану: {{ plannedTime }}){% endif %}',
                'Адрес выгрузки: {{ unloadingAddress }}',
                'Груз: {{ cargo }}',
                { if: 'comment', line: 'Комментарий: {{ comment }}' },
                'Оригиналы документов направим вам в ближайшее время.',
                CLIENT_MANAGER,
              ], LEGAL_ENTITY_SIGNATURE);
              return { html: delivered.html!, text: delivered.text };
            })(),
          },
        },
      },
      { code: 'documents', name: 'Сдача документов', active: false },
    ],
  },
];
