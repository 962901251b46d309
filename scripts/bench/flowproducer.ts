import os from 'node:os';
import path from 'node:path';
import { FlowProducer, type FlowJob, type Job, Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { deletePrefix, newTag, pendingCleanups, REDIS_URL, ROOT } from './lib/env.ts';
import { hostCpu, privateServerPids, type Ready, spawnReady, stealPct } from './lib/proc.ts';
import { type BenchSystem, cpuNow, cpuPerJob, type RunResult, SUBMIT_CONCURRENCY } from './engine.ts';
import { type PrivateRedis, startDurableRedis } from './lib/private-redis.ts';
import { opsPerJob, serverOps } from './lib/server-ops.ts';
import { mapLimit, openLoop, round, sleep, summarize } from './lib/stats.ts';

/**
 * The reference: the same 13-node shape (a root over three scene nodes over
 * three leaves each) as one BullMQ `FlowProducer` tree per task, on the same
 * Redis, processed by one worker process with the same concurrency and a
 * no-op processor. BullMQ keeps the state in Redis only.
 *
 * The durable variant runs the same trees on a private redis-server with
 * `appendonly yes` and `appendfsync always` (lib/private-redis.ts): BullMQ made
 * durable per write, as slotflow is through MySQL.
 *
 * Completed jobs are kept (BullMQ's default) so their timestamps can be read
 * afterwards; they are cleaned between runs. Throughput: first `add` to the
 * last `finishedOn`. Dispatch latency per parent (3 scenes and the root):
 * its `processedOn` minus the latest `finishedOn` of its children.
 */

export const BULL_QUEUE = 'bench13';
export const FANOUT = 3;

export interface BullRig {
  system: Extract<BenchSystem, 'bullmq' | 'bullmq-durable'>;
  redisUrl: string;
  /** The private redis-server of the durable variant. */
  server?: PrivateRedis;
  prefix: string;
  redis: Redis;
  producer: FlowProducer;
  queue: Queue;
  procs: Ready[];
  concurrency: number;
  /** Deletes the keys under the prefix. */
  forget: () => Promise<void>;
  closed?: boolean;
}

export async function openBullRig(concurrency: number, opts: { durable?: boolean } = {}): Promise<BullRig> {
  const prefix = `{sfb-${newTag()}-bull}`;
  const server = opts.durable ? await startDurableRedis() : undefined;
  if (server) privateServerPids.add(server.pid);
  const redisUrl = server?.url ?? REDIS_URL;
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: null });
  const forget = async () => {
    pendingCleanups.delete(forget);
    if (server) {
      // The whole server is ours: stopping it and removing its directory is the cleanup.
      await server.stop();
      privateServerPids.delete(server.pid);
    } else {
      await deletePrefix(prefix);
    }
  };
  pendingCleanups.add(forget);
  const label = server ? 'bullmq worker (durable redis)' : 'bullmq worker';
  const worker = await spawnReady(
    process.execPath,
    ['--import', 'tsx', path.join(ROOT, 'scripts/bench/bullmq-worker.ts'), redisUrl, prefix, BULL_QUEUE, String(concurrency)],
    { env: process.env, cwd: ROOT, ready: /running \(pid/, label, timeoutMs: 90000 },
  ).catch(async (e: unknown) => {
    redis.disconnect();
    await forget();
    throw e;
  });
  return {
    system: server ? 'bullmq-durable' : 'bullmq',
    redisUrl,
    ...(server ? { server } : {}),
    prefix,
    redis,
    producer: new FlowProducer({ connection: redis, prefix }),
    queue: new Queue(BULL_QUEUE, { connection: redis, prefix }),
    procs: [worker],
    concurrency,
    forget,
  };
}

export async function closeBullRig(rig: BullRig): Promise<void> {
  if (rig.closed) return;
  rig.closed = true;
  await Promise.all(rig.procs.map((p) => p.stop()));
  await rig.producer.close();
  await rig.queue.close();
  rig.redis.disconnect();
  await rig.forget();
}

/** One task: the root over three scenes over three leaves, like flows/bench-13.json. */
export function tree(i: number): FlowJob {
  return {
    name: 'Root',
    queueName: BULL_QUEUE,
    data: { bench: i },
    children: Array.from({ length: FANOUT }, (_, s) => ({
      name: `Scene${s + 1}`,
      queueName: BULL_QUEUE,
      data: { bench: i },
      children: Array.from({ length: FANOUT }, (_, l) => ({ name: `Leaf${s + 1}${l + 1}`, queueName: BULL_QUEUE, data: { bench: i } })),
    })),
  };
}

export const JOBS_PER_TREE = 1 + FANOUT + FANOUT * FANOUT;

async function waitCompleted(rig: BullRig, jobs: number, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const [done, failed] = await Promise.all([rig.queue.getCompletedCount(), rig.queue.getFailedCount()]);
    if (done + failed >= jobs) return;
    if (Date.now() > until) throw new Error(`bullmq: only ${done + failed} of ${jobs} jobs finished after ${timeoutMs} ms`);
    await sleep(50);
  }
}

export async function bullWarmUp(rig: BullRig, tasks = 20): Promise<void> {
  await mapLimit(Array.from({ length: tasks }, (_, i) => i), SUBMIT_CONCURRENCY, (i) => rig.producer.add(tree(i)));
  await waitCompleted(rig, tasks * JOBS_PER_TREE, 120000);
  await rig.queue.clean(0, 0, 'completed');
}

export async function bullBurst(rig: BullRig, tasks: number, timeoutMs = 600000): Promise<RunResult> {
  return measure(rig, tasks, timeoutMs, 'burst', async () => {
    await mapLimit(Array.from({ length: tasks }, (_, i) => i), SUBMIT_CONCURRENCY, (i) => rig.producer.add(tree(i)));
    return {};
  });
}

export async function bullOpenLoop(rig: BullRig, tasks: number, tasksPerSec: number, timeoutMs = 600000): Promise<RunResult> {
  return measure(rig, tasks, timeoutMs, 'open-loop', async () => {
    const { maxLagMs } = await openLoop(tasks, tasksPerSec, async (i) => {
      await rig.producer.add(tree(i));
    });
    return { offeredTasksPerSec: round(tasksPerSec, 2), submitLagMs: maxLagMs };
  });
}

async function measure(rig: BullRig, tasks: number, timeoutMs: number, mode: RunResult['mode'], drive: () => Promise<Partial<RunResult>>): Promise<RunResult> {
  const jobs = tasks * JOBS_PER_TREE;
  const pids = rig.procs.map((p) => p.pid);
  const ops0 = await serverOps(rig.redisUrl);
  const cpu0 = cpuNow(pids, rig.server?.pid);
  const host0 = hostCpu();
  const start = Date.now();
  const extra = await drive();
  await waitCompleted(rig, jobs, timeoutMs);
  const cpu1 = cpuNow(pids, rig.server?.pid);
  const ops1 = await serverOps(rig.redisUrl);
  const steal = stealPct(host0, hostCpu());
  const done = (await rig.queue.getJobs(['completed'], 0, -1)) as Job[];
  const failed = await rig.queue.getFailedCount();
  const last = Math.max(...done.map((j) => j.finishedOn ?? 0));
  const wallMs = last - start;
  // Latency: each parent's processedOn minus the latest finishedOn among its children.
  const childDone = new Map<string, number>();
  for (const j of done) {
    const key = j.parent?.id;
    if (!key) continue;
    childDone.set(key, Math.max(childDone.get(key) ?? 0, j.finishedOn ?? 0));
  }
  const latencies: number[] = [];
  for (const j of done) {
    const ready = j.id ? childDone.get(j.id) : undefined;
    if (ready !== undefined && j.processedOn !== undefined) latencies.push(j.processedOn - ready);
  }
  await rig.queue.clean(0, 0, 'completed');
  return {
    system: rig.system,
    mode,
    tasks,
    jobs,
    failed,
    wallMs,
    jobsPerSec: round((jobs * 1000) / wallMs, 1),
    tasksPerSec: round((tasks * 1000) / wallMs, 2),
    latencyMs: summarize(latencies),
    cpuMsPerJob: cpuPerJob(cpu0, cpu1, jobs),
    loadAvg1: round(os.loadavg()[0]!, 2),
    stealPct: steal,
    opsPerJob: opsPerJob(ops0, ops1, jobs),
    ...extra,
  };
}
