import { existsSync } from 'node:fs';
import { copyFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Rows } from '../../../src/adapters/mysql/connection.ts';
import type { CompiledFlow } from '../../../src/core/flow/compile.ts';
import type { HistoryEntry } from '../../../src/runtime/history-log.ts';
import type { Member } from '../fleet.ts';
import { checkHistory, type FinalRow, problemsText, readHistory } from '../history/checker.ts';
import { Checks, type Scale } from '../report.ts';
import { auditTasks, openRuns, submitMany, waitForTasks, waitForWork, wideFlow } from '../workload.ts';
import { CallbackService, mixedFlow } from './callback-service.ts';
import { DB_RETRY_BUDGET_MS } from '../../../src/adapters/mysql/retryable.ts';
import {
  CLIENT_HOSTS, type ClientHost, type Deployment, HOSTS_LOCK_TTL_MS, HOSTS_MYSQL_TIMEOUT_MS, HOSTS_TIMINGS, SERVER_HOSTS,
} from './deployment.ts';

/**
 * The faults between hosts, one at a time, each on a fresh set of slotflow
 * processes (a scheduler on `sched`, a worker on each worker host) over the
 * same servers. Each submits a workload of a wide flow (8 sleeping
 * components and a join; clock-skew's has as many callback components beside them, `Fault.flow`), injects its fault
 * once a fifth of the work is done,
 * heals it, waits for every task, stops the processes, and then judges:
 * the history checker over every process's log, the audit of the rows
 * (workload.ts), and the fault's own checks.
 *
 * One line per fault:
 *   fault=<name> tasks=N lost=0 duplicates=N (causes) stale_refused=N recovered_in=Xs
 * `recovered_in` is the time from the heal to the first write applied after it: work resumed (0 when it never
 * stopped, or everything had finished before the heal).
 */

export const HOSTS_SCALES: Record<Scale, { tasks: number; width: number; sleepMs: number; timeoutMs: number; stretch: number }> = {
  short: { tasks: 8, width: 4, sleepMs: 150, timeoutMs: 90000, stretch: 0.5 },
  long: { tasks: 100, width: 8, sleepMs: 150, timeoutMs: 5 * 60000, stretch: 1 },
};

/** A job of a silent worker runs again after its BullMQ lock lapses and the next stalled check sees it. */
export const STALL_BOUND_MS = Number(HOSTS_TIMINGS.SLOTFLOW_JOB_LOCK_MS) + Number(HOSTS_TIMINGS.SLOTFLOW_STALLED_INTERVAL_MS);

export interface FaultReport {
  fault: string;
  tasks: number;
  completed: number;
  lost: number;
  duplicates: number;
  causes: Record<string, number>;
  staleRefused: number;
  /** Seconds from the heal to the first write after it (0: none after it, or at once). */
  recoveredIn: number;
  figures: Record<string, number | string>;
  checks: Checks;
  durationMs: number;
}

/** The HTTP API a fault runs (`Fault.serve`): its base URL and bearer token. */
export interface Api {
  url: string;
  token: string;
}

export interface FaultContext {
  dep: Deployment;
  /** The first API of `Fault.serve`. */
  api?: Api;
  scale: Scale;
  stretch: number;
  ids: readonly string[];
  flow: CompiledFlow;
  members: Record<ClientHost, Member>;
  checks: Checks;
  figures: Record<string, number | string>;
}

export interface Fault {
  name: string;
  what: string;
  /** What duplicate executions during this fault are put down to. */
  cause: string;
  /** Environment of a host's process for this fault (a skewed clock). */
  env?: Partial<Record<ClientHost, NodeJS.ProcessEnv>>;
  /**
   * Why the short run (npm test) leaves this fault out, when it does: a faster test of the suite covers what it
   * checks, or a known defect the long run reports.
   */
  notInShort?: string;
  /** Hosts that also run the HTTP API (`slotflow serve`) for this fault, with the host's `env`. */
  serve?: readonly ClientHost[];
  /** The workers' arguments when not the fleet's `--handlers` (which leave the engine's own queues to the scheduler). */
  workerArgs?: readonly string[];
  /** The fault's workload when it is not the wide flow of sleeps. */
  flow?(scale: Scale): CompiledFlow;
  /** Before the processes start: what the fault needs beside them; its environment goes to every slotflow process. */
  setUp?(dep: Deployment): Promise<{ env: NodeJS.ProcessEnv; tearDown(): Promise<void> }>;
  /** Once every task has ended, before the processes stop: the fault's own checks on what it saw. */
  judge?(ctx: FaultContext): void;
  /** Faults set on links before the processes start and kept for the whole run. */
  before?(dep: Deployment): void;
  /** Injects the fault and heals it; resolves to when it was healed. */
  inject(ctx: FaultContext): Promise<number>;
}

const sec = (ms: number) => Number((ms / 1000).toFixed(1));

/** How long the scheduler/API host is cut from MySQL (the issue's 20 s, in the short run too). */
export const API_PARTITION_MS = 20000;
/**
 * The longest an API request may take while MySQL is unreachable: the store's retries stop after their budget,
 * the try under way then ends within one MySQL timeout (a connect and a statement at worst), plus slack for a
 * loaded machine. Longer is a hang.
 */
export const API_ANSWER_BOUND_MS = DB_RETRY_BUDGET_MS + 2 * HOSTS_MYSQL_TIMEOUT_MS + 2000;
const API_PROBE_EVERY_MS = 1000;
const API_TOKEN = 'hosts-chaos-token';

interface ApiAnswer {
  path: string;
  sentAt: number;
  tookMs: number;
  /** The HTTP status, or why there was none. */
  status: number | 'timeout' | 'no-answer';
  code?: string;
}

/** One request to the API, bounded by `API_ANSWER_BOUND_MS`. */
async function askApi(api: Api, path: string): Promise<ApiAnswer> {
  const sentAt = Date.now();
  try {
    const res = await fetch(`${api.url}${path}`, { headers: { authorization: `Bearer ${api.token}` }, signal: AbortSignal.timeout(API_ANSWER_BOUND_MS) });
    const body = (await res.json().catch(() => ({}))) as { error?: { code?: string } };
    return { path, sentAt, tookMs: Date.now() - sentAt, status: res.status, code: body.error?.code };
  } catch (e) {
    const timedOut = (e as Error).name === 'TimeoutError';
    return { path, sentAt, tookMs: Date.now() - sentAt, status: timedOut ? 'timeout' : 'no-answer', code: (e as Error).message };
  }
}

function writesBetween(history: readonly HistoryEntry[], ids: ReadonlySet<string>, from: number, to: number): number {
  return history.filter((e) => e.kind === 'write' && ids.has(e.task) && e.at >= from && e.at < to).length;
}

/** Waits until some attempt is running on the member's worker; resolves to those attempts. */
async function runningOn(ctx: FaultContext, member: Member, timeoutMs = 30000) {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const runs = (await openRuns(ctx.dep.d, member.workerId)).filter((r) => r.status === 'running');
    if (runs.length > 0 || Date.now() > until) return runs;
    await sleep(50);
  }
}

const SKEW_S = 30;
/**
 * The clock-skew fault's callbacks: answered 2 s into a deadline of 31 s, so a deadline or a token judged by a clock
 * 30 s ahead has passed before the answer comes (a deadline job taken early fails the attempt first; a token is refused
 * as expired), while by a clock everyone shares it is 29 s away.
 */
const SKEW_CALLBACK_TIMEOUT_MS = (SKEW_S + 1) * 1000;
const SKEW_ANSWER_AFTER_MS = 2000;
const CALLBACK_SERVICE_PORT = 8090;
let skewService: CallbackService | undefined;

export const FAULTS: readonly Fault[] = [
  {
    name: 'worker-partition',
    what: 'worker1 cut off from every host (its veth down) for twice the job lock and the Redlock TTL, mid-job, then healed',
    cause: 'worker partitioned past its job lock (the job ran again on worker2)',
    async inject(ctx) {
      const running = await runningOn(ctx, ctx.members.worker1);
      ctx.figures.running_at_cut = running.length;
      const ms = Math.max(2 * (STALL_BOUND_MS + 1000), 2 * HOSTS_LOCK_TTL_MS);
      await ctx.dep.cluster.partition('worker1');
      await sleep(ms);
      await ctx.dep.cluster.heal('worker1');
      ctx.figures.partition_s = sec(ms);
      return Date.now();
    },
  },
  {
    name: 'redis-one-lost',
    what: 'redis3 killed (one Redlock vote of three gone), back empty later',
    cause: 'a Redis server lost',
    notInShort: 'test/redis/redlock-locks.test.ts covers a lost voter (down, and blackholed) in npm test',
    async inject(ctx) {
      const ms = Math.max(5000, 6000 * ctx.stretch);
      const t0 = Date.now();
      await ctx.dep.killServer('redis3');
      await sleep(ms);
      ctx.figures.down_s = sec(ms);
      ctx.figures.window = `${t0}-${Date.now()}`;
      ctx.dep.startRedis('redis3');
      await ctx.dep.waitServer('redis3');
      return Date.now();
    },
  },
  {
    name: 'redis-two-lost',
    what: 'redis2 and redis3 killed (no Redlock quorum), one of them back after a while',
    cause: 'Redlock quorum lost (the answer could not take its lock; the job ran again)',
    async inject(ctx) {
      const ms = Math.max(5000, 8000 * ctx.stretch);
      const t0 = Date.now();
      await Promise.all([ctx.dep.killServer('redis2'), ctx.dep.killServer('redis3')]);
      await sleep(ms);
      ctx.figures.down_s = sec(ms);
      ctx.figures.window = `${t0}-${Date.now()}`;
      ctx.dep.startRedis('redis2');
      await ctx.dep.waitServer('redis2');
      const healed = Date.now();
      ctx.dep.startRedis('redis3');
      await ctx.dep.waitServer('redis3');
      return healed;
    },
  },
  {
    name: 'worker-redis-blackhole',
    what: 'every link from worker1 to the Redis hosts blackholed (nothing forwarded, nothing closed), then healed',
    cause: 'worker blackholed from Redis past its job lock (the job ran again on worker2)',
    async inject(ctx) {
      const ms = 30000 * ctx.stretch;
      const running = await runningOn(ctx, ctx.members.worker1);
      ctx.figures.running_at_cut = running.length;
      const links = (['redis1', 'redis2', 'redis3'] as const).map((r) => ctx.dep.link('worker1', r));
      const t0 = Date.now();
      for (const l of links) l.set({ blackhole: true });
      await sleep(ms);
      for (const l of links) l.set({ blackhole: false });
      const healed = Date.now();
      ctx.figures.blackhole_s = sec(ms);
      // How soon each attempt that was running on worker1 was answered by another worker: its run again ended then.
      const keys = new Set(running.map((r) => `${r.taskId}/${r.component}/${r.attempt}`));
      const again = new Map<string, number>();
      const history = readHistory(ctx.dep.historyPath);
      // An attempt whose answer worker1 got applied before the cut needed no second run.
      for (const e of history) {
        if (e.kind === 'write' && e.process === ctx.members.worker1.workerId) for (const f of e.finishes) keys.delete(`${e.task}/${f.component}/${f.attempt}`);
      }
      ctx.figures.cut_mid_job = keys.size;
      for (const e of history) {
        const key = e.kind === 'answer' ? `${e.task}/${e.component}/${e.attempt}` : '';
        if (keys.has(key) && e.process !== ctx.members.worker1.workerId && !again.has(key)) again.set(key, e.at - t0);
      }
      const slowest = Math.max(0, ...again.values());
      const pending = keys.size - again.size;
      ctx.figures.ran_again = again.size;
      ctx.figures.ran_again_within_s = sec(slowest);
      ctx.figures.bound_s = sec(STALL_BOUND_MS);
      ctx.checks.expect('every job running on the blackholed worker ran again elsewhere within the job lock plus a stalled interval (plus the run itself and 1 s)',
        pending === 0 && slowest <= STALL_BOUND_MS + HOSTS_SCALES[ctx.scale].sleepMs + 1000,
        `${again.size}/${keys.size}, slowest answered ${slowest} ms after the cut, bound ${STALL_BOUND_MS} ms plus the run`);
      return healed;
    },
  },
  {
    name: 'slow-links',
    what: 'every link 100 ± 50 ms each way, 1 % of new connections reset, for the whole run',
    cause: 'a connection reset on a slow link (the job ran again)',
    before(dep) {
      for (const p of dep.proxies.values()) p.set({ delayMs: 100, jitterMs: 50, resetProbability: 0.01 });
    },
    async inject() {
      // The fault is on from the start; it is lifted once every task has finished (see runFault).
      return Date.now();
    },
  },
  {
    name: 'api-mysql-partition',
    what: 'the sched host (scheduler and HTTP API) cut from MySQL only: its link to db blackholed (a partition: nothing through, nothing reset), then healed',
    cause: 'scheduler cut from MySQL (its write could not commit; the job ran again)',
    notInShort: 'test/http/database-unavailable.test.ts covers the API cut from MySQL (503, back after the heal) and test/chaos/mysql-outage.test.ts the engine, in npm test',
    serve: ['sched'],
    async inject(ctx) {
      const api = ctx.api!;
      const link = ctx.dep.link('sched', 'db');
      const paths = [`/v1/tasks/${ctx.ids[0]}`, '/v1/tasks', '/v1/stats'];
      link.set({ blackhole: true });
      const cut = Date.now();
      // A request a second while cut off, each awaited on its own, so one that hangs cannot hide the others.
      const asked: Array<Promise<ApiAnswer>> = [];
      for (let i = 0; Date.now() - cut < API_PARTITION_MS; i++) {
        asked.push(askApi(api, paths[i % paths.length]!));
        await sleep(API_PROBE_EVERY_MS);
      }
      link.set({ blackhole: false });
      const healed = Date.now();
      ctx.figures.partition_s = sec(healed - cut);
      const answers = await Promise.all(asked);
      // What the API said while it could not reach MySQL; answers that came after the heal may be anything but a 500.
      const during = answers.filter((a) => a.sentAt + a.tookMs < healed);
      const unavailable = during.filter((a) => a.status === 503 && a.code === 'database-unavailable');
      const wrong = answers.filter((a) => a.status === 'timeout' || a.status === 'no-answer' || (typeof a.status === 'number' && a.status >= 500 && !(a.status === 503 && a.code === 'database-unavailable')));
      const early = during.filter((a) => a.status !== 503);
      ctx.figures.api_requests = answers.length;
      ctx.figures.api_503 = unavailable.length;
      ctx.figures.api_slowest_503_s = sec(Math.max(0, ...unavailable.map((a) => a.tookMs)));
      ctx.figures.api_bound_s = sec(API_ANSWER_BOUND_MS);
      const show = (list: ApiAnswer[]) => list.slice(0, 5).map((a) => `${a.path} ${a.status} ${a.code ?? ''} after ${a.tookMs} ms`).join('; ');
      ctx.checks.expect('the API answers 503 database-unavailable while cut from MySQL', unavailable.length > 0 && early.length === 0,
        `${unavailable.length} of ${during.length} answered while cut; others: ${show(early)}`);
      ctx.checks.expect(`no API request answered 500 or hung past ${API_ANSWER_BOUND_MS} ms`, wrong.length === 0, show(wrong) || undefined);
      // Once healed, the API answers again.
      let back: ApiAnswer | undefined;
      for (const until = Date.now() + 30000; Date.now() < until; await sleep(200)) {
        back = await askApi(api, paths[0]!);
        if (back.status === 200) break;
      }
      ctx.figures.api_back_in_s = sec(back && back.status === 200 ? back.sentAt + back.tookMs - healed : -1);
      ctx.checks.expect('the API answers 200 again after the heal', back?.status === 200, back && `${back.status} ${back.code ?? ''}`);
      return healed;
    },
  },
  {
    name: 'clock-skew',
    what: `worker2's wall clock ${SKEW_S} s ahead (libfaketime; its monotonic clock untouched); half the components are callbacks whose tokens ` +
      'worker1 and worker2 issue and the APIs on sched and on worker2 check, each issuer on each API in turn',
    cause: 'a skewed clock',
    env: { worker2: { LD_PRELOAD: '/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1', FAKETIME: `+${SKEW_S}s`, FAKETIME_DONT_FAKE_MONOTONIC: '1', FAKETIME_NO_CACHE: '1' } },
    serve: ['sched', 'worker2'],
    // The workers take callback posts and deadlines too (the scheduler does as well), so tokens are issued on both.
    workerArgs: ['--queues', 'default,callbacks'],
    flow: (scale) => mixedFlow('hosts-clock-skew', HOSTS_SCALES[scale].width, HOSTS_SCALES[scale].sleepMs, SKEW_CALLBACK_TIMEOUT_MS),
    async setUp(dep) {
      const byAddress = new Map([...dep.cluster.hosts.values()].map((h) => [h.address, h.name]));
      const service = new CallbackService(dep.cluster.harnessAddress, CALLBACK_SERVICE_PORT, byAddress, SKEW_ANSWER_AFTER_MS);
      service.apis = (['sched', 'worker2'] as const).map((h) => ({ host: h, url: dep.apiUrl(h) }));
      await service.start();
      skewService = service;
      // No grace past the deadline (1 ms, the least there is): a token is then refused as soon as its checker thinks the deadline has passed.
      return { env: { SLOTFLOW_SERVICES_URL: service.url, SLOTFLOW_TOKEN_GRACE_MS: '1' }, tearDown: () => service.stop() };
    },
    async inject() {
      // The skew is on from the start.
      return Date.now();
    },
    judge(ctx) {
      const records = skewService!.records;
      const pair = (issuer: string, checker: string) => records.filter((r) => r.issuer === issuer && r.checker === checker).length;
      const refused = records.filter((r) => r.status !== 202);
      ctx.figures.callbacks = records.length;
      // Answers by issuer>checker: worker2>sched is a token of the skewed clock checked by a true one, worker1>worker2 the reverse.
      const pairs = new Map<string, number>();
      for (const r of records) pairs.set(`${r.issuer}>${r.checker}`, (pairs.get(`${r.issuer}>${r.checker}`) ?? 0) + 1);
      ctx.figures.tokens = [...pairs].sort().map(([k, n]) => `${k}:${n}`).join(',');
      ctx.figures.tokens_refused = refused.length;
      // Each token's expiry less the time its post reached the harness, against the deadline: 0 when issued by the shared clock.
      ctx.figures.token_expiry_off_s = sec(Math.max(0, ...records.map((r) => Math.abs(r.expiresInMs - SKEW_CALLBACK_TIMEOUT_MS - 1))));
      ctx.checks.expect('tokens issued on the skewed host were checked on another, and tokens of another host on the skewed one',
        pair('worker2', 'sched') > 0 && pair('worker1', 'worker2') > 0, `${records.length} answers`);
      ctx.checks.expect(`no callback token refused under ${SKEW_S} s of skew (answered ${SKEW_ANSWER_AFTER_MS} ms into a ${SKEW_CALLBACK_TIMEOUT_MS} ms deadline, 1 ms of grace)`,
        refused.length === 0 && records.length === ctx.ids.length * HOSTS_SCALES[ctx.scale].width,
        refused.slice(0, 5).map((r) => `${r.issuer}>${r.checker} ${r.status} ${r.code ?? ''}`).join('; ') || `${records.length} answers`);
    },
  },
  {
    name: 'mysql-disk-full',
    what: "MySQL's data directory (a tmpfs) filled up for a while, then the filler removed",
    cause: 'MySQL disk full (the answer or start could not commit; the job ran again)',
    async inject(ctx) {
      const filler = path.join(ctx.dep.dir, 'db', 'data', 'filler');
      const ms = 6000 * ctx.stretch;
      await fillUp(filler);
      await sleep(ms);
      ctx.figures.full_s = sec(ms);
      await rm(filler, { force: true });
      return Date.now();
    },
  },
];

/** Writes a file until the disk has no room left (ENOSPC), in 1 MiB pieces. */
async function fillUp(file: string): Promise<void> {
  const { open } = await import('node:fs/promises');
  const handle = await open(file, 'w');
  const block = Buffer.alloc(1 << 20);
  try {
    for (;;) await handle.write(block);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOSPC') throw e;
  } finally {
    await handle.close();
  }
  // The last few pages.
  await writeFile(`${file}.tail`, Buffer.alloc(4096)).catch(() => undefined);
}

export async function runFault(dep: Deployment, fault: Fault, scale: Scale): Promise<FaultReport> {
  const started = Date.now();
  const opts = HOSTS_SCALES[scale];
  const checks = new Checks();
  const figures: Record<string, number | string> = {};
  const flow = fault.flow?.(scale) ?? wideFlow(`hosts-${fault.name}`, opts.width, 'builtin.sleep', { ms: opts.sleepMs });
  for (const p of dep.proxies.values()) p.clear();
  fault.before?.(dep);
  const fleet = dep.fleet;
  const firstMember = fleet.members.length;
  let ids: string[];
  let healedAt: number;
  let completed: number;
  let setUp: { env: NodeJS.ProcessEnv; tearDown(): Promise<void> } | undefined;
  try {
    setUp = await fault.setUp?.(dep);
    const envOf = (h: ClientHost) => ({ ...setUp?.env, ...fault.env?.[h] });
    const [worker1, worker2, sched] = await Promise.all(CLIENT_HOSTS.map((h) =>
      dep.startProcess(h === 'sched' ? 'scheduler' : 'worker', h, envOf(h), fault.workerArgs)));
    const members = { sched: sched!, worker1: worker1!, worker2: worker2! };
    const api = fault.serve?.[0] ? { url: dep.apiUrl(fault.serve[0]), token: API_TOKEN } : undefined;
    await Promise.all((fault.serve ?? []).map((h) => dep.startProcess('serve', h, { ...envOf(h), SLOTFLOW_API_TOKEN: API_TOKEN })));
    const t0 = Date.now();
    ids = await submitMany(dep.d, flow, opts.tasks);
    await waitForWork(dep.d, ids, flow, 0.2, opts.timeoutMs);
    const ctx = { dep, api, scale, stretch: opts.stretch, ids, flow, members, checks, figures };
    healedAt = await fault.inject(ctx);
    const done = await waitForTasks(dep.d, ids, opts.timeoutMs);
    completed = done.completed;
    fault.judge?.(ctx);
    const elapsed = Date.now() - t0;
    figures.tasks_per_s = Number((ids.length / (elapsed / 1000)).toFixed(1));
    checks.expect('no slotflow process exited on its own', fleet.crashed.length === 0, fleet.describeCrashes() || undefined);
  } finally {
    await Promise.all(fleet.members.slice(firstMember).map((m) => fleet.stop(m, 5000)));
    for (const p of dep.proxies.values()) p.clear();
    await setUp?.tearDown();
  }

  const history = existsSync(dep.historyPath) ? readHistory(dep.historyPath) : [];
  const wanted = new Set(ids);
  const finals = new Map<string, FinalRow>();
  const [rows] = await dep.d.store.handle.pool.query<Rows>('SELECT id, slot_word, phase FROM tasks WHERE id IN (?)', [ids]);
  for (const r of rows) finals.set(String(r.id), { word: BigInt(r.slot_word as string), phase: String(r.phase) });
  const verdict = checkHistory(history, flow.components, ids, finals);
  checks.expect('history: each answer applied once, the word is their fold, no stale answer accepted, every task terminal', verdict.ok, problemsText(verdict) || undefined);
  const audit = await auditTasks(dep.d, flow, ids, checks);
  const duplicates = audit.duplicates.length;
  const causes: Record<string, number> = duplicates > 0 ? { [fault.cause]: duplicates } : {};
  const after = history.filter((e) => e.kind === 'write' && wanted.has(e.task) && e.at >= healedAt).map((e) => e.at);
  const recoveredIn = after.length > 0 ? (Math.min(...after) - healedAt) / 1000 : 0;
  figures.writes = verdict.writes;
  figures.answers = verdict.answers;
  if (verdict.unconfirmed > 0) figures.unconfirmed_writes = verdict.unconfirmed;
  addWindowFigures(fault, figures, history, wanted, checks);
  if (fault.name === 'slow-links') Object.assign(figures, latencyFigures(history, wanted));
  if (checks.failed.length > 0 || completed < ids.length) {
    // Kept for a look after the cluster is gone; the one file a failed run leaves.
    const kept = path.join(os.tmpdir(), `slotflow-hosts-history-${dep.cluster.prefix}-${fault.name}.jsonl`);
    await copyFile(dep.historyPath, kept).catch(() => undefined);
    figures.history = kept;
  }
  return {
    fault: fault.name, tasks: ids.length, completed, lost: ids.length - completed, duplicates, causes, staleRefused: verdict.staleRefused,
    recoveredIn, figures, checks, durationMs: Date.now() - started,
  };
}

/** For the Redis faults: writes applied while servers were away (one lost: must go on; two lost: must stop once the held locks are done). */
function addWindowFigures(fault: Fault, figures: Record<string, number | string>, history: readonly HistoryEntry[], ids: ReadonlySet<string>, checks: Checks): void {
  const window = figures.window;
  if (typeof window !== 'string') return;
  delete figures.window;
  const [from, to] = window.split('-').map(Number) as [number, number];
  // Two lost: locks taken before the kill may still finish their writes, one lock TTL of grace. One lost: a quorum
  // is left, so writes must go on from the kill itself.
  const during = writesBetween(history, ids, fault.name === 'redis-two-lost' ? from + HOSTS_LOCK_TTL_MS : from, to);
  figures.writes_while_down = during;
  // Tasks with writes after the window: work that was left to do while the server was away.
  const later = new Set(history.filter((e) => e.kind === 'write' && ids.has(e.task) && e.at >= to).map((e) => e.task)).size;
  if (fault.name === 'redis-one-lost') {
    checks.expect('transitions go on with one Redis server of three lost', during > 0 || later === 0, `${during} writes while down, ${later} task(s) still moving after`);
  }
  if (fault.name === 'redis-two-lost') checks.expect('no transition while two Redis servers of three are lost (no quorum)', during === 0, `${during} writes`);
}

/** Task latency (created to last write) p50 and p99, from the history. */
function latencyFigures(history: readonly HistoryEntry[], ids: ReadonlySet<string>): Record<string, number> {
  const createdAt = new Map<string, number>();
  const lastAt = new Map<string, number>();
  for (const e of history) {
    if (!ids.has(e.task)) continue;
    if (e.kind === 'created') createdAt.set(e.task, e.at);
    if (e.kind === 'write') lastAt.set(e.task, Math.max(lastAt.get(e.task) ?? 0, e.at));
  }
  const spans = [...createdAt].map(([t, at]) => (lastAt.get(t) ?? at) - at).sort((a, b) => a - b);
  const rank = (q: number) => spans[Math.min(spans.length - 1, Math.ceil(q * spans.length) - 1)] ?? 0;
  return { task_p50_s: sec(rank(0.5)), task_p99_s: sec(rank(0.99)) };
}

export function faultLine(r: FaultReport): string {
  const causes = Object.entries(r.causes).map(([c, n]) => `${n} ${c}`).join(', ');
  const figures = Object.entries(r.figures).map(([k, v]) => `${k}=${v}`).join(' ');
  const failed = r.checks.failed;
  const verdict = r.lost === 0 && failed.length === 0 ? 'PASS' : `FAIL (${failed.length} check(s) failed)`;
  return `fault=${r.fault} tasks=${r.tasks} lost=${r.lost} duplicates=${r.duplicates}${causes ? ` (${causes})` : ''} stale_refused=${r.staleRefused} ` +
    `recovered_in=${r.recoveredIn.toFixed(1)}s ${figures} ${(r.durationMs / 1000).toFixed(1)}s ${verdict}`;
}

export const SERVERS = SERVER_HOSTS;
