import { expect } from 'chai';
import { MemoryQueue } from '../../src/adapters/memory/memory-queue.ts';
import { queueConnection } from '../../src/adapters/redis/connections.ts';
import { BullQueue } from '../../src/adapters/redis/bullmq-queue.ts';
import type { ComponentJob } from '../../src/core/engine/task.ts';
import type { DispatchQueue, QueueConsumer } from '../../src/core/ports/queue.ts';
import { eventually, REDIS_URL } from '../support/env.ts';

const job = (component: string): ComponentJob => ({
  taskId: `t-${component}`, component, attempt: 1, handler: 'test.order', kind: 'job', flowHash: 'h', delayMs: 0,
});

/** Jobs queued before any worker runs, then taken one at a time: the order they come out in. */
async function order(queue: DispatchQueue & QueueConsumer): Promise<string[]> {
  await queue.dispatch([job('new-1'), job('new-2')]);
  await queue.dispatch([job('continues')], { ahead: true });
  await queue.dispatch([job('new-3')]);
  const seen: string[] = [];
  await queue.consumeComponents([{ family: 'default', handler: 'test.order' }], 1, async (j) => void seen.push(j.component));
  return eventually('all four jobs to run', async () => (seen.length === 4 ? seen : undefined), 10000);
}

describe('dispatch order', () => {
  it('runs work that continues a running task before the jobs already waiting (embedded queue)', async () => {
    const queue = new MemoryQueue();
    try {
      expect(await order(queue)).to.deep.equal(['continues', 'new-1', 'new-2', 'new-3']);
    } finally {
      await queue.close();
    }
  });

  it('runs work that continues a running task before the jobs already waiting (BullMQ)', async () => {
    const connection = queueConnection(REDIS_URL);
    const prefix = `{sf-order-${process.pid}-${Date.now()}}`;
    const queue = new BullQueue(connection, REDIS_URL, prefix);
    try {
      expect(await order(queue)).to.deep.equal(['continues', 'new-1', 'new-2', 'new-3']);
    } finally {
      await queue.close();
      const keys = await connection.keys(`${prefix}*`);
      if (keys.length > 0) await connection.del(...keys);
      await connection.quit();
    }
  });
});
