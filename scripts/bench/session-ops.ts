/**
 * MySQL statements and rows changed per job, counted by slotflow's own sessions (`SHOW SESSION STATUS`
 * on every pooled connection at the end), not server-wide: on a machine shared with other people's
 * databases the server's counters include their work, these do not. One process runs the scheduler,
 * the worker (concurrency 8) and the submitter; N bench-13 tasks are submitted at once and drained.
 *
 *   npx tsx scripts/bench/session-ops.ts [tasks=60]
 */
import mysql, { type Pool, type RowDataPacket } from 'mysql2/promise';
import { loadFlow } from '../../src/adapters/flow-files.ts';
import { connect, defaultRegistry, startScheduler, startWorker } from '../../src/runtime/composition.ts';
import { BENCH_FLOW, SUBMIT_CONCURRENCY } from './engine.ts';
import { freshEnv, ROOT } from './lib/env.ts';
import { mapLimit, sleep } from './lib/stats.ts';

const COUNTERS = ['Questions', 'Handler_write', 'Handler_update', 'Handler_delete'] as const;

/** Sums the counters of every connection the pool holds; each SHOW counts itself once, taken off. */
async function sessionTotals(pool: Pool): Promise<Record<string, number>> {
  const inner = (pool as unknown as { pool: { _allConnections: { toArray(): unknown[] } } }).pool;
  const conns = inner._allConnections.toArray() as Array<{ promise(): mysql.Connection }>;
  const total: Record<string, number> = Object.fromEntries(COUNTERS.map((c) => [c, 0]));
  for (const c of conns) {
    const [rows] = await c.promise().query<RowDataPacket[]>('SHOW SESSION STATUS WHERE Variable_name IN (?)', [COUNTERS]);
    for (const r of rows) total[String(r.Variable_name)]! += Number(r.Value);
    total.Questions! -= 1;
  }
  return total;
}

const tasks = Number(process.argv[2] ?? 60);
const env = await freshEnv('session-ops');
const d = connect(env.settings);
try {
  await startScheduler(d, env.settings);
  await startWorker(d, env.settings, defaultRegistry(), { concurrency: 8 });
  const flow = loadFlow(BENCH_FLOW, ROOT);
  const watch = await mysql.createConnection(env.settings.mysqlUrl);
  const t0 = performance.now();
  await mapLimit(Array.from({ length: tasks }, (_, i) => i), SUBMIT_CONCURRENCY, (i) => d.engine.submit({ flow, input: { bench: i } }));
  for (;;) {
    const [rows] = await watch.query<RowDataPacket[]>(`SELECT COUNT(*) AS n, AVG(version) AS v FROM tasks WHERE phase = 'completed'`);
    if (Number(rows[0]!.n) >= tasks) {
      const seconds = (performance.now() - t0) / 1000;
      await sleep(200);
      const h = d.store.handle;
      const sums = await Promise.all([h.pool, h.batchPool, h.commitPool].map(sessionTotals));
      const all = Object.fromEntries(COUNTERS.map((c) => [c, sums.reduce((a, s) => a + s[c]!, 0)]));
      const jobs = tasks * flow.components.length;
      const rowsChanged = all.Handler_write! + all.Handler_update! + all.Handler_delete!;
      console.log(JSON.stringify({
        tasks, jobs, seconds: Number(seconds.toFixed(2)), statementsPerJob: Number((all.Questions! / jobs).toFixed(3)),
        rowsPerJob: Number((rowsChanged / jobs).toFixed(3)), rows: { write: all.Handler_write, update: all.Handler_update, delete: all.Handler_delete },
        taskVersion: Number(Number(rows[0]!.v).toFixed(2)),
      }));
      break;
    }
    await sleep(50);
  }
  await watch.end();
} finally {
  await d.close();
  await env.cleanup();
}
