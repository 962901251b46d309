import { type ChildProcess, spawn } from 'node:child_process';
import { hostname } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { Redis } from 'ioredis';
import { loadFlow } from '../../src/adapters/flow-files.ts';
import { TaskPhase } from '../../src/core/engine/task.ts';
import { RunStatus } from '../../src/core/engine/transitions.ts';
import type { CompiledFlow } from '../../src/core/flow/compile.ts';
import { connect, type Distributed } from '../../src/runtime/composition.ts';
import { eventually, liveChildren, REDIS_URL, useFreshEnv } from '../support/env.ts';

/**
 * The distributed runtime as it is deployed: `slotflow scheduler` and
 * `slotflow worker` as separate OS processes on the real MariaDB and Redis,
 * with tasks submitted from this process. These are the failures a single
 * process cannot show: many processes answering for one word at once, a
 * worker dying mid-job, and Redis losing every queued job.
 *
 * Settings come from `useFreshEnv`: job lock 3000 ms, stalled check every
 * 1000 ms, sweep every 500 ms for tasks idle 1500 ms.
 */

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const FLOWS = path.join(REPO, 'test/fixtures/flows/runtime');
const HOST = hostname();
const START_LIMIT_MS = 60000;

/** A `slotflow` child process; `workerId` is what its runs record as `worker`. */
interface Service {
  child: ChildProcess;
  pid: number;
  workerId: string;
  exited: Promise<void>;
  /** stderr so far, for failure messages. */
  log(): string;
}

const services = new Set<Service>();
const runtimes = new Set<Distributed>();

function launch(env: NodeJS.ProcessEnv, args: string[]): Promise<Service> {
  const child = spawn(process.execPath, ['bin/slotflow.js', ...args], { cwd: REPO, env, stdio: ['ignore', 'ignore', 'pipe'] });
  liveChildren.add(child);
  let stderr = '';
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => {
      liveChildren.delete(child);
      resolve();
    });
  });
  const service: Service = { child, pid: child.pid ?? -1, workerId: `${HOST}:${child.pid}`, exited, log: () => stderr };
  services.add(service);
  return new Promise((resolve, reject) => {
    // A hang guard, not a measure: five processes starting at once on a loaded 2-core machine took over 20 s.
    const timer = setTimeout(() => reject(new Error(`slotflow ${args.join(' ')} did not start within ${START_LIMIT_MS / 1000} s:\n${stderr}`)), START_LIMIT_MS);
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
      if (/ running \(pid /.test(stderr)) {
        clearTimeout(timer);
        resolve(service);
      }
    });
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`slotflow ${args.join(' ')} exited (code ${child.exitCode}, signal ${child.signalCode}) before it was running:\n${stderr}`));
    });
  });
}

function startScheduler(env: NodeJS.ProcessEnv): Promise<Service> {
  return launch(env, ['scheduler']);
}

function startWorkerProcess(env: NodeJS.ProcessEnv, concurrency?: number): Promise<Service> {
  return launch(env, ['worker', '--handlers', 'builtin.sleep,builtin.noop', ...(concurrency ? ['--concurrency', String(concurrency)] : [])]);
}

/** SIGTERM (the process lets running jobs finish), SIGKILL after 10 s. */
async function stop(service: Service): Promise<void> {
  services.delete(service);
  if (service.child.exitCode !== null || service.child.signalCode !== null) return;
  service.child.kill('SIGTERM');
  const killer = setTimeout(() => service.child.kill('SIGKILL'), 10000);
  await service.exited;
  clearTimeout(killer);
}

function openRuntime(settings: Parameters<typeof connect>[0]): Distributed {
  const d = connect(settings);
  runtimes.add(d);
  return d;
}

async function closeRuntime(d: Distributed): Promise<void> {
  runtimes.delete(d);
  await d.close();
}

/** Waits until every task is completed; fails early, with the task, when one fails or is cancelled. */
async function allCompleted(d: Distributed, ids: readonly string[], timeoutMs: number): Promise<void> {
  await eventually(
    `${ids.length} tasks to complete`,
    async () => {
      let done = 0;
      for (const id of ids) {
        const task = await d.store.getTask(id);
        if (task?.phase === TaskPhase.completed) done++;
        else if (task && (task.phase === TaskPhase.failed || task.phase === TaskPhase.cancelled)) {
          throw new Error(`task ${id} ended ${task.phase}: ${JSON.stringify(task.error)}`);
        }
      }
      return done === ids.length ? true : undefined;
    },
    timeoutMs,
    100,
  );
}

async function countCompleted(d: Distributed, ids: readonly string[]): Promise<number> {
  let done = 0;
  for (const id of ids) if ((await d.store.getTask(id))?.phase === TaskPhase.completed) done++;
  return done;
}

/** How many components of these tasks have succeeded so far. */
async function succeededComponents(d: Distributed, ids: readonly string[]): Promise<number> {
  let n = 0;
  for (const id of ids) {
    const snap = await d.store.readTask(id);
    if (!snap) continue;
    const flow = await d.flows.byHashOrThrow(snap.flowHash);
    n += flow.components.filter((c) => (snap.word & c.successBit) !== 0n).length;
  }
  return n;
}

/** In-flight attempts of these tasks that have no job in Redis: work only the sweeper can bring back. */
async function lostJobs(d: Distributed, ids: readonly string[]): Promise<number> {
  let n = 0;
  for (const id of ids) {
    const snap = await d.store.readTask(id);
    if (!snap) continue;
    const flow = await d.flows.byHashOrThrow(snap.flowHash);
    for (const c of flow.components) {
      if ((snap.inFlight & c.successBit) === 0n) continue;
      const job = { taskId: id, component: c.name, attempt: snap.attempts[c.name] ?? 1, handler: c.handler, kind: c.kind, flowHash: flow.hash, delayMs: 0 };
      if (!(await d.queue.isLive(job))) n++;
    }
  }
  return n;
}

/**
 * Deletes every Redis key under the queue prefix in one atomic step, as a
 * FLUSHDB would, without touching keys of anyone else sharing the server:
 * queued, delayed and active jobs, schedule requests, dedup markers, locks.
 */
async function loseRedisData(prefix: string): Promise<number> {
  const redis = new Redis(REDIS_URL);
  try {
    const script = `local keys = redis.call('KEYS', ARGV[1])
      for _, k in ipairs(keys) do redis.call('DEL', k) end
      return #keys`;
    return Number(await redis.eval(script, 0, `${prefix}*`));
  } finally {
    await redis.quit();
  }
}

function expectAllSucceeded(flow: CompiledFlow, word: bigint, what: string): void {
  expect(word.toString(16), `${what}: the word has every success bit and no failure bit`).to.equal(flow.successMask.toString(16));
}

describe('distributed runtime across processes', function () {
  this.timeout(90000);

  // Registered before useFreshEnv's hooks so children and runtimes are gone before its leak checks.
  afterEach(async function () {
    this.timeout(30000);
    await Promise.all([...services].map(stop));
    for (const d of [...runtimes]) await closeRuntime(d);
  });
  after(async function () {
    for (const d of [...runtimes]) await closeRuntime(d);
  });

  const getEnv = useFreshEnv();

  it('32 independent components finishing at once from 4 worker processes always end with all 32 success bits', async function () {
    const { env, settings } = getEnv();
    const flow = loadFlow(path.join(FLOWS, 'wide-32.json'));
    expect(flow.components).to.have.length(32);
    expect(flow.successMask).to.equal(0x5555555555555555n);

    const [, ...workers] = await Promise.all([
      startScheduler(env),
      startWorkerProcess(env, 8),
      startWorkerProcess(env, 8),
      startWorkerProcess(env, 8),
      startWorkerProcess(env, 8),
    ]);
    const workerIds = new Set(workers.map((w) => w.workerId));
    const d = openRuntime(settings);

    // 5 rounds of 10 concurrent tasks: 50 words, each hit by 32 answers at once.
    const ids: string[] = [];
    for (let round = 0; round < 5; round++) {
      const batch = await Promise.all(Array.from({ length: 10 }, () => d.engine.submit({ flow, input: {} })));
      const batchIds = batch.map((t) => t.id);
      await allCompleted(d, batchIds, 30000);
      ids.push(...batchIds);
    }

    const answeredBy = new Set<string>();
    for (const id of ids) {
      const snap = await d.store.readTask(id);
      expect(snap, id).to.not.equal(undefined);
      expectAllSucceeded(flow, snap!.word, `task ${id}`);
      expect(snap!.inFlight, `task ${id}: nothing in flight`).to.equal(0n);
      expect(snap!.phase).to.equal(TaskPhase.completed);
      const runs = await d.store.listRuns(id);
      for (const c of flow.components) {
        const mine = runs.filter((r) => r.component === c.name);
        expect(mine.map((r) => r.status), `task ${id} ${c.name}: one run, succeeded`).to.deep.equal([RunStatus.succeeded]);
        if (mine[0]!.worker) answeredBy.add(mine[0]!.worker);
      }
      expect(runs).to.have.length(32);
    }
    expect(answeredBy.size, `runs were answered by ${[...answeredBy].join(', ')}`).to.be.greaterThan(1);
    for (const w of answeredBy) expect(workerIds, `worker ${w} is one of the worker processes`).to.include(w);
  });

  it('a worker killed with SIGKILL in the middle of a job: the job runs again and the task completes', async function () {
    const { env, settings } = getEnv();
    const flow = loadFlow(path.join(FLOWS, 'slow.json'));
    const [, workerA] = await Promise.all([startScheduler(env), startWorkerProcess(env)]);
    const d = openRuntime(settings);

    const { id } = await d.engine.submit({ flow, input: {} });
    await eventually(
      'Slow to be running on worker A',
      async () => {
        const run = (await d.store.listRuns(id)).find((r) => r.component === 'Slow');
        return run?.status === RunStatus.running && run.worker === workerA.workerId ? run : undefined;
      },
      15000,
      25,
    );

    // Mid-sleep (1500 ms): the job is active in Redis under A's lock, with no answer.
    workerA.child.kill('SIGKILL');
    await workerA.exited;
    services.delete(workerA);
    expect(workerA.child.signalCode).to.equal('SIGKILL');
    const mid = await d.store.readTask(id);
    expect(mid!.phase, 'the task is still running after the kill').to.equal(TaskPhase.running);

    // B finds the job stalled once A's 3000 ms job lock runs out and runs it again.
    const workerB = await startWorkerProcess(env);
    await allCompleted(d, [id], 30000);

    const snap = await d.store.readTask(id);
    expectAllSucceeded(flow, snap!.word, 'slow task');
    expect(snap!.word).to.equal(0b0101n);
    expect(snap!.inFlight).to.equal(0n);
    const runs = await d.store.listRuns(id);
    const slow = runs.filter((r) => r.component === 'Slow');
    expect(slow, 'one attempt of Slow').to.have.length(1);
    expect(slow[0]!.attempt, 'the same attempt, not a retry').to.equal(1);
    expect(slow[0]!.executions, 'Slow ran twice: once on A, once on B').to.equal(2);
    expect(slow[0]!.status).to.equal(RunStatus.succeeded);
    expect(slow[0]!.worker, 'B finished it').to.equal(workerB.workerId);
    const after = runs.filter((r) => r.component === 'After');
    expect(after.map((r) => [r.status, r.executions])).to.deep.equal([[RunStatus.succeeded, 1]]);
  });

  it('Redis flushed in the middle of a run: the sweeper re-enqueues and every task completes', async function () {
    const { env, settings } = getEnv();
    const flow = loadFlow(path.join(FLOWS, 'dag-14.json'));
    // Low concurrency so the 20 tasks take long enough for the flush to land mid-run.
    await Promise.all([startScheduler(env), startWorkerProcess(env, 2), startWorkerProcess(env, 2)]);
    const d = openRuntime(settings);

    const ids = (await Promise.all(Array.from({ length: 20 }, () => d.engine.submit({ flow, input: {} })))).map((t) => t.id);
    // Jobs run first in, first out, so the tasks advance together: flush once a quarter of all components have succeeded.
    const quarter = (ids.length * flow.components.length) / 4;
    await eventually('a quarter of the work to be done', async () => ((await succeededComponents(d, ids)) >= quarter ? true : undefined), 20000, 20);

    const deleted = await loseRedisData(settings.queuePrefix);
    const doneAtFlush = await countCompleted(d, ids);
    const lost = await lostJobs(d, ids);
    expect(deleted, 'the flush deleted queue keys').to.be.greaterThan(0);
    expect(doneAtFlush, 'tasks still unfinished when Redis lost its data').to.be.lessThan(ids.length);
    expect(lost, 'claimed attempts whose job Redis no longer has').to.be.greaterThan(0);

    await allCompleted(d, ids, 45000);
    for (const id of ids) {
      const snap = await d.store.readTask(id);
      expectAllSucceeded(flow, snap!.word, `task ${id}`);
      expect(snap!.inFlight, `task ${id}: nothing in flight`).to.equal(0n);
    }
  });
});
