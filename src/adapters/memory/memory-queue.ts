import { type ComponentJob, jobId } from '../../core/engine/task.ts';

/** Ids are unique per queue, as in BullMQ: a callback job and its deadline share `task:component:attempt`. */
const liveKey = (job: ComponentJob) => `${job.handler}/${jobId(job)}`;
import type { ComponentJobHandler, DispatchOptions, DispatchQueue, QueueConsumer, ScheduleHandler } from '../../core/ports/queue.ts';

/**
 * The embedded back end's queue: component jobs and scheduling requests held
 * in this process, with the same promises as the BullMQ queue: a job id that
 * is live is not added twice, delayed jobs wait, scheduling requests for a
 * task that is already waiting are merged, and a job whose run throws (an
 * infrastructure error, not a handler failure) is tried again.
 */

export const INFRA_RETRIES = 3;
export const INFRA_RETRY_DELAY_MS = 200;

interface Consumer {
  handlers: ReadonlySet<string> | undefined;
  concurrency: number;
  active: number;
  run: ComponentJobHandler;
}

export class MemoryQueue implements DispatchQueue, QueueConsumer {
  private readonly live = new Set<string>();
  private readonly ready: Array<{ job: ComponentJob; tries: number }> = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly consumers: Consumer[] = [];
  private readonly scheduleWaiting = new Set<string>();
  private readonly scheduleReady: string[] = [];
  private scheduler: { concurrency: number; active: number; run: ScheduleHandler } | undefined;
  private closed = false;
  private idleWaiters: Array<() => void> = [];
  /** Errors thrown by runs, for whoever drives the embedded mode. */
  readonly errors: unknown[] = [];

  async dispatch(jobs: readonly ComponentJob[], opts: DispatchOptions = {}): Promise<void> {
    for (const job of jobs) {
      const id = liveKey(job);
      if (this.live.has(id)) continue;
      this.live.add(id);
      this.enqueue({ job, tries: 0 }, job.delayMs, opts.ahead === true);
    }
  }

  async requestSchedule(taskId: string, delayMs = 0): Promise<void> {
    if (this.scheduleWaiting.has(taskId)) return;
    this.scheduleWaiting.add(taskId);
    this.later(delayMs, () => {
      this.scheduleReady.push(taskId);
      this.pump();
    });
  }

  async isLive(job: ComponentJob): Promise<boolean> {
    return this.live.has(liveKey(job));
  }

  async consumeComponents(handlers: readonly string[], concurrency: number, run: ComponentJobHandler): Promise<void> {
    this.consumers.push({ handlers: handlers.length > 0 ? new Set(handlers) : undefined, concurrency, active: 0, run });
    this.pump();
  }

  async consumeSchedules(concurrency: number, run: ScheduleHandler): Promise<void> {
    this.scheduler = { concurrency, active: 0, run };
    this.pump();
  }

  /** Resolves once nothing is waiting, delayed or running. */
  async idle(): Promise<void> {
    if (this.isIdle()) return;
    await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }

  private isIdle(): boolean {
    const active = this.consumers.reduce((n, c) => n + c.active, 0) + (this.scheduler?.active ?? 0);
    return this.live.size === 0 && this.scheduleWaiting.size === 0 && active === 0;
  }

  private enqueue(entry: { job: ComponentJob; tries: number }, delayMs: number, ahead = false): void {
    this.later(delayMs, () => {
      if (ahead) this.ready.unshift(entry);
      else this.ready.push(entry);
      this.pump();
    });
  }

  private later(delayMs: number, fn: () => void): void {
    if (delayMs <= 0) return fn();
    const t = setTimeout(() => {
      this.timers.delete(t);
      if (!this.closed) fn();
    }, delayMs);
    this.timers.add(t);
  }

  private pump(): void {
    if (this.closed) return;
    for (let i = 0; i < this.ready.length; ) {
      const entry = this.ready[i]!;
      const consumer = this.consumers.find(
        (c) => c.active < c.concurrency && (!c.handlers || c.handlers.has(entry.job.handler)),
      );
      if (!consumer) {
        i++;
        continue;
      }
      this.ready.splice(i, 1);
      consumer.active++;
      void consumer
        .run(entry.job)
        .then(
          () => this.live.delete(liveKey(entry.job)),
          (e: unknown) => {
            this.errors.push(e);
            if (entry.tries + 1 < INFRA_RETRIES) this.enqueue({ job: entry.job, tries: entry.tries + 1 }, INFRA_RETRY_DELAY_MS);
            else this.live.delete(liveKey(entry.job));
          },
        )
        .finally(() => {
          consumer.active--;
          this.pump();
        });
    }
    const s = this.scheduler;
    while (s && s.active < s.concurrency && this.scheduleReady.length > 0) {
      const taskId = this.scheduleReady.shift()!;
      this.scheduleWaiting.delete(taskId);
      s.active++;
      void s
        .run(taskId)
        .catch((e: unknown) => this.errors.push(e))
        .finally(() => {
          s.active--;
          this.pump();
        });
    }
    if (this.isIdle() && this.idleWaiters.length > 0) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const w of waiters) w();
    }
  }
}
