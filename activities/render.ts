import { ApplicationFailure } from '@temporalio/common';
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
      try {
        return await withHeartbeat(() => runTemplateTask('renderChannelMessage', [input.channel, input.template, input.data]));
      } catch (err) {
        // A template that does not render will not render on retry either; a failure of the pool itself is retried.
        if (err instanceof TemplateError) throw ApplicationFailure.nonRetryable(`template error: ${err.message}`, 'TemplateError');
        throw err;
      }
    },
  };
}
