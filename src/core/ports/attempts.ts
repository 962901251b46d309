/** A worker's side of a run: opening the attempt it was handed and reading what its handler needs. */

/** An opened attempt: what its handler reads. */
export interface OpenedAttempt {
  input: unknown;
  /** Outputs of the latest successful run of each dependency. */
  deps: Record<string, unknown>;
}

export interface Attempts {
  /** Marks a queued or running attempt as running on `worker`; false when the attempt is no longer open. */
  startRun(taskId: string, component: string, attempt: number, worker: string): Promise<boolean>;
  /**
   * `startRun` and the reads its handler needs (the task's input, the dependencies' outputs) in one step;
   * undefined when the attempt is no longer open. An open run row always means a current attempt.
   */
  startAttempt(taskId: string, component: string, attempt: number, worker: string, depends: readonly string[]): Promise<OpenedAttempt | undefined>;
}
