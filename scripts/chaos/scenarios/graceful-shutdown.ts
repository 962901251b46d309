import { setTimeout as sleep } from 'node:timers/promises';
import type { Rows } from '../../../src/adapters/mysql/connection.ts';
import { connect, type Distributed } from '../../../src/runtime/composition.ts';
import { chaosEnv } from '../env.ts';
import { Fleet } from '../fleet.ts';
import { Checks, type Scale, type ScenarioReport, UNEXPLAINED } from '../report.ts';
import { auditTasks, leftoverJobs, openRuns, runKey, submitMany, tally, waitForTasks, wideFlow } from '../workload.ts';

/**
 * Scenario 7, graceful shutdown. `slotflow worker` on SIGTERM stops taking
 * jobs and lets the running ones finish; their answers commit before it
 * exits 0. Three cases:
 *
 *   finish    SIGTERM to a busy worker: it takes no new job, finishes the
 *             running ones itself (no second execution), exits 0; the
 *             other worker finishes the rest
 *   hand-back SIGTERM, then SIGKILL once a short grace is over (what an
 *             orchestrator does to a job longer than its grace): the job is
 *             found stalled and runs again on another worker
 *   scheduler SIGTERM to the scheduler: it exits 0 at once; tasks submitted
 *             while none runs are scheduled by its successor
 *
 * Afterwards nothing is in flight: no open run, no job in any queue.
 */

export const SHUTDOWN_SCALES: Record<Scale, { tasks: number; sleepMs: number; longSleepMs: number; graceMs: number; rounds: number }> = {
  short: { tasks: 4, sleepMs: 1500, longSleepMs: 2000, graceMs: 800, rounds: 1 },
  long: { tasks: 12, sleepMs: 2000, longSleepMs: 6000, graceMs: 1000, rounds: 3 },
};

/** Runs a worker opened after `at`. A job fetched just before the SIGTERM opens its run a few queries later, hence the margin. */
export const START_MARGIN_MS = 1000;
async function startedAfter(d: Distributed, worker: string, at: number): Promise<number> {
  const [rows] = await d.store.handle.pool.query<Rows>(
    'SELECT COUNT(*) AS n FROM component_runs WHERE worker = ? AND started_at > ?', [worker, new Date(at + START_MARGIN_MS)]);
  return Number(rows[0]!.n);
}

export async function gracefulShutdown(scale: Scale): Promise<ScenarioReport> {
  const opts = SHUTDOWN_SCALES[scale];
  const started = Date.now();
  const checks = new Checks();
  const env = await chaosEnv('shutdown');
  const fleet = new Fleet({ env: env.env, concurrency: 4 });
  const d = connect(env.settings);
  const figures: Record<string, number | string> = { sigterms: 0, handed_back: 0, finished_in_place: 0 };
  const ids: string[] = [];
  // Attempts that a SIGKILL after the grace cut short: key -> count.
  const cutShort = new Map<string, number>();
  const flows: ReturnType<typeof wideFlow>[] = [];
  try {
    for (let round = 0; round < opts.rounds; round++) {
      let handedBack = '';
      // A scheduler and two workers: A is SIGTERMed busy; B gets the long job and is SIGKILLed after its grace;
      // a third worker and a second scheduler start while that job waits to be found stalled.
      const [scheduler, workerA] = await Promise.all([fleet.start('scheduler'), fleet.start('worker'), fleet.start('worker')]);
      // finish
      {
        const flow = wideFlow('chaos-shutdown', 4, 'builtin.sleep', { ms: opts.sleepMs });
        flows.push(flow);
        const batch = await submitMany(d, flow, opts.tasks);
        ids.push(...batch);
        let running: Awaited<ReturnType<typeof openRuns>> = [];
        for (let i = 0; i < 400 && running.length < 4; i++) {
          running = (await openRuns(d, workerA!.workerId)).filter((r) => r.status === 'running');
          if (running.length < 4) await sleep(25);
        }
        const t0 = Date.now();
        await fleet.stop(workerA!, 30000);
        figures.sigterms = Number(figures.sigterms) + 1;
        const tookMs = workerA!.exit!.at - t0;
        figures[`finish_exit_ms_${round}`] = tookMs;
        checks.expect(`round ${round}, finish: the worker exits 0 after SIGTERM`, workerA!.exit?.code === 0 && workerA!.exit.signal === null,
          `code ${workerA!.exit?.code}, signal ${workerA!.exit?.signal}:\n${workerA!.log()}`);
        checks.expect(`round ${round}, finish: it exits once its running jobs are done (within a job's length and 5 s)`, tookMs < opts.sleepMs + 5000, `${tookMs} ms`);
        const [after] = await d.store.handle.pool.query<Rows>(
          `SELECT COUNT(*) AS n FROM component_runs WHERE status = 'running' AND worker = ?`, [workerA!.workerId]);
        checks.expect(`round ${round}, finish: nothing it was running is left running`, Number(after[0]!.n) === 0, `${after[0]!.n} run(s)`);
        checks.expect(`round ${round}, finish: it took no new job after the SIGTERM`, (await startedAfter(d, workerA!.workerId, workerA!.stoppingAt ?? t0)) === 0);
        const [done] = await d.store.handle.pool.query<Rows>(
          `SELECT task_id, component, attempt FROM component_runs WHERE status = 'succeeded' AND worker = ? AND executions = 1`, [workerA!.workerId]);
        const doneKeys = new Set(done.map((r) => runKey({ taskId: String(r.task_id), component: String(r.component), attempt: Number(r.attempt) })));
        const finished = running.filter((r) => doneKeys.has(runKey(r))).length;
        figures.finished_in_place = Number(figures.finished_in_place) + finished;
        checks.expect(`round ${round}, finish: the jobs running at the SIGTERM were finished by it, once`,
          running.length > 0 && finished === running.length, `${finished} finished of ${running.length} running`);
        const p = await waitForTasks(d, batch, 60000);
        checks.expect(`round ${round}, finish: the other workers finish the rest`, p.completed === batch.length, `${p.completed}/${batch.length}`);
      }
      // hand-back
      {
        const flow = wideFlow('chaos-shutdown-long', 1, 'builtin.sleep', { ms: opts.longSleepMs });
        flows.push(flow);
        const [id] = await submitMany(d, flow, 1);
        ids.push(id!);
        let running: Awaited<ReturnType<typeof openRuns>> = [];
        for (let i = 0; i < 400 && running.length === 0; i++) {
          running = (await openRuns(d)).filter((r) => r.status === 'running' && r.taskId === id && r.component === 'C0');
          if (running.length === 0) await sleep(25);
        }
        const worker = fleet.alive.find((m) => m.workerId === running[0]?.worker);
        if (worker) await fleet.stop(worker, opts.graceMs);
        figures.sigterms = Number(figures.sigterms) + 1;
        checks.expect(`round ${round}, hand-back: the worker was SIGKILLed after the grace, mid-job`, worker?.exit?.signal === 'SIGKILL',
          `exit ${JSON.stringify(worker?.exit)}, ${running.length} running`);
        for (const r of running) cutShort.set(runKey(r), (cutShort.get(runKey(r)) ?? 0) + 1);
        figures.handed_back = Number(figures.handed_back) + running.length;
        handedBack = id!;
      }
      // scheduler (while the job cut short waits to be found stalled)
      {
        const t0 = Date.now();
        await fleet.stop(scheduler!, 10000);
        figures.sigterms = Number(figures.sigterms) + 1;
        checks.expect(`round ${round}, scheduler: exits 0 within 5 s of SIGTERM`, scheduler!.exit?.code === 0 && scheduler!.exit.at - t0 < 5000,
          `code ${scheduler!.exit?.code} signal ${scheduler!.exit?.signal} after ${scheduler!.exit!.at - t0} ms`);
        const flow = wideFlow('chaos-shutdown-quick', 2, 'builtin.noop');
        flows.push(flow);
        const batch = await submitMany(d, flow, 3);
        ids.push(...batch);
        await Promise.all([fleet.start('scheduler'), fleet.start('worker')]);
        const p = await waitForTasks(d, batch, 30000);
        checks.expect(`round ${round}, scheduler: tasks submitted while no scheduler ran complete under the next`, p.completed === batch.length, `${p.completed}/${batch.length}`);
      }
      const p = await waitForTasks(d, [handedBack], opts.longSleepMs * 2 + 30000);
      checks.expect(`round ${round}, hand-back: another worker runs the job again and the task completes`, p.completed === 1);
      await fleet.stopAll(30000);
    }

    const final = await waitForTasks(d, ids, 30000);
    const byFlow = new Map<string, string[]>();
    const [rows] = await d.store.handle.pool.query<Rows>('SELECT id, flow_name FROM tasks WHERE id IN (?)', [ids]);
    for (const r of rows) byFlow.set(String(r.flow_name), [...(byFlow.get(String(r.flow_name)) ?? []), String(r.id)]);
    const duplicates = [];
    for (const flow of new Map(flows.map((f) => [f.name, f])).values()) {
      const audit = await auditTasks(d, flow, byFlow.get(flow.name) ?? [], checks);
      duplicates.push(...audit.duplicates);
    }
    const budget = new Map(cutShort);
    const causes = tally(duplicates, (dup) => {
      const left = dup.kind === 'execution' ? (budget.get(runKey(dup)) ?? 0) : 0;
      if (left === 0) return undefined;
      budget.set(runKey(dup), left - 1);
      return 'SIGKILL after the SIGTERM grace (job handed back)';
    });
    checks.expect('every duplicate is a job cut short by the SIGKILL after the grace', (causes[UNEXPLAINED] ?? 0) === 0, JSON.stringify(causes));
    const badStops = fleet.badStops.filter((m) => m.exit?.signal !== 'SIGKILL');
    checks.expect('every SIGTERMed process that was not SIGKILLed after its grace exited 0', badStops.length === 0,
      badStops.map((m) => `${m.role} ${m.pid}: ${JSON.stringify(m.exit)}\n${m.log()}`).join('; ') || undefined);
    checks.expect('no process died on its own', fleet.crashed.length === 0, fleet.describeCrashes() || undefined);
    checks.expect('no attempt is left open', (await openRuns(d)).length === 0);
    const leftover = await leftoverJobs(env.settings, ['builtin.sleep', 'builtin.noop']);
    checks.expect('no job is left in any queue', Object.keys(leftover).length === 0, JSON.stringify(leftover));

    return {
      scenario: 'graceful-shutdown', scale, submitted: ids.length, completed: final.completed, lost: ids.length - final.completed,
      duplicates: duplicates.length, causes, figures, checks: checks.list, durationMs: Date.now() - started,
    };
  } finally {
    await fleet.stopAll(10000);
    await d.close();
    await env.dispose();
  }
}
