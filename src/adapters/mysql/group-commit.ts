import type { Pool } from 'mysql2/promise';
import { batch, type BatchResult, type Statement } from './connection.ts';
import { isRetryableDbError, withDbRetry } from './retryable.ts';

/**
 * Group commit for the hot steps (a transition's write, a worker opening its
 * attempt). Steps that become ready while earlier ones are on their way to
 * MySQL wait and then go together: one transaction, one round trip, one log
 * flush for all of them, however many tasks they touch. An idle engine pays
 * no delay: a step goes at once while fewer than `concurrency` batches are in
 * flight.
 *
 * All or nothing: a batch commits every step in it or none, so a batch that
 * fails with a retryable error (deadlock, lost connection) is sent again
 * whole, and no step is ever half applied or applied twice. A batch that
 * fails for any other reason is split and each step is sent alone, so one
 * bad step fails only its own caller.
 *
 * Steps are ordered by key (the task id) inside a batch, so two batches from
 * two processes take task rows in the same order. Each step names its own
 * SQL variables with the tag it is given (`@sf_3_…`), so steps never read each
 * other's. Transactions run at READ COMMITTED: a step's reads see what was
 * committed before it, not a snapshot taken by a step before it in the batch.
 */

export const GROUP_COMMIT_CONCURRENCY = 2;
export const GROUP_COMMIT_MAX_STEPS = 64;

export interface BuiltStep<T> {
  /** Run in the batch's transaction, in order. */
  statements: Statement[];
  /** Run after the commit: reads that must see the rows as committed. */
  after?: Statement[];
  read(results: BatchResult[], after: BatchResult[]): T;
}

export interface BatchStep<T> {
  /** What orders steps inside a batch: the task id. */
  key: string;
  build(tag: string): BuiltStep<T>;
}

interface Waiting {
  step: BatchStep<unknown>;
  resolve(value: unknown): void;
  reject(e: unknown): void;
}

export class GroupCommit {
  private readonly waiting: Waiting[] = [];
  private inFlight = 0;

  constructor(
    private readonly pool: Pool,
    private readonly concurrency = GROUP_COMMIT_CONCURRENCY,
    private readonly maxSteps = GROUP_COMMIT_MAX_STEPS,
  ) {}

  run<T>(step: BatchStep<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.waiting.push({ step, resolve: resolve as (v: unknown) => void, reject });
      this.pump();
    });
  }

  private pump(): void {
    while (this.inFlight < this.concurrency && this.waiting.length > 0) {
      const group = this.waiting.splice(0, this.maxSteps);
      this.inFlight++;
      void this.send(group).finally(() => {
        this.inFlight--;
        this.pump();
      });
    }
  }

  private async send(group: Waiting[]): Promise<void> {
    let built: Array<Applied<unknown>>;
    try {
      built = await withDbRetry(() => this.apply(group.map((w) => w.step)));
    } catch (e) {
      if (group.length === 1 || isRetryableDbError(e)) {
        for (const w of group) w.reject(e);
        return;
      }
      for (const w of group) await this.send([w]);
      return;
    }
    // Committed: from here on nothing is sent again, whatever a reader throws.
    group.forEach((w, i) => {
      try {
        const { step, own, after } = built[i]!;
        w.resolve(step.read(own, after));
      } catch (e) {
        w.reject(e);
      }
    });
  }

  /** One transaction in one round trip; each step's results, in the order given. */
  private async apply(steps: ReadonlyArray<BatchStep<unknown>>): Promise<Array<Applied<unknown>>> {
    const order = steps.map((s, i) => ({ s, i })).sort((a, b) => (a.s.key < b.s.key ? -1 : a.s.key > b.s.key ? 1 : a.i - b.i));
    const built = order.map(({ s }, n) => s.build(`@sf_${n}`));
    const head: Statement[] = [['SET TRANSACTION ISOLATION LEVEL READ COMMITTED', []], ['START TRANSACTION', []]];
    const statements = [...head, ...built.flatMap((b) => b.statements), ['COMMIT', []] as Statement, ...built.flatMap((b) => b.after ?? [])];
    const results = await batch(this.pool, statements);
    const applied: Array<Applied<unknown>> = new Array(steps.length);
    let at = head.length;
    let afterAt = head.length + built.reduce((n, b) => n + b.statements.length, 0) + 1;
    built.forEach((b, n) => {
      const own = results.slice(at, (at += b.statements.length));
      const after = results.slice(afterAt, (afterAt += b.after?.length ?? 0));
      applied[order[n]!.i] = { step: b, own, after };
    });
    return applied;
  }
}

interface Applied<T> {
  step: BuiltStep<T>;
  own: BatchResult[];
  after: BatchResult[];
}
