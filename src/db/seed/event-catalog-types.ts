import type { Audience, Channel, EventVariableDef, SubEvent } from '../../domain/vocabulary';

/** A variable an event type carries in its `data`, with an example used for previews and template checks. */
export type EventVariable = EventVariableDef;

export interface CatalogTemplate {
  audience: Audience;
  channel: Channel;
  /** E-mail only. */
  subject?: string;
  /** E-mail only. */
  html?: string;
  /** E-mail text body, or the SMS / Telegram text. */
  text: string;
}

/** A seeded default event type (R7): configuration that a company may change afterwards. */
export interface CatalogEventType {
  /** Stable machine name, e.g. `order.ready_for_pickup`. */
  type: string;
  /** Russian display name, as in the manuals. */
  name: string;
  /** Russian: when the event happens. */
  description: string;
  /** Where it comes from: `erp` (seed 002) or `logistics` (seed 000). */
  source: 'erp' | 'logistics';
  variables: EventVariable[];
  /** Client channel order, first choice first. */
  channels: Channel[];
  sendToClient: boolean;
  sendToManager: boolean;
  /** The responsible manager's channels, first choice first (seed 002: SMS to the manager's mobile). */
  managerChannels: Channel[];
  templates: CatalogTemplate[];
  /** Seed 000: the data variable that names the event's step, and the steps with their flags. */
  subEventVariable?: string;
  subEvents?: SubEvent[];
}
