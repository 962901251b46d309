import { readFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import type { Rows } from '../../src/adapters/mysql/connection.ts';
import { componentQueueName, SCHEDULE_QUEUE } from '../../src/adapters/redis/bullmq-queue.ts';
import { INTERNAL_QUEUES, TaskPhase } from '../../src/core/engine/task.ts';
import { compileFlow, type CompiledFlow } from '../../src/core/flow/compile.ts';
import type { ComponentSpec, FlowDocument } from '../../src/core/flow/document.ts';
import type { Distributed } from '../../src/runtime/composition.ts';
import type { Settings } from '../../src/settings.ts';
import { REPO } from './fleet.ts';
import { Checks, UNEXPLAINED } from './report.ts';

/**
 * The work the process scenarios run, and the audit afterwards.
 *
 * The flow is article-video's graph (same modules, components, slots and
 * dependencies) with every handler replaced by `builtin.sleep`, so hundreds
 * of tasks run in seconds and only the engine is under test. The fan-out
 * becomes a plain job: builtins cannot produce the items it would fan out
 * over.
 */

export const ARTICLE_VIDEO = path.join(REPO, 'flows/article-video.json');

/** Sleep per component: a spread so components of one task overlap and finish out of order. */
export function articleShapedFlow(sleepMs: (index: number) => number = (i) => 40 + ((i * 37) % 5) * 30): CompiledFlow {
  const doc = JSON.parse(readFileSync(ARTICLE_VIDEO, 'utf8')) as FlowDocument & { $schema?: string };
  delete doc.$schema;
  let index = 0;
  const modules = doc.modules.map((m) => ({
    ...m,
    components: m.components.map((c): ComponentSpec => {
      const { kind: _kind, fan_out: _fanOut, when: _when, params: _params, handler: _handler, ...rest } = c;
      return { ...rest, handler: 'builtin.sleep', params: { ms: sleepMs(index++) } };
    }),
  }));
  return compileFlow({ ...doc, flow: 'chaos-article-video', description: 'article-video with builtin.sleep handlers (chaos harness)', modules });
}

/** A flow of `width` independent components and one that waits for them all. */
export function wideFlow(name: string, width: number, handler: string, params: Record<string, unknown> = {}): CompiledFlow {
  const components: ComponentSpec[] = Array.from({ length: width }, (_, i) => ({
    component_name: `C${i}`, slot_index: i, depends: [], handler, ...(Object.keys(params).length > 0 ? { params } : {}),
  }));
  components.push({ component_name: 'Join', slot_index: width, depends: components.map((c) => c.component_name), handler: 'builtin.noop' });
  return compileFlow({ flow: name, version: 1, modules: [{ module_name: 'Work', status: 'working', next_status: 'done', components }] });
}

export async function submitMany(d: Distributed, flow: CompiledFlow, n: number, input: unknown = {}): Promise<string[]> {
  const ids: string[] = [];
  // In batches, so a few hundred tasks do not open a few hundred connections at once.
  for (let i = 0; i < n; i += 25) {
    const batch = await Promise.all(Array.from({ length: Math.min(25, n - i) }, () => d.engine.submit({ flow, input })));
    ids.push(...batch.map((t) => t.id));
  }
  return ids;
}

export interface Progress {
  completed: number;
  failed: string[];
  pending: number;
}

/** One query for the phases of these tasks. */
export async function progress(d: Distributed, ids: readonly string[]): Promise<Progress> {
  const [rows] = await d.store.handle.pool.query<Rows>('SELECT id, phase FROM tasks WHERE id IN (?)', [ids]);
  const out: Progress = { completed: 0, failed: [], pending: 0 };
  for (const r of rows) {
    if (r.phase === TaskPhase.completed) out.completed++;
    else if (r.phase === TaskPhase.failed || r.phase === TaskPhase.cancelled) out.failed.push(String(r.id));
    else out.pending++;
  }
  out.pending += ids.length - rows.length;
  return out;
}

/** How many component successes these tasks have so far. */
export async function succeededComponents(d: Distributed, ids: readonly string[]): Promise<number> {
  const [rows] = await d.store.handle.pool.query<Rows>(
    `SELECT COUNT(*) AS n FROM component_runs WHERE task_id IN (?) AND status = 'succeeded'`, [ids]);
  return Number(rows[0]!.n);
}

/** Waits until `fraction` of all the components of these tasks have succeeded. */
export async function waitForWork(d: Distributed, ids: readonly string[], flow: CompiledFlow, fraction: number, timeoutMs: number): Promise<number> {
  const target = Math.ceil(ids.length * flow.components.length * fraction);
  const until = Date.now() + timeoutMs;
  let done = 0;
  for (;;) {
    done = await succeededComponents(d, ids).catch(() => done);
    if (done >= target || Date.now() > until) return done;
    await sleep(25);
  }
}

/** Waits until every task has finished or the time is up; returns the last progress. Database errors (an outage) only mean "ask again". */
export async function waitForTasks(d: Distributed, ids: readonly string[], timeoutMs: number): Promise<Progress> {
  const until = Date.now() + timeoutMs;
  let last: Progress = { completed: 0, failed: [], pending: ids.length };
  for (;;) {
    last = await progress(d, ids).catch(() => last);
    if (last.pending === 0 || Date.now() > until) return last;
    await sleep(200);
  }
}

export interface RunKey {
  taskId: string;
  component: string;
  attempt: number;
}

export const runKey = (r: RunKey): string => `${r.taskId}/${r.component}/${r.attempt}`;

export interface OpenRun extends RunKey {
  status: string;
  worker: string | null;
  executions: number;
}

/**
 * Attempts queued or running right now, optionally only those running on one worker. A claimed attempt has no
 * run row until it is marked running or ends: those are read from the unfinished tasks' attempts (see list-runs).
 */
export async function openRuns(d: Distributed, worker?: string): Promise<OpenRun[]> {
  const pool = d.store.handle.pool;
  // The tasks first, as list-runs reads them: an attempt that ends between the reads is found closed, not open.
  const [tasks] = worker ? [[] as Rows] : await pool.query<Rows>(`SELECT id, attempts FROM tasks WHERE phase IN ('queued', 'running')`);
  // Every row of those tasks (to know which attempts have one), and the open rows of any task.
  const [rows] = await pool.query<Rows>(
    `SELECT task_id, component, attempt, status, worker, executions FROM component_runs
     WHERE ${worker ? 'status IN (?) AND worker = ?' : 'status IN (?) OR task_id IN (?)'}`,
    worker ? [['queued', 'running'], worker] : [['queued', 'running'], tasks.length > 0 ? tasks.map((t) => String(t.id)) : ['']],
  );
  const written = new Set(rows.map((r) => runKey({ taskId: String(r.task_id), component: String(r.component), attempt: Number(r.attempt) })));
  const open = rows.filter((r) => r.status === 'queued' || r.status === 'running').map((r) => ({
    taskId: String(r.task_id), component: String(r.component), attempt: Number(r.attempt), status: String(r.status),
    worker: r.worker === null ? null : String(r.worker), executions: Number(r.executions),
  }));
  for (const t of tasks) {
    const attempts = (typeof t.attempts === 'string' ? JSON.parse(t.attempts) : t.attempts) as Record<string, number>;
    for (const [component, attempt] of Object.entries(attempts)) {
      const key = { taskId: String(t.id), component, attempt };
      if (!written.has(runKey(key))) open.push({ ...key, status: 'queued', worker: null, executions: 0 });
    }
  }
  return open;
}

export interface Duplicate extends RunKey {
  /** `execution`: the same attempt ran again; `retry`: a new attempt after a failed one. */
  kind: 'execution' | 'retry';
  /** For a retry, the error that failed the previous attempt. */
  error?: string;
}

export interface Audit {
  duplicates: Duplicate[];
  /** Executions per component attempt, for the figures. */
  executions: number;
  runs: number;
}

/**
 * Checks every task's final state and lists every duplicate: each task
 * completed, its word exactly the flow's success mask, nothing in flight,
 * one succeeded run per component and no run left open.
 */
export async function auditTasks(d: Distributed, flow: CompiledFlow, ids: readonly string[], checks: Checks): Promise<Audit> {
  const audit: Audit = { duplicates: [], executions: 0, runs: 0 };
  const bad: string[] = [];
  const [taskRows] = await d.store.handle.pool.query<Rows>('SELECT id, slot_word, in_flight, phase FROM tasks WHERE id IN (?)', [ids]);
  for (const t of taskRows) {
    const word = BigInt(t.slot_word as string);
    const inFlight = BigInt(t.in_flight as string);
    if (t.phase !== TaskPhase.completed || word !== flow.successMask || inFlight !== 0n) {
      bad.push(`${t.id}: phase ${t.phase}, word 0x${word.toString(16)} (want 0x${flow.successMask.toString(16)}), in flight 0x${inFlight.toString(16)}`);
    }
  }
  checks.expect('every task completed with every component succeeded and nothing in flight', bad.length === 0 && taskRows.length === ids.length,
    bad.length > 0 ? `${bad.length} task(s): ${bad.slice(0, 5).join('; ')}` : `${taskRows.length} tasks`);

  const [runRows] = await d.store.handle.pool.query<Rows>(
    'SELECT task_id, component, attempt, status, executions, error FROM component_runs WHERE task_id IN (?) ORDER BY task_id, component, attempt', [ids]);
  const byComponent = new Map<string, Rows>();
  for (const r of runRows) {
    const key = `${r.task_id}/${r.component}`;
    byComponent.set(key, [...(byComponent.get(key) ?? []), r]);
  }
  const shapeProblems: string[] = [];
  for (const id of ids) {
    for (const c of flow.components) {
      const runs = byComponent.get(`${id}/${c.name}`) ?? [];
      const succeeded = runs.filter((r) => r.status === 'succeeded');
      const open = runs.filter((r) => r.status === 'queued' || r.status === 'running');
      if (succeeded.length !== 1 || open.length > 0 || runs.at(-1)?.status !== 'succeeded') {
        shapeProblems.push(`${id} ${c.name}: ${runs.map((r) => `#${r.attempt} ${r.status}×${r.executions}`).join(', ') || 'no runs'}`);
      }
      for (const r of runs) {
        audit.runs++;
        audit.executions += Number(r.executions);
        const key = { taskId: id, component: c.name, attempt: Number(r.attempt) };
        for (let n = 1; n < Number(r.executions); n++) audit.duplicates.push({ ...key, kind: 'execution' });
        if (Number(r.attempt) > 1) {
          const previous = runs.find((p) => Number(p.attempt) === Number(r.attempt) - 1);
          const err = previous?.error ? (typeof previous.error === 'string' ? JSON.parse(previous.error) : previous.error) as { name?: string } : undefined;
          audit.duplicates.push({ ...key, kind: 'retry', error: err?.name ?? 'unknown' });
        }
      }
    }
  }
  checks.expect('each component has exactly one succeeded run, the last one, and no run is left queued or running', shapeProblems.length === 0,
    shapeProblems.length > 0 ? `${shapeProblems.length}: ${shapeProblems.slice(0, 5).join('; ')}` : undefined);
  return audit;
}

/**
 * Watches which worker runs which attempt, a few times a second, so a
 * duplicate no kill explains can still be told apart: the same attempt seen
 * running on two workers that were both alive (the first one's job lock
 * lapsed: BullMQ took it for stalled), or twice on one worker (the job threw
 * and BullMQ ran it again).
 */
export class RunSampler {
  readonly seen = new Map<string, Array<{ worker: string | null; executions: number }>>();
  private timer: NodeJS.Timeout | undefined;
  private busy = false;

  constructor(private readonly d: Distributed, private readonly everyMs = 200) {}

  start(): this {
    this.timer = setInterval(() => {
      if (this.busy) return;
      this.busy = true;
      openRuns(this.d)
        .then((runs) => {
          for (const r of runs) {
            if (r.status !== 'running') continue;
            const list = this.seen.get(runKey(r)) ?? [];
            if (!list.some((o) => o.worker === r.worker && o.executions === r.executions)) list.push({ worker: r.worker, executions: r.executions });
            this.seen.set(runKey(r), list);
          }
        })
        .catch(() => undefined)
        .finally(() => (this.busy = false));
    }, this.everyMs);
    return this;
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** Why an attempt ran again, if the samples can tell; `killed` names workers the harness killed. */
  explain(key: string, killed: ReadonlySet<string>): string | undefined {
    const list = this.seen.get(key) ?? [];
    const workers = new Set(list.map((o) => o.worker));
    if (workers.size > 1 && [...workers].some((w) => w !== null && !killed.has(w))) return 'job lock lapsed on a live worker (BullMQ stalled check)';
    if (workers.size === 1 && list.length > 1) return 'job retried by BullMQ after an error (same worker)';
    return undefined;
  }
}

/** Counts duplicates by the cause `explain` gives each; those it cannot explain count as `unexplained`. */
export function tally(duplicates: readonly Duplicate[], explain: (d: Duplicate) => string | undefined): Record<string, number> {
  const causes: Record<string, number> = {};
  for (const dup of duplicates) {
    const cause = explain(dup) ?? UNEXPLAINED;
    causes[cause] = (causes[cause] ?? 0) + 1;
  }
  return causes;
}

/**
 * Jobs left in this deployment's queues (waiting, active, delayed,
 * prioritized, failed) once every task has completed. A scheduling pass the
 * sweeper asked for a moment ago may still be in the queue, so this waits up
 * to `settleMs` for the queues to drain: nothing stays in flight forever.
 */
export async function leftoverJobs(settings: Settings, handlers: readonly string[], settleMs = 10000): Promise<Record<string, number>> {
  const until = Date.now() + settleMs;
  for (;;) {
    const left = await jobCounts(settings, handlers);
    if (Object.keys(left).length === 0 || Date.now() > until) return left;
    await sleep(250);
  }
}

async function jobCounts(settings: Settings, handlers: readonly string[]): Promise<Record<string, number>> {
  const connection = new Redis(settings.redisUrls[0]!, { maxRetriesPerRequest: null });
  const out: Record<string, number> = {};
  try {
    for (const name of [SCHEDULE_QUEUE, ...[...handlers, ...INTERNAL_QUEUES].map((h) => componentQueueName(h))]) {
      const q = new Queue(name, { connection, prefix: settings.queuePrefix });
      try {
        const counts = await q.getJobCounts('waiting', 'active', 'delayed', 'prioritized', 'failed');
        for (const [state, n] of Object.entries(counts)) if (n > 0) out[`${name}:${state}`] = n;
      } finally {
        await q.close();
      }
    }
  } finally {
    await connection.quit().catch(() => connection.disconnect());
  }
  return out;
}
