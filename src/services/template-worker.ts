/**
 * The template pool's worker thread (`template-pool.ts` runs it with piscina):
 * every render and check of tenant-written Liquid happens here, so a template
 * that runs up to the 1 s render limit never holds the API's or the worker's
 * event loop. Every task answers with a value; a template error travels back
 * as data, since error classes do not survive the thread boundary.
 */
import { checkEventTypeTemplates, checkOverrideTemplates, checkStoredTemplates, templateProblem } from '../domain/template-checks';
import { renderChannelMessage, renderEmailTemplate, renderTemplate, TemplateError } from '../domain/templates';

/** A task's answer: its value, or the template error it ran into. */
export type Outcome<T> = { ok: true; value: T } | { ok: false; error: { message: string; line?: number; column?: number } };

async function outcome<T>(work: () => Promise<T>): Promise<Outcome<T>> {
  try {
    return { ok: true, value: await work() };
  } catch (err) {
    if (err instanceof TemplateError) {
      return { ok: false, error: { message: err.message, ...(err.line !== undefined ? { line: err.line } : {}), ...(err.column !== undefined ? { column: err.column } : {}) } };
    }
    throw err;
  }
}

type Args<F extends (...args: never[]) => unknown> = Parameters<F>;

export const tasks = {
  templateProblem: (args: Args<typeof templateProblem>) => outcome(() => templateProblem(...args)),
  checkEventTypeTemplates: (args: Args<typeof checkEventTypeTemplates>) => outcome(() => checkEventTypeTemplates(...args)),
  checkStoredTemplates: (args: Args<typeof checkStoredTemplates>) => outcome(() => checkStoredTemplates(...args)),
  checkOverrideTemplates: (args: Args<typeof checkOverrideTemplates>) => outcome(() => checkOverrideTemplates(...args)),
  renderTemplate: (args: Args<typeof renderTemplate>) => outcome(() => renderTemplate(...args)),
  renderEmailTemplate: (args: Args<typeof renderEmailTemplate>) => outcome(() => renderEmailTemplate(...args)),
  renderChannelMessage: (args: Args<typeof renderChannelMessage>) => outcome(() => renderChannelMessage(...args)),
};

export type TemplateTasks = typeof tasks;

/** Piscina calls the default export with `{ name, args }`. */
export default async function run<K extends keyof TemplateTasks>(task: { name: K; args: Parameters<TemplateTasks[K]>[0] }): Promise<unknown> {
  const fn = tasks[task.name] as (args: unknown) => Promise<unknown>;
  return fn(task.args);
}
