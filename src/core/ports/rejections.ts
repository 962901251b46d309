import type { RejectReason } from '../engine/transitions.ts';

/** Answers the engine refused (late, duplicate, for a cancelled task), counted by reason. */
export interface Rejections {
  recordRejection(taskId: string, component: string, attempt: number, reason: RejectReason): Promise<void>;
  countRejections(taskId?: string): Promise<Record<string, number>>;
}
