import { setTimeout as sleep } from 'node:timers/promises';
import { BullQueue } from '../../../src/adapters/redis/bullmq-queue.ts';
import { queueConnection } from '../../../src/adapters/redis/connections.ts';
import { dispatchTarget } from '../../../src/core/engine/task.ts';
import { chaosEnv } from '../env.ts';
import { PrivateRedis } from '../private-services.ts';
import type { Scale, ScenarioReport } from '../report.ts';
import { openRuns } from '../workload.ts';
import { outageScenario } from './outage.ts';

/**
 * Scenario 2, Redis restart: a private `redis-server` without persistence is
 * killed mid-run, stays down, and comes back empty. Every queued, delayed and
 * active job and every lock is gone; MySQL still says which attempts are in
 * flight, and the sweeper dispatches them again, so every task completes.
 */

export const REDIS_SCALES: Record<Scale, { tasks: number; workers: number; outageMs: number; timeoutMs: number }> = {
  short: { tasks: 20, workers: 2, outageMs: 2000, timeoutMs: 60000 },
  long: { tasks: 200, workers: 3, outageMs: 5000, timeoutMs: 10 * 60000 },
};

export async function redisRestart(scale: Scale): Promise<ScenarioReport> {
  const opts = REDIS_SCALES[scale];
  const redis = await PrivateRedis.start();
  const env = await chaosEnv('redis', { redisUrl: redis.url });
  try {
    return await outageScenario('redis-restart', scale, opts, env, [
      {
        at: 0.25,
        label: 'redis_down',
        cause: 'Redis restarted empty (job re-dispatched by the sweeper)',
        async act() {
          const t0 = Date.now();
          await redis.kill();
          await sleep(opts.outageMs);
          await redis.start();
          return Date.now() - t0;
        },
        // Right after the restart, before the sweeper has looked: how many open attempts have no job any more. A
        // connection of its own connects at once, while the processes' connections (and the sweeper's re-dispatch)
        // wait for their reconnect backoff.
        async afterwards(d) {
          const catalog = d.flows;
          const connection = queueConnection(redis.url);
          const queue = new BullQueue(connection, redis.url, env.settings.queuePrefix);
          try {
            const open = await openRuns(d);
            const jobs = [];
            for (const r of open) {
              const snap = await d.store.readTask(r.taskId);
              const c = snap && (await catalog.byHashOrThrow(snap.flowHash)).byName.get(r.component);
              if (snap && c) jobs.push({ taskId: r.taskId, component: r.component, attempt: r.attempt, handler: dispatchTarget(c.kind, c.handler), kind: c.kind, flowHash: snap.flowHash, delayMs: 0 });
            }
            const live = await Promise.all(jobs.map((job) => queue.isLive(job)));
            return { jobs_lost: live.filter((l) => !l).length };
          } finally {
            await queue.close();
            await connection.quit().catch(() => connection.disconnect());
          }
        },
      },
    ]);
  } finally {
    await env.dispose();
    await redis.stop();
  }
}
