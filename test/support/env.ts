import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { dropDatabase, migrateDatabase } from '../../src/adapters/mysql/connection.ts';
import { openRuntimes } from '../../src/runtime/composition.ts';
import { compileSettings, type Settings } from '../../src/settings.ts';

/**
 * Each test file gets a fresh MySQL database and a fresh queue prefix on the
 * machine's real MariaDB and Redis, and fails when it leaves a connection,
 * worker or child process behind.
 */

export const MYSQL_SERVER = process.env.SLOTFLOW_TEST_MYSQL ?? 'mysql://root@127.0.0.1:3306';
export const REDIS_URL = process.env.SLOTFLOW_TEST_REDIS ?? 'redis://127.0.0.1:6379';

export interface TestEnv {
  settings: Settings;
  /** Environment for child `slotflow` processes pointing at the same database and queues. */
  env: NodeJS.ProcessEnv;
}

export const liveChildren = new Set<{ kill(signal?: NodeJS.Signals | number): boolean }>();

export function useFreshEnv(overrides: Record<string, string> = {}): () => TestEnv {
  let current: TestEnv | undefined;
  const tag = randomBytes(4).toString('hex');
  const dataDir = path.join(os.tmpdir(), `slotflow-test-${tag}`);
  before(async function () {
    this.timeout(60000);
    const env = {
      ...process.env,
      SLOTFLOW_MYSQL_URL: `${MYSQL_SERVER}/slotflow_t_${tag}`,
      SLOTFLOW_REDIS_URL: REDIS_URL,
      SLOTFLOW_QUEUE_PREFIX: `{sft-${tag}}`,
      SLOTFLOW_SWEEP_INTERVAL_MS: '500',
      SLOTFLOW_SWEEP_IDLE_MS: '1500',
      SLOTFLOW_JOB_LOCK_MS: '3000',
      SLOTFLOW_STALLED_INTERVAL_MS: '1000',
      SLOTFLOW_DATA_DIR: dataDir,
      ...overrides,
    };
    const settings = compileSettings(env);
    await migrateDatabase(settings.mysqlUrl);
    current = { settings, env };
  });
  afterEach(function () {
    // A test that fails already says why; a leak is only news after a pass.
    if (this.currentTest?.state !== 'passed') return;
    expect(liveChildren.size, 'child processes left running').to.equal(0);
  });
  after(async function () {
    this.timeout(60000);
    for (const child of liveChildren) child.kill('SIGKILL');
    liveChildren.clear();
    const leaked = openRuntimes.size;
    for (const r of [...openRuntimes]) await r.close();
    if (current) await dropDatabase(current.settings.mysqlUrl);
    await rm(dataDir, { recursive: true, force: true });
    expect(leaked, 'runtimes (MySQL pools, Redis connections, workers) left open').to.equal(0);
  });
  return () => {
    if (!current) throw new Error('the test environment is not ready (used outside a test?)');
    return current;
  };
}

export async function eventually<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30000, everyMs = 100): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
