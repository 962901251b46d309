import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { databaseOf, dropDatabase, migrateDatabase } from '../../src/adapters/mysql/connection.ts';
import { type Distributed, openRuntimes } from '../../src/runtime/composition.ts';
import { compileSettings, type Settings } from '../../src/settings.ts';
import { beginTest, closeAll, closeScope, currentScope, describeLeaks, endTest, mysqlConnectionsOn, openItems, openScope } from './leaks.ts';

/**
 * Each test file gets a fresh MySQL database and a fresh queue prefix on the
 * machine's real MariaDB and Redis, and fails when it leaves a connection,
 * worker, server or child process behind: each passing test for what it
 * opened itself (see `leaks.ts`), the file at its end for everything, and for
 * every MySQL connection the server still holds on the file's database.
 */

export const MYSQL_SERVER = process.env.SLOTFLOW_TEST_MYSQL ?? 'mysql://root@127.0.0.1:3306';
export const REDIS_URL = process.env.SLOTFLOW_TEST_REDIS ?? 'redis://127.0.0.1:6379';

export interface TestEnv {
  settings: Settings;
  /** Environment for child `slotflow` processes pointing at the same database and queues. */
  env: NodeJS.ProcessEnv;
}

export const liveChildren = new Set<{ kill(signal?: NodeJS.Signals | number): boolean }>();

/**
 * Fails the test that leaves open what it opened: a runtime (its MySQL pools,
 * Redis connections and BullMQ workers), a MySQL pool or Redis connection of
 * its own, a listening server, or a child process. Returns the message, or
 * undefined when nothing is left.
 */
export async function leaksOfTest(test: object, graceMs?: number): Promise<string | undefined> {
  const scopeId = currentScope();
  if (scopeId === undefined) throw new Error('no test environment is open (useFreshEnv)');
  const problems: string[] = [];
  const runtimes = [...openRuntimes].filter((r) => !runtimesBefore.has(r));
  if (runtimes.length > 0) problems.push(`${runtimes.length} runtime(s) (MySQL pools, Redis connections, workers) left open`);
  if (liveChildren.size > 0) problems.push(`${liveChildren.size} child process(es) left running`);
  const items = await openItems(scopeId, test, graceMs);
  if (items.length > 0) problems.push(`left open: ${describeLeaks(items)}`);
  return problems.length > 0 ? problems.join('\n') : undefined;
}

/** The runtimes open when the running test began: those are not its own. */
let runtimesBefore: ReadonlySet<Distributed> = new Set();

export function useFreshEnv(overrides: Record<string, string> = {}): () => TestEnv {
  let current: TestEnv | undefined;
  let scopeId: number | undefined;
  const tag = randomBytes(4).toString('hex');
  const dataDir = path.join(os.tmpdir(), `slotflow-test-${tag}`);
  before(async function () {
    this.timeout(60000);
    scopeId = openScope();
    // Added now rather than when useFreshEnv is called, so they come after every afterEach and after hook
    // the file declares on this suite, whatever the order: a resource closed there is not a leak.
    const suite = this.test!.parent!;
    suite.afterEach('leak check', checkTest);
    suite.afterAll('leak check and cleanup', checkFile);
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
  beforeEach(function () {
    runtimesBefore = new Set(openRuntimes);
    beginTest(this.currentTest);
  });
  async function checkTest(this: Mocha.Context): Promise<void> {
    endTest();
    // A test that fails already says why; a leak is only news after a pass.
    const test = this.currentTest;
    if (!test || test.state !== 'passed' || scopeId === undefined) return;
    const leaks = await leaksOfTest(test);
    if (leaks) throw new Error(`the test "${test.title}" leaked:\n${leaks}`);
  }
  async function checkFile(this: Mocha.Context): Promise<void> {
    this.timeout(60000);
    const problems: string[] = [];
    for (const child of liveChildren) child.kill('SIGKILL');
    if (liveChildren.size > 0) problems.push(`${liveChildren.size} child process(es) left running`);
    liveChildren.clear();
    const runtimes = [...openRuntimes];
    if (runtimes.length > 0) problems.push(`${runtimes.length} runtime(s) (MySQL pools, Redis connections, workers) left open`);
    for (const r of runtimes) await r.close();
    if (scopeId !== undefined) {
      const items = await openItems(scopeId);
      if (items.length > 0) problems.push(`left open: ${describeLeaks(items)}`);
      await closeAll(scopeId);
      closeScope(scopeId);
    }
    if (current) {
      const database = databaseOf(current.settings.mysqlUrl);
      const connections = await mysqlConnectionsOn(MYSQL_SERVER, database);
      if (connections > 0) problems.push(`${connections} MySQL connection(s) still open on ${database}`);
      await dropDatabase(current.settings.mysqlUrl);
    }
    await rm(dataDir, { recursive: true, force: true });
    if (problems.length > 0) throw new Error(`this file leaked:\n${problems.join('\n')}`);
  }
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
