import { ApplicationFailure } from '@temporalio/common';
import { TEMPLATE_FAILURE_TYPE } from '../src/domain/failures';
import { TemplateError } from '../src/domain/templates';
import { runTemplateTask } from '../src/services/template-pool';
import { withHeartbeat } from './context';
import type { RenderedMessage, RenderMessageInput } from './types';

/**
 * Renders one message from its template (R9) in the template pool, off the
 * worker's event loop, so a template running up to the 1 s render limit never
 * stalls heartbeats; a template that does not render is a permanent failure.
 */
export function createRenderActivities() {
  return {
    async renderMessage(input: RenderMessageInput): Promise<RenderedMessage> {
      return renderOrFail(input);
    },
  };
}

/**
 * Renders one message in the template pool (also for the combined render and
 * send); a template that does not render is a non-retryable `TemplateError`,
 * a failure of the pool itself is retried.
 */
export async function renderOrFail(input: RenderMessageInput): Promise<RenderedMessage> {
  try {
    return await withHeartbeat(() => runTemplateTask('renderChannelMessage', [input.channel, input.template, input.data]));
  } catch (err) {
    // A template that does not render will not render on retry either.
    if (err instanceof TemplateError) throw ApplicationFailure.nonRetryable(`template error: ${err.message}`, TEMPLATE_FAILURE_TYPE);
    throw err;
  }
}
