/** Lifecycle events written to the outbox in the same transaction as the state change that causes them. */

export const EventType = {
  accepted: 'accepted',
  started: 'started',
  progress: 'progress',
  componentSucceeded: 'component.succeeded',
  componentFailed: 'component.failed',
  /** The task was answered with an earlier task's video (near-duplicate reuse); `completed` follows. */
  reused: 'reused',
  completed: 'completed',
  failed: 'failed',
  cancelled: 'cancelled',
} as const;
export type EventType = (typeof EventType)[keyof typeof EventType];

export interface LifecycleEvent {
  type: EventType;
  /** The task's word after the change, as a decimal string. */
  slotWord: string;
  component?: string;
  attempt?: number;
  data?: Record<string, unknown>;
}
