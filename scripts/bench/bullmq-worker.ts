/**
 * The BullMQ side of the engine benchmark: one plain BullMQ worker process
 * running a no-op processor, as `slotflow worker` runs builtin.noop.
 * Usage: node --import tsx scripts/bench/bullmq-worker.ts REDIS_URL PREFIX QUEUE CONCURRENCY
 */
import { Worker } from 'bullmq';
import { Redis } from 'ioredis';

const [url, prefix, queue, concurrency] = process.argv.slice(2);
if (!url || !prefix || !queue || !concurrency) {
  console.error('usage: bullmq-worker.ts REDIS_URL PREFIX QUEUE CONCURRENCY');
  process.exit(2);
}
const connection = new Redis(url, { maxRetriesPerRequest: null });
const worker = new Worker(queue, async () => ({}), { connection, prefix, concurrency: Number(concurrency) });
worker.on('error', (e) => console.error(`bullmq worker error: ${e.message}`));
await worker.waitUntilReady();
console.error(`bullmq worker running (pid ${process.pid}, queue ${prefix}:${queue}, concurrency ${concurrency})`);
process.once('SIGTERM', () => {
  void worker.close().finally(() => {
    connection.disconnect();
    process.exit(0);
  });
});
