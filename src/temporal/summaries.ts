/**
 * What the Temporal UI shows of a run before anyone opens it: the static
 * summary (one line, in the runs list) and details (markdown, on the run's
 * page). In Russian, for the operators; names when the API knows them, ids otherwise.
 */

/** The server refuses a start whose summary is larger; kept well below its limit. */
const MAX_SUMMARY_BYTES = 400;
const MAX_NAME_CHARS = 80;

export interface EventRunNames {
  companyId: string;
  eventId: string;
  eventType: string;
  counterpartyId: string;
  /** The event type's Russian name. */
  typeName?: string | undefined;
  /** The client's name. */
  counterpartyName?: string | undefined;
}

/** `Заказ готов к выдаче (order.ready_for_pickup) → ООО «Ромашка»`; `order.ready_for_pickup → c-1` without names. */
export function eventRunSummary(names: EventRunNames): string {
  const typeName = oneLine(names.typeName);
  const counterpartyName = oneLine(names.counterpartyName);
  const type = typeName ? `${typeName} (${names.eventType})` : names.eventType;
  const client = counterpartyName ?? names.counterpartyId;
  return fitBytes(`${type} → ${client}`, MAX_SUMMARY_BYTES);
}

/** The run's page: which event of which company, its type and its client, with ids. */
export function eventRunDetails(names: EventRunNames): string {
  const typeName = oneLine(names.typeName);
  const counterpartyName = oneLine(names.counterpartyName);
  return [
    `Событие \`${names.eventId}\` компании \`${names.companyId}\``,
    `Тип: ${typeName ? `${typeName} (\`${names.eventType}\`)` : `\`${names.eventType}\``}`,
    `Клиент: ${counterpartyName ? `${counterpartyName} (\`${names.counterpartyId}\`)` : `\`${names.counterpartyId}\``}`,
  ].join('\n');
}

function oneLine(text: string | undefined): string | undefined {
  const line = text?.replace(/\s+/g, ' ').trim();
  if (!line) return undefined;
  return line.length > MAX_NAME_CHARS ? `${line.slice(0, MAX_NAME_CHARS - 1)}…` : line;
}

function fitBytes(text: string, maxBytes: number): string {
  const encoder = new TextEncoder();
  if (encoder.encode(text).length <= maxBytes) return text;
  const chars = [...text];
  while (chars.length > 0 && encoder.encode(`${chars.join('')}…`).length > maxBytes) chars.pop();
  return `${chars.join('')}…`;
}
