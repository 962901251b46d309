import { SlotflowError } from '../core/errors.ts';

/**
 * The running mark of a job that carried its inputs. Such a job starts its handler at once, without a MySQL
 * round trip, and its run row is marked running (worker, started_at, executions+1) only if the handler
 * outlives `RUNNING_MARK_AFTER_MS`: a quick handler's run row is then written once, at its end, which records
 * the execution instead (`RunExecution`). A long one is marked while it runs, so a crash still shows which
 * runs it interrupted. The mark is also the check that the attempt is still open: when it is not (answered,
 * superseded, cancelled), the handler is aborted and the job dropped, as a job that read the row first would
 * have been before it started.
 *
 * States: waiting (timer set) → settled before the timer (never marked) | marking (the UPDATE on its way) →
 * marked (open) | closed (the attempt is not open). A failed UPDATE (the database unreachable) is kept and
 * thrown when the job settles, so the queue runs the job again, as for any infrastructure error.
 */

/** Long enough that a no-op or a quick builtin is never marked; short against anything a person would watch. */
export const RUNNING_MARK_AFTER_MS = 50;

export class AttemptClosedError extends SlotflowError {
  override name = 'AttemptClosedError';
  constructor(
    readonly taskId: string,
    readonly component: string,
    readonly attempt: number,
  ) {
    super(`${component} attempt ${attempt} of task ${taskId} is no longer open (answered, superseded or cancelled)`, { code: 'attempt-closed' });
  }
}

type Marked = { open: boolean } | { error: unknown };

export class RunningMark {
  private timer: NodeJS.Timeout | undefined;
  private marking: Promise<Marked> | undefined;

  constructor(mark: () => Promise<boolean>, onClosed: () => void, afterMs = RUNNING_MARK_AFTER_MS) {
    this.timer = setTimeout(() => {
      this.timer = undefined;
      // Settled here, so a failure waits for `settle` instead of surfacing as an unhandled rejection.
      this.marking = mark().then(
        (open) => {
          if (!open) onClosed();
          return { open };
        },
        (error: unknown) => ({ error }),
      );
    }, afterMs);
  }

  /** Undefined: never marked (the handler ended first); true: marked running; false: the attempt had closed. */
  async settle(): Promise<boolean | undefined> {
    if (this.timer) {
      this.cancel();
      return undefined;
    }
    const result = await this.marking!;
    if ('error' in result) throw result.error;
    return result.open;
  }

  /** The job is handed back (shutdown, an infrastructure error): no mark after this. */
  cancel(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }
}
