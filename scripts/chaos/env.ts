import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { dropDatabase, migrateDatabase } from '../../src/adapters/mysql/connection.ts';
import { compileSettings, type Settings } from '../../src/settings.ts';

/**
 * A scenario's own corner of the world: a fresh database, a fresh queue
 * prefix and a fresh data directory, on the shared servers unless the
 * scenario brings private ones (it must, to stop or restart them).
 *
 * Timings are the test suite's (test/support/env.ts): a job of a dead worker
 * runs again within about 3 s, the sweeper looks every 500 ms at tasks idle
 * for 1.5 s.
 */

export const SHARED_MYSQL = process.env.SLOTFLOW_TEST_MYSQL ?? 'mysql://root@127.0.0.1:3306';
export const SHARED_REDIS = process.env.SLOTFLOW_TEST_REDIS ?? 'redis://127.0.0.1:6379';

export const CHAOS_TIMINGS = {
  SLOTFLOW_SWEEP_INTERVAL_MS: '500',
  SLOTFLOW_SWEEP_IDLE_MS: '1500',
  SLOTFLOW_JOB_LOCK_MS: '3000',
  SLOTFLOW_STALLED_INTERVAL_MS: '1000',
} as const;

export interface ChaosEnv {
  tag: string;
  settings: Settings;
  /** For child `slotflow` processes. */
  env: NodeJS.ProcessEnv;
  dispose(): Promise<void>;
}

export interface ChaosEnvOptions {
  mysqlServer?: string;
  redisUrl?: string;
  overrides?: Record<string, string>;
}

export async function chaosEnv(name: string, opts: ChaosEnvOptions = {}): Promise<ChaosEnv> {
  const tag = `${name.replace(/[^a-z0-9]/g, '')}${randomBytes(3).toString('hex')}`;
  const dataDir = path.join(os.tmpdir(), `slotflow-chaos-${tag}`);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    SLOTFLOW_MYSQL_URL: `${opts.mysqlServer ?? SHARED_MYSQL}/slotflow_chaos_${tag}`,
    SLOTFLOW_REDIS_URL: opts.redisUrl ?? SHARED_REDIS,
    SLOTFLOW_QUEUE_PREFIX: `{chaos-${tag}}`,
    SLOTFLOW_DATA_DIR: dataDir,
    // Children's stderr is kept for failure messages: warnings (queue errors, retries) are worth having there.
    SLOTFLOW_LOG_LEVEL: process.env.SLOTFLOW_CHAOS_CHILD_LOG_LEVEL ?? 'warn',
    ...CHAOS_TIMINGS,
    ...opts.overrides,
  };
  const settings = compileSettings(env);
  await migrateDatabase(settings.mysqlUrl);
  return {
    tag,
    settings,
    env,
    async dispose() {
      await dropDatabase(settings.mysqlUrl).catch(() => undefined);
      await forgetKeys(settings.redisUrls[0]!, settings.queuePrefix).catch(() => undefined);
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** Deletes this scenario's keys (its queue prefix only) so the shared Redis does not keep delayed jobs and queue metadata. */
async function forgetKeys(url: string, prefix: string): Promise<void> {
  const redis = new Redis(url, { maxRetriesPerRequest: 1, lazyConnect: true, retryStrategy: () => null });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    // Braces are literal in a SCAN pattern; the other glob characters are escaped.
    const pattern = `${prefix.replace(/[*?[\]\\]/g, (c) => `\\${c}`)}*`;
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 500);
      cursor = next;
      if (keys.length > 0) await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}
