import { setTimeout as sleep } from 'node:timers/promises';
import { chaosEnv } from '../env.ts';
import { PrivateMariadb } from '../private-services.ts';
import type { Scale, ScenarioReport } from '../report.ts';
import { type Disruption, outageScenario } from './outage.ts';

/**
 * Scenario 3, MySQL outage: a private `mariadbd` becomes unreachable mid-run,
 * twice, in the two ways a database goes away:
 *
 *   freeze  SIGSTOP then SIGCONT: connections stay open and every statement
 *           hangs until the server answers again (a partition, a stuck host);
 *   down    SIGKILL, then a restart on the same data directory once the
 *           outage is over: connections reset, new ones are refused, and
 *           InnoDB recovers every committed transaction.
 *
 * No scheduler or worker may exit; the store retries what it can, BullMQ
 * retries jobs whose store calls ran out of retries, the sweeper finds the
 * rest, and every task completes once the server is back.
 */

export const MYSQL_SCALES: Record<Scale, { tasks: number; workers: number; outageMs: number; timeoutMs: number }> = {
  short: { tasks: 20, workers: 2, outageMs: 2000, timeoutMs: 90000 },
  long: { tasks: 200, workers: 3, outageMs: 5000, timeoutMs: 10 * 60000 },
};

export async function mysqlOutage(scale: Scale): Promise<ScenarioReport> {
  const opts = MYSQL_SCALES[scale];
  const db = await PrivateMariadb.start();
  try {
    const env = await chaosEnv('mysql', { mysqlServer: db.serverUrl });
    const disruptions: Disruption[] = [
      {
        at: 0.2,
        label: 'mysql_freeze',
        cause: 'MySQL frozen (answer or start could not commit; job ran again)',
        async act() {
          const t0 = Date.now();
          db.freeze();
          await sleep(opts.outageMs);
          db.thaw();
          return Date.now() - t0;
        },
      },
      {
        at: 0.55,
        label: 'mysql_down',
        cause: 'MySQL down (answer or start could not commit; job ran again)',
        async act() {
          const t0 = Date.now();
          await db.kill();
          await sleep(opts.outageMs);
          await db.start();
          return Date.now() - t0;
        },
      },
    ];
    try {
      return await outageScenario('mysql-outage', scale, opts, env, disruptions);
    } finally {
      await env.dispose();
    }
  } finally {
    await db.destroy();
  }
}
