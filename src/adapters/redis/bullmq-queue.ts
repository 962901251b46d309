import { type Job, Queue, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { type ComponentJob, INTERNAL_QUEUES, jobId } from '../../core/engine/task.ts';
import type { ComponentJobHandler, DispatchOptions, DispatchQueue, QueueConsumer, ScheduleHandler } from '../../core/ports/queue.ts';
import { log } from '../../log.ts';
import { queueConnection } from './connections.ts';

/**
 * BullMQ queues: one `schedule` queue for scheduling passes and one queue per
 * handler (`c.<handler>`), so `slotflow worker --handlers a,b` takes only the
 * jobs it can run. Job ids are the deterministic `task:component:attempt`
 * (BullMQ forbids ':' in custom ids, so it travels as '|'); adding an id that
 * is already queued is a no-op, which makes re-dispatch by the sweeper safe.
 * A job that throws (an infrastructure error: a handler's own failure is an
 * answer, not a throw) is retried by BullMQ; a job whose worker died is
 * found stalled and run again.
 */

export const SCHEDULE_QUEUE = 'schedule';
export const INFRA_ATTEMPTS = 5;
export const INFRA_BACKOFF_MS = 500;

export interface BullOptions {
  /** How long a worker's claim on a job lasts without renewal: the time to notice a killed worker. */
  lockDurationMs: number;
  stalledIntervalMs: number;
}

export const DEFAULT_BULL: BullOptions = { lockDurationMs: 30000, stalledIntervalMs: 15000 };

export function componentQueueName(handler: string): string {
  return `c.${handler}`;
}

export function bullJobId(job: Pick<ComponentJob, 'taskId' | 'component' | 'attempt'>): string {
  return jobId(job).replaceAll(':', '|');
}

export class BullQueue implements DispatchQueue, QueueConsumer {
  private readonly queues = new Map<string, Queue>();
  private readonly workers: Worker[] = [];
  private readonly workerConnections: Redis[] = [];

  constructor(
    private readonly connection: Redis,
    private readonly url: string,
    private readonly prefix: string,
    private readonly opts: BullOptions = DEFAULT_BULL,
  ) {}

  private queue(name: string): Queue {
    let q = this.queues.get(name);
    if (!q) {
      q = new Queue(name, { connection: this.connection, prefix: this.prefix });
      // Without a listener every reconnect attempt while Redis is away prints a stack.
      q.on('error', (e) => log.warn('queue error', { queue: name, error: e.message }));
      this.queues.set(name, q);
    }
    return q;
  }

  async dispatch(jobs: readonly ComponentJob[], dispatch: DispatchOptions = {}): Promise<void> {
    const byHandler = new Map<string, ComponentJob[]>();
    for (const j of jobs) byHandler.set(j.handler, [...(byHandler.get(j.handler) ?? []), j]);
    await Promise.all(
      [...byHandler].map(([handler, list]) =>
        this.queue(componentQueueName(handler)).addBulk(
          list.map((j) => ({
            name: j.component,
            data: j,
            opts: {
              jobId: bullJobId(j),
              delay: j.delayMs,
              lifo: dispatch.ahead === true,
              attempts: INFRA_ATTEMPTS,
              backoff: { type: 'exponential', delay: INFRA_BACKOFF_MS },
              removeOnComplete: true,
              removeOnFail: true,
            },
          })),
        ),
      ),
    );
  }

  async requestSchedule(taskId: string, delayMs = 0): Promise<void> {
    await this.queue(SCHEDULE_QUEUE).add(
      'schedule',
      { taskId },
      {
        deduplication: { id: taskId },
        delay: delayMs,
        attempts: INFRA_ATTEMPTS,
        backoff: { type: 'exponential', delay: INFRA_BACKOFF_MS },
        removeOnComplete: true,
        removeOnFail: true,
      },
    );
  }

  /** Jobs per state in the schedule queue, the engine's own queues and every queue this process has used. */
  async jobCounts(): Promise<Array<{ queue: string; state: string; count: number }>> {
    for (const name of [SCHEDULE_QUEUE, ...INTERNAL_QUEUES.map(componentQueueName)]) this.queue(name);
    const out: Array<{ queue: string; state: string; count: number }> = [];
    for (const [name, q] of this.queues) {
      const counts = await q.getJobCounts('waiting', 'active', 'delayed', 'prioritized', 'failed');
      for (const [state, count] of Object.entries(counts)) out.push({ queue: name, state, count });
    }
    return out;
  }

  async isLive(job: ComponentJob): Promise<boolean> {
    const q = this.queue(componentQueueName(job.handler));
    const id = bullJobId(job);
    // The job's hash, not getJobState: that script scans the whole wait list (LPOS, O(jobs waiting)), and the
    // sweeper asks for every in-flight job of every idle task, so with a deep backlog it cost Redis more than the work.
    // The hash exists from the add until the job is removed; finishedOn is set once it completed or failed for good.
    const found = await q.getJob(id);
    if (!found) return false;
    if (found.finishedOn === undefined) return true;
    await found.remove();
    return false;
  }

  async consumeComponents(handlers: readonly string[], concurrency: number, run: ComponentJobHandler): Promise<void> {
    for (const handler of handlers) {
      this.startWorker(componentQueueName(handler), concurrency, (job: Job<ComponentJob>) => run(job.data));
    }
  }

  async consumeSchedules(concurrency: number, run: ScheduleHandler): Promise<void> {
    this.startWorker(SCHEDULE_QUEUE, concurrency, (job: Job<{ taskId: string }>) => run(job.data.taskId));
  }

  private startWorker<T>(name: string, concurrency: number, fn: (job: Job<T>) => Promise<void>): void {
    const connection = queueConnection(this.url);
    this.workerConnections.push(connection);
    const worker = new Worker<T>(name, fn, {
      connection,
      prefix: this.prefix,
      concurrency,
      lockDuration: this.opts.lockDurationMs,
      stalledInterval: this.opts.stalledIntervalMs,
      maxStalledCount: 1000,
    });
    worker.on('error', (e) => log.warn('queue worker error', { queue: name, error: e.message }));
    this.workers.push(worker);
  }

  /** Stops taking jobs and waits for running ones to finish. */
  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.close()));
    await Promise.all([...this.queues.values()].map((q) => q.close()));
    await Promise.all(this.workerConnections.map((c) => c.quit().catch(() => c.disconnect())));
  }
}
