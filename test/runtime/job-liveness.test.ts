import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import type { ComponentJob } from '../../src/core/engine/task.ts';
import { connect, type Distributed } from '../../src/runtime/composition.ts';
import { eventually, useFreshEnv } from '../support/env.ts';

/**
 * The sweeper's question, on the real Redis: is this attempt's job still
 * somewhere in BullMQ? Asked for every in-flight job of every idle task, so
 * it must hold behind a deep backlog too.
 */
describe('job liveness (BullMQ on Redis)', function () {
  this.timeout(60000);
  const env = useFreshEnv();
  const job = (handler: string): ComponentJob => ({
    taskId: randomUUID(), component: 'Only', attempt: 1, handler, kind: 'job', flowHash: 'f'.repeat(64), delayMs: 0,
  });

  it('a queued job is live behind a thousand others, a job never added is not, and a job that ran is not', async () => {
    const d: Distributed = connect(env().settings);
    try {
      await liveness(d);
    } finally {
      await d.close();
    }
  });

  async function liveness(d: Distributed): Promise<void> {
    const backlog = Array.from({ length: 1000 }, () => job('test.backlog'));
    await d.queue.dispatch(backlog);
    const delayed = { ...job('test.backlog'), delayMs: 60000 };
    await d.queue.dispatch([delayed]);
    expect(await d.queue.isLive(backlog[0]!)).to.equal(true);
    expect(await d.queue.isLive(backlog[999]!)).to.equal(true);
    expect(await d.queue.isLive(delayed)).to.equal(true);
    expect(await d.queue.isLive(job('test.backlog'))).to.equal(false);

    const ran = job('test.run');
    const seen: string[] = [];
    await d.queue.dispatch([ran]);
    expect(await d.queue.isLive(ran)).to.equal(true);
    await d.queue.consumeComponents([{ family: 'default', handler: 'test.run' }], 1, async (j) => {
      seen.push(j.taskId);
    });
    await eventually('the job to run', async () => (seen.includes(ran.taskId) ? true : undefined));
    await eventually('the finished job to be gone', async () => ((await d.queue.isLive(ran)) ? undefined : true));
  }
});
