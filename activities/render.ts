import { ApplicationFailure } from '@temporalio/common';
import { TEMPLATE_FAILURE_TYPE } from '../src/domain/failures';
import { oneLine, renderEmailTemplate, renderTemplate, TemplateError } from '../src/domain/templates';
import type { RenderedMessage, RenderMessageInput } from './types';

/** Renders one message from its template (R9); a template that does not render is a permanent failure. */
export function createRenderActivities() {
  return {
    async renderMessage(input: RenderMessageInput): Promise<RenderedMessage> {
      return renderOrFail(input);
    },
  };
}

/** Renders one message; a template that does not render is a non-retryable `TemplateError`. */
export async function renderOrFail(input: RenderMessageInput): Promise<RenderedMessage> {
  try {
    return await renderMessage(input);
  } catch (err) {
    // A template that does not render will not render on retry either.
    const message = err instanceof TemplateError ? `template error: ${err.message}` : `render failed: ${String(err)}`;
    throw ApplicationFailure.nonRetryable(message, TEMPLATE_FAILURE_TYPE);
  }
}

async function renderMessage(input: RenderMessageInput): Promise<RenderedMessage> {
  const { template, data } = input;
  if (input.channel === 'email') {
    const email = await renderEmailTemplate(
      { subject: template.subject ?? '', html: template.html ?? null, text: template.text ?? null },
      data,
    );
    const attachments = await Promise.all(
      (template.attachments ?? []).map(async (a) => ({
        filename: oneLine(await renderTemplate(a.filename, 'text', data)),
        content: await renderTemplate(a.content, 'text', data),
        contentType: a.contentType,
      })),
    );
    return {
      subject: email.subject,
      html: email.html,
      text: email.text,
      ...(template.fromName ? { fromName: template.fromName } : {}),
      ...(attachments.length > 0 ? { attachments } : {}),
    };
  }
  return { text: (await renderTemplate(template.text ?? '', 'text', data)).trim() };
}
