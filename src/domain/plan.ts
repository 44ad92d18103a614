/**
 * Who is told about an event, on which channels and with which templates:
 * the rules of R6 (reserve channel), R8 (event type settings), R11 (contacts
 * and the responsible manager), R12 (a client's own settings) and seed 000's
 * fixed extra addresses, applied to rows already loaded. Pure, so every rule
 * is unit-tested without a database or Temporal.
 */
import { contactDeliveryKey, extraAddressDeliveryKey, managerDeliveryKey, trackedAlertDeliveryKey } from './keys';
import type {
  AttachmentTemplate,
  Audience,
  Channel,
  CompanyMode,
  EmailAddress,
  EmailDelivery,
  LegalEntity,
  SubEvent,
  TemplateOverrides,
  TemplateOverride,
  PrimaryChannel,
} from './vocabulary';

/** The template of one channel, with the client's own overrides already applied. */
export interface ChannelTemplate {
  subject?: string | null;
  html?: string | null;
  text?: string | null;
  fromName?: string | null;
  /** E-mail: the From address of the template's legal entity; absent: the company's. */
  fromAddress?: string | null;
  /** E-mail: the template's legal entity (seed 000 "Наша компания"): the `legalEntity` variable, its signature appended when unused. */
  legalEntity?: { id: string; name: string; signature: string } | null;
  attachments?: AttachmentTemplate[];
}

/** One way to reach a recipient; `address` is null when the recipient has none for that channel. */
export interface Route {
  channel: Channel;
  address: string | null;
}

/** One person to tell, with the channels to try in order. */
export interface PlannedDelivery {
  /** Stable within the event: used in step keys and message ids. */
  key: string;
  audience: Audience;
  recipientName: string;
  routes: Route[];
  templates: Partial<Record<Channel, ChannelTemplate>>;
  /** Template variables about this recipient. */
  recipient: Record<string, unknown>;
  /** The client turned this notification off (R12); what happens then depends on `trackedByManager`. */
  optedOut?: boolean;
  /** Template variables of this delivery alone, laid over all others (the tracked alert's link). */
  data?: Record<string, unknown>;
}

export interface Plan {
  mode: CompanyMode;
  /** Why nothing is planned, when nothing is. */
  skipReason?: string;
  confirm: { required: boolean; timeoutSeconds: number };
  trackedByManager: boolean;
  emailDelivery: EmailDelivery;
  from: EmailAddress;
  deliveries: PlannedDelivery[];
  /** Template variables besides the event's data: `company`, `client`, `manager`. */
  context: Record<string, unknown>;
  /**
   * R14: who is told when an entry becomes "not sent, tracked by manager": the
   * client's responsible manager on the type's manager channels (SMS to the
   * mobile, e-mail as reserve by default). Set only where it can happen.
   */
  trackedAlert?: PlannedDelivery;
  /** The console's address for links in messages (`PUBLIC_URL`); set by the activity that loads the plan. */
  consoleUrl?: string;
}

/** Someone with addresses: a client's contact or a manager. */
export interface Reachable {
  name: string;
  email: string | null;
  phone: string | null;
  telegramChatId: string | null;
}

/** What the plan needs of the rows about one event; missing rows are `undefined`. */
export interface PlanInputs {
  company: {
    name: string;
    mode: CompanyMode;
    emailFrom: string;
    emailFromName: string;
    reserveChannel: Channel | null;
    /** Seed 002: the company's primary messaging channel; null or absent: each type's own order. */
    primaryChannel?: PrimaryChannel | null;
    /** Seed 000 "Наша компания": the legal entities templates may send as. */
    legalEntities?: readonly LegalEntity[];
  };
  eventType:
    | {
        type: string;
        /** People's name of the type, e.g. "Заказ готов к выдаче". */
        name?: string;
        active: boolean;
        confirmBeforeSend: boolean;
        confirmTimeoutSeconds: number;
        sendToClient: boolean;
        sendToManager: boolean;
        trackedByManager: boolean;
        emailDelivery: EmailDelivery;
        channels: Channel[];
        managerChannels: Channel[];
        /** Seed 000: the data variable naming the event's step; null or absent: no sub-events. */
        subEventVariable?: string | null;
        subEvents?: readonly SubEvent[];
      }
    | undefined;
  counterparty: { id: string; name: string } | undefined;
  /** The counterparty's responsible manager. */
  manager: (Reachable & { id: string }) | undefined;
  /** The event type's templates, both audiences. */
  templates: readonly TemplateRow[];
  /** The client's own settings for this event type (R12). */
  override: { send: boolean; templates: TemplateOverrides; attachments: AttachmentTemplate[] | null } | undefined;
  /** The client's contacts, in their list order. */
  contacts: readonly (Reachable & { id: number })[];
}

export interface TemplateRow {
  audience: Audience;
  channel: Channel;
  subject: string | null;
  html: string | null;
  text: string | null;
  fromName: string | null;
  attachments: AttachmentTemplate[];
  /** E-mail: fixed extra recipients (seed 000 "Адреса"). */
  extraRecipients: string[];
  /** E-mail: seed 000 "Адреса" chosen from the client's employees. */
  extraContactIds?: number[];
  /** E-mail: the legal entity it is sent as; null: the company's own From. */
  legalEntityId?: string | null;
}

export const DEFAULT_CONFIRM_TIMEOUT_SECONDS = 86_400;

/** Seed 002: the responsible manager hears by SMS to the mobile, e-mail as reserve. */
export const DEFAULT_MANAGER_CHANNELS: Channel[] = ['sms', 'email'];

/**
 * What the responsible manager gets when an entry becomes "not sent, tracked by
 * manager" (R14). Variables: `client`, `eventTypeName`, `tracked.names`
 * (the contacts not told), `tracked.count`, `link` (the event in the console).
 */
export const TRACKED_ALERT_TEMPLATES: Record<Channel, ChannelTemplate> = {
  sms: {
    subject: null,
    html: null,
    text: 'Не отправлено клиенту {{ client.name }}: «{{ eventTypeName }}» (уведомление отключено). Решите, отправить ли: {{ link }}',
    fromName: null,
    attachments: [],
  },
  telegram: {
    subject: null,
    html: null,
    text:
      'Клиент {{ client.name }} отключил уведомление «{{ eventTypeName }}», сообщение не отправлено ({{ tracked.names }}).\n' +
      'Отправьте его вручную (текст можно изменить) или закройте: {{ link }}',
    fromName: null,
    attachments: [],
  },
  email: {
    subject: 'Ждёт вашего решения: «{{ eventTypeName }}» для {{ client.name }}',
    html: null,
    text:
      '{{ recipient.name }}, добрый день!\n\n' +
      'Клиент {{ client.name }} отключил уведомление «{{ eventTypeName }}», поэтому сообщение не отправлено. ' +
      'Получатели: {{ tracked.names }}.\n\n' +
      'Отправьте его вручную (текст и получателя можно изменить) или закройте запись в журнале:\n{{ link }}\n',
    fromName: null,
    attachments: [],
  },
};

/** Builds the plan of one event of type `eventType` about counterparty `counterpartyId`. */
export function buildPlan(event: { eventType: string; counterpartyId: string; data?: Record<string, unknown> }, inputs: PlanInputs): Plan {
  const { company, eventType, counterparty, manager, override } = inputs;
  const plan: Plan = {
    mode: company.mode,
    confirm: {
      required: eventType?.confirmBeforeSend ?? false,
      timeoutSeconds: eventType?.confirmTimeoutSeconds ?? DEFAULT_CONFIRM_TIMEOUT_SECONDS,
    },
    trackedByManager: eventType?.trackedByManager ?? false,
    emailDelivery: eventType?.emailDelivery ?? 'immediate',
    from: { name: company.emailFromName, address: company.emailFrom },
    deliveries: [],
    context: {
      company: { name: company.name },
      client: { id: event.counterpartyId, name: counterparty?.name ?? '' },
      eventTypeName: eventType?.name ?? event.eventType,
      manager: manager ? { name: manager.name, email: manager.email ?? '', phone: manager.phone ?? '' } : {},
      // Replaced by the template's own legal entity where it has one.
      legalEntity: { id: '', name: company.name, signature: '' },
    },
  };
  if (!eventType) return { ...plan, skipReason: `event type ${event.eventType} is not configured` };
  if (!eventType.active) return { ...plan, skipReason: `event type ${event.eventType} is inactive` };
  if (!counterparty) return { ...plan, skipReason: `counterparty ${event.counterpartyId} not found` };
  const step = subEventOf(eventType, event.data ?? {});
  if (step && 'skipReason' in step) return { ...plan, skipReason: step.skipReason };
  if (step) plan.context.subEvent = { code: step.subEvent.code, name: step.subEvent.name };
  const entities = company.legalEntities ?? [];

  const optedOut = override?.send === false ? { optedOut: true } : {};
  if (eventType.sendToClient) {
    const clientChannels = clientChannelsOf(eventType.channels, company.reserveChannel, company.primaryChannel ?? null);
    const clientTemplates = templatesFor(inputs.templates, 'client', clientChannels, override?.templates, override?.attachments ?? undefined, {
      entities,
      ...(step ? { step: step.subEvent.templates } : {}),
    });
    const emailTemplate = inputs.templates.find((t) => t.audience === 'client' && t.channel === 'email');
    // Seed 000 "Адреса" chosen from the client's employees: when they name some of this client's
    // contacts, the e-mail goes to those alone; the others keep their other channels.
    const chosen = new Set(emailTemplate?.extraContactIds ?? []);
    const restrictEmail = clientTemplates.email !== undefined && inputs.contacts.some((c) => chosen.has(c.id));
    for (const person of inputs.contacts) {
      const channels = restrictEmail && !chosen.has(person.id) ? clientChannels.filter((c) => c !== 'email') : clientChannels;
      if (channels.length === 0) continue;
      plan.deliveries.push({
        key: contactDeliveryKey(person.id),
        audience: 'client',
        recipientName: person.name,
        routes: channels.map((channel) => ({ channel, address: addressOf(person, channel) })),
        templates: clientTemplates,
        recipient: recipientVariables(person),
        ...optedOut,
      });
    }
    // Seed 000 "Адреса": fixed extra addresses named by the e-mail template. They have no
    // name: `recipient.name` is empty, so a greeting reads «Здравствуйте!», never the address.
    if (clientChannels.includes('email') && clientTemplates.email) {
      const taken = new Set(inputs.contacts.map((c) => c.email?.toLowerCase()).filter(Boolean));
      for (const [i, address] of (emailTemplate?.extraRecipients ?? []).entries()) {
        if (taken.has(address.toLowerCase())) continue;
        plan.deliveries.push({
          key: extraAddressDeliveryKey(i),
          audience: 'client',
          recipientName: address,
          routes: [{ channel: 'email', address }],
          templates: { email: clientTemplates.email },
          recipient: { name: '', email: address, phone: '' },
          ...optedOut,
        });
      }
    }
  }

  if (eventType.sendToClient && eventType.trackedByManager && override?.send === false && manager) {
    const channels: Channel[] = eventType.managerChannels.length ? eventType.managerChannels : DEFAULT_MANAGER_CHANNELS;
    plan.trackedAlert = {
      key: trackedAlertDeliveryKey(manager.id),
      audience: 'manager',
      recipientName: manager.name,
      routes: channels.map((channel) => ({ channel, address: addressOf(manager, channel) })),
      templates: Object.fromEntries(channels.map((channel) => [channel, TRACKED_ALERT_TEMPLATES[channel]])),
      recipient: recipientVariables(manager),
    };
  }

  if (eventType.sendToManager && manager) {
    plan.deliveries.push({
      key: managerDeliveryKey(manager.id),
      audience: 'manager',
      recipientName: manager.name,
      routes: eventType.managerChannels.map((channel) => ({ channel, address: addressOf(manager, channel) })),
      templates: templatesFor(inputs.templates, 'manager', eventType.managerChannels, undefined, undefined, { entities }),
      recipient: recipientVariables(manager),
    });
  }

  if (plan.deliveries.length === 0) {
    return { ...plan, skipReason: eventType.sendToClient ? 'the client has no contacts' : 'nobody is to be notified' };
  }
  return plan;
}

/**
 * The client channels of an event, first choice first. R6: a Telegram-first
 * event falls back to the company's reserve channel. Seed 002: a company's
 * primary messaging channel applies to every type that sends by Telegram or
 * SMS: Telegram first then the reserve (SMS unless another is set), or SMS
 * first; the type's other channels (e-mail) follow. E-mail-only types keep theirs.
 */
export function clientChannelsOf(channels: readonly Channel[], reserve: Channel | null, primary: PrimaryChannel | null = null): Channel[] {
  const messaging = channels.some((c) => c === 'telegram' || c === 'sms');
  if (primary && messaging) {
    const first: Channel[] = primary === 'telegram' ? ['telegram', reserve && reserve !== 'telegram' ? reserve : 'sms'] : ['sms'];
    return [...first, ...channels.filter((c) => !first.includes(c) && c !== 'telegram' && c !== 'sms')];
  }
  const result = [...channels];
  if (result[0] === 'telegram' && reserve && !result.includes(reserve)) result.push(reserve);
  return result;
}

export function addressOf(person: Pick<Reachable, 'email' | 'phone' | 'telegramChatId'>, channel: Channel): string | null {
  if (channel === 'email') return person.email;
  if (channel === 'sms') return person.phone;
  return person.telegramChatId;
}

function recipientVariables(person: Reachable): Record<string, unknown> {
  return { name: person.name, email: person.email ?? '', phone: person.phone ?? '' };
}

/**
 * The templates of an audience per channel: the step's own template (seed 000
 * sub-events) over the type's, a client's overrides (R12) over both, and the
 * legal entity the template sends as.
 */
function templatesFor(
  rows: readonly TemplateRow[],
  audience: Audience,
  channelList: readonly Channel[],
  overrides?: TemplateOverrides,
  attachmentOverride?: AttachmentTemplate[],
  { entities = [], step }: { entities?: readonly LegalEntity[]; step?: TemplateOverrides | undefined } = {},
): Partial<Record<Channel, ChannelTemplate>> {
  const result: Partial<Record<Channel, ChannelTemplate>> = {};
  for (const channel of channelList) {
    const row = rows.find((t) => t.audience === audience && t.channel === channel);
    if (!row) continue;
    const own = overrides?.[channel];
    const ofStep: TemplateOverride | undefined = step?.[channel];
    const entity = row.legalEntityId ? entities.find((e) => e.id === row.legalEntityId) : undefined;
    result[channel] = {
      subject: own?.subject ?? ofStep?.subject ?? row.subject,
      html: own?.html ?? ofStep?.html ?? row.html,
      text: own?.text ?? ofStep?.text ?? row.text,
      fromName: row.fromName ?? (entity ? entity.fromName || entity.name : null),
      ...(entity ? { fromAddress: entity.fromAddress, legalEntity: { id: entity.id, name: entity.name, signature: entity.signature } } : {}),
      attachments: attachmentOverride ?? row.attachments,
    };
  }
  return result;
}

/** Why an event of a type with sub-events is not sent, or the step it names. */
export type SubEventMatch = { subEvent: SubEvent } | { skipReason: string };

/**
 * Seed 000: the step an event names in its type's `subEventVariable` (by code or
 * by name, case and surrounding spaces aside), or why nothing is sent: no step
 * named, a step the type does not declare, or a step that is off. Undefined for
 * a type without sub-events.
 */
export function subEventOf(
  eventType: { subEventVariable?: string | null; subEvents?: readonly SubEvent[] },
  data: Record<string, unknown>,
): SubEventMatch | undefined {
  const variable = eventType.subEventVariable;
  const steps = eventType.subEvents ?? [];
  if (!variable || steps.length === 0) return undefined;
  const raw = data[variable];
  const named = typeof raw === 'string' || typeof raw === 'number' ? String(raw).trim() : '';
  if (!named) {
    return { skipReason: `В событии не указан шаг (переменная ${variable}): рассылка этого типа идёт только по шагам из его настроек` };
  }
  const key = normalizeStep(named);
  const found = steps.find((s) => normalizeStep(s.code) === key || normalizeStep(s.name) === key);
  if (!found) return { skipReason: `Шаг «${named}» не выбран в настройках типа события: рассылка по нему не настроена` };
  if (!found.active) return { skipReason: `Рассылка по шагу «${found.name}» выключена в настройках типа события` };
  return { subEvent: found };
}

function normalizeStep(value: string): string {
  return value.trim().toLowerCase().replace(/ё/g, 'е').replace(/\s+/g, ' ');
}

/** The From of one e-mail: the template's legal entity's address and name where it has them, else the company's. */
export function senderOf(base: EmailAddress, message: { fromName?: string | null; fromAddress?: string | null }): EmailAddress {
  return { name: message.fromName || base.name, address: message.fromAddress || base.address };
}
