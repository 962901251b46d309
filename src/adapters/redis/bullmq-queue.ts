import { type Job, Queue, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { type ComponentJob, INTERNAL_QUEUE_FAMILY, INTERNAL_QUEUES, jobFamily, jobId } from '../../core/engine/task.ts';
import { DEFAULT_QUEUE_FAMILY } from '../../core/flow/queue-family.ts';
import type {
  ComponentJobHandler, DispatchOptions, DispatchQueue, JobCount, QueueConsumer, ScheduleHandler, ServedQueue,
} from '../../core/ports/queue.ts';
import { log } from '../../log.ts';
import { queueConnection } from './connections.ts';

/**
 * BullMQ queues: one `schedule` queue for scheduling passes and one queue per
 * queue family and handler, so `slotflow worker --queues f --handlers a,b`
 * takes only the jobs it is meant to run. A handler's queue in family
 * `default` is `c.<handler>`, the name it had before families existed, so
 * jobs already queued by a running deployment stay where workers look; in
 * another family it is `q.<family>.c.<handler>`. The engine's internal queues
 * keep `c.<handler>` too: each belongs to one fixed family
 * (`INTERNAL_QUEUE_FAMILY`), so the name needs none. Every name dispatched to
 * is added to one Redis set, so the metrics count the queues any process
 * used, not only this one's. Job ids are the deterministic `task:component:attempt`
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

/** The set of the component queues ever dispatched to, as `family/queue` members. */
export const QUEUE_SET_KEY = 'slotflow:queues';

export function componentQueueName(handler: string, family: string = DEFAULT_QUEUE_FAMILY): string {
  if (family === DEFAULT_QUEUE_FAMILY || INTERNAL_QUEUE_FAMILY.has(handler)) return `c.${handler}`;
  return `q.${family}.c.${handler}`;
}

export function jobQueueName(job: Pick<ComponentJob, 'handler' | 'queue'>): string {
  return componentQueueName(job.handler, jobFamily(job));
}

export function bullJobId(job: Pick<ComponentJob, 'taskId' | 'component' | 'attempt'>): string {
  return jobId(job).replaceAll(':', '|');
}

export class BullQueue implements DispatchQueue, QueueConsumer {
  private readonly queues = new Map<string, Queue>();
  private readonly workers: Worker[] = [];
  private readonly workerConnections: Redis[] = [];
  /** `family/queue` of the queues this process has added to the queue set already. */
  private readonly recorded = new Set<string>();

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
    const byQueue = new Map<string, ComponentJob[]>();
    for (const j of jobs) byQueue.set(jobQueueName(j), [...(byQueue.get(jobQueueName(j)) ?? []), j]);
    await this.record(jobs);
    await Promise.all(
      [...byQueue].map(([name, list]) =>
        this.queue(name).addBulk(
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

  /** Adds the jobs' queues to the queue set, once per queue per process: one SADD, not one per dispatch. */
  private async record(jobs: readonly ComponentJob[]): Promise<void> {
    const fresh = [...new Set(jobs.map((j) => `${jobFamily(j)}/${jobQueueName(j)}`))].filter((m) => !this.recorded.has(m));
    if (fresh.length === 0) return;
    await this.connection.sadd(`${this.prefix}:${QUEUE_SET_KEY}`, ...fresh);
    for (const m of fresh) this.recorded.add(m);
  }

  /**
   * Jobs per state in the schedule queue (counted under `default`, the maintenance family), the engine's own
   * queues and every component queue any process dispatched to, each labelled with its family.
   */
  async jobCounts(): Promise<JobCount[]> {
    const members = new Map<string, string>([[SCHEDULE_QUEUE, DEFAULT_QUEUE_FAMILY]]);
    for (const handler of INTERNAL_QUEUES) members.set(componentQueueName(handler), INTERNAL_QUEUE_FAMILY.get(handler)!);
    for (const m of await this.connection.smembers(`${this.prefix}:${QUEUE_SET_KEY}`)) {
      const slash = m.indexOf('/');
      if (slash > 0) members.set(m.slice(slash + 1), m.slice(0, slash));
    }
    const out: JobCount[] = [];
    for (const [name, family] of [...members].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      const counts = await this.queue(name).getJobCounts('waiting', 'active', 'delayed', 'prioritized', 'failed');
      for (const [state, count] of Object.entries(counts)) out.push({ queue: name, family, state, count });
    }
    return out;
  }

  async isLive(job: ComponentJob): Promise<boolean> {
    const q = this.queue(jobQueueName(job));
    const id = bullJobId(job);
    // The job's hash, not getJobState: that script scans the whole wait list (LPOS, O(jobs waiting)), and the
    // sweeper asks for every in-flight job of every idle task, so with a deep backlog it cost Redis more than the work.
    // The hash exists from the add until the job is removed (its `timestamp` is set by the add); `finishedOn` is set
    // once it completed or failed for good. Those two fields alone (HMGET), not the whole job with its data (HGETALL).
    const [added, finishedOn] = await this.connection.hmget(q.toKey(id), 'timestamp', 'finishedOn');
    if (added === null) return false;
    if (finishedOn === null) return true;
    await q.remove(id);
    return false;
  }

  async consumeComponents(queues: readonly ServedQueue[], concurrency: number, run: ComponentJobHandler): Promise<void> {
    const names = new Map(queues.map((q) => [componentQueueName(q.handler, q.family), q.family]));
    for (const [name, family] of names) {
      // A job queued before families existed carries none: the queue it was taken from says which it is.
      this.startWorker(name, concurrency, (job: Job<ComponentJob>) => run({ ...job.data, queue: job.data.queue ?? family }));
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
