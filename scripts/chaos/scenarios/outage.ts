import { setTimeout as sleep } from 'node:timers/promises';
import { connect, type Distributed } from '../../../src/runtime/composition.ts';
import type { ChaosEnv } from '../env.ts';
import { Fleet } from '../fleet.ts';
import { Checks, type Scale, type ScenarioReport, UNEXPLAINED } from '../report.ts';
import { articleShapedFlow, auditTasks, leftoverJobs, openRuns, runKey, submitMany, tally, waitForTasks, waitForWork } from '../workload.ts';

/**
 * The shape shared by the Redis and MySQL scenarios: a scheduler and workers
 * run the article-video graph; when a given share of the work is done, a
 * server goes away for a while and comes back. Every task must complete, no
 * process may exit, and every duplicate execution must belong to an attempt
 * that was open (queued or running) when the server went away or right
 * after it came back: only those can have lost their job or their answer.
 */

export interface Disruption {
  /** Share of all component successes after which it starts. */
  at: number;
  /** Says what happened, for the figures (`redis_down`, `mysql_freeze`...). */
  label: string;
  /** The cause a duplicate of an attempt open during it is put down to. */
  cause: string;
  /** Takes the server away and brings it back; resolves to how long it was away (ms). */
  act(d: Distributed): Promise<number>;
  /** Optional probe right after the server is back (e.g. how many jobs Redis lost). */
  afterwards?(d: Distributed, openBefore: number): Promise<Record<string, number>>;
}

/** Right after a restart the first statements may still meet a dead pooled connection: try again for a few seconds. */
async function retrying<T>(fn: () => Promise<T>, tries = 20): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await fn();
    } catch (e) {
      if (i >= tries) throw e;
      await sleep(250);
    }
  }
}

export interface OutageOptions {
  tasks: number;
  workers: number;
  timeoutMs: number;
}

export async function outageScenario(
  scenario: string,
  scale: Scale,
  opts: OutageOptions,
  env: ChaosEnv,
  disruptions: readonly Disruption[],
): Promise<ScenarioReport> {
  const started = Date.now();
  const checks = new Checks();
  const fleet = new Fleet({ env: env.env });
  const d = connect(env.settings);
  const figures: Record<string, number | string> = {};
  // Attempt -> the cause of the disruption it was open during.
  const exposed = new Map<string, string>();
  let lastBack = Date.now();
  try {
    await Promise.all([fleet.start('scheduler'), ...Array.from({ length: opts.workers }, () => fleet.start('worker'))]);
    const flow = articleShapedFlow();
    const ids = await submitMany(d, flow, opts.tasks);

    for (const disruption of disruptions) {
      await waitForWork(d, ids, flow, disruption.at, opts.timeoutMs);
      const before = await openRuns(d);
      for (const r of before) exposed.set(runKey(r), disruption.cause);
      const ms = await disruption.act(d);
      const back = Date.now();
      figures[`${disruption.label}_s`] = (ms / 1000).toFixed(1);
      figures[`${disruption.label}_open_attempts`] = before.length;
      const extra = await disruption.afterwards?.(d, before.length);
      for (const [k, v] of Object.entries(extra ?? {})) figures[`${disruption.label}_${k}`] = v;
      for (const r of await retrying(() => openRuns(d))) if (!exposed.has(runKey(r))) exposed.set(runKey(r), disruption.cause);
      checks.expect(`no process exits during ${disruption.label}`, fleet.crashed.length === 0, fleet.describeCrashes() || undefined);
      lastBack = back;
    }

    const final = await waitForTasks(d, ids, opts.timeoutMs);
    figures.recovered_s = ((Date.now() - lastBack) / 1000).toFixed(1);
    const audit = await auditTasks(d, flow, ids, checks);
    const causes = tally(audit.duplicates, (dup) => (dup.kind === 'execution' ? exposed.get(runKey(dup)) : undefined));
    const unexplained = audit.duplicates.filter((dup) => dup.kind !== 'execution' || !exposed.has(runKey(dup)));
    checks.expect('every duplicate belongs to an attempt open during the outage', (causes[UNEXPLAINED] ?? 0) === 0,
      unexplained.slice(0, 5).map((u) => `${runKey(u)} ${u.kind}${u.error ? ` after ${u.error}` : ''}`).join('; ') || undefined);
    checks.expect('no process exits', fleet.crashed.length === 0, fleet.describeCrashes() || undefined);
    const leftover = await leftoverJobs(env.settings, ['builtin.sleep', 'builtin.noop']);
    checks.expect('no job is left in any queue', Object.keys(leftover).length === 0, JSON.stringify(leftover));
    figures.rejected_answers = Object.values(await d.store.countRejections()).reduce((a, b) => a + b, 0);
    figures.executions = audit.executions;

    return {
      scenario, scale, submitted: ids.length, completed: final.completed, lost: ids.length - final.completed,
      duplicates: audit.duplicates.length, causes, figures, checks: checks.list, durationMs: Date.now() - started,
    };
  } finally {
    await fleet.stopAll(10000);
    await d.close();
  }
}
