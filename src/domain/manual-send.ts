/**
 * A manager's manual send of a "not sent, tracked by manager" entry (R14),
 * possibly with an edited text, subject or recipient. Pure, so the workflow,
 * the API and the message view agree on what was edited and how it reads.
 */
import type { Channel } from './vocabulary';

/** What the manager changed before sending; absent fields keep the journaled value. */
export interface ManualEdits {
  text?: string;
  /** E-mail only. */
  subject?: string;
  /** Already checked and normalised for the entry's channel. */
  to?: string;
}

/** The journaled message a manual send starts from. */
export interface ManualOriginal {
  to: string;
  toName: string;
  text: string;
  subject?: string;
  html?: string;
}

export interface ManualEdited {
  text: boolean;
  subject: boolean;
  recipient: boolean;
}

export interface ManualOutgoing {
  to: string;
  toName: string;
  message: { text: string; subject?: string; html?: string };
  edited: ManualEdited;
}

/**
 * The message that goes out. An edited text drops the rendered HTML (it would
 * still say the old words); another recipient drops the old recipient's name.
 */
export function applyManualEdits(original: ManualOriginal, edits: ManualEdits | undefined, channel: Channel): ManualOutgoing {
  const text = edits?.text ?? original.text;
  const subject = channel === 'email' ? (edits?.subject ?? original.subject) : original.subject;
  const to = edits?.to ?? original.to;
  const edited: ManualEdited = {
    text: text !== original.text,
    subject: subject !== original.subject,
    recipient: to !== original.to,
  };
  return {
    to,
    toName: edited.recipient ? '' : original.toName,
    message: {
      text,
      ...(subject !== undefined ? { subject } : {}),
      ...(original.html !== undefined && !edited.text ? { html: original.html } : {}),
    },
    edited,
  };
}

/** The journal's words for the request, e.g. "Отправка вручную (key:1 admin): изменён текст; получатель +79160000001 → +79160000002". */
export function manualSendReason(by: string, edited: ManualEdited, from: string, to: string, comment?: string): string {
  const changes: string[] = [];
  if (edited.text) changes.push('изменён текст');
  if (edited.subject) changes.push('изменена тема');
  if (edited.recipient) changes.push(`получатель ${from} → ${to}`);
  const head = `Отправка вручную (${by})`;
  const what = changes.length ? `: ${changes.join('; ')}` : ': без изменений';
  return `${head}${what}${comment ? `. Комментарий: ${comment}` : ''}`;
}

/**
 * A short stable key of a request (its edits and comment): a repeated request
 * has the same key, so a retry is told apart from a different second send.
 * FNV-1a, so it runs anywhere (the workflow sandbox included).
 */
export function manualRequestKey(input: { edits?: ManualEdits | undefined; comment?: string | undefined }): string {
  const canonical = JSON.stringify([input.edits?.text ?? null, input.edits?.subject ?? null, input.edits?.to ?? null, input.comment ?? null]);
  let hash = 0x811c9dc5;
  for (let i = 0; i < canonical.length; i++) {
    hash ^= canonical.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash.toString(16).padStart(8, '0');
}
