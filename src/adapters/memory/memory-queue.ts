import { type ComponentJob, jobFamily, jobId } from '../../core/engine/task.ts';
import type { ComponentJobHandler, DispatchOptions, DispatchQueue, QueueConsumer, ScheduleHandler, ServedQueue } from '../../core/ports/queue.ts';

/** One queue per family and handler, as in BullMQ. */
const queueKey = (job: Pick<ComponentJob, 'handler' | 'queue'>) => `${jobFamily(job)}/${job.handler}`;
/** Ids are unique per queue, as in BullMQ: a callback job and its deadline share `task:component:attempt`. */
const liveKey = (job: ComponentJob) => `${queueKey(job)}/${jobId(job)}`;

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
  /** `family/handler` of the queues it serves; undefined serves every queue. */
  queues: ReadonlySet<string> | undefined;
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

  /** No queues named: every family and handler, as the embedded engine needs. */
  async consumeComponents(queues: readonly ServedQueue[], concurrency: number, run: ComponentJobHandler): Promise<void> {
    const served = queues.length > 0 ? new Set(queues.map((q) => queueKey({ handler: q.handler, queue: q.family }))) : undefined;
    this.consumers.push({ queues: served, concurrency, active: 0, run });
    this.pump();
  }

  async consumeSchedules(concurrency: number, run: ScheduleHandler): Promise<void> {
    this.scheduler = { concurrency, active: 0, run };
    this.pump();
  }

  /** Jobs waiting for a consumer (not delayed, not running) per `family/handler`. */
  waiting(): Map<string, number> {
    const out = new Map<string, number>();
    for (const { job } of this.ready) out.set(queueKey(job), (out.get(queueKey(job)) ?? 0) + 1);
    return out;
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
        (c) => c.active < c.concurrency && (!c.queues || c.queues.has(queueKey(entry.job))),
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
