import type { Scale, ScenarioReport } from '../report.ts';
import { callbacks } from './callbacks.ts';
import { crashes } from './crashes.ts';
import { gracefulShutdown } from './graceful-shutdown.ts';
import { hostileInput } from './hostile-input.ts';
import { lockExpiry } from './lock-expiry.ts';
import { mysqlOutage } from './mysql-outage.ts';
import { redisRestart } from './redis-restart.ts';

/** The chaos scenarios, in the order `npm run chaos` runs them. */
export interface Scenario {
  name: string;
  what: string;
  run(scale: Scale): Promise<ScenarioReport>;
}

export const SCENARIOS: readonly Scenario[] = [
  { name: 'crashes', what: 'kill -9 of a random worker or scheduler every 2 s', run: crashes },
  { name: 'redis-restart', what: 'Redis (no persistence) down mid-run, back empty', run: redisRestart },
  { name: 'mysql-outage', what: 'MySQL frozen, then killed and restarted, mid-run', run: mysqlOutage },
  { name: 'lock-expiry', what: 'a completion paused past the Redlock TTL while another lands', run: lockExpiry },
  { name: 'callbacks', what: 'forged, retargeted, expired, stale, replayed tokens; bad and oversize bodies', run: callbacks },
  { name: 'hostile-input', what: 'flow mutations, hostile articles, missing tokens, path traversal', run: hostileInput },
  { name: 'graceful-shutdown', what: 'SIGTERM to busy workers and the scheduler', run: gracefulShutdown },
];
