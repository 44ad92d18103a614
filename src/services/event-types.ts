import type { Db } from '../db/client';
import { createConfigChangeRepository } from '../db/repositories/config-changes';
import { createEventTypeRepository, type EventTypeFields, type EventTypeWithTemplates, type TemplateValues } from '../db/repositories/event-types';
import type { EventType, Template } from '../db/schema';
import { BadRequestError, NotFoundError, UnprocessableError } from '../domain/errors';
import { analyzeSms, pluralRu, smsCount, type SmsAnalysis } from '../domain/sms';
import { createCounterpartyRepository } from '../db/repositories/counterparties';
import { DEFAULT_MANAGER_CHANNELS as PLAN_DEFAULT_MANAGER_CHANNELS } from '../domain/plan';
import {
  managerTemplateProblems,
  sampleFor,
  type TemplatesInput,
} from '../domain/template-checks';
import { builtinSampleData, type TemplateKind } from '../domain/templates';
import { runTemplateTask } from './template-pool';
import { AUDIENCES, CHANNELS, type Audience, type Channel, type SubEvent, type TemplateOverrides } from '../domain/vocabulary';
import type { ErrorDetail } from '../domain/errors';
import { createCompanyRepository } from '../db/repositories/companies';

/** One channel's template as a caller writes it; fields left out are empty. */
export interface TemplateInput {
  subject?: string | undefined;
  html?: string | null | undefined;
  text?: string | null | undefined;
  fromName?: string | null | undefined;
  attachments?: { filename: string; content: string; contentType: string }[] | undefined;
  extraRecipients?: string[] | undefined;
  extraContactIds?: number[] | undefined;
  legalEntityId?: string | null | undefined;
}

/** One sub-event of a PATCH keyed by code: fields left out keep their value; a new one needs `name` and `active`. */
export interface SubEventPatch {
  name?: string | undefined;
  active?: boolean | undefined;
  templates?: TemplateOverrides | null | undefined;
}

/** A PATCH of an event type: like a change, but `subEvents` may be keyed by code (null removes one). */
export interface EventTypePatchChange extends Omit<EventTypeChange, 'subEvents'> {
  subEvents?: SubEvent[] | Record<string, SubEventPatch | null> | undefined;
}

/** A change of an event type: fields left out keep their value; a template set to null is removed. */
export interface EventTypeChange extends EventTypeFields {
  templates?: TemplatesInput<TemplateInput> | undefined;
}

/** What to preview: a string template for SMS and Telegram, `{ subject, html, text }` for e-mail. */
export interface PreviewRequest {
  channel: Channel;
  template: string | { subject: string; html?: string | null | undefined; text?: string | null | undefined };
  data?: Record<string, unknown> | undefined;
  /** Whose variables' examples fill the sample data. */
  eventType?: string | undefined;
  /** SMS: the client whose contacts with a phone the text would go to, for the cost of one event. */
  counterpartyId?: string | undefined;
}

/** What an SMS text costs: segments per recipient, and for one client's recipients when one is named. */
export interface SmsCost {
  perRecipient: number;
  recipients: number | null;
  total: number | null;
  /** In Russian: «2 SMS на получателя», «2 SMS × 3 получателя = 6 SMS». */
  text: string;
}

export interface PreviewResult {
  channel: Channel;
  subject?: string;
  html?: string | null;
  text: string;
  sms?: SmsAnalysis & { warning?: string; cost: SmsCost };
}

/** An event type with its templates as the API shows it and the configuration history records it. */
export function eventTypeView({ eventType, templates }: EventTypeWithTemplates) {
  const byAudience = (audience: Audience) =>
    Object.fromEntries(templates.filter((t) => t.audience === audience).map((t) => [t.channel, templateView(t)]));
  return {
    type: eventType.type,
    name: eventType.name,
    description: eventType.description,
    source: eventType.source,
    variables: eventType.variables,
    active: eventType.active,
    confirmBeforeSend: eventType.confirmBeforeSend,
    confirmTimeoutSeconds: eventType.confirmTimeoutSeconds,
    sendToClient: eventType.sendToClient,
    sendToManager: eventType.sendToManager,
    trackedByManager: eventType.trackedByManager,
    defaultSendForNewClients: eventType.defaultSendForNewClients,
    emailDelivery: eventType.emailDelivery,
    channels: eventType.channels,
    managerChannels: eventType.managerChannels,
    resendWhenUnknown: eventType.resendWhenUnknown,
    subEventVariable: eventType.subEventVariable,
    subEvents: eventType.subEvents,
    templates: { client: byAudience('client'), manager: byAudience('manager') },
    updatedAt: eventType.updatedAt.toISOString(),
  };
}
export type EventTypeView = ReturnType<typeof eventTypeView>;

function templateView(t: Template) {
  return {
    subject: t.subject,
    html: t.html,
    text: t.text,
    fromName: t.fromName,
    attachments: t.attachments,
    extraRecipients: t.extraRecipients,
    extraContactIds: t.extraContactIds,
    legalEntityId: t.legalEntityId,
    updatedAt: t.updatedAt.toISOString(),
  };
}

function templateValues(input: TemplateInput): TemplateValues {
  return {
    subject: input.subject ?? null,
    html: input.html ?? null,
    text: input.text ?? null,
    fromName: input.fromName ?? null,
    attachments: (input.attachments ?? []).map((a) => ({ ...a, contentType: a.contentType || 'text/plain; charset=utf-8' })),
    extraRecipients: input.extraRecipients ?? [],
    extraContactIds: input.extraContactIds ?? [],
    legalEntityId: input.legalEntityId ?? null,
  };
}

/**
 * The sub-events after a PATCH keyed by code: named ones changed (null
 * removes), new ones added at the end, the others kept.
 * @throws BadRequestError naming `/body/subEvents/<code>/name` or `/active` of a new step without them.
 */
export function mergeSubEvents(stored: readonly SubEvent[], patch: Record<string, SubEventPatch | null>): SubEvent[] {
  const problems: ErrorDetail[] = [];
  const result: SubEvent[] = [];
  for (const old of stored) {
    if (!(old.code in patch)) {
      result.push(old);
      continue;
    }
    const change = patch[old.code];
    if (change === null || change === undefined) continue;
    const templates = change.templates === undefined ? old.templates : change.templates;
    result.push({
      code: old.code,
      name: change.name ?? old.name,
      active: change.active ?? old.active,
      ...(templates ? { templates } : {}),
    });
  }
  for (const [code, change] of Object.entries(patch)) {
    if (change === null || stored.some((s) => s.code === code)) continue;
    if (change.name === undefined) problems.push({ path: `/body/subEvents/${code}/name`, message: 'is required for a new sub-event' });
    if (change.active === undefined) problems.push({ path: `/body/subEvents/${code}/active`, message: 'is required for a new sub-event' });
    if (change.name === undefined || change.active === undefined) continue;
    result.push({ code, name: change.name, active: change.active, ...(change.templates ? { templates: change.templates } : {}) });
  }
  if (problems.length > 0) throw new BadRequestError('invalid sub-events', problems);
  return result;
}

/** The sub-event settings a change leaves, checked: all problems at once, each naming its field. */
function subEventProblems(variable: string | null, subEvents: readonly SubEvent[], variables: readonly { name: string }[]): ErrorDetail[] {
  const problems: ErrorDetail[] = [];
  if (subEvents.length > 0 && !variable) {
    problems.push({ path: '/body/subEventVariable', message: 'is required when the event type has sub-events: the variable of data that names the step, e.g. checklistEvent' });
  }
  if (variable && !variables.some((v) => v.name === variable)) {
    problems.push({
      path: '/body/subEventVariable',
      message: `must be one of the event type's variables (${variables.map((v) => v.name).join(', ') || 'none declared'})`,
    });
  }
  const codes = new Set<string>();
  const names = new Set<string>();
  for (const [i, sub] of subEvents.entries()) {
    if (codes.has(sub.code)) problems.push({ path: `/body/subEvents/${i}/code`, message: `duplicate sub-event code "${sub.code}"` });
    const name = sub.name.trim().toLowerCase().replace(/ё/g, 'е');
    if (names.has(name)) problems.push({ path: `/body/subEvents/${i}/name`, message: `duplicate sub-event name «${sub.name}»` });
    codes.add(sub.code);
    names.add(name);
  }
  return problems;
}

/** Seed 002's table of SMS lengths ends at 4 segments: a longer text costs more than a business expects. */
const SMS_SEGMENTS_WARNING = 4;

/** "Текст займёт 5 SMS: каждый получатель оплачивается как 5 сообщений" (Russian plural forms). */
function smsSegmentsWarning(segments: number): string {
  const mod10 = segments % 10;
  const mod100 = segments % 100;
  const word = mod10 === 1 && mod100 !== 11 ? 'сообщение' : mod10 >= 2 && mod10 <= 4 && (mod100 < 12 || mod100 > 14) ? 'сообщения' : 'сообщений';
  return `Текст займёт ${segments} SMS (больше ${SMS_SEGMENTS_WARNING}): каждому получателю уйдёт ${segments} ${word}, и каждое оплачивается. Сократите текст.`;
}

/** The cost line of the preview: per recipient, and times the recipients of one client when known. */
export function smsCost(segments: number, recipients: number | null): SmsCost {
  const each = smsCount(segments);
  if (recipients === null) return { perRecipient: segments, recipients: null, total: null, text: `${each} на получателя` };
  const total = segments * recipients;
  const who = `${recipients} ${pluralRu(recipients, 'получатель', 'получателя', 'получателей')}`;
  return { perRecipient: segments, recipients, total, text: `${each} × ${who} = ${smsCount(total)}` };
}

/**
 * An event type created without manager channels tells the manager as seed
 * 002 says: an SMS to the manager's mobile first, e-mail as reserve (the plan's
 * default too). Set on create, since the column's own default is e-mail only.
 */
const DEFAULT_MANAGER_CHANNELS: Channel[] = PLAN_DEFAULT_MANAGER_CHANNELS;

/** The manager settings an event type will have once `change` is saved over `before`. */
function managerSettingsAfter(before: EventTypeWithTemplates | undefined, change: EventTypeChange) {
  const stored = new Set(before?.templates.filter((t) => t.audience === 'manager').map((t) => t.channel) ?? []);
  for (const channel of CHANNELS) {
    const input = change.templates?.manager?.[channel];
    if (input === null) stored.delete(channel);
    else if (input !== undefined) stored.add(channel);
  }
  return {
    sendToManager: change.sendToManager ?? before?.eventType.sendToManager ?? false,
    managerChannels: change.managerChannels ?? before?.eventType.managerChannels ?? DEFAULT_MANAGER_CHANNELS,
    templateChannels: [...stored],
  };
}

/** Event types (R7), their settings (R8) and their templates per audience and channel (R9). */
export function createEventTypeService(db: Db) {
  const eventTypes = createEventTypeRepository(db);

  /**
   * A template's legal entity must be one of the company's, and its "Адреса"
   * contacts the company's clients' employees.
   * @throws UnprocessableError `UNKNOWN_REFERENCE` naming each field.
   */
  const checkTemplateReferences = async (companyId: string, templates: TemplatesInput<TemplateInput> | undefined): Promise<void> => {
    const problems: ErrorDetail[] = [];
    const company = await createCompanyRepository(db).find(companyId);
    const entities = company?.legalEntities ?? [];
    for (const audience of AUDIENCES) {
      for (const channel of CHANNELS) {
        const t = templates?.[audience]?.[channel];
        if (!t) continue;
        const base = `/body/templates/${audience}/${channel}`;
        if (t.legalEntityId && !entities.some((e) => e.id === t.legalEntityId)) {
          problems.push({
            path: `${base}/legalEntityId`,
            message: `no legal entity "${t.legalEntityId}" in the settings (legalEntities: ${entities.map((e) => e.id).join(', ') || 'none'})`,
          });
        }
        const ids = t.extraContactIds ?? [];
        if (ids.length > 0) {
          const known = new Set(await eventTypes.existingContactIds(companyId, ids));
          const unknown = ids.filter((id) => !known.has(id));
          if (unknown.length > 0) problems.push({ path: `${base}/extraContactIds`, message: `no contact with id ${unknown.join(', ')} among the clients' employees` });
        }
        if ((t.legalEntityId || ids.length > 0) && channel !== 'email') {
          problems.push({ path: base, message: 'a legal entity and "Адреса" apply to e-mail templates only' });
        }
      }
    }
    if (problems.length > 0) throw new UnprocessableError('UNKNOWN_REFERENCE', `template refused: ${problems.map((p) => `${p.path}: ${p.message}`).join('; ')}`, problems);
  };

  /** The sample data templates are checked and previewed with: the event type's examples, or the built-ins alone. */
  /** The contacts with a phone of one client: whom an SMS to that client reaches. */
  const smsRecipientsOf = async (companyId: string, counterpartyId: string): Promise<number> => {
    const counterparties = createCounterpartyRepository(db);
    if (!(await counterparties.exists(companyId, counterpartyId))) throw new NotFoundError(`counterparty ${counterpartyId}`);
    return counterparties.contactsWithPhone(companyId, counterpartyId);
  };

  const sampleOf = async (companyId: string, type: string | undefined): Promise<Record<string, unknown>> => {
    if (!type) return builtinSampleData();
    const found: EventType | undefined = await eventTypes.find(companyId, type);
    if (!found) throw new NotFoundError(`event type ${type}`);
    return sampleFor(found.variables);
  };

  return {
    async list(companyId: string): Promise<EventTypeView[]> {
      return (await eventTypes.listWithTemplates(companyId)).map(eventTypeView);
    },

    /** @throws NotFoundError */
    async get(companyId: string, type: string): Promise<EventTypeView> {
      const found = await eventTypes.findWithTemplates(companyId, type);
      if (!found) throw new NotFoundError(`event type ${type}`);
      return eventTypeView(found);
    },

    /**
     * Creates or changes an event type with its templates, in one transaction
     * with the record of the change. Every template is checked first, and so
     * are the saved ones (the company's and each client's) when the variables change.
     * @throws BadRequestError for a new event type without a name.
     * @throws UnprocessableError `TEMPLATE_ERROR` naming every refused field;
     *   `MANAGER_TEMPLATE_MISSING` when the manager is to be told but has no template on any of the manager channels.
     */
    /**
     * PATCH (JSON merge semantics): like `save`, but a template names only the
     * fields it changes (e.g. `fromName` alone) and keeps the stored others;
     * null still removes a template. Only an existing event type is patched.
     * @throws NotFoundError for an unknown event type.
     */
    async patch(companyId: string, type: string, patch: EventTypePatchChange, actor: string): Promise<EventTypeView> {
      const before = await eventTypes.findWithTemplates(companyId, type);
      if (!before) throw new NotFoundError(`event type ${type}`);
      const { subEvents, ...rest } = patch;
      const change: EventTypeChange = {
        ...rest,
        ...(subEvents === undefined ? {} : { subEvents: Array.isArray(subEvents) ? subEvents : mergeSubEvents(before.eventType.subEvents, subEvents) }),
      };
      const templates: TemplatesInput<TemplateInput> = {};
      for (const audience of AUDIENCES) {
        for (const channel of CHANNELS) {
          const input = change.templates?.[audience]?.[channel];
          if (input === undefined) continue;
          const stored = before.templates.find((t) => t.audience === audience && t.channel === channel);
          const merged: TemplateInput | null =
            input === null || !stored
              ? input
              : {
                  ...(stored.subject !== null ? { subject: stored.subject } : {}),
                  html: stored.html,
                  text: stored.text,
                  fromName: stored.fromName,
                  attachments: stored.attachments,
                  extraRecipients: stored.extraRecipients,
                  extraContactIds: stored.extraContactIds,
                  legalEntityId: stored.legalEntityId,
                  ...input,
                };
          templates[audience] = { ...templates[audience], [channel]: merged };
        }
      }
      return this.save(companyId, type, { ...change, ...(change.templates ? { templates } : {}) }, actor, 'patch');
    },

    async save(companyId: string, type: string, change: EventTypeChange, actor: string, action: 'update' | 'patch' = 'update'): Promise<EventTypeView> {
      const before = await eventTypes.findWithTemplates(companyId, type);
      if (!before && change.name === undefined) {
        throw new BadRequestError('a new event type needs a name', [{ path: '/body/name', message: 'is required to create an event type' }]);
      }

      const sample = sampleFor(change.variables ?? before?.eventType.variables ?? []);
      const problems = await runTemplateTask('checkEventTypeTemplates', [change.templates, sample, '/body/templates']);
      if (problems.length > 0) {
        throw new UnprocessableError('TEMPLATE_ERROR', `template refused: ${problems.map((p) => `${p.path}: ${p.message}`).join('; ')}`, problems);
      }
      // Settings saved before this check existed stay as they are until one of the fields it is about changes.
      if (change.sendToManager !== undefined || change.managerChannels !== undefined || change.templates?.manager !== undefined) {
        const unusable = managerTemplateProblems(managerSettingsAfter(before, change));
        if (unusable.length > 0) {
          throw new UnprocessableError(
            'MANAGER_TEMPLATE_MISSING',
            'sending to the responsible manager needs a manager template for one of the manager channels',
            unusable,
          );
        }
      }
      const variablesAfter = change.variables ?? before?.eventType.variables ?? [];
      if (change.subEvents !== undefined || change.subEventVariable !== undefined || change.variables !== undefined) {
        const variable = change.subEventVariable !== undefined ? change.subEventVariable : (before?.eventType.subEventVariable ?? null);
        const subEvents = change.subEvents ?? before?.eventType.subEvents ?? [];
        const invalid = subEventProblems(variable, subEvents, variablesAfter);
        if (invalid.length > 0) throw new UnprocessableError('INVALID_SUB_EVENTS', `sub-events refused: ${invalid.map((p) => `${p.path}: ${p.message}`).join('; ')}`, invalid);
        const templateProblems: ErrorDetail[] = [];
        for (const [i, sub] of subEvents.entries()) {
          for (const [channel, t] of Object.entries(sub.templates ?? {})) {
            const base = `/body/subEvents/${i}/templates/${channel}`;
            for (const [field, kind] of [['subject', 'text'], ['html', 'html'], ['text', 'text']] as const) {
              const problem = await runTemplateTask('templateProblem', [`${base}/${field}`, t[field], kind, sample]);
              if (problem) templateProblems.push(problem);
            }
          }
        }
        if (templateProblems.length > 0) {
          throw new UnprocessableError('TEMPLATE_ERROR', `template refused: ${templateProblems.map((p) => `${p.path}: ${p.message}`).join('; ')}`, templateProblems);
        }
      }
      await checkTemplateReferences(companyId, change.templates);
      if (before && change.variables) {
        const overrides = await eventTypes.overridesOf(companyId, type);
        const stranded = await runTemplateTask('checkStoredTemplates', [before.templates, overrides, change.templates, sample, '/body/variables']);
        if (stranded.length > 0) throw new UnprocessableError('TEMPLATE_ERROR', stranded.map((p) => p.message).join('; '), stranded);
      }

      return db.transaction(async (tx) => {
        const repository = createEventTypeRepository(tx);
        const { templates, ...fields } = change;
        if (before) await repository.update(companyId, type, fields);
        else await repository.create(companyId, type, { ...fields, name: change.name!, managerChannels: fields.managerChannels ?? [...DEFAULT_MANAGER_CHANNELS] });
        for (const audience of AUDIENCES) {
          for (const channel of CHANNELS) {
            const input = templates?.[audience]?.[channel];
            if (input === undefined) continue;
            await repository.saveTemplate(companyId, type, audience, channel, input === null ? null : templateValues(input));
          }
        }
        const after = eventTypeView((await repository.findWithTemplates(companyId, type))!);
        await createConfigChangeRepository(tx).record({
          companyId,
          actor,
          entity: 'event_type',
          entityId: type,
          action: before ? action : 'create',
          before: before ? eventTypeView(before) : null,
          after,
        });
        return after;
      });
    },

    /**
     * Renders a template with sample data (R9); for SMS also the segment counter (R10).
     * @throws NotFoundError for an unknown event type.
     * @throws BadRequestError when the template's shape does not fit the channel.
     * @throws UnprocessableError `TEMPLATE_ERROR` for the first refused field.
     */
    async preview(companyId: string, request: PreviewRequest): Promise<PreviewResult> {
      const { channel, template } = request;
      const data = { ...(await sampleOf(companyId, request.eventType)), ...(request.data ?? {}) };
      const check = async (path: string, source: string, kind: TemplateKind) => {
        const problem = await runTemplateTask('templateProblem', [path, source, kind, data]);
        if (problem) throw new UnprocessableError('TEMPLATE_ERROR', problem.message, [problem]);
      };

      if (channel === 'email') {
        if (typeof template === 'string') {
          throw new BadRequestError('an e-mail template is { subject, html, text }', [
            { path: '/body/template', message: 'must be an object with subject and html or text for email' },
          ]);
        }
        await check('/body/template/subject', template.subject, 'text');
        if (template.html) await check('/body/template/html', template.html, 'html');
        if (template.text) await check('/body/template/text', template.text, 'text');
        const rendered = await runTemplateTask('renderEmailTemplate', [{ subject: template.subject, html: template.html ?? null, text: template.text ?? null }, data]);
        return { channel, subject: rendered.subject, html: rendered.html, text: rendered.text };
      }

      if (typeof template !== 'string') {
        throw new BadRequestError(`a ${channel} template is a string`, [{ path: '/body/template', message: `must be a string for ${channel}` }]);
      }
      await check('/body/template', template, 'text');
      const text = (await runTemplateTask('renderTemplate', [template, 'text', data])).trim();
      if (channel === 'sms') {
        const sms = analyzeSms(text);
        const recipients = request.counterpartyId === undefined ? null : await smsRecipientsOf(companyId, request.counterpartyId);
        return {
          channel,
          text,
          sms: { ...sms, ...(sms.segments > SMS_SEGMENTS_WARNING ? { warning: smsSegmentsWarning(sms.segments) } : {}), cost: smsCost(sms.segments, recipients) },
        };
      }
      return { channel, text };
    },
  };
}

export type EventTypeService = ReturnType<typeof createEventTypeService>;
