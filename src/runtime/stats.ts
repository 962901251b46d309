/**
 * The stats view: what `GET /v1/stats` answers and `slotflow stats --json`
 * prints, from the store's activity of the last 24 hours.
 *
 * - completion rate: completed over finished (completed, failed, cancelled)
 *   top-level tasks submitted in the window; null while none has finished;
 * - duration: submit to the last write of the completed ones, p50/p95;
 * - executions saved by reuse: component runs answered from the result cache
 *   instead of executed;
 * - per-provider latency of the files made, p50/p95, and what they cost
 *   where the provider reported it.
 */
import type { ActivityReads, ActivityStats } from '../core/ports/activity.ts';

export const STATS_WINDOW_HOURS = 24;
const HOUR_MS = 3_600_000;

export interface StatsView {
  window_hours: number;
  since: string;
  until: string;
  tasks: ActivityStats['tasks'];
  completion_rate: number | null;
  duration_sec: { p50: number | null; p95: number | null };
  executions: { run: number; saved_by_reuse: number };
  providers: Array<{ provider: string; assets: number; latency_ms: { p50: number; p95: number }; cost_usd: number | null }>;
}

const seconds = (ms: number | null) => (ms === null ? null : Math.round(ms) / 1000);

export async function statsView(reads: ActivityReads, now = new Date()): Promise<StatsView> {
  const since = new Date(now.getTime() - STATS_WINDOW_HOURS * HOUR_MS);
  const a = await reads.activitySince(since);
  const finished = a.tasks.completed + a.tasks.failed + a.tasks.cancelled;
  return {
    window_hours: STATS_WINDOW_HOURS,
    since: since.toISOString(),
    until: now.toISOString(),
    tasks: a.tasks,
    completion_rate: finished === 0 ? null : Math.round((a.tasks.completed / finished) * 1000) / 1000,
    duration_sec: { p50: seconds(a.durationMs.p50), p95: seconds(a.durationMs.p95) },
    executions: { run: a.runs.executions, saved_by_reuse: a.runs.cached },
    providers: a.providers.map((p) => ({ provider: p.provider, assets: p.assets, latency_ms: { p50: Math.round(p.p50Ms), p95: Math.round(p.p95Ms) }, cost_usd: p.costUsd })),
  };
}
