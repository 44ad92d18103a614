/**
 * The checks a template passes before it is saved or previewed, reported as
 * problems naming the field (a JSON path into the request) and, for template
 * errors, the line and column. Every problem of a request is collected, so a
 * tenant fixes them all in one round.
 */
import { builtinSampleData, checkTemplate, TemplateError, type TemplateKind } from './templates';
import { AUDIENCES, CHANNELS, type Audience, type Channel, type TemplateOverrides } from './vocabulary';

/** One problem with one field; the same shape as an error detail of the API. */
export interface TemplateProblem {
  path: string;
  message: string;
  /** Where in the template, 1-based. */
  line?: number;
  column?: number;
}

/** The fields of one channel's template that are Liquid, as a request writes them. */
export interface TemplateSources {
  subject?: string | null | undefined;
  html?: string | null | undefined;
  text?: string | null | undefined;
  attachments?: readonly { filename: string; content: string }[] | undefined;
}

/** An event type's templates as a request sends them: null removes a channel's template. */
export type TemplatesInput<T extends TemplateSources = TemplateSources> = Partial<Record<Audience, Partial<Record<Channel, T | null>> | undefined>>;

/** A client's own templates of one event type, as a request sends them. */
export interface OverrideTemplatesInput {
  templates?: TemplateOverrides | undefined;
  attachments?: readonly { filename: string; content: string }[] | null | undefined;
}

/** A template as stored for an event type, audience and channel. */
export interface StoredTemplate {
  audience: Audience;
  channel: Channel;
  subject: string | null;
  html: string | null;
  text: string | null;
}

/** A client's stored override of one event type. */
export interface StoredOverride {
  counterpartyId: string;
  templates: TemplateOverrides;
}

/** Sample data for checking and previewing: the built-ins plus each declared variable's example. */
export function sampleFor(variables: readonly { name: string; example: unknown }[]): Record<string, unknown> {
  return { ...builtinSampleData(), ...Object.fromEntries(variables.map((v) => [v.name, v.example])) };
}

/**
 * Checks one template field against `sample`. Returns the problem, naming
 * `path` and the line and column, or undefined for a good (or absent) template.
 */
export async function templateProblem(
  path: string,
  source: string | null | undefined,
  kind: TemplateKind,
  sample: Record<string, unknown>,
): Promise<TemplateProblem | undefined> {
  if (source === undefined || source === null) return undefined;
  try {
    await checkTemplate(source, kind, sample);
    return undefined;
  } catch (err) {
    if (!(err instanceof TemplateError)) throw err;
    const where = err.line !== undefined ? ` (line ${err.line}, column ${err.column ?? 0})` : '';
    return {
      path,
      message: `${err.message}${where}`,
      ...(err.line !== undefined ? { line: err.line } : {}),
      ...(err.column !== undefined ? { column: err.column } : {}),
    };
  }
}

/**
 * Every template of an event type's change: each must parse against the
 * sample, an e-mail needs a subject and a body, SMS and Telegram a text.
 * `at` is the path of the templates object in the request.
 */
export async function checkEventTypeTemplates(
  input: TemplatesInput | undefined,
  sample: Record<string, unknown>,
  at: string,
): Promise<TemplateProblem[]> {
  const problems: TemplateProblem[] = [];
  const check = async (path: string, source: string | null | undefined, kind: TemplateKind) => {
    const problem = await templateProblem(path, source, kind, sample);
    if (problem) problems.push(problem);
  };
  for (const audience of AUDIENCES) {
    for (const channel of CHANNELS) {
      const t = input?.[audience]?.[channel];
      if (!t) continue;
      const base = `${at}/${audience}/${channel}`;
      if (channel === 'email') {
        if (!t.subject) problems.push({ path: `${base}/subject`, message: 'an e-mail template needs a subject' });
        if (!t.html && !t.text) problems.push({ path: `${base}/html`, message: 'an e-mail template needs an html or a text body' });
        await check(`${base}/subject`, t.subject, 'text');
        await check(`${base}/html`, t.html, 'html');
      } else if (!t.text) {
        problems.push({ path: `${base}/text`, message: `a ${channel} template needs a text` });
      }
      await check(`${base}/text`, t.text, 'text');
      for (const [i, a] of (t.attachments ?? []).entries()) {
        await check(`${base}/attachments/${i}/filename`, a.filename, 'text');
        await check(`${base}/attachments/${i}/content`, a.content, 'text');
      }
    }
  }
  return problems;
}

/**
 * Changing an event type's variables must not strand a saved template (or a
 * client's own template) on a variable that no longer exists. Templates the
 * same change replaces are skipped: they are checked as input. Every problem
 * names `at`, the path of the variables in the request.
 */
export async function checkStoredTemplates(
  stored: readonly StoredTemplate[],
  overrides: readonly StoredOverride[],
  replaced: TemplatesInput | undefined,
  sample: Record<string, unknown>,
  at: string,
): Promise<TemplateProblem[]> {
  const problems: TemplateProblem[] = [];
  const check = async (where: string, source: string | null | undefined, kind: TemplateKind) => {
    if (!source) return;
    try {
      await checkTemplate(source, kind, sample);
    } catch (err) {
      if (!(err instanceof TemplateError)) throw err;
      problems.push({ path: at, message: `${where} would break: ${err.message}` });
    }
  };
  for (const t of stored) {
    if (replaced?.[t.audience]?.[t.channel] !== undefined) continue;
    const where = `the saved ${t.audience} ${t.channel} template`;
    await check(`${where} (subject)`, t.subject, 'text');
    await check(`${where} (html)`, t.html, 'html');
    await check(`${where} (text)`, t.text, 'text');
  }
  for (const o of overrides) {
    for (const [channel, t] of Object.entries(o.templates)) {
      const where = `the ${channel} template of client ${o.counterpartyId}`;
      await check(`${where} (subject)`, t.subject, 'text');
      await check(`${where} (html)`, t.html, 'html');
      await check(`${where} (text)`, t.text, 'text');
    }
  }
  return problems;
}

/**
 * A client's own templates and attachments for one event type, against that
 * event type's sample. `at` is the path of the override in the request.
 */
export async function checkOverrideTemplates(
  override: OverrideTemplatesInput,
  sample: Record<string, unknown>,
  at: string,
): Promise<TemplateProblem[]> {
  const problems: TemplateProblem[] = [];
  const check = async (path: string, source: string | undefined, kind: TemplateKind) => {
    const problem = await templateProblem(path, source, kind, sample);
    if (problem) problems.push(problem);
  };
  for (const [channel, t] of Object.entries(override.templates ?? {})) {
    const base = `${at}/templates/${channel}`;
    await check(`${base}/subject`, t.subject, 'text');
    await check(`${base}/html`, t.html, 'html');
    await check(`${base}/text`, t.text, 'text');
  }
  for (const [i, a] of (override.attachments ?? []).entries()) {
    await check(`${at}/attachments/${i}/filename`, a.filename, 'text');
    await check(`${at}/attachments/${i}/content`, a.content, 'text');
  }
  return problems;
}

/** What decides whether the responsible manager can be told, before and after a change. */
export interface ManagerSettings {
  sendToManager: boolean;
  managerChannels: readonly Channel[];
  /** The channels that have a manager template. */
  templateChannels: readonly Channel[];
}

/**
 * "Send to the responsible manager" (R8) needs a manager template for at least
 * one of the manager's channels, or every event would end with nothing sent to
 * the manager. Returns the problems of the settings `after` a change, naming
 * the fields of the request; none when the manager is not to be told.
 */
export function managerTemplateProblems(after: ManagerSettings): TemplateProblem[] {
  if (!after.sendToManager) return [];
  if (after.managerChannels.some((channel) => after.templateChannels.includes(channel))) return [];
  const channels = after.managerChannels.join(', ');
  return [
    { path: '/body/sendToManager', message: `needs a manager template for one of the manager channels (${channels}); there is none` },
    ...after.managerChannels.map((channel) => ({ path: `/body/templates/manager/${channel}`, message: 'is missing' })),
  ];
}
