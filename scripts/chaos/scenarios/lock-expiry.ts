import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { openMysql } from '../../../src/adapters/mysql/connection.ts';
import { MysqlStore } from '../../../src/adapters/mysql/mysql-store.ts';
import { RedlockLocks } from '../../../src/adapters/redis/redlock-locks.ts';
import type { TaskWrite } from '../../../src/core/engine/transitions.ts';
import type { ComponentJob } from '../../../src/core/engine/task.ts';
import type { CompiledFlow } from '../../../src/core/flow/compile.ts';
import { Engine, type MutateResult } from '../../../src/runtime/engine.ts';
import { FlowCatalog } from '../../../src/runtime/flow-catalog.ts';
import type { LockManager } from '../../../src/core/ports/locks.ts';
import type { DispatchQueue } from '../../../src/core/ports/queue.ts';
import type { WriteOutcome } from '../../../src/core/ports/task-state.ts';
import type { TaskStore } from '../../../src/core/ports/task-store.ts';
import { chaosEnv } from '../env.ts';
import { Checks, type Scale, type ScenarioReport } from '../report.ts';
import { wideFlow } from '../workload.ts';

/**
 * Scenario 4, lock expiry. The task lock is a real Redlock lock with a tiny
 * TTL; one engine's completion is held inside the lock, after it read the
 * row and planned its write, until well past the TTL. Meanwhile a second
 * engine, with its own Redis clients, takes the now-expired lock and lands
 * another change to the same task. When the first is let go, its write is
 * stale; the compare-and-swap on the row version must turn it away, and the
 * engine must re-plan on the new row: no update is lost, none applied twice.
 *
 *   other-component  B answered while A's answer is paused: both success bits end set
 *   same-component   A answered twice: the stale one re-plans into a `duplicate` rejection
 *   cancel           the task cancelled while A's answer is paused: A is refused, the task stays cancelled
 *   no-lock          no lock at all, 31 answers at once from 4 engines, then the join: every bit ends set
 */

export const LOCK_TTL_MS = 150;
export const LOCK_SCALES: Record<Scale, { rounds: number; noLockRounds: number }> = { short: { rounds: 3, noLockRounds: 1 }, long: { rounds: 50, noLockRounds: 10 } };

/** Jobs are only recorded: the engines are driven by hand. */
class RecordingQueue implements DispatchQueue {
  readonly jobs: ComponentJob[] = [];
  async dispatch(jobs: readonly ComponentJob[]): Promise<void> {
    this.jobs.push(...jobs);
  }
  async requestSchedule(): Promise<void> {}
  async isLive(): Promise<boolean> {
    return false;
  }
  async close(): Promise<void> {}
}

class NoLocks implements LockManager {
  async withLock<T>(_key: string, fn: () => Promise<T>): Promise<T> {
    return fn();
  }
  async close(): Promise<void> {}
}

/** The store with a hook around `applyWrite`: where a write can be held back, and every outcome is seen. */
function hookedStore(store: MysqlStore, hook: (w: TaskWrite, apply: () => Promise<WriteOutcome>) => Promise<WriteOutcome>): TaskStore {
  return new Proxy(store, {
    get(target, prop, receiver) {
      if (prop === 'applyWrite') return (w: TaskWrite) => hook(w, () => target.applyWrite(w));
      const value = Reflect.get(target, prop, receiver) as unknown;
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

function within<T>(ms: number, what: string, p: Promise<T>): Promise<T> {
  return Promise.race([p, sleep(ms).then(() => Promise.reject(new Error(`${what} did not finish within ${ms} ms`)))]);
}

const isWrite = (r: MutateResult): r is TaskWrite => r !== undefined && !('rejected' in r);

export async function lockExpiry(scale: Scale): Promise<ScenarioReport> {
  const { rounds, noLockRounds } = LOCK_SCALES[scale];
  const started = Date.now();
  const checks = new Checks();
  const env = await chaosEnv('lock');
  const store = new MysqlStore(openMysql(env.settings.mysqlUrl));
  const clients = [new Redis(env.settings.redisUrls[0]!), new Redis(env.settings.redisUrls[0]!)];
  const opts = { ttlMs: LOCK_TTL_MS, acquireTimeoutMs: 20000, retryDelayMs: 5, retryJitterMs: 5 };
  const figures = { rounds: 0, stale_writes_refused: 0, replanned: 0, rejected: 0, lock_overlaps: 0, no_lock_cas_losses: 0, paused_ms: 0, no_lock_ms: 0 };
  let submitted = 0;
  let completed = 0;
  try {
    // Engine 1 writes through the hook; `pause` holds its next write until released.
    let pause: { entered: () => void; release: Promise<void> } | undefined;
    const outcomes: boolean[] = [];
    const slowStore = hookedStore(store, async (_w, apply) => {
      const p = pause;
      pause = undefined;
      if (p) {
        p.entered();
        await p.release;
      }
      const outcome = await apply();
      outcomes.push(outcome.applied);
      return outcome;
    });
    const queue = new RecordingQueue();
    const e1 = new Engine({ store: slowStore, flows: new FlowCatalog(slowStore), queue, locks: new RedlockLocks([clients[0]!], env.settings.queuePrefix, opts) });
    const e2 = new Engine({ store, flows: new FlowCatalog(store), queue, locks: new RedlockLocks([clients[1]!], env.settings.queuePrefix, opts) });
    const flow: CompiledFlow = wideFlow('chaos-lock', 2, 'builtin.noop');
    const bit = (name: string) => flow.byName.get(name)!.successBit;

    /** Starts e1's answer for C0 and waits until it is inside the lock, holding a planned write; then lets the lock expire. */
    async function stalledAnswer(id: string): Promise<{ finish: () => Promise<MutateResult>; version: number }> {
      const entered = deferred();
      const release = deferred();
      outcomes.length = 0;
      pause = { entered: entered.resolve, release: release.promise };
      const version = (await store.readTask(id))!.version;
      const answer = e1.answer({ taskId: id, component: 'C0', attempt: 1, ok: true, output: { by: 'e1' } });
      await within(5000, 'the first answer to reach its write', entered.promise);
      await sleep(LOCK_TTL_MS * 2);
      return {
        version,
        finish: async () => {
          release.resolve();
          return within(5000, 'the stale answer', answer);
        },
      };
    }

    async function newTask(): Promise<string> {
      const { id } = await e2.submit({ flow, input: {} });
      submitted++;
      await e2.schedule(id);
      return id;
    }

    let t0 = Date.now();
    for (let round = 0; round < rounds; round++) {
      figures.rounds++;
      // other-component
      {
        const id = await newTask();
        const stale = await stalledAnswer(id);
        const other = await within(5000, 'an answer for C1 while the lock of a paused answer has expired', e2.answer({ taskId: id, component: 'C1', attempt: 1, ok: true, output: {} }));
        if (isWrite(other)) figures.lock_overlaps++;
        const first = await stale.finish();
        const snap = (await store.readTask(id))!;
        const ok = isWrite(other) && isWrite(first) && (snap.word & bit('C0')) !== 0n && (snap.word & bit('C1')) !== 0n &&
          snap.version === stale.version + 2 && outcomes[0] === false && outcomes[1] === true;
        if (outcomes[0] === false) figures.stale_writes_refused++;
        if (outcomes[1] === true) figures.replanned++;
        checks.expect(`round ${round}, other component: both answers land, the stale write is refused once and re-planned`, ok,
          `word 0x${snap.word.toString(16)}, version ${stale.version}->${snap.version}, e1 writes ${JSON.stringify(outcomes)}`);
        const join = await e2.answer({ taskId: id, component: 'Join', attempt: 1, ok: true, output: {} });
        if (isWrite(join) && join.phase === 'completed') completed++;
      }
      // same-component
      {
        const id = await newTask();
        const stale = await stalledAnswer(id);
        const other = await within(5000, 'a second answer for C0', e2.answer({ taskId: id, component: 'C0', attempt: 1, ok: true, output: { by: 'e2' } }));
        const first = await stale.finish();
        const snap = (await store.readTask(id))!;
        const runs = (await store.listRuns(id)).filter((r) => r.component === 'C0');
        const rejected = first !== undefined && 'rejected' in first ? first.rejected : undefined;
        if (rejected) figures.rejected++;
        if (outcomes[0] === false) figures.stale_writes_refused++;
        checks.expect(`round ${round}, same component: the stale answer is refused as a duplicate and the first one stands`,
          isWrite(other) && rejected === 'duplicate' && snap.version === stale.version + 1 && outcomes.length === 1 && outcomes[0] === false &&
            runs.length === 1 && (runs[0]!.output as { by?: string }).by === 'e2',
          `e1 ${JSON.stringify(first && 'rejected' in first ? first : 'applied')}, version ${stale.version}->${snap.version}, C0 output ${JSON.stringify(runs[0]?.output)}`);
        await e2.answer({ taskId: id, component: 'C1', attempt: 1, ok: true, output: {} });
        const join = await e2.answer({ taskId: id, component: 'Join', attempt: 1, ok: true, output: {} });
        if (isWrite(join) && join.phase === 'completed') completed++;
      }
      // cancel
      {
        const id = await newTask();
        const stale = await stalledAnswer(id);
        const cancelled = await within(5000, 'a cancel', e2.cancel(id));
        const first = await stale.finish();
        const snap = (await store.readTask(id))!;
        const rejected = first !== undefined && 'rejected' in first ? first.rejected : undefined;
        if (rejected) figures.rejected++;
        if (outcomes[0] === false) figures.stale_writes_refused++;
        checks.expect(`round ${round}, cancel: the stale answer is refused and the task stays cancelled`,
          isWrite(cancelled) && rejected === 'cancelled' && snap.phase === 'cancelled' && (snap.word & bit('C0')) === 0n,
          `e1 ${JSON.stringify(first && 'rejected' in first ? first : 'applied')}, phase ${snap.phase}, word 0x${snap.word.toString(16)}`);
        // A cancelled task counts as settled as it should: not lost.
        completed++;
      }
    }

    figures.paused_ms = Date.now() - t0;
    t0 = Date.now();
    // no-lock: the compare-and-swap alone.
    const wide = wideFlow('chaos-lock-32', 31, 'builtin.noop');
    let losses = 0;
    const counting = hookedStore(store, async (_w, apply) => {
      const outcome = await apply();
      if (!outcome.applied) losses++;
      return outcome;
    });
    const engines = Array.from({ length: 4 }, () => new Engine({ store: counting, flows: new FlowCatalog(counting), queue, locks: new NoLocks() }));
    for (let round = 0; round < noLockRounds; round++) {
      const { id } = await engines[0]!.submit({ flow: wide, input: {} });
      submitted++;
      await engines[0]!.schedule(id);
      const results = await Promise.all(wide.components.filter((c) => c.name !== 'Join').map((c, i) =>
        engines[i % engines.length]!.answer({ taskId: id, component: c.name, attempt: 1, ok: true, output: {} })));
      await engines[0]!.answer({ taskId: id, component: 'Join', attempt: 1, ok: true, output: {} });
      const snap = (await store.readTask(id))!;
      if (snap.phase === 'completed') completed++;
      checks.expect(`no-lock round ${round}: 31 concurrent answers all land`, results.every(isWrite) && snap.word === wide.successMask,
        `word 0x${snap.word.toString(16)}, ${results.filter((r) => !isWrite(r)).length} refused`);
    }
    figures.no_lock_cas_losses = losses;
    figures.no_lock_ms = Date.now() - t0;
    checks.expect('the paused writer really overlapped a second writer (the lock had expired)', figures.lock_overlaps === rounds, `${figures.lock_overlaps}/${rounds}`);

    return {
      scenario: 'lock-expiry', scale, submitted, completed, lost: submitted - completed, duplicates: 0, causes: {},
      figures, checks: checks.list, durationMs: Date.now() - started,
    };
  } finally {
    await Promise.all(clients.map((c) => c.quit().catch(() => c.disconnect())));
    await store.close();
    await env.dispose();
  }
}
