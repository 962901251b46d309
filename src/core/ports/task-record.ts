import type { TaskSnapshot } from '../engine/task.ts';

/** A task row as people and scripts read it: the snapshot with its input, title, take and times. */
export interface TaskRecord extends TaskSnapshot {
  input: unknown;
  title: string | null;
  /** A scene child's take, and whether its scene's video uses it (always true outside fan-outs). */
  take: number;
  chosen: boolean;
  idempotencyKey: string | null;
  callbackUrl: string | null;
  /** The earlier task whose video answered this one's request (near-duplicate reuse); null when it ran. */
  reusedFrom: string | null;
  createdAt: Date;
  updatedAt: Date;
}
