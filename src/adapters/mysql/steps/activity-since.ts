/**
 * activity-since: four SELECTs, no locks; each starts from the tasks created
 * since the given time (index tasks_created), so the cost follows the window,
 * not the table.
 *   reads   tasks: phase and times; component_runs: executions and cached
 *           of those tasks; assets: provider and latency of those tasks'
 *           files not reused
 *   result  the counts, each provider's reported cost summed, and nearest-rank p50/p95 of completed top-level
 *           tasks' durations and of each provider's latency (ROW_NUMBER over
 *           the sorted values: MariaDB and MySQL 8 alike)
 */
import { nearestRankSql } from '../nearest-rank-sql.ts';
import type { ActivityStats } from '../../../core/ports/activity.ts';
import type { Queryable, Rows } from '../connection.ts';

export async function activitySince(db: Queryable, since: Date): Promise<ActivityStats> {
  const [phases] = await db.execute<Rows>(
    'SELECT phase, COUNT(*) AS n FROM tasks WHERE created_at >= ? AND parent_id IS NULL GROUP BY phase',
    [since],
  );
  const [durations] = await db.execute<Rows>(
    nearestRankSql(
      `SELECT '' AS k, TIMESTAMPDIFF(MICROSECOND, created_at, updated_at) / 1000 AS v FROM tasks
       WHERE created_at >= ? AND parent_id IS NULL AND phase = 'completed'`,
    ),
    [since],
  );
  const [runs] = await db.execute<Rows>(
    `SELECT COALESCE(SUM(r.executions), 0) AS executions, COALESCE(SUM(r.cached), 0) AS cached
     FROM tasks t JOIN component_runs r ON r.task_id = t.id WHERE t.created_at >= ?`,
    [since],
  );
  const [providers] = await db.execute<Rows>(
    nearestRankSql(
      `SELECT a.provider AS k, a.latency_ms AS v FROM tasks t JOIN assets a ON a.task_id = t.id
       WHERE t.created_at >= ? AND a.reused = 0`,
    ),
    [since],
  );
  const [costs] = await db.execute<Rows>(
    `SELECT a.provider AS k, SUM(a.cost_usd) AS cost FROM tasks t JOIN assets a ON a.task_id = t.id
     WHERE t.created_at >= ? AND a.reused = 0 AND a.cost_usd IS NOT NULL GROUP BY a.provider`,
    [since],
  );
  const costOf = (provider: string) => {
    const row = costs.find((r) => r.k === provider);
    return row ? Number(row.cost) : null;
  };
  const count = (phase: string) => Number(phases.find((r) => r.phase === phase)?.n ?? 0);
  const submitted = phases.reduce((sum, r) => sum + Number(r.n), 0);
  const [completed, failed, cancelled] = [count('completed'), count('failed'), count('cancelled')];
  const d = durations[0];
  return {
    since,
    tasks: { submitted, completed, failed, cancelled, unfinished: submitted - completed - failed - cancelled },
    durationMs: { p50: d ? Number(d.p50) : null, p95: d ? Number(d.p95) : null },
    runs: { executions: Number(runs[0]?.executions ?? 0), cached: Number(runs[0]?.cached ?? 0) },
    providers: providers
      .map((r) => ({ provider: String(r.k), assets: Number(r.n), p50Ms: Number(r.p50), p95Ms: Number(r.p95), costUsd: costOf(String(r.k)) }))
      .sort((a, b) => a.provider.localeCompare(b.provider)),
  };
}
