import type { NewTask, CreatedTask } from './task-state.ts';

/**
 * The requests of completed tasks as vectors, for near-duplicate reuse: a new
 * request is compared with the stored ones of the same output settings and
 * embedder, and a close enough match is answered with the earlier task's
 * video (see src/runtime/reuse/request-reuse.ts).
 *
 * A vector is sparse (term → weight, the lexical embedder) or dense (a
 * remote model's floats). Each is filed in a bucket its embedder names:
 * only vectors of the same bucket are compared (the lexical embedder's bucket
 * is its set of terms, so a lookup reads a handful of rows; a dense
 * embedder's bucket is empty, so a lookup scans its settings partition).
 */

export type RequestVector = { kind: 'sparse'; terms: Readonly<Record<string, number>> } | { kind: 'dense'; values: readonly number[] };

export interface StoredRequest {
  taskId: string;
  /** The hash of the flow version and every option that changes the video. */
  settingsHash: string;
  /** Which embedder (and model) made the vector: vectors of different embedders are never compared. */
  embedder: string;
  bucket: string;
  vector: RequestVector;
}

export interface RequestCandidate {
  taskId: string;
  vector: RequestVector;
}

export interface RequestVectors {
  /** Files (or replaces) a completed task's request vector. */
  rememberRequest(request: StoredRequest): Promise<void>;
  /** The stored requests of one settings hash, embedder and bucket, newest first, at most `limit`. */
  requestCandidates(settingsHash: string, embedder: string, bucket: string, limit: number): Promise<RequestCandidate[]>;
  /** Drops the vectors of tasks whose video is gone or no longer answers their request. */
  forgetRequests(taskIds: readonly string[]): Promise<void>;
}

export interface ReusedFrom {
  taskId: string;
  similarity: number;
}

export interface ReusedTasks {
  /**
   * Creates `task` completed at once as a copy of the earlier task's outcome: its word, and its successful
   * runs' outputs marked cached with no executions; events `accepted`, `reused` and `completed`. An existing
   * idempotency key returns that task, as `createTask` does; undefined when the earlier task is no longer
   * completed (nothing written: the caller runs the task fresh).
   */
  createReusedTask(task: NewTask, from: ReusedFrom): Promise<CreatedTask | undefined>;
}
