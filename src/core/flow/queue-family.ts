import type { ComponentKind } from './document.ts';

/**
 * Queue families: which workers serve a component. A job component is served
 * by the family its flow or it names (`"queue": "marketing"`), else
 * `default`; the engine's own work has fixed families, so callback traffic
 * and product work scale on separate workers: posting to an external service
 * and failing an attempt at its deadline belong to `callbacks`, creating
 * fan-out children to `default`.
 */

export const DEFAULT_QUEUE_FAMILY = 'default';
export const CALLBACKS_QUEUE_FAMILY = 'callbacks';

/** Also in `schema/flow.schema.json` (`$defs/queueFamily`): it becomes part of a BullMQ queue name. */
export const QUEUE_FAMILY_PATTERN = /^[a-z][a-z0-9-]{0,31}$/;

export function isQueueFamily(name: string): boolean {
  return QUEUE_FAMILY_PATTERN.test(name);
}

/** The family that serves a component of this kind, given the `queue` its component or flow declared. */
export function familyOf(kind: ComponentKind, declared: string | undefined): string {
  switch (kind) {
    case 'job':
      return declared ?? DEFAULT_QUEUE_FAMILY;
    case 'callback':
      return CALLBACKS_QUEUE_FAMILY;
    case 'fanout':
    case 'approval':
      // An approval gets no job at all; its family is only what views show.
      return DEFAULT_QUEUE_FAMILY;
  }
}
