/**
 * An event's `data` against its type's declared variables: what a business
 * system must send for the templates to make sense. Pure, so the API and the
 * tests share one rule.
 */
import type { ErrorDetail } from './errors';
import type { EventVariableDef } from './vocabulary';

/**
 * One detail per required variable that `data` lacks: absent, null, or a
 * string of only spaces (a template would print a blank). Keys that no
 * variable declares are allowed and kept.
 */
export function missingVariables(
  eventType: string,
  variables: readonly EventVariableDef[],
  data: Record<string, unknown>,
): ErrorDetail[] {
  const problems: ErrorDetail[] = [];
  for (const variable of variables) {
    if (!variable.required) continue;
    const value = Object.hasOwn(data, variable.name) ? data[variable.name] : undefined;
    if (isGiven(value)) continue;
    if (value === undefined || value === null) {
      problems.push({ path: `/body/data/${variable.name}`, message: `is required by event type "${eventType}"` });
    } else {
      problems.push({ path: `/body/data/${variable.name}`, message: `is required by event type "${eventType}" and must not be empty` });
    }
  }
  return problems;
}

/** Whether a variable's value counts as given: present, not null, and not a string of only spaces. */
function isGiven(value: unknown): boolean {
  return value !== undefined && value !== null && !(typeof value === 'string' && value.trim() === '');
}

/**
 * The names `data` gives by the rule of {@link missingVariables}: a required
 * variable is missing exactly when its name is not among them (so the
 * database can check an event in the statement that stores it).
 */
export function givenVariables(data: Record<string, unknown>): string[] {
  return Object.keys(data).filter((name) => isGiven(data[name]));
}
