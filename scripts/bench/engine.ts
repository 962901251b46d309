import os from 'node:os';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import type { RowDataPacket } from 'mysql2/promise';
import { loadFlow } from '../../src/adapters/flow-files.ts';
import { componentQueueName } from '../../src/adapters/redis/bullmq-queue.ts';
import type { CompiledFlow } from '../../src/core/flow/compile.ts';
import { connect, type Distributed } from '../../src/runtime/composition.ts';
import { type BenchEnv, freshEnv, ROOT, startSchedulers, startWorkers, stopAll } from './lib/env.ts';
import { hostCpu, procStat, type Ready, serverCpu, stealPct, TreeSampler, mb } from './lib/proc.ts';
import { opsPerJob, serverOps } from './lib/server-ops.ts';
import { mapLimit, openLoop, round, sleep, summarize, type Summary } from './lib/stats.ts';

/**
 * The engine side: `bench-13` tasks in distributed mode, with `slotflow
 * scheduler` and `slotflow worker` as real child processes on a fresh MySQL
 * database and queue prefix. Tasks are submitted from this process through
 * the engine's own submit path: one MySQL transaction that creates the task
 * with its leaves claimed, then one bulk add of their jobs (the same place
 * BullMQ's side adds its flows: this process).
 *
 * Throughput: from the first submit to the last task's final commit
 * (`MAX(tasks.updated_at)`), jobs = tasks × 13 component executions.
 * Dispatch latency, per dependent component (the 3 scenes and the root):
 * its run's `started_at` (the attempt opened by the worker) minus the latest
 * `finished_at` of its dependencies (set in the transaction that committed
 * the dependency's success and claimed the dependent). Both come from the
 * same MariaDB clock, in ms.
 */

export const BENCH_FLOW = 'bench-13';
export const SUBMIT_CONCURRENCY = 16;

export interface EngineConfig {
  workers: number;
  schedulers: number;
  concurrency: number;
}

export interface EngineRig {
  env: BenchEnv;
  d: Distributed;
  flow: CompiledFlow;
  config: EngineConfig;
  schedulers: Ready[];
  workers: Ready[];
  /** All of them. */
  procs: Ready[];
}

export interface CpuSnapshot {
  procs: number;
  bench: number;
  mysqld: number | null;
  redis: number | null;
}

/** bullmq: FlowProducer on the shared Redis; bullmq-durable: on a private redis-server with appendfsync always. */
export type BenchSystem = 'slotflow' | 'bullmq' | 'bullmq-durable';

export interface RunResult {
  system: BenchSystem;
  mode: 'burst' | 'open-loop';
  tasks: number;
  jobs: number;
  failed: number;
  wallMs: number;
  jobsPerSec: number;
  tasksPerSec: number;
  /** Offered arrival rate (open loop only), tasks per second. */
  offeredTasksPerSec?: number;
  /** How late the open-loop submitter got behind its schedule, ms. */
  submitLagMs?: number;
  latencyMs: Summary;
  /**
   * slotflow only: a run's started_at to its finished_at. builtin.noop returns at once, so this is the completion
   * path (task lock wait, read, compare-and-swap transaction); leaves are the 9 siblings that finish together.
   */
  answerMs?: { leaves: Summary; inner: Summary };
  /** CPU ms per job: the system's own processes, this benchmark process (submitting), and the shared servers. */
  cpuMsPerJob: { procs: number; bench: number; mysqld: number | null; redis: number | null };
  loadAvg1: number;
  /** CPU time the hypervisor gave to other guests during the run, %. */
  stealPct: number;
  /** Redis commands, MySQL statements and InnoDB rows changed per job (server-wide counters). */
  opsPerJob: ReturnType<typeof opsPerJob>;
  /** slotflow only: the task row's final version, on average (creation with its first pass counts as 2). */
  writesPerTask?: number;
}

export async function openEngineRig(config: EngineConfig, env?: BenchEnv): Promise<EngineRig> {
  const benchEnv = env ?? (await freshEnv('engine'));
  const [schedulers, workers] = await Promise.all([startSchedulers(benchEnv.env, config.schedulers), startWorkers(benchEnv.env, config.workers, config.concurrency)]);
  // The bench's own statements (submissions, the counts after a point, gc) are not bounded by the statement timeout:
  // at 100,000 tasks the count of their runs took longer than its 10 s default. The engine's processes keep theirs.
  const d = connect({ ...benchEnv.settings, mysqlTimeoutMs: 0 });
  const flow = loadFlow(BENCH_FLOW, ROOT);
  return { env: benchEnv, d, flow, config, schedulers, workers, procs: [...schedulers, ...workers] };
}

export async function closeEngineRig(rig: EngineRig, opts: { keepEnv?: boolean } = {}): Promise<void> {
  await stopAll(rig.procs);
  await rig.d.close();
  if (!opts.keepEnv) await rig.env.cleanup();
}

/** Starts or stops processes so the rig has the given numbers (same database, prefix and concurrency). */
export async function reconfigure(rig: EngineRig, config: EngineConfig): Promise<EngineRig> {
  if (config.concurrency !== rig.config.concurrency) throw new Error('reconfigure keeps the worker concurrency');
  const schedulers = rig.schedulers.slice(0, config.schedulers);
  const workers = rig.workers.slice(0, config.workers);
  await stopAll([...rig.schedulers.slice(config.schedulers), ...rig.workers.slice(config.workers)]);
  const [moreSchedulers, moreWorkers] = await Promise.all([
    startSchedulers(rig.env.env, Math.max(0, config.schedulers - schedulers.length)),
    startWorkers(rig.env.env, Math.max(0, config.workers - workers.length), config.concurrency),
  ]);
  schedulers.push(...moreSchedulers);
  workers.push(...moreWorkers);
  return { ...rig, config, schedulers, workers, procs: [...schedulers, ...workers] };
}

/** `redisPid`: a private redis-server to count in place of the shared one. */
export function cpuNow(pids: readonly number[], redisPid?: number): CpuSnapshot {
  const own = process.cpuUsage();
  const servers = serverCpu(redisPid);
  return {
    procs: pids.reduce((a, p) => a + (procStat(p)?.cpuSec ?? 0), 0),
    bench: (own.user + own.system) / 1e6,
    ...servers,
  };
}

export function cpuPerJob(before: CpuSnapshot, after: CpuSnapshot, jobs: number): RunResult['cpuMsPerJob'] {
  const per = (a: number | null, b: number | null) => (a === null || b === null ? null : round(((b - a) * 1000) / jobs, 3));
  return { procs: per(before.procs, after.procs)!, bench: per(before.bench, after.bench)!, mysqld: per(before.mysqld, after.mysqld), redis: per(before.redis, after.redis) };
}

async function query<T extends RowDataPacket>(rig: EngineRig, sql: string, params: unknown[] = []): Promise<T[]> {
  const [rows] = await rig.d.store.handle.pool.query<T[]>(sql, params);
  return rows;
}

async function settledCount(rig: EngineRig): Promise<number> {
  const rows = await query<RowDataPacket>(rig, `SELECT COUNT(*) AS n FROM tasks WHERE phase IN ('completed', 'failed', 'cancelled')`);
  return Number(rows[0]!.n);
}

/** Waits until `target` tasks in the database are settled; fails after `timeoutMs` with what is left. */
async function waitSettled(rig: EngineRig, target: number, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const n = await settledCount(rig);
    if (n >= target) return;
    if (Date.now() > until) throw new Error(`slotflow: only ${n} of ${target} tasks settled after ${timeoutMs} ms`);
    await sleep(50);
  }
}

/**
 * Until no task is queued or running. Each poll reads one index entry, where counting the settled tasks reads all of
 * them: polled every 50 ms while 10,000 tasks drain, that count was most of the rows MariaDB read per job.
 */
async function waitDrained(rig: EngineRig, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const [row] = await query<RowDataPacket>(rig, `SELECT EXISTS (SELECT 1 FROM tasks WHERE phase IN ('queued', 'running')) AS busy`);
    if (Number(row!.busy) === 0) return;
    if (Date.now() > until) throw new Error(`slotflow: tasks still unsettled after ${timeoutMs} ms`);
    await sleep(50);
  }
}

function submit(rig: EngineRig, i: number): Promise<unknown> {
  return rig.d.engine.submit({ flow: rig.flow, input: { bench: i } });
}

/** Registers the flow and warms every process (JIT, pools, prepared statements) with a few tasks, not recorded. */
export async function warmUp(rig: EngineRig, tasks = 20): Promise<void> {
  const before = await settledCount(rig);
  await mapLimit(Array.from({ length: tasks }, (_, i) => i), SUBMIT_CONCURRENCY, (i) => submit(rig, i));
  await waitSettled(rig, before + tasks, 120000);
}

/** All tasks submitted at once (at most SUBMIT_CONCURRENCY submits in flight): the maximum rate. */
export async function engineBurst(rig: EngineRig, tasks: number, timeoutMs = 600000): Promise<RunResult> {
  return measure(rig, tasks, timeoutMs, 'burst', async () => {
    await mapLimit(Array.from({ length: tasks }, (_, i) => i), SUBMIT_CONCURRENCY, (i) => submit(rig, i));
    return {};
  });
}

/** Tasks arriving at a fixed rate (open loop): latency at a given load. */
export async function engineOpenLoop(rig: EngineRig, tasks: number, tasksPerSec: number, timeoutMs = 600000): Promise<RunResult> {
  return measure(rig, tasks, timeoutMs, 'open-loop', async () => {
    const { maxLagMs } = await openLoop(tasks, tasksPerSec, async (i) => {
      await submit(rig, i);
    });
    return { offeredTasksPerSec: round(tasksPerSec, 2), submitLagMs: maxLagMs };
  });
}

async function measure(
  rig: EngineRig,
  tasks: number,
  timeoutMs: number,
  mode: RunResult['mode'],
  drive: () => Promise<Partial<RunResult>>,
): Promise<RunResult> {
  const before = await settledCount(rig);
  const pids = rig.procs.map((p) => p.pid);
  const ops0 = await serverOps();
  const cpu0 = cpuNow(pids);
  const host0 = hostCpu();
  // DATETIME(3) in the database; a little slack below the start so rounding never drops the first task.
  const start = new Date();
  const extra = await drive();
  await waitSettled(rig, before + tasks, timeoutMs);
  const cpu1 = cpuNow(pids);
  const ops1 = await serverOps();
  const steal = stealPct(host0, hostCpu());
  const since = new Date(start.getTime() - 2);
  const [agg] = await query<RowDataPacket>(
    rig,
    `SELECT COUNT(*) AS n, SUM(phase <> 'completed') AS failed, MAX(updated_at) AS last, AVG(version) AS version FROM tasks WHERE created_at >= ?`,
    [since],
  );
  if (Number(agg!.n) !== tasks) throw new Error(`slotflow: expected ${tasks} tasks created since the start, found ${agg!.n}`);
  const wallMs = (agg!.last as Date).getTime() - start.getTime();
  const jobs = tasks * rig.flow.components.length;
  const timings = await runTimings(rig, since);
  return {
    system: 'slotflow',
    mode,
    tasks,
    jobs,
    failed: Number(agg!.failed),
    wallMs,
    jobsPerSec: round((jobs * 1000) / wallMs, 1),
    tasksPerSec: round((tasks * 1000) / wallMs, 2),
    latencyMs: summarize(timings.dispatch),
    answerMs: { leaves: summarize(timings.leafAnswer), inner: summarize(timings.innerAnswer) },
    cpuMsPerJob: cpuPerJob(cpu0, cpu1, jobs),
    loadAvg1: round(os.loadavg()[0]!, 2),
    stealPct: steal,
    opsPerJob: opsPerJob(ops0, ops1, jobs),
    // Version 1 is the row as created: every write after that is one compare-and-swap transition.
    writesPerTask: round(Number(agg!.version), 2),
    ...extra,
  };
}

export interface RunTimings {
  /** Dependents: started_at minus the latest finished_at of their dependencies. */
  dispatch: number[];
  /** Every run: finished_at minus started_at. For builtin.noop that is the completion path: lock wait, read, compare-and-swap. */
  leafAnswer: number[];
  innerAnswer: number[];
}

/** Per-run timings from component_runs (one MariaDB clock, ms). */
async function runTimings(rig: EngineRig, since: Date): Promise<RunTimings> {
  const rows = await query<RowDataPacket>(
    rig,
    `SELECT r.task_id, r.component, r.started_at, r.finished_at FROM component_runs r JOIN tasks t ON t.id = r.task_id
     WHERE t.created_at >= ? AND r.attempt = 1`,
    [since],
  );
  const byTask = new Map<string, Map<string, { started: number; finished: number }>>();
  for (const r of rows) {
    const runs = byTask.get(String(r.task_id)) ?? new Map<string, { started: number; finished: number }>();
    runs.set(String(r.component), { started: (r.started_at as Date | null)?.getTime() ?? NaN, finished: (r.finished_at as Date | null)?.getTime() ?? NaN });
    byTask.set(String(r.task_id), runs);
  }
  const out: RunTimings = { dispatch: [], leafAnswer: [], innerAnswer: [] };
  for (const runs of byTask.values()) {
    for (const c of rig.flow.components) {
      const run = runs.get(c.name);
      if (!run) continue;
      const answer = run.finished - run.started;
      if (Number.isFinite(answer)) (c.depends.length === 0 ? out.leafAnswer : out.innerAnswer).push(answer);
      if (c.depends.length === 0) continue;
      const ready = Math.max(...c.depends.map((dep) => runs.get(dep)?.finished ?? NaN));
      if (Number.isFinite(run.started) && Number.isFinite(ready)) out.dispatch.push(run.started - ready);
    }
  }
  return out;
}

export interface ScalePoint {
  tasks: number;
  jobs: number;
  /** Submitting while the component queue is paused: tasks per second into MySQL and Redis. */
  submitTasksPerSec: number;
  /** Redis memory used by the queued work (used_memory after submitting minus before), MiB. */
  redisQueuedMb: number;
  /** false when the backlog did not drain within the time budget: the rates are over the budget. */
  drained: boolean;
  drainMs: number;
  jobsDone: number;
  tasksDone: number;
  jobsPerSec: number;
  /** Wall ms per task (drain time / tasks), or per 13 jobs when not drained. */
  msPerTask: number;
  cpuMsPerJob: RunResult['cpuMsPerJob'];
  /**
   * Server-wide counters while draining, per job done: Redis commands, MySQL statements, rows changed and rows
   * read. Flat as the backlog grows when no step reads more the more tasks there are.
   */
  opsPerJob: ReturnType<typeof opsPerJob>;
  /** Peak summed RSS of the scheduler and worker processes while draining, MiB. */
  peakRssMb: number;
  peakRssPerProcessMb: Array<{ comm: string; rssMb: number }>;
  failed: number;
  loadAvg1: number;
  stealPct: number;
}

async function redisUsedMemory(url: string): Promise<number> {
  const client = new Redis(url, { maxRetriesPerRequest: 3 });
  try {
    return Number(/used_memory:(\d+)/.exec(await client.info('memory'))?.[1] ?? 0);
  } finally {
    client.disconnect();
  }
}

/**
 * N tasks queued first (the component queue paused while they are submitted:
 * a task is created with its leaves claimed and their jobs queued), then
 * released: how fast the backlog drains, and what it costs in memory.
 * Stops waiting after `budgetMs` and reports the rate so far.
 */
export async function engineScale(rig: EngineRig, tasks: number, budgetMs: number): Promise<ScalePoint> {
  const handlers = new Set(rig.flow.components.map((c) => c.handler));
  if (handlers.size !== 1) throw new Error(`the scale bench pauses one component queue; ${rig.flow.name} uses ${[...handlers].join(', ')}`);
  const componentQueue = new Queue(componentQueueName([...handlers][0]!), { connection: { url: rig.env.settings.redisUrls[0]! }, prefix: rig.env.prefix });
  try {
    const redisUrl = rig.env.settings.redisUrls[0]!;
    const mem0 = await redisUsedMemory(redisUrl);
    await componentQueue.pause();
    const submitted = new Date(Date.now() - 2);
    const t0 = performance.now();
    await mapLimit(Array.from({ length: tasks }, (_, i) => i), SUBMIT_CONCURRENCY * 2, (i) => submit(rig, i));
    const submitMs = performance.now() - t0;
    const mem1 = await redisUsedMemory(redisUrl);
    const pids = rig.procs.map((p) => p.pid);
    const sampler = new TreeSampler(() => pids, { intervalMs: 200 }).start();
    const ops0 = await serverOps(redisUrl);
    const cpu0 = cpuNow(pids);
    const host0 = hostCpu();
    const start = new Date();
    await componentQueue.resume();
    let drained = true;
    try {
      await waitDrained(rig, budgetMs);
    } catch {
      drained = false;
    }
    const cpu1 = cpuNow(pids);
    const ops1 = await serverOps(redisUrl);
    const cutoff = new Date();
    const mem = sampler.stop();
    const [agg] = await query<RowDataPacket>(
      rig,
      `SELECT COUNT(*) AS n, SUM(phase = 'completed') AS done, SUM(phase IN ('failed', 'cancelled')) AS failed, MAX(updated_at) AS last
       FROM tasks WHERE created_at >= ?`,
      [submitted],
    );
    const [runs] = await query<RowDataPacket>(
      rig,
      `SELECT COUNT(*) AS n FROM component_runs r JOIN tasks t ON t.id = r.task_id
       WHERE t.created_at >= ? AND r.status = 'succeeded' AND r.finished_at <= ?`,
      [submitted, cutoff],
    );
    const drainMs = drained ? (agg!.last as Date).getTime() - start.getTime() : cutoff.getTime() - start.getTime();
    const jobsDone = Number(runs!.n);
    return {
      tasks,
      jobs: tasks * rig.flow.components.length,
      submitTasksPerSec: round((tasks * 1000) / submitMs, 1),
      redisQueuedMb: mb(Math.max(0, mem1 - mem0)),
      drained,
      drainMs,
      jobsDone,
      tasksDone: Number(agg!.done),
      jobsPerSec: round((jobsDone * 1000) / drainMs, 1),
      msPerTask: round((drainMs / jobsDone) * rig.flow.components.length, 2),
      cpuMsPerJob: cpuPerJob(cpu0, cpu1, jobsDone),
      opsPerJob: opsPerJob(ops0, ops1, jobsDone),
      peakRssMb: mb(mem.peakRssBytes),
      peakRssPerProcessMb: mem.peakMembers,
      failed: Number(agg!.failed),
      loadAvg1: round(os.loadavg()[0]!, 2),
      stealPct: stealPct(host0, hostCpu()),
    };
  } finally {
    await componentQueue.close();
  }
}

/** Rows and on-disk size of the tables finished work grows. */
export interface HotTables {
  rows: Record<string, number>;
  /** data + index, MiB, as InnoDB's statistics say (they lag a little behind deletes). */
  sizeMb: number;
}

const HOT_TABLES = ['tasks', 'events', 'component_runs', 'webhook_attempts', 'answer_rejections', 'request_vectors'];

export async function hotTables(rig: EngineRig): Promise<HotTables> {
  const rows: Record<string, number> = {};
  for (const table of HOT_TABLES) rows[table] = Number((await query<RowDataPacket>(rig, `SELECT COUNT(*) AS n FROM ${table}`))[0]!.n);
  const [size] = await query<RowDataPacket>(
    rig,
    'SELECT SUM(data_length + index_length) AS bytes FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name IN (?)',
    [HOT_TABLES],
  );
  return { rows, sizeMb: mb(Number(size!.bytes)) };
}
