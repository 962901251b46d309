/**
 * `npm run bench [-- --quick] [-- --only engine,scaling,scale,render,reuse] [-- --tasks N] [-- --reps N] [-- --out FILE]`
 *
 * 1. Engine: bench-13 tasks in distributed mode (MariaDB + Redis, real
 *    scheduler and worker processes) against the same shape as BullMQ
 *    FlowProducer trees on the shared Redis and on a private redis-server
 *    with appendfsync always, alternating A B C A B C; jobs per second, CPU
 *    and server work per job for each system, the ratios,
 *    dispatch latency at the maximum rate and at half of it (open loop);
 *    throughput with 1, 2 and 4 worker processes and 1 and 2 schedulers.
 * 2. Render: the sample article at 1080×1920 end to end in embedded mode,
 *    against the ffmpeg floor; peak memory of the whole process tree.
 * 3. Repeat: the same article again (served from the result cache).
 * 4. Scale: 100, 1,000 and 10,000 queued tasks drained; then the hot tables
 *    before and after deleting every finished task's history.
 * 5. Reuse: near-duplicate lookup p50/p99 with 100,000 stored requests, and
 *    precision and recall at the default threshold on a pair set.
 *
 * Prints a table and writes bench/results.json. Each part uses its own fresh
 * database (slotflow_bench_<tag>) and queue prefix ({sfb-<tag>}), removed
 * afterwards; the shared Redis is never flushed.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  closeEngineRig, engineBurst, engineOpenLoop, engineScale, type EngineConfig, type EngineRig, type HotTables, hotTables, openEngineRig, reconfigure,
  type RunResult, type ScalePoint, warmUp,
} from './engine.ts';
import { DEFAULT_RETENTION, purgeFinishedHistory } from '../../src/runtime/retention.ts';
import { bullBurst, bullOpenLoop, bullWarmUp, closeBullRig, JOBS_PER_TREE, openBullRig } from './flowproducer.ts';
import { ROOT, runPendingCleanups } from './lib/env.ts';
import { hostCpu, killLiveChildren, machine, type Machine, stealPct } from './lib/proc.ts';
import { roundTripCpuUs } from './lib/server-ops.ts';
import { median, round } from './lib/stats.ts';
import { fmt, table } from './lib/table.ts';
import { type RenderBench, renderBench } from './render.ts';
import { type ReuseBench, reuseBench } from './reuse.ts';

const SECTIONS = ['engine', 'scaling', 'scale', 'render', 'reuse'] as const;
type Section = (typeof SECTIONS)[number];

interface Options {
  quick: boolean;
  tasks: number;
  reps: number;
  halfReps: number;
  scalingReps: number;
  concurrency: number;
  scalePoints: number[];
  scaleBudgetSec: number;
  renderSize: string | undefined;
  reuseStored: number;
  reuseLookups: number;
  sections: Set<Section>;
  out: string;
}

function usage(msg?: string): never {
  if (msg) console.error(`bench: ${msg}`);
  console.error('usage: npm run bench -- [--quick] [--only engine,scaling,scale,render,reuse] [--tasks N] [--reps N] [--scale 100,1000] [--scale-budget SEC] [--size WxH|full] [--out FILE]');
  process.exit(2);
}

function parseArgs(argv: readonly string[]): Options {
  const quick = argv.includes('--quick');
  const opts: Options = {
    quick,
    tasks: quick ? 60 : 300,
    reps: quick ? 2 : 3,
    halfReps: quick ? 1 : 2,
    scalingReps: quick ? 1 : 2,
    concurrency: 8,
    scalePoints: quick ? [20, 200] : [100, 1000, 10000],
    scaleBudgetSec: quick ? 30 : 300,
    renderSize: quick ? '360x640' : undefined,
    reuseStored: quick ? 10_000 : 100_000,
    reuseLookups: quick ? 1000 : 2000,
    sections: new Set(SECTIONS),
    out: path.join(ROOT, 'bench', 'results.json'),
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const value = () => argv[++i] ?? usage(`${a} needs a value`);
    const int = () => {
      const n = Number(value());
      if (!Number.isInteger(n) || n <= 0) usage(`${a} takes a positive integer`);
      return n;
    };
    if (a === '--quick') continue;
    else if (a === '--tasks') opts.tasks = int();
    else if (a === '--reps') opts.reps = int();
    else if (a === '--concurrency') opts.concurrency = int();
    else if (a === '--scale-budget') opts.scaleBudgetSec = int();
    else if (a === '--out') opts.out = path.resolve(value());
    else if (a === '--size') {
      const v = value();
      if (v !== 'full' && !/^\d+x\d+$/.test(v)) usage('--size takes WxH or full');
      opts.renderSize = v === 'full' ? undefined : v;
    } else if (a === '--scale') opts.scalePoints = value().split(',').map((s) => Number(s.replace(/_/g, '')));
    else if (a === '--only') {
      const names = value().split(',');
      for (const n of names) if (!SECTIONS.includes(n as Section)) usage(`unknown section ${n} (known: ${SECTIONS.join(', ')})`);
      opts.sections = new Set(names as Section[]);
    } else if (a === '--help' || a === '-h') usage();
    else usage(`unknown option ${a}`);
  }
  return opts;
}

interface EngineSection {
  config: { tasks: number; reps: number; flow: string; jobsPerTask: number; slotflow: EngineConfig; bullmq: { workers: number; concurrency: number } };
  runs: Array<RunResult & { label: string }>;
  slotflowJobsPerSec: number;
  bullmqJobsPerSec: number;
  /** The same FlowProducer trees on a private redis-server with appendfsync always. */
  bullmqDurableJobsPerSec: number;
  /** slotflow over FlowProducer on the shared Redis, median jobs/s. */
  ratio: number;
  /** slotflow over the durable FlowProducer. */
  ratioDurable: number;
  /** Per system, medians over its burst runs. */
  systems: SystemSummary[];
  latency: {
    max: { slotflow: { p50: number | null; p99: number | null }; bullmq: { p50: number | null; p99: number | null } };
    half: { slotflow: { p50: number | null; p99: number | null; offered: number }; bullmq: { p50: number | null; p99: number | null; offered: number } };
  };
}

interface SystemSummary {
  system: RunResult['system'];
  jobsPerSec: number;
  cpuMsPerJob: { procs: number; mysqld: number | null; redis: number | null; total: number };
  sqlStatementsPerJob: number;
  sqlRowsChangedPerJob: number;
  redisCommandsPerJob: number;
  /** slotflow's jobs/s over this system's. */
  slotflowSpeedRatio: number;
  /** This system's total CPU ms per job over slotflow's. */
  cpuOverSlotflow: number;
}

/** Medians of a system's burst runs, and how slotflow compares. */
function summarizeSystem(system: RunResult['system'], runs: readonly RunResult[], slotflow?: SystemSummary): SystemSummary {
  const mine = runs.filter((r) => r.system === system && r.mode === 'burst');
  const procs = med(mine, (r) => r.cpuMsPerJob.procs)!;
  const mysqld = med(mine, (r) => r.cpuMsPerJob.mysqld);
  const redis = med(mine, (r) => r.cpuMsPerJob.redis);
  const total = round(procs + (mysqld ?? 0) + (redis ?? 0), 3);
  const jobsPerSec = med(mine, (r) => r.jobsPerSec)!;
  return {
    system,
    jobsPerSec,
    cpuMsPerJob: { procs, mysqld, redis, total },
    sqlStatementsPerJob: med(mine, (r) => r.opsPerJob.mysql)!,
    sqlRowsChangedPerJob: med(mine, (r) => r.opsPerJob.mysqlRows)!,
    redisCommandsPerJob: med(mine, (r) => r.opsPerJob.redis)!,
    slotflowSpeedRatio: round((slotflow?.jobsPerSec ?? jobsPerSec) / jobsPerSec, 3),
    cpuOverSlotflow: round(total / (slotflow?.cpuMsPerJob.total ?? total), 3),
  };
}

interface ScalingPoint {
  workers: number;
  schedulers: number;
  jobsPerSec: number;
  runs: number[];
  cpuMsPerJob: number;
}

interface Results {
  generated_at: string;
  mode: 'quick' | 'full';
  duration_sec: number;
  machine: Machine & { loadAvgAfter: number[]; stealPct: number; roundTripCpuUs?: { redisPing: number; mysqlSelect: number } };
  commands: string[];
  notes: string[];
  engine?: EngineSection;
  scaling?: ScalingPoint[];
  scale?: ScaleSection;
  render?: RenderBench;
  reuse?: ReuseBench;
  targets: Target[];
}

interface Target {
  id: string;
  target: string;
  measured: string;
  met: boolean | null;
}

const log = (s: string) => console.error(`[bench ${new Date().toISOString().slice(11, 19)}] ${s}`);

function med(runs: readonly RunResult[], f: (r: RunResult) => number | null): number | null {
  const v = runs.map(f).filter((x): x is number => x !== null);
  return median(v);
}

async function engineSection(opts: Options, scalingOut: ScalingPoint[] | undefined): Promise<EngineSection> {
  const base: EngineConfig = { workers: 1, schedulers: 1, concurrency: opts.concurrency };
  log(`engine: starting 1 scheduler + 1 worker (concurrency ${opts.concurrency}) and a BullMQ worker (concurrency ${opts.concurrency})`);
  let rig: EngineRig = await openEngineRig(base);
  const bull = await openBullRig(opts.concurrency);
  log(`engine: and a BullMQ worker on a private redis-server (appendonly yes, appendfsync always)`);
  const durable = await openBullRig(opts.concurrency, { durable: true });
  try {
    await warmUp(rig);
    await bullWarmUp(bull);
    await bullWarmUp(durable);
    const runs: Array<RunResult & { label: string }> = [];
    for (let r = 1; r <= opts.reps; r++) {
      const a = await engineBurst(rig, opts.tasks);
      log(`A${r} slotflow ${a.jobsPerSec} jobs/s, dispatch p50 ${a.latencyMs.p50} ms p99 ${a.latencyMs.p99} ms`);
      runs.push({ label: `A${r}`, ...a });
      const b = await bullBurst(bull, opts.tasks);
      log(`B${r} bullmq   ${b.jobsPerSec} jobs/s, dispatch p50 ${b.latencyMs.p50} ms p99 ${b.latencyMs.p99} ms`);
      runs.push({ label: `B${r}`, ...b });
      const c = await bullBurst(durable, opts.tasks);
      log(`C${r} bullmq durable ${c.jobsPerSec} jobs/s, dispatch p50 ${c.latencyMs.p50} ms p99 ${c.latencyMs.p99} ms`);
      runs.push({ label: `C${r}`, ...c });
    }
    // Only the burst rows compare the durable server; the open-loop runs below stay slotflow against the shared Redis.
    await closeBullRig(durable);
    const burstA = runs.filter((r) => r.system === 'slotflow');
    const burstB = runs.filter((r) => r.system === 'bullmq');
    const burstC = runs.filter((r) => r.system === 'bullmq-durable');
    const maxC = med(burstC, (r) => r.jobsPerSec)!;
    const maxA = med(burstA, (r) => r.jobsPerSec)!;
    const maxB = med(burstB, (r) => r.jobsPerSec)!;
    const halfA = (maxA / 2) / JOBS_PER_TREE;
    const halfB = (maxB / 2) / JOBS_PER_TREE;
    // Quick mode keeps the open-loop runs short: at half rate they take twice as long as a burst.
    const halfTasks = opts.quick ? Math.ceil(opts.tasks / 2) : opts.tasks;
    for (let r = 1; r <= opts.halfReps; r++) {
      const a = await engineOpenLoop(rig, halfTasks, halfA);
      log(`A½${r} slotflow at ${round(halfA, 1)} tasks/s: ${a.jobsPerSec} jobs/s, dispatch p50 ${a.latencyMs.p50} ms p99 ${a.latencyMs.p99} ms`);
      runs.push({ label: `A½${r}`, ...a });
      const b = await bullOpenLoop(bull, halfTasks, halfB);
      log(`B½${r} bullmq at ${round(halfB, 1)} tasks/s: ${b.jobsPerSec} jobs/s, dispatch p50 ${b.latencyMs.p50} ms p99 ${b.latencyMs.p99} ms`);
      runs.push({ label: `B½${r}`, ...b });
    }
    await closeBullRig(bull);
    const halfRunsA = runs.filter((r) => r.system === 'slotflow' && r.mode === 'open-loop');
    const halfRunsB = runs.filter((r) => r.system === 'bullmq' && r.mode === 'open-loop');

    if (scalingOut) {
      scalingOut.push({ workers: 1, schedulers: 1, jobsPerSec: maxA, runs: burstA.map((r) => r.jobsPerSec), cpuMsPerJob: med(burstA, (r) => r.cpuMsPerJob.procs)! });
      for (const [workers, schedulers] of [[2, 1], [4, 1], [1, 2]] as const) {
        // Processes are added or stopped, not restarted: fewer cold starts on a small machine.
        log(`scaling: ${workers} worker(s), ${schedulers} scheduler(s)`);
        rig = await reconfigure(rig, { workers, schedulers, concurrency: opts.concurrency });
        await warmUp(rig, 10);
        const got: RunResult[] = [];
        for (let r = 0; r < opts.scalingReps; r++) got.push(await engineBurst(rig, opts.tasks));
        const point = { workers, schedulers, jobsPerSec: med(got, (r) => r.jobsPerSec)!, runs: got.map((r) => r.jobsPerSec), cpuMsPerJob: med(got, (r) => r.cpuMsPerJob.procs)! };
        log(`scaling: ${workers}w ${schedulers}s → ${point.jobsPerSec} jobs/s`);
        scalingOut.push(point);
      }
    }
    return {
      config: {
        tasks: opts.tasks, reps: opts.reps, flow: 'bench-13', jobsPerTask: JOBS_PER_TREE, slotflow: base, bullmq: { workers: 1, concurrency: opts.concurrency },
      },
      runs,
      slotflowJobsPerSec: maxA,
      bullmqJobsPerSec: maxB,
      bullmqDurableJobsPerSec: maxC,
      ratio: round(maxA / maxB, 3),
      ratioDurable: round(maxA / maxC, 3),
      systems: systemSummaries(runs),
      latency: {
        max: {
          slotflow: { p50: med(burstA, (r) => r.latencyMs.p50), p99: med(burstA, (r) => r.latencyMs.p99) },
          bullmq: { p50: med(burstB, (r) => r.latencyMs.p50), p99: med(burstB, (r) => r.latencyMs.p99) },
        },
        half: {
          slotflow: { p50: med(halfRunsA, (r) => r.latencyMs.p50), p99: med(halfRunsA, (r) => r.latencyMs.p99), offered: round(halfA, 2) },
          bullmq: { p50: med(halfRunsB, (r) => r.latencyMs.p50), p99: med(halfRunsB, (r) => r.latencyMs.p99), offered: round(halfB, 2) },
        },
      },
    };
  } finally {
    await closeBullRig(durable).catch(() => undefined);
    await closeBullRig(bull).catch(() => undefined);
    await closeEngineRig(rig);
  }
}

function systemSummaries(runs: readonly RunResult[]): SystemSummary[] {
  const slotflow = summarizeSystem('slotflow', runs);
  return [slotflow, summarizeSystem('bullmq', runs, slotflow), summarizeSystem('bullmq-durable', runs, slotflow)];
}

interface RetentionRun {
  /** Finished tasks in the database when gc ran: all of them, with --retain-days 0. */
  tasks: number;
  before: HotTables;
  after: HotTables;
  gcSec: number;
  deletedRows: number;
}

interface ScaleSection {
  points: ScalePoint[];
  /** The hot tables after every point, then after `purgeFinishedHistory` with 0 days (what `slotflow gc --retain-days 0` runs). */
  retention?: RetentionRun;
}

async function retentionRun(rig: EngineRig): Promise<RetentionRun> {
  const before = await hotTables(rig);
  const t0 = performance.now();
  const report = await purgeFinishedHistory(rig.d.store, { ...DEFAULT_RETENTION, retainDays: 0 });
  const gcSec = round((performance.now() - t0) / 1000, 2);
  // Fresh statistics, so the sizes show what the deletes freed inside the tablespace.
  await rig.d.store.handle.pool.query('ANALYZE TABLE tasks, events, component_runs, webhook_attempts, answer_rejections, request_vectors');
  const after = await hotTables(rig);
  return { tasks: report.tasks, before, after, gcSec, deletedRows: Object.values(report.rows).reduce((a, b) => a + b, 0) };
}

async function scaleSection(opts: Options): Promise<ScaleSection> {
  const rig = await openEngineRig({ workers: 1, schedulers: 1, concurrency: opts.concurrency });
  const out: ScalePoint[] = [];
  let retention: RetentionRun | undefined;
  try {
    await warmUp(rig);
    for (const n of opts.scalePoints) {
      log(`scale: ${n} queued tasks (drain budget ${opts.scaleBudgetSec} s)`);
      const p = await engineScale(rig, n, opts.scaleBudgetSec * 1000);
      log(`scale: ${n} tasks ${p.drained ? 'drained' : `NOT drained within ${opts.scaleBudgetSec} s (${p.jobsDone} of ${p.jobs} jobs)`} at ${p.jobsPerSec} jobs/s (${p.msPerTask} ms/task), peak RSS ${p.peakRssMb} MiB`);
      log(`scale: ${n} tasks, per job: ${p.opsPerJob.mysqlRowsRead} rows read, ${p.opsPerJob.redis} Redis commands, CPU ms own ${p.cpuMsPerJob.procs} / mysqld ${p.cpuMsPerJob.mysqld} / redis ${p.cpuMsPerJob.redis}`);
      out.push(p);
      // A backlog left behind would slow the next point: stop here.
      if (!p.drained) break;
    }
    log('scale: gc of every finished task\'s history (retain 0 days)');
    retention = await retentionRun(rig);
    log(`scale: gc deleted ${retention.deletedRows} rows of ${retention.tasks} tasks in ${retention.gcSec} s`);
  } finally {
    await closeEngineRig(rig);
  }
  return { points: out, ...(retention ? { retention } : {}) };
}

function targets(r: Results): Target[] {
  const out: Target[] = [];
  if (r.engine) {
    const e = r.engine;
    out.push({ id: 'engine-vs-flowproducer', target: 'engine ≥ 1.0× BullMQ FlowProducer jobs/s (every transition durable in MySQL)',
      measured: `${e.ratio}× (${e.slotflowJobsPerSec} vs ${e.bullmqJobsPerSec} jobs/s)`, met: e.ratio >= 1.0 });
    out.push({ id: 'engine-vs-durable-flowproducer', target: 'engine ≥ 1.0× FlowProducer on Redis with appendfsync always (both durable per write)',
      measured: `${e.ratioDurable}× (${e.slotflowJobsPerSec} vs ${e.bullmqDurableJobsPerSec} jobs/s)`, met: e.ratioDurable >= 1.0 });
    const p99 = e.latency.half.slotflow.p99;
    out.push({ id: 'dispatch-p99-half-rate', target: 'dispatch p99 ≤ 20 ms at half the maximum rate',
      measured: `${fmt(p99)} ms at ${e.latency.half.slotflow.offered} tasks/s (BullMQ: ${fmt(e.latency.half.bullmq.p99)} ms)`, met: p99 === null ? null : p99 <= 20 });
  }
  if (r.render) {
    const x = r.render;
    const label = x.reduced ? ` [reduced size ${x.size}, not the 1080×1920 target]` : '';
    out.push({ id: 'render-realtime', target: '1080×1920 sample rendered ≥ 2× realtime end to end',
      measured: `${x.first.realtimeFactor}× (${x.first.videoSec} s of video in ${x.first.wallSec} s)${label}`, met: x.first.realtimeFactor >= 2 });
    out.push({ id: 'render-vs-floor', target: 'render within 1.5× of the ffmpeg floor',
      measured: `${x.floorRatio}× (floor ${x.floor.wallSec} s)${label}`, met: x.floorRatio <= 1.5 });
    out.push({ id: 'repeat', target: 'repeated article completed in ≤ 0.2 s with zero executions',
      measured: `${x.repeat.inProcessSec} s in process (${x.repeat.wallSec} s with process start), ${x.repeat.componentsExecuted} executions`,
      met: x.repeat.inProcessSec <= 0.2 && x.repeat.componentsExecuted === 0 });
    out.push({ id: 'render-memory', target: 'peak memory of a render ≤ 1 GiB (whole process tree)',
      measured: `${x.first.peakRssMb} MiB${label}`, met: x.first.peakRssMb <= 1024 });
  }
  if (r.reuse) {
    const x = r.reuse;
    out.push({ id: 'reuse-lookup-p99', target: 'reuse lookup p99 ≤ 50 ms with 100,000 stored requests',
      measured: `${x.lookupMs.p99} ms with ${x.stored} stored`, met: x.stored >= 100_000 ? x.lookupMs.p99 <= 50 : null });
    out.push({ id: 'reuse-precision', target: `no false reuse on the near-miss pairs at ${x.threshold}`,
      measured: `precision ${x.pairs.precision ?? '—'}, recall ${x.pairs.recall} (${x.pairs.falsePositives} false reuses)`, met: x.pairs.falsePositives === 0 });
  }
  return out;
}

function report(r: Results): string {
  const lines: string[] = [];
  const m = r.machine;
  lines.push(`slotflow bench (${r.mode}) — ${m.cpus} × ${m.cpuModel}, ${m.memGiB} GiB, ${m.kernel}, node ${m.node}`);
  lines.push(`load average before ${m.loadAvg.join(' ')}, after ${m.loadAvgAfter.join(' ')}; CPU stolen by the hypervisor ${m.stealPct}%; took ${r.duration_sec} s`);
  if (m.roundTripCpuUs) lines.push(`client CPU of one round trip here: Redis PING ${m.roundTripCpuUs.redisPing} µs, MySQL SELECT 1 ${m.roundTripCpuUs.mysqlSelect} µs`);
  if (r.engine) {
    const e = r.engine;
    lines.push('', `1. Engine: ${e.config.tasks} × ${e.config.flow} (${e.config.jobsPerTask} builtin.noop jobs each); slotflow: ${e.config.slotflow.schedulers} scheduler + ${e.config.slotflow.workers} worker process (concurrency ${e.config.slotflow.concurrency}), MariaDB + Redis; BullMQ FlowProducer: 1 worker process (concurrency ${e.config.bullmq.concurrency})`);
    lines.push(table(
      ['run', 'system', 'mode', 'jobs/s', 'tasks/s', 'offered', 'p50 ms', 'p99 ms', 'max ms', 'leaf ans p50', 'p99', 'cpu ms/job', 'mysqld', 'redis',
        'redis cmds/job', 'sql stmts/job', 'sql rows/job', 'task version', 'load', 'steal %'],
      e.runs.map((x) => [x.label, x.system, x.mode, x.jobsPerSec, x.tasksPerSec, x.offeredTasksPerSec ?? null, x.latencyMs.p50, x.latencyMs.p99, x.latencyMs.max,
        x.answerMs?.leaves.p50 ?? null, x.answerMs?.leaves.p99 ?? null, x.cpuMsPerJob.procs, x.cpuMsPerJob.mysqld, x.cpuMsPerJob.redis,
        x.opsPerJob.redis, x.opsPerJob.mysql, x.opsPerJob.mysqlRows, x.writesPerTask ?? null, x.loadAvg1, x.stealPct]),
    ));
    lines.push('  (p50/p99/max: dispatch latency, a dependency committed → the dependent started; leaf ans: a no-op leaf started → its success committed;');
    lines.push('   task version: the row\'s final version, 2 = created with its first pass, +1 per later write: 13 answers coalesce into fewer writes)');
    lines.push('  Per system (medians of the burst runs; redis: the shared server, or for bullmq-durable its private one):');
    lines.push(table(
      ['system', 'jobs/s', 'cpu ms/job own', 'mysqld', 'redis', 'total', 'sql stmts/job', 'sql rows/job', 'redis cmds/job', 'slotflow ÷ this jobs/s', 'this ÷ slotflow cpu'],
      e.systems.map((x) => [x.system, x.jobsPerSec, x.cpuMsPerJob.procs, x.cpuMsPerJob.mysqld, x.cpuMsPerJob.redis, x.cpuMsPerJob.total, x.sqlStatementsPerJob,
        x.sqlRowsChangedPerJob, x.redisCommandsPerJob, x.slotflowSpeedRatio, x.cpuOverSlotflow]),
      '  ',
    ));
    lines.push(`  median jobs/s: slotflow ${e.slotflowJobsPerSec}, BullMQ ${e.bullmqJobsPerSec}, BullMQ on durable Redis ${e.bullmqDurableJobsPerSec}`);
    lines.push(`ratio ${e.ratio}`);
    lines.push(`ratio durable ${e.ratioDurable}`);
    lines.push(`  dispatch latency at max rate: slotflow p50 ${fmt(e.latency.max.slotflow.p50)} / p99 ${fmt(e.latency.max.slotflow.p99)} ms; BullMQ p50 ${fmt(e.latency.max.bullmq.p50)} / p99 ${fmt(e.latency.max.bullmq.p99)} ms`);
    lines.push(`  dispatch latency at half rate: slotflow (${e.latency.half.slotflow.offered} tasks/s) p50 ${fmt(e.latency.half.slotflow.p50)} / p99 ${fmt(e.latency.half.slotflow.p99)} ms; BullMQ (${e.latency.half.bullmq.offered} tasks/s) p50 ${fmt(e.latency.half.bullmq.p50)} / p99 ${fmt(e.latency.half.bullmq.p99)} ms`);
    lines.push('  (cpu ms/job: the system\'s own processes; mysqld and redis: the shared servers, including anyone else\'s load)');
  }
  if (r.scaling) {
    lines.push('', '   Processes (slotflow, burst runs):');
    lines.push(table(['workers', 'schedulers', 'jobs/s', 'runs', 'cpu ms/job'], r.scaling.map((s) => [s.workers, s.schedulers, s.jobsPerSec, s.runs.join(', '), s.cpuMsPerJob]), '   '));
  }
  if (r.render) {
    const x = r.render;
    lines.push('', `2. Render: examples/sample-article.md → ${x.size}${x.reduced ? ' (REDUCED SIZE for --quick; the target is 1080×1920)' : ''}, embedded mode, one process tree`);
    lines.push(table(
      ['what', 'wall s', 'in-process s', 'video s', '× realtime', 'cpu s', 'peak RSS MiB', 'executed', 'reused', 'load', 'steal %'],
      [
        ['render', x.first.wallSec, x.first.inProcessSec, x.first.videoSec, x.first.realtimeFactor, x.first.cpuSec, x.first.peakRssMb, x.first.componentsExecuted, x.first.componentsReused,
          x.first.loadAvg1, x.first.stealPct],
        [`floor (encodeFloor, ${x.floor.preset})`, x.floor.wallSec, null, x.floor.videoSec, x.floor.realtimeFactor, x.floor.cpuSec, x.floor.peakRssMb, null, null, null, x.floor.stealPct],
        ['3. repeat', x.repeat.wallSec, x.repeat.inProcessSec, x.repeat.videoSec, x.repeat.realtimeFactor, x.repeat.cpuSec, x.repeat.peakRssMb, x.repeat.componentsExecuted, x.repeat.componentsReused,
          x.repeat.loadAvg1, x.repeat.stealPct],
      ],
    ));
    lines.push(`  render / floor: ${x.floorRatio}× wall, ${x.floorCpuRatio}× cpu; child processes busy ${x.first.breakdown.childBusySec} s, node alone ${x.first.breakdown.nodeOnlySec} s`);
    const enc = x.first.breakdown.encodes;
    lines.push(`  H.264 encodes in the render: ${enc.count} runs, ${enc.videoSec} s of video, ${enc.cpuSec} cpu s = ${enc.cpuPerVideoSec} cpu s per video s (floor: ${x.floor.cpuPerVideoSec})`);
    lines.push(table(['program', 'count', 'busy s', 'cpu s', 'max parallel'], x.first.breakdown.byProgram.map((p) => [p.program, p.count, p.busySec, p.cpuSec, p.maxParallel]), '   '));
    lines.push('   longest: ' + x.first.breakdown.longest.map((l) => `${l.program} ${l.sec} s (${l.what})`).join('; '));
  }
  if (r.scale) {
    lines.push('', '4. Scale: N bench-13 tasks queued (component queue paused while submitting), then drained by 1 scheduler + 1 worker');
    lines.push(table(
      ['tasks', 'submit tasks/s', 'redis MiB queued', 'drained', 'drain s', 'jobs done', 'tasks done', 'jobs/s', 'ms/task', 'cpu ms/job', 'mysqld', 'redis',
        'rows read/job', 'redis cmds/job', 'peak RSS MiB', 'load', 'steal %'],
      r.scale.points.map((s) => [s.tasks, s.submitTasksPerSec, s.redisQueuedMb, s.drained ? 'yes' : 'NO', round(s.drainMs / 1000, 1), s.jobsDone, s.tasksDone, s.jobsPerSec,
        s.msPerTask, s.cpuMsPerJob.procs, s.cpuMsPerJob.mysqld, s.cpuMsPerJob.redis, s.opsPerJob.mysqlRowsRead, s.opsPerJob.redis, s.peakRssMb,
        s.loadAvg1, s.stealPct]),
    ));
  }
  if (r.scale?.retention) {
    const g = r.scale.retention;
    const tables = Object.keys(g.before.rows);
    lines.push(`  hot tables after the points, then after gc of every finished task's history (${g.tasks} tasks, ${g.deletedRows} rows deleted in ${g.gcSec} s):`);
    lines.push(table(['when', ...tables, 'MiB'], [['before gc', ...tables.map((t) => g.before.rows[t]), g.before.sizeMb], ['after gc', ...tables.map((t) => g.after.rows[t]), g.after.sizeMb]], '   '));
  }
  if (r.reuse) {
    const x = r.reuse;
    lines.push('', `5. Reuse: ${x.stored} stored request vectors (lexical, one settings partition) on ${x.server}; vector index: ${x.vectorIndex}`);
    lines.push(table(['lookups', 'p50 ms', 'p99 ms', 'max ms', 'hits', 'insert s'], [[x.lookups, x.lookupMs.p50, x.lookupMs.p99, x.lookupMs.max, x.hits, x.insertSec]]));
    lines.push(`  pairs at ${x.threshold}: ${x.pairs.paraphrases} paraphrases, ${x.pairs.nearMisses} near misses → precision ${x.pairs.precision ?? '—'}, recall ${x.pairs.recall} (TP ${x.pairs.truePositives}, FP ${x.pairs.falsePositives}, FN ${x.pairs.falseNegatives})`);
    for (const [a, b] of x.falsePositives) lines.push(`  false reuse: "${a.slice(0, 60)}" ~ "${b.slice(0, 60)}"`);
    for (const [a, b] of x.missed) lines.push(`  missed paraphrase: "${a.slice(0, 60)}" ~ "${b.slice(0, 60)}"`);
  }
  if (r.targets.length > 0) {
    lines.push('', 'Targets');
    lines.push(table(['target', 'measured', 'met'], r.targets.map((t) => [t.target, t.measured, t.met === null ? '?' : t.met ? 'yes' : 'NO'])));
  }
  for (const n of r.notes) lines.push(`note: ${n}`);
  return lines.join('\n');
}

async function main(): Promise<void> {
  const opts = parseArgs(process.argv.slice(2));
  const started = performance.now();
  const host0 = hostCpu();
  const onSignal = () => {
    killLiveChildren();
    console.error('bench: interrupted; removing its databases and Redis keys');
    void runPendingCleanups().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const results: Results = {
    generated_at: new Date().toISOString(),
    mode: opts.quick ? 'quick' : 'full',
    duration_sec: 0,
    machine: { ...machine(), loadAvgAfter: [], stealPct: 0 },
    commands: ['npm run bench -- --quick', 'npm run bench'],
    notes: [],
    targets: [],
  };
  if (opts.quick) results.notes.push(`quick mode: ${opts.tasks} tasks per run, fewer repetitions, scale at ${opts.scalePoints.join('/')} tasks, render at ${opts.renderSize ?? 'full size'}; use \`npm run bench\` for the real figures`);
  try {
    // The render first: the engine sections leave MariaDB purging their rows for a while, which would slow it.
    if (opts.sections.has('render')) {
      log(`render: ${opts.renderSize ?? '1080x1920'} (this takes a while)`);
      results.render = await renderBench(opts.renderSize ? { size: opts.renderSize } : {});
      log(`render: ${results.render.first.wallSec} s, ${results.render.first.realtimeFactor}× realtime; floor ${results.render.floor.wallSec} s; repeat ${results.render.repeat.inProcessSec} s`);
    }
    if (opts.sections.has('engine') || opts.sections.has('scaling') || opts.sections.has('scale')) results.machine.roundTripCpuUs = await roundTripCpuUs();
    if (opts.sections.has('engine') || opts.sections.has('scaling')) {
      const scaling: ScalingPoint[] | undefined = opts.sections.has('scaling') ? [] : undefined;
      const engine = await engineSection(opts, scaling);
      if (opts.sections.has('engine')) results.engine = engine;
      if (scaling) results.scaling = scaling;
    }
    if (opts.sections.has('scale')) results.scale = await scaleSection(opts);
    if (opts.sections.has('reuse')) {
      log(`reuse: storing ${opts.reuseStored} request vectors, then ${opts.reuseLookups} lookups`);
      results.reuse = await reuseBench({ stored: opts.reuseStored, lookups: opts.reuseLookups, log });
      log(`reuse: lookup p50 ${results.reuse.lookupMs.p50} ms, p99 ${results.reuse.lookupMs.p99} ms; precision ${results.reuse.pairs.precision}, recall ${results.reuse.pairs.recall}`);
    }
  } finally {
    killLiveChildren();
  }
  results.machine.loadAvgAfter = os.loadavg().map((l) => round(l, 2));
  results.machine.stealPct = stealPct(host0, hostCpu());
  results.duration_sec = round((performance.now() - started) / 1000, 1);
  results.targets = targets(results);
  // The 1-minute load at the start is other people's work; the load during and after the run is mostly the bench's own.
  const load = results.machine.loadAvg[0]!;
  if (load > 1) results.notes.push(`the machine was busy when the run started (1-minute load average ${load} on ${results.machine.cpus} CPUs): wall-clock figures are pessimistic; cpu ms/job is the steadier measure`);
  if (results.machine.stealPct > 5) results.notes.push(`the hypervisor took ${results.machine.stealPct}% of this VM's CPU time during the run: wall-clock figures are pessimistic`);
  console.log(report(results));
  await mkdir(path.dirname(opts.out), { recursive: true });
  await writeFile(opts.out, JSON.stringify(results, null, 2) + '\n');
  console.log(`\nwrote ${path.relative(process.cwd(), opts.out) || opts.out}`);
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    killLiveChildren();
    console.error(e instanceof Error ? (e.stack ?? e.message) : e);
    process.exit(1);
  },
);
