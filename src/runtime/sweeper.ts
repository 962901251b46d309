import { type ComponentJob, dispatchTarget, InternalQueue, needsJob } from '../core/engine/task.ts';
import type { FlowLookup } from '../core/ports/flow-versions.ts';
import type { DispatchQueue } from '../core/ports/queue.ts';
import type { ChildTasks, IdleTasks } from '../core/ports/task-state.ts';
import { Periodic } from './periodic.ts';

/**
 * Reconciliation. MySQL is the source of truth and Redis can be lost: a crash
 * between a commit and its enqueue, or a flushed Redis, leaves claimed work
 * with no job. Every `intervalMs` the sweeper looks at unfinished tasks that
 * have not been written for `idleMs`, dispatches again every in-flight attempt
 * whose job is not live (job ids are deterministic, so this never doubles a
 * live job), and asks for a scheduling pass so runnable work is claimed,
 * unless one of its jobs is live: that job's answer makes the pass (the
 * transition it commits claims whatever became runnable), so a pass now
 * would only cost a schedule job and a task read per idle task while a
 * backlog drains.
 */

export interface SweeperOptions {
  intervalMs: number;
  idleMs: number;
  batch: number;
}

/** What a sweep reads and dispatches: the idle tasks, their pinned flows, the queue. */
export interface SweepDeps {
  tasks: IdleTasks & ChildTasks;
  flows: FlowLookup;
  queue: Pick<DispatchQueue, 'isLive' | 'dispatch' | 'requestSchedule'>;
}

export const DEFAULT_SWEEPER: SweeperOptions = { intervalMs: 5000, idleMs: 10000, batch: 500 };

export interface SweepReport {
  examined: number;
  redispatched: number;
  rescheduled: number;
}

export async function sweepOnce(deps: SweepDeps, opts: SweeperOptions = DEFAULT_SWEEPER): Promise<SweepReport> {
  const report: SweepReport = { examined: 0, redispatched: 0, rescheduled: 0 };
  const idle = await deps.tasks.findIdleTasks(opts.idleMs, opts.batch);
  for (const snap of idle) {
    report.examined++;
    const flow = await deps.flows.byHashOrThrow(snap.flowHash);
    const lost: ComponentJob[] = [];
    let live = false;
    for (const c of flow.components) {
      if ((snap.inFlight & c.successBit) === 0n) continue;
      const job: ComponentJob = {
        taskId: snap.id, component: c.name, attempt: snap.attempts[c.name] ?? 1, handler: dispatchTarget(c.kind, c.handler), queue: c.queue, kind: c.kind,
        flowHash: flow.hash, delayMs: 0,
      };
      // A gate waits for a person, and a fan-out for its children, not for a job.
      if (!needsJob(job) || (c.kind === 'fanout' && (await fanOutStarted(deps.tasks, snap.id, c.name, job.attempt)))) continue;
      // A callback whose deadline job is pending has been posted and waits for its answer: posting it again would
      // start the external work twice (a second paid prediction).
      if (c.kind === 'callback' && (await deps.queue.isLive({ ...job, handler: InternalQueue.deadline }))) {
        live = true;
        continue;
      }
      if (await deps.queue.isLive(job)) live = true;
      else lost.push(job);
    }
    if (lost.length > 0) {
      await deps.queue.dispatch(lost.map((j) => ({ ...j, dispatchedAt: Date.now() })));
      report.redispatched += lost.length;
    }
    if (live) continue;
    await deps.queue.requestSchedule(snap.id);
    report.rescheduled++;
  }
  return report;
}

async function fanOutStarted(tasks: ChildTasks, taskId: string, component: string, attempt: number): Promise<boolean> {
  return (await tasks.listChildren(taskId, component, attempt)).length > 0;
}

export class Sweeper extends Periodic {
  constructor(deps: SweepDeps, opts: SweeperOptions = DEFAULT_SWEEPER, onError: (e: unknown) => void = () => {}) {
    super(() => sweepOnce(deps, opts), opts.intervalMs, onError);
  }
}
