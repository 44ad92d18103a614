import { checkTemplate, TemplateError, type TemplateKind } from '../domain/templates';
import type { ErrorDetail } from './errors';

/**
 * Checks one template field and, when it is refused, describes the problem
 * as an error detail naming the field's path and the line and column.
 * Returns undefined for a good (or absent) template.
 */
export async function templateProblem(
  path: string,
  source: string | null | undefined,
  kind: TemplateKind,
  sample: Record<string, unknown>,
): Promise<ErrorDetail | undefined> {
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
