import { setTimeout as sleep } from 'node:timers/promises';
import { connect } from '../../../src/runtime/composition.ts';
import { chaosEnv } from '../env.ts';
import { Fleet, type Member } from '../fleet.ts';
import { Checks, type Scale, type ScenarioReport, UNEXPLAINED } from '../report.ts';
import { articleShapedFlow, auditTasks, leftoverJobs, openRuns, RunSampler, runKey, submitMany, tally, waitForTasks } from '../workload.ts';

/**
 * Scenario 1, crashes: tasks of the article-video graph run on scheduler and
 * worker processes while the harness `kill -9`s one of them at random every
 * 2 s and starts a replacement. Every task must complete with every
 * component succeeded.
 *
 * Every execution beyond one per component attempt must be explained by a
 * kill: right after a worker dies, the runs still marked `running` on it are
 * exactly the executions it took down unanswered, and each of those runs
 * once more once BullMQ finds its job stalled. A killed scheduler takes no
 * component run with it (it runs only scheduling passes here), so it may
 * cost time but no execution.
 */

export interface CrashOptions {
  tasks: number;
  workers: number;
  schedulers: number;
  /** Pause between kills. */
  intervalMs: number;
  /** Pause before the first kill (short: as soon as a worker is busy, before 20 tasks can be done). */
  firstKillAfterMs: number;
  /** Stop killing after this many (the short run kills once). */
  maxKills: number;
  /** The first kill takes a worker that is running jobs, so a duplicate is certain to be explained. */
  firstKillBusyWorker: boolean;
  timeoutMs: number;
}

export const CRASH_SCALES: Record<Scale, CrashOptions> = {
  short: { tasks: 20, workers: 2, schedulers: 1, intervalMs: 2000, firstKillAfterMs: 300, maxKills: 1, firstKillBusyWorker: true, timeoutMs: 60000 },
  long: { tasks: 200, workers: 3, schedulers: 2, intervalMs: 2000, firstKillAfterMs: 2000, maxKills: Infinity, firstKillBusyWorker: true, timeoutMs: 10 * 60000 },
};

export async function crashes(scale: Scale, overrides: Partial<CrashOptions> = {}): Promise<ScenarioReport> {
  const opts = { ...CRASH_SCALES[scale], ...overrides };
  const started = Date.now();
  const checks = new Checks();
  const env = await chaosEnv('crash');
  const fleet = new Fleet({ env: env.env });
  const d = connect(env.settings);
  // Runs a kill interrupted: key -> how many times.
  const interrupted = new Map<string, number>();
  const kills = { worker: 0, scheduler: 0, busy: 0 };
  const replacements: Array<Promise<unknown>> = [];
  const sampler = new RunSampler(d);
  let done = false;
  try {
    await Promise.all([
      ...Array.from({ length: opts.schedulers }, () => fleet.start('scheduler')),
      ...Array.from({ length: opts.workers }, () => fleet.start('worker')),
    ]);
    const flow = articleShapedFlow();
    sampler.start();
    const ids = await submitMany(d, flow, opts.tasks);

    const killer = (async () => {
      let n = 0;
      while (!done && n < opts.maxKills) {
        await sleep(n === 0 ? opts.firstKillAfterMs : opts.intervalMs);
        if (done) break;
        let victim: Member | undefined;
        if (n === 0 && opts.firstKillBusyWorker) {
          // The worker with the most running jobs; wait for one to have some.
          for (let i = 0; i < 100 && !victim && !done; i++) {
            const running = await openRuns(d);
            const busy = fleet.ready.filter((m) => m.role === 'worker')
              .map((m) => ({ m, n: running.filter((r) => r.status === 'running' && r.worker === m.workerId).length }))
              .sort((a, b) => b.n - a.n)[0];
            if (busy && busy.n > 0) victim = busy.m;
            else await sleep(20);
          }
        } else {
          const candidates = fleet.ready;
          victim = candidates[Math.floor(Math.random() * candidates.length)];
        }
        if (!victim) continue;
        await fleet.kill(victim, 'SIGKILL');
        n++;
        if (victim.role !== 'serve') kills[victim.role]++;
        // A statement already received when the process died still commits; give it a moment before reading.
        await sleep(300);
        if (victim.role === 'worker') {
          const lost = (await openRuns(d, victim.workerId)).filter((r) => r.status === 'running');
          if (lost.length > 0) kills.busy++;
          for (const r of lost) interrupted.set(runKey(r), (interrupted.get(runKey(r)) ?? 0) + 1);
        }
        replacements.push(fleet.start(victim.role).catch((e: Error) => checks.expect(`a replacement ${victim.role} starts`, false, e.message)));
      }
    })();

    const final = await waitForTasks(d, ids, opts.timeoutMs);
    done = true;
    sampler.stop();
    await killer;
    await Promise.all(replacements);

    const audit = await auditTasks(d, flow, ids, checks);
    const budget = new Map(interrupted);
    const killedWorkers = new Set(fleet.members.filter((m) => m.killedWith).map((m) => m.workerId));
    const unexplained: string[] = [];
    const causes = tally(audit.duplicates, (dup) => {
      const left = budget.get(runKey(dup)) ?? 0;
      if (dup.kind === 'execution' && left > 0) {
        budget.set(runKey(dup), left - 1);
        return 'worker kill -9';
      }
      const other = dup.kind === 'execution' ? sampler.explain(runKey(dup), killedWorkers) : undefined;
      if (!other) unexplained.push(`${runKey(dup)} ${dup.kind}${dup.error ? ` after ${dup.error}` : ''}: seen ${JSON.stringify(sampler.seen.get(runKey(dup)) ?? [])}`);
      return other;
    });
    checks.expect('every duplicate execution is explained (by a kill, or failing that by what the run samples show)', (causes[UNEXPLAINED] ?? 0) === 0,
      unexplained.slice(0, 5).join('; ') || undefined);
    // Every interrupted run that completed ran exactly once more per interruption.
    const unused = [...budget].filter(([, n]) => n > 0);
    checks.expect('every run a kill interrupted ran again exactly once per kill', unused.length === 0,
      unused.slice(0, 5).map(([k, n]) => `${k}: ${n} interruption(s) without a re-execution`).join('; ') || undefined);
    if (opts.firstKillBusyWorker) checks.expect('a worker was killed in the middle of jobs', kills.busy > 0, `${kills.busy} busy worker(s) killed`);
    checks.expect('no process died except those the harness killed', fleet.crashed.length === 0, fleet.describeCrashes() || undefined);
    const leftover = await leftoverJobs(env.settings, ['builtin.sleep', 'builtin.noop']);
    checks.expect('no job is left in any queue', Object.keys(leftover).length === 0, JSON.stringify(leftover));

    return {
      scenario: 'crashes',
      scale,
      submitted: ids.length,
      completed: final.completed,
      lost: ids.length - final.completed,
      duplicates: audit.duplicates.length,
      causes,
      figures: {
        kills: kills.worker + kills.scheduler,
        worker_kills: kills.worker,
        scheduler_kills: kills.scheduler,
        interrupted_runs: [...interrupted.values()].reduce((a, b) => a + b, 0),
        components: audit.runs,
        executions: audit.executions,
      },
      checks: checks.list,
      durationMs: Date.now() - started,
    };
  } finally {
    done = true;
    sampler.stop();
    await fleet.stopAll(5000);
    await Promise.allSettled(replacements);
    await fleet.stopAll(5000);
    await d.close();
    await env.dispose();
  }
}
