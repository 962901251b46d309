import { randomUUID } from 'node:crypto';
import { Queue } from 'bullmq';
import { expect } from 'chai';
import { SCHEDULE_QUEUE } from '../../src/adapters/redis/bullmq-queue.ts';
import { type ComponentJob, TaskPhase } from '../../src/core/engine/task.ts';
import { connect, type Distributed } from '../../src/runtime/composition.ts';
import { sweepOnce } from '../../src/runtime/sweeper.ts';
import { useFreshEnv } from '../support/env.ts';
import { createTaskWithId, IDLE_FLOW } from '../support/tasks.ts';

/**
 * The sweeper on the real MariaDB and Redis, with no scheduler running so
 * what it queued stays to be read: of two idle running tasks with one job in
 * flight each, the one whose job is in BullMQ gets neither a new job nor a
 * scheduling pass (its job's answer will make one), the one whose job was
 * lost gets its job again and a pass.
 */

const HOUR_MS = 3600_000;

describe('sweeper on MariaDB and Redis', function () {
  this.timeout(60000);
  const env = useFreshEnv();
  let d: Distributed;
  let schedules: Queue;
  before(() => {
    d = connect(env().settings);
    schedules = new Queue(SCHEDULE_QUEUE, { connection: { url: env().settings.redisUrls[0]! }, prefix: env().settings.queuePrefix });
  });
  after(async () => {
    await schedules?.close();
    await d?.close();
  });

  const only = IDLE_FLOW.byName.get('Only')!;
  const jobOf = (taskId: string): ComponentJob => ({
    taskId, component: only.name, attempt: 1, handler: only.handler, queue: only.queue, kind: only.kind, flowHash: IDLE_FLOW.hash, delayMs: 0,
  });

  /** A running task not written for an hour whose first attempt at Only is in flight. */
  async function idleRunning(): Promise<string> {
    const id = randomUUID();
    await createTaskWithId(d, id);
    await d.store.handle.pool.query('UPDATE tasks SET phase = ?, in_flight = ?, attempts = ?, updated_at = ? WHERE id = ?',
      [TaskPhase.running, only.successBit.toString(), JSON.stringify({ [only.name]: 1 }), new Date(Date.now() - HOUR_MS), id]);
    return id;
  }

  it('asks for no scheduling pass for a task whose job is live, and re-dispatches and schedules one whose job is lost', async () => {
    const live = await idleRunning();
    const lost = await idleRunning();
    await d.queue.dispatch([jobOf(live)]);
    expect(await d.queue.isLive(jobOf(live))).to.equal(true);
    expect(await d.queue.isLive(jobOf(lost))).to.equal(false);

    const report = await sweepOnce({ tasks: d.store, flows: d.flows, queue: d.queue }, { intervalMs: HOUR_MS, idleMs: 60_000, batch: 10 });

    expect(report).to.deep.equal({ examined: 2, redispatched: 1, rescheduled: 1 });
    expect(await d.queue.isLive(jobOf(lost))).to.equal(true);
    const passes = await schedules.getJobs(['waiting', 'delayed', 'prioritized']);
    expect(passes.map((j) => (j.data as { taskId: string }).taskId)).to.deep.equal([lost]);
  });
});
